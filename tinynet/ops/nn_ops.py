"""Ops that neural-network layers need and that composing the core ops would make unstable or
slow: softplus in its stable form, erf (for exact GELU), the Heaviside step, and the identity that
carries a module's backward hooks.

Each lower-case function at the bottom is the entry point ``tinynet.nn.functional`` calls.
"""

from __future__ import annotations

import math

import numpy as np

from tinynet import ops
from tinynet.autograd.function import Function

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


class Softplus(Function):
    """y = log(1 + eˣ), computed as max(x, 0) + log1p(e^−|x|) so that no exp overflows.
    dy/dx = σ(x)."""

    @staticmethod
    def forward(ctx, x):
        return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return grad * ops.sigmoid(x)


def _erf_loop(flat: np.ndarray, out: np.ndarray) -> None:
    for i in range(flat.size):
        out[i] = math.erf(flat[i])


_compiled_erf_loop = None


def _erf_array(x: np.ndarray) -> np.ndarray:
    """erf elementwise, to float64 precision. NumPy has no erf, so Numba compiles ``math.erf`` in
    a loop, on the first call (not at import) and cached on disk."""
    global _compiled_erf_loop
    if _compiled_erf_loop is None:
        from numba import njit

        _compiled_erf_loop = njit(cache=True)(_erf_loop)
    flat = np.ascontiguousarray(x, dtype=np.float64).reshape(-1)
    result = np.empty_like(flat)
    _compiled_erf_loop(flat, result)
    return result.reshape(np.shape(x)).astype(x.dtype, copy=False)


class Erf(Function):
    """y = erf x = 2/√π ∫₀ˣ e^(−t²) dt.   dy/dx = 2/√π · e^(−x²)."""

    @staticmethod
    def forward(ctx, x):
        return _erf_array(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return grad * (_TWO_OVER_SQRT_PI * (-(x * x)).exp())


class Step(Function):
    """y = 1 where x ≥ 0, else 0 (Heaviside, the perceptron's threshold).
    dy/dx = 0: the step is flat everywhere except at 0, where it has no derivative, so no gradient
    ever flows through it (which is why perceptrons are not trained by backpropagation)."""

    @staticmethod
    def forward(ctx, x):
        return (x >= 0).astype(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0.0


class BackwardHook(Function):
    """y_i = x_i for several tensors at once; backward passes the gradients through
    ``on_backward(grads)``, which may return replacements. Modules put one around their inputs
    and one around their outputs to run full backward hooks.   dx_i = dy_i (or the replacement)."""

    passes_gradients_through = True  # an identity: autograd.trace passes the gradients on as they are

    @staticmethod
    def forward(ctx, *xs, on_backward):
        ctx.on_backward = on_backward
        return tuple(x.copy() for x in xs)  # copies: an in-place op on y must not change x

    @staticmethod
    def backward(ctx, *grads):
        replaced = ctx.on_backward(grads)
        return tuple(grads if replaced is None else replaced)


def softplus(x):
    return Softplus.apply(ops.floating(x))


def erf(x):
    return Erf.apply(ops.floating(x))


def step(x):
    return Step.apply(ops.floating(x))
