"""Batch normalization as one op: BatchNorm (statistics, normalization and the affine map in one
pass over NumPy arrays) and Normalize (x -> x̂ and 1/σ, which BatchNorm's backward calls when it
is itself being recorded).

Composed of the core ops, batch norm took about ten ops forward and twenty backward, each one
a pass over the activations and a graph node; fused, it is one op forward and about a dozen small
tensor ops backward. The backward stays made of differentiable ops: when ``create_graph=True``
records it, x̂ and 1/σ come from Normalize, whose outputs carry their dependence on x, so gradients
of gradients are right; otherwise they are the arrays the forward saved.

Notation, per channel c of x (N, C, *): M values (every dim but 1), μ their mean, σ² their biased
variance, σ⁻¹ = 1/√(σ² + eps), x̂ = (x − μ)·σ⁻¹. Sums Σ run over every dim but 1.
"""

from __future__ import annotations

import numpy as np

from tinynet.autograd.function import Function
from tinynet.autograd.grad_mode import is_grad_enabled
from tinynet.ops.summation import sum_axes
from tinynet.tensor import Tensor


def _reduce_dims(ndim: int) -> tuple:
    return (0,) + tuple(range(2, ndim))


def _channel_shape(x) -> tuple:
    """(1, C, 1, ...) to broadcast a per-channel vector against (N, C, ...)."""
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def _batch_normalize(x: np.ndarray, eps: float) -> tuple:
    """(x̂, σ⁻¹, μ, σ²) of the batch; σ⁻¹, μ, σ² of shape (1, C, 1, ...)."""
    dims, count = _reduce_dims(x.ndim), x.size // x.shape[1]
    mean = sum_axes(x, dims, keepdims=True) / count
    x_hat = x - mean
    variance = sum_axes(x_hat * x_hat, dims, keepdims=True) / count
    inv_std = 1.0 / np.sqrt(variance + eps)
    x_hat *= inv_std
    return x_hat, inv_std, mean, variance


def _channel_sums(grad, x_hat) -> tuple:
    """Σg and Σ(g·x̂) per channel (dims kept): batch norm's dβ and dγ."""
    dims = _reduce_dims(grad.ndim)
    return grad.sum(dims, keepdim=True), (grad * x_hat).sum(dims, keepdim=True)


def _normalize_grad(grad, x_hat, scale, sum_grad, sum_grad_x_hat):
    """scale·(g − Σg / M − x̂·Σ(g·x̂) / M): with scale σ⁻¹, the gradient g of x̂ pulled back to x
    through the batch's μ and σ² (x̂ has zero mean and a fixed scale, so g loses its parts along 1
    and along x̂)."""
    count = grad.numel() // grad.shape[1]
    return (grad - sum_grad / count - x_hat * (sum_grad_x_hat / count)) * scale


class Normalize(Function):
    """(x̂, σ⁻¹) = ((x − μ)·σ⁻¹, 1/√(σ² + eps)) with the batch's μ, σ² per channel; σ⁻¹ has shape
    (1, C, 1, ...).   With g the gradient of x̂ and h that of σ⁻¹ (dσ⁻¹/dx = −σ⁻²·x̂ / M):
    dx = σ⁻¹·(g − Σg / M − x̂·Σ(g·x̂) / M) − x̂·Σh·σ⁻² / M."""

    @staticmethod
    def forward(ctx, x, eps):
        x_hat, inv_std, _, _ = _batch_normalize(x, eps)
        return x_hat, inv_std

    @staticmethod
    def backward(ctx, grad_x_hat, grad_inv_std):
        x_hat, inv_std = ctx.outputs
        grad_x = _normalize_grad(grad_x_hat, x_hat, inv_std, *_channel_sums(grad_x_hat, x_hat))
        count = x_hat.numel() // x_hat.shape[1]
        return grad_x - x_hat * (grad_inv_std * inv_std * inv_std / count)


class BatchNorm(Function):
    """y = x̂·γ + β per channel, x (N, C, *), γ (weight) and β (bias) (C,) or None.

    ``training``: μ, σ² are the batch's, and ``running_mean``/``running_var`` (arrays or None)
    move towards them in place: r ← (1 − momentum)·r + momentum·batch, with the unbiased variance
    σ²·M/(M − 1) for running_var. Otherwise μ, σ² are the running ones (constants).
    Training:  dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γσ⁻¹·(dy − (dβ + x̂·dγ) / M).
    Eval:      dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γσ⁻¹·dy."""

    @staticmethod
    def forward(ctx, x, weight, bias, *, running_mean, running_var, training, momentum, eps):
        shape = _channel_shape(x)
        if training:
            x_hat, inv_std, mean, variance = _batch_normalize(x, eps)
            count = x.size // x.shape[1]
            for running, batch in ((running_mean, mean), (running_var, variance * count
                                                          / (count - 1))):
                if running is not None:
                    running *= 1 - momentum
                    running += momentum * batch.reshape(-1).astype(running.dtype)
        else:
            mean = running_mean.reshape(shape).astype(x.dtype)  # copies, safe from updates
            inv_std = (1.0 / np.sqrt(running_var.reshape(shape) + eps)).astype(x.dtype)
            x_hat = (x - mean) * inv_std
        ctx.training, ctx.eps, ctx.mean, ctx.inv_std = training, eps, mean, inv_std
        ctx.save_for_backward(x_hat, inv_std)  # x̂ is the output itself when there is no γ, β
        y = x_hat if weight is None else x_hat * weight.reshape(shape)
        return y if bias is None else y + bias.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        x, weight, _ = ctx.inputs
        if not is_grad_enabled():  # nothing is recorded: the forward's arrays will do
            x_hat, inv_std = ctx.saved_tensors
        elif ctx.training:  # x̂ and σ⁻¹ as functions of x, for gradients of gradients
            x_hat, inv_std = Normalize.apply(x, eps=ctx.eps)
        else:
            inv_std = Tensor._make(ctx.inv_std)
            x_hat = (x - Tensor._make(ctx.mean)) * inv_std
        sum_grad, sum_grad_x_hat = _channel_sums(grad, x_hat)
        grad_x = None
        if ctx.needs_input_grad[0]:
            scale = inv_std if weight is None else inv_std * weight.reshape(_channel_shape(x))
            grad_x = (_normalize_grad(grad, x_hat, scale, sum_grad, sum_grad_x_hat)
                      if ctx.training else grad * scale)
        return grad_x, sum_grad_x_hat.reshape(-1), sum_grad.reshape(-1)
