"""Pooling with PyTorch's names, arguments and defaults: max_pool1d, max_pool2d, avg_pool1d,
avg_pool2d, max_unpool2d, adaptive_avg_pool2d (interpolate, kept importable from here, is in
``sampling``; the 3-D, LP and adaptive max pools in ``pooling_nd`` and ``pooling_adaptive``).

Each function checks its arguments (ValueError naming the shapes), then calls the Functions of
tinynet.ops.pool; the 1-D ones on height-1 planes, as the 2-D ones with a (1, k) window. An
unbatched input (C, L) or (C, H, W) is accepted as in PyTorch.
"""

from __future__ import annotations

import numpy as np

from tinynet import ops
from tinynet.nn.functional.conv import batched, ints
from tinynet.nn.functional.sampling import interpolate  # noqa: F401 - importable from here too
from tinynet.ops import pool as pool_ops
from tinynet.tensor import Tensor
from tinynet.errors import ShapeError


def _check_floating(name: str, input: Tensor) -> None:
    if input.dtype.kind != "f":
        raise TypeError(f"{name}: expected a floating point input, got {input.dtype}")


def _geometry(name, input, kernel_size, stride, padding, dilation, ceil_mode, dims):
    """The pooling geometry of a batched input, 1-D windows as (1, k) ones."""
    count = dims
    kernel = ints(kernel_size, count, "kernel_size")
    stride = kernel if stride is None or stride == () or stride == [] else ints(
        stride, count, "stride")
    padding, dilation = ints(padding, count, "padding"), ints(dilation, count, "dilation")
    image_shape = input.shape
    if dims == 1:
        kernel, stride, dilation = (1,) + kernel, (1,) + stride, (1,) + dilation
        padding, image_shape = (0,) + padding, input.shape[:2] + (1,) + input.shape[2:]
    try:
        return pool_ops.pool_geometry(image_shape, kernel, stride, padding, dilation, ceil_mode)
    except ValueError as error:
        raise ShapeError(f"{name}: input of shape {list(input.shape)}: {error}") from None


def _max_pool(name, dims, input, kernel_size, stride, padding, dilation, ceil_mode,
              return_indices):
    _check_floating(name, input)
    input, unbatched = batched(input, dims, name)
    g = _geometry(name, input, kernel_size, stride, padding, dilation, ceil_mode, dims)
    planes = input.reshape(input.shape[:2] + (g.in_h, g.in_w))
    results = pool_ops.MaxPool2d.apply(planes, geometry=g, return_indices=return_indices)
    results = results if return_indices else (results,)
    window_shape = input.shape[:2] + ((g.out_w,) if dims == 1 else (g.out_h, g.out_w))
    results = tuple(r.reshape(window_shape[1:] if unbatched else window_shape) for r in results)
    return results if return_indices else results[0]


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """y[n, c, p, q] = max of x[n, c] over window (p, q); with return_indices also the flat
    positions r·W + s of the maxima in each plane (for max_unpool2d). stride defaults to
    kernel_size; padding (at most half the kernel) never wins. Shapes: (N, C, H, W) ->
    (N, C, H_out, W_out), H_out = ⌊(H + 2p − d(k − 1) − 1) / s⌋ + 1 (⌈⌉ with ceil_mode)."""
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """y[n, c, p] = max of x[n, c] over window p; indices are positions in L.
    Shapes: (N, C, L) -> (N, C, L_out), L_out as for max_pool2d."""
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def _avg_pool(name, dims, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override):
    _check_floating(name, input)
    input, unbatched = batched(input, dims, name)
    g = _geometry(name, input, kernel_size, stride, padding, 1, ceil_mode, dims)
    if divisor_override is not None and (not isinstance(divisor_override, int)
                                         or divisor_override == 0):
        raise ShapeError(f"{name}: divisor_override must be a nonzero int, got "
                         f"{divisor_override!r}")
    planes = input.reshape(input.shape[:2] + (g.in_h, g.in_w))
    output = pool_ops.AvgPool2d.apply(planes, geometry=g, count_include_pad=count_include_pad,
                                      divisor_override=divisor_override)
    window_shape = input.shape[:2] + ((g.out_w,) if dims == 1 else (g.out_h, g.out_w))
    return output.reshape(window_shape[1:] if unbatched else window_shape)


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """y[n, c, p, q] = mean of x[n, c] over window (p, q): the window's sum divided by its size
    (padding counted when count_include_pad, never the ceil_mode overhang), or by
    divisor_override. Shapes: (N, C, H, W) -> (N, C, H_out, W_out), as for max_pool2d."""
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """y[n, c, p] = mean of x[n, c] over window p.   Shapes: (N, C, L) -> (N, C, L_out)."""
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, None)


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    """The partial inverse of max_pool2d: out[n, c].flat[indices[n, c, p, q]] = x[n, c, p, q],
    zeros elsewhere. Shapes: input and indices (N, C, H, W) -> (N, C, H_out, W_out),
    H_out = (H − 1)s − 2p + k unless output_size (2 or 4 sizes) says otherwise."""
    input, unbatched = batched(input, 2, "max_unpool2d")
    indices = indices.unsqueeze(0) if unbatched else indices
    if indices.shape != input.shape or indices.dtype.kind not in "iu":
        raise ShapeError(f"max_unpool2d: indices must be an integer tensor of the input's shape "
                         f"{list(input.shape)}, got {indices.dtype} of shape "
                         f"{list(indices.shape)}")
    kernel = ints(kernel_size, 2, "kernel_size")
    stride = kernel if stride is None else ints(stride, 2, "stride")
    padding = ints(padding, 2, "padding")
    default = tuple((size - 1) * s - 2 * p + k
                    for size, k, s, p in zip(input.shape[2:], kernel, stride, padding))
    output_hw = default if output_size is None else tuple(int(v) for v in output_size)[-2:]
    if output_size is not None and len(output_size) not in (2, 4):
        raise ShapeError(f"max_unpool2d: output_size must have 2 or 4 elements, got "
                         f"{list(output_size)}")
    for size, usual, s in zip(output_hw, default, stride):
        if not usual - s < size < usual + s:
            raise ShapeError(f"max_unpool2d: output_size {output_hw} must be within the stride "
                             f"{stride} of {default} (input of shape {list(input.shape)})")
    try:
        output = pool_ops.MaxUnpool2d.apply(input, indices=indices._data, output_hw=output_hw)
    except ValueError as error:
        raise ShapeError(f"max_unpool2d: input of shape {list(input.shape)}: {error}") from None
    return output.squeeze(0) if unbatched else output


def _averaging_matrix(in_size: int, out_size: int, dtype) -> np.ndarray:
    """A[i, r] = 1 / |window i| for r in adaptive window i = [⌊i·in/out⌋, ⌈(i+1)·in/out⌉)."""
    matrix = np.zeros((out_size, in_size), dtype)
    for i in range(out_size):
        start, end = (i * in_size) // out_size, -((-(i + 1) * in_size) // out_size)
        matrix[i, start:end] = 1 / (end - start)
    return matrix


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """y[n, c, i, j] = mean of x[n, c] over rows [⌊i·H/H_out⌋, ⌈(i+1)·H/H_out⌉) and the
    columns likewise. When the output sizes divide the input's this is avg_pool2d with kernel =
    stride = (H/H_out, W/W_out); otherwise the windows differ in size, and the mean over them,
    being separable, is A_h · x · A_wᵀ with the averaging matrices A. Shapes: (N, C, H, W) ->
    (N, C, H_out, W_out); output_size an int, a pair, None in a pair keeping that size."""
    _check_floating("adaptive_avg_pool2d", input)
    input, unbatched = batched(input, 2, "adaptive_avg_pool2d")
    sizes = (output_size, output_size) if isinstance(output_size, int) else tuple(output_size)
    if len(sizes) != 2:
        raise ShapeError(f"adaptive_avg_pool2d: output_size must be an int or a pair, got "
                         f"{output_size!r}")
    in_hw = input.shape[2:]
    out_hw = tuple(size if out is None else int(out) for out, size in zip(sizes, in_hw))
    if min(out_hw) < 1 or min(in_hw) < 1:
        raise ShapeError(f"adaptive_avg_pool2d: output_size {out_hw} must be positive, input "
                         f"shape {list(input.shape)} non-empty")
    if all(size % out == 0 for size, out in zip(in_hw, out_hw)):
        kernel = tuple(size // out for size, out in zip(in_hw, out_hw))
        output = avg_pool2d(input, kernel)
    else:
        rows = Tensor._make(_averaging_matrix(in_hw[0], out_hw[0], input.dtype))
        columns = Tensor._make(_averaging_matrix(in_hw[1], out_hw[1], input.dtype).T.copy())
        output = ops.matmul(ops.matmul(rows, input), columns)
    return output.squeeze(0) if unbatched else output
