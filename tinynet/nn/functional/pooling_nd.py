"""Pooling over 1, 2 or 3 spatial dims written once for all three, as compositions of
differentiable ops: max_pool3d, avg_pool3d, lp_pool1d/2d/3d, max_unpool1d/3d, the *_with_indices
forms. (max_pool1d/2d and avg_pool1d/2d have Numba kernels in tinynet.ops.pool: they are the
hot ones; these are not.)

The windows are index arrays: for output position o and window offset k, ``positions[o, k]`` is
the flat position in the (padded) spatial volume of the element that window o reads at k.

- max pooling picks, in NumPy, the position of each window's maximum (the first one; a NaN wins,
  as in PyTorch) and gathers the input there: its gradient goes to the chosen element (gather's
  backward, a scatter-add, itself differentiable);
- average pooling reads the zero-padded input at all positions (a differentiable getitem) and
  divides the window sums by each window's divisor.
"""

from __future__ import annotations

import math

import numpy as np

from tinynet import ops
from tinynet.nn.functional.conv import ints
from tinynet.ops import pool as pool_ops
from tinynet.tensor import Tensor
from tinynet.errors import ShapeError


def _check_floating(name: str, input: Tensor) -> None:
    if input.dtype.kind != "f":
        raise TypeError(f"{name}: expected a floating point input, got {input.dtype}")


_SPATIAL = {1: "L", 2: "H, W", 3: "D, H, W"}


def batched(input: Tensor, dims: int, name: str) -> tuple[Tensor, bool]:
    """(input with a batch dim, whether one was added): (C, *spatial) -> (1, C, *spatial)."""
    if input.ndim == dims + 2:
        return input, False
    if input.ndim == dims + 1:
        return input.unsqueeze(0), True
    raise ShapeError(f"{name}: expected a {dims + 1}-D (C, {_SPATIAL[dims]}) or {dims + 2}-D "
                     f"(N, C, {_SPATIAL[dims]}) input, got shape {list(input.shape)}")


class Windows:
    """The pooling windows over spatial sizes ``sizes``: ``out`` (output sizes), ``pad``
    ((before, after) per dim: after may exceed the padding by a ceil_mode overhang),
    ``positions`` (prod(out), prod(kernel)) flat positions in the padded volume, ``inside``
    (bool, same shape: the position is an input element, not padding)."""

    def __init__(self, name, sizes, kernel, stride, padding, dilation, ceil_mode):
        dims = len(sizes)
        kernel = ints(kernel, dims, "kernel_size")
        stride = kernel if stride is None or stride == () or stride == [] else ints(
            stride, dims, "stride")
        padding, dilation = ints(padding, dims, "padding"), ints(dilation, dims, "dilation")
        if min(kernel) < 1 or min(stride) < 1 or min(dilation) < 1 or min(padding) < 0:
            raise ShapeError(f"{name}: kernel_size {kernel}, stride {stride} and dilation "
                             f"{dilation} must be positive and padding {padding} non-negative")
        if any(2 * p > k for p, k in zip(padding, kernel)):
            raise ShapeError(f"{name}: padding {padding} should be at most half of the kernel "
                             f"size {kernel}")
        self.out, self.pad, axes, inside_axes = [], [], [], []
        for size, k, s, p, d in zip(sizes, kernel, stride, padding, dilation):
            span = size + 2 * p - d * (k - 1) - 1
            out = (-(-span // s) if ceil_mode else span // s) + 1
            if ceil_mode and (out - 1) * s >= size + p:  # the last window must start inside
                out -= 1
            if out < 1:
                raise ShapeError(f"{name}: the window (kernel {kernel}, dilation {dilation}) is "
                                 f"larger than the padded input of spatial size {tuple(sizes)}")
            reach = (out - 1) * s + d * (k - 1) + 1
            self.out.append(out)
            self.pad.append((p, max(p, reach - size - p)))
            position = np.arange(out)[:, None] * s + np.arange(k)[None, :] * d
            axes.append(position)
            inside_axes.append((position >= p) & (position < p + size))
        self.out, self.kernel = tuple(self.out), kernel
        padded = tuple(size + before + after for size, (before, after) in zip(sizes, self.pad))
        self.padded, self.sizes = padded, tuple(sizes)
        self.positions = self._combine(axes, np.ravel_multi_index, padded)
        self.inside = self._combine(inside_axes, None, None)
        # number of window elements within the input plus its declared padding, per output
        self.padded_count = np.prod(np.stack(np.meshgrid(*[
            (a < p + size + p).sum(1) for a, size, p in zip(axes, sizes, padding)],
            indexing="ij")), axis=0).reshape(-1)

    @staticmethod
    def _combine(per_axis, ravel, shape):
        """(prod(out), prod(kernel)) from one (out_d, k_d) array per dim: flat positions when
        ``ravel``, else the logical and of the per-dim flags."""
        dims = len(per_axis)
        grids = []
        for axis, values in enumerate(per_axis):
            view = [1] * (2 * dims)
            view[axis], view[dims + axis] = values.shape
            grids.append(values.reshape(view))
        if ravel is None:
            combined = np.logical_and.reduce(np.broadcast_arrays(*grids))
        else:
            combined = ravel(tuple(np.broadcast_arrays(*grids)), shape)
        out = int(np.prod([v.shape[0] for v in per_axis]))
        return combined.reshape(out, -1)

    def unpadded(self, padded_positions: np.ndarray) -> np.ndarray:
        """Flat positions in the padded volume -> flat positions in the input volume."""
        coordinates = np.unravel_index(padded_positions, self.padded)
        coordinates = tuple(c - before for c, (before, _) in zip(coordinates, self.pad))
        return np.ravel_multi_index(coordinates, self.sizes)


def _spatial(input: Tensor, dims: int):
    return input.shape[2:2 + dims]


def max_pool_nd(name, dims, input, kernel_size, stride, padding, dilation, ceil_mode,
                return_indices):
    """Max pooling over ``dims`` spatial dims (see the module docstring)."""
    _check_floating(name, input)
    input, unbatched = batched(input, dims, name)
    w = Windows(name, _spatial(input, dims), kernel_size, stride, padding, dilation, ceil_mode)
    n, c = input.shape[:2]
    padded = np.pad(input._data.reshape((n, c) + w.sizes),
                    ((0, 0), (0, 0)) + tuple(w.pad), constant_values=-np.inf)
    windows = padded.reshape(n, c, -1)[:, :, w.positions]  # (n, c, out, kernel)
    windows = np.where(w.inside, windows, -np.inf)
    nan = np.isnan(windows)
    choice = np.where(nan.any(-1), nan.argmax(-1), windows.argmax(-1))
    indices = w.unpadded(np.take_along_axis(
        np.broadcast_to(w.positions, windows.shape), choice[..., None], -1)[..., 0])
    flat = input.reshape(n, c, -1)
    output = ops.gather(flat, 2, Tensor._make(indices.astype(np.int64))).reshape(
        (n, c) + w.out)
    indices = Tensor._make(indices.reshape((n, c) + w.out).astype(np.int64))
    if unbatched:
        output, indices = output.squeeze(0), indices.squeeze(0)
    return (output, indices) if return_indices else output


def avg_pool_nd(name, dims, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                divisor_override):
    """Average pooling over ``dims`` spatial dims: each window's sum over the input and its zero
    padding, divided by divisor_override, or the number of its elements within the input and
    padding (count_include_pad), or within the input only."""
    _check_floating(name, input)
    if divisor_override is not None and (not isinstance(divisor_override, int)
                                         or divisor_override == 0):
        raise ShapeError(f"{name}: divisor_override must be a nonzero int, got "
                         f"{divisor_override!r}")
    input, unbatched = batched(input, dims, name)
    w = Windows(name, _spatial(input, dims), kernel_size, stride, padding, 1, ceil_mode)
    n, c = input.shape[:2]
    widths = [width for pair in reversed(w.pad) for width in pair]
    padded = ops.pad(input, widths).reshape(n, c, -1)
    sums = ops.getitem(padded, (slice(None), slice(None), w.positions)).sum(-1)
    if divisor_override is not None:
        divisor = np.full(w.positions.shape[0], float(divisor_override))
    elif count_include_pad:
        divisor = w.padded_count.astype(np.float64)
    else:
        divisor = w.inside.sum(1).astype(np.float64)
    output = (sums / divisor.astype(input.dtype)).reshape((n, c) + w.out)
    return output.squeeze(0) if unbatched else output


def max_pool3d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """y[n, c, d, h, w] = max of x[n, c] over window (d, h, w); with return_indices also the
    flat positions (in D·H·W) of the maxima. Shapes: (N, C, D, H, W) or (C, D, H, W), sizes as
    for max_pool2d per dim."""
    return max_pool_nd("max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode,
                       return_indices)


def max_pool1d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = False):
    """(max_pool1d, the positions of the maxima), whatever ``return_indices`` says (as in
    PyTorch)."""
    from tinynet.nn.functional.pooling import max_pool1d
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = False):
    """(max_pool2d, the flat positions of the maxima in each plane)."""
    from tinynet.nn.functional.pooling import max_pool2d
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = False):
    """(max_pool3d, the flat positions of the maxima in each volume)."""
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def avg_pool3d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """y[n, c, d, h, w] = mean of x[n, c] over window (d, h, w) (the divisor as for
    avg_pool2d). Shapes: (N, C, D, H, W) or (C, D, H, W)."""
    return avg_pool_nd("avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode,
                       count_include_pad, divisor_override)


def _lp_pool(name, dims, input, norm_type, kernel_size, stride, ceil_mode):
    """(Σ over each window of x^p)^(1/p), computed as PyTorch does: the window mean of x^p times
    the kernel's size, to the power 1/p (p = ∞ is max pooling in the limit; PyTorch refuses it
    here too, as NaN-producing)."""
    if norm_type == 0 or math.isinf(norm_type):
        raise ShapeError(f"{name}: norm_type must be finite and nonzero, got {norm_type}")
    kernel = ints(kernel_size, dims, "kernel_size")
    means = avg_pool_nd(name, dims, input ** norm_type, kernel, stride, 0, ceil_mode, True, None)
    return (means * float(np.prod(kernel))) ** (1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type: int | float, kernel_size: int, stride=None,
              ceil_mode: bool = False) -> Tensor:
    """y = (Σ_window x^p)^(1/p) over windows of the last dim (p = norm_type; p = 1 is sum
    pooling, large p approaches max pooling). Shapes: (N, C, L) or (C, L)."""
    return _lp_pool("lp_pool1d", 1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input: Tensor, norm_type: int | float, kernel_size, stride=None,
              ceil_mode: bool = False) -> Tensor:
    """y = (Σ_window x^p)^(1/p) over 2-D windows. Shapes: (N, C, H, W) or (C, H, W)."""
    return _lp_pool("lp_pool2d", 2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input: Tensor, norm_type: int | float, kernel_size, stride=None,
              ceil_mode: bool = False) -> Tensor:
    """y = (Σ_window x^p)^(1/p) over 3-D windows. Shapes: (N, C, D, H, W) or (C, D, H, W)."""
    return _lp_pool("lp_pool3d", 3, input, norm_type, kernel_size, stride, ceil_mode)


def max_unpool_nd(name, dims, input, indices, kernel_size, stride, padding, output_size):
    """out[n, c].flat[indices[n, c, ...]] = x[n, c, ...], zeros elsewhere, over ``dims``
    spatial dims (MaxUnpool2d's Function on planes of height 1)."""
    input, unbatched = batched(input, dims, name)
    indices = indices.unsqueeze(0) if unbatched else indices
    if indices.shape != input.shape or indices.dtype.kind not in "iu":
        raise ShapeError(f"{name}: indices must be an integer tensor of the input's shape "
                         f"{list(input.shape)}, got {indices.dtype} of shape "
                         f"{list(indices.shape)}")
    kernel = ints(kernel_size, dims, "kernel_size")
    stride = kernel if stride is None else ints(stride, dims, "stride")
    padding = ints(padding, dims, "padding")
    default = tuple((size - 1) * s - 2 * p + k
                    for size, k, s, p in zip(input.shape[2:], kernel, stride, padding))
    if output_size is None:
        out = default
    else:
        if len(output_size) not in (dims, dims + 2):
            raise ShapeError(f"{name}: output_size must have {dims} or {dims + 2} elements, "
                             f"got {list(output_size)}")
        out = tuple(int(v) for v in output_size)[-dims:]
        for size, usual, s in zip(out, default, stride):
            if not usual - s < size < usual + s:
                raise ShapeError(f"{name}: output_size {out} must be within the stride "
                                 f"{stride} of {default} (input of shape {list(input.shape)})")
    n, c = input.shape[:2]
    planes = input.reshape(n, c, 1, -1)
    try:
        output = pool_ops.MaxUnpool2d.apply(planes, indices=indices._data.reshape(n, c, 1, -1),
                                            output_hw=(1, int(np.prod(out))))
    except ValueError as error:
        raise ShapeError(f"{name}: input of shape {list(input.shape)}: {error}") from None
    output = output.reshape((n, c) + out)
    return output.squeeze(0) if unbatched else output


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    """The partial inverse of max_pool1d: out[n, c, indices[n, c, i]] = x[n, c, i], zeros
    elsewhere. Shapes: (N, C, L) -> (N, C, L_out), L_out = (L − 1)s − 2p + k unless output_size."""
    return max_unpool_nd("max_unpool1d", 1, input, indices, kernel_size, stride, padding,
                         output_size)


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    """The partial inverse of max_pool3d (indices flat in D·H·W).
    Shapes: (N, C, D, H, W) -> (N, C, D_out, H_out, W_out)."""
    return max_unpool_nd("max_unpool3d", 3, input, indices, kernel_size, stride, padding,
                         output_size)
