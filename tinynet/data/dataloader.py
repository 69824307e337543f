"""DataLoader: iterate over a dataset in (optionally shuffled) mini-batches, as in PyTorch.

    loader = DataLoader(dataset, batch_size=32, shuffle=True, generator=tinynet.Generator(0))
    for inputs, targets in loader:      # inputs: (32, ...) tensor, targets: (32,) tensor
        ...

Each pass draws a new permutation from the generator, so successive epochs see different orders,
and two loaders built with equally seeded generators see the same ones. Single process only:
tinynet has no worker processes.
"""

from __future__ import annotations

import collections.abc
import math
import numbers
from collections.abc import Callable, Iterator

import numpy as np

from tinynet.random import Generator, numpy_generator
from tinynet.tensor import Tensor


def _stack(tensors: list[Tensor]) -> Tensor:
    shapes = {t.shape for t in tensors}
    if len(shapes) != 1:
        raise RuntimeError(f"default_collate: stack expects each tensor to be equal size, but got "
                           f"shapes {sorted(list(s) for s in shapes)}; pad them (e.g. "
                           f"tinynet.data.text.pad_sequences) or pass a collate_fn")
    if any(t.requires_grad for t in tensors):
        from tinynet.ops import stack

        return stack(tensors)
    return Tensor._make(np.stack([t.numpy() for t in tensors]))


def default_collate(batch: list):
    """Merge a list of samples into a batch, with PyTorch's rules.

    Tensors and NumPy arrays of shape S become one tensor of shape (B, *S); Python floats a
    float64 tensor (B,), ints an int64 tensor (B,), NumPy scalars a tensor of their dtype; strings
    stay a list; dicts, tuples and lists are collated field by field (a tuple of fields gives a
    list of batches, a namedtuple keeps its type).
    """
    first = batch[0]
    if isinstance(first, Tensor):
        return _stack(batch)
    if isinstance(first, np.ndarray):
        if first.dtype.kind in "OSUV":
            raise TypeError(f"default_collate: arrays of dtype {first.dtype} are not supported")
        return _stack([Tensor._make(np.asarray(a)) for a in batch])
    if isinstance(first, np.generic):
        return Tensor._make(np.array(batch))
    if isinstance(first, bool):
        return Tensor._make(np.array(batch, dtype=np.bool_))
    if isinstance(first, float):
        return Tensor._make(np.array(batch, dtype=np.float64))
    if isinstance(first, int):
        return Tensor._make(np.array(batch, dtype=np.int64))
    if isinstance(first, (str, bytes)):
        return list(batch)
    if isinstance(first, collections.abc.Mapping):
        return {key: default_collate([sample[key] for sample in batch]) for key in first}
    if isinstance(first, tuple) and hasattr(first, "_fields"):
        return type(first)(*(default_collate(list(field)) for field in zip(*batch)))
    if isinstance(first, collections.abc.Sequence):
        if any(len(sample) != len(first) for sample in batch):
            raise RuntimeError("default_collate: each element in list of batch should be of "
                               "equal size")
        return [default_collate(list(field)) for field in zip(*batch)]
    raise TypeError(f"default_collate: batch must contain tensors, NumPy arrays, numbers, dicts "
                    f"or lists; found {type(first).__name__}")


class DataLoader:
    """Batches of ``dataset``: lists of ``batch_size`` samples merged by ``collate_fn``.

    Args:
        dataset: anything with ``__getitem__`` and ``__len__``.
        batch_size: samples per batch (default 1); None yields the samples one by one, uncollated
            (PyTorch converts them; here they pass through as they are).
        shuffle: a fresh random order every pass (default False: order 0, 1, ..., N-1).
        drop_last: drop the last batch when it has fewer than ``batch_size`` samples.
        collate_fn: list of samples -> batch (default ``default_collate``).
        generator: the ``tinynet.Generator`` that draws the permutations (default: tinynet's
            default generator, seeded by ``tinynet.manual_seed``).

    ``len(loader)`` is the number of batches: ceil(N / batch_size), or floor with drop_last.
    """

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool = False,
                 drop_last: bool = False, collate_fn: Callable | None = None,
                 generator: Generator | None = None):
        if batch_size is not None and (
                not isinstance(batch_size, numbers.Integral) or batch_size <= 0):
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size!r}")
        if batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        self.dataset = dataset
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.collate_fn = default_collate if collate_fn is None else collate_fn
        self.generator = generator

    def _order(self) -> np.ndarray:
        count = len(self.dataset)
        if self.shuffle:
            return numpy_generator(self.generator).permutation(count)
        return np.arange(count)

    def __iter__(self) -> Iterator:
        order = self._order().tolist()
        if self.batch_size is None:
            for index in order:
                yield self.dataset[index]
            return
        for start in range(0, len(order), self.batch_size):
            indices = order[start:start + self.batch_size]
            if self.drop_last and len(indices) < self.batch_size:
                return
            yield self.collate_fn([self.dataset[i] for i in indices])

    def __len__(self) -> int:
        count = len(self.dataset)
        if self.batch_size is None:
            return count
        if self.drop_last:
            return count // self.batch_size
        return math.ceil(count / self.batch_size)
