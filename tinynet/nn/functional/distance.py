"""Distances and similarities between vectors, and scaling vectors to unit norm: compositions of
differentiable ops, so they have second derivatives too.

The p-norm is ‖v‖_p = (Σ |vᵢ|^p)^(1/p); p = inf gives max |vᵢ| and p = 0 the number of non-zero
entries (a count, with no gradient).
"""

from __future__ import annotations

import math

import numpy as np

from tinynet import ops
from tinynet.tensor import Tensor
from tinynet.errors import ShapeError


def _as_tensor(value) -> Tensor:
    return value if isinstance(value, Tensor) else Tensor._make(np.asarray(value))


def p_norm(input: Tensor, p: float, dim, keepdim: bool = False) -> Tensor:
    """‖input‖_p along ``dim``. For p = 2, √(Σ vᵢ²) (its gradient at the zero vector is not
    finite: the callers keep away from it with ``eps``)."""
    if p == 2:
        return ops.sqrt(ops.sum(input * input, dim, keepdim))
    if p == 1:
        return ops.sum(ops.abs(input), dim, keepdim)
    if p == math.inf:
        return ops.amax(ops.abs(input), dim, keepdim)
    if p == 0:
        count = (input._data != 0).sum(axis=dim, keepdims=keepdim)
        return Tensor._make(np.asarray(count, dtype=input.dtype))
    if p < 0:
        raise ShapeError(f"p-norm: p must be non-negative, got {p}")
    return ops.pow(ops.sum(ops.pow(ops.abs(input), p), dim, keepdim), 1.0 / p)


def _broadcast(name: str, x1: Tensor, x2: Tensor) -> tuple:
    try:
        shape = np.broadcast_shapes(x1.shape, x2.shape)
    except ValueError:
        raise ShapeError(
            f"{name}: x1 of shape {list(x1.shape)} and x2 of shape {list(x2.shape)} cannot be "
            f"broadcast together"
        ) from None
    return shape


def pairwise_distance(
    x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Tensor:
    """d = ‖x1 − x2 + eps‖_p over the last dim (eps keeps the gradient finite where x1 = x2).
    Shapes: x1 and x2 broadcastable, (N, D) or (D,); output (N,) or () (keepdim: (N, 1))."""
    x1, x2 = _as_tensor(x1), _as_tensor(x2)
    shape = _broadcast("pairwise_distance", x1, x2)
    if len(shape) == 0:
        raise ShapeError("pairwise_distance: expected inputs with at least 1 dim, got scalars")
    return p_norm(x1 - x2 + eps, p, -1, keepdim)


def pdist(input: Tensor, p: float = 2) -> Tensor:
    """The p-norm distances between every pair of rows i < j of ``input`` (N, M), in the order
    (0, 1), (0, 2), ..., (1, 2), ...: the upper triangle of the distance matrix, as a vector of
    N (N − 1) / 2 entries."""
    if input.ndim != 2:
        raise ShapeError(f"pdist: expected a 2-D input (N, M), got shape {list(input.shape)}")
    if p < 0:
        raise ShapeError(f"pdist: p must be non-negative, got {p}")
    rows, columns = np.triu_indices(input.shape[0], 1)
    if rows.size == 0:
        return Tensor._make(np.zeros((0,), input.dtype))
    return p_norm(input[rows] - input[columns], p, 1)


def _clamped_below(value: Tensor, low: float) -> Tensor:
    """max(value, low) in the forward pass, with the gradient of ``value`` itself (PyTorch clamps
    these norms without recording the clamp)."""
    clamped = np.maximum(value._data, np.asarray(low, value.dtype))
    return value + Tensor._make(clamped - value._data)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """cos = Σ (x1 / max(‖x1‖, eps)) (x2 / max(‖x2‖, eps)) along ``dim``, the inputs first
    broadcast together (so the norms are those of the broadcast inputs); ``dim`` is removed."""
    x1, x2 = _as_tensor(x1), _as_tensor(x2)
    shape = _broadcast("cosine_similarity", x1, x2)
    if not -len(shape) <= dim < max(len(shape), 1):
        raise IndexError(
            f"cosine_similarity: dim {dim} is out of range for inputs of {len(shape)} dims"
        )
    x1, x2 = ops.broadcast_to(x1, shape), ops.broadcast_to(x2, shape)
    norm1 = _clamped_below(p_norm(x1, 2, dim, keepdim=True), eps)
    norm2 = _clamped_below(p_norm(x2, 2, dim, keepdim=True), eps)
    return ops.sum((x1 / norm1) * (x2 / norm2), dim)


def normalize(
    input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Tensor | None = None
) -> Tensor:
    """v / max(‖v‖_p, eps) for each vector v along ``dim`` (a zero vector stays zero). With
    ``out``, the result is also copied into ``out``, which is returned."""
    if not -max(input.ndim, 1) <= dim < max(input.ndim, 1):
        raise IndexError(f"normalize: dim {dim} is out of range for a {input.ndim}-D input")
    norm = p_norm(input, p, dim, keepdim=True)
    result = input / ops.clamp(norm, min=eps)
    if out is not None:
        out.copy_(result)
        return out
    return result
