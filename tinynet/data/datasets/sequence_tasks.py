"""Long-range synthetic tasks: the answer depends on inputs far back in the sequence, so a
network that cannot carry information over many steps (a tanh RNN with vanishing gradients)
fails while gated ones (LSTM, GRU) succeed. Both come from Hochreiter and Schmidhuber (1997).

Generated from a seed in milliseconds, returned as tensors, batch first.
"""

from __future__ import annotations

import numpy as np

from tinynet.data.dataset import TensorDataset
from tinynet.tensor import Tensor


def _check_count(name: str, value: int, minimum: int) -> None:
    if isinstance(value, bool) or int(value) != value or value < minimum:
        raise ValueError(f"{name} must be an integer of at least {minimum}, but got {value!r}")


def adding_problem(n_samples: int, seq_len: int, seed: int = 0) -> tuple[Tensor, Tensor]:
    """The adding problem: ``(inputs, targets)``.

    ``inputs`` float32 (n_samples, seq_len, 2): channel 0 holds values drawn uniformly from
    [0, 1); channel 1 is a marker, 1 at exactly two steps and 0 elsewhere, one step in the first
    half (t < seq_len // 2) and one in the second. ``targets`` float32 (n_samples, 1): the sum of
    the two marked values (in [0, 2)). Predicting the constant 1 gives a mean squared error of
    about 1/6 (the variance of the sum); solving it means an MSE far below that. The first
    marker can be as far as ``seq_len - 1`` steps from the end.
    """
    _check_count("n_samples", n_samples, 1)
    _check_count("seq_len", seq_len, 2)
    rng = np.random.default_rng(seed)
    values = rng.random((n_samples, seq_len))
    half = seq_len // 2
    first = rng.integers(0, half, n_samples)
    second = rng.integers(half, seq_len, n_samples)
    markers = np.zeros((n_samples, seq_len))
    rows = np.arange(n_samples)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    targets = values[rows, first] + values[rows, second]
    inputs = np.stack([values, markers], axis=2).astype(np.float32)
    return Tensor._make(inputs), Tensor._make(targets[:, None].astype(np.float32))


def copy_task(n_samples: int, lag: int, n_symbols: int = 8, n_recall: int = 5,
              seed: int = 0) -> tuple[Tensor, Tensor]:
    """The copy (recall) task: ``(inputs, targets)``, both int64 (n_samples, n_recall + lag +
    n_recall), tokens in 0..n_symbols + 1.

    Token meanings: 0 blank, 1..n_symbols the symbols, n_symbols + 1 the "recall now" cue. The
    input is ``n_recall`` random symbols, then ``lag - 1`` blanks, the cue, and ``n_recall``
    blanks; the target is blank everywhere except the last ``n_recall`` steps, which repeat the
    symbols in order. So the first symbol must be remembered for ``lag + n_recall`` steps.
    Embed the inputs (``n_symbols + 2`` tokens) and train with cross-entropy over
    ``n_symbols + 1`` classes (blank and the symbols); guessing the most common class scores
    well on the blanks, so measure accuracy on the last ``n_recall`` steps, where chance is
    1 / n_symbols.
    """
    _check_count("n_samples", n_samples, 1)
    _check_count("lag", lag, 1)
    _check_count("n_symbols", n_symbols, 1)
    _check_count("n_recall", n_recall, 1)
    rng = np.random.default_rng(seed)
    symbols = rng.integers(1, n_symbols + 1, (n_samples, n_recall))
    length = n_recall + lag + n_recall
    inputs = np.zeros((n_samples, length), dtype=np.int64)
    targets = np.zeros((n_samples, length), dtype=np.int64)
    inputs[:, :n_recall] = symbols
    inputs[:, n_recall + lag - 1] = n_symbols + 1
    targets[:, n_recall + lag:] = symbols
    return Tensor._make(inputs), Tensor._make(targets)


class AddingProblem(TensorDataset):
    """``adding_problem`` as a dataset: ``(inputs (seq_len, 2) float32, target (1,) float32)``.
    ``train=False`` draws from a different stream of the same seed."""

    def __init__(self, n_samples: int = 10000, seq_len: int = 50, seed: int = 0,
                 train: bool = True):
        super().__init__(*adding_problem(n_samples, seq_len, seed * 2 + (0 if train else 1)))


class CopyTask(TensorDataset):
    """``copy_task`` as a dataset: ``(inputs, targets)``, both int64 (n_recall + lag +
    n_recall,). ``train=False`` draws from a different stream of the same seed."""

    def __init__(self, n_samples: int = 10000, lag: int = 50, n_symbols: int = 8,
                 n_recall: int = 5, seed: int = 0, train: bool = True):
        super().__init__(*copy_task(n_samples, lag, n_symbols, n_recall,
                                    seed * 2 + (0 if train else 1)))
