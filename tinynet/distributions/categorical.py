"""``Categorical``: one of K classes, chosen with probabilities ``probs`` (or ``logits``)."""

from __future__ import annotations

import numpy as np

import tinynet as tn
from tinynet.distributions.distribution import (
    EMPTY_SHAPE,
    Distribution,
    as_float_tensor,
    probs_to_logits,
)


class Categorical(Distribution):
    """``Categorical(probs=None, logits=None, validate_args=None)``: P(X = k) = probs[..., k].

    Exactly one of ``probs`` (non-negative, normalised along the last dimension) and ``logits``
    (unnormalised log-probabilities: probs = softmax(logits)) is given; the last dimension
    holds the K classes and the others are ``batch_shape``. ``logits`` is kept normalised:
    logits - logsumexp(logits). Samples are int64 class indices.

        log_prob(k) = logits[..., k]        entropy = -sum_k probs[..., k] * logits[..., k]
    """

    _param_names = ("probs", "logits")

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            probs = as_float_tensor(probs, "probs")
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            raw = probs
            self._probs = probs / probs.sum(-1, keepdim=True)
            self._logits = None
            shape = probs.shape
        else:
            logits = as_float_tensor(logits, "logits")
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self._logits = logits - logits.logsumexp(-1, keepdim=True)
            self._probs = None
            shape = logits.shape
        self._num_events = shape[-1]
        super().__init__(shape[:-1], validate_args=validate_args)
        if self._validate_args:
            if probs is not None:
                data = raw.detach().numpy()
                self._check("probs", (data >= 0) & np.isfinite(data)
                            & (data.sum(-1, keepdims=True) > 0),
                            "non-negative and finite, with a positive sum over the classes")
            else:
                data = logits.detach().numpy()
                self._check("logits", ~np.isnan(data), "real numbers (no NaN)")

    @property
    def probs(self):
        """The class probabilities (from the logits on first use when logits were given)."""
        if self._probs is None:
            self._probs = self.logits.softmax(-1)
        return self._probs

    @property
    def logits(self):
        """The log-probabilities (from the probabilities on first use when they were given)."""
        if self._logits is None:
            self._logits = probs_to_logits(self.probs)
        return self._logits

    @property
    def param_shape(self) -> tn.Size:
        return tn.Size(tuple(self.batch_shape) + (self._num_events,))

    @property
    def mean(self):
        """NaN (a class index has no mean), as in PyTorch."""
        return tn.full(tuple(self.batch_shape), float("nan"), dtype=self.probs.dtype)

    @property
    def variance(self):
        return tn.full(tuple(self.batch_shape), float("nan"), dtype=self.probs.dtype)

    @property
    def mode(self):
        return self.probs.argmax(-1)

    def sample(self, sample_shape=EMPTY_SHAPE):
        """Class indices of shape ``sample_shape + batch_shape`` (int64)."""
        shape = self._extended_shape(sample_shape)
        count = int(np.prod(tuple(sample_shape), dtype=np.int64))
        flat = self.probs.detach().reshape(-1, self._num_events)
        draws = tn.multinomial(flat, count, True)  # (batch, count)
        return draws.T.reshape(tuple(shape))

    def log_prob(self, value):
        """logits[..., value], broadcast between ``value`` and ``batch_shape``."""
        value = value if isinstance(value, tn.Tensor) else tn.tensor(value)
        if self._validate_args:
            data = value.detach().numpy()
            self._check_value(value, (data == np.round(data)) & (data >= 0)
                              & (data < self._num_events),
                              f"integers 0 to {self._num_events - 1}")
        value = value.long().unsqueeze(-1)
        value, log_pmf = tn.broadcast_tensors(value, self.logits)
        return log_pmf.gather(-1, value[..., :1]).squeeze(-1)

    def entropy(self):
        """-sum_k p_k log p_k (a class of probability 0 adds 0)."""
        logits = self.logits.clamp(min=float(np.finfo(np.dtype(
            str(self.logits.dtype).split(".")[-1])).min))
        return -(logits * self.probs).sum(-1)
