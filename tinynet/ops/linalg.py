"""Matrix products: MatMul, and Linear (x Wᵀ + b as one op, the affine layer's forward)."""

from __future__ import annotations

import math

import numpy as np

from tinynet.autograd.function import Function
from tinynet.ops.broadcast import sum_to
from tinynet.threads import product_blocks, run_at_once


def _split(rows: int, columns: int, multiply_adds: int) -> tuple[str, list[slice]] | None:
    """How a product of `rows` x `columns` results runs on more than one thread: ("rows",
    blocks) when it has at least LARGE_PRODUCT_MULTIPLY_ADDS multiply-adds (tinynet/threads.py)
    and at least two rows, else ("columns", blocks) when it has one row and at least two
    columns (a vector-matrix product); None: it runs whole."""
    row_blocks = product_blocks(rows, multiply_adds)
    if row_blocks:
        return "rows", row_blocks
    column_blocks = product_blocks(columns, multiply_adds)
    return ("columns", column_blocks) if column_blocks else None


def _matmul_in_blocks(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b (kernels.matmul); a large product on more than one thread runs as one block of a's
    rows per thread (of b's columns when a has one row, _split), all at once, each block a
    one-thread BLAS call that writes its part of the result."""
    from tinynet.kernels import matmul  # here, not at the top: `import tinynet` skips Numba

    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    rows, columns = a.shape[-2], b.shape[-1]
    split = _split(rows, columns, math.prod(batch) * rows * a.shape[-1] * columns)
    if split is None:
        return matmul(a, b)
    out = np.empty(batch + (rows, columns), np.result_type(a, b))
    axis, blocks = split
    if axis == "rows":
        run_at_once([lambda block=block: matmul(a[..., block, :], b, out=out[..., block, :])
                     for block in blocks])
    else:
        run_at_once([lambda block=block: matmul(a, b[..., block], out=out[..., block])
                     for block in blocks])
    return out


class MatMul(Function):
    """C = A @ B over the last two axes, batch axes broadcast (both operands at least 2-D).
    dA = dC @ Bᵀ,  dB = Aᵀ @ dC, each summed back over broadcast batch axes."""

    @staticmethod
    def forward(ctx, a, b):
        if a.shape[-1] != b.shape[-2]:
            raise ValueError(f"matmul: shapes {list(a.shape)} and {list(b.shape)} are not aligned "
                             f"({a.shape[-1]} != {b.shape[-2]})")
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise ValueError(f"matmul: batch dimensions of {list(a.shape)} and {list(b.shape)} "
                             "cannot be broadcast together") from None
        return _matmul_in_blocks(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        grad_a = sum_to(grad @ b.transpose(-1, -2), a.shape) if ctx.needs_input_grad[0] else None
        grad_b = sum_to(a.transpose(-1, -2) @ grad, b.shape) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


class Linear(Function):
    """y = x Wᵀ + b over the last axis of x.   Shapes: x (*, in), W (out, in), b (out,) or None
    -> y (*, out).   dx = dy W,  dW = dyᵀ x,  db = Σ dy, with dy and x flattened to rows (every
    leading axis summed). One op where matmul, transpose and add were three; the product is BLAS's
    and the bias is added in one Numba pass (kernels.linear_act). A large product on more than
    one thread runs in blocks of rows (of output features for one row), as in
    _matmul_in_blocks."""

    @staticmethod
    def forward(ctx, x, weight, bias):
        from tinynet.kernels import linear_act  # here, not at the top: `import tinynet` skips Numba
        rows = x.reshape(-1, x.shape[-1])
        out_features = weight.shape[0]
        split = _split(rows.shape[0], out_features, x.size * out_features)
        if split is None:
            return linear_act(x, weight, bias)
        y = np.empty((rows.shape[0], out_features), np.result_type(x, weight))
        axis, blocks = split
        if axis == "rows":
            run_at_once([lambda block=block: linear_act(rows[block], weight, bias, out=y[block])
                         for block in blocks])
        else:
            run_at_once([lambda block=block: linear_act(
                rows, weight[block], None if bias is None else bias[block], out=y[:, block])
                for block in blocks])
        return y.reshape(x.shape[:-1] + (out_features,))

    @staticmethod
    def backward(ctx, grad):
        x, weight, _ = ctx.inputs
        needs_x, needs_weight, needs_bias = ctx.needs_input_grad
        grad_x = grad @ weight if needs_x else None
        grad_weight = grad_bias = None
        if needs_weight:
            rows = math.prod(x.shape[:-1])
            grad_weight = (grad.reshape(rows, grad.shape[-1]).transpose(0, 1)
                           @ x.reshape(rows, x.shape[-1]))
        if needs_bias:
            grad_bias = grad.sum(tuple(range(grad.ndim - 1)))
        return grad_x, grad_weight, grad_bias
