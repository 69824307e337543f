"""Dropout: in training, zero each element (or each channel) with probability p and scale the
survivors by 1/(1 − p), so that the expected output equals the input; in evaluation, the identity."""

from __future__ import annotations

import numpy as np

from tinynet.random import numpy_generator
from tinynet.tensor import Tensor


def _check_probability(p: float, name: str) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{name} probability has to be between 0 and 1, but got {p}")


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
        raise ValueError(
            f"dropout2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got "
            f"shape {list(input.shape)}"
        )
    if not training or p == 0.0:
        return input
    mask_shape = input.shape[:-2] + (1, 1)
    return input * _keep_mask(mask_shape, p, input.dtype)
