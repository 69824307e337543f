"""Scratch buffers that tinynet owns and reuses between steps, as oneDNN's scratchpad does.

A training step allocates and frees the same large temporaries every time (a convolution's
im2col columns and products, Winograd's tiles: megabytes each). Freed memory that malloc hands
back to the OS costs a page fault and a zeroed page per 4 KiB on the next step. Instead of
changing malloc for the whole process, the ops take those temporaries from here:

    buffer = workspace.scratch("im2col columns", shape, dtype)   # uninitialized, reused

A buffer is keyed by (purpose, shape, dtype) and belongs to the calling thread (threading.local),
so two threads never share one. The cache holds at most `limit()` bytes per thread
(CAPACITY_BYTES unless set_limit changed it); the least recently used buffers go first, and a
request larger than the limit is a plain allocation that is not kept. `clear()` frees them all.

The contract for callers: a scratch buffer lives until the next request for the same key on the
same thread. Anything saved for the backward or returned to the user must be its own allocation;
only values used and dropped within one call come from here. Two calls that need the same shape
at once pass different purposes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

CAPACITY_BYTES = 256 << 20  # per thread

_local = threading.local()
_limit = {"bytes": CAPACITY_BYTES}


def _buffers() -> OrderedDict:
    if not hasattr(_local, "buffers"):
        _local.buffers = OrderedDict()
    return _local.buffers


def scratch(purpose: str, shape: tuple[int, ...], dtype) -> np.ndarray:
    """An uninitialized C-contiguous array of this shape and dtype, the same one as the last
    time this thread asked for (purpose, shape, dtype) while it stayed in the cache."""
    shape, dtype = tuple(int(s) for s in shape), np.dtype(dtype)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    if nbytes > _limit["bytes"]:
        return np.empty(shape, dtype)
    buffers, key = _buffers(), (purpose, shape, dtype.str)
    buffer = buffers.pop(key, None)
    if buffer is None:
        total = sum(b.nbytes for b in buffers.values())
        while buffers and total + nbytes > _limit["bytes"]:
            total -= buffers.popitem(last=False)[1].nbytes
        buffer = np.empty(shape, dtype)
    buffers[key] = buffer  # most recently used last
    return buffer


def cached_bytes() -> int:
    """Bytes this thread's cache holds."""
    return sum(buffer.nbytes for buffer in _buffers().values())


def limit() -> int:
    """The most bytes a thread's cache holds."""
    return _limit["bytes"]


def set_limit(nbytes: int) -> None:
    """Cap every thread's cache at nbytes (0 turns the cache off); this thread's cache is cut
    down to it at once, others' at their next request."""
    if not isinstance(nbytes, int) or isinstance(nbytes, bool) or nbytes < 0:
        raise ValueError(f"set_limit: nbytes must be a non-negative int, got {nbytes!r}")
    _limit["bytes"] = nbytes
    buffers = _buffers()
    while buffers and cached_bytes() > nbytes:
        buffers.popitem(last=False)


def clear() -> None:
    """Free this thread's scratch buffers (they are allocated again when next needed)."""
    _buffers().clear()
