"""Writing a part of a tensor out of place, and more ways to split, broadcast and combine:
index_put, put, select_scatter, slice_scatter, diagonal_scatter, block_diag, diagflat, addr,
inner, hsplit, vsplit, dsplit, broadcast_to, broadcast_tensors, broadcast_shapes, concat,
concatenate, combinations, fliplr, flipud, tril_indices, triu_indices, and the log-determinants
logdet and linalg.slogdet. Compositions of the indexing, shape and linear-algebra ops, so
differentiable to any order where PyTorch differentiates them.
"""

from __future__ import annotations

import itertools
from collections import namedtuple

import numpy as np

from tinynet import tensor as tensor_module
from tinynet.errors import ArgumentError, ShapeError
from tinynet.ops.arrange_more import diag, diagonal, movedim
from tinynet.ops.broadcast import broadcast_to as _broadcast_to
from tinynet.ops.dims import normalize_dim
from tinynet.ops.elementwise import abs as _abs
from tinynet.ops.elementwise import add, log, mul
from tinynet.ops.indexing import IndexAdd, _as_index, _check_index, getitem
from tinynet.ops.indexing import index_put as _put
from tinynet.ops.indexing_more import _check_range, _integer_index, tensor_split
from tinynet.ops.out import write_out
from tinynet.ops.products import _scaled_sum, outer, tensordot
from tinynet.ops.rearrange import flip
from tinynet.ops.shape import _cat, reshape

slogdet_result = namedtuple("slogdet", ["sign", "logabsdet"])


def _make(array):
    return tensor_module.Tensor._make(np.asarray(array))


def index_put(input, indices, values, accumulate=False):  # noqa: A002 - PyTorch's names
    """``input`` with ``input[indices] = values`` (``indices`` a tuple of index tensors, as
    ``x[i, j]``), or ``+= values`` with ``accumulate=True``, where repeated indices add up."""
    key = _as_index(tuple(indices))
    _check_index(key, input.shape)
    values = values.to(input.dtype) if values.dtype != input.dtype else values
    if not accumulate:
        return _put(input, key, values)
    selected_shape = np.empty(input.shape, dtype=bool)[key].shape
    added = IndexAdd.apply(_broadcast_to(values, selected_shape), index=key, shape=input.shape)
    return add(input, added)


def put(input, index, source, accumulate=False):  # noqa: A002
    """``input`` with ``source``'s elements written (or added, with ``accumulate``) at the flat
    (row-major) positions ``index``, the write counterpart of ``take``."""
    index = _integer_index(index, "put")
    _check_range(index._data, input.numel(), 0, "put")
    if source.numel() != index.numel():
        raise ShapeError(f"put(): expected source and index to have the same number of "
                         f"elements, but got {source.numel()} and {index.numel()}")
    flat = reshape(input, (-1,))
    result = index_put(flat, (index._data.reshape(-1),), reshape(source, (-1,)), accumulate)
    return reshape(result, input.shape)


def select_scatter(input, src, dim, index):  # noqa: A002
    """``input`` with ``src`` written at position ``index`` of ``dim`` (src has input's shape
    without that dim)."""
    axis = normalize_dim(dim, input.ndim, "select_scatter")
    _check_range(np.array([index]), input.shape[axis], dim, "select_scatter")
    expected = tuple(s for d, s in enumerate(input.shape) if d != axis)
    if tuple(src.shape) != expected:
        raise ShapeError(f"select_scatter(): src of shape {list(src.shape)} does not fit "
                         f"(expected {list(expected)})")
    return _put(input, (slice(None),) * axis + (int(index),), src)


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):  # noqa: A002
    """``input`` with ``src`` written at ``input[start:end:step]`` along ``dim``."""
    axis = normalize_dim(dim, input.ndim, "slice_scatter")
    key = (slice(None),) * axis + (slice(start, end, step),)
    expected = np.empty(input.shape, dtype=bool)[key].shape
    if tuple(src.shape) != expected:
        raise ShapeError(f"slice_scatter(): src of shape {list(src.shape)} does not fit the "
                         f"slice of shape {list(expected)}")
    return _put(input, key, src)


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):  # noqa: A002
    """``input`` with ``src`` written on the diagonal that ``diagonal(input, offset, dim1,
    dim2)`` reads."""
    picked = diagonal(input, offset, dim1, dim2)
    if tuple(src.shape) != tuple(picked.shape):
        raise ShapeError(f"diagonal_scatter(): src of shape {list(src.shape)} does not fit the "
                         f"diagonal of shape {list(picked.shape)}")
    a, b = normalize_dim(dim1, input.ndim), normalize_dim(dim2, input.ndim)
    moved = movedim(input, (a, b), (-2, -1))
    length = picked.shape[-1]
    rows = np.arange(length) + (0 if offset >= 0 else -offset)
    cols = np.arange(length) + (offset if offset >= 0 else 0)
    return movedim(_put(moved, (Ellipsis, rows, cols), src), (-2, -1), (a, b))


def block_diag(*tensors):
    """The block-diagonal matrix of the given matrices (a vector counts as one row, a number as
    a 1×1 block), zeros elsewhere."""
    blocks = [reshape(t, (1, -1) if t.ndim == 1 else (1, 1)) if t.ndim < 2 else t
              for t in tensors]
    for t in blocks:
        if t.ndim != 2:
            raise ShapeError(f"block_diag(): input tensors must have 2 or fewer dimensions, got "
                             f"shape {list(t.shape)}")
    if not blocks:
        return _make(np.zeros((1, 0), np.float32))
    dtype = np.result_type(*[t.dtype for t in blocks])
    shape = (sum(t.shape[0] for t in blocks), sum(t.shape[1] for t in blocks))
    result, row, col = _make(np.zeros(shape, dtype)), 0, 0
    for t in blocks:
        rows, cols = t.shape
        t = t.to(dtype) if t.dtype != dtype else t
        result = add(result, IndexAdd.apply(t, index=(slice(row, row + rows),
                                                      slice(col, col + cols)), shape=shape))
        row, col = row + rows, col + cols
    return result


def diagflat(input, offset=0):  # noqa: A002
    """The square matrix with ``input``'s elements (flattened) on diagonal ``offset``."""
    return diag(reshape(input, (-1,)), offset)


def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):  # noqa: A002
    """β·input + α·outer(vec1, vec2)."""
    return write_out(_scaled_sum(input, outer(vec1, vec2), beta, alpha), out, "addr", input,
                     vec1, vec2)


def inner(input, other, *, out=None):  # noqa: A002
    """The sum of products over the last dims: shape input.shape[:-1] + other.shape[:-1] (a
    number times a tensor when either is 0-d)."""
    if input.ndim == 0 or other.ndim == 0:
        return write_out(mul(input, other), out, "inner", input, other)
    if input.shape[-1] != other.shape[-1]:
        raise ShapeError(f"inner(): the last dims must match, got shapes {list(input.shape)} and "
                         f"{list(other.shape)}")
    return write_out(tensordot(input, other, ([input.ndim - 1], [other.ndim - 1])), out,
                     "inner", input, other)


def _split_at(input, sections, dim, op_name):  # noqa: A002
    if isinstance(sections, (int, np.integer)) and input.shape[dim] % sections:
        raise ArgumentError(f"torch.{op_name} attempted to split along dimension {dim}, but the "
                            f"size of the dimension {input.shape[dim]} is not divisible by the "
                            f"split_size {sections}!")
    return tensor_split(input, sections, dim)


def hsplit(input, indices_or_sections):  # noqa: A002
    """Split along dim 1 (dim 0 for a vector): into n equal parts, or at the given indices."""
    if input.ndim < 1:
        raise ShapeError("hsplit(): requires a tensor with at least 1 dimension, but got 0")
    return _split_at(input, indices_or_sections, 1 if input.ndim > 1 else 0, "hsplit")


def vsplit(input, indices_or_sections):  # noqa: A002
    """Split along dim 0 (at least 2-D input): into n equal parts, or at the given indices."""
    if input.ndim < 2:
        raise ShapeError(f"vsplit(): requires a tensor with at least 2 dimensions, but got "
                         f"{input.ndim}")
    return _split_at(input, indices_or_sections, 0, "vsplit")


def dsplit(input, indices_or_sections):  # noqa: A002
    """Split along dim 2 (at least 3-D input): into n equal parts, or at the given indices."""
    if input.ndim < 3:
        raise ShapeError(f"dsplit(): requires a tensor with at least 3 dimensions, but got "
                         f"{input.ndim}")
    return _split_at(input, indices_or_sections, 2, "dsplit")


def broadcast_shapes(*shapes):
    """The shape that tensors of the given shapes broadcast to (a ``Size``)."""
    from tinynet.size import Size

    shapes = [(s,) if isinstance(s, int) else tuple(s) for s in shapes]
    try:
        return Size(np.broadcast_shapes(*shapes))
    except ValueError:
        raise ShapeError(f"Shape mismatch: objects cannot be broadcast to a single shape "
                         f"({', '.join(str(list(s)) for s in shapes)})") from None


def broadcast_to(input, shape):  # noqa: A002
    """``input`` expanded to ``shape`` (sizes of 1 repeated, leading dims added)."""
    return input.expand(*shape)


def broadcast_tensors(*tensors):
    """The tensors, each expanded to the shape they broadcast to together."""
    shape = broadcast_shapes(*[t.shape for t in tensors])
    return tuple(t if tuple(t.shape) == tuple(shape) else t.expand(*shape) for t in tensors)


def concat(tensors, dim=0, *, out=None):
    """``cat`` under another of its names."""
    return write_out(_cat(tensors, dim), out, "concat", *tensors)


def concatenate(tensors, axis=0, out=None):
    """``cat`` under NumPy's name (with ``axis``)."""
    return write_out(_cat(tensors, axis), out, "concatenate", *tensors)


def combinations(input, r=2, with_replacement=False):  # noqa: A002
    """The length-``r`` combinations of a vector's elements, one per row (as
    itertools.combinations, or combinations_with_replacement)."""
    if input.ndim != 1:
        raise ShapeError(f"combinations(): expect a 1D vector, but got shape "
                         f"{list(input.shape)}")
    choose = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    rows = np.array(list(choose(range(input.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    if r == 0 or not rows.size:
        return _make(np.zeros((0,) if r == 0 else (0, r), input.dtype))
    return getitem(input, rows)


def fliplr(input):  # noqa: A002
    """``input`` with its columns (dim 1) in reverse order."""
    if input.ndim < 2:
        raise ShapeError(f"fliplr(): input must be >= 2-d, got shape {list(input.shape)}")
    return flip(input, (1,))


def flipud(input):  # noqa: A002
    """``input`` with its rows (dim 0) in reverse order."""
    if input.ndim < 1:
        raise ShapeError("flipud(): input must be >= 1-d")
    return flip(input, (0,))


def _triangle_indices(row, col, offset, lower, dtype):
    rows, cols = np.nonzero(np.tri(row, col, offset, dtype=bool) if lower
                            else ~np.tri(row, col, offset - 1, dtype=bool))
    from tinynet import dtypes

    return _make(np.stack([rows, cols]).astype(dtypes.as_dtype(dtype) if dtype is not None
                                               else np.int64))


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (2, N) indices of the lower triangle (j − i ≤ offset) of a row × col matrix, row by
    row. dtype defaults to int64, as PyTorch's torch.long."""
    return _triangle_indices(row, col, offset, True, dtype)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (2, N) indices of the upper triangle (j − i ≥ offset) of a row × col matrix, row by
    row. dtype defaults to int64, as PyTorch's torch.long."""
    return _triangle_indices(row, col, offset, False, dtype)


def slogdet(A, *, out=None):  # noqa: N803
    """(sign, log|det|) of a square matrix (or each of a batch), as a named tuple. tinynet
    computes them from det, so unlike PyTorch's LU-based form it does not avoid det's overflow
    or underflow for very large matrices. The gradient flows through log|det|."""
    from tinynet.ops.linalg_more import det

    determinant = det(A)
    sign = _make(np.sign(determinant._data).astype(determinant.dtype))
    return slogdet_result(sign, log(_abs(determinant)))


def logdet(input):  # noqa: A002
    """log det(input): nan for a negative determinant, -inf for zero."""
    from tinynet.ops.linalg_more import det

    return log(det(input))
