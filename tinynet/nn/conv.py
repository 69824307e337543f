"""Convolution layers: Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
(NCL / NCHW / NCDHW).

They hold the weight and bias and call ``tinynet.nn.functional``'s conv functions; the
constructor arguments, parameter shapes, default initialization and state_dict keys are PyTorch's.
"""

from __future__ import annotations

import math

from tinynet import creation, ops
from tinynet.nn import functional as F
from tinynet.nn import init
from tinynet.nn.factory import check_device
from tinynet.nn.functional.conv import ints
from tinynet.nn.functional.conv3d import conv3d, conv_transpose3d
from tinynet.nn.module import Module
from tinynet.nn.parameter import Parameter
from tinynet.tensor import Tensor
from tinynet.errors import ShapeError

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """Shared constructor and initialization.

    weight: (out_channels, in_channels / groups, *kernel_size), or for the transposed convolution
    (in_channels, out_channels / groups, *kernel_size); bias: (out_channels,).
    Initialization as in PyTorch: kaiming_uniform_(a=√5), i.e. U(−1/√fan_in, 1/√fan_in), and the
    bias U(−1/√fan_in, 1/√fan_in), fan_in = weight.shape[1] · ∏ kernel_size.
    """

    _dims = 2
    _transposed = False

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        output_padding=0,
        dtype=None,
    ):
        super().__init__()
        dims = self._dims
        if groups <= 0 or in_channels % groups or out_channels % groups:
            raise ShapeError(
                f"in_channels ({in_channels}) and out_channels ({out_channels}) "
                f"must be divisible by groups ({groups})"
            )
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {_PADDING_MODES}, got {padding_mode!r}")
        if isinstance(padding, str):
            if padding not in ("same", "valid") or self._transposed:
                raise ValueError(
                    f"padding {padding!r} is not supported here; use an int, a tuple"
                    + ("" if self._transposed else ", 'valid' or 'same'")
                )
            if padding == "same" and ints(stride, dims, "stride") != (1,) * dims:
                raise ShapeError("padding='same' is not supported for strided convolutions")
        elif self._transposed and padding_mode != "zeros":
            raise ShapeError(f"only 'zeros' padding mode is supported for {type(self).__name__}")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = ints(kernel_size, dims, "kernel_size")
        self.stride = ints(stride, dims, "stride")
        self.padding = padding if isinstance(padding, str) else ints(padding, dims, "padding")
        self.dilation = ints(dilation, dims, "dilation")
        self.transposed = self._transposed
        self.output_padding = ints(output_padding, dims, "output_padding")
        self.groups = groups
        self.padding_mode = padding_mode
        if self._transposed:
            shape = (in_channels, out_channels // groups, *self.kernel_size)
        else:
            shape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = Parameter(creation.empty(*shape, dtype=dtype))
        if bias:
            self.bias = Parameter(creation.empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def _padded(self, input: Tensor) -> tuple[Tensor, object]:
        """(input, padding for the conv): a non-zero padding mode pads explicitly first."""
        if self.padding_mode == "zeros":
            return input, self.padding
        if self.padding == "valid":
            return input, 0
        if self.padding == "same":
            totals = [d * (k - 1) for d, k in zip(self.dilation, self.kernel_size)]
            sides = [(total // 2, total - total // 2) for total in totals]
        else:
            sides = [(p, p) for p in self.padding]
        widths = [width for side in reversed(sides) for width in side]  # last dim first
        return ops.pad(input, widths, mode=self.padding_mode), 0

    def extra_repr(self) -> str:
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0,) * self._dims:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * self._dims:
            text += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self._dims:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class _Conv(_ConvNd):
    """Conv1d and Conv2d: PyTorch's constructor, and forward through F.conv1d / F.conv2d."""

    _function = None  # F.conv1d or F.conv2d

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
    ):
        check_device(device, type(self).__name__)
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, dtype=dtype)

    def forward(self, input: Tensor) -> Tensor:
        input, padding = self._padded(input)
        return self._function(input, self.weight, self.bias, stride=self.stride,
                              padding=padding, dilation=self.dilation, groups=self.groups)


class Conv1d(_Conv):
    """y[n, o] = b[o] + Σ_c w[o, c] ⋆ x[n, c] (cross-correlation).   Shapes: input (N, C_in, L),
    output (N, C_out, L_out), L_out = ⌊(L + 2p − d(k − 1) − 1) / s⌋ + 1."""

    _dims = 1
    _function = staticmethod(F.conv1d)


class Conv2d(_Conv):
    """y[n, o] = b[o] + Σ_c w[o, c] ⋆ x[n, c] (cross-correlation).   Shapes: input
    (N, C_in, H, W), output (N, C_out, H_out, W_out), H_out = ⌊(H + 2p − d(k − 1) − 1) / s⌋ + 1
    (likewise W_out)."""

    _dims = 2
    _function = staticmethod(F.conv2d)


class _ConvTransposeNd(_ConvNd):
    """ConvTranspose1d and ConvTranspose2d: PyTorch's constructor (output_padding after
    padding, dilation after bias), and forward through F.conv_transpose1d / 2d."""

    _transposed = True
    _function = None  # F.conv_transpose1d or F.conv_transpose2d

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        output_padding=0,
        groups: int = 1,
        bias: bool = True,
        dilation=1,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
    ):
        check_device(device, type(self).__name__)
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, output_padding, dtype)
        for extra, stride_, dilation_ in zip(self.output_padding, self.stride, self.dilation):
            if extra >= max(stride_, dilation_):
                raise ValueError(
                    f"output_padding {self.output_padding} must be smaller than "
                    f"either stride {self.stride} or dilation {self.dilation}"
                )

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        return self._function(
            input, self.weight, self.bias, stride=self.stride, padding=self.padding,
            output_padding=self._output_padding(input, output_size), groups=self.groups,
            dilation=self.dilation,
        )  # fmt: skip
    def _output_padding(self, input: Tensor, output_size) -> tuple:
        """The output_padding that makes the output ``output_size`` (PyTorch's rule: the sizes a
        transposed conv can reach differ only in that extra padding, 0 ≤ it < stride)."""
        if output_size is None:
            return self.output_padding
        dims = self._dims
        output_size = tuple(output_size)[-dims:] if len(output_size) >= dims else output_size
        if len(output_size) != dims:
            raise ShapeError(
                f"output_size must have {dims} or {dims + 2} elements, got {list(output_size)}"
            )
        extras = []
        for d in range(dims):
            smallest = (
                (input.shape[-dims + d] - 1) * self.stride[d]
                - 2 * self.padding[d]
                + self.dilation[d] * (self.kernel_size[d] - 1)
                + 1
            )
            largest = smallest + self.stride[d] - 1
            if not smallest <= output_size[d] <= largest:
                raise ShapeError(
                    f"requested an output size of {list(output_size)}, but valid "
                    f"sizes range from {smallest} to {largest} in dim {d} (for an "
                    f"input of shape {list(input.shape)})"
                )
            extras.append(output_size[d] - smallest)
        return tuple(extras)


class ConvTranspose1d(_ConvTransposeNd):
    """The adjoint (gradient) of Conv1d with the same arguments: spreads each input position
    over a kernel-sized window of the output.   Shapes: input (N, C_in, L), output
    (N, C_out, L_out), L_out = (L − 1)s − 2p + d(k − 1) + output_padding + 1."""

    _dims = 1
    _function = staticmethod(F.conv_transpose1d)


class ConvTranspose2d(_ConvTransposeNd):
    """The adjoint (gradient) of Conv2d with the same arguments (used to upsample in decoders).
    Shapes: input (N, C_in, H, W), output (N, C_out, H_out, W_out),
    H_out = (H − 1)s − 2p + d(k − 1) + output_padding + 1 (likewise W_out)."""

    _dims = 2
    _function = staticmethod(F.conv_transpose2d)


class Conv3d(_Conv):
    """y[n, o] = b[o] + Σ_c w[o, c] ⋆ x[n, c] (3-D cross-correlation, composed of 2-D ones:
    ``F.conv3d``).   Shapes: input (N, C_in, D, H, W), output (N, C_out, D_out, H_out, W_out),
    D_out = ⌊(D + 2p − d(k − 1) − 1) / s⌋ + 1 (likewise H_out, W_out)."""

    _dims = 3
    _function = staticmethod(conv3d)


class ConvTranspose3d(_ConvTransposeNd):
    """The adjoint (gradient) of Conv3d with the same arguments.   Shapes: input
    (N, C_in, D, H, W), output (N, C_out, D_out, H_out, W_out),
    D_out = (D − 1)s − 2p + d(k − 1) + output_padding + 1 (likewise H_out, W_out)."""

    _dims = 3
    _function = staticmethod(conv_transpose3d)
