"""Ops that move elements without changing them: reshape and its forms (flatten, squeeze,
unsqueeze), permute and transpose, expand, cat and its forms (stack, split, chunk), pad; and the
matrix product (its Function is in ops/linalg.py). Each backward is another's forward:
reshape ↔ reshape, permute ↔ inverse permute, cat ↔ slicing, pad ↔ slicing.
"""

from __future__ import annotations

import builtins
import functools
import math

import numpy as np

from tinynet import dtypes
from tinynet.autograd.function import Function
from tinynet.errors import ArgumentError, ShapeError
from tinynet.ops.broadcast import broadcast_to
from tinynet.ops.dims import normalize_dim, normalize_dims
from tinynet.ops.indexing import getitem
from tinynet.ops.linalg import MatMul
from tinynet.ops.out import write_out
from tinynet.ops.promotion import as_operands, to_tensor


class Reshape(Function):
    """y = x with shape ``shape`` (same elements, row-major order).   dx = dy reshaped back."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.input_shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.input_shape)


class Permute(Function):
    """y = x with its axes reordered: y.shape[i] = x.shape[dims[i]].   dx = dy with the inverse order."""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.transpose(x, dims)

    @staticmethod
    def backward(ctx, grad):
        return grad.permute(*np.argsort(ctx.dims).tolist())


class Cat(Function):
    """y = the inputs joined along ``dim``.   Each input's gradient is its slice of dy."""

    @staticmethod
    def forward(ctx, *xs, dim):
        ctx.dim = dim
        ctx.sizes = [x.shape[dim] for x in xs]
        return np.concatenate(xs, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        grads, start = [], 0
        prefix = (slice(None),) * ctx.dim
        for size, needs in zip(ctx.sizes, ctx.needs_input_grad):
            grads.append(grad[prefix + (slice(start, start + size),)] if needs else None)
            start += size
        return tuple(grads)


class ConstantPad(Function):
    """y = x surrounded by ``value``: ``widths`` is ((before, after), ...) per axis, all ≥ 0.
    dx = dy with the padding sliced off."""

    @staticmethod
    def forward(ctx, x, widths, value):
        ctx.interior = tuple(slice(before, before + size) for (before, _), size
                             in zip(widths, x.shape))
        return np.pad(x, widths, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.interior], None


def _shape_argument(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def reshape(input, shape, *more_sizes):  # noqa: A002 - PyTorch's argument names
    """``input`` with shape ``shape`` (a tuple, or sizes as separate arguments; one may be -1),
    a view of the same memory when its layout allows, else a copy."""
    x = input
    shape = _shape_argument((shape,) + more_sizes)
    known = math.prod(s for s in shape if s != -1)
    if shape.count(-1) > 1 or (
        (x.numel() != known) if -1 not in shape else (known == 0 or x.numel() % known)
    ):
        raise ShapeError(f"shape {list(shape)} is invalid for input of size {x.numel()} "
                           f"(shape {list(x.shape)})")
    if shape == x.shape:
        return x
    return Reshape.apply(x, shape=shape)


def permute(input, dims, *more_dims):  # noqa: A002
    """``input`` with its dims in the order ``dims`` (a tuple, or dims as separate arguments)."""
    x = input
    dims = _shape_argument((dims,) + more_dims)
    axes = normalize_dims(dims, x.ndim, "permute")
    if len(axes) != x.ndim:
        raise ShapeError(f"permute: {list(dims)} does not order all {x.ndim} dims of a tensor of "
                         f"shape {list(x.shape)}")
    return Permute.apply(x, dims=axes)


def transpose(input, dim0, dim1):  # noqa: A002
    x = input
    order = list(range(x.ndim))
    dim0, dim1 = normalize_dim(dim0, x.ndim, "transpose"), normalize_dim(dim1, x.ndim, "transpose")
    order[dim0], order[dim1] = order[dim1], order[dim0]
    return permute(x, order)


def flatten(input, start_dim=0, end_dim=-1):  # noqa: A002
    x = input
    if x.ndim == 0:
        return reshape(x, 1)
    start = normalize_dim(start_dim, x.ndim, "flatten")
    end = normalize_dim(end_dim, x.ndim, "flatten")
    if start > end:
        raise ShapeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    merged = math.prod(x.shape[start:end + 1])
    return reshape(x, x.shape[:start] + (merged,) + x.shape[end + 1:])


def squeeze(input, dim=None):  # noqa: A002
    x = input
    axes = normalize_dims(dim, x.ndim, "squeeze")
    return reshape(x, tuple(s for i, s in enumerate(x.shape) if not (i in axes and s == 1)))


def unsqueeze(input, dim):  # noqa: A002
    x = input
    dim = normalize_dim(dim, x.ndim + 1, "unsqueeze")
    return reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


def expand(input, *sizes):  # noqa: A002
    x = input
    sizes = _shape_argument(sizes)
    if len(sizes) < x.ndim:
        raise ShapeError(f"expand: the number of sizes {list(sizes)} must be at least the number "
                         f"of dims of the tensor (shape {list(x.shape)})")
    offset = len(sizes) - x.ndim
    shape = tuple(x.shape[i - offset] if size == -1 and i >= offset else size
                  for i, size in enumerate(sizes))
    return broadcast_to(x, shape)


def _common_dtype(tensors):
    return functools.reduce(dtypes.promote_types, (t.dtype for t in tensors))


def cat(tensors, dim=0, *, out=None):
    """The tensors joined along ``dim`` (their dtypes promoted to one)."""
    return write_out(_cat(tensors, dim), out, "cat", *tensors)


def _cat(tensors, dim):
    tensors = [to_tensor(t) for t in tensors]
    if not tensors:
        raise ArgumentError("cat: expected a non-empty list of tensors")
    first = tensors[0]
    axis = normalize_dim(dim, first.ndim, "cat")
    for t in tensors[1:]:
        if t.ndim != first.ndim or any(a != b for i, (a, b) in enumerate(zip(t.shape, first.shape))
                                       if i != axis):
            raise ShapeError(f"cat: tensors must have the same shape except in dimension {dim}, "
                             f"got {list(first.shape)} and {list(t.shape)}")
    dtype = _common_dtype(tensors)
    tensors = [t if t.dtype == dtype else t.to(dtype) for t in tensors]
    return Cat.apply(*tensors, dim=axis)


def stack(tensors, dim=0, *, out=None):
    """The tensors (all of one shape) joined along a new dim ``dim``."""
    return write_out(_stack(tensors, dim), out, "stack", *tensors)


def _stack(tensors, dim):
    tensors = [to_tensor(t) for t in tensors]
    if not tensors:
        raise ArgumentError("stack: expected a non-empty list of tensors")
    for t in tensors[1:]:
        if t.shape != tensors[0].shape:
            raise ShapeError(f"stack expects each tensor to be equal size, but got "
                             f"{list(tensors[0].shape)} and {list(t.shape)}")
    dim = normalize_dim(dim, tensors[0].ndim + 1, "stack")
    return _cat([unsqueeze(t, dim) for t in tensors], dim)


def split(tensor, split_size_or_sections, dim=0):
    x = tensor
    axis = normalize_dim(dim, x.ndim, "split")
    length = x.shape[axis]
    if isinstance(split_size_or_sections, int):
        if split_size_or_sections <= 0:
            raise ArgumentError(f"split: split_size must be positive, got {split_size_or_sections}")
        sizes = [split_size_or_sections] * (length // split_size_or_sections)
        if length % split_size_or_sections or not sizes:
            sizes.append(length % split_size_or_sections)
    else:
        sizes = list(split_size_or_sections)
        if builtins.sum(sizes) != length:
            raise ShapeError(f"split: sections {sizes} do not sum to the size {length} of dim "
                             f"{dim} (shape {list(x.shape)})")
    pieces, start = [], 0
    prefix = (slice(None),) * axis
    for size in sizes:
        pieces.append(getitem(x, prefix + (slice(start, start + size),)))
        start += size
    return tuple(pieces)


def chunk(input, chunks, dim=0):  # noqa: A002
    x = input
    if chunks <= 0:
        raise ArgumentError(f"chunk: chunks must be positive, got {chunks}")
    length = x.shape[normalize_dim(dim, x.ndim, "chunk")]
    return split(x, builtins.max(1, math.ceil(length / chunks)), dim)


_PAD_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def pad(input, pad, mode="constant", value=None):  # noqa: A002 - PyTorch's argument names
    """Pads the last len(pad)//2 dims; ``pad`` = (last_left, last_right, prev_left, prev_right, ...)
    as in PyTorch. Modes: constant (``value``, default 0), reflect, replicate, circular. Negative
    widths crop."""
    x = input
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ShapeError(f"pad: padding {list(pad)} must have an even length of at most "
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
            raise ShapeError(f"pad: reflect padding {(before, after)} must be smaller than the "
                             f"dimension size {size} (input shape {list(x.shape)})")
    positions = [np.pad(np.arange(size), width, mode=_PAD_MODES[mode])
                 for width, size in zip(widths, x.shape)]
    return getitem(x, np.ix_(*positions))


def matmul(input, other, *, out=None):  # noqa: A002 - PyTorch's argument names
    """Matrix product as in PyTorch: 1-D operands are promoted (a row on the left, a column on
    the right) and the added dim removed again; batch dims broadcast."""
    return write_out(_matmul(input, other), out, "matmul", input, other)


def _matmul(x, y):
    x, y = as_operands(x, y)
    x, y = to_tensor(x), to_tensor(y)
    if x.ndim == 0 or y.ndim == 0:
        raise ShapeError(f"matmul: both arguments need at least 1 dim, got shapes "
                         f"{list(x.shape)} and {list(y.shape)}")
    if x.ndim == 1 and y.ndim == 1 and x.shape != y.shape:
        raise ShapeError(f"matmul: 1-D shapes {list(x.shape)} and {list(y.shape)} differ")
    left = unsqueeze(x, 0) if x.ndim == 1 else x
    right = unsqueeze(y, -1) if y.ndim == 1 else y
    result = MatMul.apply(left, right)
    if y.ndim == 1:
        result = squeeze(result, -1)
    if x.ndim == 1:
        result = squeeze(result, -2 if y.ndim > 1 else -1)
    return result
