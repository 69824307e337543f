"""Datasets: anything with ``__getitem__(index)`` and ``__len__``, as in PyTorch.

An ``IterableDataset`` instead defines ``__iter__`` (a stream: the DataLoader takes batches from it
in order). ``TensorDataset`` wraps tensors (or arrays) that share their first dimension, ``Subset``
views a dataset through a list of indices, ``ConcatDataset`` chains datasets, ``StackDataset`` puts
datasets side by side, and ``random_split`` cuts a dataset into non-overlapping random subsets,
reproducibly when given a seeded ``Generator``.
"""

from __future__ import annotations

import bisect
import math
import warnings
from collections.abc import Sequence

import numpy as np

from tinynet.random import Generator, numpy_generator
from tinynet.tensor import Tensor


class Dataset:
    """Base class: a map from an index in ``range(len(self))`` to a sample.

    Subclasses define ``__getitem__`` and ``__len__``; ``a + b`` concatenates two datasets.
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """Base class of a dataset that is a stream of samples: subclasses define ``__iter__``.

    A DataLoader with ``num_workers=N`` iterates a copy in each of the N workers, so each sample
    comes N times unless ``__iter__`` gives each worker its part, using
    ``tinynet.data.get_worker_info()`` (its ``id`` and ``num_workers``). ``a + b`` chains two.
    """

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __len__(self) -> int:
        # TypeError, as for any object without a length, so that list(dataset) still works
        raise TypeError(f"{type(self).__name__} has no len(): a stream's length is known only "
                        f"if it defines __len__")

    def __add__(self, other: Dataset) -> ChainDataset:
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """The samples of several iterable datasets, one after the other."""

    def __init__(self, datasets):
        self.datasets = datasets

    def __iter__(self):
        for dataset in self.datasets:
            if not isinstance(dataset, IterableDataset):
                raise TypeError(f"ChainDataset only supports IterableDataset, got "
                                f"{type(dataset).__name__}")
            yield from dataset

    def __len__(self) -> int:
        return sum(len(dataset) for dataset in self.datasets)


class TensorDataset(Dataset):
    """Samples are rows of the given tensors: ``dataset[i] == (t[i] for t in tensors)``.

    Every tensor (NumPy arrays are turned into tensors, keeping their dtype) must have the same
    size N in dimension 0; ``dataset[i]`` is a tuple of tensors of shape ``t.shape[1:]``.
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        self.tensors = tuple(t if isinstance(t, Tensor) else Tensor._make(np.array(t)) for t in tensors)
        sizes = [t.shape[0] if t.ndim else None for t in self.tensors]
        if None in sizes or len(set(sizes)) != 1:
            shapes = [list(t.shape) for t in self.tensors]
            raise ValueError(f"Size mismatch between tensors: every tensor needs the same size in "
                             f"dimension 0, but got shapes {shapes}")

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class StackDataset(Dataset):
    """Several datasets of one length side by side: ``StackDataset(a, b)[i] == (a[i], b[i])``,
    ``StackDataset(x=a, y=b)[i] == {"x": a[i], "y": b[i]}`` (one form or the other)."""

    def __init__(self, *args: Dataset, **kwargs: Dataset):
        if args and kwargs:
            raise ValueError("StackDataset takes datasets either as positional arguments (samples "
                             "are tuples) or as keyword arguments (samples are dicts), not both")
        datasets = args or kwargs
        if not datasets:
            raise ValueError("At least one dataset should be passed")
        lengths = [len(d) for d in (args or kwargs.values())]
        if len(set(lengths)) != 1:
            raise ValueError(f"Size mismatch between datasets: lengths {lengths}")
        self.datasets = datasets
        self._length = lengths[0]

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {key: dataset[index] for key, dataset in self.datasets.items()}
        return tuple(dataset[index] for dataset in self.datasets)

    def __len__(self) -> int:
        return self._length


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``: ``subset[i] == dataset[indices[i]]``."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]):
        self.dataset = dataset
        self.indices = [int(i) for i in indices]

    def __getitem__(self, index):
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """The samples of several datasets one after the other."""

    def __init__(self, datasets: Sequence[Dataset]):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset needs at least one dataset")
        if any(isinstance(d, IterableDataset) for d in self.datasets):
            raise TypeError("ConcatDataset does not support IterableDataset (it indexes its "
                            "datasets); chain them with ChainDataset")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]))

    def __len__(self) -> int:
        return int(self.cumulative_sizes[-1])

    def __getitem__(self, index: int):
        if index < 0:
            if -index > len(self):
                raise IndexError(f"index {index} is out of range for a dataset of {len(self)}")
            index += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, index)
        if which == len(self.datasets):
            raise IndexError(f"index {index} is out of range for a dataset of {len(self)}")
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


def _lengths_from_fractions(fractions: list[float], total: int) -> list[int]:
    """PyTorch's rule: floor(total·fraction) each, then the remainder one by one, round robin."""
    if not math.isclose(sum(fractions), 1.0, abs_tol=1e-9) or any(f < 0 for f in fractions):
        raise ValueError(f"random_split: fractions must be non-negative and sum to 1, but "
                         f"{fractions} sum to {sum(fractions):g} (the dataset has {total} "
                         f"samples; for counts, give integers summing to {total})")
    lengths = [math.floor(total * f) for f in fractions]
    for i in range(total - sum(lengths)):
        lengths[i % len(lengths)] += 1
    for i, length in enumerate(lengths):
        if length == 0:
            warnings.warn(f"Length of split at index {i} is 0. This might result in an empty "
                          f"dataset.", UserWarning, stacklevel=3)
    return lengths


def random_split(dataset: Dataset, lengths: Sequence[int | float],
                 generator: Generator | None = None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random ``Subset``s of the given lengths.

    ``lengths`` are either counts summing to ``len(dataset)`` or fractions summing to 1 (e.g.
    ``[0.8, 0.2]``; counts are floored and the remainder dealt round robin, as in PyTorch). The
    permutation comes from ``generator`` (default: tinynet's default generator, set by
    ``tinynet.manual_seed``), so a seeded generator gives the same split every time.
    """
    total = len(dataset)
    values = [x.item() if hasattr(x, "item") else x for x in lengths]
    floats = [x for x in values if isinstance(x, float)]
    if floats and (math.isclose(sum(values), 1.0) or not all(x.is_integer() for x in floats)):
        values = _lengths_from_fractions(values, total)
    if sum(values) != total or any(x < 0 for x in values):
        raise ValueError(f"random_split: the lengths {values} must be non-negative and sum to the "
                         f"length of the dataset ({total}), but they sum to {sum(values):g}; or "
                         f"give fractions summing to 1")
    lengths = [int(x) for x in values]
    order = numpy_generator(generator).permutation(total)
    subsets, start = [], 0
    for length in lengths:
        subsets.append(Subset(dataset, order[start:start + length].tolist()))
        start += length
    return subsets
