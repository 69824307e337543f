"""Resampling with PyTorch's names, arguments and rules: interpolate (modes nearest,
nearest-exact, linear, bilinear, bicubic, trilinear, area; antialias for bilinear and bicubic)
and its deprecated aliases upsample, upsample_nearest, upsample_bilinear.

Every mode is separable: each output element along a dim is a weighted sum of a few input
elements along that dim. The nearest modes pick one element (a differentiable getitem); the
others build, per spatial dim, the (out, in) matrix of weights and apply it by matmul along
that dim, so their gradients (the transposed matrices) and second derivatives come from matmul.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from tinynet import ops
from tinynet.nn.functional.conv import ints
from tinynet.nn.functional.pooling_adaptive import _adaptive_avg
from tinynet.tensor import Tensor
from tinynet.errors import ShapeError

# the spatial rank each interpolating mode needs (the others take 1 to 3 spatial dims)
_MODE_DIMS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}
_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area")
CUBIC_A = -0.75  # the cubic convolution coefficient PyTorch (and OpenCV) use


def _nearest_sources(in_size: int, out_size: int, scale_factor, exact: bool) -> np.ndarray:
    """PyTorch's nearest rules, in float32 as PyTorch computes them: source ⌊dst · scale⌋
    ("nearest") or ⌊(dst + ½) · scale⌋ ("nearest-exact"), clipped to the input; scale =
    1/scale_factor when one is used, else in/out (so a factor of 1.1 on 5 elements gives 5
    elements that are not the input: 0 0 1 2 3, as in PyTorch)."""
    if scale_factor is not None:
        scale = np.float32(1.0 / scale_factor)
    else:
        scale = np.float32(in_size) / np.float32(out_size)
    positions = np.arange(out_size, dtype=np.float32) + (np.float32(0.5) if exact else 0)
    sources = np.floor(positions * scale).astype(np.int64)
    return np.minimum(sources, in_size - 1)


def _scale(in_size, out_size, scale_factor, align_corners) -> float:
    """PyTorch's area_pixel_compute_scale: the input distance between neighbouring outputs."""
    if align_corners:
        return (in_size - 1) / (out_size - 1) if out_size > 1 else 0.0
    if scale_factor is not None and scale_factor > 0:
        return 1.0 / scale_factor
    return in_size / out_size


def _sources(in_size, out_size, scale_factor, align_corners, cubic) -> np.ndarray:
    """The real-valued source position of each output: dst · scale with align_corners, else
    (dst + ½) · scale − ½ (clamped at 0 for the linear modes, not for the cubic one)."""
    scale = _scale(in_size, out_size, scale_factor, align_corners)
    dst = np.arange(out_size, dtype=np.float64)
    if align_corners:
        return dst * scale
    sources = (dst + 0.5) * scale - 0.5
    return sources if cubic else np.maximum(sources, 0.0)


def _linear_matrix(in_size, out_size, scale_factor, align_corners) -> np.ndarray:
    """W[o, i]: (1 − λ) on ⌊s⌋ and λ on ⌊s⌋ + 1 (clipped), s the source of o, λ = s − ⌊s⌋."""
    sources = _sources(in_size, out_size, scale_factor, align_corners, cubic=False)
    low = np.minimum(np.floor(sources).astype(np.int64), in_size - 1)
    high = np.minimum(low + 1, in_size - 1)
    fraction = sources - low
    matrix = np.zeros((out_size, in_size))
    rows = np.arange(out_size)
    np.add.at(matrix, (rows, low), 1.0 - fraction)
    np.add.at(matrix, (rows, high), fraction)
    return matrix


def _cubic_weights(t: np.ndarray, a: float) -> list[np.ndarray]:
    """Keys' cubic convolution weights of the taps at −1, 0, 1, 2 for a fraction t in [0, 1)."""
    def near(x):  # |x| ≤ 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _cubic_matrix(in_size, out_size, scale_factor, align_corners) -> np.ndarray:
    """W[o, i]: the cubic convolution weights of the four inputs around the source of o (taps
    beyond the edges clamped to the edge elements, as PyTorch does)."""
    sources = _sources(in_size, out_size, scale_factor, align_corners, cubic=True)
    floor = np.floor(sources)
    weights = _cubic_weights(sources - floor, CUBIC_A)
    matrix = np.zeros((out_size, in_size))
    rows = np.arange(out_size)
    for offset, weight in zip((-1, 0, 1, 2), weights):
        np.add.at(matrix, (rows, np.clip(floor.astype(np.int64) + offset, 0, in_size - 1)),
                  weight)
    return matrix


def _antialias_matrix(in_size, out_size, scale_factor, align_corners, cubic) -> np.ndarray:
    """PyTorch's antialiased resampling: when shrinking by a factor s > 1 the filter (triangle,
    or cubic with a = −0.5) is stretched by s, so that each output averages all the inputs it
    covers; weights normalized to sum 1 per output."""
    scale = _scale(in_size, out_size, scale_factor, align_corners)
    support = (2.0 if cubic else 1.0) * max(scale, 1.0)
    inverse = 1.0 / scale if scale >= 1.0 else 1.0
    matrix = np.zeros((out_size, in_size))
    for o in range(out_size):
        center = scale * (o + 0.5)
        low = max(int(center - support + 0.5), 0)
        high = min(int(center + support + 0.5), in_size)
        x = np.abs((np.arange(low, high) - center + 0.5) * inverse)
        if cubic:
            a = -0.5
            weights = np.where(x < 1, ((a + 2) * x - (a + 3)) * x * x + 1,
                               np.where(x < 2, ((a * x - 5 * a) * x + 8 * a) * x - 4 * a, 0.0))
        else:
            weights = np.maximum(1.0 - x, 0.0)
        total = weights.sum()
        matrix[o, low:high] = weights / total if total != 0 else weights
    return matrix


def _output_sizes(input, size, scale_factor, recompute_scale_factor):
    """(output sizes, the scale factors the source positions use: None where in/out is used)."""
    in_sizes = input.shape[2:]
    dims = len(in_sizes)
    if (size is None) == (scale_factor is None):
        raise ShapeError("interpolate: give exactly one of size and scale_factor")
    if size is not None:
        return ints(size, dims, "size"), (None,) * dims
    factors = (tuple(float(f) for f in scale_factor) if isinstance(scale_factor, (tuple, list))
               else (float(scale_factor),) * dims)
    if len(factors) != dims or min(factors) <= 0:
        raise ShapeError(f"interpolate: scale_factor {scale_factor!r} must be positive, one "
                         f"per spatial dim of the input of shape {list(input.shape)}")
    out_sizes = tuple(math.floor(s * f) for s, f in zip(in_sizes, factors))
    return out_sizes, (None,) * dims if recompute_scale_factor else factors


def _along(input: Tensor, dim: int, matrix: np.ndarray) -> Tensor:
    """Applies the (out, in) matrix along ``dim``."""
    weights = Tensor._make(matrix.T.astype(input.dtype))
    return ops.matmul(input.transpose(dim, -1), weights).transpose(dim, -1)


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resizes the spatial dims (L; H, W; or D, H, W) to ``size``, or to ⌊in · scale_factor⌋.

    Per spatial dim, with scale = 1/scale_factor (in/out when ``size`` is given or
    ``recompute_scale_factor``; (in − 1)/(out − 1) with ``align_corners``):

    - "nearest": out[i] = x[min(⌊i · scale⌋, in − 1)]; "nearest-exact": ⌊(i + ½) · scale⌋;
    - "linear", "bilinear", "trilinear" (3-, 4-, 5-D input): linear interpolation between the
      two neighbours of the source s = (i + ½) · scale − ½ (i · scale with align_corners);
    - "bicubic" (4-D): cubic convolution (a = −0.75) of the four neighbours of s;
    - "area": adaptive average pooling to the output size.

    ``antialias`` (bilinear, bicubic) widens the filter when shrinking, as PyTorch does.
    Shapes: (N, C, *in_spatial) -> (N, C, *out_spatial)."""
    if mode not in _MODES:
        raise ShapeError(f"interpolate: mode must be one of {', '.join(_MODES)}; got {mode!r}")
    if input.ndim not in (3, 4, 5):
        raise ShapeError(f"interpolate: expected a 3-D, 4-D or 5-D input (N, C, *spatial), got "
                         f"shape {list(input.shape)}")
    dims = input.ndim - 2
    needed = _MODE_DIMS.get(mode)
    if needed is not None and needed != dims:
        raise ShapeError(f"interpolate: got a {input.ndim}-D input, but {mode} mode needs a "
                         f"{needed + 2}-D input")
    if align_corners is not None and needed is None:
        raise ValueError("interpolate: align_corners option can only be set with the "
                         "interpolating modes: linear | bilinear | bicubic | trilinear")
    if antialias and mode not in ("bilinear", "bicubic"):
        raise ShapeError("interpolate: antialias is only for the bilinear and bicubic modes "
                         f"(4-D input), got mode {mode!r}")
    out_sizes, factors = _output_sizes(input, size, scale_factor, recompute_scale_factor)
    if min(out_sizes) < 1 and not (mode == "area" and size is None):
        raise ShapeError(f"interpolate: output size {out_sizes} must be positive (input of "
                         f"shape {list(input.shape)})")
    if input.dtype.kind != "f" and mode not in ("nearest", "nearest-exact"):
        raise TypeError(f"interpolate: mode {mode!r} needs a floating point input, got "
                        f"{input.dtype}")
    in_sizes = input.shape[2:]
    if mode in ("nearest", "nearest-exact") or min(out_sizes) == 0:  # area to nothing: empty
        sources = [_nearest_sources(s, o, f, mode == "nearest-exact")
                   for s, o, f in zip(in_sizes, out_sizes, factors)]
        return ops.getitem(input, (slice(None), slice(None)) + np.ix_(*sources))
    if mode == "area":
        return _adaptive_avg("interpolate", dims, input, out_sizes)
    corners = bool(align_corners)
    for axis, (in_size, out_size, factor) in enumerate(zip(in_sizes, out_sizes, factors)):
        if antialias:
            matrix = _antialias_matrix(in_size, out_size, factor, corners, mode == "bicubic")
        elif mode == "bicubic":
            matrix = _cubic_matrix(in_size, out_size, factor, corners)
        else:
            matrix = _linear_matrix(in_size, out_size, factor, corners)
        input = _along(input, 2 + axis, matrix)
    return input


def _deprecated(name: str) -> None:
    warnings.warn(f"`nn.functional.{name}` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", UserWarning, stacklevel=3)


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """interpolate under its old name (deprecated in PyTorch, with a warning)."""
    _deprecated("upsample")
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """interpolate(mode="nearest") under its old name (deprecated, with a warning)."""
    _deprecated("upsample_nearest")
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """interpolate(mode="bilinear", align_corners=True) under its old name (deprecated, with a
    warning)."""
    _deprecated("upsample_bilinear")
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
