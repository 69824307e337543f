"""Numba's `njit` and `prange` for every kernel module, imported from one place.

Kernels are compiled lazily on their first call and cached on disk (`cache=True`), so importing
tinynet compiles nothing; they release the GIL (`nogil=True`). A kernel runs its loop in
parallel (`parallel=True`, `prange`) only where that pays at model level (benchmarks/models.py),
on Numba's own default threading layer and thread count: tinynet changes neither.
"""

from numba import njit, prange

__all__ = ["njit", "prange"]
