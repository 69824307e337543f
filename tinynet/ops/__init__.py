"""The functional entry points of the differentiable ops, with PyTorch's names and arguments.

Each function checks its arguments, brings its operands to one dtype, and calls one Function (or
composes a few: mean is sum / n, softmax is exp(log_softmax), stack is unsqueeze + cat).
"""

from __future__ import annotations

import builtins
import functools
import math
from collections import namedtuple

import numpy as np

from tinynet import dtypes
from tinynet import tensor as tensor_module
from tinynet.ops.activation import ReLU, Sigmoid, Tanh
from tinynet.ops.broadcast import broadcast_to, sum_to
from tinynet.ops.dims import normalize_dim, normalize_dims
from tinynet.ops.elementwise import (Abs, Add, Clamp, Cos, Div, Exp, Log, Maximum, Minimum, Mul,
                                     Neg, Pow, PowScalar, RPowScalar, Sin, Sqrt, Sub, Where)
from tinynet.ops.linalg import MatMul
from tinynet.ops.promotion import as_operands, shapes_error
from tinynet.ops.reduction import Amax, Amin, LogSumExp, Sum
from tinynet.ops.shape import (Cat, ConstantPad, Gather, GetItem, IndexPut, Permute, Reshape,
                               ScatterAdd)

__all__ = [
    "add", "sub", "mul", "div", "neg", "pow", "exp", "log", "sqrt", "abs", "sin", "cos", "tanh",
    "sigmoid", "relu", "clamp", "maximum", "minimum", "where", "eq", "ne", "lt", "le", "gt", "ge",
    "sum", "mean", "amax", "amin", "max", "min", "var", "std", "argmax", "argmin", "logsumexp",
    "softmax", "log_softmax", "reshape", "permute", "transpose", "flatten", "squeeze", "unsqueeze",
    "expand", "broadcast_to", "sum_to", "getitem", "index_put", "cat", "stack", "split", "chunk",
    "gather", "scatter_add", "pad", "matmul",
]

max_result = namedtuple("max", ["values", "indices"])
min_result = namedtuple("min", ["values", "indices"])


def _tensor(value):
    return value if isinstance(value, tensor_module.Tensor) else tensor_module.tensor(value)


def _floating(x):
    """``x`` itself if it is floating point, else a float32 copy (PyTorch's promotion for exp etc.)."""
    x = _tensor(x)
    if x.dtype.kind == "f":
        return x
    return tensor_module.Tensor._make(x._data.astype(np.float32))


def _binary(function, name, x, y):
    x, y = as_operands(x, y)
    try:
        return function.apply(x, y)
    except ValueError as error:
        if "broadcast" in str(error) and "cannot be broadcast" not in str(error):
            raise shapes_error(name, x, y) from None
        raise


# Arithmetic ---------------------------------------------------------------------------------
def add(x, y):
    return _binary(Add, "add", x, y)


def sub(x, y):
    return _binary(Sub, "sub", x, y)


def mul(x, y):
    return _binary(Mul, "mul", x, y)


def div(x, y):
    """True division; integer operands give float32, as in PyTorch."""
    x, y = as_operands(x, y)
    if np.result_type(getattr(x, "dtype", x), getattr(y, "dtype", y)).kind != "f":
        x, y = _floating(x), _floating(y)
    return _binary(Div, "div", x, y)


def neg(x):
    return Neg.apply(x)


def pow(x, exponent):  # noqa: A001 - PyTorch's name
    if not isinstance(x, tensor_module.Tensor):
        if isinstance(exponent, tensor_module.Tensor) and isinstance(x, (int, float)):
            return RPowScalar.apply(_floating(exponent), base=x)
        x = _tensor(x)
    if isinstance(exponent, (int, float)) and not isinstance(exponent, bool):
        if isinstance(exponent, float) and x.dtype.kind != "f":
            x = _floating(x)
        return PowScalar.apply(x, exponent=exponent)
    return _binary(Pow, "pow", x, exponent)


def exp(x):
    return Exp.apply(_floating(x))


def log(x):
    return Log.apply(_floating(x))


def sqrt(x):
    return Sqrt.apply(_floating(x))


def abs(x):  # noqa: A001 - PyTorch's name
    return Abs.apply(x)


def sin(x):
    return Sin.apply(_floating(x))


def cos(x):
    return Cos.apply(_floating(x))


def tanh(x):
    return Tanh.apply(_floating(x))


def sigmoid(x):
    return Sigmoid.apply(_floating(x))


def relu(x):
    return ReLU.apply(x)


def clamp(x, min=None, max=None):  # noqa: A002 - PyTorch's argument names
    """y = min(max(x, min), max); tensor bounds broadcast (maximum / minimum)."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of 'min' or 'max' must not be None")
    if isinstance(min, tensor_module.Tensor) or isinstance(max, tensor_module.Tensor):
        result = x if min is None else maximum(x, min)
        return result if max is None else minimum(result, max)
    return Clamp.apply(x, min, max)


def maximum(x, y):
    return _binary(Maximum, "maximum", x, y)


def minimum(x, y):
    return _binary(Minimum, "minimum", x, y)


def where(condition, x, y):
    """z = x where condition else y, all three broadcast together."""
    condition = np.asarray(getattr(condition, "_data", condition), dtype=bool)
    if not isinstance(x, tensor_module.Tensor) and not isinstance(y, tensor_module.Tensor):
        x = _tensor(x)
    x, y = as_operands(x, y)
    try:
        np.broadcast_shapes(condition.shape, np.shape(getattr(x, "_data", x)),
                            np.shape(getattr(y, "_data", y)))
    except ValueError:
        raise ValueError(f"where: condition {list(condition.shape)}, x {list(np.shape(x))} and y "
                         f"{list(np.shape(y))} cannot be broadcast together") from None
    return Where.apply(condition, x, y)


# Comparisons: boolean results, no gradient ---------------------------------------------------
def _compare(function, name, x, y):
    x, y = as_operands(x, y)
    try:
        result = function(getattr(x, "_data", x), getattr(y, "_data", y))
    except ValueError:
        raise shapes_error(name, x, y) from None
    return tensor_module.Tensor._make(np.asarray(result))


def eq(x, y):
    return _compare(np.equal, "eq", x, y)


def ne(x, y):
    return _compare(np.not_equal, "ne", x, y)


def lt(x, y):
    return _compare(np.less, "lt", x, y)


def le(x, y):
    return _compare(np.less_equal, "le", x, y)


def gt(x, y):
    return _compare(np.greater, "gt", x, y)


def ge(x, y):
    return _compare(np.greater_equal, "ge", x, y)


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


# Shapes --------------------------------------------------------------------------------------
def _shape_argument(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def reshape(x, *shape):
    shape = _shape_argument(shape)
    known = math.prod(s for s in shape if s != -1)
    if shape.count(-1) > 1 or (
        (x.numel() != known) if -1 not in shape else (known == 0 or x.numel() % known)
    ):
        raise RuntimeError(f"shape {list(shape)} is invalid for input of size {x.numel()} "
                           f"(shape {list(x.shape)})")
    if shape == x.shape:
        return x
    return Reshape.apply(x, shape=shape)


def permute(x, *dims):
    dims = _shape_argument(dims)
    axes = normalize_dims(dims, x.ndim, "permute")
    if len(axes) != x.ndim:
        raise ValueError(f"permute: {list(dims)} does not order all {x.ndim} dims of a tensor of "
                         f"shape {list(x.shape)}")
    return Permute.apply(x, dims=axes)


def transpose(x, dim0, dim1):
    order = list(range(x.ndim))
    dim0, dim1 = normalize_dim(dim0, x.ndim, "transpose"), normalize_dim(dim1, x.ndim, "transpose")
    order[dim0], order[dim1] = order[dim1], order[dim0]
    return permute(x, order)


def flatten(x, start_dim=0, end_dim=-1):
    if x.ndim == 0:
        return reshape(x, 1)
    start = normalize_dim(start_dim, x.ndim, "flatten")
    end = normalize_dim(end_dim, x.ndim, "flatten")
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    merged = math.prod(x.shape[start:end + 1])
    return reshape(x, x.shape[:start] + (merged,) + x.shape[end + 1:])


def squeeze(x, dim=None):
    axes = normalize_dims(dim, x.ndim, "squeeze")
    return reshape(x, tuple(s for i, s in enumerate(x.shape) if not (i in axes and s == 1)))


def unsqueeze(x, dim):
    dim = normalize_dim(dim, x.ndim + 1, "unsqueeze")
    return reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


def expand(x, *sizes):
    sizes = _shape_argument(sizes)
    if len(sizes) < x.ndim:
        raise ValueError(f"expand: the number of sizes {list(sizes)} must be at least the number "
                         f"of dims of the tensor (shape {list(x.shape)})")
    offset = len(sizes) - x.ndim
    shape = tuple(x.shape[i - offset] if size == -1 and i >= offset else size
                  for i, size in enumerate(sizes))
    return broadcast_to(x, shape)


def _index_part(part):
    if isinstance(part, tensor_module.Tensor):
        return part._data
    if isinstance(part, list):
        return np.asarray(part)
    return part


def _as_index(key):
    if isinstance(key, tuple):
        return tuple(_index_part(p) for p in key)
    return _index_part(key)


def getitem(x, key):
    return GetItem.apply(x, index=_as_index(key))


def index_put(x, key, value):
    """x with x[key] = value, out of place (the differentiable form of ``x[key] = value``)."""
    index = _as_index(key)
    x, value = as_operands(x, value)
    return IndexPut.apply(x, value, index=index)


def _common_dtype(tensors):
    return functools.reduce(dtypes.promote_types, (t.dtype for t in tensors))


def cat(tensors, dim=0):
    tensors = [_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("cat: expected a non-empty list of tensors")
    first = tensors[0]
    axis = normalize_dim(dim, first.ndim, "cat")
    for t in tensors[1:]:
        if t.ndim != first.ndim or any(a != b for i, (a, b) in enumerate(zip(t.shape, first.shape))
                                       if i != axis):
            raise ValueError(f"cat: tensors must have the same shape except in dimension {dim}, "
                             f"got {list(first.shape)} and {list(t.shape)}")
    dtype = _common_dtype(tensors)
    tensors = [t if t.dtype == dtype else t.to(dtype) for t in tensors]
    return Cat.apply(*tensors, dim=axis)


def stack(tensors, dim=0):
    tensors = [_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("stack: expected a non-empty list of tensors")
    for t in tensors[1:]:
        if t.shape != tensors[0].shape:
            raise ValueError(f"stack expects each tensor to be equal size, but got "
                             f"{list(tensors[0].shape)} and {list(t.shape)}")
    dim = normalize_dim(dim, tensors[0].ndim + 1, "stack")
    return cat([unsqueeze(t, dim) for t in tensors], dim)


def split(x, split_size_or_sections, dim=0):
    axis = normalize_dim(dim, x.ndim, "split")
    length = x.shape[axis]
    if isinstance(split_size_or_sections, int):
        if split_size_or_sections <= 0:
            raise ValueError(f"split: split_size must be positive, got {split_size_or_sections}")
        sizes = [split_size_or_sections] * (length // split_size_or_sections)
        if length % split_size_or_sections or not sizes:
            sizes.append(length % split_size_or_sections)
    else:
        sizes = list(split_size_or_sections)
        if builtins.sum(sizes) != length:
            raise ValueError(f"split: sections {sizes} do not sum to the size {length} of dim {dim} "
                             f"(shape {list(x.shape)})")
    pieces, start = [], 0
    prefix = (slice(None),) * axis
    for size in sizes:
        pieces.append(getitem(x, prefix + (slice(start, start + size),)))
        start += size
    return tuple(pieces)


def chunk(x, chunks, dim=0):
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    length = x.shape[normalize_dim(dim, x.ndim, "chunk")]
    return split(x, builtins.max(1, math.ceil(length / chunks)), dim)


def gather(x, dim, index):
    index = _tensor(index)
    axis = normalize_dim(dim, x.ndim, "gather")
    if index.dtype.kind not in "iu":
        raise TypeError(f"gather: index must be an integer tensor, got {index.dtype}")
    if index.ndim != x.ndim or any(i > s for d, (i, s) in enumerate(zip(index.shape, x.shape))
                                   if d != axis):
        raise ValueError(f"gather: index of shape {list(index.shape)} does not fit input of shape "
                         f"{list(x.shape)} (same number of dims; no larger except in dim {dim})")
    if index.numel() and (index._data.min() < -x.shape[axis] or index._data.max() >= x.shape[axis]):
        raise IndexError(f"gather: index out of range for dim {dim} of size {x.shape[axis]}")
    return Gather.apply(x, index, dim=axis)


def scatter_add(x, dim, index, src):
    """x with src added at the positions ``index`` names along ``dim`` (PyTorch's scatter_add)."""
    axis = normalize_dim(dim, x.ndim, "scatter_add")
    return x + ScatterAdd.apply(src, _tensor(index), dim=axis, shape=x.shape)


_PAD_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def pad(x, pad, mode="constant", value=None):  # noqa: A002 - PyTorch's argument name
    """Pads the last len(pad)//2 dims; ``pad`` = (last_left, last_right, prev_left, prev_right, ...)
    as in PyTorch. Modes: constant (``value``, default 0), reflect, replicate, circular. Negative
    widths crop."""
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ValueError(f"pad: padding {list(pad)} must have an even length of at most "
                         f"2 * ndim = {2 * x.ndim} for input of shape {list(x.shape)}")
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    crop = tuple(slice(-before if before < 0 else None, after if after < 0 else None)
                 for before, after in widths)
    if any(b < 0 or a < 0 for b, a in widths):
        x = getitem(x, crop)
        widths = [(builtins.max(b, 0), builtins.max(a, 0)) for b, a in widths]
    if mode == "constant":
        return ConstantPad.apply(x, widths=tuple(widths), value=0 if value is None else value)
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: mode must be one of constant, {', '.join(_PAD_MODES)}; got {mode!r}")
    for (before, after), size in zip(widths, x.shape):
        if mode == "reflect" and (before >= size or after >= size) and (before or after):
            raise ValueError(f"pad: reflect padding {(before, after)} must be smaller than the "
                             f"dimension size {size} (input shape {list(x.shape)})")
    positions = [np.pad(np.arange(size), width, mode=_PAD_MODES[mode])
                 for width, size in zip(widths, x.shape)]
    return getitem(x, np.ix_(*positions))


# Matrix products -----------------------------------------------------------------------------
def matmul(x, y):
    """Matrix product as in PyTorch: 1-D operands are promoted (a row on the left, a column on
    the right) and the added dim removed again; batch dims broadcast."""
    x, y = as_operands(x, y)
    x, y = _tensor(x), _tensor(y)
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError(f"matmul: both arguments need at least 1 dim, got shapes "
                         f"{list(x.shape)} and {list(y.shape)}")
    if x.ndim == 1 and y.ndim == 1 and x.shape != y.shape:
        raise ValueError(f"matmul: 1-D shapes {list(x.shape)} and {list(y.shape)} differ")
    left = unsqueeze(x, 0) if x.ndim == 1 else x
    right = unsqueeze(y, -1) if y.ndim == 1 else y
    result = MatMul.apply(left, right)
    if y.ndim == 1:
        result = squeeze(result, -1)
    if x.ndim == 1:
        result = squeeze(result, -2 if y.ndim > 1 else -1)
    return result
