"""Copies: dtype conversion and clone."""

from __future__ import annotations

from tinynet.autograd.function import Function


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
