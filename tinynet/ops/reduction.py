"""Reductions over dims: sum, max/min (ties share the gradient), logsumexp.

mean, var, std, softmax and log_softmax are compositions of these (see ops/__init__.py).
"""

from __future__ import annotations

import numpy as np

from tinynet.autograd.function import Function
from tinynet.ops.broadcast import broadcast_to
from tinynet.ops.dims import keepdim_shape
from tinynet.ops.summation import sum_axes


class Sum(Function):
    """y = Σ over ``axes`` of x.   dy/dx = 1 (the gradient is copied back along the summed axes)."""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.axes, ctx.keepdim, ctx.input_shape = axes, keepdim, x.shape
        if x.dtype.kind in "biu":
            return np.sum(x, axis=axes, keepdims=keepdim, dtype=np.int64)
        return sum_axes(x, axes, keepdim)

    @staticmethod
    def backward(ctx, grad):
        if not ctx.keepdim:
            grad = grad.reshape(keepdim_shape(ctx.input_shape, ctx.axes))
        return broadcast_to(grad, ctx.input_shape)


class Amax(Function):
    """y = max over ``axes`` of x.   dy/dx = 1/k at each of the k maximal elements, else 0."""

    reduce = staticmethod(np.max)

    @classmethod
    def forward(cls, ctx, x, axes, keepdim):
        if x.size == 0:
            raise RuntimeError(f"{cls.__name__.lower()}(): cannot reduce an empty tensor of shape "
                               f"{list(x.shape)}")
        ctx.axes, ctx.keepdim, ctx.input_shape = axes, keepdim, x.shape
        result = cls.reduce(x, axis=axes, keepdims=True)
        is_extreme = x == result
        ctx.share = is_extreme / is_extreme.sum(axis=axes, keepdims=True)
        return result if keepdim else result.reshape(
            tuple(s for i, s in enumerate(x.shape) if i not in axes))

    @staticmethod
    def backward(ctx, grad):
        if not ctx.keepdim:
            grad = grad.reshape(keepdim_shape(ctx.input_shape, ctx.axes))
        return broadcast_to(grad, ctx.input_shape) * ctx.share.astype(grad.dtype)


class Amin(Amax):
    """y = min over ``axes`` of x.   dy/dx = 1/k at each of the k minimal elements, else 0."""

    reduce = staticmethod(np.min)


def logsumexp_array(x: np.ndarray, axes: tuple, keepdims: bool) -> np.ndarray:
    """log Σ exp(x) over ``axes``, computed as m + log Σ exp(x − m) with m = max x, so that
    logits of 1e4 do not overflow."""
    if x.size == 0:
        shift = np.zeros(keepdim_shape(x.shape, axes), x.dtype)
    else:
        shift = np.max(x, axis=axes, keepdims=True)
        shift = np.where(np.isfinite(shift), shift, np.zeros((), x.dtype))
    with np.errstate(divide="ignore"):
        result = np.log(np.sum(np.exp(x - shift), axis=axes, keepdims=True)) + shift
    return result if keepdims else result.reshape(
        tuple(s for i, s in enumerate(x.shape) if i not in axes))


class LogSumExp(Function):
    """y = log Σ exp(x) over ``axes`` (stable: see logsumexp_array).   dy/dx = exp(x − y) =
    softmax(x)."""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.axes, ctx.keepdim, ctx.input_shape = axes, keepdim, x.shape
        return logsumexp_array(x, axes, keepdim)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        output = ctx.output
        if not ctx.keepdim:
            shape = keepdim_shape(ctx.input_shape, ctx.axes)
            grad, output = grad.reshape(shape), output.reshape(shape)
        return grad * (x - output).exp()
