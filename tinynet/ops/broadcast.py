"""The adjoint pair of broadcasting: broadcast_to copies along new or size-1 axes, sum_to adds
them back. Every binary op's backward ends with sum_to(grad, input.shape)."""

from __future__ import annotations

import numpy as np

from tinynet.autograd.function import Function
from tinynet.ops.summation import sum_axes
from tinynet.errors import ShapeError


def sum_to_shape(array: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``array`` over the axes that broadcasting added or stretched to reach its shape."""
    if array.shape == shape:
        return array
    leading = array.ndim - len(shape)
    axes = tuple(range(leading)) + tuple(
        leading + i for i, size in enumerate(shape) if size == 1 and array.shape[leading + i] != 1
    )
    summed = sum_axes(array, axes, keepdims=True)
    return summed.reshape(shape)


class BroadcastTo(Function):
    """y = x broadcast to ``shape``.   dx = sum_to(dy, x.shape)."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.input_shape = x.shape
        try:
            return np.broadcast_to(x, shape)
        except ValueError:
            raise ShapeError(f"expand: shape {list(x.shape)} cannot be broadcast to "
                             f"{list(shape)}") from None

    @staticmethod
    def backward(ctx, grad):
        return sum_to(grad, ctx.input_shape)


class SumTo(Function):
    """y = x summed down to ``shape`` (the adjoint of broadcasting).   dx = broadcast_to(dy, x.shape)."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.input_shape = x.shape
        return sum_to_shape(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return broadcast_to(grad, ctx.input_shape)


def broadcast_to(x, shape):
    shape = tuple(shape)
    return x if x.shape == shape else BroadcastTo.apply(x, shape=shape)


def sum_to(x, shape):
    shape = tuple(shape)
    return x if x.shape == shape else SumTo.apply(x, shape=shape)
