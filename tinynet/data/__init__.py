"""Data: datasets, the DataLoader that batches them, per-sample transforms and text helpers,
with PyTorch's names (``torch.utils.data``) and torchvision's (``transforms``)."""

from tinynet.data import datasets, text, transforms
from tinynet.data.dataloader import DataLoader, default_collate
from tinynet.data.dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split

__all__ = [
    "ConcatDataset", "DataLoader", "Dataset", "Subset", "TensorDataset", "datasets",
    "default_collate", "random_split", "text", "transforms",
]
