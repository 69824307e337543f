"""Random tensors shaped like another (rand_like, randn_like, randint_like) and empty_like, with
PyTorch's keyword-only arguments, and sampling indices from a categorical distribution
(multinomial). zeros_like, ones_like and full_like are in creation.py.

Like PyTorch's, the ``*_like`` functions take the shape (and, unless ``dtype`` is given, the
dtype) of ``input``; random values come from the default generator (``tinynet.manual_seed``)
unless ``generator`` names another. ``layout`` and ``memory_format`` are accepted and ignored
(tinynet tensors are dense and row-major).
tinynet runs on the CPU only: ``device`` may be None or the CPU, anything else is refused.
"""

from __future__ import annotations

import numpy as np

from tinynet import dtypes
from tinynet.device import check_device
from tinynet.errors import ArgumentError, DtypeError
from tinynet.random import numpy_generator
from tinynet.tensor import Tensor


def _like(input, values, dtype, requires_grad, op_name, device) -> Tensor:  # noqa: A002
    check_device(device)
    result = Tensor._make(np.asarray(values).astype(dtype, copy=False))
    result.requires_grad = requires_grad
    return result


def _float_like(input, dtype, op_name):  # noqa: A002
    dtype = input.dtype if dtype is None else dtypes.as_dtype(dtype)
    if dtype.kind != "f":
        raise DtypeError(f"{op_name}: expects a floating point dtype, got "
                         f"{dtypes.dtype_name(dtype)}")
    return dtype


def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,  # noqa: A002
              memory_format=None, generator=None) -> Tensor:
    """Uniform on [0, 1), with the shape of ``input``."""
    dtype = _float_like(input, dtype, "rand_like")
    values = numpy_generator(generator).random(input.shape)
    return _like(input, values, dtype, requires_grad, "rand_like", device)


def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,  # noqa: A002
               memory_format=None, generator=None) -> Tensor:
    """Standard normal, with the shape of ``input``."""
    dtype = _float_like(input, dtype, "randn_like")
    values = numpy_generator(generator).standard_normal(input.shape)
    return _like(input, values, dtype, requires_grad, "randn_like", device)


def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None,  # noqa: A002
                 requires_grad=False, memory_format=None, generator=None) -> Tensor:
    """Integers uniform on [low, high) with the shape and dtype of ``input``:
    ``randint_like(input, high)`` or ``randint_like(input, low, high)``."""
    if high is None:
        low, high = 0, low
    if high <= low:
        raise ArgumentError(f"randint_like: high ({high}) must be greater than low ({low})")
    dtype = input.dtype if dtype is None else dtypes.as_dtype(dtype)
    values = numpy_generator(generator).integers(low, high, size=input.shape)
    return _like(input, values, dtype, requires_grad, "randint_like", device)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,  # noqa: A002
               memory_format=None) -> Tensor:
    """A tensor with the shape (and dtype) of ``input``; tinynet fills it with zeros, where
    PyTorch leaves whatever the memory held."""
    dtype = input.dtype if dtype is None else dtypes.as_dtype(dtype)
    return _like(input, np.zeros(input.shape, dtype), dtype, requires_grad, "empty_like", device)





def multinomial(input, num_samples, replacement=False, *, generator=None,  # noqa: A002
                out=None) -> Tensor:
    """``num_samples`` indices drawn from the categories whose (unnormalized, non-negative)
    weights are the last dim of ``input`` (1-D: one distribution, 2-D: one per row); without
    ``replacement`` each category is drawn at most once. int64 indices of shape
    (num_samples,) or (rows, num_samples)."""
    from tinynet.ops.out import write_out

    weights = np.asarray(input._data, dtype=np.float64)
    if weights.ndim not in (1, 2):
        raise ArgumentError(f"multinomial: prob_dist must be 1 or 2 dim, got shape "
                            f"{list(input.shape)}")
    rows = weights.reshape(-1, weights.shape[-1])
    if not np.isfinite(rows).all() or (rows < 0).any():
        raise ArgumentError("multinomial: probability tensor contains either inf, nan or "
                            "element < 0")
    totals = rows.sum(axis=1)
    if (totals <= 0).any():
        raise ArgumentError("multinomial: the weights of a distribution sum to 0")
    if num_samples <= 0:
        raise ArgumentError(f"multinomial: cannot sample {num_samples} <= 0 samples")
    if not replacement and (num_samples > (rows > 0).sum(axis=1)).any():
        raise ArgumentError(f"multinomial: cannot sample {num_samples} samples without "
                            f"replacement from {weights.shape[-1]} categories "
                            "(counting only those of nonzero weight)")
    rng = numpy_generator(generator)
    samples = np.stack([rng.choice(row.size, size=num_samples, replace=replacement,
                                   p=row / total) for row, total in zip(rows, totals)])
    samples = samples.reshape(weights.shape[:-1] + (num_samples,)).astype(np.int64)
    return write_out(Tensor._make(samples), out, "multinomial")


__all__ = ["rand_like", "randn_like", "randint_like", "empty_like", "multinomial"]
