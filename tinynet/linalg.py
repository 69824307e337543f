"""``tinynet.linalg``: inv, det, solve, matmul, vecdot and cross (tinynet/ops/linalg_more.py),
and the norms of PyTorch's ``torch.linalg`` that need no matrix
decomposition (vector norms, and the Frobenius, 1 and inf matrix norms). The norms that need
singular values ('nuc', 2 and -2 of a matrix) are refused with a message saying so.
"""

from __future__ import annotations

from tinynet.errors import ArgumentError
from tinynet.ops.norms import matrix_norm, vector_norm


def norm(A, ord=None, dim=None, keepdim=False, *, out=None, dtype=None):  # noqa: A002
    """A vector norm or a matrix norm, as ``torch.linalg.norm``: with ``dim`` an int, or
    ``ord=None`` and ``dim=None``, the vector norm of the entries (``ord`` defaulting to 2); with
    ``dim`` a pair, or ``ord`` given for a 2-D input, the matrix norm (``ord`` defaulting to
    'fro')."""
    if isinstance(dim, int):
        return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype, out=out)
    if dim is None and ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype, out=out)
    if dim is None:
        if A.ndim == 1:
            return vector_norm(A, ord, None, keepdim, dtype=dtype, out=out)
        if A.ndim != 2:
            raise ArgumentError(f"linalg.norm: with ord={ord!r} and dim=None the input must be "
                                f"1-D or 2-D, got shape {list(A.shape)}")
        dim = (-2, -1)
    dim = tuple(dim)
    if len(dim) == 1:
        return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype, out=out)
    if len(dim) != 2:
        raise ArgumentError(f"linalg.norm: dim must be an int or a pair of ints, got {dim}")
    return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype, out=out)


__all__ = ["norm", "vector_norm", "matrix_norm"]

# Inverse, determinant, solving, and the vector products of torch.linalg
from tinynet.ops.linalg_more import (SingularMatrixError, det, inv, linalg_cross as cross,  # noqa: E402
                                     linalg_matmul as matmul, solve, vecdot)

__all__ += ["inv", "det", "solve", "matmul", "vecdot", "cross", "SingularMatrixError"]
from tinynet.ops.scatter_views import slogdet  # noqa: E402

__all__ += ["slogdet"]
