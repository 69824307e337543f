"""The elementwise losses that PyTorch computes as one graph node each: mse_loss, smooth_l1_loss,
huber_loss, binary_cross_entropy and binary_cross_entropy_with_logits (``MseLossBackward``, ...).

Each Function computes the per-element loss ℓ and its reduction on arrays in ``forward``; its
``backward`` is written with differentiable tensor ops of the inputs, so gradients of gradients
are right. With reduction "mean" over n elements the incoming gradient is divided by n; with
"sum" it is broadcast to every element; with "none" it is elementwise already. Weights are
constants (PyTorch does not differentiate with respect to them either).
"""

from __future__ import annotations

import numpy as np

from tinynet import ops
from tinynet.autograd.function import Function
from tinynet.autograd.grad_mode import is_grad_enabled
from tinynet.ops import nn_ops
from tinynet.tensor import Tensor


def reduce_array(losses: np.ndarray, reduction: str) -> np.ndarray:
    """ℓ kept ("none"), Σ ℓ ("sum") or Σ ℓ / n ("mean"; NaN for no elements, as in PyTorch)."""
    if reduction == "none":
        return losses
    if reduction == "sum":
        return np.asarray(losses.sum(), losses.dtype)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(losses.sum() / losses.size, losses.dtype)


def per_element(grad: Tensor, reduction: str, count: int) -> Tensor:
    """The gradient each element's loss receives: grad / n for "mean", else grad itself (a
    scalar for "sum" broadcasts)."""
    return grad / count if reduction == "mean" else grad


def _constant(array, like: np.ndarray) -> Tensor | float:
    return 1.0 if array is None else Tensor._make(np.asarray(array, like.dtype))


class MseLoss(Function):
    """ℓ = (x − y)², reduced.   dℓ/dx = 2 (x − y),  dℓ/dy = −2 (x − y)."""

    @staticmethod
    def forward(ctx, x, y, *, reduction):
        ctx.reduction = reduction
        difference = x - y
        return reduce_array(difference * difference, reduction)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.inputs
        grad_x = per_element(grad, ctx.reduction, x.numel()) * 2.0 * (x - y)
        return grad_x, -grad_x


class SmoothL1Loss(Function):
    """ℓ = 0.5 d² / β where |d| < β, else |d| − 0.5 β (d = x − y; β = 0 gives |d|), reduced.
    dℓ/dx = d / β where |d| < β, else sign(d);  dℓ/dy = −dℓ/dx."""

    @staticmethod
    def forward(ctx, x, y, *, reduction, beta):
        ctx.reduction, ctx.beta = reduction, beta
        distance = np.abs(x - y)
        if beta == 0:
            return reduce_array(distance, reduction)
        ctx.inside = distance < beta
        losses = np.where(ctx.inside, 0.5 * distance * distance / beta, distance - 0.5 * beta)
        return reduce_array(losses.astype(x.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.inputs
        difference = x - y
        slope = Tensor._make(np.sign(difference._data))
        if ctx.beta != 0:
            slope = ops.where(ctx.inside, difference / ctx.beta, slope)
        grad_x = per_element(grad, ctx.reduction, x.numel()) * slope
        return grad_x, -grad_x


class HuberLoss(Function):
    """ℓ = 0.5 d² where |d| ≤ δ, else δ (|d| − 0.5 δ) (d = x − y), reduced.
    dℓ/dx = d where |d| ≤ δ, else δ sign(d);  dℓ/dy = −dℓ/dx."""

    @staticmethod
    def forward(ctx, x, y, *, reduction, delta):
        ctx.reduction, ctx.delta = reduction, delta
        difference = x - y
        distance = np.abs(difference)
        ctx.inside = distance <= delta
        losses = np.where(ctx.inside, 0.5 * difference * difference,
                          delta * (distance - 0.5 * delta))
        return reduce_array(losses.astype(x.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.inputs
        difference = x - y
        outside = Tensor._make(ctx.delta * np.sign(difference._data))
        slope = ops.where(ctx.inside, difference, outside)
        grad_x = per_element(grad, ctx.reduction, x.numel()) * slope
        return grad_x, -grad_x


class BinaryCrossEntropy(Function):
    """ℓ = −w (y log x + (1 − y) log(1 − x)) for probabilities x, each log clamped below at −100
    (as in PyTorch), so a probability of exactly 0 or 1 gives a finite loss; reduced.
    dℓ/dx = w (x − y) / max(x (1 − x), 1e-12)   (PyTorch's clamp: finite even at x = 0 or 1);
    dℓ/dy = w (log(1 − x) − log x)   (with the same clamped logs)."""

    @staticmethod
    def forward(ctx, x, y, *, weight, reduction):
        ctx.reduction, ctx.weight = reduction, weight
        with np.errstate(divide="ignore"):
            log_x = np.maximum(np.log(x), -100)
            log_one_minus_x = np.maximum(np.log1p(-x), -100)
        losses = -(y * log_x + (1 - y) * log_one_minus_x)
        if weight is not None:
            losses = losses * weight
        return reduce_array(losses.astype(x.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.inputs
        scale = per_element(grad, ctx.reduction, x.numel()) * _constant(ctx.weight, x._data)
        grad_x = grad_y = None
        if ctx.needs_input_grad[0]:
            grad_x = scale * (x - y) / (x * (1.0 - x)).clamp(min=1e-12)
        if ctx.needs_input_grad[1]:
            log_x = x.log().clamp(min=-100)
            log_one_minus_x = (1.0 - x).log().clamp(min=-100)
            grad_y = scale * (log_one_minus_x - log_x)
        return grad_x, grad_y


def _softplus_array(z: np.ndarray) -> np.ndarray:
    """log(1 + eᶻ) without overflow."""
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


class BinaryCrossEntropyWithLogits(Function):
    """ℓ = w ((1 − y) x + L softplus(−x)), L = 1 + (p − 1) y, for logits x: the binary cross
    entropy of σ(x), with the positive term weighted by p (``pos_weight``), computed without
    overflow; reduced.
    dℓ/dx = w (L σ(x) − p y)   (= w (σ(x) − y) without pos_weight);
    dℓ/dy = w ((p − 1) softplus(−x) − x)."""

    @staticmethod
    def forward(ctx, x, y, *, weight, pos_weight, reduction):
        ctx.reduction, ctx.weight, ctx.pos_weight = reduction, weight, pos_weight
        softplus_of_minus_x = _softplus_array(-x)
        if pos_weight is None:
            losses = (1 - y) * x + softplus_of_minus_x
        else:
            losses = (1 - y) * x + (1 + (pos_weight - 1) * y) * softplus_of_minus_x
        if weight is not None:
            losses = losses * weight
        return reduce_array(losses.astype(x.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.inputs
        if not is_grad_enabled():  # not recorded: the same formulas on arrays, without op overhead
            return _bce_with_logits_grads_on_arrays(ctx, grad, x._data, y._data)
        scale = per_element(grad, ctx.reduction, x.numel()) * _constant(ctx.weight, x._data)
        p = _constant(ctx.pos_weight, x._data)
        grad_x = grad_y = None
        if ctx.needs_input_grad[0]:
            if ctx.pos_weight is None:
                grad_x = scale * (ops.sigmoid(x) - y)
            else:
                grad_x = scale * ((1.0 + (p - 1.0) * y) * ops.sigmoid(x) - p * y)
        if ctx.needs_input_grad[1]:
            if ctx.pos_weight is None:
                grad_y = scale * -x
            else:
                softplus_of_minus_x = nn_ops.softplus(-x)
                grad_y = scale * ((p - 1.0) * softplus_of_minus_x - x)
        return grad_x, grad_y


def _bce_with_logits_grads_on_arrays(ctx, grad: Tensor, x: np.ndarray, y: np.ndarray):
    """BinaryCrossEntropyWithLogits's gradients computed on arrays (see its docstring)."""
    scale = grad._data / x.size if ctx.reduction == "mean" else grad._data
    if ctx.weight is not None:
        scale = scale * ctx.weight
    softplus_of_minus_x = _softplus_array(-x)
    sigmoid = np.exp(-softplus_of_minus_x)  # σ(x) = exp(−softplus(−x)), no overflow
    grad_x = grad_y = None
    if ctx.needs_input_grad[0]:
        if ctx.pos_weight is None:
            grad_x = scale * (sigmoid - y)
        else:
            p = ctx.pos_weight
            grad_x = scale * ((1 + (p - 1) * y) * sigmoid - p * y)
        grad_x = Tensor._make(np.broadcast_to(grad_x, x.shape).astype(x.dtype, copy=False))
    if ctx.needs_input_grad[1]:
        if ctx.pos_weight is None:
            grad_y = scale * -x
        else:
            grad_y = scale * ((ctx.pos_weight - 1) * softplus_of_minus_x - x)
        grad_y = Tensor._make(np.broadcast_to(grad_y, y.shape).astype(y.dtype, copy=False))
    return grad_x, grad_y
