"""More loss functions with PyTorch's names and arguments: margin and ranking losses, the soft
margin losses, the Poisson and Gaussian negative log-likelihoods and the triplet losses. Each is a
composition of differentiable ops (so it has second derivatives too).

``reduction`` is "mean" (the average over every loss term), "sum" or "none". The legacy
``size_average`` and ``reduce`` arguments are accepted where PyTorch has them and, when given, decide
the reduction as in PyTorch (with a deprecation warning): reduce=False gives "none", else
size_average=False gives "sum", else "mean".
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from tinynet import ops
from tinynet.nn.functional.distance import pairwise_distance
from tinynet.ops import nn_ops
from tinynet.tensor import Tensor
from tinynet.errors import ShapeError

_REDUCTIONS = ("none", "mean", "sum")


def legacy_reduction(size_average, reduce, reduction: str) -> str:
    """The reduction PyTorch derives from the legacy ``size_average``/``reduce`` flags (each None
    meaning True), or ``reduction`` when both are None."""
    if size_average is None and reduce is None:
        return reduction
    warnings.warn(
        "size_average and reduce args will be deprecated, please use reduction='"
        + ("none" if reduce is False else "sum" if size_average is False else "mean")
        + "' instead.", UserWarning, stacklevel=3)
    if reduce is False:
        return "none"
    return "sum" if size_average is False else "mean"


def reduce_loss(loss: Tensor, reduction: str, name: str) -> Tensor:
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.mean()
    raise ValueError(f"{name}: reduction must be one of {', '.join(_REDUCTIONS)}; got {reduction!r}")


def _check_reduction(reduction: str, name: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(
            f"{name}: reduction must be one of {', '.join(_REDUCTIONS)}; got {reduction!r}"
        )


def _tensor(value, like: Tensor | None = None) -> Tensor:
    if isinstance(value, Tensor):
        return value
    return Tensor._make(np.asarray(value, dtype=None if like is None else like.dtype))


def _same_shapes(name: str, **tensors) -> None:
    shapes = {role: tuple(t.shape) for role, t in tensors.items()}
    if len(set(shapes.values())) > 1:
        text = ", ".join(f"{role} {list(shape)}" for role, shape in shapes.items())
        raise ShapeError(f"{name}: the shapes must be the same, got {text}")


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                        size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """ℓ = max(0, −y (x1 − x2) + margin): y = 1 asks for x1 ranked above x2 by ``margin``,
    y = −1 for the reverse.   Shapes: input1, input2, target the same, (N,) or ()."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "margin_ranking_loss")
    target = _tensor(target, input1)
    _same_shapes("margin_ranking_loss", input1=input1, input2=input2, target=target)
    return reduce_loss(ops.relu(-target * (input1 - input2) + margin), reduction,
                       "margin_ranking_loss")


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, size_average=None,
                         reduce=None, reduction: str = "mean") -> Tensor:
    """ℓ = x where y = 1 and max(0, margin − x) where y = −1 (x is typically a distance between
    two inputs, y says whether they are alike).   Shapes: input and target the same (*)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "hinge_embedding_loss")
    target = _tensor(target, input)
    _same_shapes("hinge_embedding_loss", input=input, target=target)
    # as in PyTorch: a target other than ±1 gets both terms
    unlike = (target._data != 1).astype(input.dtype)
    alike = (target._data != -1).astype(input.dtype)
    loss = ops.relu(margin - input) * unlike + input * alike
    return reduce_loss(loss, reduction, "hinge_embedding_loss")


def soft_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """ℓ = log(1 + exp(−y x)) for labels y = ±1 (a smooth hinge), computed stably as
    softplus(−y x).   Shapes: input and target the same (*)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "soft_margin_loss")
    target = _tensor(target, input)
    _same_shapes("soft_margin_loss", input=input, target=target)
    return reduce_loss(nn_ops.softplus(-target * input), reduction, "soft_margin_loss")


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                          size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """ℓ = 1 − cos(x1, x2) where y = 1 and max(0, cos(x1, x2) − margin) where y = −1, with
    cos = x1·x2 / √((‖x1‖² + 1e-12)(‖x2‖² + 1e-12)) as in PyTorch.
    Shapes: input1, input2 (N, D) or (D,); target (N,) or ()."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "cosine_embedding_loss")
    target = _tensor(target, input1)
    _same_shapes("cosine_embedding_loss", input1=input1, input2=input2)
    if input1.ndim not in (1, 2) or target.shape != input1.shape[:-1]:
        raise ShapeError(
            f"cosine_embedding_loss: expected inputs (N, D) with target (N,), or (D,) with a "
            f"0-d target; got inputs {list(input1.shape)} and target {list(target.shape)}"
        )
    product = ops.sum(input1 * input2, -1)
    squares = (ops.sum(input1 * input1, -1) + 1e-12) * (ops.sum(input2 * input2, -1) + 1e-12)
    cosine = product / ops.sqrt(squares)
    loss = ((1.0 - cosine) * (target._data == 1).astype(input1.dtype)
            + ops.relu(cosine - margin) * (target._data == -1).astype(input1.dtype))
    return reduce_loss(loss, reduction, "cosine_embedding_loss")


def _class_inputs(name: str, input: Tensor) -> tuple:
    """input (N, C) or (C,) as (N, C), with a flag to drop the batch dim again."""
    if input.ndim not in (1, 2) or input.shape[-1] == 0:
        raise ShapeError(f"{name}: expected input (N, C) or (C,), got {list(input.shape)}")
    return (input, False) if input.ndim == 2 else (input.reshape(1, -1), True)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                size_average=None, reduce=None,
                                reduction: str = "mean") -> Tensor:
    """ℓ = −(1/C) Σ_c w_c (y_c log σ(x_c) + (1 − y_c) log σ(−x_c)) per sample: a binary
    cross-entropy on logits for each of C labels, averaged over the labels.
    Shapes: input and target (N, C) (or (C,)); weight (C,); loss per sample (N,)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "multilabel_soft_margin_loss")
    target = _tensor(target, input)
    _same_shapes("multilabel_soft_margin_loss", input=input, target=target)
    if input.ndim == 0:
        raise ValueError("multilabel_soft_margin_loss: expected input (N, C) or (C,), got a scalar")
    loss = target * nn_ops.softplus(-input) + (1.0 - target) * nn_ops.softplus(input)
    if weight is not None:
        loss = loss * weight
    loss = ops.sum(loss, input.ndim - 1) / input.shape[-1]
    return reduce_loss(loss, reduction, "multilabel_soft_margin_loss")


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,
                      weight: Tensor | None = None, size_average=None, reduce=None,
                      reduction: str = "mean") -> Tensor:
    """ℓ = (1/C) Σ_{i ≠ y} w_y max(0, margin − x_y + x_i)^p: a multi-class hinge loss for the
    class index y (p is 1 or 2).   Shapes: input (N, C) or (C,), target (N,) or (), weight (C,)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "multi_margin_loss")
    if p not in (1, 2):
        raise ShapeError(f"multi_margin_loss: only p == 1 and p == 2 are supported, got {p}")
    target = _tensor(target)
    batched, unbatched = _class_inputs("multi_margin_loss", input)
    labels = np.asarray(target._data).reshape(-1)
    classes = batched.shape[1]
    if labels.shape[0] != batched.shape[0] or labels.dtype.kind not in "iu":
        raise ShapeError(
            f"multi_margin_loss: expected integer class indices of shape "
            f"{list(input.shape[:-1])}, got {target.dtype} of shape {list(target.shape)}"
        )
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise IndexError(f"multi_margin_loss: target out of bounds for {classes} classes")
    if weight is not None and tuple(weight.shape) != (classes,):
        raise ShapeError(f"multi_margin_loss: weight must have shape [{classes}], "
                         f"got {list(weight.shape)}")
    rows = np.arange(labels.shape[0])
    correct = batched[rows, labels].reshape(-1, 1)
    terms = ops.relu(margin - correct + batched)
    if p == 2:
        terms = terms * terms
    if weight is not None:
        terms = terms * weight[labels].reshape(-1, 1)
    others = np.ones(batched.shape, dtype=input.dtype)
    others[rows, labels] = 0
    loss = ops.sum(terms * others, 1) / classes
    if unbatched:
        loss = loss.reshape(())
    return reduce_loss(loss, reduction, "multi_margin_loss")


def multilabel_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                           reduction: str = "mean") -> Tensor:
    """ℓ = (1/C) Σ_j Σ_{i ∉ targets} max(0, 1 − (x_{y_j} − x_i)) over the target classes y_j:
    the class indices at the start of ``target``'s row, up to the first −1.
    Shapes: input and target (N, C) or (C,), target of integers; loss per sample (N,)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "multilabel_margin_loss")
    target = _tensor(target)
    batched, unbatched = _class_inputs("multilabel_margin_loss", input)
    labels = np.asarray(target._data).reshape(batched.shape) if target.shape == input.shape \
        else None
    if labels is None or labels.dtype.kind not in "iu":
        raise ShapeError(
            f"multilabel_margin_loss: expected an integer target of the input's shape "
            f"{list(input.shape)}, got {target.dtype} of shape {list(target.shape)}"
        )
    samples, classes = batched.shape
    if ((labels < -1) | (labels >= classes)).any():
        raise IndexError(f"multilabel_margin_loss: target out of bounds for {classes} classes")
    counts = np.zeros((samples, classes), dtype=input.dtype)  # times each class is listed
    for sample in range(samples):
        row = labels[sample]
        stop = np.flatnonzero(row == -1)
        for label in row[: stop[0] if stop.size else classes]:
            counts[sample, label] += 1
    others = (counts == 0).astype(input.dtype)
    pairs = counts[:, :, None] * others[:, None, :]  # (N, target j, other i)
    hinge = ops.relu(1.0 - batched.unsqueeze(2) + batched.unsqueeze(1))
    loss = ops.sum(hinge * pairs, (1, 2)) / classes
    if unbatched:
        loss = loss.reshape(())
    return reduce_loss(loss, reduction, "multilabel_margin_loss")


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     size_average=None, eps: float = 1e-8, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """The negative log-likelihood of ``target`` under Poisson(λ): ℓ = exp(x) − y x with
    ``log_input`` (x = log λ), else ℓ = x − y log(x + eps). ``full`` adds Stirling's
    approximation of log(y!), y log y − y + ½ log(2π y), where y > 1.   Shapes: the same (*)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "poisson_nll_loss")
    target = _tensor(target, input)
    _same_shapes("poisson_nll_loss", input=input, target=target)
    if log_input:
        loss = ops.exp(input) - target * input
    else:
        loss = input - target * ops.log(input + eps)
    if full:
        y = target._data
        safe = np.where(y > 1, y, 1).astype(input.dtype)
        stirling = safe * np.log(safe) - safe + 0.5 * np.log(2 * np.pi * safe)
        loss = loss + Tensor._make(np.where(y > 1, stirling, 0).astype(input.dtype))
    return reduce_loss(loss, reduction, "poisson_nll_loss")


def gaussian_nll_loss(input: Tensor, target: Tensor, var, full: bool = False,
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """The negative log-likelihood of ``target`` under N(input, var):
    ℓ = ½ (log max(var, eps) + (x − y)² / max(var, eps)) (+ ½ log 2π with ``full``); var is
    clamped at eps for stability with the gradient passing through unclamped, as in PyTorch.
    Shapes: input and target (N, *); var the same, or one dim less, or the last dim 1, or a float."""
    _check_reduction(reduction, "gaussian_nll_loss")
    target = _tensor(target, input)
    if not isinstance(var, Tensor):
        var = Tensor._make(np.full(input.shape, var, dtype=input.dtype))
    if var.shape != input.shape:
        if input.shape[:-1] == var.shape:
            var = var.unsqueeze(-1)
        elif not (input.shape[:-1] == var.shape[:-1] and var.shape[-1:] == (1,)):
            raise ShapeError(f"gaussian_nll_loss: var is of incorrect size {list(var.shape)} "
                             f"for input {list(input.shape)}")
    if np.any(var._data < 0):
        raise ValueError("gaussian_nll_loss: var has negative entry/entries")
    var = var + Tensor._make(np.maximum(var._data, eps) - var._data)
    difference = input - target
    loss = 0.5 * (ops.log(var) + difference * difference / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return reduce_loss(loss, reduction, "gaussian_nll_loss")


def _triplet_inputs(name: str, anchor, positive, negative) -> None:
    dims = (anchor.ndim, positive.ndim, negative.ndim)
    if len(set(dims)) > 1 or dims[0] not in (1, 2):
        raise ShapeError(
            f"{name}: anchor, positive and negative must all be (N, D) or all (D,), got "
            f"{list(anchor.shape)}, {list(positive.shape)} and {list(negative.shape)}"
        )


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0,
                        p: float = 2, eps: float = 1e-6, swap: bool = False, size_average=None,
                        reduce=None, reduction: str = "mean") -> Tensor:
    """ℓ = max(0, d(a, p) − d(a, n) + margin) with d = pairwise_distance(·, ·, p, eps); ``swap``
    uses min(d(a, n), d(p, n)) for the negative distance (Balntas et al. 2016).
    Shapes: anchor, positive, negative (N, D) or (D,); loss (N,) or ()."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "triplet_margin_loss")
    _triplet_inputs("triplet_margin_loss", anchor, positive, negative)
    positive_distance = pairwise_distance(anchor, positive, p, eps)
    negative_distance = pairwise_distance(anchor, negative, p, eps)
    if swap:
        negative_distance = ops.minimum(negative_distance,
                                        pairwise_distance(positive, negative, p, eps))
    loss = ops.relu(positive_distance - negative_distance + margin)
    return reduce_loss(loss, reduction, "triplet_margin_loss")


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function=None, margin: float = 1.0,
                                      swap: bool = False, reduction: str = "mean") -> Tensor:
    """ℓ = max(0, d(a, p) − d(a, n) + margin) for any distance function d of two tensors
    (default pairwise_distance); ``swap`` as in triplet_margin_loss."""
    _check_reduction(reduction, "triplet_margin_with_distance_loss")
    if margin <= 0:
        raise ValueError(
            f"triplet_margin_with_distance_loss: margin must be greater than 0, got {margin}")
    _triplet_inputs("triplet_margin_with_distance_loss", anchor, positive, negative)
    distance = pairwise_distance if distance_function is None else distance_function
    positive_distance = distance(anchor, positive)
    negative_distance = distance(anchor, negative)
    if swap:
        negative_distance = ops.minimum(negative_distance, distance(positive, negative))
    loss = ops.relu(positive_distance - negative_distance + margin)
    return reduce_loss(loss, reduction, "triplet_margin_with_distance_loss")
