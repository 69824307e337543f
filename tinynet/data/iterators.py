"""The iterators a DataLoader returns: one process, or worker processes (PyTorch's design).

The multi-process iterator keeps up to ``prefetch_factor`` batches in flight per worker: it numbers
each batch of indices, sends it to the next active worker's index queue (round robin), reads the
results from whichever worker's result pipe is ready (a worker that dies closes its pipe, which is
how its death is noticed at once), and yields them in number order (``in_order``; otherwise as they
arrive), holding back those that come early. When the epoch ends, or the iterator is deleted (a loop
that breaks early drops it), the workers get a stop signal and are joined, and terminated if they do
not exit. With persistent workers the loader keeps the iterator and, for the next epoch, asks each
worker to restart its fetcher and waits for all of them to acknowledge (skipping any results left
over from an epoch that was broken off).
"""

from __future__ import annotations

import itertools
import os
from multiprocessing.connection import wait

from tinynet.data.worker import make_fetcher, receive, worker_loop

JOIN_SECONDS = 5.0  # how long a worker gets to exit before it is terminated


def _length(loader) -> int | None:
    """len(loader), or None for a stream without a length."""
    try:
        return len(loader)
    except TypeError:
        return None


class _LoaderIterator:
    """What both iterators share: ``iter(it) is it`` and ``len(it) == len(loader)``."""

    _length: int | None = None

    def __iter__(self):
        return self

    def __len__(self) -> int:
        if self._length is None:
            raise TypeError("this DataLoader's dataset has no len(), so neither has its iterator")
        return self._length


def worker_base_seed(generator) -> int:
    """A seed for this epoch's workers from ``generator`` (default: tinynet's default generator):
    drawn from a child of its seed sequence (NumPy's ``spawn``), so the generator's own stream,
    which gives the shuffled order, is the same whatever num_workers is."""
    from tinynet.random import numpy_generator

    rng = numpy_generator(generator)
    try:
        rng = rng.spawn(1)[0]
    except (AttributeError, TypeError, ValueError):
        pass  # a bit generator without a seed sequence: draw from the stream itself
    return int(rng.integers(0, 2**62))


class SingleProcessIterator(_LoaderIterator):
    """Batches fetched in the calling process, one per ``next``."""

    def __init__(self, loader):
        self._length = _length(loader)
        self._sampler_iter = iter(loader._index_sampler)
        self._fetcher = make_fetcher(loader._is_iterable, loader.dataset, loader._auto_collation,
                                     loader.collate_fn, loader.drop_last)

    def __next__(self):
        return self._fetcher.fetch(next(self._sampler_iter))


class MultiProcessIterator(_LoaderIterator):
    """Batches fetched by ``loader.num_workers`` worker processes (see the module docstring)."""

    def __init__(self, loader):
        self._shutdown = True  # until the workers exist, there is nothing to shut down
        self._workers, self._index_queues, self._readers = [], [], []
        import multiprocessing

        context = loader.multiprocessing_context or multiprocessing.get_context()
        self._num_workers = loader.num_workers
        self._max_tasks = loader.prefetch_factor * loader.num_workers
        self._timeout = loader.timeout
        self._in_order = loader.in_order
        self._persistent = loader.persistent_workers
        self._done_event = context.Event()
        self._shutdown = False
        base_seed = worker_base_seed(loader.generator)
        forked = context.get_start_method() == "fork"
        try:
            for worker_id in range(self._num_workers):
                index_queue = context.Queue()
                index_queue.cancel_join_thread()
                reader, writer = context.Pipe(duplex=False)
                # a forked worker inherits the readers made so far: it closes them, so that
                # when this process closes a reader its worker's writes fail at once
                inherited = [r.fileno() for r in [*self._readers, reader]] if forked else []
                self._index_queues.append(index_queue)
                self._readers.append(reader)
                worker = context.Process(
                    target=worker_loop, daemon=True,
                    args=(loader._is_iterable, loader.dataset, index_queue, writer,
                          self._done_event, loader._auto_collation, loader.collate_fn,
                          loader.drop_last, base_seed, loader.worker_init_fn, worker_id,
                          self._num_workers, os.getpid(), inherited))
                try:
                    worker.start()
                finally:
                    writer.close()  # the worker's end: only the worker may hold it open
                self._workers.append(worker)
            self.reset(loader, first=True)
        except BaseException:
            self._shutdown_workers()
            raise

    @property
    def closed(self) -> bool:
        return self._shutdown

    @property
    def worker_pids(self) -> list[int]:
        return [worker.pid for worker in self._workers]

    def reset(self, loader, first: bool = False) -> None:
        """Start an epoch: a new pass of the sampler; for reused workers, a restart of each."""
        self._length = _length(loader)
        self._sampler_iter = iter(loader._index_sampler)
        self._sent = self._received = self._outstanding = 0
        self._tasks = {}  # task number -> [worker id] or [worker id, (kind, payload)]
        self._active = [True] * self._num_workers
        self._next_worker = itertools.cycle(range(self._num_workers))
        if not first:
            for index_queue in self._index_queues:
                index_queue.put("resume")
            waiting = self._num_workers
            while waiting:
                if self._get()[0] == "resumed":
                    waiting -= 1
        for _ in range(self._max_tasks):
            self._put_task()

    def _put_task(self) -> None:
        if self._outstanding >= self._max_tasks:
            return
        try:
            index = next(self._sampler_iter)
        except StopIteration:
            return
        for _ in range(self._num_workers):
            worker_id = next(self._next_worker)
            if self._active[worker_id]:
                break
        else:
            return
        self._index_queues[worker_id].put((self._sent, index))
        self._tasks[self._sent] = [worker_id]
        self._sent += 1
        self._outstanding += 1

    def _get(self) -> tuple:
        """The next message from any worker; a RuntimeError if a worker died or (with a
        timeout) none answered in time."""
        ready = wait(self._readers, timeout=self._timeout if self._timeout > 0 else None)
        if not ready:
            self._shutdown_workers(join_seconds=0.1)  # a stuck worker: no grace period
            raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
        reader = ready[0]
        try:
            return receive(reader)
        except (EOFError, OSError):
            worker = self._workers[self._readers.index(reader)]
            worker.join(timeout=1.0)
            self._shutdown_workers(join_seconds=0.1)
            raise RuntimeError(f"DataLoader worker (pid(s) {worker.pid}) exited unexpectedly "
                               f"(exit code {worker.exitcode}; a negative code is the signal "
                               f"that killed it)") from None

    def __next__(self):
        if self._shutdown:
            raise StopIteration
        while True:
            while self._received < self._sent:  # skip tasks nobody will answer
                task = self._tasks.get(self._received)
                if task is not None and (len(task) == 2 or self._active[task[0]]):
                    break
                if task is not None:
                    self._outstanding -= 1  # sent to a worker whose data ran out
                    del self._tasks[self._received]
                self._received += 1
            else:
                if not self._persistent:
                    self._shutdown_workers()
                raise StopIteration
            task = self._tasks[self._received]
            if len(task) == 2:
                del self._tasks[self._received]
                self._received += 1
                return self._process(task[1])
            kind, number, payload = self._get()
            self._outstanding -= 1
            if kind == "end":  # an IterableDataset worker has no more data
                self._active[payload] = False
                del self._tasks[number]
                self._put_task()
                continue
            if number == self._received or not self._in_order:
                del self._tasks[number]
                if number == self._received:
                    self._received += 1
                return self._process((kind, payload))
            self._tasks[number].append((kind, payload))

    def _process(self, result: tuple):
        kind, payload = result
        self._put_task()
        if kind == "error":
            if not self._persistent:
                self._shutdown_workers()
            payload.reraise()
        return payload

    def _shutdown_workers(self, join_seconds: float = JOIN_SECONDS) -> None:
        """Stop every worker (a stop signal, a join, terminate if it has not exited within
        ``join_seconds``) and close the queues; safe to call more than once."""
        if self._shutdown:
            return
        self._shutdown = True
        try:
            self._done_event.set()
            for index_queue in self._index_queues:
                index_queue.put(None)
            for reader in self._readers:
                reader.close()  # a worker blocked sending a result gets a broken pipe and exits
            for worker in self._workers:
                worker.join(timeout=join_seconds)
                if worker.is_alive():
                    worker.terminate()
                    worker.join()
        finally:
            for index_queue in self._index_queues:
                index_queue.close()

    def __del__(self):
        try:
            self._shutdown_workers()
        except Exception:
            pass  # interpreter shutdown: the daemonic workers are terminated by multiprocessing
