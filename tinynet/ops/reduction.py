"""Reductions over dims: sum, max/min (ties share the gradient), logsumexp, and the ones composed
of them: mean (sum / n), var, std, softmax (exp of log_softmax), log_softmax (x − logsumexp),
max/min along a dim with their indices (argmax + gather), argmax/argmin (no gradient).
"""

from __future__ import annotations

import builtins
import math
from collections import namedtuple

import numpy as np

from tinynet import tensor as tensor_module
from tinynet.autograd.function import Function
from tinynet.errors import DtypeError
from tinynet.ops.broadcast import broadcast_to
from tinynet.ops.dims import keepdim_shape, normalize_dim, normalize_dims
from tinynet.ops.elementwise import exp, maximum, minimum, sqrt
from tinynet.ops.indexing import gather
from tinynet.ops.out import write_out
from tinynet.ops.promotion import floating
from tinynet.ops.shape import squeeze
from tinynet.ops.summation import sum_axes

max_result = namedtuple("max", ["values", "indices"])
min_result = namedtuple("min", ["values", "indices"])


class Sum(Function):
    """y = Σ over ``axes`` of x.   dy/dx = 1 (the gradient is copied back along the summed axes)."""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.axes, ctx.keepdim, ctx.input_shape = axes, keepdim, x.shape
        if x.dtype.kind in "biu":
            return np.sum(x, axis=axes, keepdims=keepdim, dtype=np.int64)
        return sum_axes(x, axes, keepdim)

    @staticmethod
    def backward(ctx, grad):
        if not ctx.keepdim:
            grad = grad.reshape(keepdim_shape(ctx.input_shape, ctx.axes))
        return broadcast_to(grad, ctx.input_shape)


class Amax(Function):
    """y = max over ``axes`` of x.   dy/dx = 1/k at each of the k maximal elements, else 0.
    A NaN makes y NaN: with ``nan_wins`` (max() over all dims) the k NaNs share the gradient,
    otherwise (amax) no element equals y and the gradient is NaN, as in PyTorch."""

    reduce = staticmethod(np.max)

    @classmethod
    def forward(cls, ctx, x, axes, keepdim, nan_wins=False):
        if x.size == 0:
            raise RuntimeError(f"{cls.__name__.lower()}(): cannot reduce an empty tensor of shape "
                               f"{list(x.shape)}")
        ctx.axes, ctx.keepdim, ctx.input_shape = axes, keepdim, x.shape
        result = cls.reduce(x, axis=axes, keepdims=True)
        is_extreme = x == result
        if nan_wins and x.dtype.kind == "f":  # max() and min() over all: NaNs share the gradient
            is_extreme = np.where(np.isnan(result), np.isnan(x), is_extreme)
        with np.errstate(invalid="ignore"):  # 0/0 where a NaN equals nothing: NaN, as PyTorch
            ctx.share = is_extreme / is_extreme.sum(axis=axes, keepdims=True)
        return result if keepdim else result.reshape(
            tuple(s for i, s in enumerate(x.shape) if i not in axes))

    @staticmethod
    def backward(ctx, grad):
        if not ctx.keepdim:
            grad = grad.reshape(keepdim_shape(ctx.input_shape, ctx.axes))
        return broadcast_to(grad, ctx.input_shape) * ctx.share.astype(grad.dtype)


class Amin(Amax):
    """y = min over ``axes`` of x.   dy/dx = 1/k at each of the k minimal elements, else 0."""

    reduce = staticmethod(np.min)


def logsumexp_array(x: np.ndarray, axes: tuple, keepdims: bool) -> np.ndarray:
    """log Σ exp(x) over ``axes``, computed as m + log Σ exp(x − m) with m = max x, so that
    logits of 1e4 do not overflow."""
    if x.size == 0:
        shift = np.zeros(keepdim_shape(x.shape, axes), x.dtype)
    else:
        shift = np.max(x, axis=axes, keepdims=True)
        shift = np.where(np.isfinite(shift), shift, np.zeros((), x.dtype))
    with np.errstate(divide="ignore"):
        result = np.log(np.sum(np.exp(x - shift), axis=axes, keepdims=True)) + shift
    return result if keepdims else result.reshape(
        tuple(s for i, s in enumerate(x.shape) if i not in axes))


class LogSumExp(Function):
    """y = log Σ exp(x) over ``axes`` (stable: see logsumexp_array).   dy/dx = exp(x − y) =
    softmax(x)."""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.axes, ctx.keepdim, ctx.input_shape = axes, keepdim, x.shape
        return logsumexp_array(x, axes, keepdim)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        output = ctx.output
        if not ctx.keepdim:
            shape = keepdim_shape(ctx.input_shape, ctx.axes)
            grad, output = grad.reshape(shape), output.reshape(shape)
        return grad * (x - output).exp()


def _converted(x, dtype):
    return x if dtype is None else x.to(dtype)


def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):  # noqa: A001, A002 - PyTorch's
    """Σ over ``dim`` (all dims by default); integer and bool inputs sum in int64, ``dtype``
    converts the input first."""
    x = _converted(input, dtype)
    result = Sum.apply(x, axes=normalize_dims(dim, x.ndim, "sum"), keepdim=keepdim)
    return write_out(result, out, "sum", input)


def _count(x, axes) -> int:
    return math.prod(x.shape[a] for a in axes)


def _require_float(x, name):
    if x.dtype.kind != "f":
        raise DtypeError(f"{name}(): input dtype must be floating point, got {x.dtype}; "
                         "convert with .float() first")


def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):  # noqa: A002
    x = _converted(input, dtype)
    _require_float(x, "mean")
    axes = normalize_dims(dim, x.ndim, "mean")
    return write_out(sum(x, axes, keepdim) / _count(x, axes), out, "mean", input)


def _all_dims(dim):
    """amax and amin take dim=() (as well as None) for every dim, as PyTorch's do."""
    return None if dim == () else dim


def amax(input, dim=None, keepdim=False, *, out=None):  # noqa: A002
    """The largest entries over ``dim`` (all by default); tied maxima share the gradient."""
    axes = normalize_dims(_all_dims(dim), input.ndim, "amax")
    return write_out(Amax.apply(input, axes=axes, keepdim=keepdim), out, "amax", input)


def amin(input, dim=None, keepdim=False, *, out=None):  # noqa: A002
    axes = normalize_dims(_all_dims(dim), input.ndim, "amin")
    return write_out(Amin.apply(input, axes=axes, keepdim=keepdim), out, "amin", input)


def max(input, dim=None, keepdim=False, *, out=None):  # noqa: A001, A002 - PyTorch's names
    """max(x): the largest element (ties share the gradient, and so do NaNs, which win);
    max(x, dim): (values, indices), the gradient going to the index returned (the first NaN if
    there is one); max(x, other): elementwise maximum."""
    if isinstance(dim, tensor_module.Tensor):
        return maximum(input, dim, out=out)
    if dim is None:
        result = Amax.apply(input, axes=tuple(range(input.ndim)), keepdim=False, nan_wins=True)
        return write_out(result, out, "max", input)
    return _with_out(_select_along(input, dim, keepdim, argmax, max_result), out, "max", input)


def min(input, dim=None, keepdim=False, *, out=None):  # noqa: A001, A002
    """min(x), min(x, dim) -> (values, indices), min(x, other): as ``max``."""
    if isinstance(dim, tensor_module.Tensor):
        return minimum(input, dim, out=out)
    if dim is None:
        result = Amin.apply(input, axes=tuple(range(input.ndim)), keepdim=False, nan_wins=True)
        return write_out(result, out, "min", input)
    return _with_out(_select_along(input, dim, keepdim, argmin, min_result), out, "min", input)


def _with_out(result, out, op_name, input):  # noqa: A002
    if out is None:
        return result
    values_out, indices_out = out
    return type(result)(write_out(result.values, values_out, op_name, input),
                        write_out(result.indices, indices_out, op_name))


def _select_along(x, dim, keepdim, arg_function, result_type):
    dim = normalize_dim(dim, x.ndim, result_type.__name__)
    indices = arg_function(x, dim, keepdim=True)
    values = gather(x, dim, indices)
    if not keepdim:
        values, indices = squeeze(values, dim), squeeze(indices, dim)
    return result_type(values, indices)


def argmax(input, dim=None, keepdim=False):  # noqa: A002
    return _arg_extreme(np.argmax, "argmax", input, dim, keepdim)


def argmin(input, dim=None, keepdim=False):  # noqa: A002
    return _arg_extreme(np.argmin, "argmin", input, dim, keepdim)


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


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):  # noqa: A002
    """Σ (x − mean)² / (N − correction) over ``dim``; correction 1 (Bessel's) unless
    ``unbiased=False`` or ``correction`` says otherwise."""
    return write_out(_var(input, dim, unbiased, keepdim, correction), out, "var", input)


def _var(x, dim, unbiased, keepdim, correction):
    _require_float(x, "var")
    if correction is None:
        correction = 0 if unbiased is False else 1
    axes = normalize_dims(dim, x.ndim, "var")
    centered = x - mean(x, axes, keepdim=True)
    return sum(centered * centered, axes, keepdim) / builtins.max(_count(x, axes) - correction, 0)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):  # noqa: A002
    """√var(x, ...)."""
    return write_out(sqrt(_var(input, dim, unbiased, keepdim, correction)), out, "std", input)


def logsumexp(input, dim, keepdim=False, *, out=None):  # noqa: A002
    result = LogSumExp.apply(floating(input), axes=normalize_dims(dim, input.ndim, "logsumexp"),
                             keepdim=keepdim)
    return write_out(result, out, "logsumexp", input)


def log_softmax(input, dim, *, dtype=None):  # noqa: A002
    """log softmax(x) = x − logsumexp(x), stable for large logits."""
    x = floating(_converted(input, dtype))
    return x - logsumexp(x, dim, keepdim=True)


def softmax(input, dim, *, dtype=None):  # noqa: A002
    """softmax(x)_i = exp(x_i) / Σ_j exp(x_j) = exp(log_softmax(x))."""
    return exp(log_softmax(input, dim, dtype=dtype))
