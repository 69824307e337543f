"""Entry points of the elementwise ops: arithmetic, math functions, comparisons, where, clamp.

Each checks its arguments, brings the operands to one dtype (PyTorch's promotion rules) and calls
one Function from elementwise.py or activation.py.
"""

from __future__ import annotations

import numpy as np

from tinynet import tensor as tensor_module
from tinynet.ops.activation import ReLU, Sigmoid, Tanh
from tinynet.ops.elementwise import (Abs, Add, Clamp, Cos, Div, Exp, Log, Maximum, Minimum, Mul,
                                     Neg, Pow, PowScalar, RPowScalar, Sin, Sqrt, Sub, Where)
from tinynet.ops.promotion import as_operands, shapes_error


def _tensor(value):
    return value if isinstance(value, tensor_module.Tensor) else tensor_module.tensor(value)


def _floating(x):
    """``x`` itself if it is floating point, else a float32 copy (PyTorch's promotion for exp etc.)."""
    x = _tensor(x)
    if x.dtype.kind == "f":
        return x
    return tensor_module.Tensor._make(x._data.astype(np.float32))


def _binary(function, name, x, y):
    x, y = as_operands(x, y)
    try:
        return function.apply(x, y)
    except ValueError as error:
        if "broadcast" in str(error) and "cannot be broadcast" not in str(error):
            raise shapes_error(name, x, y) from None
        raise


# Arithmetic ---------------------------------------------------------------------------------
def add(x, y):
    return _binary(Add, "add", x, y)


def sub(x, y):
    return _binary(Sub, "sub", x, y)


def mul(x, y):
    return _binary(Mul, "mul", x, y)


def div(x, y):
    """True division; integer operands give float32, as in PyTorch."""
    x, y = as_operands(x, y)
    if np.result_type(getattr(x, "dtype", x), getattr(y, "dtype", y)).kind != "f":
        x, y = _floating(x), _floating(y)
    return _binary(Div, "div", x, y)


def neg(x):
    return Neg.apply(x)


def pow(x, exponent):  # noqa: A001 - PyTorch's name
    if not isinstance(x, tensor_module.Tensor):
        if isinstance(exponent, tensor_module.Tensor) and isinstance(x, (int, float)):
            return RPowScalar.apply(_floating(exponent), base=x)
        x = _tensor(x)
    if isinstance(exponent, (int, float)) and not isinstance(exponent, bool):
        if isinstance(exponent, float) and x.dtype.kind != "f":
            x = _floating(x)
        return PowScalar.apply(x, exponent=exponent)
    return _binary(Pow, "pow", x, exponent)


def exp(x):
    return Exp.apply(_floating(x))


def log(x):
    return Log.apply(_floating(x))


def sqrt(x):
    return Sqrt.apply(_floating(x))


def abs(x):  # noqa: A001 - PyTorch's name
    return Abs.apply(x)


def sin(x):
    return Sin.apply(_floating(x))


def cos(x):
    return Cos.apply(_floating(x))


def tanh(x):
    return Tanh.apply(_floating(x))


def sigmoid(x):
    return Sigmoid.apply(_floating(x))


def relu(x):
    return ReLU.apply(x)


def clamp(x, min=None, max=None):  # noqa: A002 - PyTorch's argument names
    """y = min(max(x, min), max); tensor bounds broadcast (maximum / minimum)."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of 'min' or 'max' must not be None")
    if isinstance(min, tensor_module.Tensor) or isinstance(max, tensor_module.Tensor):
        result = x if min is None else maximum(x, min)
        return result if max is None else minimum(result, max)
    return Clamp.apply(x, min, max)


def maximum(x, y):
    return _binary(Maximum, "maximum", x, y)


def minimum(x, y):
    return _binary(Minimum, "minimum", x, y)


def where(condition, x, y):
    """z = x where condition else y, all three broadcast together."""
    condition = np.asarray(getattr(condition, "_data", condition), dtype=bool)
    if not isinstance(x, tensor_module.Tensor) and not isinstance(y, tensor_module.Tensor):
        x = _tensor(x)
    x, y = as_operands(x, y)
    try:
        np.broadcast_shapes(condition.shape, np.shape(getattr(x, "_data", x)),
                            np.shape(getattr(y, "_data", y)))
    except ValueError:
        raise ValueError(f"where: condition {list(condition.shape)}, x {list(np.shape(x))} and y "
                         f"{list(np.shape(y))} cannot be broadcast together") from None
    return Where.apply(condition, x, y)


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
