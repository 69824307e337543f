"""The two passes of a Transformer layer that are neither products nor elementwise: the softmax of
the attention scores (with their mask) and layer normalization, each one fused op.

Composed of the core ops, the softmax is logsumexp, a subtraction and an exp (and the mask one
more addition), each a pass over the (..., L, S) scores and a graph node; layer norm is about
eight. Fused, each is one op forward and a few tensor ops backward, and the backward stays made of
differentiable ops, so gradients of gradients are right:

- ``AttentionSoftmax``'s backward is written with its output y, which is itself a function of the
  input (its node is this op), so the recorded backward differentiates through it again.
- ``LayerNorm``'s backward, when it is itself being recorded (``create_graph=True``), takes x̂ and
  1/σ from the composed ops (mean, subtraction, sqrt) so that they carry their dependence on x;
  otherwise they are the arrays the forward saved.
"""

from __future__ import annotations

import math

import numpy as np

from tinynet import ops
from tinynet.autograd.function import Function
from tinynet.autograd.grad_mode import is_grad_enabled
from tinynet.tensor import Tensor


def _softmax_rows(scores: np.ndarray) -> np.ndarray:
    """softmax over the last axis, in place on ``scores``; a row whose entries are all −inf
    (every key masked) becomes zeros rather than 0/0."""
    peak = scores.max(axis=-1, keepdims=True)
    peak[~np.isfinite(peak)] = 0.0  # rows of −inf: exp gives zeros, not NaN
    np.subtract(scores, peak, out=scores)
    np.exp(scores, out=scores)
    total = scores.sum(axis=-1, keepdims=True)
    total[total == 0] = 1.0
    np.divide(scores, total, out=scores)
    return scores


class AttentionSoftmax(Function):
    """y = softmax(x + b) over the last axis, b a constant additive mask (−inf where a query may
    not attend, broadcast against x) or None. A row that is −inf everywhere (a query that may
    attend to nothing) gives y = 0 there, as PyTorch's scaled_dot_product_attention does, rather
    than NaN.   dx = y ⊙ (g − Σⱼ gⱼ yⱼ), which is 0 wherever y is."""

    @staticmethod
    def forward(ctx, x, bias):
        scores = x + bias if bias is not None else x.copy()
        return _softmax_rows(scores)

    @staticmethod
    def backward(ctx, grad):
        y = ctx.output
        return y * (grad - (grad * y).sum(-1, keepdim=True)), None


def attention_softmax(scores: Tensor, bias: np.ndarray | None = None) -> Tensor:
    """softmax(scores + bias) over the last axis, fully masked rows 0 (``AttentionSoftmax``)."""
    if bias is not None:
        bias = np.asarray(bias, dtype=scores.dtype)
    return AttentionSoftmax.apply(scores, bias)


def _normalize_rows(x: np.ndarray, axes: tuple, eps: float) -> tuple:
    """(x̂, σ⁻¹) over ``axes`` (biased variance), σ⁻¹ keeping those axes as size 1."""
    count = math.prod(x.shape[a] for a in axes)
    mean = x.sum(axis=axes, keepdims=True) / count
    x_hat = x - mean
    variance = np.square(x_hat).sum(axis=axes, keepdims=True) / count
    inv_std = (1.0 / np.sqrt(variance + eps)).astype(x.dtype, copy=False)
    x_hat *= inv_std
    return x_hat, inv_std


def _normalize_composed(x: Tensor, axes: tuple, eps: float) -> tuple:
    """(x̂, σ⁻¹) of ``_normalize_rows`` made of differentiable ops."""
    centered = x - ops.mean(x, axes, keepdim=True)
    inv_std = 1.0 / ops.sqrt(ops.mean(centered * centered, axes, keepdim=True) + eps)
    return centered * inv_std, inv_std


class LayerNorm(Function):
    """y = x̂ ⊙ γ + β, x̂ = (x − μ)·σ⁻¹, σ⁻¹ = 1/√(σ² + eps), μ and σ² (biased) over the last
    ``count`` axes of x; γ (weight) and β (bias) have the shape of those axes, or are None.
    With ĝ = g ⊙ γ and means ⟨·⟩ over the normalized axes:
    dx = σ⁻¹ (ĝ − ⟨ĝ⟩ − x̂ ⟨ĝ x̂⟩),   dγ = Σ g x̂,   dβ = Σ g (sums over the leading axes)."""

    @staticmethod
    def forward(ctx, x, weight, bias, *, count, eps):
        axes = tuple(range(x.ndim - count, x.ndim))
        x_hat, inv_std = _normalize_rows(x, axes, eps)
        ctx.axes, ctx.eps = axes, eps
        ctx.save_for_backward(x_hat, inv_std)
        y = x_hat if weight is None else x_hat * weight
        return y if bias is None else y + bias

    @staticmethod
    def backward(ctx, grad):
        x, weight, _ = ctx.inputs
        axes = ctx.axes
        if is_grad_enabled():  # recorded: x̂ and σ⁻¹ as functions of x
            x_hat, inv_std = _normalize_composed(x, axes, ctx.eps)
        else:
            x_hat, inv_std = ctx.saved_tensors
        needs_x, needs_weight, needs_bias = ctx.needs_input_grad
        leading = tuple(range(x.ndim - len(axes)))
        grad_x = grad_weight = grad_bias = None
        if needs_x:
            scaled = grad if weight is None else grad * weight
            mean_scaled = scaled.mean(axes, keepdim=True)
            mean_projection = (scaled * x_hat).mean(axes, keepdim=True)
            grad_x = inv_std * (scaled - mean_scaled - x_hat * mean_projection)
        if needs_weight:
            grad_weight = (grad * x_hat).sum(leading) if leading else grad * x_hat
        if needs_bias:
            grad_bias = grad.sum(leading) if leading else grad
        return grad_x, grad_weight, grad_bias


def layer_norm(x: Tensor, weight: Tensor | None, bias: Tensor | None, count: int,
               eps: float) -> Tensor:
    """Layer normalization over the last ``count`` axes of x, one fused op (``LayerNorm``)."""
    return LayerNorm.apply(x, weight, bias, count=count, eps=eps)
