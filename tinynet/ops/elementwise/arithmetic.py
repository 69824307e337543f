"""Arithmetic: add, sub, mul, div, neg, pow, and the comparisons (boolean results, no gradient).

Binary ops broadcast like NumPy and bring their operands to one dtype with PyTorch's promotion
rules (ops/promotion.py); their backward sums each gradient back to its input's shape.
"""

from __future__ import annotations

import numpy as np

from tinynet import tensor as tensor_module
from tinynet.autograd.function import Function
from tinynet.ops.broadcast import sum_to
from tinynet.ops.promotion import as_operands, floating, shapes_error, to_tensor


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


def binary(function, name, x, y):
    """``function.apply(x, y)`` on promoted operands; shapes that do not broadcast are reported
    with the op's ``name``."""
    x, y = as_operands(x, y)
    try:
        return function.apply(x, y)
    except ValueError as error:
        if "broadcast" in str(error) and "cannot be broadcast" not in str(error):
            raise shapes_error(name, x, y) from None
        raise


def add(x, y):
    return binary(Add, "add", x, y)


def sub(x, y):
    return binary(Sub, "sub", x, y)


def mul(x, y):
    return binary(Mul, "mul", x, y)


def div(x, y):
    """True division; integer operands give float32, as in PyTorch."""
    x, y = as_operands(x, y)
    if np.result_type(getattr(x, "dtype", x), getattr(y, "dtype", y)).kind != "f":
        x, y = floating(x), floating(y)
    return binary(Div, "div", x, y)


def neg(x):
    return Neg.apply(x)


def pow(x, exponent):  # noqa: A001 - PyTorch's name
    if not isinstance(x, tensor_module.Tensor):
        if isinstance(exponent, tensor_module.Tensor) and isinstance(x, (int, float)):
            return RPowScalar.apply(floating(exponent), base=x)
        x = to_tensor(x)
    if isinstance(exponent, (int, float)) and not isinstance(exponent, bool):
        if isinstance(exponent, float) and x.dtype.kind != "f":
            x = floating(x)
        return PowScalar.apply(x, exponent=exponent)
    return binary(Pow, "pow", x, exponent)


# Comparisons: boolean results, no gradient ---------------------------------------------------
def _compare(function, name, x, y):
    x, y = as_operands(x, y)
    try:
        result = function(getattr(x, "_data", x), getattr(y, "_data", y))
    except ValueError:
        raise shapes_error(name, x, y) from None
    return tensor_module.Tensor._make(np.asarray(result))


def eq(x, y):
    return _compare(np.equal, "eq", x, y)


def ne(x, y):
    return _compare(np.not_equal, "ne", x, y)


def lt(x, y):
    return _compare(np.less, "lt", x, y)


def le(x, y):
    return _compare(np.less_equal, "le", x, y)


def gt(x, y):
    return _compare(np.greater, "gt", x, y)


def ge(x, y):
    return _compare(np.greater_equal, "ge", x, y)
