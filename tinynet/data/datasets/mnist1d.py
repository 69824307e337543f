"""MNIST-1D (Greydanus 2020): 1-D signals of length 40 made from 10 digit-like templates by
padding, translation, shear, scaling and noise; a small benchmark on which a CNN clearly beats an
MLP (its authors report: logistic regression 32%, MLP 68%, CNN 94%, GRU 91%, human 96%).

Generated offline by the ``mnist1d`` package with its default arguments (5,000 samples, seed 42,
80/20 split) - never downloaded - and cached as .npz under ``data_home()``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from tinynet.data.datasets.base import ArrayDataset, data_home, save_arrays_atomically

CACHE_NAME = "mnist1d.npz"


def generate_mnist1d() -> dict[str, np.ndarray]:
    """Generate the dataset with the ``mnist1d`` package's defaults: x (4000, 40), y (4000,),
    x_test (1000, 40), y_test (1000,), float64 / int64. NumPy's global random state, which the
    package reseeds, is restored afterwards."""
    from mnist1d.data import get_dataset_args, make_dataset

    saved_state = np.random.get_state()
    try:
        generated = make_dataset(get_dataset_args())
    finally:
        np.random.set_state(saved_state)
    return {key: np.asarray(generated[key]) for key in ("x", "y", "x_test", "y_test")}


def load_mnist1d_arrays(train: bool = True, root: str | Path | None = None):
    """(signals, labels): float32 (N, 1, 40) and int64 (N,), N = 4,000 (train) or 1,000 (test).

    The first call generates the data (about a second) and writes ``root/mnist1d.npz``
    (``root`` defaults to ``data_home()``); later calls read that file.
    """
    path = Path(root).expanduser() / CACHE_NAME if root is not None else data_home() / CACHE_NAME
    if not path.exists():
        save_arrays_atomically(path, **generate_mnist1d())
    with np.load(path, allow_pickle=False) as arrays:
        x, y = (arrays["x"], arrays["y"]) if train else (arrays["x_test"], arrays["y_test"])
        return np.ascontiguousarray(x[:, None, :], dtype=np.float32), y.astype(np.int64)


class MNIST1D(ArrayDataset):
    """MNIST-1D: ``dataset[i] == (signal, label)``, signal float32 (1, 40) (one channel, as
    ``Conv1d`` expects), label an int64 scalar tensor in 0..9. 4,000 samples with ``train=True``,
    1,000 otherwise. ``.data``: (N, 1, 40), ``.targets``: (N,)."""

    def __init__(self, train: bool = True, root: str | Path | None = None,
                 transform: Callable | None = None, target_transform: Callable | None = None):
        signals, labels = load_mnist1d_arrays(train, root)
        super().__init__(signals, labels, transform, target_transform)
