"""Entry points of the reductions: sum, mean, max/min (with indices), var/std, argmax,
logsumexp, softmax and log_softmax (the last few composed of simpler ops)."""

from __future__ import annotations

import builtins
import math
from collections import namedtuple

import numpy as np

from tinynet import tensor as tensor_module
from tinynet.ops.dims import normalize_dim, normalize_dims
from tinynet.ops.functions_pointwise import _floating, exp, maximum, minimum, sqrt
from tinynet.ops.functions_shape import gather, squeeze
from tinynet.ops.reduction import Amax, Amin, LogSumExp, Sum

max_result = namedtuple("max", ["values", "indices"])
min_result = namedtuple("min", ["values", "indices"])


# Reductions ----------------------------------------------------------------------------------
def sum(x, dim=None, keepdim=False):  # noqa: A001 - PyTorch's name
    return Sum.apply(x, axes=normalize_dims(dim, x.ndim, "sum"), keepdim=keepdim)


def _count(x, axes) -> int:
    return math.prod(x.shape[a] for a in axes)


def _require_floating(x, name):
    if x.dtype.kind != "f":
        raise TypeError(f"{name}(): input dtype must be floating point, got {x.dtype}; "
                        "convert with .float() first")


def mean(x, dim=None, keepdim=False):
    _require_floating(x, "mean")
    axes = normalize_dims(dim, x.ndim, "mean")
    return sum(x, axes, keepdim) / _count(x, axes)


def amax(x, dim=None, keepdim=False):
    return Amax.apply(x, axes=normalize_dims(dim, x.ndim, "amax"), keepdim=keepdim)


def amin(x, dim=None, keepdim=False):
    return Amin.apply(x, axes=normalize_dims(dim, x.ndim, "amin"), keepdim=keepdim)


def max(x, dim=None, keepdim=False):  # noqa: A001 - PyTorch's name
    """max(x): the largest element (ties share the gradient); max(x, dim): (values, indices),
    the gradient going to the index returned; max(x, other): elementwise maximum."""
    if isinstance(dim, tensor_module.Tensor):
        return maximum(x, dim)
    if dim is None:
        return amax(x)
    return _select_along(x, dim, keepdim, argmax, max_result)


def min(x, dim=None, keepdim=False):  # noqa: A001 - PyTorch's name
    """min(x), min(x, dim) -> (values, indices), min(x, other): as ``max``."""
    if isinstance(dim, tensor_module.Tensor):
        return minimum(x, dim)
    if dim is None:
        return amin(x)
    return _select_along(x, dim, keepdim, argmin, min_result)


def _select_along(x, dim, keepdim, arg_function, result_type):
    dim = normalize_dim(dim, x.ndim, result_type.__name__)
    indices = arg_function(x, dim, keepdim=True)
    values = gather(x, dim, indices)
    if not keepdim:
        values, indices = squeeze(values, dim), squeeze(indices, dim)
    return result_type(values, indices)


def argmax(x, dim=None, keepdim=False):
    return _arg_extreme(np.argmax, "argmax", x, dim, keepdim)


def argmin(x, dim=None, keepdim=False):
    return _arg_extreme(np.argmin, "argmin", x, dim, keepdim)


def _arg_extreme(function, name, x, dim, keepdim):
    if x.numel() == 0:
        raise RuntimeError(f"{name}(): cannot reduce an empty tensor of shape {list(x.shape)}")
    if dim is None:
        result = function(x._data)
        if keepdim:
            result = np.reshape(result, (1,) * x.ndim)
    else:
        axis = normalize_dim(dim, x.ndim, name)
        result = function(x._data, axis=axis, keepdims=keepdim)
    return tensor_module.Tensor._make(np.asarray(result, dtype=np.int64))


def var(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Σ (x − mean)² / (N − correction) over ``dim``; correction 1 (Bessel's) unless
    ``unbiased=False`` or ``correction`` says otherwise."""
    _require_floating(x, "var")
    if correction is None:
        correction = 0 if unbiased is False else 1
    axes = normalize_dims(dim, x.ndim, "var")
    centered = x - mean(x, axes, keepdim=True)
    return sum(centered * centered, axes, keepdim) / builtins.max(_count(x, axes) - correction, 0)


def std(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """√var(x, ...)."""
    return sqrt(var(x, dim, unbiased, keepdim, correction=correction))


def logsumexp(x, dim, keepdim=False):
    return LogSumExp.apply(_floating(x), axes=normalize_dims(dim, x.ndim, "logsumexp"),
                           keepdim=keepdim)


def log_softmax(x, dim):
    """log softmax(x) = x − logsumexp(x), stable for large logits."""
    x = _floating(x)
    return x - logsumexp(x, dim, keepdim=True)


def softmax(x, dim):
    """softmax(x)_i = exp(x_i) / Σ_j exp(x_j) = exp(log_softmax(x))."""
    return exp(log_softmax(x, dim))
