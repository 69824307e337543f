"""The network of the transfer-learning study (``tinynet train transfer``): the digits CNN."""

from __future__ import annotations

from collections.abc import Sequence

from tinynet import nn
from tinynet.models.cnn import build_cnn


def _positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, but got {value!r}")
    return value


def build_transfer(input_shape: Sequence[int], num_classes: int,
                   channels: tuple[int, int] | None = None, dropout: float = 0.25,
                   shots: Sequence[int] = (5, 20, 100), repeats: int = 3, steps: int = 150,
                   fine_tune_factor: float = 3.0) -> nn.Module:
    """``build_cnn(input_shape, num_classes, channels, dropout)``: the CNN that is pretrained
    on one task and transferred to another. The other arguments shape the study, not the
    network (the recipe reads them from here so that ``--model-arg`` sets them): ``shots``
    (labelled images per class of the new task), ``repeats`` (seeds seed, seed+1, ...),
    ``steps`` (optimizer steps of each adaptation) and ``fine_tune_factor`` (how many times
    smaller the pretrained convolutions' rate is than the new classifier's when
    fine-tuning)."""
    shots = [shots] if isinstance(shots, int) else list(shots)
    if not shots or any(isinstance(k, bool) or not isinstance(k, int) or k < 1 for k in shots):
        raise ValueError(f"shots must be positive integers, but got {shots!r}")
    _positive_int("repeats", repeats)
    _positive_int("steps", steps)
    if isinstance(fine_tune_factor, bool) or not isinstance(fine_tune_factor, (int, float)) \
            or not fine_tune_factor >= 1:
        raise ValueError(f"fine_tune_factor must be a number of at least 1, but got "
                         f"{fine_tune_factor!r}")
    return build_cnn(input_shape, num_classes, channels, dropout)
