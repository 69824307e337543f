"""Loss functions. Each computes a per-element (or per-sample) loss ℓ and reduces it:
``reduction="none"`` returns ℓ, ``"sum"`` Σ ℓ, ``"mean"`` its average (weighted where weights are
given, as in PyTorch).

Unlike PyTorch, a NaN in an input raises ValueError naming the loss (a NaN loss is always a bug
upstream, and a silent NaN loss only surfaces epochs later), and the input and target of the
elementwise losses must have the same shape (PyTorch warns and broadcasts, which is almost never
what was meant).
"""

from __future__ import annotations

import numpy as np

from tinynet import ops
from tinynet.nn.functional.activation import log_softmax
from tinynet.ops import nn_ops
from tinynet.ops.loss import CrossEntropy
from tinynet.tensor import Tensor, tensor

_REDUCTIONS = ("none", "mean", "sum")


def _reduce(loss: Tensor, reduction: str, name: str) -> Tensor:
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.mean()
    raise ValueError(
        f"{name}: reduction must be one of {', '.join(_REDUCTIONS)}; got {reduction!r}"
    )


def _check_reduction(reduction: str, name: str, allowed=_REDUCTIONS) -> None:
    if reduction not in allowed:
        raise ValueError(
            f"{name}: reduction must be one of {', '.join(allowed)}; got {reduction!r}"
        )


def _check_no_nan(name: str, **tensors) -> None:
    for role, tensor in tensors.items():
        if tensor is not None and tensor.dtype.kind == "f" and np.isnan(tensor._data).any():
            count = int(np.isnan(tensor._data).sum())
            raise ValueError(
                f"{name}: {role} contains NaN ({count} of {tensor.numel()} "
                f"elements, shape {list(tensor.shape)})"
            )


def _elementwise_inputs(name: str, input, target):
    """Check an elementwise loss's operands: tensors of the same shape, no NaN."""
    target = target if isinstance(target, Tensor) else tensor(target)
    if input.shape != target.shape:
        raise ValueError(
            f"{name}: input shape {list(input.shape)} and target shape "
            f"{list(target.shape)} differ; they must be the same"
        )
    _check_no_nan(name, input=input, target=target)
    return input, target


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """ℓ = (x − y)².   Shapes: input and target (*)."""
    _check_reduction(reduction, "mse_loss")
    input, target = _elementwise_inputs("mse_loss", input, target)
    difference = input - target
    return _reduce(difference * difference, reduction, "mse_loss")


def l1_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """ℓ = |x − y|.   Shapes: input and target (*)."""
    _check_reduction(reduction, "l1_loss")
    input, target = _elementwise_inputs("l1_loss", input, target)
    return _reduce(ops.abs(input - target), reduction, "l1_loss")


def smooth_l1_loss(
    input: Tensor, target: Tensor, reduction: str = "mean", beta: float = 1.0
) -> Tensor:
    """ℓ = 0.5 d² / β where |d| < β, else |d| − 0.5 β (d = x − y; β = 0 gives l1_loss)."""
    _check_reduction(reduction, "smooth_l1_loss")
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    input, target = _elementwise_inputs("smooth_l1_loss", input, target)
    distance = ops.abs(input - target)
    if beta == 0:
        return _reduce(distance, reduction, "smooth_l1_loss")
    quadratic = 0.5 * distance * distance / beta
    loss = ops.where(distance._data < beta, quadratic, distance - 0.5 * beta)
    return _reduce(loss, reduction, "smooth_l1_loss")


def huber_loss(
    input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0
) -> Tensor:
    """ℓ = 0.5 d² where |d| ≤ δ, else δ (|d| − 0.5 δ) (= δ · smooth_l1 with β = δ)."""
    _check_reduction(reduction, "huber_loss")
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    input, target = _elementwise_inputs("huber_loss", input, target)
    distance = ops.abs(input - target)
    loss = ops.where(
        distance._data <= delta, 0.5 * distance * distance, delta * (distance - 0.5 * delta)
    )
    return _reduce(loss, reduction, "huber_loss")


def binary_cross_entropy(
    input: Tensor, target: Tensor, weight: Tensor | None = None, reduction: str = "mean"
) -> Tensor:
    """ℓ = −w (y log x + (1 − y) log(1 − x)) for probabilities x ∈ [0, 1], logs clamped at −100
    (finite for x = 0 or 1). Prefer binary_cross_entropy_with_logits, which also takes the sigmoid
    stably.   Shapes: input and target (*), weight broadcastable to them."""
    _check_reduction(reduction, "binary_cross_entropy")
    input, target = _elementwise_inputs("binary_cross_entropy", input, target)
    if input.numel() and (input._data.min() < 0 or input._data.max() > 1):
        raise ValueError(
            "binary_cross_entropy: all elements of input should be between 0 and 1 "
            "(pass probabilities, or use binary_cross_entropy_with_logits on logits)"
        )
    loss = nn_ops.binary_cross_entropy(input, target)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """ℓ = −w (p y log σ(x) + (1 − y) log(1 − σ(x))) for logits x, computed stably as
    w ((1 − y) x + (1 + (p − 1) y) softplus(−x)) (no exp overflows; logits of 1e4 are fine).
    ``pos_weight`` p (one per class, broadcast along the last dim) weighs the positive term.
    Shapes: input and target (*), weight and pos_weight broadcastable to them."""
    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    input, target = _elementwise_inputs("binary_cross_entropy_with_logits", input, target)
    softplus_of_minus_x = nn_ops.softplus(-input)  # = −log σ(x)
    if pos_weight is None:
        loss = (1.0 - target) * input + softplus_of_minus_x
    else:
        log_weight = 1.0 + (pos_weight - 1.0) * target
        loss = (1.0 - target) * input + log_weight * softplus_of_minus_x
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction, "binary_cross_entropy_with_logits")


def _class_last(input: Tensor) -> Tensor:
    """(N, C, d1, ...) -> (N, d1, ..., C): the class dim last, for gathering."""
    return input if input.ndim == 2 else ops.permute(input, (0, *range(2, input.ndim), 1))


def _class_weights(weight: Tensor | None, classes: int, dtype, name: str) -> np.ndarray:
    if weight is None:
        return np.ones(classes, dtype)
    if weight.shape != (classes,):
        raise ValueError(
            f"{name}: weight must have shape [{classes}] (one per class), got {list(weight.shape)}"
        )
    return weight._data.astype(dtype)


def _batched(input: Tensor, target: Tensor, name: str):
    """Add a batch dim to an unbatched (C,) input and () target."""
    if input.ndim == 0:
        raise ValueError(f"{name}: input must have a class dim, got a scalar")
    if input.ndim == 1:
        return input.reshape(1, -1), target.reshape((1,) + target.shape), True
    return input, target, False


def _index_targets(input: Tensor, target: Tensor, weight, ignore_index: int, name: str):
    """Check class-index targets; return (input (N, C, *), labels (N, *) with ignored positions
    set to class 0, per-sample weights w[y_i] (0 where ignored), unbatched)."""
    input, target, unbatched = _batched(input, target, name)
    classes = input.shape[1]
    expected = (input.shape[0],) + input.shape[2:]
    if target.dtype.kind not in "iu" or target.shape != expected:
        raise ValueError(
            f"{name}: expected an integer target of shape {list(expected)} for "
            f"input of shape {list(input.shape)}, got {target.dtype} target of "
            f"shape {list(target.shape)}"
        )
    labels = target._data
    ignored = labels == ignore_index
    safe_labels = np.where(ignored, 0, labels)
    out_of_range = (safe_labels < 0) | (safe_labels >= classes)
    if out_of_range.any():
        raise IndexError(
            f"{name}: target {safe_labels[out_of_range].flat[0]} is out of bounds "
            f"for {classes} classes"
        )
    sample_weights = _class_weights(weight, classes, input.dtype, name)[safe_labels]
    sample_weights[ignored] = 0
    return input, safe_labels, sample_weights, unbatched


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """ℓ_i = −w[y_i] · x[i, y_i] for log-probabilities x; positions whose target is
    ``ignore_index`` count 0. "mean" divides by Σ w[y_i] over the positions not ignored.
    Shapes: input (N, C, d1, ...) or (C,), target (N, d1, ...) or () of class indices."""
    _check_reduction(reduction, "nll_loss")
    _check_no_nan("nll_loss", input=input)
    target = target if isinstance(target, Tensor) else tensor(target)
    input, labels, sample_weights, unbatched = _index_targets(
        input, target, weight, ignore_index, "nll_loss"
    )
    picked = ops.gather(_class_last(input), -1, Tensor._make(labels[..., None]))
    loss = -ops.squeeze(picked, -1) * sample_weights
    if reduction == "mean":
        return loss.sum() / sample_weights.sum()
    if unbatched and reduction == "none":
        loss = loss.reshape(())
    return _reduce(loss, reduction, "nll_loss")


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """ℓ_i = −Σ_c w_c q_ic log softmax(x_i)_c, with log_softmax taken stably (logits of 1e4 are
    fine). Targets are class indices (q one-hot; ``ignore_index`` and "mean" as in nll_loss) or
    class probabilities q of the input's shape ("mean" divides by the number of samples).
    ``label_smoothing`` ε mixes q with the uniform distribution: (1 − ε) q + ε / C.
    Shapes: input (N, C, d1, ...) or (C,), target (N, d1, ...) or () indices, or like input."""
    name = "cross_entropy"
    _check_reduction(reduction, name)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(
            f"{name}: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}"
        )
    target = target if isinstance(target, Tensor) else tensor(target)
    _check_no_nan(name, input=input, target=target)
    if input.ndim == 0:
        raise ValueError(f"{name}: input must have a class dim, got a scalar")
    if target.dtype.kind != "f" and label_smoothing == 0.0:  # the common case, as one op
        input, labels, sample_weights, unbatched = _index_targets(
            ops.floating(input), target, weight, ignore_index, name
        )
        loss = CrossEntropy.apply(
            input, target=labels, sample_weights=sample_weights, reduction=reduction
        )
        return loss.reshape(()) if unbatched and reduction == "none" else loss
    class_dim = 0 if input.ndim == 1 else 1
    classes = input.shape[class_dim]
    log_probabilities = log_softmax(input, class_dim)
    if target.dtype.kind == "f":
        return _cross_entropy_with_probabilities(
            log_probabilities, target, weight, reduction, label_smoothing
        )
    nll = nll_loss(log_probabilities, target, weight, ignore_index, reduction)
    if label_smoothing == 0.0:
        return nll
    class_weights = _class_weights(weight, classes, input.dtype, name)
    shape = [1] * input.ndim
    shape[class_dim] = classes
    smooth = -(log_probabilities * class_weights.reshape(shape)).sum(class_dim)
    labels = target._data
    ignored = labels == ignore_index
    smooth = smooth * (~ignored).astype(input.dtype)
    if reduction == "mean":
        kept_labels = labels[~ignored]
        denominator = class_weights[kept_labels].sum() if weight is not None else kept_labels.size
        smooth = smooth.sum() / denominator
    else:
        smooth = _reduce(smooth, reduction, name)
    return (1.0 - label_smoothing) * nll + (label_smoothing / classes) * smooth


def _cross_entropy_with_probabilities(log_probabilities, target, weight, reduction, smoothing):
    name = "cross_entropy"
    if target.shape != log_probabilities.shape:
        raise ValueError(
            f"{name}: a floating-point target holds class probabilities and must "
            f"have the input's shape {list(log_probabilities.shape)}, got "
            f"{list(target.shape)} (class indices must be an integer tensor)"
        )
    class_dim = 0 if log_probabilities.ndim == 1 else 1
    classes = log_probabilities.shape[class_dim]
    if smoothing:
        target = target * (1.0 - smoothing) + smoothing / classes
    products = log_probabilities * target
    if weight is not None:
        shape = [1] * log_probabilities.ndim
        shape[class_dim] = classes
        products = products * _class_weights(
            weight, classes, log_probabilities.dtype, name
        ).reshape(shape)
    return _reduce(-products.sum(class_dim), reduction, name)


def kl_div(
    input: Tensor, target: Tensor, reduction: str = "mean", log_target: bool = False
) -> Tensor:
    """ℓ = y (log y − x) for log-probabilities x and probabilities y (0 where y = 0), or
    eʸ (y − x) for log-probabilities y (``log_target``): the pointwise terms of KL(y ‖ eˣ).
    "batchmean" divides the sum by the batch size (the true KL divergence per sample); "mean"
    divides by the number of elements (PyTorch's default, kept for compatibility)."""
    name = "kl_div"
    _check_reduction(reduction, name, _REDUCTIONS + ("batchmean",))
    input, target = _elementwise_inputs(name, input, target)
    if log_target:
        loss = ops.exp(target) * (target - input)
    else:
        positive = target._data > 0
        safe_log = ops.log(ops.where(positive, target, 1.0))  # log 0 would poison the gradient
        loss = ops.where(positive, target * safe_log, 0.0) - target * input
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim else 1)
    return _reduce(loss, reduction, name)
