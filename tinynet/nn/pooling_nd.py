"""More pooling layers: MaxPool3d, AvgPool3d, LPPool1d/2d/3d, MaxUnpool1d/3d,
AdaptiveAvgPool1d/3d, AdaptiveMaxPool1d/2d/3d, FractionalMaxPool2d/3d. They hold their arguments
(PyTorch's) and call the functions of ``tinynet.nn.functional.pooling_nd``, ``pooling_adaptive``
and ``pooling_fractional``."""

from __future__ import annotations

from tinynet.nn.functional import pooling_adaptive as adaptive
from tinynet.nn.functional import pooling_fractional as fractional
from tinynet.nn.functional import pooling_nd as nd
from tinynet.nn.functional.conv import ints
from tinynet.nn.module import Module
from tinynet.nn.pooling import AvgPool2d, _MaxPoolNd
from tinynet.tensor import Tensor
from tinynet.errors import ShapeError


class MaxPool3d(_MaxPoolNd):
    """y[n, c, d, h, w] = max of x[n, c] over window (d, h, w).
    Shapes: (N, C, D, H, W) or (C, D, H, W) -> (..., D_out, H_out, W_out)."""

    def forward(self, input: Tensor):
        return nd.max_pool3d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                             self.ceil_mode, self.return_indices)


class AvgPool3d(AvgPool2d):
    """y[n, c, d, h, w] = mean of x[n, c] over window (d, h, w), or the sum over
    ``divisor_override``. Shapes: (N, C, D, H, W) or (C, D, H, W)."""

    def forward(self, input: Tensor) -> Tensor:
        return nd.avg_pool3d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                             self.count_include_pad, self.divisor_override)


class _LPPoolNd(Module):
    function = staticmethod(nd.lp_pool1d)

    def __init__(self, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False):
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def forward(self, input: Tensor) -> Tensor:
        return self.function(input, float(self.norm_type), self.kernel_size, self.stride,
                             self.ceil_mode)

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPoolNd):
    """y = (Σ_window x^p)^(1/p), p = norm_type. Shapes: (N, C, L) or (C, L)."""


class LPPool2d(_LPPoolNd):
    """y = (Σ_window x^p)^(1/p) over 2-D windows. Shapes: (N, C, H, W) or (C, H, W)."""
    function = staticmethod(nd.lp_pool2d)


class LPPool3d(_LPPoolNd):
    """y = (Σ_window x^p)^(1/p) over 3-D windows. Shapes: (N, C, D, H, W) or (C, D, H, W)."""
    function = staticmethod(nd.lp_pool3d)


class _MaxUnpoolNd(Module):
    dims = 1
    function = staticmethod(nd.max_unpool1d)

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = ints(kernel_size, self.dims, "kernel_size")
        self.stride = ints(stride if stride is not None else kernel_size, self.dims, "stride")
        self.padding = ints(padding, self.dims, "padding")

    def forward(self, input: Tensor, indices: Tensor, output_size=None) -> Tensor:
        return self.function(input, indices, self.kernel_size, self.stride, self.padding,
                             output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """The partial inverse of MaxPool1d: each value back at the position its index names,
    zeros elsewhere. Shapes: (N, C, L) -> (N, C, L_out), L_out = (L − 1)s − 2p + k."""


class MaxUnpool3d(_MaxUnpoolNd):
    """The partial inverse of MaxPool3d. Shapes: (N, C, D, H, W) -> (N, C, D', H', W')."""
    dims = 3
    function = staticmethod(nd.max_unpool3d)


class _AdaptiveAvgPoolNd(Module):
    function = staticmethod(adaptive.adaptive_avg_pool1d)

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return self.function(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """Average pooling to a fixed output length. Shapes: (N, C, L) or (C, L) -> (..., L_out)."""


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """Average pooling to a fixed output size (D_out, H_out, W_out); None keeps a size."""
    function = staticmethod(adaptive.adaptive_avg_pool3d)


class _AdaptiveMaxPoolNd(Module):
    function = staticmethod(adaptive.adaptive_max_pool1d)

    def __init__(self, output_size, return_indices: bool = False):
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, input: Tensor):
        return self.function(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Max pooling to a fixed output length; with return_indices also the positions of the
    maxima. Shapes: (N, C, L) or (C, L) -> (..., L_out)."""


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max pooling to a fixed output size (H_out, W_out); None keeps a size."""
    function = staticmethod(adaptive.adaptive_max_pool2d)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """Max pooling to a fixed output size (D_out, H_out, W_out); None keeps a size."""
    function = staticmethod(adaptive.adaptive_max_pool3d)


class _FractionalMaxPoolNd(Module):
    dims = 2
    function = staticmethod(fractional.fractional_max_pool2d)

    def __init__(self, kernel_size, output_size=None, output_ratio=None,
                 return_indices: bool = False, _random_samples=None):
        super().__init__()
        name = type(self).__name__
        if output_size is None and output_ratio is None:
            raise ShapeError(f"{name} requires specifying either an output size, or a pooling "
                             "ratio")
        if output_size is not None and output_ratio is not None:
            raise ShapeError(f"{name}: only one of output_size and output_ratio may be "
                             "specified")
        if output_ratio is not None:
            ratios = (tuple(output_ratio) if isinstance(output_ratio, (tuple, list))
                      else (output_ratio,) * self.dims)
            if not all(0 < r < 1 for r in ratios):
                raise ShapeError(f"{name}: output_ratio must be between 0 and 1 (got "
                                 f"{output_ratio})")
            output_ratio = ratios
        self.kernel_size = kernel_size
        self.output_size = output_size
        self.output_ratio = output_ratio
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)

    def forward(self, input: Tensor):
        return self.function(input, self.kernel_size, self.output_size, self.output_ratio,
                             self.return_indices, self._random_samples)


class FractionalMaxPool2d(_FractionalMaxPoolNd):
    """Max pooling over windows of ``kernel_size`` at pseudo-random positions, to
    ``output_size`` or ⌊in · output_ratio⌋ (new positions at each call unless
    ``_random_samples`` (N, C, 2) fixes them). Shapes: (N, C, H, W) or (C, H, W)."""


class FractionalMaxPool3d(_FractionalMaxPoolNd):
    """Fractional max pooling of the last three dims (``_random_samples`` (N, C, 3)).
    Shapes: (N, C, D, H, W) or (C, D, H, W)."""
    dims = 3
    function = staticmethod(fractional.fractional_max_pool3d)
