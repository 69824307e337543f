"""Cross-entropy with class-index targets as one op: the loss every classifier here trains with.

Composed (log_softmax, gather, weights, reduction) it would be about eight ops forward and twelve
backward on a small (N, C) array, where the per-op overhead is all the cost; fused, it is one op
forward and two backward. The backward is made of differentiable ops: when ``create_graph=True``
records it, the softmax is ``ops.softmax`` of the input, so gradients of gradients are right;
otherwise it comes from the log-probabilities the forward saved.
"""

from __future__ import annotations

import numpy as np

from tinynet import ops
from tinynet.autograd.function import Function
from tinynet.autograd.grad_mode import is_grad_enabled
from tinynet.ops.reduction import logsumexp_array
from tinynet.tensor import Tensor


class CrossEntropy(Function):
    """ℓ_i = −w_i · log softmax(x_i)[y_i] for logits x (N, C, *) (classes on dim 1), class indices
    y (N, *) and per-sample weights w_i (the class weight of y_i; 0 where y_i is ignored), reduced
    to Σ ℓ_i / Σ w_i ("mean"), Σ ℓ_i ("sum") or kept ("none", shape (N, *)).
    dℓ_i/dx_i = w_i · (softmax(x_i) − onehot(y_i))."""

    @staticmethod
    def forward(ctx, x, *, target, sample_weights, reduction):
        log_probabilities = x - logsumexp_array(x, (1,), keepdims=True)
        picked = np.take_along_axis(log_probabilities, target[:, None], axis=1)[:, 0]
        losses = -(sample_weights * picked)
        ctx.target, ctx.reduction, ctx.log_probabilities = target, reduction, log_probabilities
        if reduction == "none":
            ctx.coefficients = sample_weights
            return losses
        if reduction == "sum":
            ctx.coefficients = sample_weights
            return losses.sum()
        with np.errstate(invalid="ignore", divide="ignore"):  # every target ignored: NaN
            total = sample_weights.sum()
            ctx.coefficients = sample_weights / total
            return losses.sum() / total

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        onehot = np.zeros(x.shape, x.dtype)
        np.put_along_axis(onehot, ctx.target[:, None], 1, axis=1)
        if is_grad_enabled():  # recorded: the softmax as a function of x
            difference = ops.softmax(x, 1) - Tensor._make(onehot)
        else:
            difference = Tensor._make(np.exp(ctx.log_probabilities) - onehot)
        coefficients = Tensor._make(ctx.coefficients[:, None])
        if ctx.reduction == "none":
            grad = grad.reshape(coefficients.shape)
        return difference * (grad * coefficients)
