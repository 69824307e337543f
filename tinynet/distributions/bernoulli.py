"""``Bernoulli``: 1 with probability ``probs``, else 0."""

from __future__ import annotations

import numpy as np

import tinynet as tn
import tinynet.nn.functional as F
from tinynet.distributions.distribution import (
    EMPTY_SHAPE,
    Distribution,
    broadcast_all,
    probs_to_logits,
)


class Bernoulli(Distribution):
    """``Bernoulli(probs=None, logits=None, validate_args=None)``: P(X = 1) = probs =
    sigmoid(logits).

    Exactly one of ``probs`` (in [0, 1]) and ``logits`` is given; its shape is ``batch_shape``.
    Samples are 0.0 or 1.0 in the parameter's dtype. Both formulas go through the stable
    binary cross-entropy with logits:

        log_prob(x) = x log p + (1 - x) log(1 - p) = -BCEWithLogits(logits, x)
        entropy     = -p log p - (1 - p) log(1 - p) = BCEWithLogits(logits, p)
    """

    _param_names = ("probs", "logits")

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        given = probs if probs is not None else logits
        (param,) = broadcast_all(given)
        if probs is not None:
            self._probs, self._logits = param, None
        else:
            self._logits, self._probs = param, None
        super().__init__(param.shape, validate_args=validate_args)
        if self._validate_args:
            data = param.detach().numpy()
            if probs is not None:
                self._check("probs", (data >= 0) & (data <= 1), "in the interval [0, 1]")
            else:
                self._check("logits", ~np.isnan(data), "real numbers (no NaN)")

    @property
    def probs(self):
        """The class probabilities (from the logits on first use when logits were given)."""
        if self._probs is None:
            self._probs = self.logits.sigmoid()
        return self._probs

    @property
    def logits(self):
        """The log-probabilities (from the probabilities on first use when they were given)."""
        if self._logits is None:
            self._logits = probs_to_logits(self.probs, is_binary=True)
        return self._logits

    @property
    def param_shape(self) -> tn.Size:
        return self.batch_shape

    @property
    def mean(self):
        return self.probs

    @property
    def mode(self):
        """1 where probs > 1/2, 0 where probs < 1/2, NaN at exactly 1/2 (as PyTorch)."""
        probs = self.probs.detach()
        mode = (probs >= 0.5).to(probs.dtype)
        return tn.where(probs == 0.5, tn.full_like(probs, float("nan")), mode)

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=EMPTY_SHAPE):
        """0.0 / 1.0 draws of shape ``sample_shape + batch_shape``."""
        shape = self._extended_shape(sample_shape)
        probs = self.probs.detach()
        uniform = tn.rand(tuple(shape), dtype=probs.dtype)
        return (uniform < probs).to(probs.dtype)

    def log_prob(self, value):
        value = value if isinstance(value, tn.Tensor) else tn.tensor(value)
        if self._validate_args:
            data = value.detach().numpy()
            self._check_value(value, (data == 0) | (data == 1), "0 or 1")
        logits, value = tn.broadcast_tensors(self.logits, value.to(self.logits.dtype))
        return -F.binary_cross_entropy_with_logits(logits, value, reduction="none")

    def entropy(self):
        return F.binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")
