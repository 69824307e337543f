"""DataLoader: iterate over a dataset in (optionally shuffled) mini-batches, as in PyTorch.

    loader = DataLoader(dataset, batch_size=32, shuffle=True, generator=tinynet.Generator(0))
    for inputs, targets in loader:      # inputs: (32, ...) tensor, targets: (32,) tensor
        ...

A sampler gives the order of the indices (``SequentialSampler``, or ``RandomSampler`` with
``shuffle=True``: a new permutation from the generator every pass, so successive epochs differ
and equally seeded loaders agree), a ``BatchSampler`` cuts it into lists of ``batch_size``, and
each list becomes a batch through ``collate_fn``. With ``num_workers=N`` the batches are fetched
by N worker processes (tinynet/data/iterators.py, tinynet/data/worker.py).
"""

from __future__ import annotations

import math
import multiprocessing
import os
import warnings
from collections.abc import Callable, Iterable

from tinynet.data.collate import default_collate, default_convert
from tinynet.data.dataset import IterableDataset
from tinynet.data.iterators import MultiProcessIterator, SingleProcessIterator
from tinynet.data.sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler
from tinynet.random import Generator

__all__ = ["DataLoader", "default_collate", "default_convert"]

_FIXED_AFTER_INIT = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset",
                     "persistent_workers")


class _InfiniteConstantSampler(Sampler):
    """The sampler of an IterableDataset: None forever (the dataset decides what comes next)."""

    def __iter__(self):
        while True:
            yield None


def _context(multiprocessing_context, num_workers: int):
    """The multiprocessing context for the workers, from a start method's name or a context."""
    if multiprocessing_context is None:
        return None
    if num_workers == 0:
        raise ValueError(f"multiprocessing_context can only be used with multi-process loading "
                         f"(num_workers > 0), but got num_workers={num_workers}")
    if isinstance(multiprocessing_context, str):
        methods = multiprocessing.get_all_start_methods()
        if multiprocessing_context not in methods:
            raise ValueError(f"multiprocessing_context option should specify a valid start "
                             f"method in {methods!r}, but got "
                             f"multiprocessing_context={multiprocessing_context!r}")
        return multiprocessing.get_context(multiprocessing_context)
    if not isinstance(multiprocessing_context, multiprocessing.context.BaseContext):
        raise TypeError(f"multiprocessing_context option should be a valid context object or a "
                        f"string specifying the start method, but got "
                        f"multiprocessing_context={multiprocessing_context!r}")
    return multiprocessing_context


class DataLoader:
    """Batches of ``dataset``, with PyTorch's arguments and rules.

    Args:
        dataset: map-style (``__getitem__`` and ``__len__``) or an ``IterableDataset``.
        batch_size: samples per batch (default 1); None turns batching off: each sample is
            passed through ``collate_fn`` (default ``default_convert``) on its own.
        shuffle: a fresh random order every pass (RandomSampler). Not with ``sampler``.
        sampler: the order of the indices (any iterable of indices). Not with ``shuffle``.
        batch_sampler: yields whole lists of indices; excludes ``batch_size``, ``shuffle``,
            ``sampler`` and ``drop_last``.
        num_workers: 0 loads in this process; N > 0 in N worker processes (start method:
            the platform's default, or ``multiprocessing_context``), yielding the same batches in
            the same order. Each worker holds its own copy of the dataset; an IterableDataset is
            iterated whole by every worker, so split it with ``get_worker_info()``.
        collate_fn: list of samples -> batch (default ``default_collate``).
        pin_memory, pin_memory_device: accepted and ignored: tinynet's tensors are in ordinary
            CPU memory, which is what a pinned copy would be.
        drop_last: drop the last batch when it has fewer than ``batch_size`` samples.
        timeout: seconds to wait for a batch from the workers (0: no limit).
        worker_init_fn: called as ``worker_init_fn(worker_id)`` in each worker after seeding.
        generator: the ``tinynet.Generator`` of RandomSampler's permutations and of the workers'
            base seed (default: tinynet's default generator, seeded by ``tinynet.manual_seed``).
            Worker i seeds Python's ``random`` and tinynet's default generator with
            base_seed + i, and NumPy's global RNG with a state derived from both, as PyTorch.
        prefetch_factor: batches in flight per worker (default 2 with workers; 0 is refused
            here, where PyTorch fails on iteration).
        persistent_workers: keep the workers between epochs instead of starting new ones.
        in_order: yield batches in sampler order; False yields them as the workers finish.

    ``len(loader)`` is the number of batches: ceil(N / batch_size), or floor with drop_last.
    The base seed comes from a child of the generator's seed sequence, so the shuffled order
    does not depend on ``num_workers``. Batches cross from the workers by pickling (a copy),
    not through shared memory as in PyTorch. An exception in a worker is raised in this process
    with its class, the worker's traceback, the worker id and the batch; the workers are then
    stopped (persistent ones kept), as they are when an epoch ends or a loop breaks early and
    drops the iterator; a worker that dies is reported rather than waited for.
    """

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Sampler | Iterable | None = None,
                 batch_sampler: Sampler | Iterable | None = None, num_workers: int = 0,
                 collate_fn: Callable | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable | None = None, multiprocessing_context=None,
                 generator: Generator | None = None, *, prefetch_factor: int | None = None,
                 persistent_workers: bool = False, pin_memory_device: str = "",
                 in_order: bool = True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                             " Let num_workers > 0 to enable multiprocessing, otherwise set "
                             "prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 1:
            raise ValueError(f"prefetch_factor must be greater than 0 (the batches each worker "
                             f"loads in advance), but got prefetch_factor={prefetch_factor}")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            if shuffle not in (False, None):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle "
                                 f"option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler "
                                 f"option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")

        if sampler is None:
            if iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.collate_fn = collate_fn if collate_fn is not None else (
            default_collate if batch_sampler is not None else default_convert)
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = _context(multiprocessing_context, num_workers)
        self.generator = generator
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self._is_iterable = iterable
        self._iterator = None
        self._initialized = True
        self._check_worker_number()

    def __setattr__(self, name, value):
        if name in _FIXED_AFTER_INIT and self.__dict__.get("_initialized"):
            raise ValueError(f"{name} attribute should not be set after "
                             f"{type(self).__name__} is initialized")
        super().__setattr__(name, value)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        """What the iterators draw: lists of indices when batching, else single indices."""
        return self.batch_sampler if self._auto_collation else self.sampler

    def _check_worker_number(self) -> None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        if cores and self.num_workers > cores:
            warnings.warn(f"This DataLoader will create {self.num_workers} worker processes in "
                          f"total, more than the {cores} cores this process may use; excess "
                          f"workers slow loading down. Lower num_workers.", UserWarning,
                          stacklevel=3)

    def __iter__(self):
        if self.num_workers == 0:
            return SingleProcessIterator(self)
        if not self.persistent_workers:
            return MultiProcessIterator(self)
        if self._iterator is None or self._iterator.closed:  # first epoch, or after a failure
            self._iterator = MultiProcessIterator(self)
        else:
            self._iterator.reset(self)
        return self._iterator

    def __len__(self) -> int:
        if self._is_iterable:
            count = len(self.dataset)
            if self.batch_size is None:
                return count
            return count // self.batch_size if self.drop_last else math.ceil(
                count / self.batch_size)
        return len(self._index_sampler)
