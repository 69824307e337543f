"""Functions of one tensor, elementwise: exp, log, sqrt, abs, sin, cos, and the activations relu,
sigmoid, tanh in their numerically stable forms. Integer inputs become float32 where PyTorch's
promotion says so (exp, log, ...)."""

from __future__ import annotations

import numpy as np

from tinynet.autograd.function import Function
from tinynet.ops.promotion import floating


class Exp(Function):
    """y = eˣ.   dy/dx = y."""

    @staticmethod
    def forward(ctx, x):
        with np.errstate(over="ignore"):
            return np.exp(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.output


class Log(Function):
    """y = ln x.   dy/dx = 1/x."""

    @staticmethod
    def forward(ctx, x):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return grad / x


class Sqrt(Function):
    """y = √x.   dy/dx = 1/(2y)."""

    @staticmethod
    def forward(ctx, x):
        with np.errstate(invalid="ignore"):
            return np.sqrt(x)

    @staticmethod
    def backward(ctx, grad):
        return grad / (2.0 * ctx.output)


class Abs(Function):
    """y = |x|.   dy/dx = sign(x) (0 at 0, as PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        ctx.sign = np.sign(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.sign


class Sin(Function):
    """y = sin x.   dy/dx = cos x."""

    @staticmethod
    def forward(ctx, x):
        return np.sin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return grad * x.cos()


class Cos(Function):
    """y = cos x.   dy/dx = −sin x."""

    @staticmethod
    def forward(ctx, x):
        return np.cos(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return -(grad * x.sin())


class ReLU(Function):
    """y = max(x, 0).   dy/dx = 1 where x > 0, else 0 (0 at the kink, as PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        ctx.positive = x > 0
        # np.maximum keeps NaN, as PyTorch does, and is faster than np.where's selection
        return np.maximum(x, np.zeros((), x.dtype))

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.positive.astype(grad.dtype)


class Sigmoid(Function):
    """y = 1 / (1 + e⁻ˣ).   dy/dx = y·(1 − y).

    Computed from e^(−|x|) ≤ 1, which never overflows: for x < 0, y = eˣ / (1 + eˣ)."""

    @staticmethod
    def forward(ctx, x):
        exp_neg_abs = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + exp_neg_abs), exp_neg_abs / (1 + exp_neg_abs))

    @staticmethod
    def backward(ctx, grad):
        y = ctx.output
        return grad * (y * (1.0 - y))


class Tanh(Function):
    """y = tanh x.   dy/dx = 1 − y²."""

    @staticmethod
    def forward(ctx, x):
        return np.tanh(x)

    @staticmethod
    def backward(ctx, grad):
        y = ctx.output
        return grad * (1.0 - y * y)


def exp(x):
    return Exp.apply(floating(x))


def log(x):
    return Log.apply(floating(x))


def sqrt(x):
    return Sqrt.apply(floating(x))


def abs(x):  # noqa: A001 - PyTorch's name
    return Abs.apply(x)


def sin(x):
    return Sin.apply(floating(x))


def cos(x):
    return Cos.apply(floating(x))


def tanh(x):
    return Tanh.apply(floating(x))


def sigmoid(x):
    return Sigmoid.apply(floating(x))


def relu(x):
    return ReLU.apply(x)
