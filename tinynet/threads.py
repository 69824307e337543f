"""How many threads tinynet's numerics use, and the pool that runs a convolution's batch chunks.

What n threads means (``set_num_threads(n)``, or TINYNET_NUM_THREADS at import):
- a large enough convolution (Conv2d, ConvTranspose2d and the weight gradient Conv2dWeight,
  tinynet/ops/conv.py) splits its batch into n chunks and runs each chunk's whole work (im2col,
  products, col2im) at once on n threads of a pool, each with a one-thread BLAS: PyTorch's
  intra-op parallelism over the batch is the model;
- every other product uses an n-thread BLAS (through threadpoolctl), and Numba's parallel loops
  n threads.

Measured on the project's 2-core machine (benchmarks/kernels.py --threads 2, idle, 5 runs
interleaved with 5 of the code before), a conv2d forward + backward of 64x16x16x16 -> 32
channels (k3): 5.96-6.86 ms as two chunks (7.7-7.9 in two runs where PyTorch was 1.3-1.4x
slower too) against 7.13-7.37 ms for the same step on one Python thread with a two-thread BLAS,
whose threads only share each product's loops and spin between products. tinynet/ops/conv.py
has the measurements of other sizes and the size from which a convolution splits.

The default is one thread. tinynet's graphs are made of many small products (a layer on a
mini-batch), where a threaded BLAS spends more in waking and spinning its threads than it gains,
and its spinning threads take the cores from the Python thread that drives the graph. Measured
on the 2-core machine (``tinynet train cnn --dataset digits --epochs 3``): 6.1-9.3 s wall with
OpenBLAS's two threads, 3.3 s with one. So ``import tinynet`` sets one thread, unless the user
chose a count through TINYNET_NUM_THREADS, OPENBLAS_NUM_THREADS, MKL_NUM_THREADS or
OMP_NUM_THREADS; ``set_num_threads(n)`` changes it at any time (as ``torch.set_num_threads``).
This is a deliberate difference from PyTorch, whose default is one thread per core.

The BLAS's thread count is process-wide: while any thread runs convolution chunks
(``one_blas_thread``), every BLAS call in the process runs on one thread, and the count is
restored when the last such call ends, also when it raised.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager

_USER_VARIABLES = ("TINYNET_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                   "OMP_NUM_THREADS")
_state = {"threads": None}
_pool = {"executor": None, "workers": 0}
_pool_lock = threading.Lock()
_blas = {"libraries": None, "users": 0, "previous": []}
_blas_lock = threading.Lock()


def set_num_threads(threads: int) -> None:
    """Use ``threads`` threads: convolutions split their batch into that many chunks run at once
    (each with a one-thread BLAS), other products use a ``threads``-thread BLAS, Numba's
    parallel loops ``threads`` threads."""
    if not isinstance(threads, int) or threads < 1:
        raise ValueError(f"set_num_threads: expected a positive int, got {threads!r}")
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # without threadpoolctl the BLAS keeps its own default
        pass
    else:
        threadpool_limits(limits=threads, user_api="blas")
    if "numba" in sys.modules:  # importing numba just for this would cost 0.15 s at start-up
        import numba

        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    _state["threads"] = threads


def get_num_threads() -> int:
    """The thread count last set (by default 1, or the user's variable), else the core count."""
    return _state["threads"] or os.cpu_count() or 1


def apply_default() -> None:
    """Called by ``import tinynet``: one thread unless the user chose a count (then that one)."""
    chosen = os.environ.get("TINYNET_NUM_THREADS")
    if chosen:
        set_num_threads(int(chosen))
        return
    for name in _USER_VARIABLES[1:]:
        value = os.environ.get(name, "").split(",")[0].strip()
        if value:  # the BLAS read it already; tinynet's chunks follow the same count
            _state["threads"] = max(1, int(value)) if value.isdigit() else None
            return
    set_num_threads(1)


def _blas_libraries() -> list:
    """(controller, set_threads) for each loaded BLAS library, found once through threadpoolctl
    ([] without it). set_threads is one C call (openblas_set_num_threads), where a
    threadpool_limits context scans every loaded library first (~1 ms). For OpenBLAS on its own
    threads it is threadpoolctl's private _real_set_num_threads: the public set_num_threads
    (threadpoolctl 3.8) obeys only the first Python thread that ever set a limit and silently
    does nothing in any other, such as a user's second thread running convolutions."""
    if _blas["libraries"] is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            _blas["libraries"] = []
        else:
            controllers = ThreadpoolController().select(user_api="blas").lib_controllers
            _blas["libraries"] = [
                (library, getattr(library, "_real_set_num_threads", library.set_num_threads))
                for library in controllers]
    return _blas["libraries"]


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the body with the BLAS at one thread, then restore its count, also on an exception.
    Nested and concurrent uses (two user threads in convolutions) count: the first sets one
    thread, the last to leave restores the count the first one found."""
    libraries = _blas_libraries()
    with _blas_lock:
        if _blas["users"] == 0:
            _blas["previous"] = [library.num_threads for library, _ in libraries]
            for _, set_threads in libraries:
                set_threads(1)
        _blas["users"] += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas["users"] -= 1
            if _blas["users"] == 0:
                for (_, set_threads), count in zip(libraries, _blas["previous"]):
                    set_threads(count)


def _executor(workers: int) -> ThreadPoolExecutor:
    """The pool, created on first use (never at import) and grown when more workers are asked."""
    with _pool_lock:
        if _pool["workers"] < workers:
            if _pool["executor"] is not None:
                _pool["executor"].shutdown(wait=False)
            _pool["executor"] = ThreadPoolExecutor(workers, thread_name_prefix="tinynet")
            _pool["workers"] = workers
        return _pool["executor"]


def _forget_pool_after_fork() -> None:  # a forked child has none of the parent's threads
    _pool.update(executor=None, workers=0)
    _blas.update(users=0, previous=[])


os.register_at_fork(after_in_child=_forget_pool_after_fork)


def run_at_once(tasks: list[Callable[[], object]]) -> list:
    """Call every task (a function of no arguments) at the same time on the pool's threads, with
    the BLAS at one thread; their results, in order. Returns or raises only when all have
    finished (they write into shared arrays); the first exception, in task order, is raised.
    The calling thread only waits: running one task on it instead made two 1-thread np.matmul
    calls of (32, 144) @ (144, 8192) take 1.7 ms at once against 1.0 ms for one (measured)."""
    with one_blas_thread():
        futures = [_executor(len(tasks)).submit(task) for task in tasks]
        wait(futures)
        return [future.result() for future in futures]
