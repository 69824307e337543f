"""The recurrent layers (nn.RNN, nn.LSTM, nn.GRU) on a PackedSequence.

Packed data holds the sequences sorted by decreasing length, time-major (tinynet.nn.utils.rnn):
at step t only the ``batch_sizes[t]`` sequences still running are computed
(tinynet.nn.utils._packed_steps.run_packed), so each sequence's h_n is its state at its own last
step and padded positions never enter the computation. The cell of each step is the same
step function (tinynet.ops.recurrent) that the padded path composes; the fused op, which runs
every sequence for the full length, is not used here.
"""

from __future__ import annotations

from tinynet import ops
from tinynet.errors import ShapeError
from tinynet.nn import functional as F
from tinynet.nn.utils._packed_steps import packed_like, run_packed, sort_batch, unsort_batch
from tinynet.nn.utils.rnn import PackedSequence
from tinynet.ops.recurrent import gru_step, lstm_step, rnn_relu_step, rnn_tanh_step

_STEPS = {"GRU": gru_step, "RNN_TANH": rnn_tanh_step, "RNN_RELU": rnn_relu_step}


def _cell(mode: str, w_hh, b_hh, w_hr):
    """cell(gates_x_t, state) -> (output_t, new_state) for run_packed; an LSTM's state is (h, c),
    and with ``w_hr`` (proj_size) its h is projected, h = W_hr (o ⊙ tanh(c))."""
    if mode == "LSTM":
        def lstm_cell(gates_x, state):
            h, c = lstm_step(gates_x, state[0], state[1], w_hh, b_hh)
            if w_hr is not None:
                h = F.linear(h, w_hr)
            return h, (h, c)
        return lstm_cell
    step = _STEPS[mode]

    def cell(gates_x, h):
        h = step(gates_x, h, w_hh, b_hh)
        return h, h
    return cell


def forward_packed(layer, packed: PackedSequence, hx=None):
    """``layer(packed, hx)``: (output PackedSequence of (Σ L_b, D·H_out) rows in packed order,
    h_n or (h_n, c_n) of shape (D·num_layers, B, H), in the caller's batch order, as h_0 is)."""
    name = type(layer).__name__
    data, batch_sizes = packed.data, packed.batch_sizes
    if data.ndim != 2 or data.shape[-1] != layer.input_size:
        raise ShapeError(f"{name}: the packed data must be (total steps, input_size="
                         f"{layer.input_size}), got shape {list(data.shape)}")
    batch = int(batch_sizes[0])
    states = [sort_batch(state, packed, dim=1)
              for state in layer._initial_states(hx, batch, True, data)]
    directions = 2 if layer.bidirectional else 1
    finals: list[list] = [[] for _ in states]
    x = data
    for k in range(layer.num_layers):
        outputs = []
        for direction in range(directions):
            index = k * directions + direction
            names = layer._all_weights[index]
            w_ih, w_hh = getattr(layer, names[0]), getattr(layer, names[1])
            b_ih, b_hh = (getattr(layer, names[2]), getattr(layer, names[3])) if layer.bias \
                else (None, None)
            w_hr = getattr(layer, names[-1]) if layer.proj_size else None
            initial = tuple(state[index] for state in states)
            output, final = run_packed(_cell(layer.mode, w_hh, b_hh, w_hr),
                                       F.linear(x, w_ih, b_ih), batch_sizes,
                                       initial if len(initial) > 1 else initial[0],
                                       reverse=direction == 1)
            outputs.append(output)
            for kept, state in zip(finals, final if isinstance(final, tuple) else (final,)):
                kept.append(state)
        x = outputs[0] if directions == 1 else ops.cat(outputs, -1)
        if layer.dropout and layer.training and k < layer.num_layers - 1:
            x = F.dropout(x, layer.dropout, training=True)
    final_states = [unsort_batch(ops.stack(kept, 0), packed, dim=1) for kept in finals]
    if layer.mode == "LSTM":
        return packed_like(x, packed), (final_states[0], final_states[1])
    return packed_like(x, packed), final_states[0]
