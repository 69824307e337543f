"""Samplers and the DataLoader's sampler options: PyTorch's semantics (not its random numbers)."""

import inspect
from collections import Counter

import numpy as np
import pytest

import tinynet as tn
from tinynet.data import (BatchSampler, DataLoader, RandomSampler, SequentialSampler,
                          SubsetRandomSampler, TensorDataset, WeightedRandomSampler)


def make_dataset(n=10):
    return TensorDataset(tn.arange(n).reshape(n, 1).float(), tn.arange(n))


def test_sequential_sampler_and_batch_sampler():
    assert list(SequentialSampler(range(5))) == [0, 1, 2, 3, 4]
    batches = BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=False)
    assert list(batches) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]] and len(batches) == 4
    dropped = BatchSampler(range(10), batch_size=3, drop_last=True)
    assert list(dropped) == [[0, 1, 2], [3, 4, 5], [6, 7, 8]] and len(dropped) == 3


def test_random_sampler_is_a_permutation_repeatable_under_a_generator():
    order = list(RandomSampler(range(20), generator=tn.Generator(1)))
    assert sorted(order) == list(range(20)) and order != list(range(20))
    assert list(RandomSampler(range(20), generator=tn.Generator(1))) == order
    sampler = RandomSampler(range(20), generator=tn.Generator(1))
    assert list(sampler) == order and list(sampler) != order  # a new order each pass


def test_random_sampler_more_samples_than_data_gives_whole_permutations():
    drawn = list(RandomSampler(range(4), num_samples=10, generator=tn.Generator(0)))
    assert len(drawn) == 10
    assert sorted(drawn[:4]) == sorted(drawn[4:8]) == [0, 1, 2, 3]
    assert len(set(drawn[8:])) == 2
    with_replacement = RandomSampler(range(3), replacement=True, num_samples=300,
                                     generator=tn.Generator(0))
    counts = Counter(with_replacement)
    assert len(with_replacement) == 300 and set(counts) == {0, 1, 2}


def test_subset_random_sampler_permutes_the_given_indices():
    drawn = list(SubsetRandomSampler([10, 20, 30, 40], generator=tn.Generator(0)))
    assert sorted(drawn) == [10, 20, 30, 40]


def test_weighted_random_sampler_follows_the_weights():
    sampler = WeightedRandomSampler([0.0, 1.0, 3.0], num_samples=4000, generator=tn.Generator(0))
    counts = Counter(sampler)
    assert counts[0] == 0 and 0.2 < counts[1] / 4000 < 0.3
    unique = list(WeightedRandomSampler([1, 1, 1, 0], 3, replacement=False,
                                        generator=tn.Generator(0)))
    assert sorted(unique) == [0, 1, 2]
    with pytest.raises(ValueError, match="non-zero weights"):
        WeightedRandomSampler([1, 1, 0], 3, replacement=False)
    with pytest.raises(ValueError, match="1d sequence"):
        WeightedRandomSampler([[1, 2]], 1)
    with pytest.raises(ValueError, match="non-negative"):
        WeightedRandomSampler([1, -1], 1)


@pytest.mark.torch
def test_bad_sampler_arguments_raise_torchs_error_classes():
    torch = pytest.importorskip("torch")
    from torch.utils import data as theirs

    cases = [
        (lambda m: m.RandomSampler(range(3), replacement=1)),
        (lambda m: m.RandomSampler(range(3), num_samples=0)),
        (lambda m: m.RandomSampler([])),
        (lambda m: m.WeightedRandomSampler([1.0], num_samples=True)),
        (lambda m: m.WeightedRandomSampler([1.0], 1, replacement="yes")),
        (lambda m: m.BatchSampler(range(3), 0, False)),
        (lambda m: m.BatchSampler(range(3), 2, drop_last=None)),
    ]
    for case in cases:
        with pytest.raises(Exception) as expected:
            case(theirs)
        with pytest.raises(type(expected.value)) as ours:
            case(tn.utils.data)
        first_words = str(expected.value).split(",")[0]
        assert str(ours.value).startswith(first_words)
    del torch


@pytest.mark.torch
def test_sampler_lengths_match_torch():
    pytest.importorskip("torch")
    from torch.utils import data as theirs

    for n, size, drop in [(10, 3, False), (10, 3, True), (9, 3, True), (1, 5, False)]:
        for module in (theirs, tn.utils.data):
            batches = module.BatchSampler(module.SequentialSampler(range(n)), size, drop)
            if module is theirs:
                expected = (list(batches), len(batches))
            else:
                assert (list(batches), len(batches)) == expected
    assert len(RandomSampler(range(7), num_samples=3)) == len(
        theirs.RandomSampler(range(7), num_samples=3))


def test_loader_uses_a_given_sampler_or_batch_sampler():
    dataset = make_dataset(10)
    loader = DataLoader(dataset, batch_size=4, sampler=[9, 8, 7, 6, 5])
    assert [b[1].tolist() for b in loader] == [[9, 8, 7, 6], [5]] and len(loader) == 2
    by_batches = DataLoader(dataset, batch_sampler=[[0, 5], [2]])
    assert [b[1].tolist() for b in by_batches] == [[0, 5], [2]]
    assert by_batches.batch_size is None and not by_batches.drop_last
    weighted = DataLoader(dataset, batch_size=5, sampler=WeightedRandomSampler(
        [0.0] * 9 + [1.0], num_samples=5, generator=tn.Generator(0)))
    assert [b[1].tolist() for b in weighted] == [[9] * 5]


def test_loader_shuffle_with_a_generator_is_reproducible_and_pin_memory_is_accepted():
    def epoch(seed):
        return [b[1].tolist() for b in DataLoader(make_dataset(12), batch_size=4, shuffle=True,
                                                   generator=tn.Generator(seed), pin_memory=True)]

    assert epoch(3) == epoch(3) != epoch(4)


@pytest.mark.torch
def test_mutually_exclusive_options_are_refused_as_in_torch():
    torch = pytest.importorskip("torch")
    dataset = make_dataset(6)
    twin = torch.utils.data.TensorDataset(torch.zeros(6, 1), torch.arange(6))
    cases = [dict(sampler=[0, 1], shuffle=True),
             dict(batch_sampler=[[0]], batch_size=2),
             dict(batch_sampler=[[0]], shuffle=True),
             dict(batch_sampler=[[0]], sampler=[0]),
             dict(batch_sampler=[[0]], drop_last=True),
             dict(batch_size=None, drop_last=True)]
    for options in cases:
        with pytest.raises(ValueError) as expected:
            torch.utils.data.DataLoader(twin, **options)
        with pytest.raises(ValueError) as ours:
            DataLoader(dataset, **options)
        assert str(ours.value) == str(expected.value)
    loader = DataLoader(dataset)
    with pytest.raises(ValueError, match="batch_size attribute should not be set"):
        loader.batch_size = 3


@pytest.mark.torch
def test_signatures_match_torch():
    pytest.importorskip("torch")
    from torch.utils import data as theirs

    def parameters(obj):
        simple = (int, float, str, bool, type(None))
        return [(p.name, p.kind, p.default if isinstance(p.default, simple) else "other")
                for p in inspect.signature(obj).parameters.values()]

    for name in ["DataLoader", "RandomSampler", "SequentialSampler", "SubsetRandomSampler",
                 "WeightedRandomSampler", "BatchSampler", "Subset", "ConcatDataset",
                 "TensorDataset", "default_collate", "get_worker_info"]:
        assert parameters(getattr(tn.utils.data, name)) == parameters(getattr(theirs, name)), name


def test_torch_utils_data_path_resolves_after_import_tinynet_as_torch():
    import tinynet as torch

    assert torch.utils.data.DataLoader is tn.data.DataLoader
    from tinynet.utils.data import IterableDataset, get_worker_info  # noqa: F401

    assert np.array_equal(torch.utils.data.default_collate([1, 2]).numpy(), [1, 2])
