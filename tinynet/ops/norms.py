"""Cumulative sums and products, vector and matrix norms, and the logical reductions all and any.

cumsum is one Function whose backward is a cumsum run the other way; cumprod's backward is
written for inputs with zeros too. The p-norm is one Function
too, so that its gradient at the zero vector is 0 (as PyTorch's), where sqrt(Σ x²) composed of
ops would give 0/0; the max-norms (p = ±inf) and the matrix norms are compositions.
"""

from __future__ import annotations

import math

import numpy as np

from tinynet import dtypes
from tinynet import tensor as tensor_module
from tinynet.autograd.function import Function
from tinynet.errors import ArgumentError, DtypeError
from tinynet.ops.dims import keepdim_shape, normalize_dim, normalize_dims
from tinynet.ops.elementwise import abs, where
from tinynet.ops.out import write_out
from tinynet.ops.reduction import amax, amin, sum


class CumSum(Function):
    """yᵢ = Σ_{j ≤ i} xⱼ along ``axis``.   dxⱼ = Σ_{i ≥ j} dyᵢ: the cumsum of dy taken from the
    end (flip, cumsum, flip)."""

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        return np.cumsum(x, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        return cumsum(grad.flip(ctx.axis), ctx.axis).flip(ctx.axis)


def cumsum(input, dim, *, dtype=None, out=None):  # noqa: A002 - PyTorch's names
    """Running sums along ``dim``; integer and bool inputs sum in int64 (as PyTorch), ``dtype``
    converts the input first."""
    if dtype is not None:
        input = input.to(dtype)
    if input.ndim == 0:
        return write_out(input.clone(), out, "cumsum", input)
    axis = normalize_dim(dim, input.ndim, "cumsum")
    if input.dtype.kind != "f":
        result = tensor_module.Tensor._make(np.cumsum(input._data, axis=axis, dtype=np.int64))
    else:
        result = CumSum.apply(input, axis=axis)
    return write_out(result, out, "cumsum", input)


class CumProd(Function):
    """yᵢ = Π_{j ≤ i} xⱼ along ``axis``.   dxⱼ = Σ_{i ≥ j} dyᵢ · Π_{k ≤ i, k ≠ j} xₖ, which is
    (Σ_{i ≥ j} dyᵢ yᵢ) / xⱼ when no x is 0; with zeros the products leaving out xⱼ are formed
    outright (an n × n array per line along ``axis``), so that the gradient is exact there too."""

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        return np.cumprod(x, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        axis = ctx.axis
        if not (x._data == 0).any():
            weighted = grad * ctx.output
            return cumsum(weighted.flip(axis), axis).flip(axis) / x
        # move axis last; row j of `others` is x with xⱼ replaced by 1
        x_last, grad_last = x.transpose(axis, -1), grad.transpose(axis, -1)
        size = x_last.shape[-1]
        rows = x_last.unsqueeze(-2).expand(*x_last.shape[:-1], size, size)
        others = where(np.eye(size, dtype=bool), 1.0, rows)
        products = cumprod(others, -1)  # products[..., j, i] = Π_{k ≤ i, k ≠ j} xₖ (i ≥ j)
        later = np.triu(np.ones((size, size), dtype=bool))  # i ≥ j
        terms = where(later, grad_last.unsqueeze(-2) * products, 0.0)
        return sum(terms, -1).transpose(axis, -1)


def cumprod(input, dim, *, dtype=None, out=None):  # noqa: A002 - PyTorch's names
    """Running products along ``dim``; integer and bool inputs multiply in int64 (as PyTorch),
    ``dtype`` converts the input first."""
    if dtype is not None:
        input = input.to(dtype)
    if input.ndim == 0:
        return write_out(input.clone(), out, "cumprod", input)
    axis = normalize_dim(dim, input.ndim, "cumprod")
    if input.dtype.kind != "f":
        result = tensor_module.Tensor._make(np.cumprod(input._data, axis=axis, dtype=np.int64))
    else:
        result = CumProd.apply(input, axis=axis)
    return write_out(result, out, "cumprod", input)


class VectorNorm(Function):
    """y = (Σ |x|ᵖ)^(1/p) over ``axes``, for a finite p > 0.
    dy/dx = x·|x|ᵖ⁻² / yᵖ⁻¹ (x / y for p = 2, sign x for p = 1), taken as 0 where x = 0 (for
    p < 2) and where y = 0 (the zero vector), as PyTorch does."""

    @staticmethod
    def forward(ctx, x, p, axes, keepdim):
        ctx.p, ctx.axes, ctx.keepdim, ctx.input_shape = p, axes, keepdim, x.shape
        magnitude = np.abs(x)
        if p == 2:
            return np.sqrt(np.sum(magnitude * magnitude, axis=axes, keepdims=keepdim))
        if p == 1:
            return np.sum(magnitude, axis=axes, keepdims=keepdim)
        return np.sum(magnitude ** p, axis=axes, keepdims=keepdim) ** (1.0 / p)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        norm, p = ctx.output, ctx.p
        if not ctx.keepdim:
            shape = keepdim_shape(ctx.input_shape, ctx.axes)
            grad, norm = grad.reshape(shape), norm.reshape(shape)
        zero_norm = norm._data == 0
        safe_norm = where(zero_norm, 1.0, norm)
        if p == 2:
            direction = x / safe_norm
        else:
            magnitude = abs(x)
            safe_magnitude = where(magnitude._data == 0, 1.0, magnitude)
            direction = x * safe_magnitude ** (p - 2) / safe_norm ** (p - 1)
        return where(zero_norm, 0.0, grad * direction)


def _floating_input(input, dtype, op_name):
    if dtype is not None:
        input = input.to(dtype)
    if input.dtype.kind != "f":
        raise DtypeError(f"{op_name}(): input dtype should be floating point, got "
                         f"{dtypes.dtype_name(input.dtype)}; convert with .float() first")
    return input


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):  # noqa: A002
    """The p-norm (Σ |x|ᵖ)^(1/p) of the entries over ``dim`` (all of them by default), with
    p = ``ord``: inf is max |x|, -inf min |x|, 0 the number of nonzero entries."""
    x = _floating_input(x, dtype, "linalg.vector_norm")
    axes = normalize_dims(dim, x.ndim, "vector_norm")
    if isinstance(ord, str):
        raise ArgumentError(f"vector_norm: ord must be a number, got {ord!r}")
    if ord == math.inf:
        result = amax(abs(x), axes, keepdim)
    elif ord == -math.inf:
        result = amin(abs(x), axes, keepdim)
    elif ord == 0:
        result = sum((x != 0).to(x.dtype), axes, keepdim)
    elif ord > 0:
        result = VectorNorm.apply(x, p=float(ord), axes=axes, keepdim=keepdim)
    else:
        magnitude = abs(x)
        result = sum(magnitude ** ord, axes, keepdim) ** (1.0 / ord)
    return write_out(result, out, "linalg.vector_norm", x)


_SVD_ORDS = ("nuc", 2, -2)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):  # noqa: A002
    """A norm of the matrices in the last two dims (``dim``): 'fro' (√Σ a²), 1 / -1 (largest /
    smallest column sum of |a|), inf / -inf (largest / smallest row sum). The norms that need
    singular values ('nuc', 2, -2) are refused: tinynet has no SVD."""
    A = _floating_input(A, dtype, "linalg.matrix_norm")
    rows, cols = normalize_dims(dim, A.ndim, "matrix_norm")
    if ord in _SVD_ORDS and not isinstance(ord, bool):
        raise ArgumentError(f"matrix_norm: ord={ord!r} needs singular values, which tinynet does "
                            "not compute; use 'fro', 1, -1, inf or -inf")
    if ord == "fro":
        result = VectorNorm.apply(A, p=2.0, axes=(rows, cols), keepdim=keepdim)
    elif ord in (1, -1, math.inf, -math.inf):
        summed, other = (rows, cols) if ord in (1, -1) else (cols, rows)
        sums = sum(abs(A), summed, keepdim=True)
        result = (amax if ord > 0 else amin)(sums, other, keepdim=True)
        if not keepdim:
            result = result.reshape(tuple(s for i, s in enumerate(result.shape)
                                          if i not in (rows, cols)))
    else:
        raise ArgumentError(f"matrix_norm: ord must be 'fro', 1, -1, inf or -inf, got {ord!r}")
    return write_out(result, out, "linalg.matrix_norm", A)


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):  # noqa: A002
    """PyTorch's ``torch.norm``: the p-norm of the entries over ``dim`` (all by default); 'fro'
    is the 2-norm over the given dims. 'nuc' is refused (no SVD in tinynet)."""
    if p == "nuc":
        raise ArgumentError("norm: p='nuc' needs singular values, which tinynet does not compute")
    if isinstance(p, str) and p != "fro":
        raise ArgumentError(f"norm: p must be a number, 'fro' or 'nuc', got {p!r}")
    return vector_norm(input, 2 if p == "fro" else p, dim, keepdim, dtype=dtype, out=out)


def _logical(function, name, input, dim, keepdim, out):  # noqa: A002
    array = input._data
    axes = normalize_dims(dim, input.ndim, name)
    result = function(array.astype(bool), axis=axes, keepdims=keepdim)
    result = np.asarray(result, dtype=np.uint8 if array.dtype == np.uint8 else np.bool_)
    return write_out(tensor_module.Tensor._make(result), out, name)


def all(input, dim=None, keepdim=False, *, out=None):  # noqa: A001, A002
    """True where every entry over ``dim`` (all of them by default) is nonzero."""
    return _logical(np.all, "all", input, dim, keepdim, out)


def any(input, dim=None, keepdim=False, *, out=None):  # noqa: A001, A002
    """True where some entry over ``dim`` (all of them by default) is nonzero."""
    return _logical(np.any, "any", input, dim, keepdim, out)


__all__ = ["cumsum", "cumprod", "vector_norm", "matrix_norm", "norm", "all", "any"]
