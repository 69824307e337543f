"""Cases of the recurrent cells and layers (nn.RNNCell, nn.LSTMCell, nn.GRUCell, nn.RNN, nn.LSTM,
nn.GRU): the input, the initial hidden state(s) and every parameter are differentiated, through
every time step, layer and direction (pad_sequence and the packed sequences: packed.py)."""

from __future__ import annotations

from tinynet import nn
from tinynet.gradcheck_cases import draw as d
from tinynet.gradcheck_cases.case import Case
from tinynet.nn.utils.rnn import pack_padded_sequence


def recurrent(name, build, input_shape, state_shapes, paired=False, lengths=None) -> Case:
    """A case for the module ``build()`` (in float64) called as ``module(x, hx)``: x of
    ``input_shape``, hx one state (or, with ``paired``, an LSTM's pair (h, c)) of
    ``state_shapes``, and the parameters, all uniform in [-1, 1); the parameters take the place of
    the module's own for the call. With ``lengths``, x (L, N, H) goes in packed with those
    sequence lengths. The outputs are flattened into one tuple."""
    built = []

    def module():
        if not built:
            built.append(build().double())
        return built[0]

    def draw(rng):
        arrays = [d.array(rng, input_shape, -1.0, 1.0)]
        arrays += [d.array(rng, shape, -1.0, 1.0) for shape in state_shapes]
        arrays += [d.array(rng, p.shape, -1.0, 1.0) for p in module().parameters()]
        return tuple(arrays), {}

    def call(x, *rest):
        states, parameters = rest[:len(state_shapes)], rest[len(state_shapes):]
        layer_module = module()
        names = [n for n, p in layer_module._parameters.items() if p is not None]
        for parameter_name, value in zip(names, parameters):
            layer_module._parameters[parameter_name] = value
            object.__setattr__(layer_module, parameter_name, value)
        if lengths is not None:
            x = pack_padded_sequence(x, lengths, enforce_sorted=False)
        result = layer_module(x, tuple(states) if paired else states[0])
        if lengths is not None:
            result = (result[0].data, result[1])
        flat = []
        for item in result if isinstance(result, tuple) else (result,):
            flat.extend(item if isinstance(item, tuple) else (item,))
        return tuple(flat)

    return Case(name, call, draw)


RECURRENT_CASES = [
    recurrent("RNNCell", lambda: nn.RNNCell(2, 3), (2, 2), [(2, 3)]),
    recurrent("RNNCell_relu_unbatched", lambda: nn.RNNCell(2, 3, nonlinearity="relu"), (2,),
              [(3,)]),
    recurrent("LSTMCell", lambda: nn.LSTMCell(2, 2), (2, 2), [(2, 2), (2, 2)], paired=True),
    recurrent("GRUCell", lambda: nn.GRUCell(2, 2), (2, 2), [(2, 2)]),
    recurrent("RNN_two_layers", lambda: nn.RNN(2, 2, num_layers=2), (3, 1, 2), [(2, 1, 2)]),
    recurrent("LSTM_bidirectional_batch_first",
              lambda: nn.LSTM(1, 1, bidirectional=True, batch_first=True), (1, 2, 1),
              [(2, 1, 1), (2, 1, 1)], paired=True),
    recurrent("LSTM_proj_unbatched", lambda: nn.LSTM(2, 2, proj_size=1), (3, 2),
              [(1, 1), (1, 2)], paired=True),
    recurrent("GRU_bidirectional", lambda: nn.GRU(1, 2, bidirectional=True), (2, 1, 1),
              [(2, 1, 2)]),
    recurrent("LSTM_packed_bidirectional", lambda: nn.LSTM(1, 2, bidirectional=True), (3, 2, 1),
              [(2, 2, 2), (2, 2, 2)], paired=True, lengths=[2, 3]),
    recurrent("GRU_packed", lambda: nn.GRU(2, 2), (3, 3, 2), [(1, 3, 2)], lengths=[1, 3, 2]),
]


def fused_recurrence(mode, reverse=False, bias=True) -> Case:
    """A case of the fused recurrence (tinynet.ops.recurrent.FusedRecurrent) called directly:
    gates_x (L=3, N=2, G·H), h_0 (and the LSTM's c_0) (2, H=2), w_hh and, with ``bias``, b_hh,
    all uniform in [-1, 1); the outputs (output, h_n[, c_n]) as a tuple."""
    from tinynet.ops.recurrent import GATES, recurrent_direction

    rows, states = GATES[mode] * 2, 2 if mode == "LSTM" else 1

    def draw(rng):
        shapes = [(3, 2, rows)] + [(2, 2)] * states + [(rows, 2)] + ([(rows,)] if bias else [])
        return tuple(d.array(rng, shape, -1.0, 1.0) for shape in shapes), {}

    def call(gates_x, *rest):
        h0, c0 = rest[0], rest[1] if states == 2 else None
        w_hh = rest[states]
        b_hh = rest[states + 1] if bias else None
        output, h_n, c_n = recurrent_direction(mode, gates_x, h0, c0, w_hh, b_hh, reverse)
        return (output, h_n) if c_n is None else (output, h_n, c_n)

    suffix = ("_reverse" if reverse else "") + ("" if bias else "_no_bias")
    return Case(f"fused_{mode}{suffix}", call, draw)


RECURRENT_CASES += [
    fused_recurrence("RNN_TANH"),
    fused_recurrence("RNN_TANH", reverse=True, bias=False),
    fused_recurrence("LSTM"),
    fused_recurrence("LSTM", reverse=True, bias=False),
    fused_recurrence("GRU"),
    fused_recurrence("GRU", reverse=True, bias=False),
]
