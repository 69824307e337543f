"""Curriculum learning (Bengio et al., 2009): show the easy examples first, in one of two styles.

- Within an epoch (``CurriculumBatchSampler``): every epoch visits the whole training set, its
  batches ordered from easy to hard.
- Across epochs (``StagedCurriculum``): the examples are cut into ``num_stages`` groups by
  difficulty; stage k trains on groups 0..k, so each stage adds longer or harder examples to
  the ones already seen, and the last stage is the whole set.

The difficulty of an example is a number, one per dataset item, computed once by
``difficulties(dataset, measure)``; the default measure is the target's length
(``target_length``), the natural one for sequence-to-sequence tasks, whose items are
(source, target) pairs.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from tinynet.data.sampler import Sampler, _check_bool, _check_positive_int
from tinynet.random import Generator, numpy_generator


def target_length(example) -> int:
    """The default difficulty: the length of an example's target (its second element)."""
    return len(example[1])


def difficulties(dataset, measure: Callable = target_length) -> np.ndarray:
    """``measure(dataset[i])`` for every item, as a float array (N,)."""
    return np.array([float(measure(dataset[i])) for i in range(len(dataset))])


def _check_difficulties(values) -> np.ndarray:
    values = np.asarray(values.numpy() if hasattr(values, "numpy") else values, dtype=float)
    if values.ndim != 1 or values.size == 0 or not np.isfinite(values).all():
        raise ValueError("difficulties must be a non-empty 1-D sequence of finite numbers (one "
                         f"per dataset item), but got shape {list(values.shape)}")
    return values


def _ordered(values: np.ndarray, rng) -> np.ndarray:
    """Indices sorted by difficulty, easiest first; ties in a random order (``rng``) or in
    index order (``rng`` None)."""
    order = rng.permutation(len(values)) if rng is not None else np.arange(len(values))
    return order[np.argsort(values[order], kind="stable")]


class CurriculumBatchSampler(Sampler):
    """Batches in easy-to-hard order within each epoch, a ``batch_sampler`` for the DataLoader.

    Each pass sorts the items by ``difficulties`` (ascending; items of equal difficulty in an
    order drawn from ``generator`` when ``shuffle``, else in index order), cuts the sorted list
    into consecutive batches of ``batch_size`` and yields them easiest first: every batch's
    hardest item is no harder than the next batch's easiest. The last batch (the hardest) may
    be short; ``drop_last`` drops it.
    """

    def __init__(self, difficulties: Sequence[float], batch_size: int, drop_last: bool = False,
                 shuffle: bool = True, generator: Generator | None = None):
        _check_positive_int("batch_size", batch_size)
        _check_bool("drop_last", drop_last)
        _check_bool("shuffle", shuffle)
        self.difficulties = _check_difficulties(difficulties)
        self.batch_size, self.drop_last = int(batch_size), drop_last
        self.shuffle, self.generator = shuffle, generator

    def __iter__(self) -> Iterator[list[int]]:
        rng = numpy_generator(self.generator) if self.shuffle else None
        order = _ordered(self.difficulties, rng)
        for start in range(0, len(order), self.batch_size):
            batch = order[start:start + self.batch_size]
            if len(batch) == self.batch_size or not self.drop_last:
                yield batch.tolist()

    def __len__(self) -> int:
        count = len(self.difficulties)
        return count // self.batch_size if self.drop_last else math.ceil(count / self.batch_size)

    def __repr__(self) -> str:
        return (f"CurriculumBatchSampler(items={len(self.difficulties)}, "
                f"batch_size={self.batch_size}, drop_last={self.drop_last})")


class StagedCurriculum:
    """A curriculum across epochs: ``num_stages`` stages of ``epochs_per_stage`` epochs each,
    stage k training on (about) the easiest (k + 1) / num_stages of the items.

    With the N difficulties sorted ascending as d_(1) <= ... <= d_(N), ``threshold(k)`` is
    d_(ceil((k + 1) N / num_stages)), and stage k trains on every item with difficulty <=
    threshold(k): at least that share of the items, items of equal difficulty always in the
    same stage, each stage a superset of the one before, the last stage the whole set (also
    for every epoch after the last stage begins). With few distinct difficulties, successive
    stages may hold the same items.
    """

    def __init__(self, difficulties: Sequence[float], num_stages: int = 3,
                 epochs_per_stage: int = 1):
        _check_positive_int("num_stages", num_stages)
        _check_positive_int("epochs_per_stage", epochs_per_stage)
        self.difficulties = _check_difficulties(difficulties)
        self.num_stages, self.epochs_per_stage = int(num_stages), int(epochs_per_stage)
        values = np.sort(self.difficulties)
        self.thresholds = [float(values[math.ceil((k + 1) * len(values) / self.num_stages) - 1])
                           for k in range(self.num_stages)]

    def stage(self, epoch: int) -> int:
        """The stage of ``epoch`` (0-based): epoch // epochs_per_stage, at most the last."""
        if isinstance(epoch, bool) or not isinstance(epoch, numbers.Integral) or epoch < 0:
            raise ValueError(f"epoch must be a non-negative integer, but got {epoch!r}")
        return min(int(epoch) // self.epochs_per_stage, self.num_stages - 1)

    def threshold(self, stage: int) -> float:
        """The largest difficulty that stage ``stage`` includes."""
        return self.thresholds[stage]

    def indices(self, epoch: int) -> list[int]:
        """The items trained on in ``epoch``: those with difficulty <= threshold(stage(epoch)),
        in index order (a shuffling sampler over them gives the batches)."""
        limit = self.thresholds[self.stage(epoch)]
        return np.flatnonzero(self.difficulties <= limit).tolist()

    @property
    def epochs(self) -> int:
        """The epochs the stages take, num_stages * epochs_per_stage; every later epoch trains on
        the whole set."""
        return self.num_stages * self.epochs_per_stage

    def __repr__(self) -> str:
        return (f"StagedCurriculum(items={len(self.difficulties)}, num_stages={self.num_stages}, "
                f"epochs_per_stage={self.epochs_per_stage}, thresholds={self.thresholds})")
