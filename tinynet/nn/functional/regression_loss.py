"""The regression losses: mse_loss, l1_loss, smooth_l1_loss, huber_loss. Each builds the graph
PyTorch builds: mse, smooth L1 and Huber are one node each (``MseLossBackward``, ...; see
``tinynet.ops.pointwise_loss``), l1_loss and the weighted forms are composed of ops."""

from __future__ import annotations

from tinynet import ops
from tinynet.nn.functional.loss_common import (
    _check_reduction,
    _elementwise_inputs,
    _reduce,
    legacy_reduction,
)
from tinynet.ops.pointwise_loss import HuberLoss, MseLoss, SmoothL1Loss
from tinynet.tensor import Tensor, tensor
from tinynet.errors import ShapeError


def _sample_weighted(name, unweighted, weight, input, reduction, mean_over_weights):
    """A loss with per-element ``weight`` (input's shape), composed as PyTorch composes it:
    ℓ·w, summed, and for "mean" divided by Σ w (``mean_over_weights``) or by the count."""
    weight = weight if isinstance(weight, Tensor) else tensor(weight)
    if weight.shape != input.shape:
        raise ShapeError(
            f"{name}: weight must have the input's shape {list(input.shape)} (one weight per "
            f"element), got {list(weight.shape)}"
        )
    weighted = unweighted * weight
    if reduction == "mean" and mean_over_weights:
        return weighted.sum() / weight.sum()
    return _reduce(weighted, reduction, name)


def mse_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """ℓ = (x − y)², one graph node (``MseLossBackward``) as in PyTorch. With ``weight`` (input's
    shape): ℓ·w, and "mean" is Σ ℓ·w / Σ w (composed of ops, as PyTorch builds it).   Shapes: input and target (*).
    ``size_average``/``reduce``: PyTorch's deprecated form of ``reduction``."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "mse_loss")
    input, target = _elementwise_inputs("mse_loss", input, target)
    if weight is not None:
        unweighted = (input - target) ** 2
        return _sample_weighted("mse_loss", unweighted, weight, input, reduction, True)
    return MseLoss.apply(input, target, reduction=reduction)


def l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """ℓ = |x − y|, composed of abs and a reduction (as PyTorch builds it). With ``weight``
    (input's shape): ℓ·w, and "mean" is Σ ℓ·w / Σ w.   Shapes: input and target (*)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "l1_loss")
    input, target = _elementwise_inputs("l1_loss", input, target)
    if weight is not None:
        unweighted = ops.abs(input - target)
        return _sample_weighted("l1_loss", unweighted, weight, input, reduction, True)
    return _reduce(ops.abs(input - target), reduction, "l1_loss")


def smooth_l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """ℓ = 0.5 d² / β where |d| < β, else |d| − 0.5 β (d = x − y; β = 0 gives |d|), one graph
    node (``SmoothL1LossBackward``)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "smooth_l1_loss")
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    input, target = _elementwise_inputs("smooth_l1_loss", input, target)
    if beta == 0:  # exactly l1_loss, and built as PyTorch builds it then
        return l1_loss(input, target, reduction=reduction)
    return SmoothL1Loss.apply(input, target, reduction=reduction, beta=float(beta))


def huber_loss(
    input: Tensor,
    target: Tensor,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: Tensor | None = None,
) -> Tensor:
    """ℓ = 0.5 d² where |d| ≤ δ, else δ (|d| − 0.5 δ) (= δ · smooth_l1 with β = δ), one graph
    node (``HuberLossBackward``). With ``weight`` (input's shape): ℓ·w, and "mean" is the mean of
    ℓ·w (PyTorch's choice here, unlike mse_loss and l1_loss)."""
    _check_reduction(reduction, "huber_loss")
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    input, target = _elementwise_inputs("huber_loss", input, target)
    if weight is not None:
        unweighted = HuberLoss.apply(input, target, reduction="none", delta=float(delta))
        return _sample_weighted("huber_loss", unweighted, weight, input, reduction, False)
    return HuberLoss.apply(input, target, reduction=reduction, delta=float(delta))
