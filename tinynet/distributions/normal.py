"""``Normal``: the Gaussian with mean ``loc`` and standard deviation ``scale``."""

from __future__ import annotations

import math

import numpy as np

import tinynet as tn
from tinynet.distributions.distribution import (
    EMPTY_SHAPE,
    Distribution,
    as_float_tensor,
    broadcast_all,
)


class Normal(Distribution):
    """``Normal(loc, scale, validate_args=None)``: density
    exp(-(x - loc)^2 / (2 scale^2)) / (scale sqrt(2 pi)).

    ``loc`` and ``scale`` (> 0) broadcast to ``batch_shape``. ``rsample`` is the
    reparameterisation trick: x = loc + scale * eps with eps ~ N(0, 1), so gradients of a
    function of x reach ``loc`` and ``scale``; ``sample`` is the same draw outside the graph.

        log_prob(x) = -(x - loc)^2 / (2 scale^2) - log(scale) - log(sqrt(2 pi))
        entropy     = 1/2 + 1/2 log(2 pi) + log(scale)
    """

    has_rsample = True
    _param_names = ("loc", "scale")

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(self.loc.shape, validate_args=validate_args)
        if self._validate_args:
            self._check("loc", ~np.isnan(self.loc.detach().numpy()), "a real number (no NaN)")
            self._check("scale", self.scale.detach().numpy() > 0, "greater than 0")

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def stddev(self):
        return self.scale

    @property
    def variance(self):
        return self.scale.pow(2)

    def rsample(self, sample_shape=EMPTY_SHAPE):
        """loc + scale * eps, eps ~ N(0, 1) of shape ``sample_shape + batch_shape``:
        differentiable in ``loc`` and ``scale``."""
        shape = self._extended_shape(sample_shape)
        eps = tn.randn(tuple(shape), dtype=self.loc.dtype)
        return self.loc + eps * self.scale

    def _value(self, value):
        value = as_float_tensor(value, "value")
        if self._validate_args:
            self._check_value(value, ~np.isnan(value.detach().numpy()), "real numbers")
        return value

    def log_prob(self, value):
        value = self._value(value)
        return (-((value - self.loc) ** 2) / (2 * self.variance) - self.scale.log()
                - math.log(math.sqrt(2 * math.pi)))

    def cdf(self, value):
        """P(X <= value) = (1 + erf((value - loc) / (scale sqrt 2))) / 2."""
        value = self._value(value)
        return 0.5 * (1 + tn.erf((value - self.loc) / (self.scale * math.sqrt(2))))

    def icdf(self, value):
        """The quantile function: loc + scale sqrt(2) erfinv(2 value - 1)."""
        value = as_float_tensor(value, "value")
        return self.loc + self.scale * tn.erfinv(2 * value - 1) * math.sqrt(2)

    def entropy(self):
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()
