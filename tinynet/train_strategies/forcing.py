"""What a sequence decoder reads at each step while it trains: input policies.

A decoder trained on a target y_1..y_T predicts y_t from its previous input. Under *teacher
forcing* that input is the gold token y_{t-1}; at test time there is no gold, and the decoder
reads its own previous prediction instead. Trained only on gold prefixes, it never sees its own
mistakes, and one early error can derail the rest of the output: the *exposure bias*.
*Free-running* training feeds the model's own predictions throughout (no exposure bias, but the
early model's predictions are noise and it learns slowly); *scheduled sampling* (Bengio et al.,
2015, "Scheduled Sampling for Sequence Prediction with Recurrent Neural Networks") starts with
teacher forcing and moves towards free running, token by token, as training proceeds.

An input policy is a callable ``policy(t, gold_tokens, prev_logits) -> tokens`` that a
seq2seq model's forward calls at every step t (``model(src, src_lengths, tgt_in,
input_policy=policy)``): ``gold_tokens`` (B,) is tgt_in[:, t], ``prev_logits`` (B, V) the
model's prediction at step t - 1 (None at t = 0, where the input is always the gold start
token). The tokens returned are integers: no gradient flows through the choice.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable

import numpy as np

import tinynet as tn
from tinynet.random import Generator, numpy_generator


def _probability(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value <= 1:
        raise ValueError(f"{name} must be a probability in [0, 1], but got {value!r}")
    return float(value)


def _as_array(tokens) -> np.ndarray:
    return np.asarray(tokens.numpy() if hasattr(tokens, "numpy") else tokens)


class TeacherForcing:
    """The input policy that, per token, feeds the gold token with probability ``ratio`` and
    the model's own prediction otherwise: ``ratio=1`` is teacher forcing, ``ratio=0`` free
    running (``FreeRunning``), anything between a fixed mix.

    The model's prediction is the argmax of ``prev_logits`` (``sample=False``) or a token drawn
    from softmax(prev_logits) (``sample=True``, as in Bengio et al. 2015's experiments). The
    coin flips and samples come from ``generator`` (default: tinynet's default generator); at
    ``ratio`` 1 no random number is drawn, so the run is exactly teacher forcing.
    """

    def __init__(self, ratio: float = 1.0, sample: bool = False,
                 generator: Generator | None = None):
        self.ratio = _probability("ratio", ratio)
        if not isinstance(sample, bool):
            raise TypeError(f"sample must be True or False, but got {sample!r}")
        self.sample, self.generator = sample, generator

    def predictions(self, prev_logits) -> np.ndarray:
        """The model's own tokens (B,) from its logits (B, V): argmax, or sampled."""
        logits = _as_array(prev_logits.detach() if hasattr(prev_logits, "detach") else prev_logits)
        if not self.sample:
            return logits.argmax(axis=-1)
        shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
        cumulative = np.cumsum(shifted / shifted.sum(axis=-1, keepdims=True), axis=-1)
        draws = numpy_generator(self.generator).random((logits.shape[0], 1))
        return np.minimum((cumulative < draws).sum(axis=-1), logits.shape[-1] - 1)

    def __call__(self, t: int, gold_tokens, prev_logits=None):
        gold = _as_array(gold_tokens).astype(np.int64)
        if prev_logits is None or self.ratio == 1.0:
            return tn.tensor(gold)
        own = self.predictions(prev_logits).astype(np.int64)
        if self.ratio == 0.0:
            return tn.tensor(own)
        keep_gold = numpy_generator(self.generator).random(gold.shape[0]) < self.ratio
        return tn.tensor(np.where(keep_gold, gold, own))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(ratio={self.ratio}, sample={self.sample})"


class FreeRunning(TeacherForcing):
    """The policy of free-running training: the decoder always reads its own previous
    prediction (``TeacherForcing(0)``), as it does at test time."""

    def __init__(self, sample: bool = False, generator: Generator | None = None):
        super().__init__(0.0, sample, generator)

    def __repr__(self) -> str:
        return f"FreeRunning(sample={self.sample})"


# --- the decay schedules of scheduled sampling ------------------------------------------------

def linear_decay(slope: float, offset: float = 1.0, minimum: float = 0.0) -> Callable:
    """Bengio et al. (2015)'s linear decay: the teacher-forcing probability at step i is
    eps_i = max(minimum, offset - slope * i), with 0 <= minimum <= offset <= 1 and slope > 0.
    Returns the schedule, a function of i (a step or an epoch, as the caller counts)."""
    minimum, offset = _probability("minimum", minimum), _probability("offset", offset)
    if minimum > offset:
        raise ValueError(f"minimum ({minimum}) must not exceed offset ({offset})")
    if isinstance(slope, bool) or not isinstance(slope, numbers.Real) or not slope > 0:
        raise ValueError(f"slope must be a positive number, but got {slope!r}")

    def schedule(i: int) -> float:
        return max(minimum, offset - slope * i)
    schedule.__name__ = f"linear_decay(slope={slope}, offset={offset}, minimum={minimum})"
    return schedule


def exponential_decay(k: float) -> Callable:
    """Bengio et al. (2015)'s exponential decay: eps_i = k ** i, with 0 < k < 1 (the
    probability halves every log(2) / -log(k) steps)."""
    if isinstance(k, bool) or not isinstance(k, numbers.Real) or not 0 < k < 1:
        raise ValueError(f"k must be a number in (0, 1), but got {k!r}")

    def schedule(i: int) -> float:
        return k ** i
    schedule.__name__ = f"exponential_decay(k={k})"
    return schedule


def inverse_sigmoid_decay(k: float) -> Callable:
    """Bengio et al. (2015)'s inverse sigmoid decay: eps_i = k / (k + exp(i / k)), with k >= 1;
    it stays near k / (k + 1) at first, falls through 1/2 at i = k log(k), and tends to 0."""
    if isinstance(k, bool) or not isinstance(k, numbers.Real) or not k >= 1:
        raise ValueError(f"k must be a number >= 1, but got {k!r}")

    def schedule(i: int) -> float:
        exponent = i / k
        return 0.0 if exponent > 700 else k / (k + math.exp(exponent))
    schedule.__name__ = f"inverse_sigmoid_decay(k={k})"
    return schedule


class ScheduledSampling(TeacherForcing):
    """Scheduled sampling: teacher forcing whose ratio follows ``schedule(i)`` (e.g.
    ``linear_decay(...)``), per token (each token of the batch flips its own coin).

    ``i`` counts calls of ``step()``: call it after each optimizer step or each epoch,
    whichever unit the schedule is written in; ``probability`` is the current eps_i. At a
    schedule that returns 1 the policy is exactly teacher forcing.
    """

    def __init__(self, schedule: Callable[[int], float], sample: bool = False,
                 generator: Generator | None = None):
        if not callable(schedule):
            raise TypeError(f"schedule must be a function of the step, but got {schedule!r}")
        self.schedule, self.steps = schedule, 0
        super().__init__(self._at(0), sample, generator)

    def _at(self, i: int) -> float:
        return _probability(f"the schedule's value at step {i}", self.schedule(i))

    @property
    def probability(self) -> float:
        """The current teacher-forcing probability eps_i."""
        return self.ratio

    def step(self) -> float:
        """Advance the schedule by one step; returns the new probability."""
        self.steps += 1
        self.ratio = self._at(self.steps)
        return self.ratio

    def __repr__(self) -> str:
        name = getattr(self.schedule, "__name__", repr(self.schedule))
        return f"ScheduledSampling({name}, step={self.steps}, probability={self.ratio:.4g})"
