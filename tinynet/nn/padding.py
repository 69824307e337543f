"""Padding layers: ConstantPad{1,2,3}d, ZeroPad{1,2,3}d, ReflectionPad{1,2,3}d,
ReplicationPad{1,2,3}d, CircularPad{1,2,3}d, each ``F.pad`` with its mode over the last 1, 2 or 3
dims. ``padding`` is an int (the same width on every side) or a tuple (left, right[, top, bottom[,
front, back]]), as in PyTorch."""

from __future__ import annotations

from tinynet.nn.functional.padding import pad
from tinynet.nn.module import Module
from tinynet.tensor import Tensor
from tinynet.errors import ShapeError


class _PadNd(Module):
    mode = "constant"
    dims = 1

    def __init__(self, padding):
        super().__init__()
        if isinstance(padding, int):
            padding = (padding,) * (2 * self.dims)
        self.padding = tuple(padding)

    def forward(self, input: Tensor) -> Tensor:
        return pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value: float):
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pads the last dim with ``value``: (*, W) -> (*, left + W + right)."""


class ConstantPad2d(_ConstantPadNd):
    """Pads the last two dims with ``value``: (*, H, W) -> (*, top + H + bottom, left + W + right)."""
    dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pads the last three dims with ``value``: (*, D, H, W) -> (*, D', H', W')."""
    dims = 3


class ZeroPad1d(ConstantPad1d):
    """Pads the last dim with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pads the last two dims with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Pads the last three dims with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    """Pads the last dim with its mirror image (the edge not repeated; widths < W).
    Shapes: (C, W) or (N, C, W)."""
    mode = "reflect"


class ReflectionPad2d(ReflectionPad1d):
    """Reflection padding of the last two dims. Shapes: (C, H, W) or (N, C, H, W)."""
    dims = 2


class ReflectionPad3d(ReflectionPad1d):
    """Reflection padding of the last three dims. Shapes: (C, D, H, W) or (N, C, D, H, W)."""
    dims = 3


class ReplicationPad1d(_PadNd):
    """Pads the last dim with copies of its edge elements. Shapes: (C, W) or (N, C, W)."""
    mode = "replicate"


class ReplicationPad2d(ReplicationPad1d):
    """Replication padding of the last two dims. Shapes: (C, H, W) or (N, C, H, W)."""
    dims = 2


class ReplicationPad3d(ReplicationPad1d):
    """Replication padding of the last three dims. Shapes: (C, D, H, W) or (N, C, D, H, W)."""
    dims = 3


class _CircularPadNd(_PadNd):
    mode = "circular"

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim not in (self.dims + 1, self.dims + 2):
            raise ShapeError(f"{type(self).__name__}: expected {self.dims + 1}D or "
                             f"{self.dims + 2}D input (got {input.ndim}D input)")
        return super().forward(input)


class CircularPad1d(_CircularPadNd):
    """Pads the last dim with the input wrapped around (widths ≤ W). Shapes: (C, W) or (N, C, W)."""


class CircularPad2d(_CircularPadNd):
    """Circular padding of the last two dims. Shapes: (C, H, W) or (N, C, H, W)."""
    dims = 2


class CircularPad3d(_CircularPadNd):
    """Circular padding of the last three dims. Shapes: (C, D, H, W) or (N, C, D, H, W)."""
    dims = 3
