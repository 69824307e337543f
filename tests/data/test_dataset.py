"""Dataset, TensorDataset, Subset, ConcatDataset and random_split: PyTorch's semantics."""

import numpy as np
import pytest

import tinynet as tn
from tinynet.data import ConcatDataset, Subset, TensorDataset, random_split


def make_dataset(n=10):
    return TensorDataset(tn.arange(n).reshape(n, 1).float(), tn.arange(n))


def test_tensor_dataset_returns_rows_of_every_tensor():
    dataset = make_dataset()
    x, y = dataset[3]
    assert len(dataset) == 10
    assert x.shape == (1,) and x.dtype == np.float32 and float(x[0]) == 3.0
    assert y.shape == () and y.dtype == np.int64 and int(y) == 3


def test_tensor_dataset_accepts_arrays_and_keeps_their_dtype():
    dataset = TensorDataset(np.zeros((4, 2), np.float64), np.arange(4))
    assert dataset[0][0].dtype == np.float64 and isinstance(dataset[0][0], tn.Tensor)


def test_tensor_dataset_rejects_mismatched_sizes():
    with pytest.raises(ValueError, match="Size mismatch"):
        TensorDataset(tn.zeros(3, 2), tn.zeros(4))


def test_subset_and_concat_index_through():
    dataset = make_dataset()
    subset = Subset(dataset, [7, 2])
    assert len(subset) == 2 and int(subset[0][1]) == 7 and int(subset[1][1]) == 2
    both = ConcatDataset([subset, make_dataset(3)])
    assert len(both) == 5
    assert [int(both[i][1]) for i in range(5)] == [7, 2, 0, 1, 2]
    assert int(both[-1][1]) == 2
    assert len(subset + subset) == 4
    with pytest.raises(IndexError):
        both[5]


def test_random_split_is_a_seeded_partition():
    dataset = make_dataset(10)
    first = random_split(dataset, [7, 3], generator=tn.Generator(0))
    again = random_split(dataset, [7, 3], generator=tn.Generator(0))
    other = random_split(dataset, [7, 3], generator=tn.Generator(1))
    assert [len(s) for s in first] == [7, 3]
    assert sorted(first[0].indices + first[1].indices) == list(range(10))
    assert first[0].indices == again[0].indices
    assert first[0].indices != other[0].indices


def test_random_split_with_fractions_deals_the_remainder_round_robin():
    # PyTorch: floor(10 * 0.33) = 3 each, the leftover one goes to the first subset
    lengths = [len(s) for s in random_split(make_dataset(10), [0.34, 0.33, 0.33],
                                            generator=tn.Generator(0))]
    assert lengths == [4, 3, 3]
    assert [len(s) for s in random_split(make_dataset(10), [0.8, 0.2])] == [8, 2]


def test_random_split_rejects_wrong_lengths_stating_the_sum_and_the_length():
    with pytest.raises(ValueError,
                       match=r"sum to the length of the dataset \(10\), but they sum to 9"):
        random_split(make_dataset(10), [5, 4])
    with pytest.raises(ValueError, match=r"fractions .* sum to 0.7 \(the dataset has 10 samples"):
        random_split(make_dataset(10), [0.5, 0.2])
    with pytest.raises(ValueError, match="sum to 1.3"):
        random_split(make_dataset(10), [0.8, 0.5])
    assert [len(s) for s in random_split(make_dataset(10), [1.0])] == [10]
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        random_split(make_dataset(2), [0.9, 0.1])


def test_random_split_default_generator_follows_manual_seed():
    tn.manual_seed(3)
    first = random_split(make_dataset(10), [5, 5])[0].indices
    tn.manual_seed(3)
    assert random_split(make_dataset(10), [5, 5])[0].indices == first


@pytest.mark.torch
def test_random_split_fraction_lengths_match_torch():
    torch = pytest.importorskip("torch")
    for total, fractions in [(10, [0.34, 0.33, 0.33]), (7, [0.5, 0.5]), (101, [0.1, 0.2, 0.7])]:
        expected = [len(s) for s in torch.utils.data.random_split(range(total), fractions)]
        assert [len(s) for s in random_split(make_dataset(total), fractions)] == expected


def test_stack_and_chain_datasets():
    from tinynet.data import ChainDataset, IterableDataset, StackDataset

    stacked = StackDataset(make_dataset(3), tn.arange(3) * 10)
    assert len(stacked) == 3 and int(stacked[2][1]) == 20 and int(stacked[2][0][1]) == 2
    named = StackDataset(x=tn.arange(2), y=tn.arange(2) + 5)
    assert {k: int(v) for k, v in named[1].items()} == {"x": 1, "y": 6}
    with pytest.raises(ValueError, match="Size mismatch"):
        StackDataset(tn.arange(2), tn.arange(3))

    class Count(IterableDataset):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(self.n))

    assert list(Count(2) + Count(3)) == [0, 1, 0, 1, 2]
    assert isinstance(Count(2) + Count(1), ChainDataset)
    with pytest.raises(TypeError, match="IterableDataset"):
        ConcatDataset([Count(2)])
