"""Ordering and finding: sort, argsort, topk, unique, nonzero.

The values of sort and topk are ``gather(input, dim, indices)``, so their gradient goes back to
the positions the values came from (through gather's backward, a scatter-add). The orders follow
PyTorch's: NaN counts as larger than every number, and ``stable=True`` keeps equal elements in
their original order (tinynet's sorts are always stable).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from tinynet import tensor as tensor_module
from tinynet.errors import ArgumentError
from tinynet.ops.dims import normalize_dim
from tinynet.ops.indexing import gather
from tinynet.ops.out import write_out

sort_result = namedtuple("sort", ["values", "indices"])
topk_result = namedtuple("topk", ["values", "indices"])


def _order(array: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """The stable sorting permutation along ``axis`` (NaN last ascending, first descending)."""
    if not descending:
        return np.argsort(array, axis=axis, kind="stable")
    # sorting the reversed array and reversing the order keeps ties in their original order
    reversed_order = np.argsort(np.flip(array, axis), axis=axis, kind="stable")
    return array.shape[axis] - 1 - np.flip(reversed_order, axis)


def _make_indices(array: np.ndarray):
    return tensor_module.Tensor._make(np.ascontiguousarray(array, dtype=np.int64))


def argsort(input, dim=-1, descending=False, *, stable=False):  # noqa: A002 - PyTorch's names
    """The indices that sort ``input`` along ``dim`` (stable whatever ``stable`` says)."""
    if input.ndim == 0:
        return _make_indices(np.zeros((), np.int64))
    axis = normalize_dim(dim, input.ndim, "argsort")
    return _make_indices(_order(input._data, axis, descending))


def sort(input, dim=-1, descending=False, *, stable=False, out=None):  # noqa: A002
    """(values, indices): ``input`` sorted along ``dim``, and where each value came from."""
    indices = argsort(input, dim, descending)
    values = input if input.ndim == 0 else gather(input, dim, indices)
    if out is not None:
        values_out, indices_out = out
        values = write_out(values, values_out, "sort", input)
        indices = write_out(indices, indices_out, "sort")
    return sort_result(values, indices)


def topk(input, k, dim=None, largest=True, sorted=True, *, out=None):  # noqa: A002
    """(values, indices) of the ``k`` largest (``largest=False``: smallest) entries along
    ``dim`` (the last by default), in sorted order (returned sorted whatever ``sorted`` says)."""
    dim = -1 if dim is None else dim
    size = input.shape[normalize_dim(dim, input.ndim, "topk")] if input.ndim else 1
    if not 0 <= k <= size:
        raise ArgumentError(f"topk: selected index k={k} out of range for dim {dim} of size "
                            f"{size} (shape {list(input.shape)})")
    if input.ndim == 0:
        return topk_result(input, _make_indices(np.zeros((), np.int64)))
    axis = normalize_dim(dim, input.ndim, "topk")
    order = _order(input._data, axis, largest)
    indices = _make_indices(order[(slice(None),) * axis + (slice(0, k),)])
    values = gather(input, axis, indices)
    if out is not None:
        values_out, indices_out = out
        values = write_out(values, values_out, "topk", input)
        indices = write_out(indices, indices_out, "topk")
    return topk_result(values, indices)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """The distinct values of ``input`` (or distinct slices along ``dim``), in ascending order
    (also when ``sorted=False``, which PyTorch leaves to the implementation); with
    ``return_inverse`` the index of each input element (or slice) in them, with
    ``return_counts`` how often each occurs. Not differentiable, as in PyTorch."""
    array = input._data
    axis = None if dim is None else normalize_dim(dim, input.ndim, "unique")
    values, inverse, counts = np.unique(array, return_inverse=True, return_counts=True,
                                        axis=axis)
    result = [tensor_module.Tensor._make(values)]
    if return_inverse:
        shape = array.shape if axis is None else (array.shape[axis],)
        result.append(_make_indices(inverse.reshape(shape)))
    if return_counts:
        result.append(_make_indices(counts))
    return result[0] if len(result) == 1 else tuple(result)


def nonzero(input, *, out=None, as_tuple=False):  # noqa: A002
    """The indices of the nonzero entries: an (n, ndim) int64 tensor, one row per entry in
    row-major order; with ``as_tuple=True`` one 1-D tensor per dim (what ``x[...]`` takes)."""
    array = input._data
    if as_tuple:
        return tuple(_make_indices(i) for i in np.nonzero(np.atleast_1d(array)))
    return write_out(_make_indices(np.argwhere(array)), out, "nonzero")


__all__ = ["sort", "argsort", "topk", "unique", "nonzero"]
