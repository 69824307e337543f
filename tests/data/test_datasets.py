"""The bundled datasets: documented shapes, dtypes, sizes, seeds, and the MNIST-1D cache."""

import numpy as np
import pytest

from tinynet.data import DataLoader
from tinynet.data.datasets import (
    MNIST1D,
    Digits,
    DigitSequences,
    Moons,
    SineSequences,
    Spirals,
    data_home,
)


def test_digits_shapes_split_and_range():
    train, test = Digits(train=True), Digits(train=False)
    assert (len(train), len(test)) == (1438, 359)
    image, label = train[0]
    assert image.shape == (1, 8, 8) and image.dtype == np.float32
    assert label.shape == () and label.dtype == np.int64
    assert train.data.min() >= 0 and train.data.max() <= 1
    assert train.classes == list(range(10))
    np.testing.assert_array_equal(Digits(seed=0).targets, train.targets)
    assert not np.array_equal(Digits(seed=1).targets, train.targets)


def test_digits_transform_is_applied_per_sample():
    dataset = Digits(transform=lambda x: x * 0 + 7)
    assert float(dataset[0][0].numpy().max()) == 7.0


def test_mnist1d_is_generated_once_then_read_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TINYNET_DATA", str(tmp_path))
    assert data_home() == tmp_path
    train = MNIST1D(train=True)
    assert (tmp_path / "mnist1d.npz").exists()
    test = MNIST1D(train=False)
    assert (len(train), len(test)) == (4000, 1000)
    signal, label = train[0]
    assert signal.shape == (1, 40) and signal.dtype == np.float32
    assert label.dtype == np.int64 and train.classes == list(range(10))
    np.testing.assert_array_equal(MNIST1D(root=tmp_path).data, train.data)


def test_mnist1d_generation_leaves_numpy_global_state_alone(tmp_path):
    np.random.seed(123)
    expected = np.random.rand()
    np.random.seed(123)
    MNIST1D(root=tmp_path)
    assert np.random.rand() == expected


@pytest.mark.parametrize("cls", [Spirals, Moons])
def test_two_class_point_sets(cls):
    dataset = cls(n_samples=200)
    point, label = dataset[0]
    assert point.shape == (2,) and point.dtype == np.float32 and label.dtype == np.int64
    assert np.bincount(dataset.targets).tolist() == [100, 100]
    assert not np.array_equal(cls(n_samples=200, train=False).data, dataset.data)
    np.testing.assert_array_equal(cls(n_samples=200).data, dataset.data)


def test_spirals_arms_are_separate_by_rotation():
    dataset = Spirals(n_samples=400, noise=0.0)
    zeros, ones = dataset.data[dataset.targets == 0], dataset.data[dataset.targets == 1]
    radius = np.linalg.norm(zeros, axis=1)
    assert radius.max() <= 1.0 + 1e-6 and np.linalg.norm(ones, axis=1).max() <= 1.0 + 1e-6


def test_sine_sequences_target_continues_the_wave():
    dataset = SineSequences(n_samples=50, seq_len=12, noise=0.0)
    window, target = dataset[0]
    assert window.shape == (12, 1) and target.shape == (1,) and window.dtype == np.float32
    batch_windows, batch_targets = next(iter(DataLoader(dataset, batch_size=8)))
    assert batch_windows.shape == (8, 12, 1) and batch_targets.shape == (8, 1)


@pytest.mark.parametrize("task", ["reverse", "sort"])
def test_digit_sequences(task):
    dataset = DigitSequences(n_samples=20, seq_len=6, task=task)
    source, target = dataset[0]
    assert source.shape == (6,) and source.dtype == np.int64
    expected = source.numpy()[::-1] if task == "reverse" else np.sort(source.numpy())
    np.testing.assert_array_equal(target.numpy(), expected)
    with pytest.raises(ValueError, match="task"):
        DigitSequences(task="shuffle")
