"""Ops that move elements without changing them; each one's backward is another's forward.

reshape ↔ reshape, permute ↔ inverse permute, cat ↔ slicing, pad ↔ slicing,
getitem ↔ index_add (scatter-add into zeros), gather ↔ scatter_add.
"""

from __future__ import annotations

import numpy as np

from tinynet.autograd.function import Function
from tinynet.ops.broadcast import sum_to


class Reshape(Function):
    """y = x with shape ``shape`` (same elements, row-major order).   dx = dy reshaped back."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.input_shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.input_shape)


class Permute(Function):
    """y = x with its axes reordered: y.shape[i] = x.shape[dims[i]].   dx = dy with the inverse order."""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.transpose(x, dims)

    @staticmethod
    def backward(ctx, grad):
        return grad.permute(*np.argsort(ctx.dims).tolist())


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


class Cat(Function):
    """y = the inputs joined along ``dim``.   Each input's gradient is its slice of dy."""

    @staticmethod
    def forward(ctx, *xs, dim):
        ctx.dim = dim
        ctx.sizes = [x.shape[dim] for x in xs]
        return np.concatenate(xs, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        grads, start = [], 0
        prefix = (slice(None),) * ctx.dim
        for size, needs in zip(ctx.sizes, ctx.needs_input_grad):
            grads.append(grad[prefix + (slice(start, start + size),)] if needs else None)
            start += size
        return tuple(grads)


class ConstantPad(Function):
    """y = x surrounded by ``value``: ``widths`` is ((before, after), ...) per axis, all ≥ 0.
    dx = dy with the padding sliced off."""

    @staticmethod
    def forward(ctx, x, widths, value):
        ctx.interior = tuple(slice(before, before + size) for (before, _), size
                             in zip(widths, x.shape))
        return np.pad(x, widths, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.interior], None


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
