"""Numba, set up once for every kernel module: `njit` and `prange`, and the threading layer.

Numba's default threading layer on Linux is OpenMP, whose idle threads spin for a while after
each parallel loop. A parallel Numba kernel followed by a multithreaded BLAS call then fights for
the cores: on 2 cores, a parallel im2col of a 64x16x16x16 input (3x3 kernel) followed by the
convolution's matmul took 3.2-7.9 ms with OpenMP against 1.1 ms with Numba's own "workqueue"
layer (0.2 ms and 0.8 ms alone), and small parallel pooling calls sometimes took 40x their
serial time. So tinynet asks for workqueue unless NUMBA_THREADING_LAYER says otherwise. Its
threads sleep between loops, so waking them costs ~40 us: the kernels go parallel only above a
measured size. Its one limit: it aborts the process when two Python threads run parallel
kernels at the same moment, so `serial_or_parallel` lets one thread at a time in.
"""

import os
import threading
from collections.abc import Callable

import numba
from numba import njit, prange

from tinynet.threads import get_num_threads

if "NUMBA_THREADING_LAYER" not in os.environ:
    numba.config.THREADING_LAYER = "workqueue"

_parallel_kernel_running = threading.Lock()


def serial_or_parallel(serial: Callable, parallel: Callable, want_parallel: bool, *args) -> None:
    """Call parallel(*args) on tinynet's thread count (tinynet.set_num_threads) if
    want_parallel, that count is more than one and no other thread is in a parallel kernel now;
    otherwise serial(*args): the same loop, so the result is the same either way. Numba keeps
    its count per Python thread, so a thread other than the one that set it is set here."""
    threads = min(get_num_threads(), numba.config.NUMBA_NUM_THREADS)
    if want_parallel and threads > 1 and _parallel_kernel_running.acquire(blocking=False):
        try:
            if numba.get_num_threads() != threads:
                numba.set_num_threads(threads)
            return parallel(*args)
        finally:
            _parallel_kernel_running.release()
    return serial(*args)


__all__ = ["njit", "prange", "serial_or_parallel"]
