"""A Transformer encoder-decoder over token indices (Vaswani et al.'s model, built on
``nn.Transformer``), speaking the same interface as the recurrent ``Seq2Seq`` so that
``greedy_decode``, ``beam_search`` and the seq2seq measurements work with either.

    model = Seq2SeqTransformer(src_vocab_size=40, tgt_vocab_size=14, d_model=64, nhead=4)
    out = model(src, src_lengths, tgt_in)            # teacher forcing: out.logits (B, T, V)
    tokens, attentions = greedy_decode(model, src, src_lengths, 20, bos_index, eos_index)
    maps = model.cross_attention(src, src_lengths, tgt_in)       # (B, nhead, T, S)

Each token becomes embed(token) · sqrt(d_model) + PE(position), PE the fixed sinusoidal table
(sin on even features, cos on odd ones, ``tinynet.models.gpt.sinusoidal_positions``); the
embeddings start N(0, 1 / d_model), so the scaled embedding and the table have comparable sizes.
``nn.Transformer`` (batch_first) encodes the source and decodes the target with:

- the source key padding mask (True after each source length) in the encoder's
  self-attention and in every decoder layer's attention to the memory: a padded source
  position gets zero attention weight, so outputs do not depend on what the padding holds;
- the causal mask ``nn.Transformer.generate_square_subsequent_mask(T)`` in the decoder's
  self-attention: output t depends on the target tokens 0..t only;
- the target key padding mask when ``tgt_lengths`` is given (it changes nothing at real
  positions, which are causally masked from the later padding anyway).

The logits are W_o h_t + b_o; with ``tie_weights`` W_o is the target embedding's matrix.

Decoding (``encode`` and ``decode_step``): the state is the prefix generated so far, int64
(t, B) (the batch in dimension 1, as the recurrent states, so beam search can reorder it);
each step runs the decoder over the whole prefix and keeps the last position's logits. The
``attn`` a step returns is the last decoder layer's attention to the source averaged over the
heads; ``cross_attention`` gives each head's map.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import tinynet as tn
from tinynet import nn
from tinynet.errors import ArgumentError, ShapeError
from tinynet.models.gpt import sinusoidal_positions


class Seq2SeqTransformerOutput(NamedTuple):
    """What ``Seq2SeqTransformer.forward`` returns: ``logits`` (B, T, V) and ``hiddens``
    (B, T, d_model), the decoder's output at each position."""

    logits: tn.Tensor
    hiddens: tn.Tensor


def _check_positive(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ArgumentError(f"Seq2SeqTransformer: {name} must be a positive integer, but got "
                            f"{value!r}")


class Seq2SeqTransformer(nn.Module):
    """Transformer encoder-decoder (see the module's docstring for the equations).

    ``forward(src, src_lengths, tgt_in, tgt_lengths=None) -> Seq2SeqTransformerOutput``:
    src int64 (B, S) padded source indices, src_lengths int64 (B,) each in 1..S, tgt_in int64
    (B, T) the decoder's inputs (the start token, then the target shifted right).
    ``encode(src, src_lengths) -> (memory (B, S, d_model), state (0, B) int64, src_mask (B, S)
    bool True at real tokens)``; ``decode_step(prev_tokens, state, memory, src_mask) ->
    (logits (B, V), state, hidden (B, d_model), attn (B, S))``. Sequences longer than
    ``max_len`` are refused (the positional table's length).
    """

    def __init__(self, src_vocab_size: int, tgt_vocab_size: int, d_model: int = 64,
                 nhead: int = 4, num_encoder_layers: int = 2, num_decoder_layers: int = 2,
                 dim_feedforward: int = 256, dropout: float = 0.1, max_len: int = 256,
                 tie_weights: bool = False, norm_first: bool = False):
        super().__init__()
        for name, value in (("src_vocab_size", src_vocab_size),
                            ("tgt_vocab_size", tgt_vocab_size), ("d_model", d_model),
                            ("nhead", nhead), ("num_encoder_layers", num_encoder_layers),
                            ("num_decoder_layers", num_decoder_layers),
                            ("dim_feedforward", dim_feedforward), ("max_len", max_len)):
            _check_positive(name, value)
        if d_model % nhead:
            raise ArgumentError(f"Seq2SeqTransformer: d_model ({d_model}) must be divisible by "
                                f"nhead ({nhead})")
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) \
                or not 0 <= dropout < 1:
            raise ArgumentError(f"Seq2SeqTransformer: dropout must be in [0, 1), but got "
                                f"{dropout!r}")
        self.src_vocab_size, self.tgt_vocab_size = src_vocab_size, tgt_vocab_size
        self.d_model, self.nhead, self.max_len = d_model, nhead, max_len
        self.tie_weights = bool(tie_weights)
        self.src_embedding = nn.Embedding(src_vocab_size, d_model)
        self.tgt_embedding = nn.Embedding(tgt_vocab_size, d_model)
        for embedding in (self.src_embedding, self.tgt_embedding):
            nn.init.normal_(embedding.weight, 0.0, d_model ** -0.5)
        self.register_buffer("positions", tn.tensor(sinusoidal_positions(max_len, d_model),
                                                    dtype=tn.float32), persistent=False)
        self.dropout = nn.Dropout(dropout)
        self.transformer = nn.Transformer(d_model, nhead, num_encoder_layers,
                                          num_decoder_layers, dim_feedforward, dropout,
                                          batch_first=True, norm_first=norm_first)
        self.output = nn.Linear(d_model, tgt_vocab_size)
        if self.tie_weights:
            self.output.weight = self.tgt_embedding.weight

    # --- checks ---------------------------------------------------------------------------------
    def _check_tokens(self, name: str, tokens, batch: int | None = None) -> None:
        if not isinstance(tokens, tn.Tensor) or tokens.ndim != 2 or tokens.dtype != tn.int64:
            raise ShapeError(f"Seq2SeqTransformer: {name} must be an int64 tensor (B, length), "
                             f"but got {getattr(tokens, 'dtype', type(tokens).__name__)} of "
                             f"shape {tuple(getattr(tokens, 'shape', ()))}")
        if batch is not None and tokens.shape[0] != batch:
            raise ShapeError(f"Seq2SeqTransformer: {name} has {tokens.shape[0]} sequences but "
                             f"src has {batch}")
        if tokens.shape[1] < 1 or tokens.shape[1] > self.max_len:
            raise ArgumentError(f"Seq2SeqTransformer: {name} has {tokens.shape[1]} positions; "
                                f"the positional table holds 1..{self.max_len} (max_len)")

    @staticmethod
    def _check_lengths(name: str, lengths, tokens) -> None:
        if not isinstance(lengths, tn.Tensor) or tuple(lengths.shape) != (tokens.shape[0],):
            raise ShapeError(f"Seq2SeqTransformer: {name} must be a tensor of shape "
                             f"({tokens.shape[0]},), one length per sequence, but got "
                             f"{tuple(getattr(lengths, 'shape', ()))}")
        low, high = int(lengths.min()), int(lengths.max())
        if low < 1 or high > tokens.shape[1]:
            raise ArgumentError(f"Seq2SeqTransformer: {name} must be in 1..{tokens.shape[1]} "
                                f"(the padded length), but got values from {low} to {high}")

    # --- the parts ------------------------------------------------------------------------------
    def _embed(self, embedding: nn.Embedding, tokens) -> tn.Tensor:
        x = embedding(tokens) * math.sqrt(self.d_model)
        return self.dropout(x + self.positions[:tokens.shape[1]].to(x.dtype))

    def encode(self, src, src_lengths):
        """The encoder: ``(memory (B, S, d_model), empty prefix (0, B), src_mask (B, S))``."""
        self._check_tokens("src", src)
        self._check_lengths("src_lengths", src_lengths, src)
        src_mask = tn.arange(src.shape[1]).unsqueeze(0) < src_lengths.unsqueeze(1)
        memory = self.transformer.encoder(self._embed(self.src_embedding, src),
                                          src_key_padding_mask=src_mask.logical_not())
        state = tn.zeros((0, src.shape[0]), dtype=tn.int64)
        return memory, state, src_mask

    def _decode(self, tgt_in, memory, src_mask, tgt_lengths=None, weights: bool = False):
        """The decoder's output (B, T, d_model) and, with ``weights``, the last layer's
        attention to the memory per head (B, nhead, T, S)."""
        steps = tgt_in.shape[1]
        causal = nn.Transformer.generate_square_subsequent_mask(steps, dtype=memory.dtype)
        tgt_padding = None
        if tgt_lengths is not None:
            tgt_padding = (tn.arange(steps).unsqueeze(0) >= tgt_lengths.unsqueeze(1))
        memory_padding = src_mask.logical_not()
        captured = []
        handle = None
        if weights:
            attention = self.transformer.decoder.layers[-1].multihead_attn
            handle = attention.register_forward_hook(
                lambda module, args, output: captured.append(args[0]))
        try:
            hiddens = self.transformer.decoder(
                self._embed(self.tgt_embedding, tgt_in), memory, tgt_mask=causal,
                tgt_key_padding_mask=tgt_padding, memory_key_padding_mask=memory_padding,
                tgt_is_causal=True)
        finally:
            if handle is not None:
                handle.remove()
        if not weights:
            return hiddens, None
        attention = self.transformer.decoder.layers[-1].multihead_attn
        maps = attention(captured[0], memory, memory, key_padding_mask=memory_padding,
                         need_weights=True, average_attn_weights=False)[1]
        return hiddens, maps

    def forward(self, src, src_lengths, tgt_in, tgt_lengths=None) -> Seq2SeqTransformerOutput:
        self._check_tokens("src", src)
        self._check_tokens("tgt_in", tgt_in, src.shape[0])
        if tgt_lengths is not None:
            self._check_lengths("tgt_lengths", tgt_lengths, tgt_in)
        memory, _, src_mask = self.encode(src, src_lengths)
        hiddens, _ = self._decode(tgt_in, memory, src_mask, tgt_lengths)
        return Seq2SeqTransformerOutput(self.output(hiddens), hiddens)

    def decode_step(self, prev_tokens, state, memory, src_mask):
        """One decoding step: append ``prev_tokens`` (B,) to the prefix ``state`` (t, B) and
        return ``(logits (B, V), prefix (t + 1, B), hidden (B, d_model), attn (B, S))``, attn
        the last layer's attention to the source averaged over the heads."""
        if prev_tokens.ndim != 1 or prev_tokens.shape[0] != memory.shape[0]:
            raise ShapeError(f"Seq2SeqTransformer.decode_step: prev_tokens must have shape "
                             f"({memory.shape[0]},), one token per sequence, but got "
                             f"{tuple(prev_tokens.shape)}")
        prefix = tn.cat([state, prev_tokens.to(tn.int64).unsqueeze(0)], dim=0)
        if prefix.shape[0] > self.max_len:
            raise ArgumentError(f"Seq2SeqTransformer: decoding past {self.max_len} positions "
                                f"(max_len)")
        hiddens, maps = self._decode(prefix.transpose(0, 1), memory, src_mask, weights=True)
        hidden = hiddens[:, -1]
        return self.output(hidden), prefix, hidden, maps[:, :, -1].mean(1)

    def cross_attention(self, src, src_lengths, tgt_in) -> tn.Tensor:
        """The last decoder layer's attention weights to the source, per head: (B, nhead, T, S),
        each row summing to 1 over the real source positions and 0 on the padding."""
        self._check_tokens("tgt_in", tgt_in, src.shape[0])
        memory, _, src_mask = self.encode(src, src_lengths)
        return self._decode(tgt_in, memory, src_mask, weights=True)[1]

    def extra_repr(self) -> str:
        return f"d_model={self.d_model}, nhead={self.nhead}, tie_weights={self.tie_weights}"


__all__ = ["Seq2SeqTransformer", "Seq2SeqTransformerOutput"]
