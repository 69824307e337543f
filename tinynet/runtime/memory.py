"""Process-wide settings that tinynet applies only when asked: ``keep_freed_memory``."""

from __future__ import annotations

import ctypes
import os
import platform

# What keep_freed_memory asks of glibc's malloc: mallopt's parameter numbers (malloc.h) and values.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MALLOC_VARIABLES = {"MALLOC_TRIM_THRESHOLD_": 1 << 30, "MALLOC_MMAP_THRESHOLD_": 1 << 25}


def keep_freed_memory() -> bool:
    """Ask glibc's malloc to keep freed memory for reuse (trim threshold 1 GiB) and to serve
    blocks up to 32 MiB from its heap, for the whole process, as the variables
    MALLOC_TRIM_THRESHOLD_=1073741824 MALLOC_MMAP_THRESHOLD_=33554432 would. Only when called:
    importing or using tinynet never does it; ``tinynet train`` does it for its own process.

    Why: a training step frees and allocates the same large arrays every step, and by default
    glibc gives them back to the OS, so that the next step faults every page in again (compare
    ``python benchmarks/models.py`` with and without ``--keep-freed-memory``). The cost: the
    process's resident memory stays at its high-water mark. Skipped when the user set either
    variable, or where the C library is not glibc. Returns whether it took effect."""
    if any(name in os.environ for name in _MALLOC_VARIABLES):
        return False
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    libc = ctypes.CDLL(None)
    return bool(libc.mallopt(_M_TRIM_THRESHOLD, _MALLOC_VARIABLES["MALLOC_TRIM_THRESHOLD_"])
                and libc.mallopt(_M_MMAP_THRESHOLD, _MALLOC_VARIABLES["MALLOC_MMAP_THRESHOLD_"]))
