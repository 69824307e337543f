"""Affine maps and lookups: linear, bilinear, embedding, one_hot."""

from __future__ import annotations

import numpy as np

from tinynet import ops
from tinynet.autograd.grad_mode import no_grad
from tinynet.ops.linalg import Linear
from tinynet.tensor import Tensor
from tinynet.errors import ShapeError


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x Wᵀ + b.   Shapes: input (*, in_features), weight (out_features, in_features),
    bias (out_features,), output (*, out_features)."""
    if weight.ndim != 2 or input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        raise ShapeError(
            f"linear: input of shape {list(input.shape)} does not fit weight of shape "
            f"{list(weight.shape)} (expected input (*, {weight.shape[-1]}))"
        )
    if input.dtype != weight.dtype:
        raise TypeError(
            f"linear: input dtype {input.dtype} differs from weight dtype "
            f"{weight.dtype}; convert one of them (e.g. model.double() or x.float())"
        )
    if bias is not None:
        if bias.shape != (weight.shape[0],):
            raise ShapeError(
                f"linear: bias of shape {list(bias.shape)} does not fit weight of "
                f"shape {list(weight.shape)}"
            )
        if bias.dtype != weight.dtype:
            raise TypeError(
                f"linear: bias dtype {bias.dtype} differs from weight dtype {weight.dtype}"
            )
    return Linear.apply(input, weight, bias)


def _check_indices(input: Tensor, num_embeddings: int, name: str) -> np.ndarray:
    indices = input._data if isinstance(input, Tensor) else np.asarray(input)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"{name}: indices must be an integer tensor, got {indices.dtype}")
    if indices.size and (indices.min() < 0 or indices.max() >= num_embeddings):
        bad = indices[(indices < 0) | (indices >= num_embeddings)].flat[0]
        raise IndexError(f"{name}: index {bad} is out of range for {num_embeddings} rows")
    return indices


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """y[..., :] = weight[index, :], a table lookup.   Shapes: input (*) integer, weight
    (num_embeddings, embedding_dim), output (*, embedding_dim).

    Rows at ``padding_idx`` get no gradient (they stay as they are, usually zero). With
    ``max_norm``, each looked-up row whose ``norm_type``-norm exceeds it is first rescaled to
    that norm, in place (as in PyTorch)."""
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: scale_grad_by_freq and sparse are not supported")
    if weight.ndim != 2:
        raise ShapeError(f"embedding: weight must be 2-D, got shape {list(weight.shape)}")
    indices = _check_indices(input, weight.shape[0], "embedding")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += weight.shape[0]
    if max_norm is not None:
        _renorm_rows(weight, np.unique(indices), max_norm, norm_type)
    rows = ops.getitem(weight, indices)
    if padding_idx is not None and weight.requires_grad:
        is_padding = (indices == padding_idx)[..., None]
        rows = ops.where(is_padding, rows.detach(), rows)
    return rows


def _renorm_rows(weight: Tensor, rows: np.ndarray, max_norm: float, norm_type: float) -> None:
    with no_grad():
        selected = weight._data[rows]
        norms = np.linalg.norm(selected, ord=norm_type, axis=1, keepdims=True)
        scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        weight._data[rows] = selected * scale
        weight._version += 1


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """y[..., c] = 1 where tensor[...] == c, else 0 (int64).   Shape: (*) -> (*, num_classes);
    ``num_classes=-1`` takes the largest index + 1."""
    indices = tensor._data
    if indices.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expected an integer tensor, got {indices.dtype}")
    if num_classes == -1:
        num_classes = int(indices.max()) + 1 if indices.size else 0
    _check_indices(tensor, num_classes, "one_hot")
    return Tensor._make((indices[..., None] == np.arange(num_classes)).astype(np.int64))


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y_o = x1ᵀ A_o x2 + b_o = Σ_ij x1_i A[o, i, j] x2_j + b_o.   Shapes: input1 (*, in1),
    input2 (*, in2) with the same leading dims, weight (out, in1, in2), bias (out,); output
    (*, out). Computed as one product x1 · A (reshaped to (in1, out · in2)), then a sum against
    x2."""
    if weight.ndim != 3:
        raise ShapeError(f"bilinear: weight must be 3-D (out, in1, in2), got {list(weight.shape)}")
    out_features, in1, in2 = weight.shape
    if (input1.ndim == 0 or input1.shape[-1] != in1 or input2.ndim == 0
            or input2.shape[-1] != in2 or input1.shape[:-1] != input2.shape[:-1]):
        raise ShapeError(
            f"bilinear: inputs of shapes {list(input1.shape)} and {list(input2.shape)} do not "
            f"fit weight of shape {list(weight.shape)} (expected (*, {in1}) and (*, {in2}))"
        )
    if bias is not None and bias.shape != (out_features,):
        raise ShapeError(
            f"bilinear: bias must have shape [{out_features}], got {list(bias.shape)}"
        )
    leading = input1.shape[:-1]
    flat1 = input1.reshape(-1, in1)
    flat2 = input2.reshape(-1, 1, in2)
    mixed = ops.matmul(flat1, weight.permute(1, 0, 2).reshape(in1, out_features * in2))
    output = ops.sum(mixed.reshape(-1, out_features, in2) * flat2, 2)
    if bias is not None:
        output = output + bias
    return output.reshape(leading + (out_features,))
