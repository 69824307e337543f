"""More functions of one tensor, elementwise, with PyTorch's names and dtype rules: rounding
(floor, ceil, round, trunc, frac, sign), logarithms and exponentials (log1p, expm1, log2, log10,
exp2), hyperbolic and inverse trigonometric functions, erf and erfinv, reciprocal, rsqrt, square,
nan_to_num, and the tests isnan, isinf, isfinite, logical_not (boolean results, no gradient).

Rounding keeps an integer tensor's dtype and, on a float tensor, has a zero gradient (as in
PyTorch, where the step functions are flat almost everywhere). The transcendental functions make
integer inputs float32, as PyTorch's promotion does.
"""

from __future__ import annotations

import math

import numpy as np

from tinynet import tensor as tensor_module
from tinynet.autograd.function import Function
from tinynet.errors import DtypeError
from tinynet.ops.elementwise.arithmetic import div, mul, pow
from tinynet.ops.elementwise.selection import where
from tinynet.ops.nn_ops import _erf_array, erf as _erf
from tinynet.ops.out import write_out
from tinynet.ops.promotion import floating, to_tensor

_SQRT_PI_OVER_2 = math.sqrt(math.pi) / 2.0


class _Flat:
    """The forward and backward of a step function ``compute`` (mixed into each Function
    below): its derivative is 0 wherever it has one."""

    @staticmethod
    def forward(ctx, x, compute):
        return compute(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0.0


class Floor(_Flat, Function):
    """y = ⌊x⌋.   dy/dx = 0."""


class Ceil(_Flat, Function):
    """y = ⌈x⌉.   dy/dx = 0."""


class Round(_Flat, Function):
    """y = x rounded to ``decimals`` places, halves to even.   dy/dx = 0."""


class Trunc(_Flat, Function):
    """y = x rounded toward 0.   dy/dx = 0."""


class Sign(_Flat, Function):
    """y = −1, 0 or 1 as x < 0, x = 0, x > 0.   dy/dx = 0."""


class Log1p(Function):
    """y = ln(1 + x), exact for small x.   dy/dx = 1/(1 + x)."""

    @staticmethod
    def forward(ctx, x):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log1p(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return grad / (x + 1.0)


class Expm1(Function):
    """y = eˣ − 1, exact for small x.   dy/dx = y + 1."""

    @staticmethod
    def forward(ctx, x):
        with np.errstate(over="ignore"):
            return np.expm1(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * (ctx.output + 1.0)


class Log2(Function):
    """y = log₂ x.   dy/dx = 1/(x ln 2)."""

    @staticmethod
    def forward(ctx, x):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log2(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return grad / (x * math.log(2.0))


class Log10(Function):
    """y = log₁₀ x.   dy/dx = 1/(x ln 10)."""

    @staticmethod
    def forward(ctx, x):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log10(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return grad / (x * math.log(10.0))


class Sinh(Function):
    """y = sinh x.   dy/dx = cosh x."""

    @staticmethod
    def forward(ctx, x):
        with np.errstate(over="ignore"):
            return np.sinh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return grad * cosh(x)


class Cosh(Function):
    """y = cosh x.   dy/dx = sinh x."""

    @staticmethod
    def forward(ctx, x):
        with np.errstate(over="ignore"):
            return np.cosh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return grad * sinh(x)


class Asin(Function):
    """y = arcsin x.   dy/dx = 1/√(1 − x²)."""

    @staticmethod
    def forward(ctx, x):
        with np.errstate(invalid="ignore"):
            return np.arcsin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return grad / (1.0 - x * x).sqrt()


class Acos(Function):
    """y = arccos x.   dy/dx = −1/√(1 − x²)."""

    @staticmethod
    def forward(ctx, x):
        with np.errstate(invalid="ignore"):
            return np.arccos(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return -grad / (1.0 - x * x).sqrt()


class Atan(Function):
    """y = arctan x.   dy/dx = 1/(1 + x²)."""

    @staticmethod
    def forward(ctx, x):
        return np.arctan(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return grad / (1.0 + x * x)


def _erfinv_array(x: np.ndarray) -> np.ndarray:
    """erf⁻¹ elementwise to float64 precision: Giles's single-precision approximation as the
    start, then Newton steps y ← y − (erf y − x)·√π/2·e^(y²) on erf itself (NumPy has no erfinv).
    ±1 give ±inf, |x| > 1 and NaN give NaN."""
    x64 = np.asarray(x, dtype=np.float64)
    inside = np.abs(x64) < 1
    t = np.where(inside, x64, 0.0)
    w = -np.log((1.0 - t) * (1.0 + t))
    small = w < 5.0
    ws, wl = w - 2.5, np.sqrt(np.maximum(w, 5.0)) - 3.0
    ps = np.polyval([2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06,
                     0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941], ws)
    pl = np.polyval([-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844,
                     0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682], wl)
    y = np.where(small, ps, pl) * t
    for _ in range(3):
        with np.errstate(over="ignore", invalid="ignore"):
            y = y - (_erf_array(y) - t) * _SQRT_PI_OVER_2 * np.exp(y * y)
    with np.errstate(invalid="ignore"):
        edge = np.where(np.abs(x64) == 1, np.sign(x64) * np.inf, np.nan)
    return np.where(inside, y, edge).astype(np.asarray(x).dtype, copy=False)


class Erfinv(Function):
    """y = erf⁻¹ x.   dy/dx = √π/2 · e^(y²)."""

    @staticmethod
    def forward(ctx, x):
        return _erfinv_array(x)

    @staticmethod
    def backward(ctx, grad):
        y = ctx.output
        return grad * (_SQRT_PI_OVER_2 * (y * y).exp())


# The functions ---------------------------------------------------------------------------------
def _rounded(function, compute, name, input, out):  # noqa: A002
    x = to_tensor(input)
    if x.dtype.kind == "b":
        raise DtypeError(f"{name}: not implemented for bool tensors (as in PyTorch)")
    if x.dtype.kind != "f":  # an integer is already whole: a copy in its own dtype
        return write_out(tensor_module.Tensor._make(x._data.copy()), out, name, input)
    return write_out(function.apply(x, compute=compute), out, name, input)


def floor(input, *, out=None):  # noqa: A002 - PyTorch's argument name
    return _rounded(Floor, np.floor, "floor", input, out)


def ceil(input, *, out=None):  # noqa: A002
    return _rounded(Ceil, np.ceil, "ceil", input, out)


def trunc(input, *, out=None):  # noqa: A002
    return _rounded(Trunc, np.trunc, "trunc", input, out)


def fix(input, *, out=None):  # noqa: A002
    """Alias of ``trunc``."""
    return trunc(input, out=out)


def round(input, *, decimals=0, out=None):  # noqa: A001, A002 - PyTorch's names
    """x rounded to ``decimals`` decimal places (negative: to tens, hundreds ...), halves to the
    even neighbour, as PyTorch and NumPy round."""
    x = to_tensor(input)
    if x.dtype.kind != "f" and decimals < 0:
        raise DtypeError("round: decimals < 0 is supported for floating point tensors only "
                         "(as in PyTorch)")
    return _rounded(Round, lambda a: np.round(a, decimals), "round", input, out)


def sign(input, *, out=None):  # noqa: A002
    """−1, 0 or 1 by the sign of each element, in its dtype (bool stays bool); NaN and −0.0 give
    0, as in PyTorch."""
    x = to_tensor(input)
    if x.dtype.kind != "f":  # bool stays bool (np.sign refuses it), integers stay integers
        values = x._data.copy() if x.dtype.kind == "b" else np.sign(x._data)
        return write_out(tensor_module.Tensor._make(values), out, "sign", input)
    compute = lambda a: np.nan_to_num(np.sign(a), nan=0.0) + 0.0  # noqa: E731
    return _rounded(Sign, compute, "sign", input, out)


def sgn(input, *, out=None):  # noqa: A002
    """sign for real tensors (tinynet has no complex dtypes, where sgn is x/|x|)."""
    return sign(input, out=out)


def frac(input, *, out=None):  # noqa: A002
    """x − trunc(x), the fractional part with x's sign; float tensors only, as in PyTorch."""
    x = to_tensor(input)
    if x.dtype.kind != "f":
        raise DtypeError(f"frac: expected a floating point tensor, got {x.dtype}")
    return write_out(x - trunc(x), out, "frac", input)


def reciprocal(input, *, out=None):  # noqa: A002
    """1/x; integer inputs give float32."""
    return write_out(div(1.0, floating(input)), out, "reciprocal", input)


def rsqrt(input, *, out=None):  # noqa: A002
    """1/√x; integer inputs give float32."""
    return write_out(pow(floating(input), -0.5), out, "rsqrt", input)


def square(input, *, out=None):  # noqa: A002
    """x · x in x's dtype (bool becomes int64, as in PyTorch)."""
    x = to_tensor(input)
    if x.dtype.kind == "b":
        x = tensor_module.Tensor._make(x._data.astype(np.int64))
    return write_out(mul(x, x), out, "square", input)


def _unary(function, name):
    def op(input, *, out=None):  # noqa: A002 - PyTorch's argument name
        return write_out(function.apply(floating(input)), out, name, input)
    op.__name__ = op.__qualname__ = name
    formula = function.__doc__.split(".   ")[0].strip()
    op.__doc__ = f"Elementwise {formula}; integer inputs give float32."
    return op


log1p = _unary(Log1p, "log1p")
expm1 = _unary(Expm1, "expm1")
log2 = _unary(Log2, "log2")
log10 = _unary(Log10, "log10")
sinh = _unary(Sinh, "sinh")
cosh = _unary(Cosh, "cosh")
asin = arcsin = _unary(Asin, "asin")
acos = arccos = _unary(Acos, "acos")
atan = arctan = _unary(Atan, "atan")
erfinv = _unary(Erfinv, "erfinv")


def exp2(input, *, out=None):  # noqa: A002
    """2ˣ; integer inputs give float32."""
    return write_out(pow(2.0, floating(input)), out, "exp2", input)


def erf(input, *, out=None):  # noqa: A002
    """erf x = 2/√π ∫₀ˣ e^(−t²) dt; integer inputs give float32."""
    return write_out(_erf(input), out, "erf", input)


def positive(input):  # noqa: A002
    """``input`` itself (+x); refused for bool tensors, as in PyTorch."""
    if input.dtype.kind == "b":
        raise DtypeError("positive: the + operator does not support bool tensors")
    return input


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):  # noqa: A002
    """x with NaN replaced by ``nan``, +inf by ``posinf`` and −inf by ``neginf`` (default: the
    largest and the lowest finite value of x's dtype). The gradient flows to the finite
    elements only."""
    x = to_tensor(input)
    if x.dtype.kind != "f":
        return write_out(tensor_module.Tensor._make(x._data.copy()), out, "nan_to_num", input)
    info = np.finfo(x.dtype)
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    data = x._data
    result = where(np.isnan(data), nan, where(data == np.inf, posinf,
                                              where(data == -np.inf, neginf, x)))
    return write_out(result.to(x.dtype) if result.dtype != x.dtype else result, out,
                     "nan_to_num", input)


def _test(function, name, input, out):  # noqa: A002
    x = to_tensor(input)
    return write_out(tensor_module.Tensor._make(np.asarray(function(x._data))), out, name)


def isnan(input):  # noqa: A002
    """Boolean: which elements are NaN."""
    return _test(np.isnan, "isnan", input, None)


def isinf(input):  # noqa: A002
    """Boolean: which elements are +inf or −inf."""
    return _test(np.isinf, "isinf", input, None)


def isposinf(input, *, out=None):  # noqa: A002
    return _test(np.isposinf, "isposinf", input, out)


def isneginf(input, *, out=None):  # noqa: A002
    return _test(np.isneginf, "isneginf", input, out)


def isfinite(input):  # noqa: A002
    """Boolean: which elements are neither NaN nor infinite."""
    return _test(np.isfinite, "isfinite", input, None)


def logical_not(input, *, out=None):  # noqa: A002
    """Boolean: which elements are zero (False)."""
    return _test(np.logical_not, "logical_not", input, out)
