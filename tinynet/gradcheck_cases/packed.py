"""Cases of the padded and packed sequences of ``nn.utils.rnn`` and of the recurrent step loop
over a packed batch (see tinynet/gradcheck_cases/__init__.py). Their gradients are those of
indexing and concatenation: each packed row's gradient goes back to its padded position, and
padded positions get zero."""

from __future__ import annotations

import numpy as np

import tinynet as tn
from tinynet.gradcheck_cases import draw as d
from tinynet.gradcheck_cases.case import Case
from tinynet.nn.utils._packed_steps import run_packed
from tinynet.nn.utils.rnn import (
    PackedSequence,
    pack_padded_sequence,
    pack_sequence,
    pad_packed_sequence,
    pad_sequence,
    unpack_sequence,
    unpad_sequence,
)


def _lengths(rng, batch: int, longest: int, low: int = 1) -> list[int]:
    return [d.integer(rng, low, longest) for _ in range(batch)]


def _features(rng) -> tuple:
    return tuple(d.integer(rng, 1, 2) for _ in range(d.integer(rng, 0, 1)))


def _batch_sizes(lengths) -> list[int]:
    lengths = np.asarray(lengths)
    return [int((lengths > t).sum()) for t in range(int(lengths.max()))]


def padded_inputs(rng):
    """A padded (T, B, *) or (B, T, *) array and lengths, sorted when enforce_sorted is."""
    steps, batch, features = d.integer(rng, 1, 4), d.integer(rng, 1, 3), _features(rng)
    enforce_sorted, batch_first = bool(rng.integers(2)), bool(rng.integers(2))
    lengths = _lengths(rng, batch, steps)
    if enforce_sorted:
        lengths = sorted(lengths, reverse=True)
    shape = (batch, steps) if batch_first else (steps, batch)
    return (d.array(rng, shape + features),), {
        "lengths": lengths, "batch_first": batch_first, "enforce_sorted": enforce_sorted}


def packed_inputs(rng):
    """Packed data (Σ L, *) with its batch sizes, a sorting permutation or None, and pad
    arguments."""
    batch, features = d.integer(rng, 1, 3), _features(rng)
    lengths = sorted(_lengths(rng, batch, 4), reverse=True)
    sorted_indices = rng.permutation(batch).tolist() if rng.integers(2) else None
    params = {"batch_sizes": _batch_sizes(lengths), "sorted_indices": sorted_indices,
              "batch_first": bool(rng.integers(2)), "padding_value": 0.5,
              "total_length": lengths[0] + d.integer(rng, 0, 1)}
    return (d.array(rng, (sum(lengths),) + features),), params


def sequences_inputs(low: int):
    """1 to 3 sequences of lengths ``low`` to 3 (one at least 1 long) with shared trailing
    dims."""
    def draw(rng):
        features = _features(rng)
        lengths = _lengths(rng, d.integer(rng, 1, 3), 3, low)
        lengths[0] = max(lengths[0], 1)
        return tuple(d.array(rng, (length,) + features) for length in lengths), {}
    return draw


def pad_sequence_inputs(rng):
    arrays, _ = sequences_inputs(0)(rng)
    return arrays, {"batch_first": bool(rng.integers(2)), "padding_value": -0.5,
                    "padding_side": d.choice(rng, ["left", "right"])}


def unpad_inputs(rng):
    steps, batch, features = d.integer(rng, 1, 4), d.integer(rng, 1, 3), _features(rng)
    batch_first = bool(rng.integers(2))
    shape = (batch, steps) if batch_first else (steps, batch)
    return (d.array(rng, shape + features),), {"lengths": _lengths(rng, batch, steps),
                                               "batch_first": batch_first}


def step_loop_inputs(pair_state: bool):
    """Packed data (Σ L, I), weights W (I, H), U (H, H), initial state(s) (B, H) and the batch
    sizes and direction of a recurrent loop."""
    def draw(rng):
        batch, inputs, hidden = d.integer(rng, 1, 3), d.integer(rng, 1, 2), d.integer(rng, 1, 2)
        lengths = sorted(_lengths(rng, batch, 4), reverse=True)
        arrays = (d.array(rng, (sum(lengths), inputs)), d.array(rng, (inputs, hidden), -1, 1),
                  d.array(rng, (hidden, hidden), -1, 1), d.array(rng, (batch, hidden)))
        if pair_state:
            arrays += (d.array(rng, (batch, hidden)),)
        return arrays, {"batch_sizes": _batch_sizes(lengths), "reverse": bool(rng.integers(2))}
    return draw


def _pad_packed(data, batch_sizes, sorted_indices, **params):
    indices = None if sorted_indices is None else tn.tensor(sorted_indices)
    return pad_packed_sequence(PackedSequence(data, batch_sizes, indices), **params)[0]


def _tanh_loop(data, w, u, h0, batch_sizes, reverse):
    def cell(x, h):
        h = tn.tanh(x @ w + h @ u)
        return h, h
    return run_packed(cell, data, batch_sizes, h0, reverse=reverse)


def _pair_loop(data, w, u, h0, c0, batch_sizes, reverse):
    """A loop whose state is a pair (h, c): h' = tanh(x W + h U + c), c' = c + h'."""
    def cell(x, state):
        h, c = state
        h = tn.tanh(x @ w + h @ u + c)
        return h, (h, c + h)
    output, (h, c) = run_packed(cell, data, batch_sizes, (h0, c0), reverse=reverse)
    return output, h, c


PACKED_CASES = [
    Case("pack_padded_sequence", lambda x, **p: pack_padded_sequence(x, **p).data, padded_inputs),
    Case("pad_packed_sequence", _pad_packed, packed_inputs),
    Case("pad_sequence", lambda *xs, **p: pad_sequence(list(xs), **p), pad_sequence_inputs),
    Case("pack_sequence", lambda *xs: pack_sequence(list(xs), enforce_sorted=False).data,
         sequences_inputs(1)),
    Case("unpack_sequence",
         lambda *xs: tuple(unpack_sequence(pack_sequence(list(xs), enforce_sorted=False))),
         sequences_inputs(1)),
    Case("unpad_sequence", lambda x, **p: tuple(unpad_sequence(x, **p)), unpad_inputs),
    Case("packed_step_loop", _tanh_loop, step_loop_inputs(False)),
    Case("packed_step_loop_pair_state", _pair_loop, step_loop_inputs(True)),
]
