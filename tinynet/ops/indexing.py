"""Indexing: x[index], the out-of-place x[index] = value, gather and scatter_add. Each one's
backward is another's forward: getitem ↔ index_add (scatter-add into zeros), gather ↔ scatter_add.
"""

from __future__ import annotations

import numpy as np

from tinynet import tensor as tensor_module
from tinynet.autograd.function import Function
from tinynet.ops.broadcast import sum_to
from tinynet.ops.dims import normalize_dim
from tinynet.ops.out import write_out
from tinynet.ops.promotion import as_operands, to_tensor
from tinynet.errors import DtypeError, ShapeError


def is_basic_index(index) -> bool:
    """True for an index of ints, slices, None and Ellipsis only (NumPy basic indexing: a view)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, (int, slice, type(None), type(Ellipsis))) and not isinstance(p, bool)
               for p in parts)


class GetItem(Function):
    """y = x[index] (NumPy indexing: ints, slices, integer arrays, boolean masks).
    dx = zeros with dy added at ``index``; repeated integer indices add up."""

    @staticmethod
    def forward(ctx, x, index):
        ctx.index, ctx.input_shape = index, x.shape
        try:
            return x[index]
        except IndexError as error:
            raise IndexError(f"index {_describe_index(index)} is out of bounds for a tensor of "
                             f"shape {list(x.shape)}: {error}") from None

    @staticmethod
    def backward(ctx, grad):
        return IndexAdd.apply(grad, index=ctx.index, shape=ctx.input_shape)


class IndexAdd(Function):
    """y = zeros(shape) with x added at ``index`` (the adjoint of x[index]).   dx = dy[index]."""

    @staticmethod
    def forward(ctx, x, index, shape):
        ctx.index = index
        result = np.zeros(shape, dtype=x.dtype)
        if is_basic_index(index):
            result[index] = x
        else:
            np.add.at(result, index, x)
        return result

    @staticmethod
    def backward(ctx, grad):
        return GetItem.apply(grad, index=ctx.index)


class IndexPut(Function):
    """y = x with y[index] = value (out of place; ``x[index] = value`` rebases onto it).
    dx = dy with zeros at ``index``;  dvalue = dy[index] summed to value's shape."""

    @staticmethod
    def forward(ctx, x, value, index):
        ctx.index = index
        result = x.copy()
        result[index] = value
        kept = np.ones(x.shape, dtype=bool)
        kept[index] = False
        ctx.kept = kept
        return result

    @staticmethod
    def backward(ctx, grad):
        _, value_shape = ctx.input_shapes
        grad_x = grad * ctx.kept.astype(grad.dtype) if ctx.needs_input_grad[0] else None
        grad_value = None
        if ctx.needs_input_grad[1]:
            grad_value = sum_to(GetItem.apply(grad, index=ctx.index), value_shape)
        return grad_x, grad_value


def _describe_index(index) -> str:
    parts = index if isinstance(index, tuple) else (index,)
    return "[" + ", ".join(
        f"array of shape {list(p.shape)}" if isinstance(p, np.ndarray) else repr(p) for p in parts
    ) + "]"


def _gather_positions(index: np.ndarray, dim: int) -> tuple:
    """The full NumPy index that reads source[index[i, j, ...] along dim, i, j, ... elsewhere]."""
    grids = list(np.indices(index.shape, sparse=True))
    grids[dim] = index
    return tuple(grids)


class Gather(Function):
    """y[i][j][k] = x[index[i][j][k]][j][k] (for dim 0; likewise for other dims), PyTorch's gather.
    dx = scatter_add of dy at the same positions."""

    @staticmethod
    def forward(ctx, x, index, dim):
        ctx.dim, ctx.input_shape = dim, x.shape
        ctx.positions = _gather_positions(index, dim)
        return x[ctx.positions]

    @staticmethod
    def backward(ctx, grad):
        (_, index) = ctx.inputs
        return ScatterAdd.apply(grad, index, dim=ctx.dim, shape=ctx.input_shape), None


class ScatterAdd(Function):
    """y = zeros(shape); y[index[i][j]][j] += x[i][j] (for dim 0), the adjoint of gather.
    dx = gather(dy, dim, index)."""

    @staticmethod
    def forward(ctx, x, index, dim, shape):
        ctx.dim = dim
        result = np.zeros(shape, dtype=x.dtype)
        np.add.at(result, _gather_positions(index, dim), x)
        return result

    @staticmethod
    def backward(ctx, grad):
        (_, index) = ctx.inputs
        return Gather.apply(grad, index, dim=ctx.dim), None


def _index_part(part):
    if isinstance(part, tensor_module.Tensor):
        part = part._data
    elif isinstance(part, list):
        part = np.asarray(part)
    if isinstance(part, np.ndarray) and part.dtype == np.uint8:
        return part.astype(bool)  # a byte tensor indexes as a mask, as in PyTorch
    return part


def _as_index(key):
    if isinstance(key, tuple):
        return tuple(_index_part(p) for p in key)
    return _index_part(key)


def _dims_taken(part) -> int:
    """How many dims of the indexed tensor one part of an index consumes."""
    if part is None:
        return 0
    if isinstance(part, np.ndarray) and part.dtype == np.bool_:
        return part.ndim
    return 1


def _check_index(index, shape: tuple) -> None:
    """IndexError naming the problem for an index tensor of a dtype that cannot index, or a
    boolean mask whose shape differs from the dims it covers (as PyTorch's messages)."""
    parts = index if isinstance(index, tuple) else (index,)
    position = 0  # the dim of the tensor the next part indexes
    for i, part in enumerate(parts):
        if part is Ellipsis:  # the parts after it index the last dims
            position = len(shape) - sum(_dims_taken(p) for p in parts[i + 1:] if p is not Ellipsis)
            continue
        if isinstance(part, np.ndarray) and part.dtype.kind not in "iub":
            raise IndexError(f"tensors used as indices must be long, int, byte or bool tensors, "
                             f"got one of dtype {part.dtype}")
        if isinstance(part, np.ndarray) and part.dtype == np.bool_ and part.ndim:
            covered = tuple(shape[position:position + part.ndim]) if position >= 0 else ()
            if part.shape != covered:
                raise IndexError(f"The shape of the mask {list(part.shape)} at index {position} "
                                 f"does not match the shape of the indexed tensor {list(shape)} "
                                 f"at index {position}")
        position += _dims_taken(part)


def getitem(input, key):  # noqa: A002
    index = _as_index(key)
    _check_index(index, input.shape)
    return GetItem.apply(input, index=index)


def index_put(x, key, value):
    """x with x[key] = value, out of place (the differentiable form of ``x[key] = value``)."""
    index = _as_index(key)
    _check_index(index, x.shape)
    x, value = as_operands(x, value)
    return IndexPut.apply(x, value, index=index)


def gather(input, dim, index, *, sparse_grad=False, out=None):  # noqa: A002 - PyTorch's names
    """out[i][j][k] = input[index[i][j][k]][j][k] (for dim 0; likewise for other dims).
    ``sparse_grad`` is accepted and ignored: tinynet's gradients are dense."""
    return write_out(_gather(input, dim, index), out, "gather", input)


def _gather(x, dim, index):
    index = to_tensor(index)
    axis = normalize_dim(dim, x.ndim, "gather")
    if index.dtype.kind not in "iu":
        raise DtypeError(f"gather: index must be an integer tensor, got {index.dtype}")
    if index.ndim != x.ndim or any(i > s for d, (i, s) in enumerate(zip(index.shape, x.shape))
                                   if d != axis):
        raise ShapeError(f"gather: index of shape {list(index.shape)} does not fit input of shape "
                         f"{list(x.shape)} (same number of dims; no larger except in dim {dim})")
    if index.numel() and (index._data.min() < -x.shape[axis] or index._data.max() >= x.shape[axis]):
        raise IndexError(f"gather: index out of range for dim {dim} of size {x.shape[axis]}")
    return Gather.apply(x, index, dim=axis)


def scatter_add(input, dim, index, src):  # noqa: A002 - PyTorch's argument name
    """input with src added at the positions ``index`` names along ``dim``."""
    x = input
    axis = normalize_dim(dim, x.ndim, "scatter_add")
    return x + ScatterAdd.apply(src, to_tensor(index), dim=axis, shape=x.shape)
