"""embedding_bag: the sum, mean or max of the embeddings of each bag of indices, without building
the (bags, bag length, embedding_dim) tensor of every looked-up row first."""

from __future__ import annotations

import numpy as np

from tinynet import ops
from tinynet.nn.functional.linear import _check_indices, _renorm_rows
from tinynet.tensor import Tensor
from tinynet.errors import ShapeError

_MODES = ("sum", "mean", "max")


def _bags(input: Tensor, offsets, include_last_offset: bool) -> tuple:
    """(positions in the flattened input of the indices that fall in a bag (K,), the bag of each
    (K,), number of bags B)."""
    indices = np.asarray(input._data if isinstance(input, Tensor) else input)
    if indices.ndim == 2:
        if offsets is not None:
            raise ShapeError("embedding_bag: offsets must be None when the input is 2-D "
                             "(each row is one bag)")
        rows, length = indices.shape
        return np.arange(rows * length), np.repeat(np.arange(rows), length), rows
    if indices.ndim != 1:
        raise ShapeError(f"embedding_bag: input must be 1-D (with offsets) or 2-D (B, N), got "
                         f"shape {list(indices.shape)}")
    if offsets is None:
        raise ShapeError("embedding_bag: offsets are needed with a 1-D input")
    starts = np.asarray(offsets._data if isinstance(offsets, Tensor) else offsets)
    if starts.ndim != 1 or starts.dtype.kind not in "iu":
        raise ShapeError(f"embedding_bag: offsets must be a 1-D integer tensor, got "
                         f"{starts.dtype} of shape {list(starts.shape)}")
    if starts.size and starts[0] != 0:
        raise ShapeError(f"embedding_bag: offsets[0] has to be 0 (the first bag starts at the "
                         f"first index), got {starts[0]}")
    if np.any(np.diff(starts) < 0) or (starts.size and starts[-1] > indices.size):
        raise ShapeError(f"embedding_bag: offsets must be non-decreasing and at most the input "
                         f"length {indices.size}, got {starts.tolist()}")
    ends = np.append(starts[1:], indices.size)
    if include_last_offset:
        if not starts.size or starts[-1] != indices.size:
            raise ShapeError(
                f"embedding_bag: with include_last_offset, the last offset must be the input "
                f"length {indices.size}, got offsets {starts.tolist()}")
        starts, ends = starts[:-1], starts[1:]
    bag_of = np.repeat(np.arange(starts.size), ends - starts)
    positions = np.concatenate([np.arange(s, e) for s, e in zip(starts, ends)] or [[]])
    return positions.astype(np.int64), bag_of, starts.size


def embedding_bag(
    input: Tensor,
    weight: Tensor,
    offsets: Tensor | None = None,
    max_norm: float | None = None,
    norm_type: float = 2,
    scale_grad_by_freq: bool = False,
    mode: str = "mean",
    sparse: bool = False,
    per_sample_weights: Tensor | None = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
) -> Tensor:
    """y_b = Σ, mean or max over the indices i of bag b of weight[i] (Σ_i s_i · weight[i] with
    ``per_sample_weights`` s, mode "sum" only). Bags: the rows of a 2-D input (B, N), or for a
    1-D input the slices input[offsets[b]:offsets[b + 1]] (the last one to the end; with
    ``include_last_offset`` offsets has one more entry, the input length). Indices equal to ``padding_idx`` are
    left out (of the mean's count too); an empty bag gives zeros. ``max_norm`` renormalizes the
    looked-up rows in place first, as embedding does.   Shapes: weight (num_embeddings, D),
    output (B, D).

    ``scale_grad_by_freq`` and ``sparse`` (sparse gradients) are not supported: tinynet refuses
    them."""
    if scale_grad_by_freq or sparse:
        raise ValueError("embedding_bag: scale_grad_by_freq and sparse gradients are not "
                         "supported in tinynet")
    if mode not in _MODES:
        raise ShapeError(f"embedding_bag: mode must be one of {', '.join(_MODES)}, got {mode!r}")
    if weight.ndim != 2:
        raise ShapeError(f"embedding_bag: weight must be 2-D, got shape {list(weight.shape)}")
    if per_sample_weights is not None:
        if mode != "sum":
            raise ShapeError("embedding_bag: per_sample_weights is only supported for "
                             f"mode='sum' (got mode={mode!r})")
        if tuple(per_sample_weights.shape) != tuple(input.shape):
            raise ShapeError(f"embedding_bag: per_sample_weights of shape "
                             f"{list(per_sample_weights.shape)} must have the input's shape "
                             f"{list(input.shape)}")
    num_embeddings, dim = weight.shape
    _check_indices(input, num_embeddings, "embedding_bag")
    positions, bag_of, bags = _bags(input, offsets, include_last_offset)
    indices = np.asarray(input._data).reshape(-1)[positions].astype(np.int64)
    if padding_idx is not None:
        if not -num_embeddings <= padding_idx < num_embeddings:
            raise ShapeError(f"embedding_bag: padding_idx {padding_idx} must be within "
                             f"num_embeddings ({num_embeddings})")
        padding_idx %= num_embeddings
    kept = np.ones(indices.shape, bool) if padding_idx is None else indices != padding_idx
    if max_norm is not None:
        _renorm_rows(weight, np.unique(indices), max_norm, norm_type)
    rows = ops.getitem(weight, indices)
    if per_sample_weights is not None:
        rows = rows * per_sample_weights.reshape(-1)[positions].reshape(-1, 1)
    if mode == "max":
        pieces = []
        for bag in range(bags):
            members = np.flatnonzero((bag_of == bag) & kept)
            pieces.append(ops.amax(rows[members], 0) if members.size
                          else Tensor._make(np.zeros((dim,), weight.dtype)))
        if not pieces:
            return Tensor._make(np.zeros((0, dim), weight.dtype))
        return ops.stack(pieces, 0)
    sums = np.zeros((bags, indices.size), weight.dtype)
    sums[bag_of[kept], np.flatnonzero(kept)] = 1
    if mode == "mean":
        sums /= np.maximum(sums.sum(axis=1, keepdims=True), 1)
    if indices.size == 0:
        return Tensor._make(np.zeros((bags, dim), weight.dtype))
    return ops.matmul(Tensor._make(sums), rows)
