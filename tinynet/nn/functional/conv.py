"""Convolutions with PyTorch's names, arguments and defaults: conv1d, conv2d, conv_transpose1d,
conv_transpose2d, and unfold/fold (im2col as a function). Layout NCL / NCHW; an unbatched input
(C, L) or (C, H, W) is accepted as in PyTorch.

Each function checks its arguments (ValueError naming the shapes for a bad geometry, channels
that do not divide into groups, a weight or bias of the wrong shape, an input of the wrong number
of dims), then calls one Function of tinynet.ops.conv. The 1-D functions are the 2-D ones on
height-1 planes: (n, C, L) is viewed as (n, C, 1, L) and the kernel as (1, k).
"""

from __future__ import annotations

import numbers

from tinynet.ops import conv as conv_ops
from tinynet.tensor import Tensor
from tinynet.errors import ShapeError

_SPATIAL = {1: "L", 2: "H, W"}


def ints(value, count: int, name: str) -> tuple[int, ...]:
    """An int, or a sequence of `count` ints, as a tuple of `count` ints (PyTorch's _single,
    _pair): the one parser of size arguments for the conv and pooling functions and layers.
    Raises ValueError naming the argument otherwise."""
    try:
        values = (value,) * count if isinstance(value, numbers.Integral) else tuple(value)
    except TypeError:  # neither an int nor a sequence
        values = ()
    if len(values) != count or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool)
                                       for v in values):
        raise ValueError(f"{name} must be an int or a tuple of {count} ints, got {value!r}")
    return tuple(int(v) for v in values)


def batched(input: Tensor, dims: int, name: str) -> tuple[Tensor, bool]:
    """(input with a batch dim, whether one was added): (C, *spatial) -> (1, C, *spatial)."""
    if input.ndim == dims + 2:
        return input, False
    if input.ndim == dims + 1:
        return input.unsqueeze(0), True
    raise ShapeError(f"{name}: expected a {dims + 1}-D (C, {_SPATIAL[dims]}) or {dims + 2}-D "
                     f"(N, C, {_SPATIAL[dims]}) input, got shape {list(input.shape)}")


def _check_operands(name, input, weight, bias, groups, dims, transposed) -> None:
    """Shapes and dtypes of a convolution's operands; input is batched."""
    if not isinstance(weight, Tensor) or weight.ndim != dims + 2:
        raise ShapeError(f"{name}: weight must be a {dims + 2}-D tensor, got shape "
                         f"{list(getattr(weight, 'shape', ()))}")
    if not isinstance(groups, int) or groups < 1:
        raise ShapeError(f"{name}: groups must be a positive int, got {groups!r}")
    described = f"input of shape {list(input.shape)} and weight of shape {list(weight.shape)}"
    if transposed:  # weight (C_in, C_out / groups, *kernel)
        in_channels, out_channels = weight.shape[0], weight.shape[1] * groups
        if input.shape[1] != in_channels:
            raise ShapeError(f"{name}: {described}: the input has {input.shape[1]} channels, "
                             f"the weight expects {in_channels} (weight.shape[0])")
        if in_channels % groups:
            raise ShapeError(f"{name}: {described}: {in_channels} input channels are not "
                             f"divisible by groups={groups}")
    else:  # weight (C_out, C_in / groups, *kernel)
        in_channels, out_channels = weight.shape[1] * groups, weight.shape[0]
        if input.shape[1] != in_channels:
            raise ShapeError(f"{name}: {described}: the input has {input.shape[1]} channels, "
                             f"the weight with groups={groups} expects {in_channels} "
                             "(weight.shape[1] * groups)")
        if out_channels % groups:
            raise ShapeError(f"{name}: {described}: {out_channels} output channels are not "
                             f"divisible by groups={groups}")
    if bias is not None and (not isinstance(bias, Tensor) or bias.shape != (out_channels,)):
        raise ShapeError(f"{name}: bias of shape {list(getattr(bias, 'shape', ()))} does not fit "
                         f"{out_channels} output channels ({described})")
    for operand, role in ((weight, "weight"), (bias, "bias")):
        if operand is not None and operand.dtype != input.dtype:
            raise TypeError(f"{name}: input dtype {input.dtype} differs from {role} dtype "
                            f"{operand.dtype}; convert one of them (e.g. model.double())")
    if input.dtype.kind != "f":
        raise TypeError(f"{name}: expected a floating point input, got {input.dtype}")


def _geometry(name, build, input, weight, *arguments):
    try:
        return build(*arguments)
    except ValueError as error:
        raise ShapeError(f"{name}: input of shape {list(input.shape)} and weight of shape "
                         f"{list(weight.shape)}: {error}") from None


def _padding_2d(padding, name):
    return padding if isinstance(padding, str) else ints(padding, 2, name)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """y[n, o] = b[o] + Σ_c w[o, c] ⋆ x[n, c] (cross-correlation over the input channels of o's
    group).   Shapes: input (N, C_in, H, W), weight (C_out, C_in/groups, kh, kw), bias (C_out,)
    -> (N, C_out, H_out, W_out), H_out = ⌊(H + 2p − d(kh − 1) − 1) / s⌋ + 1.
    padding: an int, a pair, "valid" (0) or "same" (output size = input size; stride 1)."""
    input, unbatched = batched(input, 2, "conv2d")
    _check_operands("conv2d", input, weight, bias, groups, 2, transposed=False)
    g = _geometry("conv2d", conv_ops.conv_geometry, input, weight, input.shape,
                  weight.shape[2:], ints(stride, 2, "stride"), _padding_2d(padding, "padding"),
                  ints(dilation, 2, "dilation"))
    output = conv_ops.Conv2d.apply(input, weight, bias, geometry=g, groups=groups)
    return output.squeeze(0) if unbatched else output


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """y[n, o] = b[o] + Σ_c w[o, c] ⋆ x[n, c].   Shapes: input (N, C_in, L), weight
    (C_out, C_in/groups, k), bias (C_out,) -> (N, C_out, L_out),
    L_out = ⌊(L + 2p − d(k − 1) − 1) / s⌋ + 1; padding also "valid" or "same"."""
    input, unbatched = batched(input, 1, "conv1d")
    _check_operands("conv1d", input, weight, bias, groups, 1, transposed=False)
    (stride,), (dilation,) = ints(stride, 1, "stride"), ints(dilation, 1, "dilation")
    if not isinstance(padding, str):
        (padding,) = ints(padding, 1, "padding")
        padding = ((0, 0), (padding, padding))
    n, channels, length = input.shape
    g = _geometry("conv1d", conv_ops.conv_geometry, input, weight, (1, length),
                  (1, weight.shape[2]), (1, stride), padding, (1, dilation))
    planes = input.reshape(n, channels, 1, length)
    kernel = weight.reshape(weight.shape[0], weight.shape[1], 1, weight.shape[2])
    output = conv_ops.Conv2d.apply(planes, kernel, bias, geometry=g, groups=groups)
    output = output.reshape(n, weight.shape[0], g.out_w)
    return output.squeeze(0) if unbatched else output


def _check_output_padding(name, output_padding, stride, dilation) -> None:
    for extra, step, spacing in zip(output_padding, stride, dilation):
        if extra < 0 or extra >= max(step, spacing):
            raise ValueError(f"{name}: output_padding {output_padding} must be nonnegative and "
                             f"smaller than either stride {stride} or dilation {dilation}")


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """The adjoint of conv2d with the same arguments: each input value spreads, weighted by the
    kernel, over the window it would have come from (also called a fractionally strided conv).
    Shapes: input (N, C_in, H, W), weight (C_in, C_out/groups, kh, kw), bias (C_out,)
    -> (N, C_out, H_out, W_out), H_out = (H − 1)s − 2p + d(kh − 1) + output_padding + 1."""
    input, unbatched = batched(input, 2, "conv_transpose2d")
    _check_operands("conv_transpose2d", input, weight, bias, groups, 2, transposed=True)
    stride, dilation = ints(stride, 2, "stride"), ints(dilation, 2, "dilation")
    output_padding = ints(output_padding, 2, "output_padding")
    _check_output_padding("conv_transpose2d", output_padding, stride, dilation)
    g = _geometry("conv_transpose2d", conv_ops.transposed_geometry, input, weight,
                  input.shape[2:], weight.shape[2:], stride, ints(padding, 2, "padding"),
                  output_padding, dilation)
    output = conv_ops.ConvTranspose2d.apply(input, weight, bias, geometry=g, groups=groups)
    return output.squeeze(0) if unbatched else output


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """The adjoint of conv1d with the same arguments.   Shapes: input (N, C_in, L), weight
    (C_in, C_out/groups, k), bias (C_out,) -> (N, C_out, L_out),
    L_out = (L − 1)s − 2p + d(k − 1) + output_padding + 1."""
    input, unbatched = batched(input, 1, "conv_transpose1d")
    _check_operands("conv_transpose1d", input, weight, bias, groups, 1, transposed=True)
    (stride,), (dilation,) = ints(stride, 1, "stride"), ints(dilation, 1, "dilation")
    (padding,), (extra,) = ints(padding, 1, "padding"), ints(output_padding, 1, "output_padding")
    _check_output_padding("conv_transpose1d", (extra,), (stride,), (dilation,))
    n, channels, length = input.shape
    g = _geometry("conv_transpose1d", conv_ops.transposed_geometry, input, weight, (1, length),
                  (1, weight.shape[2]), (1, stride), (0, padding), (0, extra), (1, dilation))
    planes = input.reshape(n, channels, 1, length)
    kernel = weight.reshape(weight.shape[0], weight.shape[1], 1, weight.shape[2])
    output = conv_ops.ConvTranspose2d.apply(planes, kernel, bias, geometry=g, groups=groups)
    output = output.reshape(n, weight.shape[1] * groups, g.in_w)
    return output.squeeze(0) if unbatched else output


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Every sliding window as a column (im2col): out[n, (c, i, j), l] is x[n, c] under kernel
    offset (i, j) of window l (row-major), 0 in the padding.
    Shapes: (N, C, H, W) -> (N, C·kh·kw, L), L = H_out·W_out as for conv2d."""
    input, unbatched = batched(input, 2, "unfold")
    try:
        g = conv_ops.conv_geometry(input.shape, ints(kernel_size, 2, "kernel_size"),
                                   ints(stride, 2, "stride"), ints(padding, 2, "padding"),
                                   ints(dilation, 2, "dilation"))
    except ValueError as error:
        raise ShapeError(f"unfold: input of shape {list(input.shape)}: {error}") from None
    output = conv_ops.Unfold.apply(input, geometry=g)
    return output.squeeze(0) if unbatched else output


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """The adjoint of unfold: sums every column back onto its window of an output_size image
    (overlapping windows add up; F.fold).
    Shapes: (N, C·kh·kw, L) -> (N, C, *output_size), L the number of windows."""
    if input.ndim not in (2, 3):
        raise ShapeError(f"fold: expected a 2-D (C·kh·kw, L) or 3-D (N, C·kh·kw, L) input, got "
                         f"shape {list(input.shape)}")
    unbatched = input.ndim == 2
    if unbatched:
        input = input.unsqueeze(0)
    kernel = ints(kernel_size, 2, "kernel_size")
    window = kernel[0] * kernel[1]
    if input.shape[1] % window:
        raise ShapeError(f"fold: input of shape {list(input.shape)}: dim 1 must be divisible by "
                         f"the kernel's {window} elements (kernel_size {kernel})")
    image_shape = (input.shape[0], input.shape[1] // window) + ints(output_size, 2, "output_size")
    try:
        g = conv_ops.conv_geometry(image_shape, kernel, ints(stride, 2, "stride"),
                                   ints(padding, 2, "padding"), ints(dilation, 2, "dilation"))
    except ValueError as error:
        raise ShapeError(f"fold: output_size {tuple(image_shape[2:])}: {error}") from None
    if input.shape[2] != g.out_h * g.out_w:
        raise ShapeError(f"fold: input of shape {list(input.shape)} has {input.shape[2]} columns, "
                         f"but output_size {image_shape[2:]} with kernel_size {kernel} has "
                         f"{g.out_h} x {g.out_w} = {g.out_h * g.out_w} windows")
    output = conv_ops.Fold.apply(input, geometry=g)
    return output.squeeze(0) if unbatched else output
