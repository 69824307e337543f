"""Dropout: in training, zero each element (or each channel) with probability p and scale the
survivors by 1/(1 − p), so that the expected output equals the input; in evaluation, the identity."""

from __future__ import annotations

import numpy as np

from tinynet.random import numpy_generator
from tinynet.tensor import Tensor
from tinynet.errors import ShapeError


def _check_probability(p: float, name: str) -> None:
    if not 0.0 <= p <= 1.0:
        raise ShapeError(f"{name} probability has to be between 0 and 1, but got {p}")


def _keep_mask(shape: tuple, p: float, dtype) -> np.ndarray:
    """Entries 1/(1 − p) with probability 1 − p, else 0 (all 0 when p = 1)."""
    if p == 1.0:
        return np.zeros(shape, dtype)
    keep = numpy_generator().random(shape) >= p
    return keep.astype(dtype) / np.asarray(1.0 - p, dtype)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """y = x · m / (1 − p), m ~ Bernoulli(1 − p) per element, when ``training``; else y = x.
    The mask comes from the default generator (``tinynet.manual_seed`` repeats it). ``inplace`` is
    accepted for compatibility; the result is always a new tensor."""
    _check_probability(p, "dropout")
    if not training or p == 0.0:
        return input
    return input * _keep_mask(input.shape, p, input.dtype)


def dropout2d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """dropout of whole channels: one mask entry per (sample, channel), shared over the plane
    (neighbouring pixels are correlated, so dropping single pixels regularizes little).
    Shapes: (N, C, H, W) or unbatched (C, H, W)."""
    _check_probability(p, "dropout2d")
    if input.ndim not in (3, 4):
        raise ShapeError(
            f"dropout2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got "
            f"shape {list(input.shape)}"
        )
    if not training or p == 0.0:
        return input
    mask_shape = input.shape[:-2] + (1, 1)
    return input * _keep_mask(mask_shape, p, input.dtype)


def _channel_dropout(input: Tensor, p: float, training: bool, name: str, spatial: int) -> Tensor:
    """dropout with one mask entry per (sample, channel), shared over the ``spatial`` last dims;
    the input is (N, C, *spatial) or unbatched (C, *spatial)."""
    _check_probability(p, name)
    if input.ndim not in (spatial + 1, spatial + 2):
        raise ShapeError(
            f"{name}: expected a {spatial + 1}-D (C, ...) or {spatial + 2}-D (N, C, ...) input, "
            f"got shape {list(input.shape)}"
        )
    if not training or p == 0.0:
        return input
    mask_shape = input.shape[:-spatial] + (1,) * spatial
    return input * _keep_mask(mask_shape, p, input.dtype)


def dropout1d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """dropout of whole channels of a sequence: one mask entry per (sample, channel), shared
    along the length.   Shapes: (N, C, L) or unbatched (C, L)."""
    return _channel_dropout(input, p, training, "dropout1d", 1)


def dropout3d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """dropout of whole channels of a volume: one mask entry per (sample, channel), shared over
    (D, H, W).   Shapes: (N, C, D, H, W) or unbatched (C, D, H, W)."""
    return _channel_dropout(input, p, training, "dropout3d", 3)


# SELU's saturation value −λα: alpha dropout sets dropped units to it, not to 0
_SELU_NEGATIVE_SATURATION = 1.7580993408473766


def _alpha_dropout(input: Tensor, p: float, training: bool, name: str, mask_shape) -> Tensor:
    _check_probability(p, name)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * np.zeros((), input.dtype)
    keep = (numpy_generator().random(mask_shape) >= p).astype(input.dtype)
    alpha = _SELU_NEGATIVE_SATURATION
    a = 1.0 / np.sqrt((alpha * alpha * p + 1) * (1 - p))
    shift = ((keep - 1) * (alpha * a) + alpha * a * p).astype(input.dtype)
    return input * (keep * np.asarray(a, input.dtype)) + shift


def alpha_dropout(
    input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False
) -> Tensor:
    """Dropout for self-normalizing networks (Klambauer et al. 2017), kept in the mean and variance
    that SELU keeps: each element is set, with probability p, to SELU's saturation −λα = −α', and
    the result is then scaled and shifted: y = a (x m − α' (1 − m)) + a α' p with
    a = ((1 − p)(1 + p α'²))^(−1/2), m ~ Bernoulli(1 − p). The identity unless ``training``
    (whose default here is False, as in PyTorch).   Shape: any."""
    return _alpha_dropout(input, p, training, "alpha_dropout", input.shape)


def feature_alpha_dropout(
    input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False
) -> Tensor:
    """alpha_dropout of whole channels: one mask entry per (sample, channel), shared over the
    remaining dims.   Shape: (N, C, *)."""
    if input.ndim < 2:
        raise ShapeError(
            f"feature_alpha_dropout: expected an input of at least 2 dims (N, C, *), got shape "
            f"{list(input.shape)}"
        )
    mask_shape = input.shape[:2] + (1,) * (input.ndim - 2)
    return _alpha_dropout(input, p, training, "feature_alpha_dropout", mask_shape)
