"""Per-sample transforms: shapes and dtypes kept, randomness from a seeded generator."""

import numpy as np
import pytest

import tinynet as tn
from tinynet.data.transforms import (
    Compose,
    GaussianNoise,
    Normalize,
    RandomCrop,
    RandomErasing,
    RandomHorizontalFlip,
    RandomShift,
)


def image(c=2, h=5, w=6):
    return tn.tensor(np.arange(c * h * w, dtype=np.float32).reshape(c, h, w) + 1)


def test_normalize_is_per_channel():
    x = Normalize(mean=[1.0, 2.0], std=[2.0, 4.0])(tn.ones(2, 3, 3))
    assert x.dtype == np.float32
    np.testing.assert_allclose(x.numpy()[0], 0.0)
    np.testing.assert_allclose(x.numpy()[1], -0.25)
    with pytest.raises(ValueError, match="zero"):
        Normalize(0.0, 0.0)


def test_transforms_keep_the_kind_of_sample():
    array = np.ones((1, 4, 4), np.float32)
    assert isinstance(GaussianNoise(0.1)(array), np.ndarray)
    assert isinstance(GaussianNoise(0.1)(tn.tensor(array)), tn.Tensor)


def test_random_crop_with_padding_is_a_shifted_window():
    x = image()
    crops = [RandomCrop(4, padding=1, generator=tn.Generator(seed))(x) for seed in range(20)]
    assert all(c.shape == (2, 4, 4) and c.dtype == np.float32 for c in crops)
    padded = np.pad(x.numpy(), [(0, 0), (1, 1), (1, 1)])
    for crop in crops:  # every crop is some window of the padded image
        windows = np.lib.stride_tricks.sliding_window_view(padded, (2, 4, 4))[0]
        assert any(np.array_equal(w, crop.numpy()) for w in windows.reshape(-1, 2, 4, 4))
    assert len({c.numpy().tobytes() for c in crops}) > 1


def test_random_crop_pad_if_needed_and_error():
    assert RandomCrop(8, pad_if_needed=True)(image()).shape == (2, 8, 8)
    with pytest.raises(ValueError, match="larger"):
        RandomCrop(8)(image())


def test_horizontal_flip_reverses_width():
    x = image()
    np.testing.assert_array_equal(RandomHorizontalFlip(p=1.0)(x).numpy(), x.numpy()[..., ::-1])
    assert RandomHorizontalFlip(p=0.0)(x) is x


def test_random_shift_moves_content_and_fills_zeros():
    x = tn.tensor(np.arange(1, 11, dtype=np.float32).reshape(1, 10))
    for seed in range(10):
        shifted = RandomShift(3, generator=tn.Generator(seed))(x).numpy()[0]
        nonzero = shifted[shifted != 0]
        shift = int(np.flatnonzero(shifted)[0]) - (int(nonzero[0]) - 1)
        assert abs(shift) <= 3
        np.testing.assert_array_equal(nonzero, np.arange(1, 11)[max(0, -shift):10 - max(0, shift)])
    assert RandomShift((0, 2))(image()).shape == (2, 5, 6)
    with pytest.raises(ValueError, match="spatial"):
        RandomShift((1, 1, 1))(image())


def test_gaussian_noise_has_the_requested_scale():
    noisy = GaussianNoise(std=0.5, generator=tn.Generator(0))(tn.zeros(1, 100, 100)).numpy()
    assert noisy.dtype == np.float32
    assert abs(noisy.std() - 0.5) < 0.02 and abs(noisy.mean()) < 0.02


def test_random_erasing_overwrites_one_rectangle():
    x = tn.ones(1, 16, 16)
    erased = RandomErasing(p=1.0, value=0.0, generator=tn.Generator(0))(x).numpy()[0]
    rows, columns = np.nonzero(erased == 0)
    assert rows.size > 0
    assert rows.size == (rows.max() - rows.min() + 1) * (columns.max() - columns.min() + 1)
    assert RandomErasing(p=0.0)(x) is x


def test_seeded_transforms_repeat_and_compose_in_order():
    def pipeline(seed):
        generator = tn.Generator(seed)
        return Compose([RandomShift(1, generator=generator), GaussianNoise(0.1, generator=generator),
                        Normalize(0.5, 2.0)])

    x = image()
    np.testing.assert_array_equal(pipeline(0)(x).numpy(), pipeline(0)(x).numpy())
    assert not np.array_equal(pipeline(0)(x).numpy(), pipeline(1)(x).numpy())
    assert "RandomShift" in repr(pipeline(0))
