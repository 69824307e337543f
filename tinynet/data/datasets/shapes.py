"""A generated segmentation set: grey images of circles, squares and triangles on a noisy
background, with a per-pixel label map saying which kind of shape covers each pixel.

    images, masks = make_shapes(100, size=32)     # (100, 1, 32, 32) float32, (100, 32, 32) int64
    dataset = Shapes(train=True)                  # dataset[i] == (image, mask)

Labels: 0 background, 1 circle, 2 square, 3 triangle (``SHAPE_CLASSES``). Each image holds 1 to
``max_shapes`` shapes of random size, position and brightness; a later shape hides the ones it
overlaps, in the image and in the mask alike. Brightness and background vary from shape to shape
and image to image, so a pixel's class cannot be read from its grey level alone: a model has to
look at the outline around it. Generated in milliseconds from a seed; the train and test sides
use different draws.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tinynet.data.datasets.base import ArrayDataset

SHAPE_CLASSES = ["background", "circle", "square", "triangle"]


def _shape_mask(kind: int, rows: np.ndarray, cols: np.ndarray, center_row: float,
                center_col: float, radius: float, angle: float) -> np.ndarray:
    """Boolean (H, W) mask of one shape of the given kind (1 circle, 2 square, 3 triangle),
    centred at (center_row, center_col), of circumradius-like size ``radius``, turned by
    ``angle`` (squares and triangles)."""
    dy, dx = rows - center_row, cols - center_col
    if kind == 1:
        return dy ** 2 + dx ** 2 <= radius ** 2
    # Rotate the pixel offsets into the shape's own frame.
    u = dx * np.cos(angle) + dy * np.sin(angle)
    v = -dx * np.sin(angle) + dy * np.cos(angle)
    if kind == 2:
        half_side = radius / np.sqrt(2) * 1.15  # a bit larger than inscribed: similar area
        return (np.abs(u) <= half_side) & (np.abs(v) <= half_side)
    # Equilateral triangle of inradius 0.7·radius: inside when on the inner side of its three
    # edges, whose outward normals point at 90°, 210° and 330° in the shape's frame.
    inside = np.ones_like(u, dtype=bool)
    for edge in range(3):
        normal_angle = np.pi / 2 + 2 * np.pi * edge / 3
        inside &= u * np.cos(normal_angle) + v * np.sin(normal_angle) <= 0.7 * radius
    return inside


def make_shapes(n_samples: int = 1000, size: int = 32, max_shapes: int = 3, noise: float = 0.1,
                rng: np.random.Generator | None = None):
    """Images float32 (n, 1, size, size) roughly in [0, 1] and masks int64 (n, size, size) with
    values in 0..3 (background, circle, square, triangle).

    Per image: background level U(0, 0.3) plus Gaussian pixel noise of std ``noise``; 1 to
    ``max_shapes`` shapes, kind uniform, radius U(size/10, size/4), brightness U(0.5, 1.0),
    centre anywhere that keeps most of the shape inside the image, rotation uniform.
    """
    rng = rng or np.random.default_rng(0)
    rows, cols = np.mgrid[0:size, 0:size].astype(np.float64)
    images = np.empty((n_samples, 1, size, size), dtype=np.float32)
    masks = np.zeros((n_samples, size, size), dtype=np.int64)
    for index in range(n_samples):
        image = np.full((size, size), rng.uniform(0.0, 0.3))
        for _ in range(rng.integers(1, max_shapes + 1)):
            kind = int(rng.integers(1, 4))
            radius = rng.uniform(size / 10, size / 4)
            center_row, center_col = rng.uniform(radius * 0.7, size - radius * 0.7, size=2)
            covered = _shape_mask(kind, rows, cols, center_row, center_col, radius,
                                  rng.uniform(0, 2 * np.pi))
            image[covered] = rng.uniform(0.5, 1.0)
            masks[index][covered] = kind
        images[index, 0] = image + noise * rng.standard_normal((size, size))
    return images, masks


class Shapes(ArrayDataset):
    """Shapes segmentation: ``dataset[i] == (image, mask)``, image float32 (1, size, size),
    mask int64 (size, size) in 0..3 (``SHAPE_CLASSES``). 2,000 train / 500 test images of 32x32
    by default; ``.data``: (N, 1, size, size), ``.targets``: (N, size, size); ``classes`` lists
    the four label values."""

    def __init__(self, train: bool = True, n_samples: int | None = None, size: int = 32,
                 max_shapes: int = 3, noise: float = 0.1, seed: int = 0,
                 transform: Callable | None = None):
        count = n_samples if n_samples is not None else (2000 if train else 500)
        rng = np.random.default_rng([seed, 0 if train else 1])
        super().__init__(*make_shapes(count, size, max_shapes, noise, rng), transform)
