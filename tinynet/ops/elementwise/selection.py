"""Choosing between values elementwise: maximum, minimum, where, clamp. The gradient goes to the
input that was chosen (ties of maximum and minimum split it evenly)."""

from __future__ import annotations

import numpy as np

from tinynet import tensor as tensor_module
from tinynet.autograd.function import Function
from tinynet.ops.broadcast import sum_to
from tinynet.ops.elementwise.arithmetic import binary
from tinynet.ops.out import write_out
from tinynet.ops.promotion import as_operands, to_tensor
from tinynet.errors import ArgumentError, ShapeError


class Maximum(Function):
    """z = max(x, y) elementwise.   The gradient goes to the larger input; ties split it evenly."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.weight_x = (x > y) + 0.5 * (x == y)
        return np.maximum(x, y)

    @staticmethod
    def backward(ctx, grad):
        x_shape, y_shape = ctx.input_shapes
        weight_x = ctx.weight_x.astype(grad.dtype)
        grad_x = sum_to(grad * weight_x, x_shape) if ctx.needs_input_grad[0] else None
        grad_y = sum_to(grad * (1.0 - weight_x), y_shape) if ctx.needs_input_grad[1] else None
        return grad_x, grad_y


class Minimum(Function):
    """z = min(x, y) elementwise.   The gradient goes to the smaller input; ties split it evenly."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.weight_x = (x < y) + 0.5 * (x == y)
        return np.minimum(x, y)

    backward = Maximum.backward


class Where(Function):
    """z = x where condition else y.   dz/dx = condition,  dz/dy = not condition."""

    @staticmethod
    def forward(ctx, condition, x, y):
        ctx.condition = condition
        return np.where(condition, x, y)

    @staticmethod
    def backward(ctx, grad):
        from tinynet import ops

        _, x_shape, y_shape = ctx.input_shapes
        condition = ctx.condition
        grad_x = grad_y = None
        if ctx.needs_input_grad[1]:
            grad_x = sum_to(ops.where(condition, grad, 0.0), x_shape)
        if ctx.needs_input_grad[2]:
            grad_y = sum_to(ops.where(condition, 0.0, grad), y_shape)
        return None, grad_x, grad_y


class Clamp(Function):
    """y = min(max(x, low), high).   dy/dx = 1 where low ≤ x ≤ high, else 0."""

    @staticmethod
    def forward(ctx, x, low, high):
        inside = np.ones(x.shape, dtype=bool)
        if low is not None:
            inside &= x >= low
        if high is not None:
            inside &= x <= high
        ctx.inside = inside
        return np.clip(x, low, high)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.inside.astype(grad.dtype), None, None


def maximum(input, other, *, out=None):  # noqa: A002 - PyTorch's argument names
    return write_out(binary(Maximum, "maximum", input, other), out, "maximum", input, other)


def minimum(input, other, *, out=None):  # noqa: A002
    return write_out(binary(Minimum, "minimum", input, other), out, "minimum", input, other)


def where(condition, input=None, other=None, *, out=None):  # noqa: A002
    """z = input where condition else other, all three broadcast together. ``where(condition)``
    alone is ``nonzero(condition, as_tuple=True)``, as in PyTorch."""
    if input is None and other is None:
        return tuple(tensor_module.Tensor._make(i.astype(np.int64)) for i in
                     np.nonzero(np.atleast_1d(getattr(condition, "_data", condition))))
    return write_out(_where(condition, input, other), out, "where", input, other)


def _where(condition, x, y):
    condition = np.asarray(getattr(condition, "_data", condition), dtype=bool)
    if not isinstance(x, tensor_module.Tensor) and not isinstance(y, tensor_module.Tensor):
        x = to_tensor(x)
    x, y = as_operands(x, y)
    try:
        np.broadcast_shapes(condition.shape, np.shape(getattr(x, "_data", x)),
                            np.shape(getattr(y, "_data", y)))
    except ValueError:
        raise ShapeError(f"where: condition {list(condition.shape)}, x {list(np.shape(x))} and y "
                         f"{list(np.shape(y))} cannot be broadcast together") from None
    return Where.apply(condition, x, y)


def clamp(input, min=None, max=None, *, out=None):  # noqa: A002 - PyTorch's argument names
    """y = min(max(input, min), max); tensor bounds broadcast (maximum / minimum)."""
    return write_out(_clamp(input, min, max), out, "clamp", input, min, max)


def _clamp(x, min=None, max=None):  # noqa: A002
    if min is None and max is None:
        raise ArgumentError("clamp: at least one of 'min' or 'max' must not be None")
    if isinstance(min, tensor_module.Tensor) or isinstance(max, tensor_module.Tensor):
        result = x if min is None else maximum(x, min)
        return result if max is None else minimum(result, max)
    return Clamp.apply(x, min, max)
