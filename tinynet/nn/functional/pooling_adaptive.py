"""Adaptive pooling over 1, 2 or 3 spatial dims: the windows are chosen to give a fixed output
size whatever the input size. Output i along a dim of size L pools
[⌊i·L/L_out⌋, ⌈(i+1)·L/L_out⌉), so neighbouring windows may overlap and differ in size.

- average: separable, so one averaging matrix per dim (A[i, r] = 1/|window i| on window i),
  applied by matmul along each dim;
- max: in NumPy, the position of each window's maximum (the first one; a NaN wins), then a
  gather of the input there (its gradient goes to the chosen element, and is differentiable).
"""

from __future__ import annotations

import itertools

import numpy as np

from tinynet import ops
from tinynet.nn.functional.pooling_nd import batched
from tinynet.tensor import Tensor
from tinynet.errors import ShapeError


def _bounds(in_size: int, out_size: int) -> list[tuple[int, int]]:
    return [((i * in_size) // out_size, -((-(i + 1) * in_size) // out_size))
            for i in range(out_size)]


def _output_sizes(name, input, output_size, dims):
    """Checks the input (floating, batched or not) and output_size (an int, or `dims` ints or
    None keeping that size); returns (batched input, whether unbatched, output sizes)."""
    if input.dtype.kind != "f":
        raise TypeError(f"{name}: expected a floating point input, got {input.dtype}")
    input, unbatched = batched(input, dims, name)
    sizes = (output_size,) * dims if isinstance(output_size, int) or output_size is None else \
        tuple(output_size)
    if len(sizes) != dims:
        raise ShapeError(f"{name}: output_size must be an int or {dims} ints, got "
                         f"{output_size!r}")
    in_sizes = input.shape[2:]
    out = tuple(size if o is None else int(o) for o, size in zip(sizes, in_sizes))
    if min(out) < 1 or min(in_sizes) < 1:
        raise ShapeError(f"{name}: output_size {out} must be positive and the input (shape "
                         f"{list(input.shape)}) non-empty")
    return input, unbatched, out


def _averaging_matrix(in_size: int, out_size: int, dtype) -> np.ndarray:
    matrix = np.zeros((out_size, in_size), dtype)
    for i, (start, end) in enumerate(_bounds(in_size, out_size)):
        matrix[i, start:end] = 1 / (end - start)
    return matrix


def _adaptive_avg(name, dims, input, output_size):
    input, unbatched, out = _output_sizes(name, input, output_size, dims)
    for axis, size in enumerate(out):
        dim = 2 + axis
        matrix = Tensor._make(_averaging_matrix(input.shape[dim], size, input.dtype).T.copy())
        input = ops.matmul(input.transpose(dim, -1), matrix).transpose(dim, -1)
    return input.squeeze(0) if unbatched else input


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """y[n, c, i] = mean of x[n, c] over [⌊i·L/L_out⌋, ⌈(i+1)·L/L_out⌉).
    Shapes: (N, C, L) or (C, L) -> (..., L_out)."""
    return _adaptive_avg("adaptive_avg_pool1d", 1, input, output_size)


def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:
    """Adaptive average pooling of the last three dims. Shapes: (N, C, D, H, W) or
    (C, D, H, W) -> (..., D_out, H_out, W_out); None in output_size keeps that size."""
    return _adaptive_avg("adaptive_avg_pool3d", 3, input, output_size)


def _adaptive_max(name, dims, input, output_size, return_indices):
    input, unbatched, out = _output_sizes(name, input, output_size, dims)
    in_sizes = input.shape[2:]
    bounds = [_bounds(size, o) for size, o in zip(in_sizes, out)]
    windows = []  # per output position, the flat input positions of its window
    for ranges in itertools.product(*bounds):
        grid = np.meshgrid(*[np.arange(start, end) for start, end in ranges], indexing="ij")
        windows.append(np.ravel_multi_index(tuple(grid), in_sizes).reshape(-1))
    width = max(len(w) for w in windows)
    # shorter windows repeat their first position: a repeat never changes the first maximum
    positions = np.stack([np.concatenate([w, np.full(width - len(w), w[0])]) for w in windows])
    n, c = input.shape[:2]
    values = input._data.reshape(n, c, -1)[:, :, positions]
    nan = np.isnan(values)
    choice = np.where(nan.any(-1), nan.argmax(-1), values.argmax(-1))
    indices = positions[np.arange(len(windows)), choice].astype(np.int64)
    output = ops.gather(input.reshape(n, c, -1), 2, Tensor._make(indices)).reshape((n, c) + out)
    indices = Tensor._make(indices.reshape((n, c) + out))
    if unbatched:
        output, indices = output.squeeze(0), indices.squeeze(0)
    return (output, indices) if return_indices else output


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """y[n, c, i] = max of x[n, c] over [⌊i·L/L_out⌋, ⌈(i+1)·L/L_out⌉); with return_indices
    also the positions of the maxima. Shapes: (N, C, L) or (C, L) -> (..., L_out)."""
    return _adaptive_max("adaptive_max_pool1d", 1, input, output_size, return_indices)


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """Adaptive max pooling of the last two dims (indices flat in H·W).
    Shapes: (N, C, H, W) or (C, H, W) -> (..., H_out, W_out)."""
    return _adaptive_max("adaptive_max_pool2d", 2, input, output_size, return_indices)


def adaptive_max_pool3d(input: Tensor, output_size, return_indices: bool = False):
    """Adaptive max pooling of the last three dims (indices flat in D·H·W).
    Shapes: (N, C, D, H, W) or (C, D, H, W) -> (..., D_out, H_out, W_out)."""
    return _adaptive_max("adaptive_max_pool3d", 3, input, output_size, return_indices)


def adaptive_max_pool1d_with_indices(input: Tensor, output_size, return_indices: bool = False):
    """(adaptive_max_pool1d, the positions of the maxima), whatever return_indices says."""
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input: Tensor, output_size, return_indices: bool = False):
    """(adaptive_max_pool2d, the flat positions of the maxima), whatever return_indices says."""
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool3d_with_indices(input: Tensor, output_size, return_indices: bool = False):
    """(adaptive_max_pool3d, the flat positions of the maxima), whatever return_indices says."""
    return adaptive_max_pool3d(input, output_size, True)
