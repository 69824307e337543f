"""What the bundled datasets share: a cache folder and a dataset over two arrays."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from tinynet.data.dataset import Dataset
from tinynet.tensor import Tensor


def data_home() -> Path:
    """The folder where generated and downloaded datasets are kept: ``$TINYNET_DATA`` if set,
    else ``$XDG_CACHE_HOME/tinynet``, else ``~/.cache/tinynet``."""
    if os.environ.get("TINYNET_DATA"):
        return Path(os.environ["TINYNET_DATA"]).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache).expanduser() / "tinynet"


def save_arrays_atomically(path: Path, **arrays: np.ndarray) -> None:
    """Write ``arrays`` to ``path`` (.npz) through a temporary file, so that a reader never sees
    a half-written cache, even when two processes generate it at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.stem}.{os.getpid()}.tmp.npz")
    np.savez(temporary, **arrays)
    os.replace(temporary, path)


class ArrayDataset(Dataset):
    """Samples ``(transform(data[i]), target_transform(targets[i]))`` from two NumPy arrays.

    ``data``: (N, *S), ``targets``: (N, *T). Without transforms a sample is a pair of tensors of
    shapes S and T with the arrays' dtypes; a transform receives the sample as a tensor.
    """

    def __init__(self, data: np.ndarray, targets: np.ndarray, transform: Callable | None = None,
                 target_transform: Callable | None = None):
        if len(data) != len(targets):
            raise ValueError(f"data has {len(data)} samples but targets has {len(targets)}")
        self.data = data
        self.targets = targets
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index):
        sample, target = Tensor._make(self.data[index]), Tensor._make(np.asarray(self.targets[index]))
        if self.transform is not None:
            sample = self.transform(sample)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return sample, target

    @property
    def classes(self) -> list[int]:
        """The distinct target values, sorted."""
        return np.unique(self.targets).tolist()

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(samples={len(self)}, data={list(self.data.shape[1:])} "
                f"{self.data.dtype}, targets={self.targets.dtype})")
