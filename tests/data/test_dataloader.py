"""DataLoader: ordering, shuffling with a seed, the last batch, collation (PyTorch's rules)."""

from collections import namedtuple

import numpy as np
import pytest

import tinynet as tn
from tinynet.data import DataLoader, TensorDataset, default_collate


def labels_of(loader):
    return [batch[1].tolist() for batch in loader]


def make_dataset(n=10):
    return TensorDataset(tn.arange(n).reshape(n, 1).float(), tn.arange(n))


def test_without_shuffle_batches_come_in_order_and_the_last_is_short():
    loader = DataLoader(make_dataset(10), batch_size=4)
    assert labels_of(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert len(loader) == 3
    x, y = next(iter(loader))
    assert x.shape == (4, 1) and x.dtype == np.float32 and y.dtype == np.int64


def test_drop_last_drops_the_short_batch():
    loader = DataLoader(make_dataset(10), batch_size=4, drop_last=True)
    assert labels_of(loader) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(loader) == 2
    assert len(DataLoader(make_dataset(8), batch_size=4, drop_last=True)) == 2


def test_shuffle_is_a_permutation_repeatable_with_a_seed_and_new_each_epoch():
    loader = DataLoader(make_dataset(20), batch_size=5, shuffle=True, generator=tn.Generator(0))
    first_epoch = sum(labels_of(loader), [])
    second_epoch = sum(labels_of(loader), [])
    assert sorted(first_epoch) == list(range(20))
    assert first_epoch != list(range(20))
    assert first_epoch != second_epoch
    replay = DataLoader(make_dataset(20), batch_size=5, shuffle=True, generator=tn.Generator(0))
    assert sum(labels_of(replay), []) == first_epoch
    assert sum(labels_of(replay), []) == second_epoch


def test_shuffle_without_generator_follows_manual_seed():
    loader = DataLoader(make_dataset(20), batch_size=20, shuffle=True)
    tn.manual_seed(5)
    first = labels_of(loader)
    tn.manual_seed(5)
    assert labels_of(loader) == first


def test_batch_size_none_yields_samples():
    samples = list(DataLoader(make_dataset(3), batch_size=None))
    assert len(samples) == 3 and samples[2][1].shape == ()


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(make_dataset(), batch_size=0)
    with pytest.raises(ValueError, match="drop_last"):
        DataLoader(make_dataset(), batch_size=None, drop_last=True)


def test_collate_fn_receives_the_list_of_samples():
    loader = DataLoader(make_dataset(5), batch_size=2, collate_fn=lambda samples: len(samples))
    assert list(loader) == [2, 2, 1]


def test_default_collate_follows_pytorch_rules():
    assert default_collate([1.5, 2.0]).dtype == np.float64
    assert default_collate([1, 2]).dtype == np.int64
    assert default_collate([True, False]).dtype == np.bool_
    assert default_collate([np.float32(1), np.float32(2)]).dtype == np.float32
    assert default_collate(["a", "b"]) == ["a", "b"]
    arrays = default_collate([np.zeros((2, 3), np.float32)] * 4)
    assert isinstance(arrays, tn.Tensor) and arrays.shape == (4, 2, 3)
    as_dict = default_collate([{"x": tn.zeros(2), "y": 1}, {"x": tn.ones(2), "y": 2}])
    assert as_dict["x"].shape == (2, 2) and as_dict["y"].tolist() == [1, 2]
    pairs = default_collate([(tn.zeros(2), 0), (tn.ones(2), 1)])
    assert isinstance(pairs, list) and pairs[0].shape == (2, 2)
    Point = namedtuple("Point", "x y")
    points = default_collate([Point(1.0, 2), Point(3.0, 4)])
    assert isinstance(points, Point) and points.y.tolist() == [2, 4]


def test_default_collate_explains_ragged_tensors():
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([tn.zeros(2), tn.zeros(3)])


@pytest.mark.torch
def test_collated_dtypes_and_shapes_match_torch():
    pytest.importorskip("torch")
    from torch.utils.data import default_collate as torch_collate

    batches = [[1.0, 2.0], [1, 2], [np.zeros((2, 3), np.float32)] * 3, [np.int32(1), np.int32(4)]]
    for batch in batches:
        ours, theirs = default_collate(batch), torch_collate(batch)
        assert ours.shape == tuple(theirs.shape)
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")


def test_collating_a_tensor_with_a_numpy_sample_names_both_and_the_position():
    with pytest.raises(TypeError, match="element 2 is a numpy.ndarray but element 0 is a Tensor"):
        default_collate([tn.zeros(2), tn.zeros(2), np.zeros(2)])
    with pytest.raises(TypeError, match=r"element 1 is a Tensor but element 0 is a "
                                        r"numpy.ndarray at field \[0\]"):
        default_collate([(np.zeros(2), 0), (tn.zeros(2), 1)])
    with pytest.raises(TypeError, match="dtype"):
        default_collate([tn.zeros(2), tn.zeros(2, dtype=tn.int64)])


def test_default_collate_keeps_floats_among_ints_and_refuses_an_empty_batch():
    assert default_collate([1, 2.5]).tolist() == [1.0, 2.5]
    with pytest.raises(ValueError, match="empty"):
        default_collate([])


def test_without_batching_samples_are_converted_as_default_convert_does():
    from tinynet.data import default_convert

    class Arrays:
        def __len__(self):
            return 2

        def __getitem__(self, index):
            return np.full(3, index, np.float32), index, "name"

    first = next(iter(DataLoader(Arrays(), batch_size=None)))
    assert isinstance(first, list) and isinstance(first[0], tn.Tensor)
    assert first[1:] == [0, "name"]
    assert default_convert({"a": np.zeros(2)})["a"].shape == (2,)


@pytest.mark.torch
def test_default_convert_matches_torch():
    torch = pytest.importorskip("torch")
    from tinynet.data import default_convert

    Pair = namedtuple("Pair", "a b")
    for sample in [np.arange(3), (np.zeros(2), 1), Pair(np.ones(1), "x"), 4, "text"]:
        ours, theirs = default_convert(sample), torch.utils.data.default_convert(sample)
        assert type(ours).__name__ == type(theirs).__name__.replace("Tensor", "Tensor")
