"""Multi-layer recurrent layers: RNN, LSTM, GRU, with PyTorch's API, parameters and semantics.

A layer runs its cell (tinynet.nn.rnn_cells) over the time steps of a sequence, for each layer and
direction. The input-side products x W_ihᵀ + b_ih of all time steps are one matrix product; the
recurrence over the steps is one fused op per layer and direction (tinynet.ops.recurrent), whose
backward is backprop through time on arrays and whose second derivatives are those of the
step-by-step composition, so gradients (and gradients of gradients) flow through the whole
sequence.

Parameters are named and shaped as PyTorch's (``weight_ih_l{k}``, ``weight_hh_l{k}``,
``bias_ih_l{k}``, ``bias_hh_l{k}``, LSTM's ``weight_hr_l{k}``, ``_reverse`` for the backward
direction), so a state_dict moves between tinynet and PyTorch both ways.
"""

from __future__ import annotations

import numbers
import warnings

from tinynet import creation, ops
from tinynet.errors import ArgumentError, ShapeError
from tinynet.nn import functional as F
from tinynet.nn.factory import check_device
from tinynet.nn.module import Module
from tinynet.nn.parameter import Parameter
from tinynet.nn.rnn_cells import check_dtype, init_recurrent_
from tinynet.nn.rnn_packed import forward_packed
from tinynet.nn.utils.rnn import PackedSequence
from tinynet.ops.recurrent import composed_direction, recurrent_direction
from tinynet.tensor import Tensor

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _check_size(name: str, value, positive: bool = True) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be greater than zero")


class RNNBase(Module):
    """What RNN, LSTM and GRU share: the parameters per layer and direction, the checks of input
    and hidden state, and the loop over layers and directions.

    Each layer and direction runs as one fused op over the whole sequence (``fused = True``, the
    default): a loop on arrays with a Numba kernel for the gate math and backprop through time on
    arrays (tinynet/ops/recurrent.py). Setting the attribute ``fused = False`` (not in PyTorch)
    runs the step-by-step composition of ops instead: the same function, slower, and the
    readable specification."""

    fused = True

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None, dtype=None):
        super().__init__()
        check_device(device, type(self).__name__)
        if mode not in _GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode!r}")
        _check_size("input_size", input_size, positive=False)
        _check_size("hidden_size", hidden_size)
        _check_size("num_layers", num_layers)
        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
                or not 0 <= dropout <= 1):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=3)
        _check_size("proj_size", proj_size, positive=False)
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        directions = 2 if bidirectional else 1
        rows = _GATES[mode] * hidden_size
        out_size = proj_size or hidden_size
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else out_size * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                shapes = [("weight_ih", (rows, layer_input)), ("weight_hh", (rows, out_size))]
                if bias:
                    shapes += [("bias_ih", (rows,)), ("bias_hh", (rows,))]
                if proj_size:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                names = []
                for stem, shape in shapes:
                    setattr(self, stem + suffix, Parameter(creation.empty(*shape, dtype=dtype)))
                    names.append(stem + suffix)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every parameter ~ U(−1/√hidden_size, 1/√hidden_size), as in PyTorch."""
        init_recurrent_(self, self.hidden_size)

    def flatten_parameters(self) -> None:
        """Does nothing: PyTorch packs the weights into one buffer for cuDNN; tinynet's layers
        read the parameters as they are, so there is nothing to pack."""

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters per layer and direction, each list in the order w_ih, w_hh, b_ih, b_hh
        (and w_hr)."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            text += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if self.batch_first is not False:
            text += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            text += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            text += f", bidirectional={self.bidirectional}"
        return text

    # ---- checks ----------------------------------------------------------------------------

    def _check_input(self, input: Tensor) -> bool:
        """Check rank, feature size and dtype of the input; returns whether it is batched."""
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: input must be a Tensor or a PackedSequence, got "
                            f"{type(input).__name__}")
        if input.ndim not in (2, 3):
            raise ShapeError(f"{name}: Expected input to be 2D or 3D, got {input.ndim}D instead")
        check_dtype(name, "input", input, getattr(self, self._flat_weights_names[0]))
        if input.shape[-1] != self.input_size:
            raise ShapeError(
                f"{name}: input.size(-1) must be equal to input_size. Expected "
                f"{self.input_size}, got {input.shape[-1]} (input shape {list(input.shape)})")
        time_dim = 1 if self.batch_first and input.ndim == 3 else 0
        if input.shape[time_dim] == 0:
            raise ShapeError(f"{name}: Expected sequence length to be larger than 0")
        return input.ndim == 3

    def _check_state(self, state, state_name: str, size: int, batch: int, batched: bool,
                     input: Tensor) -> Tensor:
        """Check one initial state (h_0 or c_0) and return it batched: (D·num_layers, N, size)."""
        name = type(self).__name__
        if not isinstance(state, Tensor):
            raise TypeError(f"{name}: {state_name} must be a Tensor, got {type(state).__name__}")
        rank = 3 if batched else 2
        if state.ndim != rank:
            kind = "batched 3-D" if batched else "unbatched 2-D"
            raise ShapeError(f"{name}: for {kind} input, {state_name} should also be {rank}-D "
                             f"but got {state.ndim}-D (shape {list(state.shape)})")
        check_dtype(name, state_name, state, input)
        layers = self.num_layers * (2 if self.bidirectional else 1)
        expected = (layers, batch, size) if batched else (layers, size)
        if tuple(state.shape) != expected:
            raise ShapeError(f"{name}: Expected {state_name} size {expected}, got "
                             f"{list(state.shape)}")
        return state if batched else state.unsqueeze(1)

    def _initial_states(self, hx, batch: int, batched: bool, input: Tensor):
        """The initial states as a list of batched tensors ([h_0] or [h_0, c_0])."""
        out_size = self.proj_size or self.hidden_size
        sizes = [("h_0", out_size)] + ([("c_0", self.hidden_size)] if self.mode == "LSTM" else [])
        layers = self.num_layers * (2 if self.bidirectional else 1)
        if hx is None:
            return [creation.zeros(layers, batch, size, dtype=input.dtype) for _, size in sizes]
        if self.mode == "LSTM":
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise ArgumentError("LSTM: hx must be a tuple (h_0, c_0) of two tensors, got "
                                    f"{type(hx).__name__}")
            states = list(hx)
        else:
            states = [hx]
        return [self._check_state(state, state_name, size, batch, batched, input)
                for state, (state_name, size) in zip(states, sizes)]

    # ---- computation -----------------------------------------------------------------------

    def _run_direction(self, gates_x: Tensor, states: list[Tensor], names: list[str],
                       reverse: bool) -> tuple[Tensor, list[Tensor]]:
        """Run one layer in one direction over gates_x (L, N, G·H): the outputs (L, N, H_out) in
        time order and the final states. One fused op (tinynet.ops.recurrent) when ``fused`` is
        set, else the step-by-step composition; LSTM projections always run composed."""
        weights = [getattr(self, n) for n in names]
        w_hh = weights[1]
        b_hh = weights[3] if self.bias else None
        c0 = states[1] if self.mode == "LSTM" else None
        if self.proj_size:
            output, h, c = composed_direction(self.mode, gates_x, states[0], c0, w_hh, b_hh,
                                              reverse, w_hr=weights[-1])
        else:
            output, h, c = recurrent_direction(self.mode, gates_x, states[0], c0, w_hh, b_hh,
                                               reverse, fused=self.fused)
        return output, [h] if c is None else [h, c]

    def forward(self, input: Tensor, hx=None):
        if isinstance(input, PackedSequence):
            return forward_packed(self, input, hx)
        batched = self._check_input(input)
        if not batched:
            input = input.unsqueeze(1)
        elif self.batch_first:
            input = input.transpose(0, 1)
        states = self._initial_states(hx, input.shape[1], batched, input)
        directions = 2 if self.bidirectional else 1
        finals: list[list[Tensor]] = [[] for _ in states]
        layer_input = input
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                index = layer * directions + direction
                names = self._all_weights[index]
                w_ih = getattr(self, names[0])
                b_ih = getattr(self, names[2]) if self.bias else None
                gates_x = F.linear(layer_input, w_ih, b_ih)
                output, final = self._run_direction(
                    gates_x, [s[index] for s in states], names, reverse=direction == 1)
                outputs.append(output)
                for kept, state in zip(finals, final):
                    kept.append(state)
            layer_input = outputs[0] if directions == 1 else ops.cat(outputs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, training=True)
        output = layer_input
        final_states = [ops.stack(kept, 0) for kept in finals]
        if not batched:
            output = output.squeeze(1)
            final_states = [s.squeeze(1) for s in final_states]
        elif self.batch_first:
            output = output.transpose(0, 1)
        if self.mode == "LSTM":
            return output, (final_states[0], final_states[1])
        return output, final_states[0]


class RNN(RNNBase):
    """A multi-layer Elman RNN: for each element of the sequence, each layer computes
    h_t = tanh(x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh) (or relu with ``nonlinearity='relu'``),
    where x_t is the input (first layer) or the previous layer's output h_t (with dropout
    ``dropout`` in training, except after the last layer).

    Shapes (D = 2 if bidirectional else 1): input (L, N, input_size), (N, L, input_size) with
    ``batch_first``, or unbatched (L, input_size); h_0 (D·num_layers, N, hidden_size) or unbatched
    (D·num_layers, hidden_size), zeros if omitted. Returns (output, h_n): output (L, N,
    D·hidden_size) (batch first with ``batch_first``), h_n like h_0. Parameters weight_ih_l{k}
    (hidden_size, input_size or D·hidden_size), weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k},
    ``_reverse`` for the backward direction, all ~ U(−1/√hidden_size, 1/√hidden_size).
    A PackedSequence input gives a PackedSequence output (tinynet.nn.rnn_packed). The repr, as
    PyTorch's, does not show the nonlinearity."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity {nonlinearity!r}. Select from 'tanh' or "
                             f"'relu'.")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         0, device, dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """A multi-layer long short-term memory RNN: for each element of the sequence, each layer
    computes::

        i_t = σ(W_ii x_t + b_ii + W_hi h_{t−1} + b_hi)
        f_t = σ(W_if x_t + b_if + W_hf h_{t−1} + b_hf)
        g_t = tanh(W_ig x_t + b_ig + W_hg h_{t−1} + b_hg)
        o_t = σ(W_io x_t + b_io + W_ho h_{t−1} + b_ho)
        c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t
        h_t = o_t ⊙ tanh(c_t)

    where x_t is the input (first layer) or the previous layer's output (with dropout ``dropout``
    in training, except after the last layer). With ``proj_size`` > 0, h_t = W_hr (o_t ⊙
    tanh(c_t)) has proj_size features.

    Shapes (D = 2 if bidirectional else 1, H_out = proj_size or hidden_size): input (L, N,
    input_size), (N, L, input_size) with ``batch_first``, or unbatched (L, input_size);
    hx = (h_0, c_0) with h_0 (D·num_layers, N, H_out), c_0 (D·num_layers, N, hidden_size), or
    unbatched without N, zeros if omitted. Returns (output, (h_n, c_n)): output (L, N, D·H_out).
    Parameters weight_ih_l{k} (4·hidden_size, input_size or D·H_out) and weight_hh_l{k}
    (4·hidden_size, H_out) with the gates stacked in the order i, f, g, o; bias_ih_l{k},
    bias_hh_l{k} (4·hidden_size); weight_hr_l{k} (proj_size, hidden_size); ``_reverse`` for the
    backward direction; all ~ U(−1/√hidden_size, 1/√hidden_size). A PackedSequence input gives
    a PackedSequence output."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, device, dtype)


class GRU(RNNBase):
    """A multi-layer gated recurrent unit RNN: for each element of the sequence, each layer
    computes::

        r_t = σ(W_ir x_t + b_ir + W_hr h_{t−1} + b_hr)
        z_t = σ(W_iz x_t + b_iz + W_hz h_{t−1} + b_hz)
        n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t−1} + b_hn))
        h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}

    where x_t is the input (first layer) or the previous layer's output (with dropout ``dropout``
    in training, except after the last layer).

    Shapes (D = 2 if bidirectional else 1): input (L, N, input_size), (N, L, input_size) with
    ``batch_first``, or unbatched (L, input_size); h_0 (D·num_layers, N, hidden_size) or unbatched
    (D·num_layers, hidden_size), zeros if omitted. Returns (output, h_n): output (L, N,
    D·hidden_size). Parameters weight_ih_l{k} (3·hidden_size, input_size or D·hidden_size) and
    weight_hh_l{k} (3·hidden_size, hidden_size) with the gates stacked in the order r, z, n;
    bias_ih_l{k}, bias_hh_l{k} (3·hidden_size); ``_reverse`` for the backward direction; all
    ~ U(−1/√hidden_size, 1/√hidden_size). A PackedSequence input gives a PackedSequence
    output."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, 0, device, dtype)


__all__ = ["GRU", "LSTM", "RNN", "RNNBase"]
