"""The time-step loop of a recurrent layer over a PackedSequence (used by nn.RNN, LSTM, GRU).

The packed data holds the sequences sorted by decreasing length, time-major, so step t is the
``batch_sizes[t]`` rows that follow step t−1's: the sequences still running are always the first
rows of the batch. A layer runs its cell on those rows only. Going forward in time the batch
shrinks: when it drops from n to m < n rows, rows m..n−1 of the state are the final states of
the sequences that just ended, set aside. Going backward in time (the reverse direction of a
bidirectional layer) the batch grows, and the sequences that start their reverse pass take their
rows of the initial state. So every sequence's h_n is its state at its own last step, and the
padded positions never enter the computation (they get no gradient).

A layer uses it like this (``cell(x_t, state) -> (output_t, new_state)``, the state a tensor
or a tuple such as (h, c), batch on dim 0)::

    from tinynet.nn.utils._packed_steps import packed_like, run_packed, sort_batch, unsort_batch

    def forward(self, input, hx=None):             # input: PackedSequence
        h0 = sort_batch(hx, input, dim=1)           # (num_layers, B, H), in sorted order
        x, finals = input.data, []
        for k in range(self.num_layers):
            x, h_k = run_packed(self.cell_k, x, input.batch_sizes, h0[k])
            finals.append(h_k)                      # (B, H): each sequence at its last step
        h_n = unsort_batch(tinynet.stack(finals), input, dim=1)
        return packed_like(x, input), h_n           # output in packed order, h_n in the caller's

A bidirectional layer calls ``run_packed(..., reverse=True)`` on the same data for the reverse
direction and joins the two outputs with ``cat(dim=-1)``: both are rows in packed order.
"""

from __future__ import annotations

import numpy as np

from tinynet import ops
from tinynet.errors import ShapeError
from tinynet.nn.utils.rnn import PackedSequence, _index_array
from tinynet.tensor import Tensor

__all__ = [
    "last_step_rows",
    "packed_like",
    "packed_steps",
    "run_packed",
    "sort_batch",
    "unsort_batch",
]


def _sizes(batch_sizes) -> list[int]:
    return _index_array(batch_sizes, "batch_sizes").tolist()


def packed_steps(data: Tensor, batch_sizes) -> list[tuple[Tensor, int]]:
    """[(x_t, batch_sizes[t]) for each step t]: x_t = the batch_sizes[t] rows of packed ``data``
    at step t, shape (batch_sizes[t], *), in sorted order."""
    steps, start = [], 0
    for size in _sizes(batch_sizes):
        steps.append((data[start:start + size], size))
        start += size
    return steps


def _as_tuple(state):
    return ((state,), False) if isinstance(state, Tensor) else (tuple(state), True)


def run_packed(cell, data: Tensor, batch_sizes, state, reverse: bool = False):
    """Run ``cell(x_t, state) -> (output_t, new_state)`` over packed ``data`` (Σ batch_sizes, *),
    on the batch_sizes[t] running sequences at step t, forward in time or, with ``reverse``,
    backward. ``state``: a tensor or a tuple of tensors, each (B, ...) with B = batch_sizes[0], in
    sorted order. Returns (outputs, final_state): outputs (Σ batch_sizes, ...) in packed row
    order; final_state of the same form as ``state``, each sequence's row taken at its own last
    step (its last time step going forward, step 0 going backward)."""
    sizes = _sizes(batch_sizes)
    if not sizes:
        raise ShapeError("run_packed: the packed sequence has no time steps")
    states, is_tuple = _as_tuple(state)
    for s in states:
        if s.shape[0] != sizes[0]:
            raise ShapeError(f"run_packed: the state has {s.shape[0]} rows, but the packed batch "
                             f"holds {sizes[0]} sequences (state shape {list(s.shape)})")
    starts = np.cumsum([0] + sizes[:-1]).tolist()
    outputs = [None] * len(sizes)
    if reverse:
        initial, running = states, sizes[-1]
        states = tuple(s[:running] for s in initial)
        for t in reversed(range(len(sizes))):
            size = sizes[t]
            if size > running:  # sequences whose last step is t begin their reverse pass
                states = tuple(ops.cat([s, s0[running:size]]) for s, s0 in zip(states, initial))
                running = size
            outputs[t], new = cell(data[starts[t]:starts[t] + size], states if is_tuple
                                   else states[0])
            states = _as_tuple(new)[0]
        final = states
    else:
        ended, running = [], sizes[0]
        for t, size in enumerate(sizes):
            if size < running:  # rows size..running-1 ended at step t-1: set their states aside
                ended.append(tuple(s[size:running] for s in states))
                states, running = tuple(s[:size] for s in states), size
            outputs[t], new = cell(data[starts[t]:starts[t] + size], states if is_tuple
                                   else states[0])
            states = _as_tuple(new)[0]
        pieces = [states, *reversed(ended)]  # rows 0.., then the earlier-ending higher rows
        final = states if len(pieces) == 1 else tuple(
            ops.cat([piece[i] for piece in pieces]) for i in range(len(states)))
    output = outputs[0] if len(outputs) == 1 else ops.cat(outputs)
    return output, (final if is_tuple else final[0])


def sort_batch(tensor: Tensor | None, packed: PackedSequence, dim: int = 0):
    """``tensor`` with its batch dim ``dim`` put in the packed (sorted) order:
    tensor.index_select(dim, sorted_indices), itself when the batch came sorted (None for
    None), as for a user's h_0 given in the caller's order."""
    return _permute(tensor, packed.sorted_indices, dim)


def unsort_batch(tensor: Tensor | None, packed: PackedSequence, dim: int = 0):
    """The inverse of ``sort_batch``: the batch dim ``dim`` back in the caller's order (for
    h_n)."""
    return _permute(tensor, packed.unsorted_indices, dim)


def _permute(tensor, indices, dim):
    if tensor is None or indices is None:
        return tensor
    index = [slice(None)] * tensor.ndim
    index[dim] = _index_array(indices, "indices")
    return tensor[tuple(index)]


def packed_like(data: Tensor, packed: PackedSequence) -> PackedSequence:
    """A PackedSequence of ``data`` (rows in packed order, as ``run_packed`` returns them) with
    ``packed``'s batch sizes and indices."""
    return PackedSequence(data, packed.batch_sizes, packed.sorted_indices,
                          packed.unsorted_indices)


def last_step_rows(batch_sizes) -> np.ndarray:
    """For each sequence in sorted order, the row of packed data at its last step, int64 (B,):
    ``outputs[last_step_rows(batch_sizes)]`` is h_n of a layer whose output is its state,
    computed by a loop that returns every step's output without the final state."""
    sizes = np.asarray(_sizes(batch_sizes), dtype=np.int64)
    starts = np.cumsum(sizes) - sizes
    batch = int(sizes[0]) if sizes.size else 0
    lengths = (sizes[None, :] > np.arange(batch)[:, None]).sum(axis=1)
    return starts[lengths - 1] + np.arange(batch)
