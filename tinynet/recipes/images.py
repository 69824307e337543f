"""Image figures and image data for the recipes: grids as PNG files (reconstructions, samples,
traversals, segmentations) and a dataset's images as tensors.

    save_image_grid(samples, "samples.png", columns=10)          # (N, C, H, W) in [0, 1]
    save_image_grid(batch, "recon.png", columns=8, row_labels=["input", "output"])

Uses matplotlib's Agg backend (no display needed).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np


def as_image_array(images) -> np.ndarray:
    """Images as a float NumPy array (N, H, W) (one channel) or (N, H, W, 3) (three channels).

    Accepts Tensors or arrays of shape (N, C, H, W) with C in {1, 3}, or (N, H, W).
    """
    array = images.detach().numpy() if hasattr(images, "detach") else np.asarray(images)
    array = np.asarray(array, dtype=np.float64)
    if array.ndim == 3:
        return array
    if array.ndim == 4 and array.shape[1] == 1:
        return array[:, 0]
    if array.ndim == 4 and array.shape[1] == 3:
        return array.transpose(0, 2, 3, 1)
    raise ValueError(f"expected images of shape (N, 1 or 3, H, W) or (N, H, W), but got "
                     f"{tuple(array.shape)}")


def tile_images(images, columns: int, padding: int = 1, fill: float = 1.0) -> np.ndarray:
    """Lay ``images`` out row by row, ``columns`` per row, with ``padding`` pixels of ``fill``
    between them. Returns one image (rows·(H+p)−p, columns·(W+p)−p[, 3]) with rows = ⌈N/columns⌉;
    the missing cells of the last row are ``fill``."""
    array = as_image_array(images)
    count, height, width = array.shape[:3]
    rows = -(-count // columns)
    channels = array.shape[3:]
    mosaic = np.full((rows * (height + padding) - padding, columns * (width + padding) - padding,
                      *channels), fill, dtype=np.float64)
    for index in range(count):
        row, column = divmod(index, columns)
        top, left = row * (height + padding), column * (width + padding)
        mosaic[top:top + height, left:left + width] = array[index]
    return mosaic


def save_image_grid(images, path: str | Path, columns: int = 10, title: str | None = None,
                    row_labels: Sequence[str] | None = None, column_labels: Sequence[str] | None
                    = None, value_range: tuple[float, float] = (0.0, 1.0),
                    cell_inches: float = 0.45) -> Path:
    """Save ``images`` (N, C, H, W) or (N, H, W), values in ``value_range``, as one PNG grid of
    ``columns`` images per row (white separators, grey colormap for one channel), with an
    optional title and labels on the rows (left) and columns (top). Returns the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    array = as_image_array(images)
    height, width = array.shape[1:3]
    mosaic = tile_images(array, columns, fill=value_range[0])  # blank (white) separators
    rows = -(-len(array) // columns)
    figure, axis = plt.subplots(figsize=(cell_inches * columns + (0.8 if row_labels else 0.2),
                                         cell_inches * rows + (0.35 if title else 0.1)
                                         + (0.3 if column_labels else 0.0)))
    axis.imshow(np.clip(mosaic, *value_range), cmap="gray_r" if mosaic.ndim == 2 else None,
                vmin=value_range[0], vmax=value_range[1], interpolation="nearest")
    axis.set_xticks([(width + 1) * i + (width - 1) / 2 for i in range(len(column_labels or []))])
    axis.set_xticklabels(column_labels or [], fontsize=7)
    axis.xaxis.tick_top()
    axis.set_yticks([(height + 1) * i + (height - 1) / 2 for i in range(len(row_labels or []))])
    axis.set_yticklabels(row_labels or [], fontsize=7)
    axis.tick_params(length=0)
    for spine in axis.spines.values():
        spine.set_visible(False)
    if title:
        axis.set_title(title, fontsize=8, pad=14 if column_labels else 4)
    figure.tight_layout(pad=0.2)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100, bbox_inches="tight", pad_inches=0.05)
    plt.close(figure)
    return path


def image_tensors(dataset) -> tuple:
    """All samples of an (image, label) dataset as two tensors: images (N, C, H, W) and labels
    (N,), in the dataset's order (its transforms applied)."""
    from tinynet.data import DataLoader

    return tuple(next(iter(DataLoader(dataset, batch_size=len(dataset)))))


def load_image_split(name: str, data_dir: str | None = None, download: bool = False) -> dict:
    """The train and test sides of the image dataset called ``name`` (see
    ``tinynet.data.datasets.DATASETS``) as tensors: {"train_images", "train_labels",
    "test_images", "test_labels", "num_classes"}; images (N, C, H, W), labels (N,)."""
    from tinynet.data.datasets import get_dataset

    train_set = get_dataset(name, train=True, root=data_dir, download=download)
    test_set = get_dataset(name, train=False, root=data_dir, download=download)
    train_images, train_labels = image_tensors(train_set)
    test_images, test_labels = image_tensors(test_set)
    if train_images.ndim != 4:
        raise ValueError(f"the generative models need images (C, H, W), but {name!r} gives "
                         f"samples of shape {tuple(train_images.shape[1:])}")
    return {"train_images": train_images, "train_labels": train_labels,
            "test_images": test_images, "test_labels": test_labels,
            "num_classes": len(test_set.classes)}


def one_per_class(labels, count: int = 10) -> list[int]:
    """The indices of the first sample of each class 0, 1, ... (up to ``count`` classes), for
    figures that show one example of every digit."""
    values = labels.tolist()
    return [values.index(label) for label in range(count) if label in values]

