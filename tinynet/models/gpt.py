"""A GPT: a decoder-only Transformer that predicts the next token, with a key-value cache for
generation.

    model = GPT(vocab_size=80, block_size=64, d_model=128, nhead=4, num_layers=4)
    logits = model(idx)                           # idx int64 (B, T), logits (B, T, vocab_size)
    out = model.generate(idx, 200, temperature=0.8, top_k=20, generator=tn.Generator(0))

Each of the ``num_layers`` blocks is pre-norm (the layer norm inside the residual branch, as in
GPT-2): x + attention(LN(x)), then x + MLP(LN(x)), the MLP Linear -> GELU -> Linear of width
``dim_feedforward``. Attention is causal (a position reads itself and the positions before it),
``nhead`` heads of size d_model / nhead, computed by ``F.scaled_dot_product_attention``. A final
layer norm, then a linear map to the vocabulary's logits; ``tie_weights`` makes that map's weight
the token embedding's (one matrix, fewer parameters).

Positions: ``positional="learned"`` adds a learned embedding of each position (at most
``block_size`` positions); ``"sinusoidal"`` adds the fixed sin/cos table of "Attention is all you
need" (PE[p, 2i] = sin(p / 10000^(2i/d)), PE[p, 2i+1] = cos(p / 10000^(2i/d))); ``"none"`` adds
nothing. ``rotary=True`` also rotates each head's queries and keys by angles proportional to
their positions (RoPE, the two halves of a head's vector as the real and imaginary parts), so
the scores depend on relative positions.

Generation reads at most ``block_size`` tokens of context. With ``use_cache`` the keys and values
of the tokens read so far are kept per layer, so each new token costs one position's work instead
of the whole context's; once the sequence is longer than ``block_size`` the window slides and
every step reads the last ``block_size`` tokens afresh (absolute positions shift, so the cache
cannot be reused), exactly as without the cache. Both ways draw the same samples for the same
generator.
"""

from __future__ import annotations

import math

import numpy as np

import tinynet as tn
from tinynet import nn
from tinynet.errors import ArgumentError
from tinynet.nn import functional as F
from tinynet.tensor import Tensor

__all__ = ["GPT", "build_gpt", "rotary_tables", "sinusoidal_positions"]

POSITIONAL = ("learned", "sinusoidal", "none")


def sinusoidal_positions(length: int, d_model: int) -> np.ndarray:
    """The fixed positional table (length, d_model): sin at even columns, cos at odd ones."""
    position = np.arange(length, dtype=np.float64)[:, None]
    frequency = np.exp(-math.log(10000.0) * np.arange(0, d_model, 2) / d_model)
    table = np.zeros((length, d_model))
    table[:, 0::2] = np.sin(position * frequency)
    table[:, 1::2] = np.cos(position * frequency[:d_model // 2])
    return table


def rotary_tables(length: int, head_dim: int, base: float = 10000.0) -> tuple:
    """(cos, sin), each (length, head_dim / 2): the angles p * base^(-2i/head_dim)."""
    angles = np.arange(length)[:, None] * base ** (-np.arange(0, head_dim, 2) / head_dim)
    return np.cos(angles), np.sin(angles)


def _rotate(x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
    """RoPE on (..., T, head_dim): (x1, x2) -> (x1 cos - x2 sin, x2 cos + x1 sin)."""
    x1, x2 = x.chunk(2, dim=-1)
    return tn.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)


class CausalSelfAttention(nn.Module):
    """Multi-head causal self-attention with one (d, 3d) projection for queries, keys and values,
    optional rotary embeddings, and an optional cache of the earlier positions' keys and values."""

    def __init__(self, d_model: int, nhead: int, dropout: float, bias: bool, rotary: bool,
                 block_size: int):
        super().__init__()
        self.nhead, self.head_dim, self.dropout_p = nhead, d_model // nhead, dropout
        self.qkv = nn.Linear(d_model, 3 * d_model, bias=bias)
        self.proj = nn.Linear(d_model, d_model, bias=bias)
        self.dropout = nn.Dropout(dropout)
        self.rotary = rotary
        self._rotary = rotary_tables(block_size, self.head_dim) if rotary else None

    def forward(self, x: Tensor, past: tuple | None = None) -> tuple[Tensor, tuple]:
        batch, length, width = x.shape
        start = 0 if past is None else past[0].shape[2]

        def heads(t):                                  # (B, T, d) -> (B, h, T, d / h)
            return t.reshape(batch, length, self.nhead, self.head_dim).transpose(1, 2)

        q, k, v = (heads(t) for t in self.qkv(x).split(width, dim=-1))
        if self.rotary:
            cos, sin = (tn.tensor(table[start:start + length], dtype=x.dtype)
                        for table in self._rotary)
            q, k = _rotate(q, cos, sin), _rotate(k, cos, sin)
        if past is not None:
            k, v = tn.cat([past[0], k], dim=2), tn.cat([past[1], v], dim=2)
        dropout = self.dropout_p if self.training else 0.0
        if start == 0:
            y = F.scaled_dot_product_attention(q, k, v, dropout_p=dropout, is_causal=True)
        else:   # query i (at position start + i) reads keys 0..start + i
            mask = tn.tensor(np.tril(np.ones((length, start + length), dtype=bool), k=start))
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=dropout)
        y = y.transpose(1, 2).reshape(batch, length, width)
        return self.dropout(self.proj(y)), (k, v)


class Block(nn.Module):
    """x + attention(LN(x)), then x + MLP(LN(x)): a pre-norm Transformer decoder block."""

    def __init__(self, d_model, nhead, dim_feedforward, dropout, bias, rotary, block_size):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d_model, bias=bias)
        self.attn = CausalSelfAttention(d_model, nhead, dropout, bias, rotary, block_size)
        self.ln_2 = nn.LayerNorm(d_model, bias=bias)
        self.mlp = nn.Sequential(nn.Linear(d_model, dim_feedforward, bias=bias), nn.GELU(),
                                 nn.Linear(dim_feedforward, d_model, bias=bias),
                                 nn.Dropout(dropout))

    def forward(self, x: Tensor, past: tuple | None = None) -> tuple[Tensor, tuple]:
        attended, present = self.attn(self.ln_1(x), past)
        x = x + attended
        return x + self.mlp(self.ln_2(x)), present


class GPT(nn.Module):
    """A decoder-only Transformer language model (see the module's docstring)."""

    def __init__(self, vocab_size: int, block_size: int = 64, d_model: int = 128, nhead: int = 4,
                 num_layers: int = 4, dim_feedforward: int | None = None, dropout: float = 0.0,
                 positional: str = "learned", rotary: bool = False, tie_weights: bool = True,
                 bias: bool = True):
        super().__init__()
        for name, value in (("vocab_size", vocab_size), ("block_size", block_size),
                            ("d_model", d_model), ("nhead", nhead), ("num_layers", num_layers)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ArgumentError(f"GPT: {name} must be a positive integer, but got {value!r}")
        if d_model % nhead:
            raise ArgumentError(f"GPT: d_model ({d_model}) must be divisible by nhead ({nhead})")
        if rotary and (d_model // nhead) % 2:
            raise ArgumentError(f"GPT: rotary embeddings need an even head size, but d_model / "
                                f"nhead = {d_model // nhead}")
        if positional not in POSITIONAL:
            raise ArgumentError(f"GPT: positional must be one of {', '.join(POSITIONAL)}, but "
                                f"got {positional!r}")
        if not 0.0 <= dropout < 1.0:
            raise ArgumentError(f"GPT: dropout must be in [0, 1), but got {dropout!r}")
        dim_feedforward = 4 * d_model if dim_feedforward is None else dim_feedforward
        self.vocab_size, self.block_size, self.positional = vocab_size, block_size, positional
        self.tie_weights = tie_weights
        self.tok_emb = nn.Embedding(vocab_size, d_model)
        if positional == "learned":
            self.pos_emb = nn.Embedding(block_size, d_model)
        self._sinusoidal = (sinusoidal_positions(block_size, d_model)
                            if positional == "sinusoidal" else None)
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(Block(d_model, nhead, dim_feedforward, dropout, bias, rotary,
                                          block_size) for _ in range(num_layers))
        self.ln_f = nn.LayerNorm(d_model, bias=bias)
        self.head = nn.Linear(d_model, vocab_size, bias=False)
        self._reset_parameters(num_layers)
        if tie_weights:
            self.head.weight = self.tok_emb.weight

    def _reset_parameters(self, num_layers: int) -> None:
        """GPT-2's initialization: weights N(0, 0.02), biases 0, and the projections that end a
        residual branch N(0, 0.02 / sqrt(2 num_layers)) so the residual stream's variance does
        not grow with depth."""
        for name, parameter in self.named_parameters():
            if name.endswith("bias"):
                nn.init.zeros_(parameter)
            elif parameter.dim() == 2:
                std = 0.02 / math.sqrt(2 * num_layers) if name.endswith(
                    ("attn.proj.weight", "mlp.2.weight")) else 0.02
                nn.init.normal_(parameter, 0.0, std)

    def _embed(self, idx: Tensor, start: int) -> Tensor:
        if not isinstance(idx, Tensor) or idx.dim() != 2 or idx.dtype != tn.int64:
            raise ArgumentError(f"GPT: idx must be an int64 tensor (batch, time), but got "
                                f"{getattr(idx, 'dtype', type(idx).__name__)} of shape "
                                f"{list(getattr(idx, 'shape', []))}")
        length = idx.shape[1]
        if start + length > self.block_size:
            raise ArgumentError(f"GPT: {start + length} positions do not fit the block size "
                                f"{self.block_size} (the longest context the model reads)")
        x = self.tok_emb(idx)
        if self.positional == "learned":
            x = x + self.pos_emb(tn.arange(start, start + length, dtype=tn.int64))
        elif self.positional == "sinusoidal":
            x = x + tn.tensor(self._sinusoidal[start:start + length], dtype=x.dtype)
        return self.drop(x)

    def step(self, idx: Tensor, past: list | None = None) -> tuple[Tensor, list]:
        """(logits (B, T, vocab), cache) for ``idx`` (B, T) read after the positions whose keys
        and values are in ``past`` (None: from position 0): the cache to pass next time."""
        start = 0 if past is None else past[0][0].shape[2]
        x = self._embed(idx, start)
        presents = []
        for number, block in enumerate(self.blocks):
            x, present = block(x, None if past is None else past[number])
            presents.append(present)
        return self.head(self.ln_f(x)), presents

    def forward(self, idx: Tensor) -> Tensor:
        """The next-token logits (B, T, vocab_size) at every position of ``idx`` (B, T)."""
        return self.step(idx)[0]

    def generate(self, idx: Tensor, max_new_tokens: int, temperature: float = 1.0,
                 top_k: int | None = None, *, use_cache: bool = True,
                 generator=None) -> Tensor:
        """``idx`` (B, T) followed by ``max_new_tokens`` tokens drawn one at a time: each from
        softmax(logits / ``temperature``) restricted to the ``top_k`` likeliest tokens (None:
        all), by ``tinynet.multinomial`` with ``generator``. The model is put in eval mode and
        restored after; no gradients. ``use_cache``: keep each layer's keys and values (see the
        module's docstring); the samples are the same either way."""
        if isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, int) \
                or max_new_tokens < 0:
            raise ArgumentError(f"generate: max_new_tokens must be a non-negative integer, but "
                                f"got {max_new_tokens!r}")
        if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) \
                or not 0 < temperature < math.inf:
            raise ArgumentError(f"generate: temperature must be a positive number, but got "
                                f"{temperature!r}")
        if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int)
                                  or not 1 <= top_k <= self.vocab_size):
            raise ArgumentError(f"generate: top_k must be None or an integer in 1.."
                                f"{self.vocab_size}, but got {top_k!r}")
        if not isinstance(idx, Tensor) or idx.dim() != 2 or idx.shape[1] < 1:
            raise ArgumentError("generate: idx must be an int64 tensor (batch, time) with at "
                                "least one token to start from")
        was_training = self.training
        self.eval()
        try:
            with tn.no_grad():
                cache = None
                for _ in range(max_new_tokens):
                    if use_cache and idx.shape[1] <= self.block_size:
                        fresh = cache is None
                        logits, cache = self.step(idx if fresh else idx[:, -1:], cache)
                    else:
                        logits, cache = self(idx[:, -self.block_size:]), None
                    idx = tn.cat([idx, self._draw(logits[:, -1], temperature, top_k,
                                                  generator)], dim=1)
        finally:
            self.train(was_training)
        return idx

    @staticmethod
    def _draw(logits: Tensor, temperature: float, top_k: int | None, generator) -> Tensor:
        logits = logits.double() / temperature
        if top_k is not None:
            kth = tn.topk(logits, top_k, dim=-1).values[:, -1:]
            logits = logits.masked_fill(logits < kth, -math.inf)
        return tn.multinomial(tn.softmax(logits, dim=-1), 1, generator=generator)

    def extra_repr(self) -> str:
        return (f"positional={self.positional!r}, rotary={self.blocks[0].attn.rotary}, "
                f"tie_weights={self.tie_weights}")


def build_gpt(input_shape, num_classes: int, block_size: int = 64, d_model: int = 128,
              nhead: int = 4, num_layers: int = 4, dim_feedforward: int | None = None,
              dropout: float = 0.0, positional: str = "learned", rotary: bool = False,
              tie_weights: bool = True, bias: bool = True) -> GPT:
    """The registry's builder: ``num_classes`` is the vocabulary size (``input_shape`` unused)."""
    return GPT(num_classes, block_size, d_model, nhead, num_layers, dim_feedforward, dropout,
               positional, rotary, tie_weights, bias)
