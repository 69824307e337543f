"""Batch normalization as a few fused ops: BatchNorm (statistics, normalization and the affine
map, on NumPy arrays), BatchNormBackward (its input gradient and the sums that are dγ and dβ, in
one op) and Normalize (x -> x̂ and 1/σ, which BatchNorm's backward calls when it is itself being
recorded).

Composed of the core ops, batch norm would be about ten ops forward and twenty backward, each one
a pass over the activations and a graph node; fused, it is one op forward and three backward. The
backward stays made of differentiable ops: BatchNormBackward has its own backward in tensor ops,
and when ``create_graph=True`` records BatchNorm's backward, x̂ and 1/σ come from Normalize, whose
outputs carry their dependence on x, so gradients of gradients are right; otherwise they are the
arrays the forward saved.

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
    """Σg and Σ(g·x̂) per channel, shape (C,): batch norm's dβ and dγ."""
    dims = _reduce_dims(grad.ndim)
    return grad.sum(dims), (grad * x_hat).sum(dims)


class BatchNormBackward(Function):
    """(dx, Σg, Σg·x̂) = (s·P(g), Σg, Σg·x̂), P(g) = g − Σg / M − x̂·Σ(g·x̂) / M, for g and x̂
    (N, C, *) and a per-channel s (1, C, 1, ...); the sums have shape (C,). With s = γσ⁻¹ and x̂
    the normalized input this is batch norm's backward: P takes out of the upstream gradient g
    its parts along 1 and along x̂, which the batch's μ and σ² absorb.
    With u, v, w the gradients of the three outputs (P is self-adjoint):
    dg = s·P(u) + v + w·x̂,   dx̂ = w·g − s·(u·Σ(g·x̂) + g·Σ(u·x̂)) / M,   ds = Σ u·P(g)."""

    @staticmethod
    def forward(ctx, grad, x_hat, scale):
        dims, count = _reduce_dims(grad.ndim), grad.size // grad.shape[1]
        sum_grad = sum_axes(grad, dims, keepdims=True)
        sum_grad_x_hat = sum_axes(grad * x_hat, dims, keepdims=True)
        grad_x = grad - sum_grad / count
        grad_x -= x_hat * (sum_grad_x_hat / count)
        grad_x *= scale
        return grad_x, sum_grad.reshape(-1), sum_grad_x_hat.reshape(-1)

    @staticmethod
    def backward(ctx, grad_grad_x, grad_sum_grad, grad_sum_grad_x_hat):
        grad, x_hat, scale = ctx.inputs
        u, shape = grad_grad_x, _channel_shape(grad)
        v, w = grad_sum_grad.reshape(shape), grad_sum_grad_x_hat.reshape(shape)
        dims, count = _reduce_dims(grad.ndim), grad.numel() // grad.shape[1]
        needs_grad, needs_x_hat, needs_scale = ctx.needs_input_grad
        d_grad = d_x_hat = d_scale = None
        if needs_grad:
            d_grad = BatchNormBackward.apply(u, x_hat, scale)[0] + v + w * x_hat
        if needs_x_hat:
            mean_grad_x_hat = (grad * x_hat).sum(dims, keepdim=True) / count
            mean_u_x_hat = (u * x_hat).sum(dims, keepdim=True) / count
            d_x_hat = w * grad - scale * (u * mean_grad_x_hat + grad * mean_u_x_hat)
        if needs_scale:
            ones = Tensor._make(np.ones(shape, grad.dtype))
            projected = BatchNormBackward.apply(grad, x_hat, ones)[0]  # P(g)
            d_scale = (u * projected).sum(dims, keepdim=True)
        return d_grad, d_x_hat, d_scale


class Normalize(Function):
    """(x̂, σ⁻¹) = ((x − μ)·σ⁻¹, 1/√(σ² + eps)) with the batch's μ, σ² per channel; σ⁻¹ has shape
    (1, C, 1, ...).   With g the gradient of x̂ and h that of σ⁻¹ (dσ⁻¹/dx = −σ⁻²·x̂ / M):
    dx = σ⁻¹·P(g) − x̂·h·σ⁻² / M, P as in BatchNormBackward."""

    @staticmethod
    def forward(ctx, x, eps):
        x_hat, inv_std, _, _ = _batch_normalize(x, eps)
        return x_hat, inv_std

    @staticmethod
    def backward(ctx, grad_x_hat, grad_inv_std):
        x_hat, inv_std = ctx.outputs
        grad_x = BatchNormBackward.apply(grad_x_hat, x_hat, inv_std)[0]
        count = x_hat.numel() // x_hat.shape[1]
        return grad_x - x_hat * (grad_inv_std * inv_std * inv_std / count)


class BatchNorm(Function):
    """y = x̂·γ + β per channel, x (N, C, *), γ (weight) and β (bias) (C,) or None.
    Training:  dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γσ⁻¹·(dy − (dβ + x̂·dγ) / M).
    Eval:      dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γσ⁻¹·dy.

    ``training``: μ, σ² are the batch's, and ``running_mean``/``running_var`` (arrays or None)
    move towards them in place: r ← (1 − momentum)·r + momentum·batch, with the unbiased variance
    σ²·M/(M − 1) for running_var. Otherwise μ, σ² are the running ones (constants)."""

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
        if not ctx.needs_input_grad[0]:
            sum_grad, sum_grad_x_hat = _channel_sums(grad, x_hat)
            return None, sum_grad_x_hat, sum_grad
        scale = inv_std if weight is None else inv_std * weight.reshape(_channel_shape(x))
        if not ctx.training:
            sum_grad, sum_grad_x_hat = _channel_sums(grad, x_hat)
            return grad * scale, sum_grad_x_hat, sum_grad
        grad_x, sum_grad, sum_grad_x_hat = BatchNormBackward.apply(grad, x_hat, scale)
        return grad_x, sum_grad_x_hat, sum_grad
