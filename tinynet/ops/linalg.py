"""Matrix products: MatMul, and Linear (x Wᵀ + b as one op, the affine layer's forward). Their
BLAS calls run through the kernels (tinynet.kernels.matmul, linear_act), which choose the BLAS's
thread count by the product's size (tinynet/runtime/threads.py)."""

from __future__ import annotations

import math

import numpy as np

from tinynet.autograd.function import Function
from tinynet.ops.broadcast import sum_to
from tinynet.errors import ShapeError


class MatMul(Function):
    """C = A @ B over the last two axes, batch axes broadcast (both operands at least 2-D).
    dA = dC @ Bᵀ,  dB = Aᵀ @ dC, each summed back over broadcast batch axes."""

    @staticmethod
    def forward(ctx, a, b):
        from tinynet.kernels import matmul  # here, not at the top: `import tinynet` skips Numba

        if a.shape[-1] != b.shape[-2]:
            raise ShapeError(f"matmul: shapes {list(a.shape)} and {list(b.shape)} are not aligned "
                             f"({a.shape[-1]} != {b.shape[-2]})")
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise ShapeError(f"matmul: batch dimensions of {list(a.shape)} and {list(b.shape)} "
                             "cannot be broadcast together") from None
        return matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        grad_a = sum_to(grad @ b.transpose(-1, -2), a.shape) if ctx.needs_input_grad[0] else None
        grad_b = sum_to(a.transpose(-1, -2) @ grad, b.shape) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


class Linear(Function):
    """y = x Wᵀ + b over the last axis of x.   Shapes: x (*, in), W (out, in), b (out,) or None
    -> y (*, out).   dx = dy W,  dW = dyᵀ x,  db = Σ dy, with dy and x flattened to rows (every
    leading axis summed).

    One op where matmul, transpose and add would be three; the product is BLAS's and the bias is
    added in one Numba pass (kernels.linear_act)."""

    @staticmethod
    def forward(ctx, x, weight, bias):
        from tinynet.kernels import linear_act  # here, not at the top: `import tinynet` skips Numba

        return linear_act(x, weight, bias)

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
