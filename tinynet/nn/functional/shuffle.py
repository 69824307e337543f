"""Rearranging channels and pixels without changing any value: pixel_shuffle, pixel_unshuffle
(sub-pixel convolution, Shi et al. 2016), channel_shuffle (ShuffleNet). Each is one reshape,
permute, reshape, so its gradient is the inverse rearrangement."""

from __future__ import annotations

from tinynet.tensor import Tensor
from tinynet.errors import ShapeError


def _check_factor(name: str, argument: str, factor) -> int:
    if not isinstance(factor, int) or isinstance(factor, bool) or factor < 1:
        raise ValueError(f"{name}: {argument} must be a positive int, got {factor!r}")
    return factor


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """out[..., c, h·r + i, w·r + j] = x[..., c·r² + i·r + j, h, w]: channels traded for
    resolution. Shapes: (*, C·r², H, W) -> (*, C, H·r, W·r)."""
    r = _check_factor("pixel_shuffle", "upscale_factor", upscale_factor)
    if input.ndim < 3 or input.shape[-3] % (r * r):
        raise ShapeError(f"pixel_shuffle: expected an input of shape (*, C·r², H, W) with "
                         f"r = {r}, got shape {list(input.shape)}")
    *lead, channels, height, width = input.shape
    lead = tuple(lead)
    x = input.reshape(lead + (channels // (r * r), r, r, height, width))
    k = len(lead)
    x = x.permute(tuple(range(k)) + (k, k + 3, k + 1, k + 4, k + 2))
    return x.reshape(lead + (channels // (r * r), height * r, width * r))


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """The inverse of pixel_shuffle: out[..., c·r² + i·r + j, h, w] = x[..., c, h·r + i, w·r + j].
    Shapes: (*, C, H·r, W·r) -> (*, C·r², H, W)."""
    r = _check_factor("pixel_unshuffle", "downscale_factor", downscale_factor)
    if input.ndim < 3 or input.shape[-2] % r or input.shape[-1] % r:
        raise ShapeError(f"pixel_unshuffle: expected an input of shape (*, C, H·r, W·r) with "
                         f"r = {r}, got shape {list(input.shape)}")
    *lead, channels, height, width = input.shape
    lead = tuple(lead)
    x = input.reshape(lead + (channels, height // r, r, width // r, r))
    k = len(lead)
    x = x.permute(tuple(range(k)) + (k, k + 2, k + 4, k + 1, k + 3))
    return x.reshape(lead + (channels * r * r, height // r, width // r))


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """The channels (dim 1) split into ``groups`` groups and interleaved: out channel
    i·groups + g = in channel g·(C/groups) + i. Shapes: (N, C, *) -> (N, C, *)."""
    g = _check_factor("channel_shuffle", "groups", groups)
    if input.ndim < 3 or input.shape[1] % g:
        raise ShapeError(f"channel_shuffle: expected an input (N, C, *) of at least 3 dims with "
                         f"C divisible by groups = {g}, got shape {list(input.shape)}")
    n, channels, *rest = input.shape
    x = input.reshape((n, g, channels // g) + tuple(rest))
    return x.transpose(1, 2).reshape(input.shape)


def native_channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """channel_shuffle (PyTorch's name for its unwrapped kernel)."""
    return channel_shuffle(input, groups)
