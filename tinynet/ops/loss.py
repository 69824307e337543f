"""The class-index losses as PyTorch builds them: ``cross_entropy`` is ``log_softmax`` followed by
``nll_loss``, two graph nodes (``LogSoftmaxBackward`` → ``NllLossBackward``), so a walk along
``loss.grad_fn.next_functions`` sees PyTorch's chain.

Both backward passes are written with differentiable tensor ops, so gradients of gradients are
right: NllLoss's gradient is linear in the incoming gradient (a scatter of constants), and
LogSoftmax's uses its output tensor, whose own graph leads back to the logits.
"""

from __future__ import annotations

import numpy as np

from tinynet import ops
from tinynet.autograd.function import Function
from tinynet.autograd.grad_mode import is_grad_enabled
from tinynet.ops.reduction import logsumexp_array
from tinynet.tensor import Tensor


class LogSoftmax(Function):
    """y = x − log Σ_j exp(x_j) along ``dim`` (stable for large logits).
    dx = g − softmax(x) · Σ_j g_j  (with softmax(x) = exp(y))."""

    @staticmethod
    def forward(ctx, x, *, dim):
        ctx.dim = dim
        return x - logsumexp_array(x, (dim,), keepdims=True)

    @staticmethod
    def backward(ctx, grad):
        if not is_grad_enabled():  # not recorded: the same formula on arrays, without op overhead
            g = grad._data
            result = np.exp(ctx.output._data)  # softmax, then (in place) g − softmax·Σg
            result *= g.sum(ctx.dim, keepdims=True)
            np.subtract(g, result, out=result)
            return Tensor._make(result)
        return grad - ops.exp(ctx.output) * grad.sum(ctx.dim, keepdim=True)


class NllLoss(Function):
    """ℓ_i = −w_i · x[i, y_i] for log-probabilities x (N, C, *) (classes on dim 1, or (C,)
    unbatched), class indices y (N, *) and per-sample weights w_i (the class weight of y_i; 0 where
    y_i is ignored), reduced to Σ ℓ_i / Σ w_i ("mean"; NaN when every target is ignored, as in
    PyTorch), Σ ℓ_i ("sum") or kept ("none", shape (N, *), or () unbatched).
    dℓ_i/dx[i, c] = −w_i where c = y_i, else 0."""

    @staticmethod
    def forward(ctx, x, *, target, sample_weights, reduction):
        batched = x[None] if x.ndim == 1 else x
        labels = target.reshape((batched.shape[0],) + batched.shape[2:])
        weights = sample_weights.reshape(labels.shape)
        picked = np.take_along_axis(batched, labels[:, None], axis=1)[:, 0]
        losses = -(weights * picked)
        ctx.labels, ctx.reduction = labels, reduction
        if reduction == "none":
            ctx.coefficients = weights
            return losses.reshape(target.shape)
        if reduction == "sum":
            ctx.coefficients = weights
            return np.asarray(losses.sum(), x.dtype)
        with np.errstate(invalid="ignore", divide="ignore"):
            total = weights.sum()
            ctx.coefficients = weights / total
            return np.asarray(losses.sum() / total, x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        shape = x.shape if x.ndim > 1 else (1,) + tuple(x.shape)
        coefficients = -ctx.coefficients[:, None].astype(x.dtype, copy=False)
        if ctx.reduction == "none":
            grad = grad.reshape((coefficients.shape[0], 1) + tuple(coefficients.shape[2:]))
        if is_grad_enabled():  # recorded (create_graph=True): linear in grad, as tensor ops
            onehot = np.zeros(shape, x.dtype)
            np.put_along_axis(onehot, ctx.labels[:, None], 1, axis=1)
            result = Tensor._make(onehot) * (grad * Tensor._make(coefficients))
        else:  # not recorded: scatter −w_i·g into place, on arrays
            scattered = np.zeros(shape, x.dtype)
            values = np.broadcast_to(grad._data * coefficients, ctx.labels[:, None].shape)
            np.put_along_axis(scattered, ctx.labels[:, None], values, axis=1)
            result = Tensor._make(scattered)
        return result.reshape(x.shape) if x.ndim == 1 else result
