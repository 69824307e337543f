"""The connectionist temporal classification loss (Graves et al. 2006): the negative log of the
total probability of every alignment of a target sequence to the input frames.

The forward algorithm runs in log space over the extended target l' = (blank, l₁, blank, l₂, …,
blank) of length 2S + 1, all samples of the batch at once:

    α₀(0) = y₀(blank),  α₀(1) = y₀(l₁),
    α_t(s) = y_t(l'_s) + logsumexp(α_{t−1}(s), α_{t−1}(s − 1), α_{t−1}(s − 2)),

the last term only where l'_s is a label different from l'_{s−2} (a blank, or a repeated label,
must not be skipped), and −log p(l | x) = −logsumexp(α_{T−1}(2S), α_{T−1}(2S − 1)). Each step is a
few differentiable tensor ops (gather, pad, stack, logsumexp), so backward (the backward
recursion's gradient) and double backward come from them. Impossible states hold a large negative
number instead of −∞, which keeps every gradient finite.
"""

from __future__ import annotations

import numpy as np

from tinynet import ops
from tinynet.tensor import Tensor
from tinynet.errors import ShapeError

_NEGATIVE = -1e30  # log 0 for states no alignment reaches
_IMPOSSIBLE = -1e29  # log-likelihoods below this mean no alignment at all


def _lengths(value, count: int, name: str) -> np.ndarray:
    lengths = np.asarray(value._data if isinstance(value, Tensor) else value).reshape(-1)
    if lengths.dtype.kind not in "iu" or lengths.shape != (count,):
        raise ShapeError(f"ctc_loss: {name} must be {count} integer length(s), got "
                         f"{lengths.dtype} of shape {list(lengths.shape)}")
    return lengths.astype(np.int64)


def _padded_targets(targets, target_lengths: np.ndarray, batch: int,
                    unbatched: bool) -> np.ndarray:
    """Targets as (N, S_max), from (N, S) padded (or (S,) unbatched) or the 1-D concatenation
    of all targets."""
    values = np.asarray(targets._data if isinstance(targets, Tensor) else targets)
    if values.dtype.kind not in "iu":
        raise ShapeError(f"ctc_loss: targets must be integer class indices, got {values.dtype}")
    longest = int(target_lengths.max()) if target_lengths.size else 0
    if values.ndim == 2 or unbatched:
        values = values.reshape(batch, -1)
        if values.shape[1] < longest:
            raise ShapeError(f"ctc_loss: target_lengths {target_lengths.tolist()} exceed the "
                             f"targets' length {values.shape[1]}")
        return values[:, :longest]
    if values.ndim != 1 or values.shape[0] != target_lengths.sum():
        raise ShapeError(f"ctc_loss: 1-D targets must be the concatenation of all targets, "
                         f"sum(target_lengths) = {int(target_lengths.sum())} long, got shape "
                         f"{list(values.shape)}")
    padded = np.zeros((batch, longest), np.int64)
    starts = np.concatenate([[0], np.cumsum(target_lengths)[:-1]])
    for sample, (start, length) in enumerate(zip(starts, target_lengths)):
        padded[sample, :length] = values[start : start + length]
    return padded


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths: Tensor, target_lengths: Tensor,
             blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """−log p(target | input) summed over all alignments (see the module docstring).
    Shapes: log_probs (T, N, C) (log-softmax outputs) or unbatched (T, C); targets (N, S) padded,
    or the 1-D concatenation of the N targets, or (S,) unbatched; input_lengths and
    target_lengths (N,) (or ints). "mean" divides each loss by its target length, then averages
    over the batch. A target no alignment can produce (too long for its input) has an infinite
    loss, or 0 (with a zero gradient) with ``zero_infinity``.

    The gradient is the exact derivative with respect to ``log_probs``. PyTorch's differs: it
    returns the gradient with respect to the logits under a log_softmax (exp(log_probs) minus the
    posterior of each class), assuming log_probs came from one; through a log_softmax, as
    PyTorch documents the input, both give the same gradient of the logits."""
    if reduction not in ("none", "mean", "sum"):
        raise ShapeError(f"ctc_loss: reduction must be one of none, mean, sum; got {reduction!r}")
    unbatched = log_probs.ndim == 2
    if unbatched:
        log_probs = log_probs.unsqueeze(1)
    if log_probs.ndim != 3:
        raise ShapeError(f"ctc_loss: log_probs must be (T, N, C) or (T, C), got "
                         f"{list(log_probs.shape)}")
    frames, batch, classes = log_probs.shape
    if not 0 <= blank < classes:
        raise ValueError(f"ctc_loss: blank {blank} is not a class index of {classes} classes")
    input_lengths = _lengths(input_lengths, batch, "input_lengths")
    target_lengths = _lengths(target_lengths, batch, "target_lengths")
    if (input_lengths < 0).any() or (input_lengths > frames).any() or (target_lengths < 0).any():
        raise ShapeError(f"ctc_loss: input_lengths {input_lengths.tolist()} must be in [0, "
                         f"{frames}] and target_lengths {target_lengths.tolist()} non-negative")
    labels = _padded_targets(targets, target_lengths, batch, unbatched)
    valid = np.arange(labels.shape[1]) < target_lengths[:, None]
    if ((labels < 0) | (labels >= classes) | (labels == blank))[valid].any():
        raise ShapeError(f"ctc_loss: target values must be class indices in [0, {classes}) other "
                         f"than the blank {blank}")
    states = 2 * labels.shape[1] + 1
    extended = np.full((batch, states), blank, np.int64)
    extended[:, 1::2] = labels
    skip = np.zeros((batch, states), bool)  # may α(s) come from α(s − 2)?
    skip[:, 2:] = (extended[:, 2:] != blank) & (extended[:, 2:] != extended[:, :-2])
    skip_penalty = Tensor._make(np.where(skip, 0.0, _NEGATIVE).astype(log_probs.dtype))
    start = np.full((batch, states), _NEGATIVE, log_probs.dtype)
    start[:, 0] = 0
    if states > 1:
        start[:, 1] = 0
    start[target_lengths == 0, 1:] = _NEGATIVE
    index = Tensor._make(extended)
    alpha = ops.gather(log_probs[0], 1, index) + Tensor._make(start)
    for t in range(1, frames):
        one_back = ops.pad(alpha, (1, 0), value=_NEGATIVE)[:, :states]
        two_back = ops.pad(alpha, (2, 0), value=_NEGATIVE)[:, :states] + skip_penalty
        stepped = ops.logsumexp(ops.stack([alpha, one_back, two_back], 0), 0)
        stepped = stepped + ops.gather(log_probs[t], 1, index)
        alpha = ops.where((t < input_lengths)[:, None], stepped, alpha)
    last = 2 * target_lengths
    ends = np.stack([last, np.maximum(last - 1, 0)], 1)
    end_penalty = np.where(np.stack([last >= 0, last >= 1], 1), 0.0, _NEGATIVE)
    final = ops.gather(alpha, 1, Tensor._make(ends)) + Tensor._make(
        end_penalty.astype(log_probs.dtype))
    loss = -ops.logsumexp(final, 1)
    if input_lengths.min(initial=1) == 0:  # no frames: only the empty target, with probability 1
        loss = ops.where(input_lengths == 0, Tensor._make(np.where(target_lengths == 0, 0.0, np.inf)
                                             .astype(log_probs.dtype)), loss)
    impossible = -loss._data < _IMPOSSIBLE
    if impossible.any():
        replacement = 0.0 if zero_infinity else np.inf
        loss = ops.where(impossible, Tensor._make(np.full(batch, replacement, log_probs.dtype)),
                         loss)
    if reduction == "none":
        return loss.squeeze(0) if unbatched else loss
    if reduction == "sum":
        return loss.sum()
    divisor = np.maximum(target_lengths, 1).astype(log_probs.dtype)
    return (loss / Tensor._make(divisor)).mean()
