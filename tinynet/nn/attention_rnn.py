"""Attention for recurrent encoder-decoders (not in PyTorch): one decoder query against the
encoder's outputs, with padded source positions masked out.

Both modules take ``query`` (N, query_size), the decoder's state, ``keys`` (N, S, key_size), the
encoder's outputs (they are also the values), and ``mask`` (N, S) bool with True at real source
tokens (or None: every position is real). They compute a score e_j per source position, the
weights α = softmax(e) over the real positions only (a padded position gets e_j = -inf, so its
weight is exactly 0 and every row sums to 1), and the context c = Σ_j α_j k_j. They return
``(context (N, key_size), weights (N, S))``; the weights are the attention maps to plot.

- ``BahdanauAttention`` (additive; Bahdanau, Cho and Bengio, 2015):
  e_j = vᵀ tanh(W_q q + W_k k_j), W_q (attention_size, query_size), W_k (attention_size,
  key_size) with a bias, v (attention_size,).
- ``LuongAttention`` (multiplicative; Luong, Pham and Manning, 2015): ``method="dot"``:
  e_j = qᵀ k_j (query_size must equal key_size); ``method="general"``: e_j = qᵀ W k_j,
  W (query_size, key_size), no bias.
"""

from __future__ import annotations

from tinynet import dtypes, ops
from tinynet.errors import ArgumentError, ShapeError
from tinynet.nn.linear import Linear
from tinynet.nn.module import Module
from tinynet.tensor import Tensor

LUONG_METHODS = ("dot", "general")


def _check_size(owner: str, name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ArgumentError(f"{owner}: {name} must be a positive integer, but got {value!r}")


def _check_inputs(owner: str, query: Tensor, keys: Tensor, mask: Tensor | None,
                  query_size: int, key_size: int) -> None:
    if query.ndim != 2 or query.shape[1] != query_size:
        raise ShapeError(f"{owner}: query must have shape (N, {query_size}), but got "
                         f"{tuple(query.shape)}")
    if keys.ndim != 3 or keys.shape[0] != query.shape[0] or keys.shape[2] != key_size:
        raise ShapeError(f"{owner}: keys must have shape ({query.shape[0]}, S, {key_size}) to go "
                         f"with query {tuple(query.shape)}, but got {tuple(keys.shape)}")
    if mask is None:
        return
    if tuple(mask.shape) != tuple(keys.shape[:2]):
        raise ShapeError(f"{owner}: mask must have shape {tuple(keys.shape[:2])} (N, S), one "
                         f"entry per source position, but got {tuple(mask.shape)}")
    if mask.dtype != dtypes.bool:
        raise ArgumentError(f"{owner}: mask must be a bool tensor (True at real tokens), but got "
                            f"dtype {mask.dtype}")
    if not bool(mask.any(dim=1).all()):
        raise ArgumentError(f"{owner}: every row of mask needs at least one True (a source of "
                            f"length 0 has nothing to attend to)")


def attend(scores: Tensor, keys: Tensor, mask: Tensor | None) -> tuple[Tensor, Tensor]:
    """The weights α = softmax(scores) over the positions where ``mask`` is True (the others
    get weight 0) and the context Σ_j α_j keys_j. ``scores`` (N, S), ``keys`` (N, S, K); returns
    (context (N, K), weights (N, S))."""
    if mask is not None:
        scores = ops.masked_fill(scores, ops.logical_not(mask), float("-inf"))
    weights = ops.softmax(scores, dim=1)
    context = ops.bmm(ops.unsqueeze(weights, 1), keys).squeeze(1)
    return context, weights


class BahdanauAttention(Module):
    """Additive attention: e_j = vᵀ tanh(W_q q + W_k k_j + b), α = softmax(e) over the real
    positions, context = Σ_j α_j k_j.

    Shapes: query (N, query_size), keys (N, S, key_size), mask (N, S) bool, True at real
    positions (None: all real). Returns (context (N, key_size), weights (N, S)); padded
    positions get weight exactly 0 and each row of weights sums to 1. Parameters:
    ``query_layer`` W_q (no bias), ``key_layer`` W_k with the bias b, ``energy`` v (a Linear
    from attention_size to 1, no bias). ``attention_size`` defaults to ``query_size``.
    ``projected_keys``: ``project_keys(keys)`` computed beforehand (a decoder's steps share it).
    """

    def __init__(self, query_size: int, key_size: int, attention_size: int | None = None):
        super().__init__()
        attention_size = query_size if attention_size is None else attention_size
        for name, value in (("query_size", query_size), ("key_size", key_size),
                            ("attention_size", attention_size)):
            _check_size("BahdanauAttention", name, value)
        self.query_size, self.key_size = query_size, key_size
        self.attention_size = attention_size
        self.query_layer = Linear(query_size, attention_size, bias=False)
        self.key_layer = Linear(key_size, attention_size)
        self.energy = Linear(attention_size, 1, bias=False)

    def project_keys(self, keys: Tensor) -> Tensor:
        """W_k k_j + b for every position: (N, S, key_size) -> (N, S, attention_size). It does
        not depend on the query, so a decoder computes it once per source sequence and passes
        it to every step as ``projected_keys``."""
        return self.key_layer(keys)

    def forward(self, query: Tensor, keys: Tensor, mask: Tensor | None = None,
                projected_keys: Tensor | None = None) -> tuple[Tensor, Tensor]:
        _check_inputs("BahdanauAttention", query, keys, mask, self.query_size, self.key_size)
        if projected_keys is None:
            projected_keys = self.project_keys(keys)
        elif tuple(projected_keys.shape) != (*keys.shape[:2], self.attention_size):
            raise ShapeError(f"BahdanauAttention: projected_keys must have shape "
                             f"{(*keys.shape[:2], self.attention_size)} (project_keys(keys)), "
                             f"but got {tuple(projected_keys.shape)}")
        hidden = ops.tanh(ops.unsqueeze(self.query_layer(query), 1) + projected_keys)
        scores = self.energy(hidden).squeeze(2)                          # (N, S)
        return attend(scores, keys, mask)

    def extra_repr(self) -> str:
        return (f"query_size={self.query_size}, key_size={self.key_size}, "
                f"attention_size={self.attention_size}")


class LuongAttention(Module):
    """Multiplicative attention: e_j = qᵀ k_j (``method="dot"``) or e_j = qᵀ W k_j
    (``method="general"``), α = softmax(e) over the real positions, context = Σ_j α_j k_j.

    Shapes: query (N, query_size), keys (N, S, key_size), mask (N, S) bool, True at real
    positions (None: all real). Returns (context (N, key_size), weights (N, S)); padded
    positions get weight exactly 0 and each row of weights sums to 1. ``"dot"`` has no
    parameters and needs ``key_size == query_size`` (``key_size`` defaults to it); ``"general"``
    holds W as ``weight``, a Linear from key_size to query_size without bias.
    """

    def __init__(self, query_size: int, key_size: int | None = None, method: str = "dot"):
        super().__init__()
        key_size = query_size if key_size is None else key_size
        _check_size("LuongAttention", "query_size", query_size)
        _check_size("LuongAttention", "key_size", key_size)
        if method not in LUONG_METHODS:
            raise ArgumentError(f"LuongAttention: method must be one of "
                                f"{', '.join(LUONG_METHODS)}, but got {method!r}")
        if method == "dot" and key_size != query_size:
            raise ArgumentError(f"LuongAttention: method='dot' needs key_size == query_size, but "
                                f"got key_size={key_size} and query_size={query_size}; use "
                                f"method='general' to compare vectors of different sizes")
        self.query_size, self.key_size, self.method = query_size, key_size, method
        if method == "general":
            self.weight = Linear(key_size, query_size, bias=False)

    def forward(self, query: Tensor, keys: Tensor,
                mask: Tensor | None = None) -> tuple[Tensor, Tensor]:
        _check_inputs("LuongAttention", query, keys, mask, self.query_size, self.key_size)
        if self.method == "general":             # qᵀ W k_j = (Wᵀ q)ᵀ k_j: project the query once
            query = ops.matmul(query, self.weight.weight)                      # (N, K)
        scores = ops.bmm(keys, ops.unsqueeze(query, 2)).squeeze(2)             # (N, S)
        return attend(scores, keys, mask)

    def extra_repr(self) -> str:
        return f"query_size={self.query_size}, key_size={self.key_size}, method={self.method!r}"


__all__ = ["BahdanauAttention", "LuongAttention", "attend"]
