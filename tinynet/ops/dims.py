"""Checking and normalizing ``dim`` arguments (negative dims count from the end, as in PyTorch)."""

from __future__ import annotations

from tinynet.errors import ShapeError


def normalize_dim(dim: int, ndim: int, op_name: str = "") -> int:
    """``dim`` as a non-negative axis; IndexError naming the valid range otherwise."""
    low, high = (-ndim, ndim - 1) if ndim > 0 else (-1, 0)
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise TypeError(f"{op_name}: dim must be an int, got {dim!r}")
    if not low <= dim <= high:
        raise IndexError(f"{op_name}: dimension out of range (expected to be in range of "
                         f"[{low}, {high}], but got {dim})")
    return dim % ndim if ndim > 0 else 0


def normalize_dims(dim, ndim: int, op_name: str = "") -> tuple:
    """A tuple of distinct non-negative axes; ``None`` means all of them."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    axes = tuple(normalize_dim(d, ndim, op_name) for d in dims)
    if len(set(axes)) != len(axes):
        raise ShapeError(f"{op_name}: dim {dim} names an axis twice")
    return axes


def keepdim_shape(shape: tuple, axes: tuple) -> tuple:
    """``shape`` with the reduced ``axes`` kept as size 1."""
    return tuple(1 if i in axes else size for i, size in enumerate(shape))
