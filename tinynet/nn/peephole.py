"""The peephole LSTM (Gers and Schmidhuber, 2000): an LSTM whose input, forget and output gates
also see the cell state, each through its own diagonal ("peephole") weights. Not in PyTorch.

The layer (``PeepholeLSTM``) and the cell (``PeepholeLSTMCell``) take nn.LSTM's and nn.LSTMCell's
arguments and hold their parameters under the same names, plus the three peephole weight vectors;
with the peephole weights at zero they compute exactly the LSTM. One step is
``peephole_lstm_step``, a composition of differentiable ops (so second derivatives work).
"""

from __future__ import annotations

from tinynet import creation, ops
from tinynet.errors import ArgumentError
from tinynet.nn import functional as F
from tinynet.nn.parameter import Parameter
from tinynet.nn.rnn import RNNBase
from tinynet.nn.rnn_cells import RNNCellBase
from tinynet.tensor import Tensor

PEEPHOLES = ("weight_ci", "weight_cf", "weight_co")  # the input, forget and output gates' V


def peephole_lstm_step(gates_x: Tensor, h: Tensor, c: Tensor, w_hh: Tensor, b_hh: Tensor | None,
                       w_ci: Tensor, w_cf: Tensor, w_co: Tensor) -> tuple[Tensor, Tensor]:
    """One peephole LSTM step; ``gates_x`` = W_ih x + b_ih holds the four input gates side by
    side (order i, f, g, o, as nn.LSTM)::

        i = σ(W_ii x + b_ii + W_hi h + b_hi + v_i ⊙ c)
        f = σ(W_if x + b_if + W_hf h + b_hf + v_f ⊙ c)
        g = tanh(W_ig x + b_ig + W_hg h + b_hg)
        c' = f ⊙ c + i ⊙ g
        o = σ(W_io x + b_io + W_ho h + b_ho + v_o ⊙ c')
        h' = o ⊙ tanh(c')

    with v_i = ``w_ci``, v_f = ``w_cf``, v_o = ``w_co`` (each of hidden_size). Returns (h', c')."""
    i, f, g, o = ops.chunk(gates_x + F.linear(h, w_hh, b_hh), 4, -1)
    c_next = ops.sigmoid(f + w_cf * c) * c + ops.sigmoid(i + w_ci * c) * ops.tanh(g)
    return ops.sigmoid(o + w_co * c_next) * ops.tanh(c_next), c_next


class PeepholeLSTMCell(RNNCellBase):
    """One peephole LSTM step (not in PyTorch)::

        i = σ(W_ii x + b_ii + W_hi h + b_hi + v_i ⊙ c)
        f = σ(W_if x + b_if + W_hf h + b_hf + v_f ⊙ c)
        g = tanh(W_ig x + b_ig + W_hg h + b_hg)
        c' = f ⊙ c + i ⊙ g
        o = σ(W_io x + b_io + W_ho h + b_ho + v_o ⊙ c')
        h' = o ⊙ tanh(c')

    The gates read the cell state through the diagonal weights v ("peepholes"): i and f the
    previous state c, o the new state c'. Arguments, shapes and the other parameters are
    nn.LSTMCell's: input (N, input_size) or unbatched (input_size); hx = (h, c), each (N,
    hidden_size) or unbatched (hidden_size) (zeros if omitted); returns (h', c'). Parameters
    weight_ih (4·hidden_size, input_size), weight_hh (4·hidden_size, hidden_size), gates in the
    order i, f, g, o, bias_ih and bias_hh (4·hidden_size), and the peepholes ``weight_ci`` (v_i),
    ``weight_cf`` (v_f), ``weight_co`` (v_o), each (hidden_size,); all ~ U(−1/√H, 1/√H). With
    the peepholes at zero it is nn.LSTMCell."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)
        for name in PEEPHOLES:
            setattr(self, name, Parameter(creation.empty(hidden_size, dtype=dtype)))
        self.reset_parameters()

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None
                ) -> tuple[Tensor, Tensor]:
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise ArgumentError("PeepholeLSTMCell: hx must be a tuple (h_0, c_0) of two tensors")
        input, (h, c), batched = self._prepare(input, hx, ("hx[0]", "hx[1]"))
        h, c = peephole_lstm_step(self._gates_x(input), h, c, self.weight_hh, self.bias_hh,
                                  self.weight_ci, self.weight_cf, self.weight_co)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class PeepholeLSTM(RNNBase):
    """A multi-layer peephole LSTM (not in PyTorch): for each element of the sequence, each layer
    computes::

        i_t = σ(W_ii x_t + b_ii + W_hi h_{t−1} + b_hi + v_i ⊙ c_{t−1})
        f_t = σ(W_if x_t + b_if + W_hf h_{t−1} + b_hf + v_f ⊙ c_{t−1})
        g_t = tanh(W_ig x_t + b_ig + W_hg h_{t−1} + b_hg)
        c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t
        o_t = σ(W_io x_t + b_io + W_ho h_{t−1} + b_ho + v_o ⊙ c_t)
        h_t = o_t ⊙ tanh(c_t)

    where x_t is the input (first layer) or the previous layer's output (with dropout ``dropout``
    in training, except after the last layer). The peepholes v let the gates time their opening
    on the cell state itself, not only on h, which the output gate hides.

    Arguments, shapes and outputs are nn.LSTM's, without ``proj_size`` (no projection): input
    (L, N, input_size), (N, L, input_size) with ``batch_first``, or unbatched (L, input_size);
    hx = (h_0, c_0), each (D·num_layers, N, hidden_size) (D = 2 if bidirectional else 1), or
    unbatched without N, zeros if omitted. Returns (output, (h_n, c_n)), output (L, N,
    D·hidden_size). Parameters per layer k: nn.LSTM's weight_ih_l{k}, weight_hh_l{k} (gates
    i, f, g, o), bias_ih_l{k}, bias_hh_l{k}, plus the peepholes ``weight_ci_l{k}`` (v_i),
    ``weight_cf_l{k}`` (v_f), ``weight_co_l{k}`` (v_o), each (hidden_size,); ``_reverse`` for
    the backward direction; all ~ U(−1/√hidden_size, 1/√hidden_size). ``all_weights`` lists
    them per layer and direction in the order w_ih, w_hh, b_ih, b_hh, w_ci, w_cf, w_co. With
    the peepholes at zero it is nn.LSTM (an nn.LSTM state_dict loads with ``strict=False``).
    The steps run as a composition of ops; packed sequences are not supported (pad them)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, 0, device, dtype)
        for names in self._all_weights:
            suffix = names[0][len("weight_ih"):]
            for stem in PEEPHOLES:
                setattr(self, stem + suffix, Parameter(creation.empty(hidden_size, dtype=dtype)))
                names.append(stem + suffix)
        self._flat_weights_names = [name for names in self._all_weights for name in names]
        self.reset_parameters()

    def forward(self, input: Tensor, hx=None):
        if not isinstance(input, Tensor):
            raise TypeError(f"PeepholeLSTM: input must be a Tensor, got {type(input).__name__} "
                            "(packed sequences are not supported: pad them)")
        return super().forward(input, hx)

    def _run_direction(self, gates_x: Tensor, states: list[Tensor], names: list[str],
                       reverse: bool) -> tuple[Tensor, list[Tensor]]:
        """Run one layer in one direction over gates_x (L, N, 4·H): the outputs (L, N, H) in
        time order and the final [h, c]."""
        w_hh = getattr(self, names[1])
        b_hh = getattr(self, names[3]) if self.bias else None
        w_ci, w_cf, w_co = (getattr(self, name) for name in names[-3:])
        steps = ops.unbind(gates_x, 0)
        order = range(len(steps) - 1, -1, -1) if reverse else range(len(steps))
        outputs = [None] * len(steps)
        h, c = states
        for t in order:
            h, c = peephole_lstm_step(steps[t], h, c, w_hh, b_hh, w_ci, w_cf, w_co)
            outputs[t] = h
        return ops.stack(outputs, 0), [h, c]


__all__ = ["PeepholeLSTM", "PeepholeLSTMCell", "peephole_lstm_step"]
