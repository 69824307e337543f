"""Turning the operands of an op into arrays/Tensors of one dtype, as PyTorch does.

A Python scalar never widens a tensor of its own kind (float32 tensor * 2.5 stays float32), a float
scalar makes an integer tensor float32, and between tensors floats win over integers.
"""

from __future__ import annotations

import numpy as np

from tinynet import dtypes
from tinynet import tensor as tensor_module
from tinynet.errors import ShapeError


def to_tensor(value):
    """``value`` itself if it is a Tensor, else a new tensor holding it."""
    return value if isinstance(value, tensor_module.Tensor) else tensor_module.tensor(value)


def floating(x):
    """``x`` itself if it is floating point, else a copy in the default float dtype (float32;
    PyTorch's promotion for exp etc.)."""
    x = to_tensor(x)
    if x.dtype.kind == "f":
        return x
    return tensor_module.Tensor._make(x._data.astype(dtypes.default_float_dtype))


def _retype(x, dtype):
    """``x`` (a Tensor that does not require grad, since only float tensors can) in ``dtype``."""
    if x.dtype == dtype:
        return x
    return tensor_module.Tensor._make(x._data.astype(dtype))


def as_operands(x, y):
    """(x, y) ready for a binary Function: Tensors stay Tensors, other values become arrays."""
    Tensor = tensor_module.Tensor
    x_is_tensor, y_is_tensor = isinstance(x, Tensor), isinstance(y, Tensor)
    if x_is_tensor and y_is_tensor:
        if x.dtype != y.dtype and (x.dtype.kind == "f") != (y.dtype.kind == "f"):
            dtype = dtypes.promote_types(x.dtype, y.dtype)
            return _retype(x, dtype), _retype(y, dtype)
        return x, y
    if x_is_tensor:
        x, y = _with_constant(x, y)
        return x, y
    y, x = _with_constant(y, x)
    return x, y


def _with_constant(tensor, value):
    """(tensor, value as an array) with the dtype a Python scalar or array operand gives."""
    if isinstance(value, (bool, int, float, np.number, np.bool_)):
        dtype = dtypes.scalar_result_dtype(tensor.dtype, value)
        return _retype(tensor, dtype), np.asarray(value, dtype=dtype)
    other = tensor_module.tensor(value)
    dtype = dtypes.promote_types(tensor.dtype, other.dtype)
    return _retype(tensor, dtype), other._data.astype(dtype, copy=False)


def shape_of(value) -> tuple:
    return np.shape(getattr(value, "_data", value))


def shapes_error(op_name, x, y) -> ValueError:
    """The error for operands ``x`` and ``y`` (tensors or arrays) whose shapes do not broadcast."""
    return ShapeError(f"{op_name}: shapes {list(shape_of(x))} and {list(shape_of(y))} cannot be "
                      "broadcast together")
