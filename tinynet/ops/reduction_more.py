"""More reductions and scans with PyTorch's names: prod, median, nanmedian, mode, kthvalue,
count_nonzero, std_mean, var_mean, logcumsumexp, cummax, cummin, diff.

They are compositions of differentiable ops, so their first and second derivatives come for free:
the order statistics (median, kthvalue, mode, cummax, cummin) pick their indices on the arrays and
``gather`` the values, so the gradient goes to the element each value came from; prod is the last
entry of cumprod (whose backward is exact with zeros); logcumsumexp is a logsumexp over the
lower triangle of each line (memory n² per line of length n).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from tinynet import tensor as tensor_module
from tinynet.errors import ArgumentError, DtypeError, ShapeError
from tinynet.ops.dims import normalize_dim, normalize_dims
from tinynet.ops.elementwise import where
from tinynet.ops.indexing import gather
from tinynet.ops.norms import cumprod
from tinynet.ops.out import write_out
from tinynet.ops.reduction import logsumexp, mean, std, var
from tinynet.ops.shape import cat

median_result = namedtuple("median", ["values", "indices"])
nanmedian_result = namedtuple("nanmedian", ["values", "indices"])
mode_result = namedtuple("mode", ["values", "indices"])
kthvalue_result = namedtuple("kthvalue", ["values", "indices"])
cummax_result = namedtuple("cummax", ["values", "indices"])
cummin_result = namedtuple("cummin", ["values", "indices"])


def _make(array):
    array = np.asarray(array)  # (np.ascontiguousarray would make a 0-d array 1-d)
    return tensor_module.Tensor._make(array if array.flags.c_contiguous else array.copy())


def _write_pair(result, out, name, input):  # noqa: A002
    if out is None:
        return result
    values, indices = out
    return type(result)(write_out(result.values, values, name, input),
                        write_out(result.indices, indices, name))


# prod ------------------------------------------------------------------------------------------
def prod(input, dim=None, keepdim=False, *, dtype=None, out=None):  # noqa: A002 - PyTorch's names
    """The product of the elements (over ``dim``); integer and bool inputs multiply in int64, as
    in PyTorch; ``dtype`` converts the input first. The product of no elements is 1."""
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        axis, x = 0, input.reshape(-1)
    else:
        axis, x = normalize_dim(dim, input.ndim, "prod"), input
    if x.dtype.kind != "f":
        result = _make(np.prod(x._data, axis=axis if x.ndim else None, dtype=np.int64,
                               keepdims=keepdim and dim is not None))
    elif x.ndim == 0:
        result = x.clone()
    elif x.shape[axis] == 0:
        result = x.sum(axis, keepdim) + 1.0  # the empty product, still in the graph
    else:
        last = (slice(None),) * axis + (slice(-1, None) if keepdim else -1,)
        result = cumprod(x, axis)[last]
        if dim is None:
            result = result.reshape(())
    return write_out(result, out, "prod", input)


# Order statistics -------------------------------------------------------------------------------
def _lines(input, dim, op_name):  # noqa: A002
    """(axis, data with ``axis`` last); refuses an empty line."""
    if input.ndim == 0:
        return None, input._data.reshape(1)
    axis = normalize_dim(dim, input.ndim, op_name)
    if input.shape[axis] == 0:
        raise ShapeError(f"{op_name}(): dimension {dim} of a tensor of shape "
                         f"{list(input.shape)} is empty: there is no value to pick")
    return axis, np.moveaxis(input._data, axis, -1)


def _picked(input, axis, index_last, keepdim, result_type):  # noqa: A002
    """(values, indices) from indices chosen along the last axis of the moved data."""
    if axis is None:  # a 0-d input
        return result_type(input.clone(), _make(np.zeros((), np.int64)))
    index = np.expand_dims(index_last, axis)  # the input's shape with 1 along axis
    values = gather(input, axis, _make(index.astype(np.int64)))
    indices = _make(index.astype(np.int64))
    if not keepdim:
        values, indices = values.squeeze(axis), indices.squeeze(axis)
    return result_type(values, indices)


def _median(input, dim, keepdim, skip_nan, result_type, name):  # noqa: A002
    axis, lines = _lines(input, dim, name)
    order = np.argsort(lines, axis=-1, kind="stable")  # NaN last
    nan = np.isnan(lines) if lines.dtype.kind == "f" else np.zeros(lines.shape, bool)
    if skip_nan:
        count = lines.shape[-1] - nan.sum(-1)
        position = np.maximum(count - 1, 0) // 2
    else:
        position = np.full(lines.shape[:-1], (lines.shape[-1] - 1) // 2)
    index = np.take_along_axis(order, position[..., None], -1)[..., 0]
    if not skip_nan:  # any NaN makes the median NaN, at the first NaN's place
        index = np.where(nan.any(-1), np.argmax(nan, -1), index)
    return _picked(input, axis, index, keepdim, result_type)


def median(input, dim=None, keepdim=False, *, out=None):  # noqa: A002
    """The lower median (the ⌊(n−1)/2⌋-th smallest value; NaN if there is one). Without ``dim``,
    of all elements (a tensor); with ``dim``, (values, indices) along it. Among equal values the
    index of the first one in sorted order is returned (PyTorch does not specify which)."""
    if dim is None:
        result = _median(input.reshape(-1), 0, False, False, median_result, "median").values
        return write_out(result, out, "median", input)
    return _write_pair(_median(input, dim, keepdim, False, median_result, "median"), out,
                       "median", input)


def nanmedian(input, dim=None, keepdim=False, *, out=None):  # noqa: A002
    """``median`` of the values that are not NaN (NaN only where all are)."""
    if dim is None:
        result = _median(input.reshape(-1), 0, False, True, nanmedian_result, "nanmedian").values
        return write_out(result, out, "nanmedian", input)
    return _write_pair(_median(input, dim, keepdim, True, nanmedian_result, "nanmedian"), out,
                       "nanmedian", input)


def kthvalue(input, k, dim=None, keepdim=False, *, out=None):  # noqa: A002
    """(values, indices): the ``k``-th smallest value along ``dim`` (the last by default; k
    counts from 1; NaN sorts last)."""
    axis, lines = _lines(input, -1 if dim is None else dim, "kthvalue")
    size = lines.shape[-1]
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= size:
        raise ArgumentError(f"kthvalue(): selected number k = {k} out of range for a dimension "
                            f"of size {size} (k counts from 1)")
    order = np.argsort(lines, axis=-1, kind="stable")
    return _write_pair(_picked(input, axis, order[..., k - 1], keepdim, kthvalue_result), out,
                       "kthvalue", input)


def mode(input, dim=-1, keepdim=False, *, out=None):  # noqa: A002
    """(values, indices): the most frequent value along ``dim`` (None: the last; the
    smallest of the most frequent ones) and the index of its last occurrence, as PyTorch."""
    axis, lines = _lines(input, -1 if dim is None else dim, "mode")
    flat = lines.reshape(-1, lines.shape[-1])
    index = np.empty(flat.shape[0], np.int64)
    for row, line in enumerate(flat):
        values, counts = np.unique(line, return_counts=True)  # sorted: ties go to the smallest
        value = values[np.argmax(counts)]
        same = (line == value) | (np.isnan(line) & np.isnan(value) if line.dtype.kind == "f"
                                  else False)
        index[row] = line.size - 1 - np.argmax(same[::-1])
    return _write_pair(_picked(input, axis, index.reshape(lines.shape[:-1]), keepdim,
                               mode_result), out, "mode", input)


def _cumulative_extreme(input, dim, better, result_type, name, out):  # noqa: A002
    axis, lines = _lines(input, dim, name) if input.numel() else (None, None)
    if lines is None:
        return _write_pair(result_type(input.clone(), _make(np.zeros(input.shape, np.int64))),
                           out, name, input)
    index = np.zeros(lines.shape, np.int64)
    best, best_index = lines[..., 0], np.zeros(lines.shape[:-1], np.int64)
    is_float = lines.dtype.kind == "f"
    for i in range(1, lines.shape[-1]):
        value = lines[..., i]
        take = better(value, best)
        if is_float:  # NaN, once seen, stays (with the index of the latest NaN)
            take = np.isnan(value) | (~np.isnan(best) & take)
        best, best_index = np.where(take, value, best), np.where(take, i, best_index)
        index[..., i] = best_index
    if axis is None:
        return _write_pair(result_type(input.clone(), _make(np.zeros((), np.int64))), out, name,
                           input)
    index = _make(np.moveaxis(index, -1, axis))
    return _write_pair(result_type(gather(input, axis, index), index), out, name, input)


def cummax(input, dim, *, out=None):  # noqa: A002
    """(values, indices): the running maximum along ``dim`` and where it was found (the latest
    index among equal values, as PyTorch)."""
    return _cumulative_extreme(input, dim, np.greater_equal, cummax_result, "cummax", out)


def cummin(input, dim, *, out=None):  # noqa: A002
    """(values, indices): the running minimum along ``dim`` and where it was found."""
    return _cumulative_extreme(input, dim, np.less_equal, cummin_result, "cummin", out)


# Counting, moments, scans, differences ---------------------------------------------------------
def count_nonzero(input, dim=None):  # noqa: A002
    """The number of nonzero elements (over ``dim``: an int or a tuple), as int64."""
    axes = normalize_dims(dim, input.ndim, "count_nonzero")
    return _make(np.asarray(np.count_nonzero(input._data, axis=axes), dtype=np.int64))


def var_mean(input, dim=None, *, correction=1, keepdim=False, out=None):  # noqa: A002
    """(var, mean) over ``dim``: Σ (x − mean)² / (N − correction), and the mean."""
    return _moments(var, "var_mean", input, dim, correction, keepdim, out)


def std_mean(input, dim=None, *, correction=1, keepdim=False, out=None):  # noqa: A002
    """(std, mean) over ``dim``: √(Σ (x − mean)² / (N − correction)), and the mean."""
    return _moments(std, "std_mean", input, dim, correction, keepdim, out)


def _moments(spread, name, input, dim, correction, keepdim, out):  # noqa: A002
    axes = normalize_dims(dim, input.ndim, name)
    result = (spread(input, axes, keepdim=keepdim, correction=correction),
              mean(input, axes, keepdim))
    if out is None:
        return result
    return tuple(write_out(r, o, name, input) for r, o in zip(result, out))


def logcumsumexp(input, dim, *, out=None):  # noqa: A002
    """yᵢ = log Σ_{j ≤ i} e^{xⱼ} along ``dim``, without overflow: for each i a logsumexp over
    the entries up to i (the others masked to −inf), so each line of length n takes n² memory."""
    if input.dtype.kind != "f":
        raise DtypeError(f"logcumsumexp: expected a floating point tensor, got {input.dtype}")
    if input.ndim == 0 or input.numel() == 0:
        return write_out(input.clone(), out, "logcumsumexp", input)
    axis = normalize_dim(dim, input.ndim, "logcumsumexp")
    lines = input.transpose(axis, -1)
    size = lines.shape[-1]
    rows = lines.unsqueeze(-2).expand(*lines.shape[:-1], size, size)  # rows[..., i, j] = x_j
    masked = where(np.tril(np.ones((size, size), dtype=bool)), rows, -np.inf)
    return write_out(logsumexp(masked, -1).transpose(axis, -1), out, "logcumsumexp", input)


def diff(input, n=1, dim=-1, prepend=None, append=None):  # noqa: A002
    """The ``n``-th forward difference along ``dim``: out[i] = x[i+1] − x[i], applied n times,
    after ``prepend`` and ``append`` are joined to the input along ``dim`` (their other sizes
    must match). On bool tensors the difference is ``logical_xor`` (x[i+1] != x[i])."""
    if input.ndim == 0:
        raise ShapeError("diff expects input to be at least one-dimensional")
    if not isinstance(n, int) or n < 0:
        raise ArgumentError(f"diff expects n to be a non-negative int, got {n!r}")
    axis = normalize_dim(dim, input.ndim, "diff")
    parts = [p for p in (prepend, input, append) if p is not None]
    x = cat(parts, axis) if len(parts) > 1 else input
    before, after = (slice(None),) * axis + (slice(None, -1),), (slice(None),) * axis + (
        slice(1, None),)
    for _ in range(n):
        if x.shape[axis] == 0:
            break
        if x.dtype.kind == "b":
            x = _make(x._data[after] != x._data[before])
        else:
            x = x[after] - x[before]
    return x


# Reductions that skip NaN, quantiles, min and max together -----------------------------------
aminmax_result = namedtuple("aminmax", ["min", "max"])


def aminmax(input, *, dim=None, keepdim=False, out=None):  # noqa: A002
    """(min, max) of the elements (over ``dim``), as ``amin`` and ``amax`` compute them."""
    from tinynet.ops.reduction import amax, amin

    if input.numel() == 0:
        raise ShapeError("aminmax(): cannot compute the minimum and maximum of an empty tensor")
    result = aminmax_result(amin(input, dim, keepdim), amax(input, dim, keepdim))
    if out is None:
        return result
    return aminmax_result(*(write_out(r, o, "aminmax", input) for r, o in zip(result, out)))


def nansum(input, dim=None, keepdim=False, *, dtype=None, out=None):  # noqa: A002
    """The sum of the elements that are not NaN (their gradient 1, NaN's 0)."""
    from tinynet.ops.reduction import sum

    x = input if input.dtype.kind != "f" else where(np.isnan(input._data), 0.0, input)
    return write_out(sum(x, dim, keepdim, dtype=dtype), out, "nansum", input)


def nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None):  # noqa: A002
    """The mean of the elements that are not NaN (NaN where all are; the gradient of such a
    line is 0, where PyTorch's is NaN)."""
    if dtype is not None:
        input = input.to(dtype)
    if input.dtype.kind != "f":
        raise DtypeError(f"nanmean(): expected a floating point tensor, got {input.dtype}")
    axes = normalize_dims(dim, input.ndim, "nanmean")
    count = np.sum(~np.isnan(input._data), axis=axes, keepdims=keepdim)
    with np.errstate(divide="ignore", invalid="ignore"):
        result = nansum(input, axes, keepdim) / count.astype(input.dtype)
    return write_out(result, out, "nanmean", input)


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(input, q, dim, keepdim, interpolation, skip_nan, name):  # noqa: A002
    from tinynet.ops.sorting import sort

    if interpolation not in _INTERPOLATIONS:
        raise ArgumentError(f"{name}() interpolation must be one of {', '.join(_INTERPOLATIONS)}"
                            f", got {interpolation!r}")
    if input.dtype.kind != "f":
        raise DtypeError(f"{name}() input tensor must be a floating point tensor, got "
                         f"{input.dtype}")
    scalar_q = not isinstance(q, tensor_module.Tensor)
    qs = np.atleast_1d(np.asarray(q._data if not scalar_q else q, dtype=np.float64))
    if qs.ndim > 1 or ((qs < 0) | (qs > 1)).any():
        raise ArgumentError(f"{name}() q must be a scalar or a 1-D tensor of values in [0, 1]")
    x = input.reshape(-1) if dim is None else input
    axis = 0 if dim is None else normalize_dim(dim, input.ndim, name)
    if x.shape[axis] == 0:
        raise ShapeError(f"{name}() input tensor must be non-empty along dimension {axis}")
    ordered = sort(x, axis).values  # NaN last
    nan = np.isnan(np.moveaxis(x._data, axis, -1))
    size = x.shape[axis]
    count = size - nan.sum(-1) if skip_nan else np.full(nan.shape[:-1], size)
    position = qs.reshape((-1,) + (1,) * (x.ndim - 1)) * np.maximum(count - 1, 0)
    if interpolation == "nearest":
        position = np.round(position)
    low = np.floor(position).astype(np.int64)
    high = np.ceil(position).astype(np.int64)
    if interpolation == "lower":
        high = low
    elif interpolation == "higher":
        low = high

    def picked(index):  # index[k, ...other dims] → the values, q first
        moved = ordered.permute([i for i in range(x.ndim) if i != axis] + [axis])
        rows = moved.unsqueeze(0).expand(len(qs), *moved.shape)
        return gather(rows, -1, _make(index[..., None])).squeeze(-1)

    weight = position - low if interpolation == "linear" else np.full(position.shape, 0.5)
    lower, upper = picked(low), picked(high)
    result = lower + (upper - lower) * weight.astype(input.dtype)
    undefined = (nan.all(-1) if skip_nan else nan.any(-1)) | (count == 0)
    result = where(np.broadcast_to(undefined, result.shape), np.nan, result)
    if keepdim:
        shape = [1] * input.ndim if dim is None else list(input.shape)
        if dim is not None:
            shape[axis] = 1
        result = result.reshape(len(qs), *shape)
    return result[0] if scalar_q else result


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):  # noqa: A002
    """The ``q``-th quantiles (q in [0, 1], a number or a 1-D tensor, whose size then comes
    first in the result) of the elements (along ``dim``): the sorted values at position
    q·(n − 1), between neighbours as ``interpolation`` says (linear, lower, higher, midpoint,
    nearest). NaN where a line holds a NaN."""
    result = _quantile(input, q, dim, keepdim, interpolation, False, "quantile")
    return write_out(result, out, "quantile", input)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear",  # noqa: A002
                out=None):
    """``quantile`` of the values that are not NaN (NaN only where all are)."""
    result = _quantile(input, q, dim, keepdim, interpolation, True, "nanquantile")
    return write_out(result, out, "nanquantile", input)
