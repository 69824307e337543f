"""Loss functions. Each computes a per-element (or per-sample) loss ℓ and reduces it:
``reduction="none"`` returns ℓ, ``"sum"`` Σ ℓ, ``"mean"`` its average (weighted where weights are
given, as in PyTorch). The regression losses live in ``regression_loss`` and are re-exported here;
``size_average``/``reduce`` are PyTorch's deprecated form of ``reduction`` (``legacy_reduction``).

Unlike PyTorch, a NaN in an input raises ValueError naming the loss (a NaN loss is always a bug
upstream, and a silent NaN loss only surfaces epochs later), and the input and target of the
elementwise losses must have the same shape (PyTorch warns and broadcasts, which is almost never
what was meant).
"""

from __future__ import annotations

import numpy as np

from tinynet import ops
from tinynet.nn.functional.activation import log_softmax
from tinynet.nn.functional.loss_common import (
    _REDUCTIONS,
    _check_no_nan,
    _check_reduction,
    _elementwise_inputs,
    _reduce,
    legacy_reduction,
)
from tinynet.nn.functional.regression_loss import (  # noqa: F401 - re-exported
    huber_loss,
    l1_loss,
    mse_loss,
    smooth_l1_loss,
)
from tinynet.ops.loss import LogSoftmax, NllLoss
from tinynet.ops.pointwise_loss import BinaryCrossEntropy, BinaryCrossEntropyWithLogits
from tinynet.ops.promotion import as_operands
from tinynet.tensor import Tensor, tensor
from tinynet.errors import ShapeError


def _broadcast_weight(name: str, role: str, weight, input: Tensor) -> np.ndarray | None:
    """A constant weight as an array of the input's dtype that broadcasts to the input's shape."""
    if weight is None:
        return None
    array = np.asarray(weight._data if isinstance(weight, Tensor) else weight, input.dtype)
    try:
        shape = np.broadcast_shapes(array.shape, tuple(input.shape))
    except ValueError:
        shape = None
    if shape != tuple(input.shape):
        raise ShapeError(
            f"{name}: {role} of shape {list(array.shape)} must broadcast to the input's shape "
            f"{list(input.shape)}"
        )
    return array


def binary_cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """ℓ = −w (y log x + (1 − y) log(1 − x)) for probabilities x ∈ [0, 1], logs clamped at −100
    (finite for x = 0 or 1), one graph node (``BinaryCrossEntropyBackward``). Prefer
    binary_cross_entropy_with_logits, which also takes the sigmoid stably.
    Shapes: input and target (*), weight broadcastable to them (a constant, as in PyTorch)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "binary_cross_entropy")
    input, target = _elementwise_inputs("binary_cross_entropy", input, target)
    if input.numel() and (input._data.min() < 0 or input._data.max() > 1):
        raise ValueError(
            "binary_cross_entropy: all elements of input should be between 0 and 1 "
            "(pass probabilities, or use binary_cross_entropy_with_logits on logits)"
        )
    input, target = as_operands(input, target)
    weight = _broadcast_weight("binary_cross_entropy", "weight", weight, input)
    return BinaryCrossEntropy.apply(input, target, weight=weight, reduction=reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """ℓ = −w (p y log σ(x) + (1 − y) log(1 − σ(x))) for logits x, computed stably as
    w ((1 − y) x + (1 + (p − 1) y) softplus(−x)) (no exp overflows; logits of 1e4 are fine), one
    graph node (``BinaryCrossEntropyWithLogitsBackward``). ``pos_weight`` p (one per class,
    broadcast along the last dim) weighs the positive term.
    Shapes: input and target (*), weight and pos_weight broadcastable to them (constants)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    name = "binary_cross_entropy_with_logits"
    _check_reduction(reduction, name)
    input, target = _elementwise_inputs(name, input, target)
    input, target = as_operands(ops.floating(input), target)
    return BinaryCrossEntropyWithLogits.apply(
        input,
        target,
        weight=_broadcast_weight(name, "weight", weight, input),
        pos_weight=_broadcast_weight(name, "pos_weight", pos_weight, input),
        reduction=reduction,
    )


def _class_weights(weight: Tensor | None, classes: int, dtype, name: str) -> np.ndarray:
    if weight is None:
        return np.ones(classes, dtype)
    if weight.shape != (classes,):
        raise ShapeError(
            f"{name}: weight must have shape [{classes}] (one per class), got {list(weight.shape)}"
        )
    return weight._data.astype(dtype)


def _index_targets(input: Tensor, target: Tensor, weight, ignore_index: int, name: str):
    """Check class-index targets for an input (N, C, *) or (C,); return (labels of the target's
    shape with ignored positions set to class 0, per-sample weights w[y_i] (0 where ignored))."""
    if input.ndim == 0:
        raise ShapeError(f"{name}: input must have a class dim, got a scalar")
    classes = input.shape[0 if input.ndim == 1 else 1]
    expected = () if input.ndim == 1 else (input.shape[0],) + input.shape[2:]
    if target.dtype.kind not in "iu" or target.shape != expected:
        raise ShapeError(
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
    sample_weights = np.asarray(_class_weights(weight, classes, input.dtype, name)[safe_labels])
    sample_weights[ignored] = 0
    return safe_labels, sample_weights


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """ℓ_i = −w[y_i] · x[i, y_i] for log-probabilities x; positions whose target is
    ``ignore_index`` count 0. "mean" divides by Σ w[y_i] over the positions not ignored (NaN
    when all are ignored, as in PyTorch). One graph node (``NllLossBackward``).
    Shapes: input (N, C, d1, ...) or (C,), target (N, d1, ...) or () of class indices."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "nll_loss")
    _check_no_nan("nll_loss", input=input)
    target = target if isinstance(target, Tensor) else tensor(target)
    labels, sample_weights = _index_targets(input, target, weight, ignore_index, "nll_loss")
    return NllLoss.apply(
        ops.floating(input), target=labels, sample_weights=sample_weights, reduction=reduction
    )


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """ℓ_i = −Σ_c w_c q_ic log softmax(x_i)_c, with log_softmax taken stably (logits of 1e4 are
    fine). Targets are class indices (q one-hot; ``ignore_index`` and "mean" as in nll_loss) or
    class probabilities q of the input's shape ("mean" divides by the number of samples).
    ``label_smoothing`` ε mixes q with the uniform distribution: (1 − ε) q + ε / C.
    With class indices the graph is PyTorch's: ``NllLossBackward`` → ``LogSoftmaxBackward``.
    Shapes: input (N, C, d1, ...) or (C,), target (N, d1, ...) or () indices, or like input."""
    name = "cross_entropy"
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, name)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(
            f"{name}: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}"
        )
    target = target if isinstance(target, Tensor) else tensor(target)
    _check_no_nan(name, input=input, target=target)
    if input.ndim == 0:
        raise ShapeError(f"{name}: input must have a class dim, got a scalar")
    class_dim = 0 if input.ndim == 1 else 1
    classes = input.shape[class_dim]
    if target.dtype.kind == "f":
        log_probabilities = log_softmax(input, class_dim)
        return _cross_entropy_with_probabilities(
            log_probabilities, target, weight, reduction, label_smoothing
        )
    labels, sample_weights = _index_targets(input, target, weight, ignore_index, name)
    log_probabilities = LogSoftmax.apply(ops.floating(input), dim=class_dim)
    nll = NllLoss.apply(
        log_probabilities, target=labels, sample_weights=sample_weights, reduction=reduction
    )
    if label_smoothing == 0.0:
        return nll
    class_weights = _class_weights(weight, classes, input.dtype, name)
    shape = [1] * input.ndim
    shape[class_dim] = classes
    smooth = -(log_probabilities * class_weights.reshape(shape)).sum(class_dim)
    ignored = target._data == ignore_index
    smooth = smooth * (~ignored).astype(input.dtype)
    if reduction == "mean":
        kept_labels = target._data[~ignored]
        denominator = class_weights[kept_labels].sum() if weight is not None else kept_labels.size
        smooth = smooth.sum() / denominator
    else:
        smooth = _reduce(smooth, reduction, name)
    return (1.0 - label_smoothing) * nll + (label_smoothing / classes) * smooth


def _cross_entropy_with_probabilities(log_probabilities, target, weight, reduction, smoothing):
    name = "cross_entropy"
    if target.shape != log_probabilities.shape:
        raise ShapeError(
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
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """ℓ = y (log y − x) for log-probabilities x and probabilities y (0 where y = 0), or
    eʸ (y − x) for log-probabilities y (``log_target``): the pointwise terms of KL(y ‖ eˣ).
    "batchmean" divides the sum by the batch size (the true KL divergence per sample); "mean"
    divides by the number of elements (PyTorch's default, kept for compatibility)."""
    name = "kl_div"
    reduction = legacy_reduction(size_average, reduce, reduction)
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
