"""A recurrent encoder-decoder (sequence to sequence), with or without attention, and its
decoders (greedy and beam search, in ``tinynet.models.seq2seq_search``).

    model = Seq2Seq(src_vocab_size=40, tgt_vocab_size=14, attention="bahdanau")
    out = model(src, src_lengths, tgt_in)            # teacher forcing: out.logits (B, T, V)
    loss = nn.CrossEntropyLoss(ignore_index=pad)(out.logits.reshape(-1, V), tgt_out.reshape(-1))
    tokens, attentions = greedy_decode(model, src, src_lengths, 20, bos_index, eos_index)
    tokens, scores = beam_search(model, src, src_lengths, 4, 20, bos_index, eos_index)

The encoder embeds the source tokens and runs a GRU or LSTM over the real positions only (the
padded batch is packed with ``pack_padded_sequence``), giving one output per source position
(``enc_outputs``) and its final state. The decoder is a stack of GRU or LSTM cells that starts
from the encoder's final state and runs one target token at a time (``decode_step``). At step t,
with y_{t-1} the previous token and s_{t-1} the decoder's state (its top layer's hidden state
being the query):

- without attention (``attention=None``): s_t = cell(embed(y_{t-1}), s_{t-1}) and
  logits_t = W_o s_t + b_o. Everything the decoder knows about the source passes through the
  encoder's final state, one fixed-length vector (the bottleneck attention removes);
- with attention (Bahdanau's ordering, for every score function): (c_t, α_t) =
  attention(s_{t-1}, enc_outputs, src_mask), s_t = cell([embed(y_{t-1}); c_t], s_{t-1}) and
  logits_t = W_o [s_t; c_t] + b_o. ``"bahdanau"`` scores additively, ``"dot"`` and
  ``"general"`` multiplicatively (tinynet.nn.BahdanauAttention, tinynet.nn.LuongAttention).

With ``bidirectional_encoder`` the encoder's outputs hold both directions (2 * hidden_size
features) and the decoder starts from the sum of the two directions' final states (``"dot"``
then cannot compare the sizes: use ``"general"`` or ``"bahdanau"``). Dropout applies to the
embeddings, between stacked layers and before the output layer. This is a model of
``tinynet.models`` (not a PyTorch module), built from PyTorch's layers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import tinynet as tn
from tinynet import nn
from tinynet.errors import ArgumentError, ShapeError
from tinynet.models.seq2seq_search import beam_search, greedy_decode
from tinynet.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

CELLS = {"gru": (nn.GRU, nn.GRUCell), "lstm": (nn.LSTM, nn.LSTMCell)}
ATTENTIONS = (None, "bahdanau", "dot", "general")


class Seq2SeqOutput(NamedTuple):
    """What ``Seq2Seq.forward`` returns: ``logits`` (B, T, V), ``hiddens`` (B, T, H) the top
    decoder layer's hidden state at each step (differentiable), ``attentions`` (B, T, S) the
    attention weights of each step (None without attention)."""

    logits: tn.Tensor
    hiddens: tn.Tensor
    attentions: tn.Tensor | None


def _check_positive(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ArgumentError(f"Seq2Seq: {name} must be a positive integer, but got {value!r}")


class Seq2Seq(nn.Module):
    """Encoder-decoder over token indices (see the module's docstring for the equations).

    ``encode(src, src_lengths) -> (enc_outputs, state, src_mask)``: src int64 (B, S) padded
    source indices, src_lengths int64 (B,) each in 1..S; enc_outputs (B, S, E) with
    E = hidden_size (2 * hidden_size with ``bidirectional_encoder``), zero after each length;
    src_mask (B, S) bool, True at real tokens; state the decoder's initial state (a GRU's h or
    an LSTM's (h, c), each (num_layers, B, hidden_size), batch in dimension 1).

    ``decode_step(prev_tokens, state, enc_outputs, src_mask) -> (logits, state, hidden, attn)``:
    one step from prev_tokens int64 (B,); logits (B, V), the new state, hidden (B, hidden_size)
    the top layer's new hidden state, attn (B, S) the attention weights (None without
    attention).

    ``forward(src, src_lengths, tgt_in, input_policy=None) -> Seq2SeqOutput``: runs
    ``decode_step`` over the T = tgt_in.shape[1] steps. Step 0 reads tgt_in[:, 0] (the start
    token). Step t > 0 reads tgt_in[:, t] (teacher forcing) when ``input_policy`` is None;
    otherwise ``input_policy(t, gold_tokens, prev_logits)`` chooses its input: gold_tokens
    = tgt_in[:, t] (B,), prev_logits (B, V) the logits of step t - 1, and it returns int64 (B,)
    tokens (feeding back ``prev_logits.argmax(1)`` runs the decoder free; mixing gold and
    predicted tokens is scheduled sampling). The policy is called for t >= 1 only.
    """

    def __init__(self, src_vocab_size: int, tgt_vocab_size: int, embed_dim: int = 64,
                 hidden_size: int = 128, cell: str = "gru", attention: str | None = None,
                 num_layers: int = 1, dropout: float = 0.0, bidirectional_encoder: bool = False):
        super().__init__()
        for name, value in (("src_vocab_size", src_vocab_size),
                            ("tgt_vocab_size", tgt_vocab_size), ("embed_dim", embed_dim),
                            ("hidden_size", hidden_size), ("num_layers", num_layers)):
            _check_positive(name, value)
        if cell not in CELLS:
            raise ArgumentError(f"Seq2Seq: cell must be one of {', '.join(CELLS)}, but got "
                                f"{cell!r}")
        if attention not in ATTENTIONS:
            raise ArgumentError(f"Seq2Seq: attention must be one of None, 'bahdanau', 'dot', "
                                f"'general', but got {attention!r}")
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) \
                or not 0 <= dropout < 1:
            raise ArgumentError(f"Seq2Seq: dropout must be in [0, 1), but got {dropout!r}")
        if attention == "dot" and bidirectional_encoder:
            raise ArgumentError("Seq2Seq: attention='dot' compares the decoder's state "
                                f"({hidden_size} features) with the encoder's outputs, which a "
                                f"bidirectional encoder doubles to {2 * hidden_size}; use "
                                f"attention='general' or 'bahdanau'")
        layer, cell_class = CELLS[cell]
        self.src_vocab_size, self.tgt_vocab_size = src_vocab_size, tgt_vocab_size
        self.cell, self.attention_name, self.num_layers = cell, attention, num_layers
        self.hidden_size, self.bidirectional_encoder = hidden_size, bool(bidirectional_encoder)
        self.encoder_size = hidden_size * (2 if bidirectional_encoder else 1)
        self.src_embedding = nn.Embedding(src_vocab_size, embed_dim)
        self.tgt_embedding = nn.Embedding(tgt_vocab_size, embed_dim)
        self.encoder = layer(embed_dim, hidden_size, num_layers, batch_first=True,
                             dropout=dropout if num_layers > 1 else 0.0,
                             bidirectional=bool(bidirectional_encoder))
        if attention == "bahdanau":
            self.attention = nn.BahdanauAttention(hidden_size, self.encoder_size)
        elif attention is not None:
            self.attention = nn.LuongAttention(hidden_size, self.encoder_size, method=attention)
        else:
            self.attention = None
        context = self.encoder_size if attention is not None else 0
        self.decoder = nn.ModuleList(
            [cell_class((embed_dim + context) if k == 0 else hidden_size, hidden_size)
             for k in range(num_layers)])
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(hidden_size + context, tgt_vocab_size)

    def _check_source(self, src, src_lengths) -> None:
        if not isinstance(src, tn.Tensor) or src.ndim != 2 or src.dtype != tn.int64:
            raise ShapeError(f"Seq2Seq: src must be an int64 tensor (B, S), but got "
                             f"{getattr(src, 'dtype', type(src).__name__)} of shape "
                             f"{tuple(getattr(src, 'shape', ()))}")
        if not isinstance(src_lengths, tn.Tensor) or tuple(src_lengths.shape) != (src.shape[0],):
            raise ShapeError(f"Seq2Seq: src_lengths must be a tensor of shape ({src.shape[0]},), "
                             f"one length per source sequence, but got "
                             f"{tuple(getattr(src_lengths, 'shape', ()))}")
        low, high = int(src_lengths.min()), int(src_lengths.max())
        if low < 1 or high > src.shape[1]:
            raise ArgumentError(f"Seq2Seq: src_lengths must be in 1..{src.shape[1]} (the padded "
                                f"length), but got values from {low} to {high}")

    def encode(self, src, src_lengths):
        """Run the encoder: ``(enc_outputs (B, S, E), state, src_mask (B, S) bool)``."""
        self._check_source(src, src_lengths)
        batch, steps = src.shape
        embedded = self.dropout(self.src_embedding(src))
        packed = pack_padded_sequence(embedded, src_lengths, batch_first=True,
                                      enforce_sorted=False)
        outputs, state = self.encoder(packed)
        enc_outputs, _ = pad_packed_sequence(outputs, batch_first=True, total_length=steps)
        src_mask = tn.arange(steps).unsqueeze(0) < src_lengths.unsqueeze(1)
        if self.bidirectional_encoder:                   # (L * 2, B, H) -> sum of directions
            def merge(h):
                return h.reshape(self.num_layers, 2, batch, self.hidden_size).sum(1)
            state = tuple(merge(s) for s in state) if self.cell == "lstm" else merge(state)
        return enc_outputs, state, src_mask

    def decode_step(self, prev_tokens, state, enc_outputs, src_mask):
        """One decoder step: ``(logits (B, V), state, hidden (B, H), attn (B, S) or None)``."""
        return self._step(prev_tokens, state, enc_outputs, src_mask, None)

    def _projected_keys(self, enc_outputs):
        """What every step's attention can share (Bahdanau's W_k k_j + b), or None."""
        if isinstance(self.attention, nn.BahdanauAttention):
            return self.attention.project_keys(enc_outputs)
        return None

    def _step(self, prev_tokens, state, enc_outputs, src_mask, projected_keys):
        if prev_tokens.ndim != 1 or prev_tokens.shape[0] != enc_outputs.shape[0]:
            raise ShapeError(f"Seq2Seq.decode_step: prev_tokens must have shape "
                             f"({enc_outputs.shape[0]},), one token per sequence, but got "
                             f"{tuple(prev_tokens.shape)}")
        lstm = self.cell == "lstm"
        h_all, c_all = state if lstm else (state, None)
        x = self.dropout(self.tgt_embedding(prev_tokens))
        weights = context = None
        if self.attention is not None:
            extra = {} if projected_keys is None else {"projected_keys": projected_keys}
            context, weights = self.attention(h_all[-1], enc_outputs, src_mask, **extra)
            x = tn.cat([x, context], dim=1)
        hs, cs = [], []
        for k, cell in enumerate(self.decoder):
            if lstm:
                h, c = cell(x, (h_all[k], c_all[k]))
                cs.append(c)
            else:
                h = cell(x, h_all[k])
            hs.append(h)
            x = self.dropout(h)
        new_h = tn.stack(hs)
        state = (new_h, tn.stack(cs)) if lstm else new_h
        features = h if context is None else tn.cat([h, context], dim=1)
        return self.output(self.dropout(features)), state, h, weights

    def forward(self, src, src_lengths, tgt_in,
                input_policy: Callable | None = None) -> Seq2SeqOutput:
        self._check_source(src, src_lengths)
        if not isinstance(tgt_in, tn.Tensor) or tgt_in.ndim != 2 \
                or tgt_in.shape[0] != src.shape[0] or tgt_in.shape[1] < 1:
            raise ShapeError(f"Seq2Seq: tgt_in must be int64 (B, T) with B = {src.shape[0]} and "
                             f"T >= 1, but got shape {tuple(getattr(tgt_in, 'shape', ()))}")
        enc_outputs, state, src_mask = self.encode(src, src_lengths)
        projected_keys = self._projected_keys(enc_outputs)
        batch = src.shape[0]
        logits_steps, hidden_steps, attention_steps = [], [], []
        logits = None
        for t in range(tgt_in.shape[1]):
            tokens = tgt_in[:, t]
            if input_policy is not None and t > 0:
                tokens = input_policy(t, tokens, logits)
                if not isinstance(tokens, tn.Tensor) or tuple(tokens.shape) != (batch,):
                    raise ShapeError(f"Seq2Seq: input_policy must return a tensor of "
                                     f"{batch} token indices (shape ({batch},)), but returned "
                                     f"{tuple(getattr(tokens, 'shape', ()))}")
            logits, state, hidden, weights = self._step(tokens, state, enc_outputs, src_mask,
                                                        projected_keys)
            logits_steps.append(logits)
            hidden_steps.append(hidden)
            attention_steps.append(weights)
        attentions = None if self.attention is None else tn.stack(attention_steps, dim=1)
        return Seq2SeqOutput(tn.stack(logits_steps, dim=1), tn.stack(hidden_steps, dim=1),
                             attentions)

    def extra_repr(self) -> str:
        return f"cell={self.cell!r}, attention={self.attention_name!r}"


__all__ = ["ATTENTIONS", "Seq2Seq", "Seq2SeqOutput", "beam_search", "greedy_decode"]
