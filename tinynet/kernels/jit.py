"""Numba's `njit` for every kernel module, imported from one place.

Kernels are compiled lazily on their first call and cached on disk (`cache=True`), so importing
tinynet compiles nothing; they are serial and release the GIL (`nogil=True`). Numba's
configuration (threading layer, thread count) is left as the user has it.
"""

from numba import njit

__all__ = ["njit"]
