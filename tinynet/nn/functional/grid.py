"""Spatial transformers (Jaderberg et al. 2015): affine_grid makes a sampling grid from affine
matrices, grid_sample reads an input at the grid's points (bilinear, nearest or bicubic). Both are compositions of
differentiable ops, so gradients reach the input, the grid and through it the matrices.

Grid coordinates are normalized: −1 and 1 are the centres of the corner pixels with
``align_corners=True``, and the outer edges of the corner pixels otherwise (None means False,
as in PyTorch, which also warns about it; tinynet does not).
"""

from __future__ import annotations

import itertools

import numpy as np

from tinynet import ops
from tinynet.nn.functional.sampling import CUBIC_A, _cubic_weights
from tinynet.tensor import Tensor
from tinynet.errors import ShapeError

_PADDING_MODES = ("zeros", "border", "reflection")


def _base_coordinates(steps: int, align_corners: bool) -> np.ndarray:
    """The normalized coordinates of ``steps`` pixel centres along one dim."""
    if steps <= 1:
        return np.zeros(max(steps, 0))
    values = np.linspace(-1.0, 1.0, steps)
    return values if align_corners else values * (steps - 1) / steps


def affine_grid(theta: Tensor, size, align_corners: bool | None = None) -> Tensor:
    """grid[n, h, w] = θ_n · (x_w, y_h, 1) with (x_w, y_h) the normalized coordinates of pixel
    (h, w) of an output of ``size`` (N, C, H, W); likewise (x, y, z, 1) for (N, C, D, H, W).
    Shapes: θ (N, 2, 3) -> grid (N, H, W, 2); θ (N, 3, 4) -> grid (N, D, H, W, 3)."""
    size = tuple(int(s) for s in size)
    if len(size) not in (4, 5):
        raise ShapeError(f"affine_grid: size must be (N, C, H, W) or (N, C, D, H, W), got "
                         f"{list(size)}")
    dims = len(size) - 2
    if theta.dtype.kind != "f":
        raise TypeError(f"affine_grid: expected a floating point theta, got {theta.dtype}")
    if theta.shape != (size[0], dims, dims + 1):
        raise ShapeError(f"affine_grid: expected a batch of {dims}-D affine matrices of shape "
                         f"({size[0]}, {dims}, {dims + 1}) for size {list(size)}, got "
                         f"{list(theta.shape)}")
    spatial = size[2:]
    axes = [_base_coordinates(s, bool(align_corners)) for s in spatial]
    mesh = np.meshgrid(*axes, indexing="ij")  # one array per dim, in (D,) H, W order
    # homogeneous coordinates (x, y[, z], 1): x runs along the last dim
    base = np.stack(list(reversed(mesh)) + [np.ones(spatial)], axis=-1).reshape(-1, dims + 1)
    base = Tensor._make(base.astype(theta.dtype))
    grid = ops.matmul(base, theta.transpose(1, 2))  # (N, points, dims)
    return grid.reshape((size[0],) + spatial + (dims,))


def _unnormalize(coordinate: Tensor, size: int, align_corners: bool) -> Tensor:
    if align_corners:
        return (coordinate + 1.0) * ((size - 1) / 2)
    return ((coordinate + 1.0) * size - 1.0) / 2


def _reflect(x: Tensor, twice_low: float, twice_high: float) -> Tensor:
    """x reflected into [low, high] over and over (PyTorch's reflect_coordinates)."""
    if twice_low == twice_high:
        return x * 0.0
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    distance = ops.abs(x - low)
    flips = np.floor(distance._data / span)
    extra = distance - flips * span
    return ops.where(flips % 2 == 0, extra + low, span - extra + low)


def _source(coordinate: Tensor, size: int, padding_mode: str, align_corners: bool) -> Tensor:
    """The pixel-space source coordinate along one dim, after border or reflection padding."""
    x = _unnormalize(coordinate, size, align_corners)
    if padding_mode == "reflection":
        x = (_reflect(x, 0.0, 2.0 * (size - 1)) if align_corners
             else _reflect(x, -1.0, 2.0 * size - 1))
    if padding_mode in ("border", "reflection"):
        x = ops.clamp(x, 0.0, size - 1.0)
    return x


def _bounded(taps: np.ndarray, size: int, padding_mode: str, align_corners: bool) -> np.ndarray:
    """Integer tap positions after border or reflection padding (PyTorch's get_value_bounded:
    reflected and clipped as real numbers, then truncated)."""
    x = taps.astype(np.float64)
    if padding_mode == "reflection":
        x = _reflect(Tensor._make(x), 0.0, 2.0 * (size - 1))._data if align_corners else \
            _reflect(Tensor._make(x), -1.0, 2.0 * size - 1)._data
    if padding_mode in ("border", "reflection"):
        x = np.clip(x, 0, size - 1)
    return np.trunc(x).astype(np.int64)


def _read(flat: Tensor, spatial, corners, channels: int) -> tuple[Tensor, np.ndarray]:
    """Values of flat (N, C, prod(spatial)) at integer positions ``corners`` (one (N, P) array
    per dim, in (D,) H, W order): (N, C, P), and the mask of positions inside the input."""
    inside = np.logical_and.reduce([(c >= 0) & (c < s) for c, s in zip(corners, spatial)])
    clipped = tuple(np.clip(c, 0, s - 1) for c, s in zip(corners, spatial))
    positions = np.ravel_multi_index(clipped, spatial)  # (N, P)
    index = np.broadcast_to(positions[:, None, :], (flat.shape[0], channels,
                                                    positions.shape[1])).copy()
    return ops.gather(flat, 2, Tensor._make(index)), inside


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear",
                padding_mode: str = "zeros", align_corners: bool | None = None) -> Tensor:
    """out[n, :, h, w] = input[n] read at the point grid[n, h, w] = (x, y) in normalized
    coordinates (x along W, y along H; (x, y, z) for a 5-D input), by bilinear (trilinear)
    interpolation of the neighbouring pixels or the nearest pixel (halves to even).
    ``padding_mode``: points outside read zeros, the border pixels, or the input reflected at
    its border. Gradients reach the input and (bilinear) the grid.
    Mode "bicubic" (4-D input only): cubic convolution (a = −0.75) of the 4×4 pixels around
    the point, the taps outside padded by ``padding_mode``.
    Shapes: input (N, C, H, W), grid (N, H_out, W_out, 2) -> (N, C, H_out, W_out); input
    (N, C, D, H, W), grid (N, D_out, H_out, W_out, 3) -> (N, C, D_out, H_out, W_out)."""
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"grid_sample: mode must be 'bilinear', 'nearest' or 'bicubic', got "
                         f"{mode!r}")
    if padding_mode not in _PADDING_MODES:
        raise ShapeError(f"grid_sample: padding_mode must be 'zeros', 'border' or "
                         f"'reflection', got {padding_mode!r}")
    if input.ndim not in (4, 5):
        raise ShapeError(f"grid_sample: expected a 4-D (N, C, H, W) or 5-D (N, C, D, H, W) "
                         f"input, got shape {list(input.shape)}")
    dims = input.ndim - 2
    if mode == "bicubic" and dims != 2:
        raise ShapeError("grid_sample: bicubic interpolation only supports a 4-D input, got "
                         f"shape {list(input.shape)}")
    if grid.ndim != input.ndim or grid.shape[-1] != dims or grid.shape[0] != input.shape[0]:
        raise ShapeError(f"grid_sample: for an input of shape {list(input.shape)} the grid "
                         f"must be (N = {input.shape[0]}, *out_spatial, {dims}) with "
                         f"{dims} out_spatial dims, got {list(grid.shape)}")
    if input.dtype.kind != "f" or grid.dtype != input.dtype:
        raise TypeError(f"grid_sample: input and grid must have the same floating point dtype, "
                        f"got {input.dtype} and {grid.dtype}")
    n, channels = input.shape[:2]
    spatial = input.shape[2:]
    out_spatial = grid.shape[1:-1]
    points = grid.reshape(n, -1, dims)
    # source coordinates in (D,) H, W order: the grid's last entry (x) runs along W
    sources = [_source(points[:, :, dims - 1 - axis], spatial[axis], padding_mode,
                       bool(align_corners)) for axis in range(dims)]
    flat = input.reshape(n, channels, -1)
    if mode == "bicubic":
        output = _bicubic(flat, points, spatial, padding_mode, bool(align_corners))
    elif mode == "nearest":
        corners = [np.rint(s._data).astype(np.int64) for s in sources]
        values, inside = _read(flat, spatial, corners, channels)
        output = values * inside[:, None, :].astype(input.dtype)
    else:
        lows = [np.floor(s._data).astype(np.int64) for s in sources]
        fractions = [s - low.astype(input.dtype) for s, low in zip(sources, lows)]
        output = None
        for offsets in itertools.product((0, 1), repeat=dims):
            corners = [low + o for low, o in zip(lows, offsets)]
            values, inside = _read(flat, spatial, corners, channels)
            weight = Tensor._make(inside.astype(input.dtype))
            for fraction, o in zip(fractions, offsets):
                weight = weight * (fraction if o else 1.0 - fraction)
            term = values * weight.unsqueeze(1)
            output = term if output is None else output + term
    return output.reshape((n, channels) + tuple(out_spatial))


def _bicubic(flat: Tensor, points: Tensor, spatial, padding_mode: str,
             align_corners: bool) -> Tensor:
    """Σ over the 4×4 taps around each point of w_y · w_x · input[tap], with Keys' cubic
    weights of the point's fractional position (unpadded coordinates, as PyTorch does)."""
    channels = flat.shape[1]
    height, width = spatial
    x = _unnormalize(points[:, :, 0], width, align_corners)
    y = _unnormalize(points[:, :, 1], height, align_corners)
    x_low, y_low = np.floor(x._data).astype(np.int64), np.floor(y._data).astype(np.int64)
    weights_x = _cubic_weights(x - x_low.astype(flat.dtype), CUBIC_A)
    weights_y = _cubic_weights(y - y_low.astype(flat.dtype), CUBIC_A)
    output = None
    for i, weight_y in zip(range(-1, 3), weights_y):
        rows = _bounded(y_low + i, height, padding_mode, align_corners)
        for j, weight_x in zip(range(-1, 3), weights_x):
            columns = _bounded(x_low + j, width, padding_mode, align_corners)
            values, inside = _read(flat, spatial, [rows, columns], channels)
            weight = weight_y * weight_x * Tensor._make(inside.astype(flat.dtype))
            term = values * weight.unsqueeze(1)
            output = term if output is None else output + term
    return output
