"""Elementwise arithmetic and math: forward on arrays, backward in tensor ops.

Binary ops broadcast like NumPy; their backward sums each gradient back to its input's shape.
"""

from __future__ import annotations

import numpy as np

from tinynet.autograd.function import Function
from tinynet.ops.broadcast import sum_to


class Add(Function):
    """z = x + y.   dz/dx = 1,  dz/dy = 1."""

    @staticmethod
    def forward(ctx, x, y):
        return np.add(x, y)

    @staticmethod
    def backward(ctx, grad):
        x_shape, y_shape = ctx.input_shapes
        return sum_to(grad, x_shape), sum_to(grad, y_shape)


class Sub(Function):
    """z = x − y.   dz/dx = 1,  dz/dy = −1."""

    @staticmethod
    def forward(ctx, x, y):
        return np.subtract(x, y)

    @staticmethod
    def backward(ctx, grad):
        x_shape, y_shape = ctx.input_shapes
        grad_y = -sum_to(grad, y_shape) if ctx.needs_input_grad[1] else None
        return sum_to(grad, x_shape), grad_y


class Mul(Function):
    """z = x · y.   dz/dx = y,  dz/dy = x."""

    @staticmethod
    def forward(ctx, x, y):
        return np.multiply(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.inputs
        grad_x = sum_to(grad * y, x.shape) if ctx.needs_input_grad[0] else None
        grad_y = sum_to(grad * x, y.shape) if ctx.needs_input_grad[1] else None
        return grad_x, grad_y


class Div(Function):
    """z = x / y.   dz/dx = 1/y,  dz/dy = −x/y²."""

    @staticmethod
    def forward(ctx, x, y):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.true_divide(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.inputs
        grad_x = sum_to(grad / y, x.shape) if ctx.needs_input_grad[0] else None
        grad_y = sum_to(-(grad * x) / (y * y), y.shape) if ctx.needs_input_grad[1] else None
        return grad_x, grad_y


class Neg(Function):
    """y = −x.   dy/dx = −1."""

    @staticmethod
    def forward(ctx, x):
        return np.negative(x)

    @staticmethod
    def backward(ctx, grad):
        return -grad


class PowScalar(Function):
    """y = xᵖ for a constant p.   dy/dx = p·xᵖ⁻¹."""

    @staticmethod
    def forward(ctx, x, exponent):
        ctx.exponent = exponent
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.power(x, np.asarray(exponent, dtype=x.dtype))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        exponent = ctx.exponent
        if exponent == 0:
            return grad * 0.0
        return grad * (exponent * x ** (exponent - 1))


class Pow(Function):
    """z = xʸ.   dz/dx = y·xʸ⁻¹,  dz/dy = xʸ·ln x (taken as 0 where x = 0 and y ≥ 0, as PyTorch)."""

    @staticmethod
    def forward(ctx, x, y):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.power(x, y)

    @staticmethod
    def backward(ctx, grad):
        from tinynet import ops

        x, y = ctx.inputs
        grad_x = grad_y = None
        if ctx.needs_input_grad[0]:
            grad_x = sum_to(grad * (y * x ** (y - 1)), x.shape)
        if ctx.needs_input_grad[1]:
            at_zero = (x._data == 0) & (y._data >= 0)
            log_x = ops.log(ops.where(at_zero, 1.0, x))
            grad_y = sum_to(grad * ops.where(at_zero, 0.0, ctx.output * log_x), y.shape)
        return grad_x, grad_y


class RPowScalar(Function):
    """y = cˣ for a constant base c.   dy/dx = cˣ·ln c."""

    @staticmethod
    def forward(ctx, x, base):
        ctx.log_base = float(np.log(base)) if base > 0 else float("nan")
        return np.power(np.asarray(base, dtype=x.dtype), x)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.output * ctx.log_base


class Exp(Function):
    """y = eˣ.   dy/dx = y."""

    @staticmethod
    def forward(ctx, x):
        with np.errstate(over="ignore"):
            return np.exp(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.output


class Log(Function):
    """y = ln x.   dy/dx = 1/x."""

    @staticmethod
    def forward(ctx, x):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return grad / x


class Sqrt(Function):
    """y = √x.   dy/dx = 1/(2y)."""

    @staticmethod
    def forward(ctx, x):
        with np.errstate(invalid="ignore"):
            return np.sqrt(x)

    @staticmethod
    def backward(ctx, grad):
        return grad / (2.0 * ctx.output)


class Abs(Function):
    """y = |x|.   dy/dx = sign(x) (0 at 0, as PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        ctx.sign = np.sign(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.sign


class Sin(Function):
    """y = sin x.   dy/dx = cos x."""

    @staticmethod
    def forward(ctx, x):
        return np.sin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return grad * x.cos()


class Cos(Function):
    """y = cos x.   dy/dx = −sin x."""

    @staticmethod
    def forward(ctx, x):
        return np.cos(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return -(grad * x.sin())


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
