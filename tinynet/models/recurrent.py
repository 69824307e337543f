"""Recurrent sequence classifiers: a stack of RNN, LSTM or GRU layers read out into a linear
classifier.

``RecurrentClassifier`` takes either token sequences (int64 (N, T), through an ``Embedding``)
or real-valued sequences ((N, T, F), or channels first (N, F, T) as ``Conv1d`` takes them, fed
directly or through a ``Linear`` projection), and a batch of padded sequences with their
``lengths``. The readout turns the outputs into one vector per sequence:

- ``"last"``: the output at each sequence's own last step ``lengths[i] - 1`` (the last step
  without lengths). With ``bidirectional=True`` that is the forward half there and the reverse
  half at step 0 (the reverse direction's last step). The layers take padded batches, not
  ``PackedSequence``: the reverse direction of a padded sequence starts in its padding, as it
  does in PyTorch's layers given a padded batch.
- ``"final"``: the last layer's final hidden state h_n (both directions concatenated). h_n is
  taken after the whole padded length, so lengths shorter than the batch are refused.
- ``"mean"``: the mean of the outputs over each sequence's valid steps.
- ``"flatten"``: every step's output concatenated (fixed-length inputs only: the MNIST-1D
  paper's GRU reads out this way).

The registry has ``rnn``, ``lstm`` and ``gru`` (the cell fixed by the name; ``rnn`` takes
``nonlinearity``) and ``names`` (the cell chosen by ``cell=``), all built by ``build_recurrent``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

import tinynet as tn
from tinynet import nn
from tinynet.tensor import Tensor

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
READOUTS = ("last", "final", "mean", "flatten")


class RecurrentClassifier(nn.Module):
    """Sequences -> logits (N, num_classes): [Embedding | Linear projection] -> ``cell`` layers
    -> readout (module docstring) -> Dropout -> Linear.

    ``vocab_size`` set: inputs are int64 token indices (N, T), embedded in ``embedding_dim``
    dimensions (``padding_idx``'s vector is zero and gets no gradient). Otherwise inputs are real
    (N, T, input_size), or (N, input_size, T) with ``channels_first=True``; ``projection`` (an
    int) puts a Linear(input_size -> projection) before the recurrent layers. ``seq_len`` is
    needed by the ``"flatten"`` readout only. ``forward(input, lengths=None)``: lengths (N,)
    int, each in 1..T.
    """

    def __init__(self, input_size: int, num_classes: int, cell: str = "gru",
                 hidden_size: int = 64, num_layers: int = 1, bidirectional: bool = False,
                 dropout: float = 0.0, readout: str = "last", vocab_size: int | None = None,
                 embedding_dim: int = 32, padding_idx: int | None = 0,
                 projection: int | None = None, channels_first: bool = False,
                 nonlinearity: str = "tanh", seq_len: int | None = None):
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {', '.join(CELLS)}, but got {cell!r}")
        if readout not in READOUTS:
            raise ValueError(f"readout must be one of {', '.join(READOUTS)}, but got {readout!r}")
        if readout == "flatten" and (seq_len is None or vocab_size is not None):
            raise ValueError("readout='flatten' needs fixed-length real-valued inputs (seq_len "
                             "given, no vocab_size)")
        if nonlinearity != "tanh" and cell != "rnn":
            raise ValueError(f"nonlinearity applies to cell='rnn' only, not {cell!r}")
        self.cell, self.readout, self.channels_first = cell, readout, channels_first
        self.tokens = vocab_size is not None
        if self.tokens:
            self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=padding_idx)
            features = embedding_dim
        elif projection is not None:
            self.projection = nn.Linear(input_size, projection)
            features = projection
        else:
            features = input_size
        extra = {"nonlinearity": nonlinearity} if cell == "rnn" else {}
        self.rnn = CELLS[cell](features, hidden_size, num_layers, batch_first=True,
                               dropout=dropout if num_layers > 1 else 0.0,
                               bidirectional=bidirectional, **extra)
        width = hidden_size * (2 if bidirectional else 1)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(width * (seq_len if readout == "flatten" else 1), num_classes)

    def features(self, input: Tensor, lengths=None) -> Tensor:
        """The readout vector of each sequence: (N, D * hidden_size) (x T for "flatten")."""
        if self.tokens:
            if input.ndim != 2:
                raise ValueError(f"token inputs must be (N, T) int64 indices, but got shape "
                                 f"{tuple(input.shape)}")
            x = self.embedding(input)
        else:
            if input.ndim != 3:
                raise ValueError(f"real-valued inputs must be (N, T, F) (or (N, F, T) channels "
                                 f"first), but got shape {tuple(input.shape)}")
            x = input.transpose(1, 2) if self.channels_first else input
            if hasattr(self, "projection"):
                x = self.projection(x)
        batch, steps = x.shape[0], x.shape[1]
        last = self._last_steps(lengths, batch, steps)
        output, state = self.rnn(x)
        if self.readout == "final":
            if last is not None and (last != steps - 1).any():
                raise ValueError("readout='final' reads h_n after the whole padded length; with "
                                 "sequences shorter than the batch use readout='last' or 'mean'")
            hidden = state[0] if self.cell == "lstm" else state
            return tn.cat([hidden[-2], hidden[-1]], -1) if self.rnn.bidirectional else hidden[-1]
        if self.readout == "flatten":
            return output.reshape(batch, -1)
        if self.readout == "mean":
            if last is None:
                return output.mean(1)
            mask = (np.arange(steps)[None, :] <= last[:, None]).astype(output.detach().numpy().dtype)
            total = (output * tn.tensor(mask[:, :, None])).sum(1)
            return total / tn.tensor(mask.sum(1, keepdims=True))
        rows = np.arange(batch)
        ends = last if last is not None else np.full(batch, steps - 1)
        forward = output[tn.tensor(rows), tn.tensor(ends)]
        if not self.rnn.bidirectional:
            return forward
        hidden = self.rnn.hidden_size
        return tn.cat([forward[:, :hidden], output[:, 0, hidden:]], -1)

    @staticmethod
    def _last_steps(lengths, batch: int, steps: int):
        """Each sequence's last valid step (int64 (N,)), or None without lengths."""
        if lengths is None:
            return None
        values = np.asarray(lengths.numpy() if hasattr(lengths, "numpy") else lengths)
        if values.shape != (batch,) or values.dtype.kind not in "iu":
            raise ValueError(f"lengths must be {batch} integers (one per sequence), but got "
                             f"shape {values.shape} and dtype {values.dtype}")
        if values.size and (values.min() < 1 or values.max() > steps):
            raise ValueError(f"lengths must be in 1..{steps} (the padded length), but got "
                             f"{int(values.min())}..{int(values.max())}")
        return values.astype(np.int64) - 1

    def forward(self, input: Tensor, lengths=None) -> Tensor:
        return self.head(self.dropout(self.features(input, lengths)))


def build_recurrent(input_shape: Sequence[int], num_classes: int, cell: str = "gru",
                    hidden_size: int = 64, num_layers: int = 1, bidirectional: bool = False,
                    dropout: float = 0.0, readout: str = "last", vocab_size: int | None = None,
                    embedding_dim: int = 32, projection: int | None = None,
                    nonlinearity: str = "tanh") -> RecurrentClassifier:
    """The registry's recurrent classifier for one sample's ``input_shape``: (C, L) signals
    (channels first, as MNIST-1D's (1, 40)) are read as L steps of C features; (L,) token
    sequences need ``vocab_size`` (index 0 is padding)."""
    shape = tuple(input_shape)
    if vocab_size is not None:
        if len(shape) != 1:
            raise ValueError(f"token inputs (vocab_size given) are (L,) sequences, but the "
                             f"dataset gives {shape}")
        return RecurrentClassifier(1, num_classes, cell, hidden_size, num_layers, bidirectional,
                                   dropout, readout, vocab_size, embedding_dim,
                                   nonlinearity=nonlinearity)
    if len(shape) != 2:
        raise ValueError(f"{cell} needs (C, L) signals or (L,) token sequences with vocab_size, "
                         f"but the dataset gives {shape}")
    channels, length = shape
    return RecurrentClassifier(channels, num_classes, cell, hidden_size, num_layers,
                               bidirectional, dropout, readout, projection=projection,
                               channels_first=True, nonlinearity=nonlinearity, seq_len=length)


def build_gru(input_shape: Sequence[int], num_classes: int, hidden_size: int = 64,
              num_layers: int = 1, bidirectional: bool = False, dropout: float = 0.0,
              readout: str = "last", vocab_size: int | None = None, embedding_dim: int = 32,
              projection: int | None = None) -> RecurrentClassifier:
    """``build_recurrent`` with ``cell="gru"``."""
    return build_recurrent(input_shape, num_classes, "gru", hidden_size, num_layers,
                           bidirectional, dropout, readout, vocab_size, embedding_dim, projection)


def build_lstm(input_shape: Sequence[int], num_classes: int, hidden_size: int = 64,
               num_layers: int = 1, bidirectional: bool = False, dropout: float = 0.0,
               readout: str = "last", vocab_size: int | None = None, embedding_dim: int = 32,
               projection: int | None = None) -> RecurrentClassifier:
    """``build_recurrent`` with ``cell="lstm"``."""
    return build_recurrent(input_shape, num_classes, "lstm", hidden_size, num_layers,
                           bidirectional, dropout, readout, vocab_size, embedding_dim, projection)


def build_rnn(input_shape: Sequence[int], num_classes: int, hidden_size: int = 64,
              num_layers: int = 1, bidirectional: bool = False, dropout: float = 0.0,
              readout: str = "last", vocab_size: int | None = None, embedding_dim: int = 32,
              projection: int | None = None, nonlinearity: str = "tanh") -> RecurrentClassifier:
    """``build_recurrent`` with ``cell="rnn"`` (Elman: tanh or relu)."""
    return build_recurrent(input_shape, num_classes, "rnn", hidden_size, num_layers,
                           bidirectional, dropout, readout, vocab_size, embedding_dim, projection,
                           nonlinearity)
