"""Samplers: the order in which a DataLoader visits a dataset, with PyTorch's API.

A sampler is an iterable of dataset indices (``BatchSampler``: of lists of indices). Random ones
draw from their ``generator`` (a ``tinynet.Generator``; default: tinynet's default generator,
seeded by ``tinynet.manual_seed``) each time they are iterated, so successive epochs differ and
two samplers with equally seeded generators give the same orders.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Iterator, Sequence, Sized

import numpy as np

from tinynet.random import Generator, numpy_generator


def _check_positive_int(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{name} should be a positive integer value, but got {name}={value!r}")


def _check_bool(name: str, value, error: type[Exception] = ValueError) -> None:
    if not isinstance(value, bool):  # PyTorch's class: TypeError in RandomSampler, else ValueError
        raise error(f"{name} should be a boolean value, but got {name}={value!r}")


class Sampler:
    """Base class: an iterable of indices (``__iter__``); ``__len__`` is optional."""

    def __iter__(self) -> Iterator:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class SequentialSampler(Sampler):
    """Indices 0, 1, ..., len(data_source) - 1, in order."""

    def __init__(self, data_source: Sized):
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """Random indices into ``data_source``, ``num_samples`` of them (default: its length).

    Without replacement: a fresh permutation per pass (more samples than the dataset has: whole
    permutations one after the other, the last one cut short, as in PyTorch). With replacement:
    ``num_samples`` independent uniform draws.
    """

    def __init__(self, data_source: Sized, replacement: bool = False,
                 num_samples: int | None = None, generator: Generator | None = None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        _check_bool("replacement", replacement, TypeError)
        _check_positive_int("num_samples", self.num_samples)

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        count, wanted = len(self.data_source), self.num_samples
        rng = numpy_generator(self.generator)
        if self.replacement:
            yield from rng.integers(0, count, size=wanted).tolist()
            return
        for _ in range(wanted // count):
            yield from rng.permutation(count).tolist()
        if wanted % count:
            yield from rng.permutation(count)[:wanted % count].tolist()

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a random order, without replacement (a new order every pass)."""

    def __init__(self, indices: Sequence[int], generator: Generator | None = None):
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        for position in numpy_generator(self.generator).permutation(len(self.indices)).tolist():
            yield self.indices[position]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices in [0, len(weights)), index i drawn with probability
    weights[i] / sum(weights) (weights need not sum to 1); without replacement each index at
    most once, so at most as many samples as there are non-zero weights."""

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator: Generator | None = None):
        _check_positive_int("num_samples", num_samples)
        _check_bool("replacement", replacement)
        values = weights.numpy() if hasattr(weights, "numpy") else weights
        self.weights = np.asarray(values, dtype=np.float64)
        if self.weights.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape "
                             f"{tuple(self.weights.shape)}")
        if not np.all(np.isfinite(self.weights)) or np.any(self.weights < 0) \
                or not self.weights.sum() > 0:
            raise ValueError("weights must be finite and non-negative with a positive sum, but "
                             f"got {self.weights.tolist()[:10]}")
        if not replacement and num_samples > np.count_nonzero(self.weights):
            raise ValueError(f"cannot draw num_samples={num_samples} without replacement from "
                             f"{np.count_nonzero(self.weights)} non-zero weights")
        self.num_samples = int(num_samples)
        self.replacement = replacement
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        rng = numpy_generator(self.generator)
        drawn = rng.choice(len(self.weights), size=self.num_samples, replace=self.replacement,
                           p=self.weights / self.weights.sum())
        return iter(drawn.tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Lists of ``batch_size`` consecutive indices from ``sampler``; the last list is shorter
    unless ``drop_last`` drops it.

        list(BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=False))
        # [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    """

    def __init__(self, sampler: Sampler | Iterable[int], batch_size: int, drop_last: bool):
        _check_positive_int("batch_size", batch_size)
        _check_bool("drop_last", drop_last)
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        batch = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        count = len(self.sampler)
        return count // self.batch_size if self.drop_last else math.ceil(count / self.batch_size)
