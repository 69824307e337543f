"""More functions of two tensors, elementwise and broadcasting, with PyTorch's names and dtype
rules: atan2, fmod, remainder, floor_divide, hypot, float_power; the logical and bitwise ops
(boolean or integer results, no gradient); clamp's aliases; and the closeness tests isclose,
allclose, equal.
"""

from __future__ import annotations

import numpy as np

from tinynet import tensor as tensor_module
from tinynet.autograd.function import Function
from tinynet.errors import ArgumentError, DtypeError
from tinynet.ops.broadcast import sum_to
from tinynet.ops.elementwise.arithmetic import _compare, as_operands, binary, pow
from tinynet.ops.elementwise.selection import clamp
from tinynet.ops.out import write_out
from tinynet.ops.promotion import floating, to_tensor


def _constant(array: np.ndarray):
    return tensor_module.Tensor._make(array)


class Atan2(Function):
    """z = atan2(y, x), the angle of the point (x, y), in (−π, π].
    dz/dy = x/(x² + y²),  dz/dx = −y/(x² + y²)."""

    @staticmethod
    def forward(ctx, y, x):
        return np.arctan2(y, x)

    @staticmethod
    def backward(ctx, grad):
        y, x = ctx.inputs
        scaled = grad / (x * x + y * y)
        grad_y = sum_to(scaled * x, y.shape) if ctx.needs_input_grad[0] else None
        grad_x = sum_to(-(scaled * y), x.shape) if ctx.needs_input_grad[1] else None
        return grad_y, grad_x


class Fmod(Function):
    """z = x − trunc(x/y)·y, with the sign of x (C's fmod).   dz/dx = 1,  dz/dy = −trunc(x/y)."""

    @staticmethod
    def forward(ctx, x, y):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.fmod(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.inputs
        with np.errstate(divide="ignore", invalid="ignore"):
            quotient = _constant(np.trunc(_data(x) / _data(y)))
        grad_y = sum_to(-(grad * quotient), y.shape) if ctx.needs_input_grad[1] else None
        return sum_to(grad, x.shape), grad_y


class Remainder(Function):
    """z = x − ⌊x/y⌋·y, with the sign of y (Python's %).   dz/dx = 1,  dz/dy = −⌊x/y⌋."""

    @staticmethod
    def forward(ctx, x, y):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.remainder(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.inputs
        with np.errstate(divide="ignore", invalid="ignore"):
            quotient = _constant(np.floor(_data(x) / _data(y)))
        grad_y = sum_to(-(grad * quotient), y.shape) if ctx.needs_input_grad[1] else None
        return sum_to(grad, x.shape), grad_y


class Hypot(Function):
    """z = √(x² + y²) without overflow.   dz/dx = x/z,  dz/dy = y/z."""

    @staticmethod
    def forward(ctx, x, y):
        return np.hypot(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.inputs
        scaled = grad / ctx.output
        grad_x = sum_to(scaled * x, x.shape) if ctx.needs_input_grad[0] else None
        grad_y = sum_to(scaled * y, y.shape) if ctx.needs_input_grad[1] else None
        return grad_x, grad_y


def _data(value):
    return np.asarray(getattr(value, "_data", value))


def _floats(name, x, y):
    """Both operands promoted, then made floating point (float32 for integers)."""
    x, y = as_operands(x, y)
    if np.result_type(_data(x), _data(y)).kind != "f":
        x, y = floating(x), floating(y)
    return x, y


def _check_integer_divisor(name, x, y):
    """PyTorch refuses an integer division by zero (there is no integer inf or NaN)."""
    if np.result_type(_data(x), _data(y)).kind in "iub" and (_data(y) == 0).any():
        raise ArgumentError(f"{name}: ZeroDivisionError (integer division by zero)")


def atan2(input, other, *, out=None):  # noqa: A002 - PyTorch's argument names
    """The angle of the point (other, input): atan2(input, other) in (−π, π]; integer operands
    give float32."""
    return write_out(binary(Atan2, "atan2", *_floats("atan2", input, other)), out, "atan2",
                     input, other)


arctan2 = atan2


def fmod(input, other, *, out=None):  # noqa: A002
    """The remainder of input / other with the sign of ``input`` (C's fmod); integers stay
    integers, and an integer division by zero is refused."""
    x, y = as_operands(input, other)
    _check_integer_divisor("fmod", x, y)
    return write_out(binary(Fmod, "fmod", x, y), out, "fmod", input, other)


def remainder(input, other, *, out=None):  # noqa: A002
    """The remainder of input / other with the sign of ``other`` (Python's %); integers stay
    integers, and an integer division by zero is refused."""
    x, y = as_operands(input, other)
    _check_integer_divisor("remainder", x, y)
    return write_out(binary(Remainder, "remainder", x, y), out, "remainder", input, other)


def floor_divide(input, other, *, out=None):  # noqa: A002
    """⌊input / other⌋ in the operands' promoted dtype, as Python's // computes it (exact for
    integers; for floats the floor of the exact quotient, so 1.5 // 0.1 is 14); no gradient
    (PyTorch does not implement one)."""
    x, y = as_operands(input, other)
    _check_integer_divisor("floor_divide", x, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        quotient = np.floor_divide(_data(x), _data(y))
    return write_out(_constant(np.asarray(quotient)), out, "floor_divide", input, other)


def hypot(input, other, *, out=None):  # noqa: A002
    """√(input² + other²) elementwise, for floating point tensors (as in PyTorch)."""
    x, y = as_operands(input, other)
    if np.result_type(_data(x), _data(y)).kind != "f":
        raise DtypeError("hypot: expected floating point tensors, got "
                         f"{np.result_type(_data(x), _data(y))}")
    return write_out(binary(Hypot, "hypot", x, y), out, "hypot", input, other)


def float_power(input, exponent, *, out=None):  # noqa: A002
    """input ** exponent computed in float64 whatever the operands' dtypes (as in PyTorch)."""
    x = to_tensor(input).to(np.float64)
    if isinstance(exponent, tensor_module.Tensor):
        exponent = exponent.to(np.float64)
    elif isinstance(exponent, (int, float)) and not isinstance(exponent, bool):
        exponent = float(exponent)
    return write_out(pow(x, exponent), out, "float_power", input, exponent)


# Logical and bitwise ops: no gradient -----------------------------------------------------------
def logical_and(input, other, *, out=None):  # noqa: A002
    """Boolean: both nonzero."""
    return write_out(_compare(np.logical_and, "logical_and", input, other), out, "logical_and")


def logical_or(input, other, *, out=None):  # noqa: A002
    """Boolean: either nonzero."""
    return write_out(_compare(np.logical_or, "logical_or", input, other), out, "logical_or")


def logical_xor(input, other, *, out=None):  # noqa: A002
    """Boolean: exactly one of the two nonzero."""
    return write_out(_compare(np.logical_xor, "logical_xor", input, other), out, "logical_xor")


def _require_integral(name, *operands):
    for operand in operands:
        kind = _data(operand).dtype.kind if isinstance(operand, tensor_module.Tensor) else (
            "b" if isinstance(operand, (bool, np.bool_)) else
            "i" if isinstance(operand, (int, np.integer)) else "f")
        if kind not in "iub":
            dtype = getattr(operand, "dtype", type(operand).__name__)
            raise DtypeError(f"{name}: bitwise ops take integer or bool tensors only, got {dtype}")


def bitwise_and(input, other, *, out=None):  # noqa: A002
    """input & other, bit by bit (integer or bool tensors)."""
    _require_integral("bitwise_and", input, other)
    return write_out(_compare(np.bitwise_and, "bitwise_and", input, other), out, "bitwise_and")


def bitwise_or(input, other, *, out=None):  # noqa: A002
    """input | other, bit by bit (integer or bool tensors)."""
    _require_integral("bitwise_or", input, other)
    return write_out(_compare(np.bitwise_or, "bitwise_or", input, other), out, "bitwise_or")


def bitwise_xor(input, other, *, out=None):  # noqa: A002
    """input ^ other, bit by bit (integer or bool tensors)."""
    _require_integral("bitwise_xor", input, other)
    return write_out(_compare(np.bitwise_xor, "bitwise_xor", input, other), out, "bitwise_xor")


def bitwise_not(input, *, out=None):  # noqa: A002
    """~input, bit by bit (integer tensors; on bool it is logical not)."""
    _require_integral("bitwise_not", input)
    return write_out(_constant(np.invert(input._data)), out, "bitwise_not")


# clamp's other names ----------------------------------------------------------------------------
def clip(input, min=None, max=None, *, out=None):  # noqa: A002 - PyTorch's argument names
    """Alias of ``clamp``."""
    return clamp(input, min, max, out=out)


def clamp_min(input, min, *, out=None):  # noqa: A002
    """max(input, min): ``clamp(input, min=min)``."""
    return clamp(input, min, None, out=out)


def clamp_max(input, max, *, out=None):  # noqa: A002
    """min(input, max): ``clamp(input, max=max)``."""
    return clamp(input, None, max, out=out)


# Closeness ---------------------------------------------------------------------------------------
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):  # noqa: A002
    """Boolean: |input − other| ≤ atol + rtol·|other| elementwise (equal infinities are close,
    NaN only with ``equal_nan``). The two tensors must have the same dtype, as in PyTorch."""
    x, y = to_tensor(input), to_tensor(other)
    if x.dtype != y.dtype:
        raise DtypeError(f"isclose: {x.dtype} did not match {y.dtype} (convert one of them)")
    if rtol < 0 or atol < 0:
        raise ArgumentError(f"isclose: rtol and atol must be non-negative, got {rtol}, {atol}")
    return _compare(lambda a, b: np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan),
                    "isclose", x, y)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:  # noqa: A002
    """True when every element of ``input`` is close to ``other`` (see ``isclose``)."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input, other) -> bool:  # noqa: A002
    """True when the two tensors have the same shape and the same values."""
    x, y = to_tensor(input), to_tensor(other)
    return x.shape == y.shape and bool(np.array_equal(x._data, y._data))
