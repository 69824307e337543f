"""The workspace: large arrays that tinynet's convolution kernels reuse from one training step to
the next (the im2col columns, the col2im images, the Winograd tiles), as oneDNN's scratchpad does.

Why: a training step allocates and frees the same large arrays every step. glibc's malloc gives
large freed blocks back to the OS, so that the next step faults every page of them in again
(thousands of page faults per step for a U-Net). ``keep_freed_memory`` changes malloc for the
whole process; the workspace keeps only tinynet's own arrays, and changes nothing for anyone else.

Why reuse cannot change data anyone reads: the workspace holds a reference to each array it hands
out, and hands an array out again only when its own reference is the only one left. Any tensor,
view, object saved for backward or user variable that can still see the array holds a reference
to it (a view through its ``base``), so such an array is never reused; reuse starts once the last
of them is gone. ``empty`` returns uninitialised memory, as ``np.empty`` does.

Bounds: arrays below ``MIN_BYTES`` come from NumPy directly (malloc serves small blocks from memory
it keeps anyway); the arrays kept total at most ``get_workspace_limit()`` bytes (default
``DEFAULT_LIMIT``); when a new array would pass the limit, the free arrays used least recently are
dropped first, and if that is not enough the new array is simply not kept.
``set_workspace_limit(0)`` turns the workspace off and frees what it kept.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict

import numpy as np

MIN_BYTES = 1 << 20
DEFAULT_LIMIT = 256 << 20

_lock = threading.Lock()
_arrays: OrderedDict = OrderedDict()  # id -> array, least recently handed out first
_state = {"limit": DEFAULT_LIMIT, "bytes": 0}
# References to an array that is free: the _arrays entry, the loop variable, getrefcount's argument
_FREE_REFERENCES = 3


def empty(shape, dtype) -> np.ndarray:
    """An uninitialised array of ``shape`` and ``dtype``: a free workspace array of that shape and
    dtype when there is one, else a new one (kept for reuse if it is large enough and fits)."""
    dtype = np.dtype(dtype)
    shape = tuple(shape)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if nbytes < MIN_BYTES or _state["limit"] < nbytes:
        return np.empty(shape, dtype)
    with _lock:
        for array in _arrays.values():
            if (array.shape == shape and array.dtype == dtype
                    and sys.getrefcount(array) == _FREE_REFERENCES):
                _arrays.move_to_end(id(array))
                return array
        array = np.empty(shape, dtype)
        if _make_room(nbytes):
            _arrays[id(array)] = array
            _state["bytes"] += nbytes
        return array


def zeros(shape, dtype) -> np.ndarray:
    """``empty(shape, dtype)`` filled with zeros."""
    array = empty(shape, dtype)
    array.fill(0)
    return array


def _make_room(nbytes: int) -> bool:
    """Drop free arrays, least recently used first, until ``nbytes`` more fit under the limit
    (under _lock); whether they fit."""
    if _state["bytes"] + nbytes <= _state["limit"]:
        return True
    for key in list(_arrays):
        if sys.getrefcount(_arrays[key]) == _FREE_REFERENCES - 1:  # no loop variable here
            _state["bytes"] -= _arrays.pop(key).nbytes
            if _state["bytes"] + nbytes <= _state["limit"]:
                return True
    return False


def workspace_bytes() -> int:
    """Bytes of the arrays the workspace keeps (handed out or free)."""
    return _state["bytes"]


def get_workspace_limit() -> int:
    """The most bytes the workspace keeps."""
    return _state["limit"]


def set_workspace_limit(nbytes: int) -> None:
    """Keep at most ``nbytes`` bytes of arrays for reuse (0 turns the workspace off). Arrays over
    the new limit are let go: the free ones are freed, those in use stay with their users."""
    if isinstance(nbytes, bool) or not isinstance(nbytes, (int, np.integer)) or nbytes < 0:
        raise ValueError(f"set_workspace_limit: expected a number of bytes >= 0, got {nbytes!r}")
    with _lock:
        _state["limit"] = int(nbytes)
        while _state["bytes"] > _state["limit"] and _arrays:
            _state["bytes"] -= _arrays.popitem(last=False)[1].nbytes


def clear_workspace() -> None:
    """Let go of every array the workspace keeps (those in use stay with their users)."""
    with _lock:
        _arrays.clear()
        _state["bytes"] = 0
