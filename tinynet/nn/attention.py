"""MultiheadAttention: h attention heads side by side, each on its own projection of the inputs,
their outputs joined and projected back (Vaswani et al. 2017),

    MultiHead(Q, K, V) = Concat(head₁, ..., head_h) W_O,   headᵢ = Attention(Q W_Qᵢ, K W_Kᵢ, V W_Vᵢ).

Parameters, masks and shapes are PyTorch's: ``in_proj_weight`` (3E, E) holds W_Q, W_K, W_V one
above the other (or ``q_proj_weight``, ``k_proj_weight``, ``v_proj_weight`` when the keys or values
have other sizes, ``kdim``/``vdim``), ``in_proj_bias`` (3E,), ``out_proj`` a Linear(E, E), and
``bias_k``/``bias_v`` (1, 1, E) with ``add_bias_kv``.
"""

from __future__ import annotations

import math

import numpy as np

from tinynet import creation, ops
from tinynet.errors import DtypeError, ShapeError
from tinynet.nn import functional as F
from tinynet.nn import init
from tinynet.nn.factory import check_device
from tinynet.nn.functional.attention import attention_core
from tinynet.nn.linear import Linear
from tinynet.nn.module import Module
from tinynet.nn.parameter import Parameter
from tinynet.tensor import Tensor

_NAME = "MultiheadAttention"


def _as_bias(mask, name: str, dtype) -> np.ndarray | Tensor | None:
    """A MultiheadAttention mask (bool: True = may not attend; float: added) as an additive
    bias, an array (or a Tensor, for a float mask that requires grad)."""
    if mask is None:
        return None
    data = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if data.dtype == np.bool_:
        return np.where(data, -np.inf, 0.0).astype(dtype)
    if data.dtype.kind != "f":
        raise DtypeError(f"{_NAME}: only bool and floating-point {name} are supported, got "
                         f"dtype {data.dtype}")
    if isinstance(mask, Tensor) and mask.requires_grad:
        return mask.to(dtype)
    return data.astype(dtype, copy=False)


def _pad_last(bias, count: int):
    """``bias`` with ``count`` zero columns appended (the added bias_k or zero key may be seen)."""
    if bias is None:
        return None
    if isinstance(bias, Tensor):
        return F.pad(bias, (0, count))
    return np.concatenate([bias, np.zeros(bias.shape[:-1] + (count,), bias.dtype)], axis=-1)


def _add(a, b):
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return (a if isinstance(a, Tensor) else Tensor._make(a)) + b
    return a + b


class MultiheadAttention(Module):
    """Attention from ``num_heads`` heads of size embed_dim / num_heads each.

    Shapes (batch_first=False): query (L, N, E), key (S, N, kdim), value (S, N, vdim), output
    (L, N, E); batch_first=True puts N first; unbatched inputs drop N. The weights returned with
    ``need_weights`` are (N, L, S), averaged over the heads, or (N, num_heads, L, S) with
    ``average_attn_weights=False``.

    Masks, as PyTorch's module has them: ``key_padding_mask`` (N, S) (or (S,) unbatched) and
    ``attn_mask`` (L, S) or (N·num_heads, L, S); boolean masks are True where a query may NOT
    attend (the opposite of F.scaled_dot_product_attention), float masks are added to the
    scores. ``is_causal`` is a hint that ``attn_mask`` is the causal mask, which must be given.
    ``dropout`` drops attention weights in training.

    A query that may attend to no key (its row masked everywhere) gets zero weights and an output
    equal to out_proj's bias, whatever ``need_weights`` is. PyTorch gives the same with
    need_weights=False and NaN with need_weights=True; tinynet keeps the one finite answer.

    Initialization as PyTorch's: in_proj_weight (or the three q/k/v weights) xavier_uniform_,
    in_proj_bias and out_proj.bias zeros, bias_k and bias_v xavier_normal_, out_proj.weight as a
    Linear's."""

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None,
                 dtype=None) -> None:
        super().__init__()
        check_device(device, _NAME)
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"{_NAME}: embed_dim and num_heads must be greater than 0, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads} instead")
        if embed_dim % num_heads:
            raise ValueError(f"{_NAME}: embed_dim ({embed_dim}) must be divisible by num_heads "
                             f"({num_heads})")
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads

        def empty(*shape):
            return Parameter(creation.empty(*shape, dtype=dtype))

        if not self._qkv_same_embed_dim:
            self.q_proj_weight = empty(embed_dim, embed_dim)
            self.k_proj_weight = empty(embed_dim, self.kdim)
            self.v_proj_weight = empty(embed_dim, self.vdim)
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = empty(3 * embed_dim, embed_dim)
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = empty(3 * embed_dim)
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=dtype)
        if add_bias_kv:
            self.bias_k = empty(1, 1, embed_dim)
            self.bias_v = empty(1, 1, embed_dim)
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for weight in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    # The steps of forward ----------------------------------------------------------------------
    def _project(self, query, key, value) -> tuple:
        """(q, k, v) = (query W_Qᵀ + b_Q, key W_Kᵀ + b_K, value W_Vᵀ + b_V), one product when
        query, key and value are one tensor (self-attention)."""
        e, b = self.embed_dim, self.in_proj_bias
        biases = (None, None, None) if b is None else (b[:e], b[e:2 * e], b[2 * e:])
        if self._qkv_same_embed_dim:
            if query is key and key is value:
                return ops.chunk(F.linear(query, self.in_proj_weight, b), 3, -1)
            weights = (self.in_proj_weight[:e], self.in_proj_weight[e:2 * e],
                       self.in_proj_weight[2 * e:])
        else:
            weights = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        return tuple(F.linear(x, w, bb) for x, w, bb in zip((query, key, value), weights, biases))

    def _check_shapes(self, query, key, value, key_padding_mask) -> bool:
        """Whether the inputs are batched (3-D); shape errors name the problem."""
        if query.ndim not in (2, 3):
            raise ShapeError(f"{_NAME}: query should be unbatched 2-D or batched 3-D, got "
                             f"{query.ndim}-D of shape {list(query.shape)}")
        batched = query.ndim == 3
        if key.ndim != query.ndim or value.ndim != query.ndim:
            raise ShapeError(f"{_NAME}: for {query.ndim}-D query, key and value should be "
                             f"{query.ndim}-D too, got {key.ndim}-D and {value.ndim}-D")
        for tensor, size, role in ((query, self.embed_dim, "query"), (key, self.kdim, "key"),
                                   (value, self.vdim, "value")):
            if tensor.shape[-1] != size:
                raise ShapeError(f"{_NAME}: {role} has {tensor.shape[-1]} features (last dim), "
                                 f"expected {size}")
        if key.shape[:-1] != value.shape[:-1]:
            raise ShapeError(f"{_NAME}: key shape {list(key.shape)} does not match value shape "
                             f"{list(value.shape)}")
        if batched:
            batch_dim = 0 if self.batch_first else 1
            if key.shape[batch_dim] != query.shape[batch_dim]:
                raise ShapeError(f"{_NAME}: query and key have different batch sizes "
                                 f"({query.shape[batch_dim]} and {key.shape[batch_dim]})")
        if key_padding_mask is not None:
            sources = key.shape[1 if self.batch_first else 0] if batched else key.shape[0]
            expected = (key.shape[0 if self.batch_first else 1], sources) if batched else (
                sources,)
            if tuple(key_padding_mask.shape) != expected:
                raise ShapeError(f"{_NAME}: key_padding_mask should have shape "
                                 f"{list(expected)}, got {list(key_padding_mask.shape)}")
        return batched

    def _attention_bias(self, attn_mask, key_padding_mask, batch, length, source, dtype):
        """attn_mask and key_padding_mask as one additive bias broadcasting against the scores
        (N, heads, L, S)."""
        bias = _as_bias(attn_mask, "attn_mask", dtype)
        if bias is not None:
            heads = self.num_heads
            if bias.ndim == 2:
                if tuple(bias.shape) != (length, source):
                    raise ShapeError(f"{_NAME}: the shape of the 2D attn_mask is "
                                     f"{list(bias.shape)}, but should be ({length}, {source})")
            elif bias.ndim == 3:
                if tuple(bias.shape) != (batch * heads, length, source):
                    raise ShapeError(f"{_NAME}: the shape of the 3D attn_mask is "
                                     f"{list(bias.shape)}, but should be ({batch * heads}, "
                                     f"{length}, {source})")
                bias = bias.reshape(batch, heads, length, source)
            else:
                raise ShapeError(f"{_NAME}: attn_mask's dimension {bias.ndim} is not supported "
                                 "(2-D (L, S) or 3-D (N·num_heads, L, S))")
        padding = _as_bias(key_padding_mask, "key_padding_mask", dtype)
        if padding is not None:
            padding = padding.reshape(batch, 1, 1, source)
        return _add(bias, padding)

    def forward(self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask=None,
                need_weights: bool = True, attn_mask=None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple:
        if is_causal and attn_mask is None:
            raise ValueError(f"{_NAME}: is_causal=True needs attn_mask, the causal mask itself "
                             "(nn.Transformer.generate_square_subsequent_mask makes one)")
        batched = self._check_shapes(query, key, value, key_padding_mask)
        if not batched:  # one batch of one
            query, key, value = (x.unsqueeze(0) for x in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.reshape(1, -1)
        elif not self.batch_first:
            # transposed once each, keeping self-attention's one tensor one tensor
            key_is_query, value_is_key = key is query, value is key
            query = query.transpose(0, 1)
            key = query if key_is_query else key.transpose(0, 1)
            value = key if value_is_key else value.transpose(0, 1)
        batch, length = query.shape[0], query.shape[1]
        q, k, v = self._project(query, key, value)
        if self.bias_k is not None:
            k = ops.cat([k, self.bias_k.expand(batch, 1, self.embed_dim)], 1)
            v = ops.cat([v, self.bias_v.expand(batch, 1, self.embed_dim)], 1)
            attn_mask = _pad_last(_as_bias(attn_mask, "attn_mask", q.dtype), 1)
            key_padding_mask = _pad_last(_as_bias(key_padding_mask, "key_padding_mask",
                                                  q.dtype), 1)
        heads, head_dim = self.num_heads, self.head_dim
        q, k, v = (x.reshape(batch, x.shape[1], heads, head_dim).transpose(1, 2)
                   for x in (q, k, v))  # (N, heads, L or S, head_dim)
        if self.add_zero_attn:
            zeros = creation.zeros(batch, heads, 1, head_dim, dtype=k.dtype)
            k, v = ops.cat([k, zeros], 2), ops.cat([v, zeros], 2)
            attn_mask = _pad_last(_as_bias(attn_mask, "attn_mask", q.dtype), 1)
            key_padding_mask = _pad_last(_as_bias(key_padding_mask, "key_padding_mask",
                                                  q.dtype), 1)
        source = k.shape[2]
        bias = self._attention_bias(attn_mask, key_padding_mask, batch, length, source, q.dtype)
        dropout_p = self.dropout if self.training else 0.0
        output, weights = attention_core(q, k, v, bias, dropout_p, 1.0 / math.sqrt(head_dim))
        output = output.transpose(1, 2).reshape(batch, length, self.embed_dim)
        output = self.out_proj(output)
        if batched and not self.batch_first:
            output = output.transpose(0, 1)
        if not need_weights:
            weights = None
        elif average_attn_weights:
            weights = weights.mean(1)
        if not batched:
            output = output.squeeze(0)
            weights = None if weights is None else weights.squeeze(0)
        return output, weights
