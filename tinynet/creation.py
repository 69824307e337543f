"""Functions that make new tensors: zeros, ones, full, arange, linspace, eye, rand, randn, randint."""

from __future__ import annotations

import numpy as np

from tinynet import dtypes
from tinynet.random import numpy_generator
from tinynet.tensor import Tensor


def _size(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    size = tuple(int(s) for s in size)
    if any(s < 0 for s in size):
        raise ValueError(f"negative dimension in size {list(size)}")
    return size


def _new(array, dtype, requires_grad) -> Tensor:
    if dtype is not None:
        array = array.astype(dtypes.as_dtype(dtype), copy=False)
    result = Tensor._make(array)
    result.requires_grad = requires_grad
    return result


def _float_dtype(dtype):
    return dtypes.default_float_dtype if dtype is None else dtypes.as_dtype(dtype)


def zeros(*size, dtype=None, requires_grad=False) -> Tensor:
    return _new(np.zeros(_size(size), _float_dtype(dtype)), None, requires_grad)


def ones(*size, dtype=None, requires_grad=False) -> Tensor:
    return _new(np.ones(_size(size), _float_dtype(dtype)), None, requires_grad)


def empty(*size, dtype=None, requires_grad=False) -> Tensor:
    return zeros(*size, dtype=dtype, requires_grad=requires_grad)


def zeros_like(x, dtype=None, requires_grad=False) -> Tensor:
    return _new(np.zeros(x.shape, x.dtype if dtype is None else dtypes.as_dtype(dtype)), None, requires_grad)


def ones_like(x, dtype=None, requires_grad=False) -> Tensor:
    return _new(np.ones(x.shape, x.dtype if dtype is None else dtypes.as_dtype(dtype)), None, requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value``; the dtype follows the value (float32 for
    a float, int64 for an int, bool for a bool) unless given."""
    inferred = Tensor(fill_value).dtype if dtype is None else dtypes.as_dtype(dtype)
    return _new(np.full(_size((size,)), fill_value, inferred), None, requires_grad)


def full_like(x, fill_value, dtype=None, requires_grad=False) -> Tensor:
    return _new(np.full(x.shape, fill_value, x.dtype if dtype is None else dtypes.as_dtype(dtype)), None, requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False) -> Tensor:
    """[start, start + step, ...) up to ``end``; int64 when all of them are ints, else float32."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    all_ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    inferred = dtypes.int64 if all_ints else dtypes.default_float_dtype
    array = np.arange(start, end, step, dtype=np.float64 if not all_ints else np.int64)
    return _new(array.astype(inferred), dtype, requires_grad)


def linspace(start, end, steps, dtype=None, requires_grad=False) -> Tensor:
    return _new(np.linspace(start, end, int(steps)).astype(_float_dtype(dtype)), None,
                requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False) -> Tensor:
    return _new(np.eye(n, m, dtype=_float_dtype(dtype)), None, requires_grad)


def rand(*size, generator=None, dtype=None, requires_grad=False) -> Tensor:
    """Uniform on [0, 1)."""
    array = numpy_generator(generator).random(_size(size))
    return _new(array.astype(_float_dtype(dtype)), None, requires_grad)


def randn(*size, generator=None, dtype=None, requires_grad=False) -> Tensor:
    """Standard normal."""
    array = numpy_generator(generator).standard_normal(_size(size))
    return _new(array.astype(_float_dtype(dtype)), None, requires_grad)


def randint(*args, size=None, generator=None, dtype=None) -> Tensor:
    """Integers uniform on [low, high): ``randint(high, size)`` or ``randint(low, high, size)``."""
    if size is not None:
        args = (*args, size)
    if len(args) == 2:
        low, (high, size) = 0, args
    elif len(args) == 3:
        low, high, size = args
    else:
        raise TypeError("randint(low=0, high, size): expected high and size")
    if high <= low:
        raise ValueError(f"randint: high ({high}) must be greater than low ({low})")
    array = numpy_generator(generator).integers(low, high, size=_size((size,)))
    return _new(array.astype(np.int64), dtype, False)


def randperm(n, generator=None) -> Tensor:
    return Tensor._make(numpy_generator(generator).permutation(int(n)).astype(np.int64))
