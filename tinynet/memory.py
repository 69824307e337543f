"""How the C allocator treats the memory tinynet frees: kept for the next step rather than given
back to the OS.

A training step allocates and frees the same large arrays every time (a convolution's columns and
products are megabytes). glibc's malloc gives freed memory at the top of its heap back to the OS
once more than twice the largest block freed so far is free, and serves blocks above that size
with mmap, unmapped again on free; either way the next step faults every page in again and the
kernel zeroes it. Measured on the project's 2-core machine (benchmarks/kernels.py): a conv2d
forward + backward of 32x3x32x32 -> 16 channels took 4.7 ms, 2.5 ms with freed memory kept;
64x16x16x16 -> 32 channels 13.5 ms, 10.0 ms.

So ``import tinynet`` calls glibc's ``mallopt`` to keep freed memory (trim threshold 1 GiB) and to
serve blocks up to 32 MiB from the heap, what the environment variables
MALLOC_TRIM_THRESHOLD_=1073741824 MALLOC_MMAP_THRESHOLD_=33554432 would do, unless the user set
either of those or TINYNET_KEEP_FREED_MEMORY=0. The cost is the process's resident memory: it
stays at its high-water mark (up to 1 GiB more than it uses) instead of shrinking, as PyTorch's
caching allocators do on the GPU. This is a deliberate difference from PyTorch, which leaves
malloc alone on the CPU. Elsewhere than glibc (macOS, musl, Windows) nothing changes.
"""

from __future__ import annotations

import ctypes
import os
import platform

TRIM_THRESHOLD_BYTES = 1 << 30
MMAP_THRESHOLD_BYTES = 1 << 25  # glibc's largest allowed mmap threshold on 64-bit (32 MiB)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt's parameter numbers (malloc.h)
_USER_VARIABLES = ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_")
_state = {"kept": False}


def keep_freed_memory() -> bool:
    """Ask glibc's malloc to keep freed memory for reuse (see the module docstring). Returns
    whether it took effect: False where the C library is not glibc. It lasts for the process."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    libc = ctypes.CDLL(None)
    kept = bool(libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
                and libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))
    _state["kept"] = _state["kept"] or kept
    return kept


def is_freed_memory_kept() -> bool:
    """Whether tinynet has set malloc to keep freed memory in this process."""
    return _state["kept"]


def apply_default() -> None:
    """Called by ``import tinynet``: keep freed memory unless the user chose otherwise."""
    if os.environ.get("TINYNET_KEEP_FREED_MEMORY", "1") == "0":
        return
    if any(name in os.environ for name in _USER_VARIABLES):
        return
    keep_freed_memory()
