"""scikit-learn's bundled 8x8 handwritten digits (1,797 images, 10 classes, no download)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tinynet.data.datasets.base import ArrayDataset


def load_digits_arrays(train: bool = True, test_fraction: float = 0.2, seed: int = 0):
    """(images, labels) of one side of a seeded train/test split of the digits.

    images: float32 (N, 1, 8, 8) in [0, 1] (the pixel counts 0..16 divided by 16); labels: int64
    (N,) in 0..9. The test side holds round(1797·test_fraction) images (359 by default), the train
    side the other 1,438; the same seed always gives the same split.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = (digits.images.astype(np.float32) / 16.0)[:, None, :, :]
    labels = digits.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(labels))
    test_count = round(len(labels) * test_fraction)
    chosen = order[test_count:] if train else order[:test_count]
    return np.ascontiguousarray(images[chosen]), labels[chosen]


class Digits(ArrayDataset):
    """The 8x8 digits: ``dataset[i] == (image, label)``, image float32 (1, 8, 8) in [0, 1],
    label an int64 scalar tensor in 0..9. ``train=True`` gives 1,438 images, ``False`` 359
    (``test_fraction=0.2``, split by ``seed``). ``.data``: (N, 1, 8, 8), ``.targets``: (N,)."""

    def __init__(self, train: bool = True, transform: Callable | None = None,
                 target_transform: Callable | None = None, test_fraction: float = 0.2,
                 seed: int = 0):
        images, labels = load_digits_arrays(train, test_fraction, seed)
        super().__init__(images, labels, transform, target_transform)
