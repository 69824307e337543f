"""Hypothesis strategies for sliding-window geometry (convolution and pooling), 1-D and 2-D.

`window_cases(...)` draws a `WindowCase`: an input shape, the PyTorch-style arguments
(kernel_size, stride, padding, dilation, ceil_mode) that a test can pass to F.conv2d / F.max_pool2d,
and the `ConvGeometry` that tinynet builds from them. Sides stay small so kernels run in
microseconds; every drawn case is valid (the geometry constructor accepted it).
"""

from dataclasses import dataclass

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tinynet.kernels.geometry import ConvGeometry

FLOAT_DTYPES = (np.float32, np.float64)


@dataclass(frozen=True)
class WindowCase:
    """One drawn geometry. For dims == 1, x_shape is (n, c, l) and kernel_size, stride, padding,
    dilation are ints; for dims == 2, x_shape is (n, c, h, w) and they are (h, w) pairs."""

    x_shape: tuple[int, ...]
    kernel_size: int | tuple[int, int]
    stride: int | tuple[int, int]
    padding: int | tuple[int, int]
    dilation: int | tuple[int, int]
    ceil_mode: bool
    geometry: ConvGeometry


def _axis(draw, pooling, max_side, max_kernel, max_stride, max_padding, max_dilation):
    """(size, kernel, stride, padding, dilation) along one axis, likely to be valid."""
    kernel = draw(st.integers(1, max_kernel))
    dilation = draw(st.integers(1, max_dilation))
    stride = draw(st.integers(1, max_stride))
    padding = draw(st.integers(0, kernel // 2 if pooling else max_padding))
    extent = dilation * (kernel - 1) + 1
    smallest = max(1, extent - 2 * padding)
    size = draw(st.integers(smallest, max(smallest, max_side)))
    return size, kernel, stride, padding, dilation


@st.composite
def window_cases(
    draw,
    dims: int = 2,
    pooling: bool = False,
    ceil_mode: bool | None = None,
    dilation: bool = True,
    max_batch: int = 2,
    max_channels: int = 3,
    max_side: int = 7,
    max_kernel: int = 3,
    max_stride: int = 3,
    max_padding: int = 2,
    max_dilation: int = 2,
) -> WindowCase:
    """A valid sliding-window geometry with small sides.

    dims: 1 (n, c, l) or 2 (n, c, h, w). pooling: padding at most half the kernel and the pooling
    rules of `ConvGeometry.from_shape`; ceil_mode: True/False, or None to draw it (pooling only).
    dilation=False fixes dilation to 1 (average pooling has none).
    """
    if not pooling:
        ceil_mode = False
    elif ceil_mode is None:
        ceil_mode = draw(st.booleans())
    limits = (max_side, max_kernel, max_stride, max_padding, max_dilation if dilation else 1)
    axes = [_axis(draw, pooling, *limits) for _ in range(dims)]
    sizes, kernel, stride, padding, dilate = (tuple(values) for values in zip(*axes))
    x_shape = (draw(st.integers(1, max_batch)), draw(st.integers(1, max_channels))) + sizes
    try:
        if dims == 1:
            kernel, stride, padding, dilate = kernel[0], stride[0], padding[0], dilate[0]
            build = ConvGeometry.from_shape_1d
        else:
            build = ConvGeometry.from_shape
        geometry = build(x_shape, kernel, stride, padding, dilate, ceil_mode, pooling)
    except ValueError:
        assume(False)
    return WindowCase(x_shape, kernel, stride, padding, dilate, ceil_mode, geometry)


def float_arrays(shape, dtype, low: float = -10, high: float = 10, ties: bool = False):
    """Arrays of `shape` and `dtype` with finite elements in [low, high]. ties=True draws small
    integers instead, so that maxima tie often (tests tie-breaking)."""
    if ties:
        elements = st.integers(-3, 3).map(float)
    else:
        width = 32 if np.dtype(dtype) == np.float32 else 64
        elements = st.floats(low, high, width=width, allow_nan=False, allow_infinity=False)
    return arrays(dtype, shape, elements=elements)
