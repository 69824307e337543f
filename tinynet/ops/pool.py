"""Pooling: MaxPool2d with its scatter/gather pair, MaxUnpool2d, AvgPool2d and its adjoint. The
1-D ops are these on height-1 planes (nn.functional reshapes); adaptive average pooling and
nearest interpolation are compositions in nn.functional.

Max pooling saves, per window, the flat position r·in_w + s of the element it chose in its
(n, c) plane. Its backward scatters the gradient to those positions (windows that chose the same
element add up), and that scatter's backward gathers from the same positions: PlaneScatterAdd
and PlaneGather are each other's adjoint, as GetItem and IndexAdd are. Average pooling is linear,
so its backward is its adjoint (each window's gradient spread evenly over the window), whose
backward is average pooling again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tinynet.autograd.function import Function

if TYPE_CHECKING:
    from tinynet.kernels import ConvGeometry


def kernels():
    """tinynet.kernels, imported on first use: it imports Numba, which `import tinynet` skips."""
    import tinynet.kernels

    return tinynet.kernels


class MaxPool2d(Function):
    """y[n, c, p, q] = max of x[n, c] over window (p, q) (padding never wins; a NaN does);
    indices[n, c, p, q] = r·in_w + s of the element chosen (the first maximum, row-major).
    dx = plane_scatter_add(dy, indices): each window's gradient goes to its chosen element.
    Shapes: x (n, C, g.in_h, g.in_w) -> y (n, C, g.out_h, g.out_w), and indices (int64, same
    shape) as a second output when return_indices."""

    @staticmethod
    def forward(ctx, x, geometry, return_indices=False):
        y, indices = kernels().max_pool2d_forward(np.ascontiguousarray(x), geometry)
        ctx.indices, ctx.input_shape = indices, x.shape
        return (y, indices) if return_indices else y

    @staticmethod
    def backward(ctx, grad, *_index_grad):
        return PlaneScatterAdd.apply(grad, indices=ctx.indices, shape=ctx.input_shape)


class PlaneScatterAdd(Function):
    """y = zeros of `shape` (n, C, H, W); y[n, c].flat[indices[n, c, p, q]] += x[n, c, p, q]: the
    adjoint of plane_gather (max pooling's backward).   dx = plane_gather(dy, indices).
    Shapes: x and indices (n, C, h, w) -> y (n, C, H, W)."""

    @staticmethod
    def forward(ctx, x, indices, shape):
        ctx.indices = indices
        return kernels().max_pool2d_backward(np.ascontiguousarray(x), indices, shape)

    @staticmethod
    def backward(ctx, grad):
        return PlaneGather.apply(grad, indices=ctx.indices)


class PlaneGather(Function):
    """y[n, c, p, q] = x[n, c].flat[indices[n, c, p, q]].
    dx = plane_scatter_add(dy, indices, x.shape)  (indices that repeat add up).
    Shapes: x (n, C, H, W), indices (n, C, h, w) -> y (n, C, h, w)."""

    @staticmethod
    def forward(ctx, x, indices):
        ctx.indices, ctx.input_shape = indices, x.shape
        planes = x.reshape(x.shape[0] * x.shape[1], -1)
        positions = indices.reshape(planes.shape[0], -1)
        return np.take_along_axis(planes, positions, axis=1).reshape(indices.shape)

    @staticmethod
    def backward(ctx, grad):
        return PlaneScatterAdd.apply(grad, indices=ctx.indices, shape=ctx.input_shape)


class MaxUnpool2d(Function):
    """y = zeros (n, C, *output_hw); y[n, c].flat[indices[n, c, p, q]] = x[n, c, p, q]: max
    pooling's partial inverse (where indices repeat, one value is kept).
    dx = plane_gather(dy, indices), as in PyTorch (a repeated index passes its gradient to all).
    Shapes: x and indices (n, C, h, w) -> y (n, C, *output_hw)."""

    @staticmethod
    def forward(ctx, x, indices, output_hw):
        ctx.indices = indices
        return kernels().max_unpool2d(x, indices, output_hw)

    @staticmethod
    def backward(ctx, grad):
        return PlaneGather.apply(grad, indices=ctx.indices)


class AvgPool2d(Function):
    """y[n, c, p, q] = (Σ of x[n, c] over window (p, q), padding 0) / divisor[p, q], the divisor
    from kernels.avg_pool_divisor (window size, or its input elements if not count_include_pad,
    or divisor_override).   dx = avg_pool2d_adjoint(dy): dy / divisor spread over each window.
    Shapes: x (n, C, g.in_h, g.in_w) -> y (n, C, g.out_h, g.out_w)."""

    @staticmethod
    def forward(ctx, x, geometry, count_include_pad=True, divisor_override=None):
        ctx.options = geometry, count_include_pad, divisor_override
        ctx.input_shape = x.shape
        return kernels().avg_pool2d_forward(np.ascontiguousarray(x), *ctx.options)

    @staticmethod
    def backward(ctx, grad):
        geometry, count_include_pad, divisor_override = ctx.options
        return AvgPool2dAdjoint.apply(grad, geometry=geometry, image_shape=ctx.input_shape,
                                      count_include_pad=count_include_pad,
                                      divisor_override=divisor_override)


class AvgPool2dAdjoint(Function):
    """x[n, c, r, s] = Σ over the windows (p, q) holding (r, s) of y[n, c, p, q] / divisor[p, q]:
    the adjoint of avg_pool2d (and its backward).   dy = avg_pool2d(dx).
    Shapes: y (n, C, g.out_h, g.out_w) -> x image_shape (n, C, g.in_h, g.in_w)."""

    @staticmethod
    def forward(ctx, y, geometry, image_shape, count_include_pad=True, divisor_override=None):
        ctx.options = geometry, count_include_pad, divisor_override
        return kernels().avg_pool2d_backward(np.ascontiguousarray(y), geometry, image_shape,
                                             count_include_pad, divisor_override)

    @staticmethod
    def backward(ctx, grad):
        geometry, count_include_pad, divisor_override = ctx.options
        return AvgPool2d.apply(grad, geometry=geometry, count_include_pad=count_include_pad,
                               divisor_override=divisor_override)


def pool_geometry(image_shape, kernel_size, stride, padding, dilation, ceil_mode) -> ConvGeometry:
    """The geometry of pooling windows over the last two dims of image_shape (pairs of ints;
    PyTorch's pooling rules: padding at most half the kernel, windows may overhang with
    ceil_mode). Raises ValueError naming the shapes."""
    return kernels().ConvGeometry.from_shape(image_shape, kernel_size, stride, padding, dilation,
                                             ceil_mode=ceil_mode, pooling=True)
