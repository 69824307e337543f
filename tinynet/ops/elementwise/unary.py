"""Functions of one tensor, elementwise: exp, log, sqrt, abs, sin, cos, and the activations relu,
sigmoid, tanh in their numerically stable forms. Integer inputs become float32 where PyTorch's
promotion says so (exp, log, ...)."""

from __future__ import annotations

import numpy as np

from tinynet.autograd.function import Function
from tinynet.ops.promotion import floating
from tinynet.ops.out import write_out


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


def exp(input, *, out=None):  # noqa: A002 - PyTorch's argument name
    return write_out(Exp.apply(floating(input)), out, "exp", input)


def log(input, *, out=None):  # noqa: A002 - PyTorch's argument name
    return write_out(Log.apply(floating(input)), out, "log", input)


def sqrt(input, *, out=None):  # noqa: A002 - PyTorch's argument name
    return write_out(Sqrt.apply(floating(input)), out, "sqrt", input)


def abs(input, *, out=None):  # noqa: A001, A002 - PyTorch's names
    return write_out(Abs.apply(input), out, "abs", input)


def sin(input, *, out=None):  # noqa: A002 - PyTorch's argument name
    return write_out(Sin.apply(floating(input)), out, "sin", input)


def cos(input, *, out=None):  # noqa: A002 - PyTorch's argument name
    return write_out(Cos.apply(floating(input)), out, "cos", input)


def tanh(input, *, out=None):  # noqa: A002 - PyTorch's argument name
    return write_out(Tanh.apply(floating(input)), out, "tanh", input)


def sigmoid(input, *, out=None):  # noqa: A002 - PyTorch's argument name
    return write_out(Sigmoid.apply(floating(input)), out, "sigmoid", input)


def relu(input):  # noqa: A002
    return ReLU.apply(input)
