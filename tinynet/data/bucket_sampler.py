"""Length-bucketed batching: batches of sequences of similar length, so that padding is small.

A random batch of variable-length sequences is padded to its longest member, and with lengths
spread widely most of the batch is padding. ``BucketBatchSampler`` draws a random order, cuts it
into buckets of ``bucket_size_multiplier * batch_size`` indices, sorts each bucket by length,
cuts the sorted bucket into batches and shuffles the batches. Every index appears exactly once
per pass (the last short batch is dropped with ``drop_last``), batches stay random from epoch
to epoch, and neighbours in a batch have close lengths. A multiplier of 1 is plain random
batching; a multiplier covering the whole dataset is a full sort.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import numpy as np

from tinynet.data.sampler import Sampler, _check_bool, _check_positive_int
from tinynet.random import Generator, numpy_generator


class BucketBatchSampler(Sampler):
    """Lists of indices into a dataset whose item ``i`` has length ``lengths[i]``, a drop-in
    ``batch_sampler`` for the DataLoader (it has ``batch_size``, ``drop_last`` and ``__len__`` as
    ``BatchSampler`` has).

    ``shuffle=True``: each pass permutes the indices with ``generator`` (default: tinynet's
    default generator), buckets them, sorts each bucket by length (ties in permutation order) and
    yields the batches in an order shuffled by the same generator. ``shuffle=False``: buckets of
    consecutive indices, sorted, batches in order (reproducible without a generator). Batches
    shorter than ``batch_size`` (at most one per bucket, the one with the longest sequences) are
    dropped with ``drop_last``.
    """

    def __init__(self, lengths: Sequence[int], batch_size: int, drop_last: bool = False,
                 bucket_size_multiplier: int = 50, shuffle: bool = True,
                 generator: Generator | None = None):
        _check_positive_int("batch_size", batch_size)
        _check_positive_int("bucket_size_multiplier", bucket_size_multiplier)
        _check_bool("drop_last", drop_last)
        _check_bool("shuffle", shuffle)
        values = lengths.numpy() if hasattr(lengths, "numpy") else lengths
        self.lengths = np.asarray(values)
        if self.lengths.ndim != 1 or (self.lengths.size and self.lengths.dtype.kind not in "iu"):
            raise ValueError(f"lengths must be a 1-D sequence of ints (one per dataset item), but "
                             f"got shape {list(self.lengths.shape)} and dtype {self.lengths.dtype}")
        if self.lengths.size and self.lengths.min() < 0:
            raise ValueError(f"lengths must be non-negative, but got {int(self.lengths.min())}")
        self.batch_size = int(batch_size)
        self.drop_last = drop_last
        self.bucket_size_multiplier = int(bucket_size_multiplier)
        self.shuffle = shuffle
        self.generator = generator

    def __iter__(self) -> Iterator[list[int]]:
        rng = numpy_generator(self.generator) if self.shuffle else None
        count = len(self.lengths)
        order = rng.permutation(count) if rng is not None else np.arange(count)
        bucket_size = self.batch_size * self.bucket_size_multiplier
        batches = []
        for start in range(0, count, bucket_size):
            bucket = order[start:start + bucket_size]
            bucket = bucket[np.argsort(self.lengths[bucket], kind="stable")]
            for first in range(0, len(bucket), self.batch_size):
                batch = bucket[first:first + self.batch_size]
                if len(batch) == self.batch_size or not self.drop_last:
                    batches.append(batch.tolist())
        if rng is not None:
            batches = [batches[i] for i in rng.permutation(len(batches))]
        return iter(batches)

    def __len__(self) -> int:
        count, bucket_size = len(self.lengths), self.batch_size * self.bucket_size_multiplier
        full_buckets, rest = divmod(count, bucket_size)
        last = rest // self.batch_size if self.drop_last else math.ceil(rest / self.batch_size)
        return full_buckets * self.bucket_size_multiplier + last

    def __repr__(self) -> str:
        return (f"BucketBatchSampler(items={len(self.lengths)}, batch_size={self.batch_size}, "
                f"drop_last={self.drop_last}, bucket_size_multiplier="
                f"{self.bucket_size_multiplier}, shuffle={self.shuffle})")
