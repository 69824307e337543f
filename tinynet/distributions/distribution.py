"""The base class of ``tinynet.distributions``: shapes, argument checks and the shared helpers.

A distribution holds a batch of independent distributions of the same family: ``batch_shape``
is the shape of that batch and ``event_shape`` the shape of one draw (``()`` for the scalar
families here). ``sample(sample_shape)`` returns ``sample_shape + batch_shape + event_shape``.
Every quantity (``log_prob``, ``entropy``, ``rsample``) is composed of tinynet's differentiable
ops, so gradients reach the parameters exactly as in ``torch.distributions``.

Differences from PyTorch, on purpose: no ``constraints`` objects (``support`` and
``arg_constraints`` are not attributes; the same checks run when ``validate_args`` is on), no
``expand``, ``enumerate_support``, ``sample_n`` or ``kl_divergence``.
"""

from __future__ import annotations

import numbers

import numpy as np

import tinynet as tn

EMPTY_SHAPE = tn.Size()  # the default sample_shape and batch/event shape: Size([])


class Distribution:
    """``Distribution(batch_shape=Size(), event_shape=Size(), validate_args=None)``.

    ``validate_args=None`` takes the class-wide default (True, as PyTorch's default when Python
    runs without -O), set with ``Distribution.set_default_validate_args``. With validation on,
    invalid parameters and values outside the support raise ValueError naming the problem."""

    has_rsample = False
    _param_names: tuple = ()
    _validate_default = True

    def __init__(self, batch_shape=EMPTY_SHAPE, event_shape=EMPTY_SHAPE, validate_args=None):
        self._batch_shape = tn.Size(batch_shape)
        self._event_shape = tn.Size(event_shape)
        if validate_args is not None:
            self._validate_args = bool(validate_args)
        else:
            self._validate_args = Distribution._validate_default

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Turn argument validation on or off for distributions made afterwards without
        ``validate_args`` (PyTorch's class-wide switch)."""
        if value not in (True, False):
            raise ValueError(f"set_default_validate_args expects True or False, got {value!r}")
        Distribution._validate_default = value

    @property
    def batch_shape(self) -> tn.Size:
        return self._batch_shape

    @property
    def event_shape(self) -> tn.Size:
        return self._event_shape

    @property
    def stddev(self):
        return self.variance.sqrt()

    def _extended_shape(self, sample_shape=EMPTY_SHAPE) -> tn.Size:
        if isinstance(sample_shape, numbers.Integral) or not isinstance(
                sample_shape, (tuple, list, tn.Size)):
            raise TypeError(f"sample_shape must be a tuple, list or Size of ints, got "
                            f"{sample_shape!r}")
        return tn.Size(tuple(sample_shape) + tuple(self._batch_shape) + tuple(self._event_shape))

    def sample(self, sample_shape=EMPTY_SHAPE):
        """Draws of shape ``sample_shape + batch_shape + event_shape``, outside the graph."""
        with tn.no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape=EMPTY_SHAPE):
        """A differentiable draw (the reparameterisation trick), for the families that have
        one (``has_rsample``); the others refuse with RuntimeError."""
        raise RuntimeError(f"{type(self).__name__} has no reparameterised sample (has_rsample "
                           f"is False): use sample, whose draws carry no gradient")

    def perplexity(self):
        """exp(entropy)."""
        return self.entropy().exp()

    def _check(self, name: str, ok, requirement: str) -> None:
        if not bool(np.all(np.asarray(ok))):
            raise ValueError(f"{type(self).__name__}: expected parameter {name} to be "
                             f"{requirement}, but found invalid values")

    def _check_value(self, value, ok, support: str) -> None:
        if not bool(np.all(np.asarray(ok))):
            raise ValueError(f"{type(self).__name__}: expected value argument to be within the "
                             f"support ({support}), but found invalid values:\n{value}")

    def __repr__(self) -> str:
        parts = []
        for name in self._param_names:
            value = self.__dict__.get("_" + name, self.__dict__.get(name))
            if value is None:
                continue
            text = f"{value.item():.4g}" if value.numel() == 1 else f"Size({list(value.shape)})"
            parts.append(f"{name}: {text}")
        return f"{type(self).__name__}({', '.join(parts)})"


def as_float_tensor(value, name: str):
    """``value`` as a floating tensor: a tensor as it is (gradients flow), a number or array in
    the default float dtype (a NumPy array keeps a floating dtype)."""
    if isinstance(value, tn.Tensor):
        if not value.is_floating_point():
            value = value.to(tn.get_default_dtype())
        return value
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.ndarray, list, tuple)):
        raise TypeError(f"{name} must be a tensor or a number, got {type(value).__name__}")
    array = np.asarray(value)
    if isinstance(value, np.ndarray) and np.issubdtype(array.dtype, np.floating):
        return tn.tensor(array)
    return tn.tensor(array, dtype=tn.get_default_dtype())


def broadcast_all(*values):
    """The parameters as tensors broadcast to one shape, in one floating dtype (the widest)."""
    tensors = [as_float_tensor(value, "parameter") for value in values]
    dtype = tn.float64 if any(t.dtype == tn.float64 for t in tensors) else tensors[0].dtype
    tensors = [t if t.dtype == dtype else t.to(dtype) for t in tensors]
    return tn.broadcast_tensors(*tensors)


def probs_to_logits(probs, is_binary: bool = False):
    """log(p) (or log(p / (1 - p)) for a binary probability), with p clamped to
    [eps, 1 - eps] so that a probability of 0 or 1 gives a finite logit."""
    eps = float(np.finfo(np.dtype(str(probs.dtype).split(".")[-1])).eps)
    clamped = probs.clamp(min=eps, max=1 - eps)
    if is_binary:
        return clamped.log() - (-clamped).log1p()
    return clamped.log()
