"""A recurrent regressor that answers at the end of a sequence: a recurrent layer (tanh RNN,
LSTM, peephole LSTM or GRU) reads the sequence, and a Linear layer maps its last hidden state to
the answer. It is the model of the long-range tasks (the adding problem): the answer depends on
inputs far back, so the gradient of the loss must travel back through every step
(∂loss/∂h_t = ∂loss/∂h_T · ∏_{s=t+1..T} ∂h_s/∂h_{s−1}), and ``hidden_states`` exposes the
h_t so that this gradient can be measured step by step.
"""

from __future__ import annotations

from collections.abc import Sequence

import tinynet as tn
from tinynet import nn

CELLS = {  # cell name -> the recurrent layer's class and extra arguments
    "rnn": (nn.RNN, {"nonlinearity": "tanh"}),
    "lstm": (nn.LSTM, {}),
    "peephole": (nn.PeepholeLSTM, {}),
    "gru": (nn.GRU, {}),
}


class LastStepRegressor(nn.Module):
    """Inputs (N, L, input_size), batch first -> (N, outputs) = Linear(h_L), where h_L is the
    last hidden state of the one-layer recurrent layer ``rnn`` (``cell``: "rnn" (tanh),
    "lstm", "peephole" or "gru")."""

    def __init__(self, cell: str, input_size: int, hidden_size: int = 32, outputs: int = 1):
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"unknown cell {cell!r}; choose from {', '.join(CELLS)}")
        layer, extra = CELLS[cell]
        self.cell = cell
        self.rnn = layer(input_size, hidden_size, batch_first=True, **extra)
        self.head = nn.Linear(hidden_size, outputs)

    def forward(self, inputs: tn.Tensor) -> tn.Tensor:
        return self.head(self.rnn(inputs)[0][:, -1])

    def hidden_states(self, inputs: tn.Tensor) -> tuple[tn.Tensor, list[tn.Tensor]]:
        """(prediction, [h_1, ..., h_L]): the same function as ``forward``, computed one step at
        a time (one call of the layer per step, the state carried over), so that each h_t
        (N, hidden_size) is a node of the graph that h_{t+1} depends on: ``h_t.retain_grad()``
        then gives ∂loss/∂h_t after ``loss.backward()`` (for the LSTMs, with c_t held apart)."""
        state, states = None, []
        for t in range(inputs.shape[1]):
            _, state = self.rnn(inputs[:, t:t + 1], state)
            if isinstance(state, tuple):  # (h, c): the next step reads this h_t
                states.append(state[0][0])
                state = (states[-1].unsqueeze(0), state[1])
            else:
                states.append(state[0])
                state = states[-1].unsqueeze(0)
        return self.head(states[-1]), states


def build_last_step_regressor(input_shape: Sequence[int], num_classes: int = 1, cell: str = "lstm",
                              hidden_size: int = 32) -> LastStepRegressor:
    """A ``LastStepRegressor`` for samples of shape (L, input_size), with ``num_classes``
    outputs."""
    return LastStepRegressor(cell, int(input_shape[-1]), hidden_size, num_classes)


def build_vanishing(input_shape: Sequence[int], num_classes: int = 1, hidden_size: int = 32,
                    cells: Sequence[str] = tuple(CELLS), lags: Sequence[int] = (10, 50, 100),
                    train_size: int = 4000) -> nn.ModuleDict:
    """The models of the vanishing-gradient study (``tinynet train vanishing``): one fresh
    ``LastStepRegressor`` per name in ``cells``, in a ModuleDict. ``lags`` (the sequence
    lengths) and ``train_size`` (training sequences per length) shape the study's data, not the
    models: the recipe reads them from here so that ``--model-arg`` sets them."""
    cells = [cells] if isinstance(cells, str) else list(cells)
    lags = [lags] if isinstance(lags, int) else list(lags)
    if not cells or any(cell not in CELLS for cell in cells):
        raise ValueError(f"cells must name some of {', '.join(CELLS)}, but got {cells!r}")
    if not lags or any(isinstance(lag, bool) or not isinstance(lag, int) or lag < 2
                       for lag in lags):
        raise ValueError(f"lags must be integers of at least 2, but got {lags!r}")
    if isinstance(train_size, bool) or not isinstance(train_size, int) or train_size < 1:
        raise ValueError(f"train_size must be a positive integer, but got {train_size!r}")
    return nn.ModuleDict({cell: build_last_step_regressor(input_shape, num_classes, cell,
                                                          hidden_size) for cell in cells})
