"""Arithmetic: add, sub, mul, div, neg, pow, and the comparisons (boolean results, no gradient).

Binary ops broadcast like NumPy and bring their operands to one dtype with PyTorch's promotion
rules (ops/promotion.py); their backward sums each gradient back to its input's shape.
"""

from __future__ import annotations

import numpy as np

from tinynet import tensor as tensor_module
from tinynet.autograd.function import Function
from tinynet.errors import ArgumentError
from tinynet.ops.broadcast import sum_to
from tinynet.ops.out import write_out
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


def add(input, other, *, alpha=1, out=None):  # noqa: A002 - PyTorch's argument names
    """input + alpha · other."""
    result = binary(Add, "add", input, other if alpha == 1 else mul(other, alpha))
    return result if out is None else write_out(result, out, "add", input, other)


def sub(input, other, *, alpha=1, out=None):  # noqa: A002
    """input − alpha · other."""
    result = binary(Sub, "sub", input, other if alpha == 1 else mul(other, alpha))
    return result if out is None else write_out(result, out, "sub", input, other)


def mul(input, other, *, out=None):  # noqa: A002
    result = binary(Mul, "mul", input, other)
    return result if out is None else write_out(result, out, "mul", input, other)


def div(input, other, *, rounding_mode=None, out=None):  # noqa: A002
    """True division; integer operands give float32, as in PyTorch. ``rounding_mode`` 'trunc'
    rounds the quotient toward zero, 'floor' down (both without a gradient, as in PyTorch,
    where it is zero almost everywhere); integer operands then keep their integer dtype."""
    if rounding_mode not in (None, "trunc", "floor"):
        raise ArgumentError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                            f"but found {rounding_mode!r}")
    x, y = as_operands(input, other)
    operand_dtype = np.result_type(getattr(x, "dtype", x), getattr(y, "dtype", y))
    if operand_dtype.kind != "f":
        x, y = floating(x), floating(y)
    result = binary(Div, "div", x, y)
    if rounding_mode is not None:
        rounded = (np.trunc if rounding_mode == "trunc" else np.floor)(result._data)
        result = tensor_module.Tensor._make(rounded.astype(operand_dtype))
    return write_out(result, out, "div", input, other)


def neg(input, *, out=None):  # noqa: A002
    return write_out(Neg.apply(input), out, "neg", input)


def pow(input, exponent, *, out=None):  # noqa: A001, A002 - PyTorch's names
    return write_out(_pow(input, exponent), out, "pow", input, exponent)


def _pow(x, exponent):
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


def eq(input, other, *, out=None):  # noqa: A002
    return write_out(_compare(np.equal, "eq", input, other), out, "eq")


def ne(input, other, *, out=None):  # noqa: A002
    return write_out(_compare(np.not_equal, "ne", input, other), out, "ne")


def lt(input, other, *, out=None):  # noqa: A002
    return write_out(_compare(np.less, "lt", input, other), out, "lt")


def le(input, other, *, out=None):  # noqa: A002
    return write_out(_compare(np.less_equal, "le", input, other), out, "le")


def gt(input, other, *, out=None):  # noqa: A002
    return write_out(_compare(np.greater, "gt", input, other), out, "gt")


def ge(input, other, *, out=None):  # noqa: A002
    return write_out(_compare(np.greater_equal, "ge", input, other), out, "ge")
