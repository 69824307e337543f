"""Ops that pick, reorder, repeat or mask elements, composed of the core ops (so their gradients,
and the gradients of those, come from indexing, where, reshape and expand): t, mm, bmm, flip,
roll, repeat, index_select, masked_fill, masked_select, unbind, tril, triu, view, view_as,
expand_as, lerp.
"""

from __future__ import annotations

import numpy as np

from tinynet import tensor as tensor_module
from tinynet.errors import ArgumentError, DtypeError, ShapeError
from tinynet.ops.broadcast import broadcast_to
from tinynet.ops.dims import normalize_dim, normalize_dims
from tinynet.ops.elementwise import add, mul, sub, where
from tinynet.ops.indexing import getitem
from tinynet.ops.out import write_out
from tinynet.ops.promotion import to_tensor
from tinynet.ops.shape import _shape_argument, expand, matmul, reshape, transpose


def t(input):  # noqa: A002 - PyTorch's argument name
    """The transpose of a matrix; a tensor of 0 or 1 dims is returned as it is."""
    if input.ndim > 2:
        raise ShapeError(f"t() expects a tensor with <= 2 dimensions, but got shape "
                         f"{list(input.shape)}; use transpose(dim0, dim1) or .mT")
    return input if input.ndim < 2 else transpose(input, 0, 1)


def mm(input, mat2, *, out=None):  # noqa: A002
    """The matrix product of two 2-D tensors (no broadcasting: see matmul for that)."""
    if input.ndim != 2 or mat2.ndim != 2:
        raise ShapeError(f"mm: both arguments must be matrices, got shapes {list(input.shape)} "
                         f"and {list(mat2.shape)}")
    return write_out(matmul(input, mat2), out, "mm", input, mat2)


def bmm(input, mat2, *, out=None):  # noqa: A002
    """Batched matrix product: (b, n, m) @ (b, m, p) -> (b, n, p), the batch sizes equal."""
    if input.ndim != 3 or mat2.ndim != 3 or input.shape[0] != mat2.shape[0]:
        raise ShapeError(f"bmm: expected two 3-D tensors with the same batch size, got shapes "
                         f"{list(input.shape)} and {list(mat2.shape)}")
    return write_out(matmul(input, mat2), out, "bmm", input, mat2)


def _along(ndim: int, axis: int, index) -> tuple:
    """The index that applies ``index`` along ``axis`` and keeps every other axis whole."""
    return (slice(None),) * axis + (index,)


def flip(input, dims):  # noqa: A002
    """``input`` with the order of its elements reversed along each of ``dims``."""
    axes = normalize_dims(dims, input.ndim, "flip")
    if not axes:
        return input
    key = tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(input.ndim))
    return getitem(input, key)


def roll(input, shifts, dims=None):  # noqa: A002
    """Elements shifted by ``shifts`` places along ``dims``, those pushed off the end coming back
    at the start; with ``dims=None`` the tensor is flattened, rolled, and given its shape back."""
    if dims is None:
        if not isinstance(shifts, int):
            shifts = tuple(shifts)
            if len(shifts) != 1:
                raise ArgumentError(f"roll: {len(shifts)} shifts need as many dims, got dims=None")
            shifts = shifts[0]
        return reshape(roll(reshape(input, -1), shifts, 0), input.shape)
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise ArgumentError(f"roll: shifts {list(shifts)} and dims {list(dims)} must have the "
                            "same length")
    result = input
    for shift, dim in zip(shifts, dims):
        axis = normalize_dim(dim, input.ndim, "roll")
        size = input.shape[axis]
        if size and shift % size:
            positions = (np.arange(size) - shift) % size
            result = getitem(result, _along(input.ndim, axis, positions))
    return result


def repeat(input, *repeats):  # noqa: A002
    """``input`` tiled ``repeats[i]`` times along dim i (extra leading repeats add dims), e.g. a
    (2, 3) tensor repeated (2, 1, 2) gives (2, 2, 6). Composed as reshape, expand, reshape."""
    repeats = _shape_argument(repeats)
    if len(repeats) < input.ndim:
        raise ShapeError(f"repeat: the number of repeats {list(repeats)} can not be smaller than "
                         f"the number of dims of the tensor (shape {list(input.shape)})")
    if any(r < 0 for r in repeats):
        raise ArgumentError(f"repeat: repeats must be non-negative, got {list(repeats)}")
    shape = (1,) * (len(repeats) - input.ndim) + tuple(input.shape)
    interleaved = tuple(s for size in shape for s in (1, size))
    expanded = tuple(s for r, size in zip(repeats, shape) for s in (r, size))
    tiled = expand(reshape(input, interleaved), expanded)
    return reshape(tiled, tuple(r * size for r, size in zip(repeats, shape)))


def _index_vector(index, op_name: str) -> np.ndarray:
    index = to_tensor(index)
    if index.dtype.kind not in "iu":
        raise DtypeError(f"{op_name}: index must be an integer tensor (int64 or int32), got "
                         f"{index.dtype}")
    if index.ndim > 1:
        raise ShapeError(f"{op_name}: index must be a vector or a scalar, got shape "
                         f"{list(index.shape)}")
    return index._data.reshape(-1)


def index_select(input, dim, index, *, out=None):  # noqa: A002
    """The entries of ``input`` at positions ``index`` (a 1-D integer tensor) along ``dim``."""
    axis = normalize_dim(dim, input.ndim, "index_select")
    positions = _index_vector(index, "index_select")
    size = input.shape[axis] if input.ndim else 1
    if positions.size and (positions.min() < 0 or positions.max() >= size):
        raise IndexError(f"index_select: index {positions.tolist()} out of range for dim {dim} "
                         f"of size {size} (shape {list(input.shape)})")
    if input.ndim == 0:  # a 0-d tensor is indexed as if it had one dim of size 1
        picked = getitem(reshape(input, (1,)), positions)
        result = reshape(picked, ()) if positions.size == 1 else picked
    else:
        result = getitem(input, _along(input.ndim, axis, positions))
    return write_out(result, out, "index_select", input)


def _bool_mask(mask, op_name: str) -> np.ndarray:
    array = getattr(mask, "_data", mask)
    array = np.asarray(array)
    if array.dtype != np.bool_:
        raise DtypeError(f"{op_name} only supports boolean masks, but got mask with dtype "
                         f"{array.dtype}")
    return array


def masked_fill(input, mask, value):  # noqa: A002
    """``input`` with ``value`` wherever ``mask`` (bool, broadcastable to input) is True. The
    gradient flows to ``input`` where the mask is False, and to a tensor ``value`` (0-d) from
    every filled place."""
    condition = _bool_mask(mask, "masked_fill")
    try:
        shape = np.broadcast_shapes(condition.shape, input.shape)
    except ValueError:
        shape = None
    if shape != tuple(input.shape):
        raise ShapeError(f"masked_fill: mask of shape {list(condition.shape)} cannot be "
                         f"broadcast to the input's shape {list(input.shape)}")
    if isinstance(value, tensor_module.Tensor):
        if value.ndim:
            raise ShapeError(f"masked_fill only supports a 0-dimensional value tensor, but got "
                             f"one of shape {list(value.shape)}")
        value = value.to(input.dtype)
    else:
        value = tensor_module.Tensor._make(np.asarray(value).astype(input.dtype))
    return where(condition, value, input)


def masked_select(input, mask, *, out=None):  # noqa: A002
    """A 1-D tensor of the entries of ``input`` where ``mask`` is True, the two broadcast
    together first."""
    condition = _bool_mask(mask, "masked_select")
    try:
        shape = np.broadcast_shapes(condition.shape, input.shape)
    except ValueError:
        raise ShapeError(f"masked_select: mask of shape {list(condition.shape)} and input of "
                         f"shape {list(input.shape)} cannot be broadcast together") from None
    selected = getitem(broadcast_to(input, shape), np.broadcast_to(condition, shape))
    return write_out(selected, out, "masked_select", input)


def unbind(input, dim=0):  # noqa: A002
    """The slices of ``input`` along ``dim``, as a tuple of tensors without that dim."""
    axis = normalize_dim(dim, input.ndim, "unbind")
    return tuple(getitem(input, _along(input.ndim, axis, i)) for i in range(input.shape[axis]))


def _triangle(input, diagonal, keep_lower: bool, op_name: str, out):
    if input.ndim < 2:
        raise ShapeError(f"{op_name}: input tensor must have at least 2 dimensions, got shape "
                         f"{list(input.shape)}")
    rows, cols = input.shape[-2:]
    kept = (np.tri(rows, cols, diagonal, dtype=bool) if keep_lower
            else ~np.tri(rows, cols, diagonal - 1, dtype=bool))
    zero = tensor_module.Tensor._make(np.zeros((), input.dtype))
    return write_out(where(kept, input, zero), out, op_name, input)


def tril(input, diagonal=0, *, out=None):  # noqa: A002
    """The lower triangle of the last two dims: entries (i, j) with j − i ≤ diagonal, others 0."""
    return _triangle(input, diagonal, True, "tril", out)


def triu(input, diagonal=0, *, out=None):  # noqa: A002
    """The upper triangle of the last two dims: entries (i, j) with j − i ≥ diagonal, others 0."""
    return _triangle(input, diagonal, False, "triu", out)


def view(input, *shape):  # noqa: A002
    """``input`` seen with another shape, sharing its memory: writes through either show in
    both. Refused when the elements' layout in memory cannot be seen with that shape without a
    copy (after transpose or permute, for instance): ``reshape`` copies in that case. Viewing
    the bytes as another dtype (PyTorch's ``view(dtype)``) is not supported and refused."""
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer, tuple, list)):
        raise TypeError(f"view: tinynet views a tensor with another shape only, not as another "
                        f"dtype (got {shape[0]!r}); use .to(dtype) for a converted copy")
    shape = _shape_argument(shape)
    try:
        np.reshape(input._data, shape, copy=False)
    except ValueError:
        reshape(input, shape)  # raises its error when the sizes do not fit
        raise ShapeError(f"view size is not compatible with input tensor's size and stride (at "
                         f"least one dimension spans across two contiguous subspaces): a tensor "
                         f"of shape {list(input.shape)} laid out as by a transpose or permute "
                         f"cannot be viewed as {list(shape)}. Use .reshape(...) instead.") from None
    return reshape(input, shape)


def view_as(input, other):  # noqa: A002
    return view(input, *other.shape)


def expand_as(input, other):  # noqa: A002
    return expand(input, *other.shape)


def lerp(input, end, weight, *, out=None):  # noqa: A002
    """input + weight · (end − input), ``weight`` a number or a tensor (all broadcast)."""
    return write_out(add(input, mul(weight, sub(end, input))), out, "lerp", input, end, weight)


__all__ = ["t", "mm", "bmm", "flip", "roll", "repeat", "index_select", "masked_fill",
           "masked_select", "unbind", "tril", "triu", "view", "view_as", "expand_as", "lerp"]
