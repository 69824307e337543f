"""Small synthetic datasets, generated in milliseconds from a seed (train and test sides use
different draws of the same seed): two spirals, two moons, sine-sequence regression and a toy
sequence-to-sequence task on digit strings."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tinynet.data.datasets.base import ArrayDataset


def _rng(seed: int, train: bool) -> np.random.Generator:
    return np.random.default_rng([seed, 0 if train else 1])


def make_spirals(n_samples: int = 1000, noise: float = 0.2, turns: float = 1.5,
                 rng: np.random.Generator | None = None):
    """Two interleaved Archimedean spirals: x float32 (n, 2) roughly in [-1, 1]², y int64 (n,)
    in {0, 1} (half each; class 1 is class 0 turned by 180°). ``noise``: std of added Gaussian
    noise, relative to the spirals' radius of 1 times 0.1."""
    rng = rng or np.random.default_rng(0)
    labels = np.arange(n_samples) % 2
    radius = np.sqrt(rng.uniform(0.02, 1.0, n_samples))  # sqrt: uniform density along the arm
    angle = 2 * np.pi * turns * radius + np.pi * labels
    points = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    points += 0.1 * noise * rng.standard_normal(points.shape)
    return points.astype(np.float32), labels.astype(np.int64)


def make_moons(n_samples: int = 1000, noise: float = 0.1, rng: np.random.Generator | None = None):
    """scikit-learn's two moons: x float32 (n, 2), y int64 (n,) in {0, 1}; the upper moon is the
    half circle of radius 1 at (0, 0), the lower one at (1, 0.5) mirrored; Gaussian ``noise``."""
    rng = rng or np.random.default_rng(0)
    labels = np.arange(n_samples) % 2
    angle = rng.uniform(0, np.pi, n_samples)
    upper = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    lower = np.stack([1 - np.cos(angle), 0.5 - np.sin(angle)], axis=1)
    points = np.where(labels[:, None] == 0, upper, lower)
    points += noise * rng.standard_normal(points.shape)
    return points.astype(np.float32), labels.astype(np.int64)


def make_sine_sequences(n_samples: int = 1000, seq_len: int = 20, noise: float = 0.05,
                        rng: np.random.Generator | None = None):
    """Windows of sine waves with random frequency (0.1..0.3 rad per step), phase and amplitude
    (0.5..1.5): x float32 (n, seq_len, 1) (noisy), y float32 (n, 1), the clean next value."""
    rng = rng or np.random.default_rng(0)
    frequency = rng.uniform(0.1, 0.3, (n_samples, 1))
    phase = rng.uniform(0, 2 * np.pi, (n_samples, 1))
    amplitude = rng.uniform(0.5, 1.5, (n_samples, 1))
    waves = amplitude * np.sin(frequency * np.arange(seq_len + 1) + phase)
    inputs = waves[:, :seq_len] + noise * rng.standard_normal((n_samples, seq_len))
    return inputs[..., None].astype(np.float32), waves[:, seq_len:].astype(np.float32)


def make_digit_sequences(n_samples: int = 1000, seq_len: int = 8, task: str = "reverse",
                         rng: np.random.Generator | None = None):
    """Random digit strings and their transform: source int64 (n, seq_len) in 0..9, target int64
    (n, seq_len): the source reversed (``task="reverse"``) or sorted (``task="sort"``)."""
    rng = rng or np.random.default_rng(0)
    source = rng.integers(0, 10, (n_samples, seq_len)).astype(np.int64)
    if task == "reverse":
        target = source[:, ::-1].copy()
    elif task == "sort":
        target = np.sort(source, axis=1)
    else:
        raise ValueError(f"task must be 'reverse' or 'sort', but got {task!r}")
    return source, target


class Spirals(ArrayDataset):
    """Two spirals: ``(point, label)`` with point float32 (2,), label int64 scalar in {0, 1}."""

    def __init__(self, n_samples: int = 1000, noise: float = 0.2, train: bool = True,
                 seed: int = 0, transform: Callable | None = None):
        super().__init__(*make_spirals(n_samples, noise, rng=_rng(seed, train)), transform)


class Moons(ArrayDataset):
    """Two moons: ``(point, label)`` with point float32 (2,), label int64 scalar in {0, 1}."""

    def __init__(self, n_samples: int = 1000, noise: float = 0.1, train: bool = True,
                 seed: int = 0, transform: Callable | None = None):
        super().__init__(*make_moons(n_samples, noise, rng=_rng(seed, train)), transform)


class SineSequences(ArrayDataset):
    """Next-value regression: ``(window, next_value)`` with window float32 (seq_len, 1) (time
    first, then one feature, as a ``batch_first`` RNN expects) and next_value float32 (1,)."""

    def __init__(self, n_samples: int = 1000, seq_len: int = 20, noise: float = 0.05,
                 train: bool = True, seed: int = 0):
        super().__init__(*make_sine_sequences(n_samples, seq_len, noise, rng=_rng(seed, train)))


class DigitSequences(ArrayDataset):
    """Sequence to sequence: ``(source, target)``, both int64 (seq_len,) of digits 0..9, target
    the reversed or sorted source (``task``). ``num_tokens`` = 10."""

    num_tokens = 10

    def __init__(self, n_samples: int = 1000, seq_len: int = 8, task: str = "reverse",
                 train: bool = True, seed: int = 0):
        super().__init__(*make_digit_sequences(n_samples, seq_len, task, rng=_rng(seed, train)))
