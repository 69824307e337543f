"""Matrix products."""

from __future__ import annotations

import numpy as np

from tinynet.autograd.function import Function
from tinynet.ops.broadcast import sum_to


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
        from tinynet.kernels import matmul  # here, not at the top: `import tinynet` skips Numba
        return matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        grad_a = sum_to(grad @ b.transpose(-1, -2), a.shape) if ctx.needs_input_grad[0] else None
        grad_b = sum_to(a.transpose(-1, -2) @ grad, b.shape) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b
