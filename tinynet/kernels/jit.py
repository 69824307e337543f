"""Numba, set up once for every kernel module: `njit` and `prange`, and the threading layer.

Numba's default threading layer on Linux is OpenMP, whose idle threads spin for a while after
each parallel loop. A parallel Numba kernel followed by a multithreaded BLAS call (im2col, then
the convolution's matmul) then fights for the cores: on 2 cores, im2col + matmul for a
64x16x16x16 input and a 3x3 kernel took 3.2-7.9 ms with OpenMP against 1.1 ms with Numba's own
"workqueue" layer (im2col alone 0.2 ms, the matmul 0.8 ms). So tinynet asks for workqueue unless
NUMBA_THREADING_LAYER says otherwise. Its one limit: two Python threads must not run parallel
kernels at the same moment (set NUMBA_THREADING_LAYER=omp or tbb for that).
"""

import os

import numba
from numba import njit, prange

if "NUMBA_THREADING_LAYER" not in os.environ:
    numba.config.THREADING_LAYER = "workqueue"

__all__ = ["njit", "prange"]
