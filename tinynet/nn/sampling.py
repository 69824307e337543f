"""Layers that rearrange or resample without parameters: PixelShuffle, PixelUnshuffle,
ChannelShuffle, UpsamplingNearest2d, UpsamplingBilinear2d, Fold and Unfold (formulas in
``tinynet.nn.functional.shuffle``, ``sampling`` and ``conv``)."""

from __future__ import annotations

from tinynet.nn.functional import conv as conv_functions
from tinynet.nn.functional import shuffle
from tinynet.nn.functional.sampling import interpolate
from tinynet.nn.module import Module
from tinynet.nn.pooling import Upsample
from tinynet.tensor import Tensor


class PixelShuffle(Module):
    """(*, C·r², H, W) -> (*, C, H·r, W·r): each group of r² channels becomes an r×r block of
    pixels (sub-pixel convolution's upsampling)."""

    def __init__(self, upscale_factor: int):
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return shuffle.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """(*, C, H·r, W·r) -> (*, C·r², H, W): the inverse of PixelShuffle."""

    def __init__(self, downscale_factor: int):
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return shuffle.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"


class ChannelShuffle(Module):
    """Interleaves the ``groups`` groups of channels (dim 1). Shapes: (N, C, *) -> same."""

    def __init__(self, groups: int):
        super().__init__()
        self.groups = groups

    def forward(self, input: Tensor) -> Tensor:
        return shuffle.channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"


class UpsamplingNearest2d(Upsample):
    """Upsample(mode="nearest") of a 4-D input (N, C, H, W)."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Upsample(mode="bilinear", align_corners=True) of a 4-D input (N, C, H, W)."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)

    def forward(self, input: Tensor) -> Tensor:
        return interpolate(input, self.size, self.scale_factor, "bilinear", True)


class Fold(Module):
    """F.fold: sums columns (N, C·∏k, L) back onto their windows of an image output_size."""

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:
        return conv_functions.fold(input, self.output_size, self.kernel_size, self.dilation,
                                   self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")


class Unfold(Module):
    """F.unfold: every sliding window of (N, C, H, W) as a column of (N, C·∏k, L)."""

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:
        return conv_functions.unfold(input, self.kernel_size, self.dilation, self.padding,
                                     self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")
