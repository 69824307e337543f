"""Memory for tinynet's own large arrays, kept between steps (as PyTorch's caching allocator).

A training step allocates and frees the same large arrays every step: activations, convolution
columns and Winograd tiles kept for the backward, gradients. Given back to the OS when freed,
each of them is faulted in again page by page on the next step. ``empty(shape, dtype)`` serves
arrays of at least MIN_BYTES from blocks that tinynet owns and keeps instead: a block is a 1-D
uint8 array, and the array handed out is a view of it (``block[offset:offset + nbytes]`` viewed
as dtype and shape, 64-byte aligned). NumPy collapses every view's ``base`` to the array that
owns the memory, so each live view of the array, at any depth, holds exactly one reference to
the block; the block is free again when ``sys.getrefcount`` shows only the cache's own
references. So memory still referenced anywhere is never handed out twice, and results are
bit-identical to plain allocation. Smaller arrays, and every array a user allocates, come from
np.empty as always: nothing here changes malloc or any other process-wide state.

The cache holds at most ``get_array_cache_limit()`` bytes, free and in use (default
DEFAULT_LIMIT, TINYNET_ARRAY_CACHE_LIMIT in bytes at import, ``set_array_cache_limit``; 0 turns
the cache off). Over the limit, the least recently used free blocks are dropped; if that is not
enough, the array comes from np.empty. ``memory_reserved()`` is what it holds,
``empty_cache()`` gives the free blocks back (as torch.cuda.memory_reserved / empty_cache).
"""

from __future__ import annotations

import math
import os
import sys
import threading

import numpy as np

MIN_BYTES = 256 * 2**10  # smaller arrays come from np.empty
ALIGNMENT = 64  # bytes; NumPy's own allocation guarantees only 16
PAGE = 4096  # block sizes are rounded up to whole pages, so near sizes share blocks
DEFAULT_LIMIT = 2**30
ENV_VAR = "TINYNET_ARRAY_CACHE_LIMIT"


def _checked(limit) -> int:
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
        raise ValueError(f"set_array_cache_limit: expected a number of bytes >= 0, got {limit!r}")
    return limit


def _default_limit() -> int:
    text = os.environ.get(ENV_VAR, "").strip()
    if not text:
        return DEFAULT_LIMIT
    try:
        return _checked(int(text))
    except ValueError:
        raise ValueError(f"{ENV_VAR}={os.environ[ENV_VAR]!r} is not a number of bytes >= 0"
                         ) from None


_lock = threading.Lock()
_blocks: dict[int, list[list]] = {}  # size -> [[owner, offset, last use], ...]
_state = {"limit": _default_limit(), "reserved": 0, "clock": 0}


def _references(entry: list) -> int:
    return sys.getrefcount(entry[0])


# the count that _references sees for a block held by the cache alone
_FREE_REFERENCES = _references([np.empty(1, np.uint8), 0, 0])


def set_array_cache_limit(max_bytes: int) -> None:
    """Let the cache hold at most ``max_bytes`` (0: no cache, every array from np.empty); free
    blocks over the new limit are given back at once."""
    with _lock:
        _state["limit"] = _checked(max_bytes)
        _evict(_state["reserved"] - _state["limit"])


def get_array_cache_limit() -> int:
    """The most bytes the cache holds (set_array_cache_limit, else TINYNET_ARRAY_CACHE_LIMIT,
    else DEFAULT_LIMIT)."""
    return _state["limit"]


def memory_reserved() -> int:
    """Bytes the cache holds now, in blocks that are in use and free."""
    return _state["reserved"]


def empty_cache() -> None:
    """Give every free block back (arrays still alive keep theirs)."""
    with _lock:
        _evict(_state["reserved"])


def _evict(excess: int) -> None:
    """Drop free blocks, least recently used first, until ``excess`` bytes are dropped or none
    is left (under _lock)."""
    if excess <= 0:
        return
    free = sorted(((entry[2], size, entry) for size, entries in _blocks.items()
                   for entry in entries if _references(entry) == _FREE_REFERENCES),
                  key=lambda item: item[0])
    for _, size, entry in free:
        if excess <= 0:
            break
        _blocks[size] = [kept for kept in _blocks[size] if kept is not entry]
        if not _blocks[size]:
            del _blocks[size]
        _state["reserved"] -= size
        excess -= size


def empty(shape, dtype=np.float64) -> np.ndarray:
    """np.empty(shape, dtype), C-contiguous, from the cache when it has at least MIN_BYTES."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    dtype = np.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes < MIN_BYTES or not _state["limit"]:
        return np.empty(shape, dtype)
    size = -(-nbytes // PAGE) * PAGE
    with _lock:
        entry = _free_block(size)
        if entry is None:
            return np.empty(shape, dtype)
        owner, offset = entry[0], entry[1]
        _state["clock"] += 1
        entry[2] = _state["clock"]
        return owner[offset:offset + nbytes].view(dtype).reshape(shape)


def _free_block(size: int) -> list | None:
    """A free block of ``size`` bytes, or a new one, or None when none fits the limit (under
    _lock)."""
    found = None  # the free block used last: its pages are the likeliest to be in the CPU's caches
    for entry in _blocks.get(size, ()):
        if _references(entry) == _FREE_REFERENCES and (found is None or entry[2] > found[2]):
            found = entry
    if found is not None:
        return found
    _evict(_state["reserved"] + size - _state["limit"])
    if _state["reserved"] + size > _state["limit"]:
        return None
    owner = np.empty(size + ALIGNMENT, np.uint8)
    entry = [owner, -owner.ctypes.data % ALIGNMENT, 0]
    _blocks.setdefault(size, []).append(entry)
    _state["reserved"] += size
    return entry


def zeros(shape, dtype=np.float64) -> np.ndarray:
    """np.zeros(shape, dtype), from the cache as `empty`."""
    array = empty(shape, dtype)
    array.fill(0)
    return array


def astype(array: np.ndarray, dtype) -> np.ndarray:
    """array.astype(dtype) (a C-contiguous copy), from the cache as `empty`."""
    copy = empty(array.shape, dtype)
    np.copyto(copy, array, casting="unsafe")
    return copy




def _c_ordered(array: np.ndarray) -> bool:
    """Whether the array's axes (those longer than 1) are in C's order in memory, strides
    positive and decreasing, as in a C-contiguous array or a slice of one."""
    strides = [stride for size, stride in zip(array.shape, array.strides) if size > 1]
    return all(stride > 0 for stride in strides) and strides == sorted(strides, reverse=True)


def result_array(*operands, dtype=None) -> np.ndarray | None:
    """An array for an elementwise result of the operands (arrays and scalars), for a ufunc's
    ``out=``: their broadcast shape, ``dtype`` or their result type, from the cache. None (the
    ufunc allocates, as without ``out``) for a result below MIN_BYTES, for shapes that do not
    broadcast (the ufunc names them), and where an operand of the result's shape is laid out in
    another order than C's (NumPy would give the result that operand's layout)."""
    shapes = [np.shape(operand) for operand in operands]
    shape = shapes[0]
    if any(other != shape for other in shapes):
        try:
            shape = np.broadcast_shapes(*shapes)
        except ValueError:
            return None
    if math.prod(shape) * 16 < MIN_BYTES:  # small for any dtype: spare result_type's cost
        return None
    dtype = np.result_type(*operands) if dtype is None else np.dtype(dtype)
    if math.prod(shape) * dtype.itemsize < MIN_BYTES or any(
            isinstance(operand, np.ndarray) and operand.shape == shape
            and not _c_ordered(operand) for operand in operands):
        return None
    return empty(shape, dtype)
