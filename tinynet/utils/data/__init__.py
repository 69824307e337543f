"""``torch.utils.data``: tinynet's datasets, samplers and DataLoader under PyTorch's path. These are
the objects of ``tinynet.data`` itself (see there)."""

from tinynet.data import (BatchSampler, ChainDataset, ConcatDataset, DataLoader, Dataset,
                          IterableDataset, RandomSampler, Sampler, SequentialSampler, Subset,
                          SubsetRandomSampler, TensorDataset, WeightedRandomSampler, WorkerInfo,
                          default_collate, default_convert, get_worker_info, random_split)

__all__ = [
    "BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset", "IterableDataset",
    "RandomSampler", "Sampler", "SequentialSampler", "Subset", "SubsetRandomSampler",
    "TensorDataset", "WeightedRandomSampler", "WorkerInfo", "default_collate", "default_convert",
    "get_worker_info", "random_split",
]
