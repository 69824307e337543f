"""Functions that make new tensors: zeros, ones, empty, full, arange, linspace, eye, rand, randn,
randint, randperm, and zeros_like, ones_like, full_like.

Each takes PyTorch's keyword-only arguments: ``out`` (the result is written into that tensor,
which is resized to fit, and returned), ``dtype`` (float ones default to the default float dtype,
float32), ``layout`` (only the dense, strided layout), ``device`` (only the CPU: any other device
is refused by name), ``requires_grad``, and where PyTorch has it ``pin_memory``, accepted and
changing nothing (pinned memory speeds copies to a GPU, which tinynet does not have). Sizes are
integers (a float size is a TypeError that names the argument, a negative one an error).
"""

from __future__ import annotations

import operator

import numpy as np

from tinynet import dtypes
from tinynet.device import check_device, check_layout
from tinynet.random import numpy_generator
from tinynet.errors import ArgumentError, ShapeError
from tinynet.tensor import Tensor


def _size(size, name: str) -> tuple:
    """The shape from ``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` or ``f(Size)``, checked."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    shape = []
    for position, value in enumerate(size):
        if isinstance(value, (bool, np.bool_)):
            value = None
        try:
            shape.append(operator.index(value))
        except TypeError:
            raise TypeError(f"{name}(): argument 'size' must be a tuple of ints, but found "
                            f"element of type {type(value).__name__} at pos {position}") from None
    if any(s < 0 for s in shape):
        raise ShapeError(f"{name}(): Trying to create tensor with negative dimension: "
                                 f"{shape}")
    return tuple(shape)


def _finish(array, name, out, requires_grad, device, layout) -> Tensor:
    """The new tensor around ``array``, after the checks that every creation function shares."""
    check_device(device)
    check_layout(layout)
    if out is not None:
        if requires_grad:
            raise RuntimeError(f"{name}(): out= cannot be combined with requires_grad=True")
        if out.requires_grad and out.is_leaf:
            raise RuntimeError(f"{name}(): out= is a leaf tensor that requires grad; the result "
                               "cannot be written into it")
        out._data = array.astype(out.dtype, copy=False)
        out._version += 1
        return out
    result = Tensor._make(array)
    result.requires_grad = requires_grad
    return result


def _float_dtype(dtype, out=None):
    if dtype is not None:
        return dtypes.as_dtype(dtype)
    return dtypes.default_float_dtype if out is None else out.dtype


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    return _finish(np.zeros(_size(size, "zeros"), _float_dtype(dtype, out)), "zeros", out,
                   requires_grad, device, layout)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    return _finish(np.ones(_size(size, "ones"), _float_dtype(dtype, out)), "ones", out,
                   requires_grad, device, layout)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=None) -> Tensor:
    """A tensor of ``size``; tinynet fills it with zeros (PyTorch leaves it uninitialised)."""
    return _finish(np.zeros(_size(size, "empty"), _float_dtype(dtype, out)), "empty", out,
                   requires_grad, device, layout)


def _like_dtype(input, dtype):  # noqa: A002
    return input.dtype if dtype is None else dtypes.as_dtype(dtype)


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,  # noqa: A002
               memory_format=None) -> Tensor:
    return _finish(np.zeros(input.shape, _like_dtype(input, dtype)), "zeros_like", None,
                   requires_grad, device, layout)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,  # noqa: A002
              memory_format=None) -> Tensor:
    return _finish(np.ones(input.shape, _like_dtype(input, dtype)), "ones_like", None,
                   requires_grad, device, layout)


def _fill_dtype(fill_value):
    """The dtype ``full`` infers from its value: bool, int64, or the default float dtype."""
    if isinstance(fill_value, (bool, np.bool_)):
        return dtypes.bool
    if isinstance(fill_value, (int, np.integer)):
        return dtypes.int64
    if isinstance(fill_value, Tensor):
        return fill_value.dtype
    return dtypes.default_float_dtype


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None,
         requires_grad=False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value``; the dtype follows the value (the default
    float dtype for a float, int64 for an int, bool for a bool) unless given."""
    if dtype is None:
        dtype = out.dtype if out is not None else _fill_dtype(fill_value)
    shape = _size((size,) if not isinstance(size, (tuple, list)) else tuple(size), "full")
    return _finish(np.full(shape, fill_value, dtypes.as_dtype(dtype)), "full", out,
                   requires_grad, device, layout)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None,  # noqa: A002
              requires_grad=False, memory_format=None) -> Tensor:
    return _finish(np.full(input.shape, fill_value, _like_dtype(input, dtype)), "full_like", None,
                   requires_grad, device, layout)


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False) -> Tensor:
    """[start, start + step, ...) up to ``end``; int64 when all of them are ints, else the
    default float dtype."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ArgumentError("arange: step must be nonzero")
    all_ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    if dtype is None:
        dtype = out.dtype if out is not None else (
            dtypes.int64 if all_ints else dtypes.default_float_dtype)
    array = np.arange(start, end, step, dtype=np.float64 if not all_ints else np.int64)
    return _finish(array.astype(dtypes.as_dtype(dtype)), "arange", out, requires_grad, device,
                   layout)


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False) -> Tensor:
    steps = operator.index(steps)
    if steps < 0:
        raise ArgumentError(f"linspace(): number of steps must be non-negative, got {steps}")
    return _finish(np.linspace(start, end, steps).astype(_float_dtype(dtype, out)), "linspace",
                   out, requires_grad, device, layout)


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None,
        requires_grad=False) -> Tensor:
    n, m = _size((n, n if m is None else m), "eye")
    return _finish(np.eye(n, m, dtype=_float_dtype(dtype, out)), "eye", out, requires_grad,
                   device, layout)


def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False) -> Tensor:
    """Uniform on [0, 1)."""
    array = numpy_generator(generator).random(_size(size, "rand"))
    return _finish(array.astype(_float_dtype(dtype, out)), "rand", out, requires_grad, device,
                   layout)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad=False, pin_memory=False) -> Tensor:
    """Standard normal."""
    array = numpy_generator(generator).standard_normal(_size(size, "randn"))
    return _finish(array.astype(_float_dtype(dtype, out)), "randn", out, requires_grad, device,
                   layout)


def randint(*args, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
            requires_grad=False) -> Tensor:
    """Integers uniform on [low, high): ``randint(high, size)`` or ``randint(low, high, size)``;
    int64 unless ``dtype`` says otherwise."""
    if size is not None:
        args = (*args, size)
    if len(args) == 2:
        low, (high, size) = 0, args
    elif len(args) == 3:
        low, high, size = args
    else:
        raise TypeError("randint(low=0, high, size): expected high and size")
    low, high = operator.index(low), operator.index(high)
    if high <= low:
        raise ArgumentError(f"randint: high ({high}) must be greater than low ({low})")
    shape = _size((size,) if not isinstance(size, (tuple, list)) else tuple(size), "randint")
    array = numpy_generator(generator).integers(low, high, size=shape)
    if dtype is None:
        dtype = out.dtype if out is not None else dtypes.int64
    return _finish(array.astype(dtypes.as_dtype(dtype)), "randint", out, requires_grad, device,
                   layout)


def randperm(n, *, generator=None, out=None, dtype=dtypes.int64, layout=None, device=None,
             requires_grad=False, pin_memory=False) -> Tensor:
    """A random permutation of 0, ..., n - 1."""
    (n,) = _size((n,), "randperm")
    array = numpy_generator(generator).permutation(n)
    return _finish(array.astype(dtypes.as_dtype(dtype)), "randperm", out, requires_grad, device,
                   layout)
