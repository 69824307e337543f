"""Choosing between values elementwise: maximum, minimum, where, clamp. The gradient goes to the
input that was chosen (ties of maximum and minimum split it evenly)."""

from __future__ import annotations

import numpy as np

from tinynet import tensor as tensor_module
from tinynet.autograd.function import Function
from tinynet.ops.broadcast import sum_to
from tinynet.ops.elementwise.arithmetic import binary
from tinynet.ops.promotion import as_operands, to_tensor


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


def maximum(x, y):
    return binary(Maximum, "maximum", x, y)


def minimum(x, y):
    return binary(Minimum, "minimum", x, y)


def where(condition, x, y):
    """z = x where condition else y, all three broadcast together."""
    condition = np.asarray(getattr(condition, "_data", condition), dtype=bool)
    if not isinstance(x, tensor_module.Tensor) and not isinstance(y, tensor_module.Tensor):
        x = to_tensor(x)
    x, y = as_operands(x, y)
    try:
        np.broadcast_shapes(condition.shape, np.shape(getattr(x, "_data", x)),
                            np.shape(getattr(y, "_data", y)))
    except ValueError:
        raise ValueError(f"where: condition {list(condition.shape)}, x {list(np.shape(x))} and y "
                         f"{list(np.shape(y))} cannot be broadcast together") from None
    return Where.apply(condition, x, y)


def clamp(x, min=None, max=None):  # noqa: A002 - PyTorch's argument names
    """y = min(max(x, min), max); tensor bounds broadcast (maximum / minimum)."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of 'min' or 'max' must not be None")
    if isinstance(min, tensor_module.Tensor) or isinstance(max, tensor_module.Tensor):
        result = x if min is None else maximum(x, min)
        return result if max is None else minimum(result, max)
    return Clamp.apply(x, min, max)
