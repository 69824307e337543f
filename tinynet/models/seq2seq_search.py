"""Decoding an encoder-decoder: greedy and beam search, both batched, without gradients.

Both work with any model that has ``encode(src, src_lengths) -> (enc_outputs, state, src_mask)``
and ``decode_step(prev_tokens, state, enc_outputs, src_mask) -> (logits, state, hidden, attn)``
(``tinynet.models.Seq2Seq``), where the state is a tensor or a tuple of tensors with the batch in
dimension 1 (as nn.GRU's and nn.LSTM's). They put the model in eval mode (no dropout) and restore
its mode after. Decoding starts from ``bos_index``, generates at most ``max_length`` tokens per
sequence and stops a sequence at ``eos_index`` (included in the output); the batch stops when
every sequence has stopped. The tokens of a row after its end token are ``pad_index``
(``eos_index`` when None), so ``vocab.decode(row, stop_at_eos=True)`` reads the text.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

import tinynet as tn
from tinynet.errors import ArgumentError

NORMALIZATIONS = ("power", "gnmt")


def _check_int(name: str, value, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ArgumentError(f"{name} must be an integer of at least {minimum}, but got {value!r}")


def _check_indices(vocab_size: int, **indices) -> None:
    for name, index in indices.items():
        if index is not None and not 0 <= index < vocab_size:
            raise ArgumentError(f"{name}={index} is outside the model's {vocab_size} output "
                                f"tokens")


def _check_start(model, bos_index: int) -> None:
    """The start token against the model's ``tgt_vocab_size`` when it has one (the other
    indices are checked against the first step's logits)."""
    size = getattr(model, "tgt_vocab_size", None)
    if isinstance(bos_index, bool) or not isinstance(bos_index, (int, np.integer)):
        raise ArgumentError(f"bos_index must be an integer, but got {bos_index!r}")
    if size is not None:
        _check_indices(size, bos_index=bos_index)


@contextmanager
def _evaluating(model):
    was_training = model.training
    model.eval()
    try:
        with tn.no_grad():
            yield
    finally:
        model.train(was_training)


def _select(state, index: tn.Tensor):
    """The rows ``index`` of a recurrent state (batch in dimension 1)."""
    if isinstance(state, (tuple, list)):
        return tuple(s.index_select(1, index) for s in state)
    return state.index_select(1, index)


def greedy_decode(model, src, src_lengths, max_length: int, bos_index: int, eos_index: int, *,
                  pad_index: int | None = None):
    """The most likely next token at every step, fed back as the next input:
    y_t = argmax_y p(y | y_<t, x).

    src int64 (B, S), src_lengths int64 (B,). Returns ``(tokens, attentions)``: tokens int64
    (B, L), L <= max_length the number of steps run, each row the generated tokens (its end
    token included, then ``pad_index``); attentions float (B, L, S) the attention weights of
    each step, or None for a model without attention.
    """
    _check_int("greedy_decode: max_length", max_length, 1)
    _check_start(model, bos_index)
    fill = eos_index if pad_index is None else pad_index
    with _evaluating(model):
        enc_outputs, state, src_mask = model.encode(src, src_lengths)
        batch = enc_outputs.shape[0]
        tokens = np.full(batch, bos_index, dtype=np.int64)
        finished = np.zeros(batch, dtype=bool)
        generated, attentions = [], []
        for _ in range(max_length):
            logits, state, _, weights = model.decode_step(tn.tensor(tokens), state, enc_outputs,
                                                          src_mask)
            if not generated:
                _check_indices(logits.shape[1], bos_index=bos_index, eos_index=eos_index,
                               pad_index=pad_index)
            tokens = np.where(finished, fill, logits.numpy().argmax(axis=1)).astype(np.int64)
            generated.append(tokens)
            attentions.append(weights)
            finished |= tokens == eos_index
            if finished.all():
                break
    weights = None if attentions[0] is None else tn.stack(attentions, dim=1)
    return tn.tensor(np.stack(generated, axis=1)), weights


def length_normalizer(lengths, length_penalty: float, normalization: str = "power"):
    """lp(|Y|) that beam search divides a hypothesis's log-probability by: ``"power"``:
    |Y|^α; ``"gnmt"`` (Wu et al., 2016): ((5 + |Y|) / 6)^α; α = ``length_penalty``, |Y| the
    number of generated tokens (the end token included). α = 0 compares raw log-probabilities
    (favouring short outputs); larger α favours longer ones."""
    lengths = np.asarray(lengths, dtype=np.float64)
    if normalization == "power":
        return lengths ** length_penalty
    return ((5.0 + lengths) / 6.0) ** length_penalty


def beam_search(model, src, src_lengths, beam_width: int, max_length: int, bos_index: int,
                eos_index: int, length_penalty: float = 1.0, *, normalization: str = "power",
                pad_index: int | None = None):
    """Beam search: keep the ``beam_width`` partial outputs with the highest log-probability
    log p(y_1..y_t | x) = Σ log softmax(logits)[y_i] at every step, for every source sequence
    of the batch at once.

    Each step extends every kept hypothesis by every token and keeps the best ``beam_width`` of
    the beam_width × V candidates (ties go to the lower hypothesis, then the lower token, so
    ``beam_width=1`` is exactly ``greedy_decode``). A hypothesis that has produced the end
    token stays in the beam with its score unchanged. At the end the hypothesis with the best
    length-normalised score log p(Y | x) / lp(|Y|) wins (``length_normalizer``:
    ``normalization="power"`` |Y|^α, ``"gnmt"`` ((5 + |Y|) / 6)^α, α = ``length_penalty``).

    Returns ``(tokens, scores)``: tokens int64 (B, L) as greedy_decode's, scores float64 (B,)
    the winners' normalised scores.
    """
    _check_int("beam_search: beam_width", beam_width, 1)
    _check_int("beam_search: max_length", max_length, 1)
    if normalization not in NORMALIZATIONS:
        raise ArgumentError(f"beam_search: normalization must be one of "
                            f"{', '.join(NORMALIZATIONS)}, but got {normalization!r}")
    if isinstance(length_penalty, bool) or not isinstance(length_penalty, (int, float)) \
            or not np.isfinite(length_penalty):
        raise ArgumentError(f"beam_search: length_penalty must be a finite number, but got "
                            f"{length_penalty!r}")
    _check_start(model, bos_index)
    fill = eos_index if pad_index is None else pad_index
    k = beam_width
    with _evaluating(model):
        enc_outputs, state, src_mask = model.encode(src, src_lengths)
        batch = enc_outputs.shape[0]
        expand = tn.tensor(np.repeat(np.arange(batch), k))
        enc_outputs = enc_outputs.index_select(0, expand)
        src_mask = src_mask.index_select(0, expand)
        state = _select(state, expand)
        scores = np.full((batch, k), -np.inf)
        scores[:, 0] = 0.0                      # one start hypothesis per source, not k copies
        finished = np.zeros(batch * k, dtype=bool)
        lengths = np.zeros(batch * k, dtype=np.int64)
        history = np.zeros((batch * k, 0), dtype=np.int64)
        tokens = np.full(batch * k, bos_index, dtype=np.int64)
        for step in range(max_length):
            logits, state, _, _ = model.decode_step(tn.tensor(tokens), state, enc_outputs,
                                                    src_mask)
            logits = logits.numpy().astype(np.float64)
            vocab = logits.shape[1]
            if step == 0:
                _check_indices(vocab, bos_index=bos_index, eos_index=eos_index,
                               pad_index=pad_index)
            shifted = logits - logits.max(axis=1, keepdims=True)
            log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            log_probs[finished] = -np.inf       # an ended hypothesis only continues with fill,
            log_probs[finished, fill] = 0.0     # at no cost
            candidates = (scores.reshape(batch * k, 1) + log_probs).reshape(batch, k * vocab)
            best = np.argsort(-candidates, axis=1, kind="stable")[:, :k]        # (B, k)
            scores = np.take_along_axis(candidates, best, axis=1)
            origin = (np.arange(batch)[:, None] * k + best // vocab).reshape(-1)
            tokens = (best % vocab).reshape(-1).astype(np.int64)
            finished, lengths, history = finished[origin], lengths[origin], history[origin]
            lengths = lengths + ~finished
            finished = finished | (tokens == eos_index)
            history = np.concatenate([history, tokens[:, None]], axis=1)
            state = _select(state, tn.tensor(origin))
            if finished.all():
                break
    normalized = scores / length_normalizer(lengths, length_penalty,
                                            normalization).reshape(batch, k)
    winner = np.argmax(normalized, axis=1)
    rows = np.arange(batch) * k + winner
    return (tn.tensor(history[rows]),
            tn.tensor(normalized[np.arange(batch), winner]))


__all__ = ["NORMALIZATIONS", "beam_search", "greedy_decode", "length_normalizer"]
