"""``torch.utils.data``: tinynet's datasets, samplers and DataLoader under PyTorch's path. These are
the objects of ``tinynet.data`` itself (see there). Not here: DistributedSampler (tinynet has no
distributed training) and the DataPipes, which PyTorch has deprecated."""

from tinynet.data import (BatchSampler, ChainDataset, ConcatDataset, DataLoader, Dataset,
                          IterableDataset, RandomSampler, Sampler, SequentialSampler, StackDataset,
                          Subset, SubsetRandomSampler, TensorDataset, WeightedRandomSampler,
                          WorkerInfo, default_collate, default_convert, get_worker_info,
                          random_split)

__all__ = [
    "BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset", "IterableDataset",
    "RandomSampler", "Sampler", "SequentialSampler", "StackDataset", "Subset",
    "SubsetRandomSampler", "TensorDataset", "WeightedRandomSampler", "WorkerInfo",
    "default_collate", "default_convert", "get_worker_info", "random_split",
]
