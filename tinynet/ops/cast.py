"""Copies: dtype conversion (``Tensor.to``, ``.float()`` ...) and clone."""

from __future__ import annotations

from tinynet import dtypes
from tinynet.autograd.function import Function
from tinynet.tensor import Tensor


class Cast(Function):
    """y = x converted to ``dtype``.   dx = dy converted back to x's dtype."""

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.input_dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.to(ctx.input_dtype)


class Clone(Function):
    """y = a copy of x.   dx = dy."""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


def cast(x, dtype):
    """``x`` in ``dtype`` (``x`` itself if it already is); differentiable between floating dtypes.
    A tensor that requires grad, converted to an integer or bool dtype, comes back detached: such
    dtypes carry no gradient."""
    dtype = dtypes.as_dtype(dtype)
    if dtype == x.dtype:
        return x
    if x.requires_grad and dtype.kind != "f":
        return Tensor._make(x._data.astype(dtype))
    return Cast.apply(x, dtype=dtype)


def clone(x):
    return Clone.apply(x)
