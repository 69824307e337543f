"""Recurrent cells: one time step of an Elman RNN, an LSTM and a GRU.

Each cell type's arithmetic is one small function of tensors (``rnn_tanh_step``, ``rnn_relu_step``,
``lstm_step``, ``gru_step``, in tinynet/ops/recurrent.py), built from differentiable ops. The
input-side product ``gates_x = x W_ihᵀ + b_ih`` is an argument: a multi-step layer (``nn.LSTM``,
...) computes it for every time step with one matrix product, a cell module (``nn.LSTMCell``, ...) for its one step. The
hidden-side product is computed in the step function, since it depends on the previous step.

Gates are stacked in the weights in PyTorch's order (LSTM: i, f, g, o; GRU: r, z, n), so weights
move between tinynet and PyTorch unchanged.
"""

from __future__ import annotations

import math

from tinynet import creation
from tinynet.errors import ArgumentError, ShapeError
from tinynet.nn import functional as F
from tinynet.nn import init
from tinynet.nn.factory import check_device
from tinynet.nn.module import Module
from tinynet.nn.parameter import Parameter
from tinynet.ops.recurrent import gru_step, lstm_step, rnn_relu_step, rnn_tanh_step
from tinynet.tensor import Tensor


def init_recurrent_(module: Module, hidden_size: int) -> None:
    """Every parameter of ``module`` ~ U(−1/√hidden_size, 1/√hidden_size), as in PyTorch."""
    bound = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0.0
    for parameter in module.parameters():
        init.uniform_(parameter, -bound, bound)


def check_dtype(name: str, what: str, tensor: Tensor, weight: Tensor) -> None:
    """Refuse an input or hidden state whose dtype is not the weights'."""
    if tensor.dtype != weight.dtype:
        raise ArgumentError(
            f"{name}: {what} dtype ({tensor.dtype}) does not match weight dtype ({weight.dtype}); "
            f"convert the {what} with .to({weight.dtype}) or the module with .to({tensor.dtype})"
        )


class RNNCellBase(Module):
    """The parameters shared by the cells: weight_ih (G·H, input_size), weight_hh (G·H, H) and,
    with ``bias``, bias_ih and bias_hh (G·H,), for G = ``num_chunks`` stacked gates."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device=None, dtype=None):
        super().__init__()
        check_device(device, type(self).__name__)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        rows = num_chunks * hidden_size
        self.weight_ih = Parameter(creation.empty(rows, input_size, dtype=dtype))
        self.weight_hh = Parameter(creation.empty(rows, hidden_size, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(creation.empty(rows, dtype=dtype))
            self.bias_hh = Parameter(creation.empty(rows, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every parameter ~ U(−1/√hidden_size, 1/√hidden_size)."""
        init_recurrent_(self, self.hidden_size)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            text += f", nonlinearity={self.nonlinearity}"
        return text

    def _prepare(self, input: Tensor, states: tuple, names: tuple[str, ...]):
        """Check the input (1-D or 2-D) and hidden states, batch the unbatched; returns
        (input (N, in), states (N, H) each, whether the input was batched)."""
        name = type(self).__name__
        if input.ndim not in (1, 2):
            raise ShapeError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        check_dtype(name, "input", input, self.weight_ih)
        if input.shape[-1] != self.input_size:
            raise ShapeError(
                f"{name}: input has inconsistent input_size: got {input.shape[-1]}, "
                f"expected {self.input_size} (input shape {list(input.shape)})")
        batched = input.ndim == 2
        if not batched:
            input = input.unsqueeze(0)
        batch = input.shape[0]
        if states is None:
            zeros = creation.zeros(batch, self.hidden_size, dtype=input.dtype)
            return input, tuple(zeros for _ in names), batched
        prepared = []
        for state_name, state in zip(names, states):
            if not isinstance(state, Tensor):
                raise ArgumentError(f"{name}: {state_name} must be a Tensor, got "
                                    f"{type(state).__name__}")
            if state.ndim != (2 if batched else 1):
                kind = "batched 2-D" if batched else "unbatched 1-D"
                raise ShapeError(
                    f"{name}: for {kind} input, {state_name} should be "
                    f"{2 if batched else 1}-D but got {state.ndim}-D (shape {list(state.shape)})")
            check_dtype(name, state_name, state, self.weight_ih)
            if not batched:
                state = state.unsqueeze(0)
            if tuple(state.shape) != (batch, self.hidden_size):
                raise ShapeError(
                    f"{name}: expected {state_name} of shape "
                    f"{[batch, self.hidden_size] if batched else [self.hidden_size]}, got "
                    f"{list(state.shape) if batched else list(state.shape[1:])}")
            prepared.append(state)
        return input, tuple(prepared), batched

    def _gates_x(self, input: Tensor) -> Tensor:
        return F.linear(input, self.weight_ih, self.bias_ih)


class RNNCell(RNNCellBase):
    """One step of an Elman RNN: h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (or relu with
    ``nonlinearity='relu'``).

    Shapes: input (N, input_size) or unbatched (input_size); hx of the same batching with
    hidden_size features (zeros if omitted); output h' like hx. Parameters: weight_ih
    (hidden_size, input_size), weight_hh (hidden_size, hidden_size), bias_ih and bias_hh
    (hidden_size), all ~ U(−1/√hidden_size, 1/√hidden_size)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity {nonlinearity!r}. Select from 'tanh' or "
                             f"'relu'.")
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, (h,), batched = self._prepare(input, None if hx is None else (hx,), ("hx",))
        step = rnn_tanh_step if self.nonlinearity == "tanh" else rnn_relu_step
        h = step(self._gates_x(input), h, self.weight_hh, self.bias_hh)
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step::

        i = σ(W_ii x + b_ii + W_hi h + b_hi)        f = σ(W_if x + b_if + W_hf h + b_hf)
        g = tanh(W_ig x + b_ig + W_hg h + b_hg)     o = σ(W_io x + b_io + W_ho h + b_ho)
        c' = f ⊙ c + i ⊙ g                          h' = o ⊙ tanh(c')

    Shapes: input (N, input_size) or unbatched (input_size); hx = (h, c), each (N, hidden_size)
    or unbatched (hidden_size) (zeros if omitted); returns (h', c'). Parameters: weight_ih
    (4·hidden_size, input_size) and weight_hh (4·hidden_size, hidden_size) with the gates stacked
    in the order i, f, g, o; bias_ih, bias_hh (4·hidden_size); all ~ U(−1/√H, 1/√H)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None
                ) -> tuple[Tensor, Tensor]:
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise ArgumentError("LSTMCell: hx must be a tuple (h_0, c_0) of two tensors")
        input, (h, c), batched = self._prepare(input, hx, ("hx[0]", "hx[1]"))
        h, c = lstm_step(self._gates_x(input), h, c, self.weight_hh, self.bias_hh)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step::

        r = σ(W_ir x + b_ir + W_hr h + b_hr)        z = σ(W_iz x + b_iz + W_hz h + b_hz)
        n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
        h' = (1 − z) ⊙ n + z ⊙ h

    Shapes: input (N, input_size) or unbatched (input_size); hx like the output (N, hidden_size)
    or unbatched (hidden_size) (zeros if omitted). Parameters: weight_ih (3·hidden_size,
    input_size) and weight_hh (3·hidden_size, hidden_size) with the gates stacked in the order
    r, z, n; bias_ih, bias_hh (3·hidden_size); all ~ U(−1/√H, 1/√H)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, (h,), batched = self._prepare(input, None if hx is None else (hx,), ("hx",))
        h = gru_step(self._gates_x(input), h, self.weight_hh, self.bias_hh)
        return h if batched else h.squeeze(0)


__all__ = [
    "GRUCell",
    "LSTMCell",
    "RNNCell",
    "RNNCellBase",
    "gru_step",
    "lstm_step",
    "rnn_relu_step",
    "rnn_tanh_step",
]
