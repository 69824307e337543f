"""Counting and locating values: histc, bincount, searchsorted, bucketize. Their results are
counts or positions, so none of them is differentiable (as in PyTorch)."""

from __future__ import annotations

import numpy as np

from tinynet import tensor as tensor_module
from tinynet.errors import ArgumentError, DtypeError, ShapeError
from tinynet.ops.out import write_out
from tinynet.ops.promotion import to_tensor


def _make(array):
    return tensor_module.Tensor._make(np.asarray(array))


def histc(input, bins=100, min=0, max=0, *, out=None):  # noqa: A001, A002 - PyTorch's names
    """The histogram of ``input``'s values in ``bins`` equal bins over [min, max] (with
    min = max = 0, the data's own minimum and maximum); values outside are ignored. The counts
    have input's dtype, as in PyTorch."""
    if input.dtype.kind != "f":
        raise DtypeError(f"histc(): input must be a floating point tensor, got {input.dtype}")
    if bins <= 0:
        raise ArgumentError(f"histc(): bins must be > 0, got {bins}")
    values = input._data.reshape(-1)
    low, high = float(min), float(max)
    if low == high and values.size:
        low, high = float(values.min()), float(values.max())
    if low == high:
        low, high = low - 1, high + 1
    if low > high:
        raise ArgumentError(f"histc(): max must be larger than min, got min={min}, max={max}")
    counts, _ = np.histogram(values, bins=bins, range=(low, high))
    return write_out(_make(counts.astype(input.dtype)), out, "histc")


def bincount(input, weights=None, minlength=0):  # noqa: A002
    """How many times each value 0, 1, ... occurs in a 1-D tensor of non-negative integers (the
    sum of their ``weights`` if given), at least ``minlength`` entries. Counts are int64; weighted
    sums are float64 for integer or float64 weights and float32 for float32 ones, as in
    PyTorch."""
    if input.dtype.kind not in "iu":
        raise DtypeError(f"bincount(): input must be an integer tensor, got {input.dtype}")
    if input.ndim != 1:
        raise ShapeError(f"bincount(): input must be 1-D, got shape {list(input.shape)}")
    if input.numel() and input._data.min() < 0:
        raise ArgumentError("bincount(): input must contain only non-negative integers")
    if minlength < 0:
        raise ArgumentError(f"bincount(): minlength should be >= 0, got {minlength}")
    if weights is None:
        return _make(np.bincount(input._data, minlength=minlength).astype(np.int64))
    weights = to_tensor(weights)
    if tuple(weights.shape) != tuple(input.shape):
        raise ShapeError(f"bincount(): weights (shape {list(weights.shape)}) must have the "
                         f"input's shape {list(input.shape)}")
    dtype = np.float32 if weights.dtype == np.float32 else np.float64
    return _make(np.bincount(input._data, weights._data, minlength).astype(dtype))


def _positions(boundaries: np.ndarray, values: np.ndarray, side: str) -> np.ndarray:
    if boundaries.ndim <= 1:
        return np.searchsorted(boundaries, values, side=side)
    rows_b = boundaries.reshape(-1, boundaries.shape[-1])
    rows_v = values.reshape(-1, values.shape[-1])
    found = [np.searchsorted(b, v, side=side) for b, v in zip(rows_b, rows_v)]
    return np.stack(found).reshape(values.shape) if found else np.zeros(values.shape, np.int64)


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,  # noqa: A002
                 out=None, sorter=None):
    """For each value of ``input``, the index in ``sorted_sequence`` (sorted along its last dim)
    where it would be inserted to keep the order: the first such place, or the last with
    ``right=True`` (``side='right'``). An N-D sequence is searched row by row with ``input``'s
    rows, their leading dims equal. ``sorter`` gives the order of an unsorted sequence.
    ``input`` may also be a number."""
    if side is not None and side not in ("left", "right"):
        raise ArgumentError(f"searchsorted(): side can only be 'left' or 'right', got {side!r}")
    if side is not None and right and side == "left":
        raise ArgumentError("searchsorted(): side and right can't be set to opposites, got "
                            "side 'left' and right True")
    side = side or ("right" if right else "left")
    sequence = to_tensor(sorted_sequence)._data
    scalar = not isinstance(input, tensor_module.Tensor)
    values = np.asarray(input._data if not scalar else input)
    if sorter is not None:
        order = to_tensor(sorter)._data
        if order.shape != sequence.shape:
            raise ShapeError(f"searchsorted(): sorter (shape {list(order.shape)}) must have the "
                             f"shape of sorted_sequence {list(sequence.shape)}")
        sequence = np.take_along_axis(sequence, order, -1)
    if sequence.ndim > 1 and (scalar or sequence.shape[:-1] != values.shape[:-1]):
        raise ShapeError(f"searchsorted(): boundaries of shape {list(sequence.shape)} need "
                         f"input with the same leading dims, got {list(values.shape)}")
    found = _positions(sequence, values, side)
    result = _make(np.asarray(found).astype(np.int32 if out_int32 else np.int64))
    return write_out(result, out, "searchsorted")


def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):  # noqa: A002
    """For each value v of ``input``, the index i of its bucket in the 1-D increasing
    ``boundaries``: boundaries[i-1] < v <= boundaries[i], or boundaries[i-1] <= v <
    boundaries[i] with ``right=True``."""
    boundaries = to_tensor(boundaries)
    if boundaries.ndim != 1:
        raise ShapeError(f"bucketize(): boundaries must be 1-D, got shape "
                         f"{list(boundaries.shape)}")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


__all__ = ["histc", "bincount", "searchsorted", "bucketize"]
