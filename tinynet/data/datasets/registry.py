"""Datasets by name, for the command line and for scripts: ``get_dataset("digits", train=False)``.

Every entry is a classification set whose samples are ``(input, int64 label)``; ``root`` and
``download`` matter only for the IDX sets (MNIST, Fashion-MNIST), which read a folder.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tinynet.data.dataset import Dataset
from tinynet.data.datasets.digits import Digits
from tinynet.data.datasets.idx import MNIST, FashionMNIST
from tinynet.data.datasets.mnist1d import MNIST1D
from tinynet.data.datasets.shapes import Shapes
from tinynet.data.datasets.synthetic import Moons, Spirals

DATASETS: dict[str, Callable[..., Dataset]] = {
    "digits": lambda train, root, download: Digits(train=train),
    "mnist1d": lambda train, root, download: MNIST1D(train=train, root=root),
    "moons": lambda train, root, download: Moons(train=train),
    "spirals": lambda train, root, download: Spirals(train=train),
    "shapes": lambda train, root, download: Shapes(train=train),  # segmentation: (N, H, W) masks
    "mnist": lambda train, root, download: MNIST(root, train=train, download=download),
    "fashion-mnist": lambda train, root, download: FashionMNIST(root, train=train,
                                                                download=download),
}


def get_dataset(name: str, train: bool = True, root: str | Path | None = None,
                download: bool = False) -> Dataset:
    """The train or test side of the dataset called ``name`` (a key of ``DATASETS``)."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose from {', '.join(DATASETS)}")
    return DATASETS[name](train, root, download)

# Long-range regression task: (sequence (50, 2), sum (1,)) samples; the vanishing-gradient
# recipe draws its own lengths
from tinynet.data.datasets.sequence_tasks import AddingProblem  # noqa: E402

DATASETS["adding"] = lambda train, root, download: AddingProblem(train=train)

# Surnames by country (a sequence set: its recipe reads the train, val and test splits itself)
from tinynet.data.datasets.names import NamesByCountry

DATASETS["names"] = lambda train, root, download: NamesByCountry("train" if train else "test",
                                                                 root=root)
