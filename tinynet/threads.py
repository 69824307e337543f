"""How many threads tinynet's numerics use: the BLAS behind NumPy's matrix products (through
threadpoolctl) and Numba's parallel loops.

tinynet's graphs are made of many small products (a layer on a mini-batch), where a threaded BLAS
spends more in waking and spinning its threads than it gains, and its spinning threads take the
cores from the Python thread that drives the graph. Measured on the project's 2-core machine
(``tinynet train cnn --dataset digits --epochs 3``): 6.1-9.3 s wall with OpenBLAS's two
threads, 3.3 s with one. So ``import tinynet`` sets the BLAS to one thread, unless the user chose
a count through OPENBLAS_NUM_THREADS, MKL_NUM_THREADS, OMP_NUM_THREADS or TINYNET_NUM_THREADS;
``set_num_threads(n)`` changes it at any time (as ``torch.set_num_threads``). This is a
deliberate difference from PyTorch, whose default is one thread per core.
"""

from __future__ import annotations

import os
import sys

_USER_VARIABLES = ("TINYNET_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                   "OMP_NUM_THREADS")
_state = {"threads": None}


def set_num_threads(threads: int) -> None:
    """Use ``threads`` threads in the BLAS and in Numba's parallel loops."""
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
    """The thread count last set (by default 1, or TINYNET_NUM_THREADS), else the core count."""
    return _state["threads"] or os.cpu_count() or 1


def apply_default() -> None:
    """Called by ``import tinynet``: one BLAS thread unless the user chose a count."""
    chosen = os.environ.get("TINYNET_NUM_THREADS")
    if chosen:
        set_num_threads(int(chosen))
    elif not any(os.environ.get(name) for name in _USER_VARIABLES):
        set_num_threads(1)
