"""Scaled dot-product attention: each query takes a weighted average of the values, weighted by
the softmax of its dot products with the keys (Vaswani et al. 2017),

    Attention(Q, K, V) = softmax(Q Kᵀ · scale + B) V,   scale = 1/√E by default,

with B an additive mask: 0 where a query may attend to a key, −inf where it may not (a boolean mask
is turned into one), or any float bias.

The scores go through one fused op, ``tinynet.ops.attention.AttentionSoftmax``: the softmax with
its mask in one pass, a query that may attend to nothing getting zeros (PyTorch's
scaled_dot_product_attention returns zeros there too). ``attention_core`` is shared with
``nn.MultiheadAttention``, which also needs the weights.
"""

from __future__ import annotations

import math

import numpy as np

from tinynet import ops
from tinynet.errors import ArgumentError, DtypeError, ShapeError
from tinynet.nn.functional.dropout import dropout
from tinynet.ops.arrange_more import repeat_interleave
from tinynet.ops.attention import attention_softmax
from tinynet.tensor import Tensor


def _mask_error(name: str, mask, target: tuple) -> ShapeError:
    return ShapeError(f"{name}: attn_mask of shape {list(mask.shape)} cannot be broadcast to "
                      f"the attention scores' shape {list(target)} (..., L, S)")


def mask_to_bias(mask, scores_shape: tuple, dtype, name: str, *, true_means: str = "attend"):
    """A mask as an additive bias for scores of ``scores_shape`` (..., L, S): a boolean mask
    gives 0 where it allows and −inf where it forbids (``true_means`` says what True means:
    "attend", as in scaled_dot_product_attention, or "mask", as in nn.MultiheadAttention); a
    float mask is the bias itself. Returns a NumPy array (a constant), or the float mask as a
    Tensor when it requires grad (so that its gradient flows). Other dtypes are refused."""
    if mask is None:
        return None
    data = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if data.dtype == np.bool_:
        allowed = data if true_means == "attend" else ~data
        bias = np.where(allowed, 0.0, -np.inf).astype(dtype)
    elif data.dtype.kind == "f":
        if isinstance(mask, Tensor) and mask.requires_grad:
            bias = mask.to(dtype)
        else:
            bias = data.astype(dtype, copy=False)
    else:
        raise DtypeError(f"{name}: attn_mask must be a bool or floating-point tensor, got dtype "
                         f"{data.dtype}")
    try:
        if np.broadcast_shapes(bias.shape, scores_shape) != tuple(scores_shape):
            raise _mask_error(name, bias, scores_shape)
    except ValueError:
        raise _mask_error(name, bias, scores_shape) from None
    return bias


def attention_core(query: Tensor, key: Tensor, value: Tensor, bias, dropout_p: float,
                   scale: float) -> tuple:
    """(softmax(Q Kᵀ · scale + B) V, the weights), the weights after dropout with probability
    ``dropout_p`` (always applied when positive). ``bias``: None, a constant array or a Tensor."""
    scores = ops.matmul(query * scale, key.transpose(-2, -1))
    if isinstance(bias, Tensor):
        scores, bias = scores + bias, None
    weights = attention_softmax(scores, bias)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, training=True)
    return ops.matmul(weights, value), weights


def _check_inputs(query: Tensor, key: Tensor, value: Tensor, enable_gqa: bool) -> None:
    name = "scaled_dot_product_attention"
    if min(query.ndim, key.ndim, value.ndim) < 2:
        raise ShapeError(f"{name}: query, key and value must be at least 2-D (..., L, E), got "
                         f"{query.ndim}-D, {key.ndim}-D and {value.ndim}-D")
    if not (query.dtype == key.dtype == value.dtype) or query.dtype.kind != "f":
        raise DtypeError(f"{name}: query, key and value must have one floating-point dtype, got "
                         f"{query.dtype}, {key.dtype} and {value.dtype}")
    if query.shape[-1] != key.shape[-1]:
        raise ShapeError(f"{name}: query's last dim {query.shape[-1]} differs from key's "
                         f"{key.shape[-1]}")
    if key.shape[-2] != value.shape[-2]:
        raise ShapeError(f"{name}: key has {key.shape[-2]} positions (dim -2) but value has "
                         f"{value.shape[-2]}")
    if enable_gqa:
        if min(query.ndim, key.ndim, value.ndim) < 3:
            raise ShapeError(f"{name}: enable_gqa needs a heads dim (-3) in query, key and value")
        heads, key_heads = query.shape[-3], key.shape[-3]
        if key_heads != value.shape[-3] or heads % key_heads:
            raise ShapeError(f"{name}: with enable_gqa the query's {heads} heads must be a "
                             f"multiple of the key's and value's ({key_heads}, "
                             f"{value.shape[-3]}), which must be equal")


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask=None,
                                 dropout_p: float = 0.0, is_causal: bool = False, *,
                                 scale: float | None = None, enable_gqa: bool = False) -> Tensor:
    """softmax(Q Kᵀ · scale + B) V.   Shapes: query (..., L, E), key (..., S, E), value
    (..., S, Ev) with batch dims that broadcast; output (..., L, Ev).

    ``attn_mask`` broadcasts to (..., L, S): boolean, True where the query may attend (PyTorch's
    convention here, the opposite of nn.MultiheadAttention's), or float, added to the scores.
    ``is_causal``: query i attends to keys j ≤ i (the lower triangle of an L × S matrix); it
    cannot be combined with ``attn_mask``. ``scale`` defaults to 1/√E; it and
    ``enable_gqa`` are keyword-only, as in PyTorch. ``dropout_p`` drops
    attention weights whenever it is positive (pass 0.0 in evaluation, as with PyTorch).
    ``enable_gqa``: grouped-query attention, key and value with fewer heads (dim -3), each shared
    by a group of the query's heads.

    A query that may attend to no key at all (a row of the mask all False or all −inf) gets an
    output of zeros and no gradient, as PyTorch's function gives on the CPU."""
    name = "scaled_dot_product_attention"
    _check_inputs(query, key, value, enable_gqa)
    if not 0.0 <= dropout_p <= 1.0:
        raise ArgumentError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
    if is_causal and attn_mask is not None:
        raise ArgumentError(f"{name}: attn_mask should not be set when is_causal=True (the "
                            "causal mask is built from L and S)")
    if enable_gqa and key.shape[-3] != query.shape[-3]:
        repeats = query.shape[-3] // key.shape[-3]
        key = repeat_interleave(key, repeats, -3)
        value = repeat_interleave(value, repeats, -3)
    length, source = query.shape[-2], key.shape[-2]
    try:
        batch = np.broadcast_shapes(query.shape[:-2], key.shape[:-2], value.shape[:-2])
    except ValueError:
        raise ShapeError(f"{name}: the batch dims of query {list(query.shape)}, key "
                         f"{list(key.shape)} and value {list(value.shape)} do not broadcast"
                         ) from None
    scores_shape = tuple(batch) + (length, source)
    if is_causal:
        attn_mask = Tensor._make(np.tril(np.ones((length, source), dtype=bool)))
    bias = mask_to_bias(attn_mask, scores_shape, query.dtype, name)
    if scale is None:
        scale = 1.0 / math.sqrt(query.shape[-1])
    return attention_core(query, key, value, bias, dropout_p, scale)[0]
