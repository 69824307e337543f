"""Pooling and resampling layers: MaxPool1d/2d, AvgPool1d/2d, MaxUnpool2d, AdaptiveAvgPool2d,
Upsample. They hold the geometry and call ``tinynet.nn.functional``; arguments are PyTorch's."""

from __future__ import annotations

from tinynet.nn import functional as F
from tinynet.nn.functional.conv import ints
from tinynet.nn.module import Module
from tinynet.tensor import Tensor
from tinynet.errors import ShapeError


class _MaxPoolNd(Module):
    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        dilation=1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class MaxPool1d(_MaxPoolNd):
    """y[n, c, i] = max of x[n, c] over window i.   Shapes: (N, C, L) -> (N, C, L_out); with
    ``return_indices`` also the flat positions of the maxima (for MaxUnpool)."""

    def forward(self, input: Tensor):
        return F.max_pool1d(
            input,
            self.kernel_size,
            stride=self.stride,
            padding=self.padding,
            dilation=self.dilation,
            ceil_mode=self.ceil_mode,
            return_indices=self.return_indices,
        )


class MaxPool2d(_MaxPoolNd):
    """y[n, c, i, j] = max of x[n, c] over window (i, j).   Shapes: (N, C, H, W) ->
    (N, C, H_out, W_out), H_out = ⌊(H + 2p − d(k − 1) − 1) / s⌋ + 1 (⌈⌉ with ceil_mode)."""

    def forward(self, input: Tensor):
        return F.max_pool2d(
            input,
            self.kernel_size,
            stride=self.stride,
            padding=self.padding,
            dilation=self.dilation,
            ceil_mode=self.ceil_mode,
            return_indices=self.return_indices,
        )


class _AvgPoolNd(Module):
    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPoolNd):
    """y[n, c, i] = mean of x[n, c] over window i (padding counted unless
    ``count_include_pad=False``).   Shapes: (N, C, L) -> (N, C, L_out)."""

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool1d(
            input,
            self.kernel_size,
            stride=self.stride,
            padding=self.padding,
            ceil_mode=self.ceil_mode,
            count_include_pad=self.count_include_pad,
        )


class AvgPool2d(_AvgPoolNd):
    """y[n, c, i, j] = mean of x[n, c] over window (i, j), or the sum over ``divisor_override``.
    Shapes: (N, C, H, W) -> (N, C, H_out, W_out)."""

    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ):
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool2d(
            input,
            self.kernel_size,
            stride=self.stride,
            padding=self.padding,
            ceil_mode=self.ceil_mode,
            count_include_pad=self.count_include_pad,
            divisor_override=self.divisor_override,
        )


class MaxUnpool2d(Module):
    """The partial inverse of MaxPool2d: puts each value back at the position its index names,
    zeros elsewhere.   Shapes: input and indices (N, C, H, W) -> (N, C, H_out, W_out),
    H_out = (H − 1)s − 2p + k unless ``output_size`` says otherwise."""

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = ints(kernel_size, 2, "kernel_size")
        self.stride = ints(stride if stride is not None else kernel_size, 2, "stride")
        self.padding = ints(padding, 2, "padding")

    def forward(self, input: Tensor, indices: Tensor, output_size=None) -> Tensor:
        return F.max_unpool2d(
            input,
            indices,
            self.kernel_size,
            stride=self.stride,
            padding=self.padding,
            output_size=output_size,
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average pooling whose windows are chosen to give a fixed output size (H_out, W_out)
    whatever the input size (window i spans ⌊iH/H_out⌋ to ⌈(i+1)H/H_out⌉).
    Shapes: (N, C, H, W) -> (N, C, H_out, W_out); None in ``output_size`` keeps that size."""

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class Upsample(Module):
    """Resizes the spatial dims to ``size`` or by ``scale_factor`` with F.interpolate's ``mode``
    (nearest: each output pixel copies the input pixel at ⌊i · in / out⌋; nearest-exact, linear,
    bilinear, bicubic, trilinear, area).   Shapes: (N, C, L), (N, C, H, W) or (N, C, D, H, W)."""

    def __init__(
        self,
        size=None,
        scale_factor=None,
        mode: str = "nearest",
        align_corners: bool | None = None,
        recompute_scale_factor: bool | None = None,
    ):
        super().__init__()
        if (size is None) == (scale_factor is None):
            raise ShapeError("Upsample: give exactly one of size and scale_factor")
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, (tuple, list)):
            self.scale_factor = tuple(float(factor) for factor in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.interpolate(
            input,
            size=self.size,
            scale_factor=self.scale_factor,
            mode=self.mode,
            align_corners=self.align_corners,
            recompute_scale_factor=self.recompute_scale_factor,
        )

    def extra_repr(self) -> str:
        info = (
            f"scale_factor={self.scale_factor!r}"
            if self.scale_factor is not None
            else f"size={self.size!r}"
        )
        return info + f", mode={self.mode!r}"
