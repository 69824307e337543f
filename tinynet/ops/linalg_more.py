"""The matrix functions of ``torch.linalg`` that tutorials use: inv, det, solve (Functions: the
forward is NumPy's LAPACK call, the backward is written with the same functions, so it
differentiates again), and vecdot and cross (compositions).

    d inv(A)   = −A⁻¹ dA A⁻¹                 so  dA = −A⁻ᵀ dY A⁻ᵀ
    d det(A)   = det(A) tr(A⁻¹ dA)           so  dA = dy · det(A) · A⁻ᵀ
    X = A⁻¹ B:  dB = A⁻ᵀ dX (a solve with Aᵀ),   dA = −dB Xᵀ

det's gradient uses A⁻¹, so it is refused (as a singular-matrix error) at a singular A, where
PyTorch goes through an SVD.
"""

from __future__ import annotations

import numpy as np

from tinynet.autograd.function import Function
from tinynet.errors import ArgumentError, DtypeError, ShapeError
from tinynet.ops.dims import normalize_dim
from tinynet.ops.elementwise import mul
from tinynet.ops.out import write_out
from tinynet.ops.reduction import sum as _sum
from tinynet.ops.shape import expand, matmul, squeeze, transpose, unsqueeze


class SingularMatrixError(ArgumentError):
    """A matrix that has no inverse was given where one is needed (PyTorch: RuntimeError)."""


def _square(A, op_name):  # noqa: N803 - the linear-algebra name of the argument, as PyTorch's
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise ShapeError(f"linalg.{op_name}: A must be batches of square matrices, but they are "
                         f"{A.shape[-2] if A.ndim > 1 else A.ndim} by "
                         f"{A.shape[-1] if A.ndim else 0} matrices (shape {list(A.shape)})")
    if A.dtype.kind != "f":
        raise DtypeError(f"linalg.{op_name}: Expected a floating point tensor as input, got "
                         f"{A.dtype}")


def _lapack(function, op_name, *arrays):
    try:
        return function(*arrays)
    except np.linalg.LinAlgError:
        raise SingularMatrixError(f"linalg.{op_name}: The matrix (or one of the batch) is "
                                  "singular: it has no inverse") from None


def _mT(x):  # noqa: N802 - PyTorch's .mT
    return transpose(x, -1, -2)


class Inv(Function):
    """Y = A⁻¹ (each matrix of a batch).   dA = −Yᵀ dY Yᵀ."""

    @staticmethod
    def forward(ctx, a):
        return _lapack(np.linalg.inv, "inv", a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        inverse_t = _mT(Inv.apply(a))
        return -(inverse_t @ grad @ inverse_t)


class Det(Function):
    """y = det(A).   dA = dy · det(A) · A⁻ᵀ."""

    @staticmethod
    def forward(ctx, a):
        return np.asarray(np.linalg.det(a))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        scale = unsqueeze(unsqueeze(mul(grad, Det.apply(a)), -1), -1)
        return mul(scale, _mT(Inv.apply(a)))


class Solve(Function):
    """X = A⁻¹ B for A (…, n, n) and B (…, n, k) of one batch shape.
    dB = solve(Aᵀ, dX),  dA = −dB Xᵀ."""

    @staticmethod
    def forward(ctx, a, b):
        return _lapack(np.linalg.solve, "solve", a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        grad_b = Solve.apply(_mT(a), grad)
        grad_a = -(grad_b @ _mT(Solve.apply(a, b))) if ctx.needs_input_grad[0] else None
        return grad_a, (grad_b if ctx.needs_input_grad[1] else None)


def inv(A, *, out=None):  # noqa: N803
    """The inverse of a square matrix (or of each in a batch); a singular one is refused."""
    _square(A, "inv")
    return write_out(Inv.apply(A), out, "linalg.inv", A)


def det(A, *, out=None):  # noqa: N803
    """The determinant of a square matrix (or of each in a batch)."""
    _square(A, "det")
    return write_out(Det.apply(A), out, "linalg.det", A)


def inverse(input, *, out=None):  # noqa: A002 - torch.inverse's argument name
    """``torch.inverse``: linalg.inv under its older name."""
    return inv(input, out=out)


def determinant(input):  # noqa: A002
    """``torch.det``: linalg.det under its older name."""
    return det(input)


def solve(A, B, *, left=True, out=None):  # noqa: N803
    """X with A X = B (``left=True``) or X A = B (``left=False``), A square and invertible.
    B is a vector (or a batch of them) when it is 1-D or has one dim fewer than A with A's
    leading dims; batch dims broadcast."""
    _square(A, "solve")
    if B.dtype != A.dtype:
        raise DtypeError(f"linalg.solve: Expected A and B to have the same dtype, but found "
                         f"A of type {A.dtype} and B of type {B.dtype} instead")
    if not left:
        return write_out(_mT(solve(_mT(A), _mT(B))), out, "linalg.solve", A, B)
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])
    rhs = unsqueeze(B, -1) if vector else B
    if rhs.shape[-2] != A.shape[-1]:
        raise ShapeError(f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                         f"({A.shape[-2]}x{A.shape[-1]} and {rhs.shape[-2]}x{rhs.shape[-1]})")
    try:
        batch = np.broadcast_shapes(A.shape[:-2], rhs.shape[:-2])
    except ValueError:
        raise ShapeError(f"linalg.solve: batch dims of A {list(A.shape)} and B {list(B.shape)} "
                         "do not broadcast together") from None
    a = expand(A, batch + tuple(A.shape[-2:]))
    b = expand(rhs, batch + tuple(rhs.shape[-2:]))
    result = Solve.apply(a, b)
    return write_out(squeeze(result, -1) if vector else result, out, "linalg.solve", A, B)


def linalg_matmul(input, other, *, out=None):  # noqa: A002
    """``matmul`` under torch.linalg's name."""
    return write_out(matmul(input, other), out, "linalg.matmul", input, other)


def vecdot(x, y, *, dim=-1, out=None):
    """The dot products of the vectors along ``dim`` of x and y (broadcast): Σ x·y over dim."""
    try:
        shape = np.broadcast_shapes(x.shape, y.shape)
    except ValueError:
        raise ShapeError(f"linalg.vecdot: shapes {list(x.shape)} and {list(y.shape)} do not "
                         "broadcast together") from None
    axis = normalize_dim(dim, len(shape), "linalg.vecdot")
    return write_out(_sum(mul(x, y), axis), out, "linalg.vecdot", x, y)


def linalg_cross(input, other, *, dim=-1, out=None):  # noqa: A002
    """The cross product of 3-vectors along ``dim`` (default: the last), input and other
    broadcast (with one number of dims, as PyTorch requires)."""
    from tinynet.ops.products import _cross

    if input.ndim != other.ndim:
        raise ShapeError(f"linalg.cross: inputs must have the same number of dimensions, got "
                         f"shapes {list(input.shape)} and {list(other.shape)}")
    axis = normalize_dim(dim, max(input.ndim, other.ndim), "linalg.cross")
    return write_out(_cross(input, other, axis, "linalg.cross"), out, "linalg.cross", input,
                     other)


__all__ = ["inv", "det", "solve", "vecdot", "SingularMatrixError"]
