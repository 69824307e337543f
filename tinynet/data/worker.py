"""The worker side of multi-process loading, and the fetchers that both sides use.

A DataLoader with ``num_workers=N`` starts N processes, each running ``worker_loop``: it takes
``(task number, indices)`` from its own index queue, fetches and collates that batch (a fetcher,
as the single-process loader does), and sends ``(kind, task number, payload)`` down its own
result pipe (``send``: the arrays out of band, so they are copied only into and out of the pipe),
pickled before sending so that a batch that cannot be pickled becomes an error message instead
of a lost batch. Inside a worker, ``get_worker_info()`` says which worker it is.

Seeding, as in PyTorch: worker ``i`` gets seed ``base_seed + i``, which seeds Python's
``random`` and tinynet's default generator; NumPy's global RNG gets a state derived from
(base_seed, i) through ``np.random.SeedSequence``, so no two workers share random streams.
"""

from __future__ import annotations

import io
import os
import pickle
import queue
import random
import sys
import traceback

import numpy as np

from tinynet.tensor import Tensor

POLL_SECONDS = 1.0  # how often a waiting worker checks that its parent is still alive
_worker_info = None


class WorkerInfo:
    """What ``get_worker_info()`` returns inside a worker: ``id`` (0 to num_workers - 1),
    ``num_workers``, ``seed`` (this worker's seed) and ``dataset`` (this worker's copy)."""

    __slots__ = ("id", "num_workers", "seed", "dataset")

    def __init__(self, id: int, num_workers: int, seed: int, dataset):
        for name, value in zip(self.__slots__, (id, num_workers, seed, dataset)):
            object.__setattr__(self, name, value)

    def __setattr__(self, name, value):
        raise RuntimeError(f"Cannot assign attributes to {type(self).__name__} objects")

    def __repr__(self) -> str:
        return (f"WorkerInfo(id={self.id}, num_workers={self.num_workers}, seed={self.seed}, "
                f"dataset={type(self.dataset).__name__})")


def get_worker_info() -> WorkerInfo | None:
    """This worker's ``WorkerInfo`` inside a DataLoader worker process, None in the main process.
    An IterableDataset uses it to give each worker its own part of the data."""
    return _worker_info


class MapFetcher:
    """A batch of a map-style dataset: ``collate_fn([dataset[i] for i in indices])`` (through
    ``dataset.__getitems__(indices)`` where the dataset defines it), or without batching
    ``collate_fn(dataset[index])``."""

    def __init__(self, dataset, auto_collation: bool, collate_fn, drop_last: bool):
        self.dataset, self.auto_collation, self.collate_fn = dataset, auto_collation, collate_fn

    def fetch(self, index):
        if not self.auto_collation:
            return self.collate_fn(self.dataset[index])
        getitems = getattr(self.dataset, "__getitems__", None)
        samples = getitems(index) if getitems else [self.dataset[i] for i in index]
        return self.collate_fn(samples)


class IterableFetcher:
    """The next batch of an iterable-style dataset: up to ``len(index)`` items from one iterator
    over it; StopIteration when it has nothing left (or, with drop_last, only a short batch)."""

    def __init__(self, dataset, auto_collation: bool, collate_fn, drop_last: bool):
        self.iterator = iter(dataset)
        self.auto_collation, self.collate_fn, self.drop_last = auto_collation, collate_fn, drop_last
        self.ended = False

    def fetch(self, index):
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.iterator))
        samples = []
        for _ in index:
            try:
                samples.append(next(self.iterator))
            except StopIteration:
                self.ended = True
                break
        if not samples or (self.drop_last and len(samples) < len(index)):
            raise StopIteration
        return self.collate_fn(samples)


def make_fetcher(iterable: bool, dataset, auto_collation: bool, collate_fn, drop_last: bool):
    kind = IterableFetcher if iterable else MapFetcher
    return kind(dataset, auto_collation, collate_fn, drop_last)


class _KeyErrorMessage(str):
    """A KeyError prints its message with repr(); this keeps the traceback text readable."""

    def __repr__(self) -> str:
        return self


class WorkerError:
    """An exception raised in a worker, carried to the main process: its type (when it can be
    pickled by reference) and the worker's traceback text. Built inside the ``except`` block."""

    def __init__(self, worker_id: int, task: int, index, doing: str | None = None):
        exc_type = sys.exc_info()[0]
        self.type_name = exc_type.__qualname__
        self.text = traceback.format_exc()
        try:
            self.exc_type = exc_type if pickle.loads(pickle.dumps(exc_type)) is exc_type else None
        except Exception:
            self.exc_type = None
        self.where = f"in DataLoader worker process {worker_id} {doing or self._batch(task, index)}"

    @staticmethod
    def _batch(task: int, index) -> str:
        if isinstance(index, list) and index and index[0] is not None:
            shown = ", ".join(map(str, index[:8])) + (", ..." if len(index) > 8 else "")
            return f"while loading batch {task} (dataset indices [{shown}])"
        if isinstance(index, int):
            return f"while loading batch {task} (dataset index {index})"
        return f"while loading batch {task}"

    def reraise(self):
        """Raise the worker's exception class (RuntimeError if it cannot be rebuilt) with a
        message naming the worker, the batch and the original traceback."""
        message = f"Caught {self.type_name} {self.where}.\nOriginal {self.text}"
        error = None
        if self.exc_type is not None:
            try:
                error = self.exc_type(_KeyErrorMessage(message) if self.exc_type is KeyError
                                      else message)
            except Exception:
                error = None
        raise error if isinstance(error, BaseException) else RuntimeError(message)


def _rebuild_tensor(array: np.ndarray, requires_grad: bool) -> Tensor:
    return Tensor._make(array, requires_grad)


class _BatchPickler(pickle.Pickler):
    """Pickles a Tensor as its own elements (a view's base is left behind) and refuses a tensor
    inside an autograd graph: the graph cannot cross processes."""

    def reducer_override(self, obj):
        if type(obj) is not Tensor:
            return NotImplemented
        if obj.grad_fn is not None:
            raise RuntimeError("a tensor computed with requires_grad=True cannot be sent from a "
                               "DataLoader worker: autograd graphs do not cross process "
                               "boundaries; return tensor.detach() from the dataset")
        return _rebuild_tensor, (obj.detach().numpy(), obj.requires_grad)


def send(connection, message) -> None:
    """Send ``message`` down a pipe: a small pickle whose arrays travel after it, out of band
    (pickle protocol 5), each written straight from its memory; pickled whole before the first
    byte is written, so a failure to pickle sends nothing."""
    buffers = []
    stream = io.BytesIO()
    _BatchPickler(stream, protocol=5, buffer_callback=buffers.append).dump(message)
    raws = [buffer.raw() for buffer in buffers]
    connection.send_bytes(pickle.dumps(([raw.nbytes for raw in raws], stream.getvalue())))
    for raw in raws:
        connection.send_bytes(raw)


def receive(connection):
    """The message ``send`` sent, its arrays in fresh writable memory."""
    sizes, head = pickle.loads(connection.recv_bytes())
    buffers = []
    for size in sizes:
        buffer = np.empty(size, np.uint8)
        connection.recv_bytes_into(buffer)
        buffers.append(buffer)
    return pickle.loads(head, buffers=buffers)


def seed_worker(base_seed: int, worker_id: int) -> int:
    """Seed this process's random sources for worker ``worker_id`` (see the module docstring)."""
    from tinynet.random import manual_seed

    seed = base_seed + worker_id
    random.seed(seed)
    manual_seed(seed)
    np.random.seed(np.random.SeedSequence([worker_id, base_seed]).generate_state(4))
    return seed


def worker_loop(iterable: bool, dataset, index_queue, result_pipe, done_event,
                auto_collation: bool, collate_fn, drop_last: bool, base_seed: int, init_fn,
                worker_id: int, num_workers: int, parent_pid: int,
                inherited_fds: list[int]) -> None:
    """A worker process's body: seed, run ``init_fn(worker_id)``, then fetch the batches asked
    for until told to stop (None), told to stop early (done_event) or orphaned.
    ``inherited_fds``: the main process's ends of the result pipes, which a forked worker holds
    too and closes."""
    global _worker_info
    from tinynet.runtime import set_num_threads

    for fd in inherited_fds:
        os.close(fd)
    try:
        seed = seed_worker(base_seed, worker_id)
        set_num_threads(1)  # the workers share the cores: one thread each, as in PyTorch
        _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
        init_error = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = make_fetcher(iterable, dataset, auto_collation, collate_fn, drop_last)
        except Exception:
            init_error = WorkerError(worker_id, 0, None,
                                     "while starting (worker_init_fn or iter(dataset))")
        ended = False
        while True:
            try:
                task = index_queue.get(timeout=POLL_SECONDS)
            except queue.Empty:
                if os.getppid() != parent_pid:
                    break  # the main process is gone
                continue
            if task is None:
                break
            if task == "resume":  # persistent workers: a new epoch
                if init_error is None:
                    fetcher = make_fetcher(iterable, dataset, auto_collation, collate_fn,
                                           drop_last)
                ended = False
                send(result_pipe, ("resumed", None, worker_id))
                continue
            if done_event.is_set() or ended:
                continue
            number, index = task
            if init_error is not None:
                message, init_error = ("error", number, init_error), None
            else:
                try:
                    message = ("batch", number, fetcher.fetch(index))
                except StopIteration:
                    if not iterable:
                        message = ("error", number, WorkerError(worker_id, number, index))
                    else:
                        message, ended = ("end", number, worker_id), True
                except Exception:
                    message = ("error", number, WorkerError(worker_id, number, index))
            try:
                send(result_pipe, message)
            except (BrokenPipeError, ConnectionResetError):
                break  # the main process closed its end: it is shutting the workers down
            except Exception:
                send(result_pipe, ("error", number, WorkerError(
                    worker_id, number, index, f"while pickling batch {number} for the main "
                    f"process")))
            del message
    except (KeyboardInterrupt, BrokenPipeError, ConnectionResetError):
        pass  # Ctrl-C is the main process's to handle; a closed pipe means shutdown
    finally:
        result_pipe.close()
