"""Still more elementwise math with PyTorch's names: tan and the inverse hyperbolic functions,
logit, xlogy, logaddexp, sinc, angle conversion, sign manipulation (signbit, copysign), the
NaN-ignoring fmax and fmin, heaviside, integer gcd, lcm and bit shifts, isin, and PyTorch's other
names for existing ops (absolute, multiply, greater ...).

Most are compositions of differentiable ops, with the singular points of a formula (0·log 0,
sin(πx)/(πx) at 0) replaced before the division or log, so that neither the value nor the
gradient sees a 0/0.
"""

from __future__ import annotations

import math

import numpy as np

from tinynet import tensor as tensor_module
from tinynet.autograd.function import Function
from tinynet.errors import ArgumentError, DtypeError
from tinynet.ops.broadcast import sum_to
from tinynet.ops.elementwise.arithmetic import (_compare, as_operands, binary, div, ge, gt,
                                                le, lt, mul, ne, neg, sub)
from tinynet.ops.elementwise.binary_math import _data, _require_integral
from tinynet.ops.elementwise.math import log1p
from tinynet.ops.elementwise.selection import clamp, where
from tinynet.ops.elementwise.unary import abs, exp, log, sin
from tinynet.ops.out import write_out
from tinynet.ops.promotion import floating, to_tensor


class Tan(Function):
    """y = tan x.   dy/dx = 1 + y²."""

    @staticmethod
    def forward(ctx, x):
        with np.errstate(invalid="ignore"):
            return np.tan(x)

    @staticmethod
    def backward(ctx, grad):
        y = ctx.output
        return grad * (1.0 + y * y)


class Asinh(Function):
    """y = arsinh x = ln(x + √(x² + 1)).   dy/dx = 1/√(x² + 1)."""

    @staticmethod
    def forward(ctx, x):
        return np.arcsinh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return grad / (x * x + 1.0).sqrt()


class Acosh(Function):
    """y = arcosh x = ln(x + √(x² − 1)), x ≥ 1.   dy/dx = 1/√(x² − 1)."""

    @staticmethod
    def forward(ctx, x):
        with np.errstate(invalid="ignore"):
            return np.arccosh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return grad / (x * x - 1.0).sqrt()


class Atanh(Function):
    """y = artanh x = ½ ln((1 + x)/(1 − x)), |x| < 1.   dy/dx = 1/(1 − x²)."""

    @staticmethod
    def forward(ctx, x):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.arctanh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return grad / (1.0 - x * x)


class Xlogy(Function):
    """z = x · ln y, and 0 where x = 0 (unless y is NaN).
    dz/dx = ln y (0 where x = 0 and y ≤ 0, as PyTorch),  dz/dy = x / y."""

    @staticmethod
    def forward(ctx, x, y):
        with np.errstate(divide="ignore", invalid="ignore"):
            product = x * np.log(y)
        return np.where((x == 0) & ~np.isnan(y), 0.0, product).astype(product.dtype)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.inputs
        grad_x = grad_y = None
        if ctx.needs_input_grad[0]:
            undefined = (_data(x) == 0) & (_data(y) <= 0)
            grad_x = sum_to(where(undefined, 0.0, Xlogy.apply(grad, y)), x.shape)
        if ctx.needs_input_grad[1]:
            grad_y = sum_to(grad * x / y, y.shape)
        return grad_x, grad_y


def _unary(function, name):
    def op(input, *, out=None):  # noqa: A002 - PyTorch's argument name
        return write_out(function.apply(floating(input)), out, name, input)
    op.__name__ = op.__qualname__ = name
    formula = function.__doc__.split(".   ")[0].strip()
    op.__doc__ = f"Elementwise {formula}; integer inputs give float32."
    return op


tan = _unary(Tan, "tan")
asinh = arcsinh = _unary(Asinh, "asinh")
acosh = arccosh = _unary(Acosh, "acosh")
atanh = arctanh = _unary(Atanh, "atanh")


def logit(input, eps=None, *, out=None):  # noqa: A002
    """ln(p / (1 − p)), the inverse of sigmoid; with ``eps``, p is first clamped to
    [eps, 1 − eps] (so 0 and 1 give finite values)."""
    p = floating(input)
    if eps is not None:
        p = clamp(p, eps, 1.0 - eps)
    return write_out(log(p) - log1p(-p), out, "logit", input)


def xlogy(input, other, *, out=None):  # noqa: A002
    """x · ln y, taken as 0 where x = 0 (unless y is NaN), as the entropy formulas need;
    integer operands give float32."""
    x, y = as_operands(input, other)
    if np.result_type(_data(x), _data(y)).kind != "f":
        x, y = floating(x), floating(y)
    return write_out(binary(Xlogy, "xlogy", x, y), out, "xlogy", input, other)


def logaddexp(input, other, *, out=None):  # noqa: A002
    """ln(eˣ + eʸ) without overflow: m + ln(e^(x−m) + e^(y−m)) with m = max(x, y) held
    constant (the expression equals ln(eˣ + eʸ) for any m, so the gradient is exact). Floating
    point tensors only, as in PyTorch."""
    x, y = as_operands(input, other)
    if np.result_type(_data(x), _data(y)).kind != "f":
        raise DtypeError(f"logaddexp: expected floating point tensors, got "
                         f"{np.result_type(_data(x), _data(y))}")
    top = np.maximum(_data(x), _data(y))
    shift = np.where(np.isfinite(top), top, 0.0).astype(top.dtype)
    result = log(exp(sub(x, shift)) + exp(sub(y, shift))) + shift
    return write_out(result, out, "logaddexp", input, other)


def logaddexp2(input, other, *, out=None):  # noqa: A002
    """log₂(2ˣ + 2ʸ) without overflow."""
    x, y = as_operands(input, other)
    if np.result_type(_data(x), _data(y)).kind != "f":
        raise DtypeError(f"logaddexp2: expected floating point tensors, got "
                         f"{np.result_type(_data(x), _data(y))}")
    ln2 = math.log(2.0)
    return write_out(logaddexp(mul(input, ln2), mul(other, ln2)) / ln2, out, "logaddexp2",
                     input, other)


def sinc(input, *, out=None):  # noqa: A002
    """sin(πx)/(πx), and 1 at x = 0 (where its derivative is 0)."""
    x = floating(input)
    at_zero = x._data == 0
    safe = where(at_zero, 1.0, x) * math.pi
    return write_out(where(at_zero, 1.0, sin(safe) / safe), out, "sinc", input)


def deg2rad(input, *, out=None):  # noqa: A002
    """Degrees to radians: x · π/180."""
    return write_out(floating(input) * (math.pi / 180.0), out, "deg2rad", input)


def rad2deg(input, *, out=None):  # noqa: A002
    """Radians to degrees: x · 180/π."""
    return write_out(floating(input) * (180.0 / math.pi), out, "rad2deg", input)


def signbit(input, *, out=None):  # noqa: A002
    """Boolean: whether the sign bit is set (True for −0.0 too)."""
    x = to_tensor(input)
    return write_out(tensor_module.Tensor._make(np.signbit(x._data)), out, "signbit")


def copysign(input, other, *, out=None):  # noqa: A002
    """|input| with the sign of ``other`` (its sign bit, so −0.0 counts as negative); floating
    point results. The gradient goes to ``input`` only, as in PyTorch (±1, also at an infinite
    input, where PyTorch's formula result/input gives NaN)."""
    x, y = as_operands(input, other)
    x = floating(x)
    wider = np.result_type(x.dtype, _data(y).dtype)
    if _data(y).dtype.kind == "f" and wider != x.dtype:  # a wider float other widens the result
        x = x.to(wider)
    negative = np.broadcast_to(np.signbit(_data(y)), np.broadcast_shapes(x.shape, np.shape(
        _data(y))))
    return write_out(where(negative, -abs(x), abs(x)), out, "copysign", input, other)


def fmax(input, other, *, out=None):  # noqa: A002
    """The larger of the two, elementwise, ignoring NaN (NaN only where both are)."""
    x, y = as_operands(input, other)
    take_x = np.isnan(_data(y)) | (_data(x) >= _data(y))
    return write_out(where(take_x, x, y), out, "fmax", input, other)


def fmin(input, other, *, out=None):  # noqa: A002
    """The smaller of the two, elementwise, ignoring NaN (NaN only where both are)."""
    x, y = as_operands(input, other)
    take_x = np.isnan(_data(y)) | (_data(x) <= _data(y))
    return write_out(where(take_x, x, y), out, "fmin", input, other)


def heaviside(input, values, *, out=None):  # noqa: A002
    """The step: 0 where input < 0, 1 where input > 0, ``values`` where input = 0 (no
    gradient, as in PyTorch). The two tensors must have one dtype."""
    x, v = to_tensor(input), to_tensor(values)
    if x.dtype != v.dtype:
        raise DtypeError(f"heaviside: input ({x.dtype}) and values ({v.dtype}) must have the "
                         "same dtype")
    result = _compare(np.heaviside, "heaviside", x, v)  # NumPy's is float: back to x's dtype
    return write_out(result.to(x.dtype), out, "heaviside")


# Integers ---------------------------------------------------------------------------------------
def _refuse_bool(name, *operands):
    if np.result_type(*(_data(operand) for operand in operands)) == np.bool_:
        raise DtypeError(f"{name}: shifts take integer tensors, not bool")


def gcd(input, other, *, out=None):  # noqa: A002
    """The greatest common divisor, elementwise (integer tensors)."""
    _require_integral("gcd", input, other)
    return write_out(_compare(np.gcd, "gcd", input, other), out, "gcd")


def lcm(input, other, *, out=None):  # noqa: A002
    """The least common multiple, elementwise (integer tensors)."""
    _require_integral("lcm", input, other)
    return write_out(_compare(np.lcm, "lcm", input, other), out, "lcm")


def bitwise_left_shift(input, other, *, out=None):  # noqa: A002
    """input << other: input · 2^other (integer tensors)."""
    _require_integral("bitwise_left_shift", input, other)
    _refuse_bool("bitwise_left_shift", input, other)
    return write_out(_compare(np.left_shift, "bitwise_left_shift", input, other), out,
                     "bitwise_left_shift")


def bitwise_right_shift(input, other, *, out=None):  # noqa: A002
    """input >> other: ⌊input / 2^other⌋ (integer tensors)."""
    _require_integral("bitwise_right_shift", input, other)
    _refuse_bool("bitwise_right_shift", input, other)
    return write_out(_compare(np.right_shift, "bitwise_right_shift", input, other), out,
                     "bitwise_right_shift")


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Boolean, the shape of ``elements``: whether each is among ``test_elements`` (a tensor or
    a scalar); ``invert=True`` asks whether it is not."""
    values = np.isin(_data(elements), _data(test_elements), assume_unique=assume_unique,
                     invert=invert)
    return tensor_module.Tensor._make(np.asarray(values))


# PyTorch's other names for existing ops ---------------------------------------------------------
def absolute(input, *, out=None):  # noqa: A002
    """Alias of ``abs``."""
    return write_out(abs(input), out, "absolute", input)


def negative(input, *, out=None):  # noqa: A002
    """Alias of ``neg``."""
    return neg(input, out=out)


def multiply(input, other, *, out=None):  # noqa: A002
    """Alias of ``mul``."""
    return mul(input, other, out=out)


def divide(input, other, *, rounding_mode=None, out=None):  # noqa: A002
    """Alias of ``div``."""
    return div(input, other, rounding_mode=rounding_mode, out=out)


def true_divide(dividend, divisor, *, out=None):
    """``div`` without rounding (integers give float32)."""
    return div(dividend, divisor, out=out)


def subtract(input, other, *, alpha=1, out=None):  # noqa: A002
    """Alias of ``sub``."""
    return sub(input, other, alpha=alpha, out=out)


def greater(input, other, *, out=None):  # noqa: A002
    """Alias of ``gt``."""
    return gt(input, other, out=out)


def greater_equal(input, other, *, out=None):  # noqa: A002
    """Alias of ``ge``."""
    return ge(input, other, out=out)


def less(input, other, *, out=None):  # noqa: A002
    """Alias of ``lt``."""
    return lt(input, other, out=out)


def less_equal(input, other, *, out=None):  # noqa: A002
    """Alias of ``le``."""
    return le(input, other, out=out)


def not_equal(input, other, *, out=None):  # noqa: A002
    """Alias of ``ne``."""
    return ne(input, other, out=out)


# Questions about a tensor -----------------------------------------------------------------------
def is_nonzero(input) -> bool:  # noqa: A002
    """Whether the single element of a one-element tensor is nonzero."""
    if input.numel() != 1:
        amount = "no values" if input.numel() == 0 else "more than one value"
        raise ArgumentError(f"Boolean value of Tensor with {amount} is ambiguous")
    return bool(input._data.reshape(()))


def is_same_size(input, other) -> bool:  # noqa: A002
    """Whether the two tensors have the same shape."""
    return input.shape == other.shape


def is_signed(input) -> bool:  # noqa: A002
    """Whether the dtype holds negative numbers (False for bool and uint8)."""
    return input.dtype.kind in "fi"


def is_complex(input) -> bool:  # noqa: A002
    """False: tinynet's dtypes are real."""
    return False


def isreal(input):  # noqa: A002
    """Boolean, all True: tinynet's dtypes are real."""
    return tensor_module.Tensor._make(np.ones(input.shape, dtype=bool))

