"""Fractional max pooling (Graham 2014): max pooling whose windows (of a fixed kernel size)
start at pseudo-random positions, so that the output size need not divide the input size. Per
(sample, channel) plane and per dim, one number u in [0, 1) places the windows: with
α = (in − k) / (out − 1), window i starts at ⌊(i + u)·α⌋ − ⌊u·α⌋ (the last one at in − k), as
in PyTorch. The u come from ``_random_samples`` (N, C, dims), or from the default generator.

The maxima are found in NumPy and gathered from the input, so the gradient goes to the chosen
elements (and is differentiable).
"""

from __future__ import annotations

import numpy as np

from tinynet import ops
from tinynet.nn.functional.conv import ints
from tinynet.nn.functional.pooling_nd import batched
from tinynet.random import numpy_generator
from tinynet.tensor import Tensor
from tinynet.errors import ShapeError


def _starts(samples: np.ndarray, in_size: int, out_size: int, kernel: int) -> np.ndarray:
    """(N, C, out_size) window starts from samples (N, C), PyTorch's generate_intervals."""
    starts = np.empty(samples.shape + (out_size,), np.int64)
    if out_size > 1:
        alpha = (in_size - kernel) / (out_size - 1)
        i = np.arange(out_size - 1)
        starts[..., :-1] = (np.floor((i + samples[..., None]) * alpha)
                            - np.floor(samples[..., None] * alpha))
    starts[..., -1] = in_size - kernel
    return starts


def fractional_max_pool_nd(name, dims, input, kernel_size, output_size, output_ratio,
                           return_indices, _random_samples):
    if input.dtype.kind != "f":
        raise TypeError(f"{name}: expected a floating point input, got {input.dtype}")
    input, unbatched = batched(input, dims, name)
    n, c = input.shape[:2]
    sizes = input.shape[2:]
    kernel = ints(kernel_size, dims, "kernel_size")
    if output_size is None and output_ratio is None:
        raise ShapeError(f"{name} requires specifying either an output_size or an output_ratio")
    if output_size is None:
        ratios = (tuple(float(r) for r in output_ratio) if isinstance(output_ratio, (tuple, list))
                  else (float(output_ratio),) * dims)
        if len(ratios) != dims or not all(0 < r < 1 for r in ratios):
            raise ShapeError(f"{name}: output_ratio must be {dims} numbers between 0 and 1, "
                             f"got {output_ratio!r}")
        output_size = tuple(int(s * r) for s, r in zip(sizes, ratios))
    out = ints(output_size, dims, "output_size")
    # PyTorch's bounds: output + kernel − 1 ≤ input in 2-D, < input in 3-D
    reach = 0 if dims == 2 else 1
    for size, k, o in zip(sizes, kernel, out):
        if o < 1 or k < 1 or o + k - 1 + reach > size:
            relation = "≤" if dims == 2 else "<"
            raise ShapeError(f"{name}: output size {out} with kernel {kernel} does not fit the "
                             f"input of spatial size {tuple(sizes)} (need output + kernel − 1 "
                             f"{relation} input, all positive)")
    if _random_samples is None:
        samples = numpy_generator().random((n, c, dims))
    else:
        samples = np.asarray(getattr(_random_samples, "_data", _random_samples), np.float64)
        if samples.shape != (n, c, dims):
            raise ShapeError(f"{name}: _random_samples must have shape {[n, c, dims]}, got "
                             f"{list(samples.shape)}")
    # PyTorch's sample order: width first for 2-D, depth, height, width for 3-D
    order = [1, 0] if dims == 2 else [0, 1, 2]
    axes = []
    for axis in range(dims):
        starts = _starts(samples[..., order[axis]], sizes[axis], out[axis], kernel[axis])
        axes.append(starts[..., :, None] + np.arange(kernel[axis]))  # (N, C, out, k)
    grids = []
    for axis, values in enumerate(axes):
        view = [n, c] + [1] * (2 * dims)
        view[2 + axis], view[2 + dims + axis] = values.shape[2:]
        grids.append(values.reshape(view))
    positions = np.ravel_multi_index(tuple(np.broadcast_arrays(*grids)), sizes)
    positions = positions.reshape(n, c, int(np.prod(out)), -1)
    values = np.take_along_axis(input._data.reshape(n, c, -1),
                                positions.reshape(n, c, -1), -1).reshape(positions.shape)
    nan = np.isnan(values)
    choice = np.where(nan.any(-1), nan.argmax(-1), values.argmax(-1))
    indices = np.take_along_axis(positions, choice[..., None], -1)[..., 0]
    output = ops.gather(input.reshape(n, c, -1), 2, Tensor._make(indices)).reshape((n, c) + out)
    indices = Tensor._make(indices.reshape((n, c) + out))
    if unbatched:
        output, indices = output.squeeze(0), indices.squeeze(0)
    return (output, indices) if return_indices else output


def fractional_max_pool2d(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                          return_indices: bool = False, _random_samples=None):
    """Fractional max pooling of the last two dims to ``output_size`` (or ⌊in · output_ratio⌋);
    with return_indices also the flat positions (in H·W) of the maxima.
    Shapes: (N, C, H, W) or (C, H, W) -> (..., H_out, W_out)."""
    return fractional_max_pool_nd("fractional_max_pool2d", 2, input, kernel_size, output_size,
                                  output_ratio, return_indices, _random_samples)


def fractional_max_pool3d(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                          return_indices: bool = False, _random_samples=None):
    """Fractional max pooling of the last three dims (indices flat in D·H·W).
    Shapes: (N, C, D, H, W) or (C, D, H, W) -> (..., D_out, H_out, W_out)."""
    return fractional_max_pool_nd("fractional_max_pool3d", 3, input, kernel_size, output_size,
                                  output_ratio, return_indices, _random_samples)


def fractional_max_pool2d_with_indices(input: Tensor, kernel_size, output_size=None,
                                       output_ratio=None, return_indices: bool = False,
                                       _random_samples=None):
    """(fractional_max_pool2d, the positions of the maxima), whatever return_indices says."""
    return fractional_max_pool2d(input, kernel_size, output_size, output_ratio, True,
                                 _random_samples)


def fractional_max_pool3d_with_indices(input: Tensor, kernel_size, output_size=None,
                                       output_ratio=None, return_indices: bool = False,
                                       _random_samples=None):
    """(fractional_max_pool3d, the positions of the maxima), whatever return_indices says."""
    return fractional_max_pool3d(input, kernel_size, output_size, output_ratio, True,
                                 _random_samples)
