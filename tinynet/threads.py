"""How many threads tinynet's numerics use, and the pool that runs their parallel work.

What n threads means (``set_num_threads(n)``, or TINYNET_NUM_THREADS at import):
- a large enough convolution (Conv2d, ConvTranspose2d and the weight gradient Conv2dWeight,
  tinynet/ops/conv.py) splits its batch into n chunks and runs each chunk's whole work (im2col
  or Winograd's transforms, products) at once, one on the calling thread and the others on a
  pool of n - 1 threads: PyTorch's intra-op parallelism over the batch is the model;
- a MatMul or Linear product of at least LARGE_PRODUCT_MULTIPLY_ADDS = 2**24 multiply-adds runs
  as n blocks of rows (of columns for one row) on the same pool (tinynet/ops/linalg.py);
  smaller ones run whole, as PyTorch runs an op on one thread below a grain size;
- the BLAS itself always runs on one thread: every parallel product is made of one-thread BLAS
  calls on the pool's threads;
- Numba's parallel loops use n threads, in whichever Python thread runs them (at one thread,
  the serial loops run instead).

Measured on the project's 2-core machine at 2 threads, a conv2d forward + backward of
64x16x16x16 -> 32 channels (k3): 2.9-3.1 ms as two chunks against 4.3-4.5 ms for the same step
on one Python thread with a two-thread BLAS, whose threads only share each product's loops.
tinynet/ops/conv.py has the measurements of other sizes and the sizes from which a convolution
splits. matmul 1024^3: 280 GFLOP/s in two blocks, against 295 for np.matmul on OpenBLAS's two
threads (benchmarks/kernels.py).

Why never OpenBLAS's own threads: they spin for a while after each threaded product, and on 2
cores they take the core from the pool's worker and from the Python thread that drives the
graph. The U-Net on ``shapes`` (``tinynet train unet``) took 8.7-9.6 s an epoch at 2 threads
when the products outside the chunked convolutions ran on a two-thread BLAS, 5.6-6.3 s with
the BLAS on one thread throughout, and 6.2-6.7 s at one thread.

The default is one thread. tinynet's graphs are made of many small products (a layer on a
mini-batch), where splitting gains little: the MNIST-1D and digits CNNs have no convolution
large enough to split, and their epochs take the same time at 1 and 2 threads. ``import
tinynet`` sets one thread, unless the user chose a count through TINYNET_NUM_THREADS,
OPENBLAS_NUM_THREADS, MKL_NUM_THREADS or OMP_NUM_THREADS (then that count, with the BLAS on one
thread); ``set_num_threads(n)`` changes it at any time (as ``torch.set_num_threads``). This is
a deliberate difference from PyTorch, whose default is one thread per core.

The BLAS's thread count is process-wide, so tinynet sets it for the whole process: a user's own
NumPy products also run on one BLAS thread, except inside ``with
tinynet.threads.all_blas_threads():`` (n threads, unless some thread runs tinynet's parallel
work, whose one_blas_thread takes precedence). Inside a user's own
``threadpoolctl.threadpool_limits``, tinynet's parallel work still runs on one BLAS thread, and
the user's count comes back after each call: the count found when the first of tinynet's BLAS
contexts opened is the one put back when the last closes (with several threads in tinynet's
parallel work at once, the first's).

All of this holds for an OpenBLAS on its own threads (pthreads, as this machine's and PyPI's
NumPy wheels have). An OpenBLAS built on OpenMP keeps a count per Python thread: there the pool's
workers set their own to one, the thread in tinynet's parallel work has its own set and put
back, but a count read in one thread may be put back in another when several threads overlap.
"""

from __future__ import annotations

import ctypes
import itertools
import os
import sys
import threading
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

_USER_VARIABLES = ("TINYNET_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                   "OMP_NUM_THREADS")
_state = {"threads": None}
_pool = {"pool": None}
_pool_lock = threading.Lock()
# libraries: {path: (threadpoolctl controller, set_threads)}; open: {(kind, thread id): how
# many contexts of that kind ("one" for one_blas_thread, "all" for all_blas_threads) the thread
# has open}; outside: {path: count} to put back when the last one closes.
_blas = {"libraries": None, "open": Counter(), "outside": {}}
LARGE_PRODUCT_MULTIPLY_ADDS = 2**24
_blas_lock = threading.Lock()


def set_num_threads(threads: int) -> None:
    """Use ``threads`` threads: large convolutions split their batch into that many chunks and
    large MatMul/Linear products their rows (or a single row's columns) into that many blocks,
    run at once on one-thread BLAS calls; Numba's parallel loops use ``threads`` threads, and
    none at one thread (kernels/jit.py). Every BLAS library is set to one thread (the module
    docstring says why)."""
    if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
        raise ValueError(f"set_num_threads: expected a positive int, got {threads!r}")
    if "numba" in sys.modules:  # importing numba just for this would cost 0.15 s at start-up
        import numba

        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    with _blas_lock:
        _state["threads"] = threads
        _blas["libraries"] = None  # found again: some may have loaded since
        _blas["outside"] = dict.fromkeys(_blas_libraries(), 1)
        _set_blas_threads()


def get_num_threads() -> int:
    """The thread count last set (by default 1, or the user's variable), else the core count."""
    return _state["threads"] or os.cpu_count() or 1


def _count_from_variable(name: str) -> int | None:
    """The thread count in the environment variable `name`: a positive int, or for the BLAS's
    and OpenMP's variables the first of a comma-separated list (OpenMP's nested counts); None
    when it is not one."""
    text = os.environ[name]
    value = text if name == "TINYNET_NUM_THREADS" else text.split(",")[0]
    try:
        count = int(value.strip())
    except ValueError:
        return None
    return count if count >= 1 else None


def apply_default() -> None:
    """Called by ``import tinynet``: one thread, unless the user chose a count through the
    first set of TINYNET_NUM_THREADS, OPENBLAS_NUM_THREADS, MKL_NUM_THREADS, OMP_NUM_THREADS.
    A TINYNET_NUM_THREADS that is not a positive count is an error; another library's variable
    that is not one is passed over with a warning (as OpenBLAS passes over it)."""
    for name in _USER_VARIABLES:
        if not os.environ.get(name, "").strip():
            continue
        count = _count_from_variable(name)
        if count is not None:
            set_num_threads(count)
            return
        message = f"{name}={os.environ[name]!r} is not a positive number of threads"
        if name == "TINYNET_NUM_THREADS":
            raise ValueError(message)
        warnings.warn(f"{message}; tinynet passes over it", RuntimeWarning, stacklevel=2)
    set_num_threads(1)


def _blas_libraries() -> dict:
    """{path: (controller, set_threads)} for each loaded BLAS library, found through
    threadpoolctl ({} without it: the BLAS then keeps its own thread count, usually one per
    core) on first use, and again in set_num_threads and when the pool starts (which loads
    SciPy's BLAS, if SciPy is installed, with Numba's linear algebra). set_threads is one C
    call (openblas_set_num_threads), where a threadpool_limits context scans every loaded
    library first (~1 ms). For OpenBLAS on its own threads it is threadpoolctl's private
    _real_set_num_threads: the public set_num_threads (threadpoolctl 3.8) obeys only the first
    Python thread that ever set a limit and silently does nothing in any other, such as a
    user's second thread running convolutions."""
    if _blas["libraries"] is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            _blas["libraries"] = {}
        else:
            controllers = ThreadpoolController().select(user_api="blas").lib_controllers
            _blas["libraries"] = {
                library.filepath: (library, getattr(library, "_real_set_num_threads",
                                                    library.set_num_threads))
                for library in controllers}
    return _blas["libraries"]


def _set_blas_threads() -> None:
    """Each BLAS library at the count the open contexts ask for: get_num_threads() while an
    all_blas_threads is open and no one_blas_thread, else one; with none open, at its count
    from before they opened (one for a library found since: set_num_threads's). Each
    library's count is read first (one C call), not remembered: a user's threadpool_limits may
    have changed it since; it is set only where it differs. Every library is tried; the first
    error, if any, is raised after. Called under _blas_lock."""
    kinds = {kind for kind, _ in _blas["open"]}
    wanted = (get_num_threads() if kinds == {"all"} else 1) if kinds else None
    errors = []
    for path, (library, set_threads) in _blas_libraries().items():
        count = wanted or _blas["outside"].get(path, 1)
        try:
            if library.num_threads != count:
                set_threads(count)
        except Exception as error:  # noqa: BLE001 - the other libraries are still set
            errors.append(error)
    if errors:
        raise errors[0]


@contextmanager
def _counted(kind: str) -> Iterator[None]:
    """A context of `kind` ("one" or "all"), counted in _blas["open"] for this thread, that
    sets the BLAS for the open contexts; the first to open reads each library's count (a
    user's own threadpool_limits, say), which the last to close puts back. A set that fails
    leaves no count behind, and the libraries as they were as far as they can be set."""
    entry = (kind, threading.get_ident())
    with _blas_lock:
        if not _blas["open"]:
            _blas["outside"] = {path: library.num_threads
                                for path, (library, _) in _blas_libraries().items()}
        _blas["open"][entry] += 1
        try:
            _set_blas_threads()
        except BaseException:
            _close(entry)
            with suppress(Exception):  # the libraries back as they were, as far as they go
                _set_blas_threads()
            raise
    try:
        yield
    finally:
        with _blas_lock:
            _close(entry)
            _set_blas_threads()


def _close(entry: tuple[str, int]) -> None:
    _blas["open"][entry] -= 1
    if not _blas["open"][entry]:
        del _blas["open"][entry]


def one_blas_thread():
    """A context: the body's BLAS products on one thread, whatever runs in other threads (the
    pool's tasks, run_at_once). Nested and concurrent uses (two user threads in convolutions)
    count: when the last context closes, each BLAS library gets back the count it had when the
    first opened (tinynet's one, or a user's own threadpool_limits), also after an exception."""
    return _counted("one")


def all_blas_threads():
    """A context: the body's BLAS products on get_num_threads() threads (a user's own NumPy
    code, or a benchmark's baseline), unless some thread runs tinynet's parallel work
    (one_blas_thread), which takes precedence. Counted like one_blas_thread."""
    return _counted("all")


def even_slices(count: int, parts: int) -> list[slice]:
    """range(count) cut into `parts` consecutive slices whose lengths differ by at most one."""
    bounds = [count * part // parts for part in range(parts + 1)]
    return [slice(start, stop) for start, stop in itertools.pairwise(bounds)]


def product_blocks(count: int, multiply_adds: int) -> list[slice] | None:
    """A product's `count` rows (or columns) as get_num_threads() blocks, to be run at once
    (run_at_once), if more than one thread is set and the product has at least
    LARGE_PRODUCT_MULTIPLY_ADDS multiply-adds; None otherwise (one thread: the whole product)."""
    parts = min(get_num_threads(), count)
    if parts < 2 or multiply_adds < LARGE_PRODUCT_MULTIPLY_ADDS:
        return None
    return even_slices(count, parts)


CALLER_SPIN_ROUNDS = 2000  # the caller's wait awake for a worker (tinynet/kernels/spin.py)
# and its rounds after the worker's signal, while the worker lets the GIL go (spin.py says why)
CALLER_ROUNDS_AFTER = 16


def _sched_getcpu() -> Callable[[], int] | None:
    """The C library's sched_getcpu (the CPU the calling thread runs on), or None where there is
    none (macOS, Windows)."""
    try:
        function = ctypes.CDLL(None).sched_getcpu
    except (AttributeError, OSError, TypeError):
        return None
    function.restype, function.argtypes = ctypes.c_int, ()
    return function


class _Pool:
    """Worker threads for run_at_once: worker i runs task i + 1 of each call, the caller task 0.
    Each worker waits on a lock of its own that the caller releases to hand it a task (a
    C-level semaphore, no Python code in between), and releases another when it is done.
    The workers do not spin between tasks (the caller waits awake for them a little,
    tinynet/kernels/spin.py): workers that waited awake, giving their core away at every round
    (sched_yield), made the MNIST-1D CNN's epoch at 2 threads (its convolutions forced into
    chunks) 1.4 s instead of 0.6 s, taking the core from the two-thread BLAS of the layers in
    between, for no clear gain on the convolutions alone (measured before the BLAS stayed on
    one thread, not since)."""

    def __init__(self, workers: int):
        # Numba's first kernel loads its linear algebra, and with it SciPy's BLAS when SciPy is
        # installed; a library that starts while its thread is bound to one CPU (_place) sizes
        # its thread pool for one CPU for good, so that happens here, before any binding.
        import numba.np.arraymath  # noqa: F401
        import numpy as np

        with _blas_lock:  # the BLAS libraries are found again, SciPy's among them, and all set
            _blas["libraries"] = None
            _set_blas_threads()

        from tinynet.kernels.spin import spin_until_changed

        self.spin = spin_until_changed
        self.done_counts = np.zeros(workers, np.int64)  # tasks each worker has finished
        self.current_cpu = _sched_getcpu()
        self.cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
        self.away_from = None  # (the caller's CPU, workers) when the workers were last placed
        self.native_ids = [0] * workers
        self.tasks: list = [None] * workers
        self.outcomes: list = [None] * workers  # (result, exception) of each one's last task
        self.handed = [_held_lock() for _ in range(workers)]  # released: a task is there
        self.finished = [_held_lock() for _ in range(workers)]  # released: it is done
        self.busy = threading.Lock()
        self.broken = False  # stopped (replaced, or interrupted): _pool_for makes a new one
        started = [threading.Event() for _ in range(workers)]
        for worker in range(workers):
            threading.Thread(target=self._work, args=(worker, started[worker]), daemon=True,
                             name=f"tinynet-{worker}").start()
        for event in started:
            event.wait()

    @property
    def workers(self) -> int:
        return len(self.tasks)

    def _work(self, worker: int, started: threading.Event) -> None:
        self.native_ids[worker] = threading.get_native_id()
        try:
            with suppress(Exception):  # a worker that died here would hang __init__'s wait
                _one_openmp_blas_thread_here()
        finally:
            started.set()
        while True:
            self.handed[worker].acquire()
            task, self.tasks[worker] = self.tasks[worker], None
            if task is None:  # stop(): this pool was replaced
                return
            try:
                self.outcomes[worker] = (task(), None)
            except BaseException as error:  # noqa: BLE001 - raised in the caller's thread, and a
                self.outcomes[worker] = (None, error)  # worker that died would hang the caller
            self.finished[worker].release()
            self.done_counts[worker] += 1  # last: the GIL goes right after (kernels/spin.py)

    def _place(self, used: int) -> set | None:
        """Bind the caller to its CPU and each of the `used` workers to another one, when there
        are enough CPUs; the caller's CPUs before (to restore when the tasks are done), or None.
        Left to the kernel, on the 2-core machine (a KVM guest, whose idle virtual CPU the
        kernel counts as busy) a worker woken after a pause, or a caller woken by the GIL, was
        put on the other's CPU: the two chunks of a conv2d forward + backward of 64x16x16x16
        -> 32 then ran on one CPU for 5-10 steps while the other idled (6-8 ms a step against
        3.5-4). Two syscalls, and one per worker when the caller has moved since the last
        call."""
        if self.current_cpu is None or not self.cpus:
            return None
        cpu = self.current_cpu()
        others = [other for other in self.cpus if other != cpu]
        try:
            if len(others) < used:  # more threads than CPUs: the kernel places them all
                if self.away_from is not None:
                    for native_id in self.native_ids:
                        os.sched_setaffinity(native_id, self.cpus)
                    self.away_from = None
                return None
            mask = os.sched_getaffinity(0)
            os.sched_setaffinity(0, {cpu})
            if (cpu, used) != self.away_from:
                for worker, other in enumerate(others[:used]):
                    os.sched_setaffinity(self.native_ids[worker], {other})
                self.away_from = (cpu, used)
        except OSError:  # not allowed here: leave the placement to the kernel from now on
            self.current_cpu = None
            return None
        return mask

    def run(self, tasks: list[Callable[[], object]]) -> list:
        """tasks[0]() here and tasks[1:] on the workers, at once; their outcomes, in order."""
        mask = self._place(len(tasks) - 1)
        try:
            done_before = [int(count) for count in self.done_counts[: len(tasks) - 1]]
            for worker, task in enumerate(tasks[1:]):
                self.tasks[worker] = task
                self.handed[worker].release()
            try:
                outcomes = [(tasks[0](), None)]
            except BaseException as error:  # noqa: BLE001 - raised once the workers are done too:
                outcomes = [(None, error)]  # a worker still running would otherwise report its
                # end to the next call, which would return before its own tasks are done
            for worker, done in enumerate(done_before):
                if self.spin is not None:  # the worker ends soon after: wait awake a while
                    self.spin(self.done_counts, worker, done, CALLER_SPIN_ROUNDS,
                              CALLER_ROUNDS_AFTER)
                self.finished[worker].acquire()
                outcomes.append(self.outcomes[worker])
                self.outcomes[worker] = None
            return outcomes
        except BaseException:
            # Interrupted (KeyboardInterrupt) while handing the tasks out or waiting for them:
            # which workers hold a task is unknown, so this pool is given up (stop). A worker
            # running a task ends after it; a task handed out but not yet taken is dropped.
            self.stop()
            raise
        finally:
            if mask is not None:
                os.sched_setaffinity(0, mask)

    def stop(self) -> None:
        """Mark the pool broken (a caller that took `busy` after this finds it so and asks
        _pool_for again) and end each worker once its current task, if any, is done; a task
        handed out but not yet taken is dropped."""
        self.broken = True
        for worker in range(self.workers):
            self.tasks[worker] = None
            with suppress(RuntimeError):  # already released: the worker takes it
                self.handed[worker].release()  # and finds no task


def _held_lock() -> threading.Lock:
    """A lock already acquired: released by one thread, acquired by another (a semaphore)."""
    lock = threading.Lock()
    lock.acquire()
    return lock


def _pool_for(workers: int) -> _Pool:
    """The pool, created on first use (never at import), replaced when it is broken (an
    interrupt) or when more workers are asked and no call runs on it; while one does (perhaps
    the task asking), that pool, which the caller then finds busy (run_at_once runs the tasks
    one after the other)."""
    with _pool_lock:
        pool = _pool["pool"]
        if pool is not None and not pool.broken and pool.workers < workers:
            if not pool.busy.acquire(blocking=False):
                return pool
            try:
                pool.stop()
            finally:
                pool.busy.release()
        if pool is None or pool.broken:
            pool = _pool["pool"] = _Pool(workers)
        return pool


def _one_openmp_blas_thread_here() -> None:
    """An OpenBLAS built on OpenMP keeps its thread count per thread (omp_set_num_threads), so
    a pool worker sets its own to one when it starts, for good: it only runs tinynet's tasks.
    (A pthreads OpenBLAS, as this machine's, has one count for the process.)"""
    with _blas_lock:
        libraries = list(_blas_libraries().values())
    for library, set_threads in libraries:
        if getattr(library, "threading_layer", None) == "openmp":
            set_threads(1)


def _forget_pool_after_fork() -> None:
    """In a forked child, which has none of the parent's threads: no pool, new locks (another
    thread may have held _pool_lock at the fork; _blas_lock was held by the forking thread
    itself, the fork's `before` handler, so no BLAS update was half done), and only the
    forking thread's BLAS contexts open, the BLAS set for them (a child forked while another
    thread ran chunks would otherwise keep one BLAS thread for good)."""
    global _pool_lock, _blas_lock
    _pool_lock, _blas_lock = threading.Lock(), threading.Lock()
    _pool.update(pool=None)
    here = threading.get_ident()  # the thread that forked, the child's only one
    if any(thread != here for _, thread in _blas["open"]):
        _blas["open"] = Counter({entry: count for entry, count in _blas["open"].items()
                                 if entry[1] == here})
        with suppress(Exception):  # a fork must not fail for the BLAS's count
            _set_blas_threads()


def _release_blas_lock() -> None:
    _blas_lock.release()


def _acquire_blas_lock() -> None:
    _blas_lock.acquire()


if not globals().get("_FORK_HANDLERS_REGISTERED"):  # once, also if the module is reloaded:
    # two `before` handlers would each wait for the one lock, and fork would never return
    os.register_at_fork(before=_acquire_blas_lock, after_in_parent=_release_blas_lock,
                        after_in_child=_forget_pool_after_fork)
    _FORK_HANDLERS_REGISTERED = True


def _free_pool(workers: int) -> _Pool | None:
    """The pool with its `busy` lock taken, or None while another call runs on it. A pool
    stopped between _pool_for and taking `busy` (another thread's interrupt) is let go and
    asked for again: its workers are gone or going."""
    while True:
        pool = _pool_for(workers)
        if not pool.busy.acquire(blocking=False):
            return None
        if not pool.broken:
            return pool
        pool.busy.release()


def run_at_once(tasks: list[Callable[[], object]]) -> list:
    """Call every task (a function of no arguments) at the same time, the first on this thread
    and the others on the pool's, with the BLAS at one thread (one_blas_thread); their results,
    in order. Returns or raises only when all have finished (they write into shared arrays);
    the first exception, in task order, is raised. An interrupt (KeyboardInterrupt) that
    arrives while the tasks are handed out or waited for is raised at once: the pool is given
    up, a worker's running task ends on its own, and the next call gets a new pool
    (_Pool.run). While another thread has the pool (two user threads in convolutions at once,
    or a task that calls this), the tasks run one after the other here.

    Measured on the 2-core machine: a call of two empty tasks takes ~51 us (~84 us before the
    caller waited for the worker to let the GIL go, kernels/spin.py); a conv2d forward +
    backward of 64x16x16x16 -> 32 at 2 threads 2.98-3.04 ms a step (p50 of 200, three runs),
    and 3.16-3.33 ms in blocks of 5 steps after a 0.3 s pause and 3 untimed steps (p50 of 30).
    Earlier, a pause cost more: 5.6-6.8 ms for the first step after it, 3.7-4.9 for the second.
    Before this pool (a ThreadPoolExecutor whose two workers ran both tasks, placed by the
    kernel) the same step, with that day's slower kernels, took 4.2-4.4 ms, and 6-8 ms for 5-10
    steps after a pause."""
    with one_blas_thread():
        pool = _free_pool(len(tasks) - 1) if len(tasks) > 1 else None
        if pool is not None:
            try:
                outcomes = pool.run(tasks)
            finally:
                pool.busy.release()
        else:
            outcomes = []
            for task in tasks:
                try:
                    outcomes.append((task(), None))
                except Exception as error:  # noqa: BLE001 - the others still run, as on the pool
                    outcomes.append((None, error))
        for _, error in outcomes:
            if error is not None:
                raise error
        return [result for result, _ in outcomes]
