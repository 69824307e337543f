"""Activation functions. Elementwise ones keep the input's shape; softmax and log_softmax normalize
along ``dim``. All are stable for inputs of ±1e4 (no overflow in values or gradients)."""

from __future__ import annotations

import math
import warnings

from tinynet import ops
from tinynet.ops import log_softmax as _log_softmax
from tinynet.ops import softmax as _softmax
from tinynet.ops.nn_ops import erf
from tinynet.ops.nn_ops import softplus as _softplus
from tinynet.ops.nn_ops import step as _step
from tinynet.tensor import Tensor
from tinynet.errors import ShapeError

# Klambauer et al. 2017: the fixed point of mean 0 and variance 1 for self-normalizing networks
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def applied(input: Tensor, inplace: bool, name: str, compute) -> Tensor:
    """compute(input), or with ``inplace`` the same values written into ``input`` (which is
    returned, its graph rebased onto the op as in PyTorch; a leaf that requires grad refuses)."""
    if inplace:
        return input._inplace(name, compute)
    return compute(input)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """y = max(x, 0); with ``inplace`` written into ``input``."""
    return applied(input, inplace, "relu_", ops.relu)


def relu_(input: Tensor) -> Tensor:
    """relu written into ``input``."""
    return relu(input, inplace=True)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """y = x for x > 0, negative_slope · x otherwise."""
    return applied(input, inplace, "leaky_relu_",
                   lambda x: ops.where(x._data > 0, x, x * negative_slope))


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """leaky_relu written into ``input``."""
    return leaky_relu(input, negative_slope, inplace=True)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """y = x for x > 0, a · x otherwise, with a learnable slope per channel (dim 1), or one slope
    shared by all. Shapes: input (N, C, ...) or (C,), weight (C,) or (1,)."""
    if weight.ndim != 1:
        raise ShapeError(f"prelu: weight must be 1-D, got shape {list(weight.shape)}")
    channels = input.shape[1] if input.ndim >= 2 else (input.shape[0] if input.ndim else 1)
    if weight.shape[0] not in (1, channels):
        raise ShapeError(
            f"prelu: weight has {weight.shape[0]} slopes but the input (shape "
            f"{list(input.shape)}) has {channels} channels; use 1 or {channels}"
        )
    if input.ndim >= 2:
        weight = weight.reshape((1, -1) + (1,) * (input.ndim - 2))
    elif input.ndim == 0:
        weight = weight.reshape(())
    return ops.where(input._data > 0, input, weight * input)


def _elu(x: Tensor, alpha: float) -> Tensor:
    # exp only of the non-positive part: eˣ of a large x would overflow, and its inf would turn
    # the zero gradient that where() sends to the unused branch into NaN
    negative_part = alpha * (ops.exp(x.clamp(max=0.0)) - 1.0)
    return ops.where(x._data > 0, x, negative_part)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """y = x for x > 0, α(eˣ − 1) otherwise."""
    return applied(input, inplace, "elu_", lambda x: _elu(x, alpha))


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """elu written into ``input``."""
    return elu(input, alpha, inplace=True)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """y = scale · elu(x, α) with PyTorch's constants α ≈ 1.6733, scale ≈ 1.0507 (self-normalizing)."""
    return applied(input, inplace, "selu_", lambda x: SELU_SCALE * _elu(x, SELU_ALPHA))


def selu_(input: Tensor) -> Tensor:
    """selu written into ``input``."""
    return selu(input, inplace=True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """y = max(0, x) + min(0, α(e^(x/α) − 1)): elu with its slope at 0 equal to 1 for every α."""
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0 (the formula divides by it)")
    return applied(input, inplace, "celu_", lambda x: alpha * _elu(x / alpha, 1.0))


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """celu written into ``input``."""
    return celu(input, alpha, inplace=True)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """y = x · Φ(x) = x/2 · (1 + erf(x / √2)), Φ the standard normal CDF; with
    ``approximate="tanh"``: x/2 · (1 + tanh(√(2/π) · (x + 0.044715 x³)))."""
    if approximate == "none":
        return 0.5 * input * (1.0 + erf(input * (1.0 / math.sqrt(2.0))))
    if approximate == "tanh":
        inner = math.sqrt(2.0 / math.pi) * (input + 0.044715 * input * input * input)
        return 0.5 * input * (1.0 + ops.tanh(inner))
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def silu(input: Tensor, inplace: bool = False, beta: float = 1.0) -> Tensor:
    """y = x · σ(β x) (SiLU for β = 1; Swish-β in general, a tinynet extension: β → ∞ tends to
    ReLU, β = 0 gives x/2)."""
    return applied(input, inplace, "silu_",
                   lambda x: x * ops.sigmoid(x if beta == 1.0 else x * beta))


def sigmoid(input: Tensor) -> Tensor:
    """y = 1 / (1 + e⁻ˣ), computed without overflow."""
    return ops.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    return ops.tanh(input)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """y = log(1 + e^(βx)) / β, and y = x where βx > threshold (where the two agree to float
    precision), as in PyTorch."""
    scaled = input if beta == 1.0 else input * beta
    smooth = _softplus(scaled)
    if beta != 1.0:
        smooth = smooth / beta
    return ops.where(scaled._data > threshold, input, smooth)


def hardtanh(
    input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
) -> Tensor:
    """y = min(max(x, min_val), max_val)."""
    if min_val > max_val:
        raise ValueError(
            f"hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})"
        )
    return applied(input, inplace, "hardtanh_", lambda x: ops.clamp(x, min_val, max_val))


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """hardtanh written into ``input``."""
    return hardtanh(input, min_val, max_val, inplace=True)


def step(input: Tensor) -> Tensor:
    """Heaviside step: y = 1 for x ≥ 0, 0 otherwise (the perceptron's threshold unit). Its
    gradient is zero everywhere (see ``tinynet.ops.nn_ops.Step``): a tinynet addition."""
    return _step(input)


def _softmax_dim(ndim: int, name: str, stacklevel: int = 3) -> int:
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call "
        "to include dim=X as an argument.",
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """y_i = exp(x_i) / Σ_j exp(x_j) along ``dim`` (stable: computed as exp(log_softmax)).
    Without ``dim``, PyTorch's deprecated choice (0 for 0-, 1- and 3-D inputs, else 1) with a
    warning ``_stacklevel`` frames up; ``dtype`` casts the input first."""
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        dim = _softmax_dim(input.ndim, "softmax", _stacklevel)
    return _softmax(input, dim)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
                dtype=None) -> Tensor:
    """y_i = x_i − log Σ_j exp(x_j) along ``dim`` (stable for logits of 1e4); ``dim`` and
    ``dtype`` as for softmax."""
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        dim = _softmax_dim(input.ndim, "log_softmax", _stacklevel)
    return _log_softmax(input, dim)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """y_i = exp(−x_i) / Σ_j exp(−x_j) along ``dim``: softmax(−x)."""
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        dim = _softmax_dim(input.ndim, "softmin", _stacklevel)
    return _softmax(-input, dim)
