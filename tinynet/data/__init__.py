"""Data: datasets, the DataLoader that batches them (in worker processes with num_workers > 0),
samplers, per-sample transforms and text helpers, with PyTorch's names (``torch.utils.data``) and
torchvision's (``transforms``). The submodules ``datasets``, ``text`` and ``transforms`` load on
first use."""

import importlib

from tinynet.data.collate import default_collate, default_convert
from tinynet.data.dataloader import DataLoader
from tinynet.data.dataset import (ChainDataset, ConcatDataset, Dataset, IterableDataset,
                                  StackDataset, Subset, TensorDataset, random_split)
from tinynet.data.sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler,
                                  SubsetRandomSampler, WeightedRandomSampler)
from tinynet.data.worker import WorkerInfo, get_worker_info

_LAZY_SUBMODULES = ("datasets", "text", "transforms")

__all__ = [
    "BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset", "IterableDataset",
    "RandomSampler", "Sampler", "SequentialSampler", "StackDataset", "Subset",
    "SubsetRandomSampler", "TensorDataset", "WeightedRandomSampler", "WorkerInfo", "datasets",
    "default_collate", "default_convert", "get_worker_info", "random_split", "text", "transforms",
]


def __getattr__(name):
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"tinynet.data.{name}")
    raise AttributeError(f"module 'tinynet.data' has no attribute {name!r}")
