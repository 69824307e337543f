"""3-D convolution and its transpose, composed of 2-D ones: a kernel of depth kd is kd planar
kernels, and the output at depth d sums the planar convolutions of the input planes that each of
them meets (conv3d), or each input plane spreads into the kd output depths its kernel slices
reach (conv_transpose3d). The depth is folded into the batch, so each kernel slice costs one conv2d
call; the gradients, of any order, are those of conv2d, slicing, padding and sums.
"""

from __future__ import annotations

import numpy as np

from tinynet import ops
from tinynet.nn.functional.conv import (
    _check_operands,
    _check_output_padding,
    conv2d,
    conv_transpose2d,
    ints,
)
from tinynet.tensor import Tensor
from tinynet.errors import ShapeError


def _batched(input: Tensor, name: str) -> tuple[Tensor, bool]:
    if input.ndim == 5:
        return input, False
    if input.ndim == 4:
        return input.unsqueeze(0), True
    raise ShapeError(f"{name}: expected a 4-D (C, D, H, W) or 5-D (N, C, D, H, W) input, got "
                     f"shape {list(input.shape)}")


def _explicit_padding(padding, kernel, stride, dilation, name) -> list[tuple[int, int]]:
    """(before, after) per spatial dim for an int/triple, "valid" or "same" padding."""
    if isinstance(padding, str):
        if padding == "valid":
            return [(0, 0)] * 3
        if padding != "same":
            raise ValueError(f"{name}: padding must be an int, a tuple, 'valid' or 'same', got "
                             f"{padding!r}")
        if stride != (1, 1, 1):
            raise ValueError(f"{name}: padding='same' is not supported for strided convolutions")
        totals = [d * (k - 1) for d, k in zip(dilation, kernel)]
        return [(total // 2, total - total // 2) for total in totals]
    return [(p, p) for p in ints(padding, 3, "padding")]


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """y[n, o] = b[o] + Σ_c w[o, c] ⋆ x[n, c] (3-D cross-correlation over the input channels of
    o's group).   Shapes: input (N, C_in, D, H, W) or (C_in, D, H, W), weight
    (C_out, C_in/groups, kd, kh, kw), bias (C_out,) -> (N, C_out, D_out, H_out, W_out),
    D_out = ⌊(D + 2p − d(kd − 1) − 1) / s⌋ + 1 (likewise H_out, W_out); padding also "valid" or
    "same" (stride 1)."""
    input, unbatched = _batched(input, "conv3d")
    _check_operands("conv3d", input, weight, bias, groups, 3, transposed=False)
    stride, dilation = ints(stride, 3, "stride"), ints(dilation, 3, "dilation")
    kernel = tuple(weight.shape[2:])
    sides = _explicit_padding(padding, kernel, stride, dilation, "conv3d")
    if any(side for pair in sides for side in pair):
        input = ops.pad(input, [width for pair in reversed(sides) for width in pair])
    n, channels, depth, height, width = input.shape
    reach = dilation[0] * (kernel[0] - 1) + 1
    if depth < reach or height < dilation[1] * (kernel[1] - 1) + 1 or \
            width < dilation[2] * (kernel[2] - 1) + 1:
        raise ShapeError(f"conv3d: the padded input of spatial size {[depth, height, width]} is "
                         f"smaller than the (dilated) kernel {list(kernel)}")
    out_depth = (depth - reach) // stride[0] + 1
    output = None
    for k in range(kernel[0]):
        start = k * dilation[0]
        planes = input[:, :, start : start + stride[0] * (out_depth - 1) + 1 : stride[0]]
        planes = planes.permute(0, 2, 1, 3, 4).reshape(n * out_depth, channels, height, width)
        term = conv2d(planes, weight[:, :, k], None, stride[1:], 0, dilation[1:], groups)
        output = term if output is None else output + term
    output = output.reshape(n, out_depth, *output.shape[1:]).permute(0, 2, 1, 3, 4)
    if bias is not None:
        output = output + bias.reshape(1, -1, 1, 1, 1)
    return output.squeeze(0) if unbatched else output


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """The adjoint of conv3d with the same arguments.   Shapes: input (N, C_in, D, H, W) or
    (C_in, D, H, W), weight (C_in, C_out/groups, kd, kh, kw), bias (C_out,)
    -> (N, C_out, D_out, H_out, W_out), D_out = (D − 1)s − 2p + d(kd − 1) + output_padding + 1
    (likewise H_out, W_out)."""
    input, unbatched = _batched(input, "conv_transpose3d")
    _check_operands("conv_transpose3d", input, weight, bias, groups, 3, transposed=True)
    stride, dilation = ints(stride, 3, "stride"), ints(dilation, 3, "dilation")
    padding = ints(padding, 3, "padding")
    output_padding = ints(output_padding, 3, "output_padding")
    _check_output_padding("conv_transpose3d", output_padding, stride, dilation)
    n, channels, depth, height, width = input.shape
    kernel = tuple(weight.shape[2:])
    full_depth = (depth - 1) * stride[0] + dilation[0] * (kernel[0] - 1) + 1 + output_padding[0]
    out_depth = full_depth - 2 * padding[0]
    if out_depth <= 0:
        raise ShapeError(f"conv_transpose3d: padding {list(padding)} leaves no output depth for "
                         f"an input of shape {list(input.shape)}")
    planes = input.permute(0, 2, 1, 3, 4).reshape(n * depth, channels, height, width)
    spread = (depth - 1) * stride[0] + 1  # input depths stride apart
    output = None
    for k in range(kernel[0]):
        term = conv_transpose2d(planes, weight[:, :, k], None, stride[1:], padding[1:],
                                output_padding[1:], groups, dilation[1:])
        term = term.reshape(n, depth, *term.shape[1:])
        if stride[0] > 1:  # zeros between the input depths
            zeros = Tensor._make(np.zeros(term.shape, term.dtype))
            term = ops.stack([term] + [zeros] * (stride[0] - 1), 2)
            term = term.reshape(n, depth * stride[0], *term.shape[3:])[:, :spread]
        before = k * dilation[0]
        term = ops.pad(term, (0, 0, 0, 0, 0, 0, before, full_depth - before - spread))
        output = term if output is None else output + term
    output = output[:, padding[0] : padding[0] + out_depth].permute(0, 2, 1, 3, 4)
    if bias is not None:
        output = output + bias.reshape(1, -1, 1, 1, 1)
    return output.squeeze(0) if unbatched else output
