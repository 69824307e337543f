"""Curricula: easy-to-hard batches within an epoch, and stages across epochs, ordered by a
difficulty measure (the target's length by default)."""

import itertools

import numpy as np
import pytest

import tinynet as tn
from tinynet.data import DataLoader
from tinynet.train_strategies import (
    CurriculumBatchSampler,
    StagedCurriculum,
    difficulties,
    target_length,
)

PAIRS = [("abc", "x" * n) for n in (5, 1, 3, 3, 2, 6, 1, 4, 2, 5)]


def test_target_length_is_the_default_difficulty():
    assert target_length(("abcdef", [1, 2, 3])) == 3
    np.testing.assert_array_equal(difficulties(PAIRS), [5, 1, 3, 3, 2, 6, 1, 4, 2, 5])
    np.testing.assert_array_equal(difficulties(PAIRS, lambda pair: len(pair[0])), [3] * 10)


def test_batches_go_from_easy_to_hard_and_cover_every_item_once():
    values = difficulties(PAIRS)
    sampler = CurriculumBatchSampler(values, batch_size=3, generator=tn.Generator(0))
    batches = list(sampler)
    assert len(batches) == len(sampler) == 4
    assert sorted(i for b in batches for i in b) == list(range(10))
    for first, second in itertools.pairwise(batches):
        assert max(values[first]) <= min(values[second])
    flat = [values[i] for b in batches for i in b]
    assert flat == sorted(flat)


def test_ties_are_reshuffled_each_epoch_with_the_generator_and_fixed_without_shuffle():
    values = [1] * 50 + [2] * 50
    sampler = CurriculumBatchSampler(values, batch_size=10, generator=tn.Generator(0))
    first, second = list(sampler), list(sampler)
    assert first != second
    assert all(i < 50 for b in first[:5] for i in b)  # the easy half still comes first
    ordered = CurriculumBatchSampler(values, batch_size=10, shuffle=False)
    assert list(ordered) == [list(range(s, s + 10)) for s in range(0, 100, 10)]


def test_drop_last_drops_the_short_hardest_batch():
    sampler = CurriculumBatchSampler([3, 1, 2, 5, 4], batch_size=2, drop_last=True,
                                     shuffle=False)
    assert list(sampler) == [[1, 2], [0, 4]] and len(sampler) == 2


def test_works_as_a_dataloader_batch_sampler():
    data = [(tn.tensor([float(i)]), tn.tensor(d)) for i, d in enumerate([4, 2, 3, 1])]
    loader = DataLoader(data, batch_sampler=CurriculumBatchSampler([4, 2, 3, 1], 2,
                                                                   shuffle=False))
    assert [x.reshape(-1).tolist() for x, _ in loader] == [[3.0, 1.0], [2.0, 0.0]]


def test_staged_curriculum_adds_harder_items_stage_by_stage():
    values = difficulties(PAIRS)  # sorted: 1 1 2 2 3 3 4 5 5 6
    staged = StagedCurriculum(values, num_stages=3, epochs_per_stage=2)
    # thresholds: the sorted values at ranks ceil(10/3)=4, ceil(20/3)=7, 10
    assert staged.thresholds == [2.0, 4.0, 6.0]
    assert [staged.stage(e) for e in range(8)] == [0, 0, 1, 1, 2, 2, 2, 2]
    stage0, stage1, stage2 = staged.indices(0), staged.indices(2), staged.indices(4)
    assert stage0 == [1, 4, 6, 8]
    assert stage1 == [1, 2, 3, 4, 6, 7, 8]
    assert stage2 == list(range(10)) and staged.indices(100) == stage2
    assert set(stage0) < set(stage1) < set(stage2)
    assert staged.epochs == 6


def test_items_of_equal_difficulty_share_a_stage():
    staged = StagedCurriculum([1, 1, 1, 1, 2, 2], num_stages=4)
    assert staged.indices(0) == [0, 1, 2, 3]  # rank 2 is a 1: all the 1s come together
    assert staged.indices(3) == list(range(6))


@pytest.mark.parametrize("make, message", [
    (lambda: CurriculumBatchSampler([], 2), "difficulties must be a non-empty 1-D"),
    (lambda: CurriculumBatchSampler([1, float("nan")], 2), "finite"),
    (lambda: CurriculumBatchSampler([1, 2], 0), "batch_size should be a positive integer"),
    (lambda: StagedCurriculum([1, 2], num_stages=0), "num_stages should be a positive"),
    (lambda: StagedCurriculum([1, 2]).stage(-1), "epoch must be a non-negative integer"),
])
def test_bad_settings_are_refused_by_name(make, message):
    with pytest.raises(ValueError, match=message):
        make()
