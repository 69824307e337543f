"""Per-sample transforms for images (C, H, W) and sequences (C, L), torchvision's names.

A transform is a callable: sample -> sample. It accepts a ``Tensor`` or a NumPy array and returns
the same kind, with the same shape and dtype unless its docstring says otherwise. The random ones
draw from a ``tinynet.Generator`` (the ``generator=`` argument; default: tinynet's default
generator, seeded by ``tinynet.manual_seed``), so an augmented run repeats exactly.

    train_transform = Compose([RandomShift(1), GaussianNoise(0.05)])
    dataset = Digits(train=True, transform=train_transform)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from tinynet.random import Generator, numpy_generator
from tinynet.tensor import Tensor


def _as_array(sample) -> np.ndarray:
    return sample.numpy() if isinstance(sample, Tensor) else np.asarray(sample)


def _like(result: np.ndarray, sample):
    """Return ``result`` as the same kind (Tensor or array) as ``sample``."""
    return Tensor._make(result) if isinstance(sample, Tensor) else result


def _pair(value) -> tuple[int, int]:
    return (int(value), int(value)) if np.isscalar(value) else tuple(int(v) for v in value)


class Compose:
    """Apply ``transforms`` one after the other."""

    def __init__(self, transforms: Sequence[Callable]):
        self.transforms = list(transforms)

    def __call__(self, sample):
        for transform in self.transforms:
            sample = transform(sample)
        return sample

    def __repr__(self) -> str:
        inner = "".join(f"\n    {t!r}," for t in self.transforms)
        return f"Compose({inner}\n)"


class Normalize:
    """(x − mean[c]) / std[c] for every channel c of a sample (C, ...); float dtype kept."""

    def __init__(self, mean: float | Sequence[float], std: float | Sequence[float]):
        self.mean = np.atleast_1d(np.asarray(mean, dtype=np.float64))
        self.std = np.atleast_1d(np.asarray(std, dtype=np.float64))
        if np.any(self.std == 0):
            raise ValueError(f"std evaluated to zero after conversion, leading to division by "
                             f"zero: {self.std.tolist()}")

    def __call__(self, sample):
        x = _as_array(sample)
        shape = (-1,) + (1,) * (x.ndim - 1)
        dtype = x.dtype if x.dtype.kind == "f" else np.float32
        result = ((x - self.mean.reshape(shape)) / self.std.reshape(shape)).astype(dtype)
        return _like(result, sample)

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"


class RandomCrop:
    """A random ``size`` (h, w) window of an image (..., H, W), after optional zero padding.

    ``padding`` (int, or (left/right, top/bottom) pair) pads every side with ``fill`` first, as
    torchvision does; ``pad_if_needed`` pads an image smaller than ``size`` up to it. Output
    shape (..., h, w).
    """

    def __init__(self, size: int | Sequence[int], padding: int | Sequence[int] | None = None,
                 pad_if_needed: bool = False, fill: float = 0.0,
                 generator: Generator | None = None):
        self.size = _pair(size)
        self.padding = (0, 0) if padding is None else _pair(padding)[::-1]  # (rows, columns)
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.generator = generator

    def __call__(self, sample):
        x = _as_array(sample)
        (pad_rows, pad_columns), (height, width) = self.padding, self.size
        if self.pad_if_needed:
            pad_rows = max(pad_rows, math.ceil((height - x.shape[-2]) / 2))
            pad_columns = max(pad_columns, math.ceil((width - x.shape[-1]) / 2))
        widths = [(0, 0)] * (x.ndim - 2) + [(pad_rows, pad_rows), (pad_columns, pad_columns)]
        x = np.pad(x, widths, constant_values=self.fill)
        if x.shape[-2] < height or x.shape[-1] < width:
            raise ValueError(f"RandomCrop: crop size {(height, width)} is larger than the padded "
                             f"image {x.shape[-2:]}")
        rng = numpy_generator(self.generator)
        top = int(rng.integers(0, x.shape[-2] - height + 1))
        left = int(rng.integers(0, x.shape[-1] - width + 1))
        return _like(np.ascontiguousarray(x[..., top:top + height, left:left + width]), sample)

    def __repr__(self) -> str:
        return f"RandomCrop(size={self.size}, padding={self.padding[::-1]})"


class RandomHorizontalFlip:
    """Reverse the last axis (image width, sequence length) with probability ``p``."""

    def __init__(self, p: float = 0.5, generator: Generator | None = None):
        self.p = p
        self.generator = generator

    def __call__(self, sample):
        if numpy_generator(self.generator).random() < self.p:
            return _like(np.ascontiguousarray(_as_array(sample)[..., ::-1]), sample)
        return sample

    def __repr__(self) -> str:
        return f"RandomHorizontalFlip(p={self.p})"


class RandomShift:
    """Translate a sample (C, *spatial) by a random whole number of steps along each spatial
    axis, uniform in [−max_shift, max_shift], filling the uncovered border with ``fill``.

    ``max_shift`` is one int for every spatial axis, or one per axis (e.g. (0, 2) shifts images
    only sideways). Shape and dtype are kept.
    """

    def __init__(self, max_shift: int | Sequence[int], fill: float = 0.0,
                 generator: Generator | None = None):
        self.max_shift = max_shift
        self.fill = fill
        self.generator = generator

    def __call__(self, sample):
        x = _as_array(sample)
        spatial = x.ndim - 1
        limits = ([int(self.max_shift)] * spatial if np.isscalar(self.max_shift)
                  else [int(m) for m in self.max_shift])
        if len(limits) != spatial:
            raise ValueError(f"RandomShift: {len(limits)} shifts for a sample of shape "
                             f"{list(x.shape)} with {spatial} spatial axes")
        rng = numpy_generator(self.generator)
        shifts = [int(rng.integers(-m, m + 1)) for m in limits]
        result = np.full_like(x, self.fill)
        source, target = [slice(None)], [slice(None)]
        for shift, size in zip(shifts, x.shape[1:]):
            source.append(slice(max(0, -shift), size - max(0, shift)))
            target.append(slice(max(0, shift), size - max(0, -shift)))
        result[tuple(target)] = x[tuple(source)]
        return _like(result, sample)

    def __repr__(self) -> str:
        return f"RandomShift(max_shift={self.max_shift})"


class GaussianNoise:
    """x + ε with ε ~ N(mean, std²) drawn independently per element; float dtype kept."""

    def __init__(self, std: float = 0.1, mean: float = 0.0, generator: Generator | None = None):
        if std < 0:
            raise ValueError(f"GaussianNoise: std must be >= 0, but got {std}")
        self.std = std
        self.mean = mean
        self.generator = generator

    def __call__(self, sample):
        x = _as_array(sample)
        noise = numpy_generator(self.generator).normal(self.mean, self.std, size=x.shape)
        dtype = x.dtype if x.dtype.kind == "f" else np.float32
        return _like((x + noise).astype(dtype), sample)

    def __repr__(self) -> str:
        return f"GaussianNoise(std={self.std}, mean={self.mean})"


class RandomErasing:
    """With probability ``p``, overwrite a random rectangle of an image (C, H, W) with ``value``.

    The rectangle's area is a fraction of the image drawn uniformly from ``scale`` and its aspect
    ratio log-uniformly from ``ratio``; as in torchvision, up to 10 draws are tried and the image
    is returned unchanged if none fits.
    """

    def __init__(self, p: float = 0.5, scale: Sequence[float] = (0.02, 0.33),
                 ratio: Sequence[float] = (0.3, 3.3), value: float = 0.0,
                 generator: Generator | None = None):
        if not 0 <= p <= 1:
            raise ValueError(f"RandomErasing: p must be in [0, 1], but got {p}")
        self.p = p
        self.scale = tuple(scale)
        self.ratio = tuple(ratio)
        self.value = value
        self.generator = generator

    def __call__(self, sample):
        rng = numpy_generator(self.generator)
        if rng.random() >= self.p:
            return sample
        x = _as_array(sample)
        height, width = x.shape[-2:]
        log_ratio = np.log(self.ratio)
        for _ in range(10):
            area = height * width * rng.uniform(*self.scale)
            aspect = math.exp(rng.uniform(*log_ratio))
            erase_height = round(math.sqrt(area * aspect))
            erase_width = round(math.sqrt(area / aspect))
            if 0 < erase_height < height and 0 < erase_width < width:
                top = int(rng.integers(0, height - erase_height + 1))
                left = int(rng.integers(0, width - erase_width + 1))
                result = x.copy()
                result[..., top:top + erase_height, left:left + erase_width] = self.value
                return _like(result, sample)
        return sample

    def __repr__(self) -> str:
        return f"RandomErasing(p={self.p}, scale={self.scale}, ratio={self.ratio})"
