"""Weight initializers, in place, with PyTorch's names (``tinynet.nn.init.kaiming_uniform_``).

Why the scales: a layer y = W x with fan_in inputs of variance Var(x) and weights of variance
Var(W) gives outputs of variance fan_in · Var(W) · Var(x). Keeping the signal's variance the same
from layer to layer (neither vanishing nor exploding with depth) asks for Var(W) = 1 / fan_in;
an activation that changes the variance (ReLU halves it) is corrected by gain². Xavier/Glorot
balances the forward pass (fan_in) and the backward pass (fan_out): Var(W) = gain² · 2/(fan_in +
fan_out). Kaiming/He keeps one of them: Var(W) = gain² / fan. A uniform distribution on [−b, b]
has variance b²/3, hence the bounds b = √3 · std below.

Every function draws from ``generator`` (the default generator unless given, so
``tinynet.manual_seed`` makes initialization repeatable), writes into ``tensor`` without recording
a graph, and returns ``tensor``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from tinynet.ops.nn_ops import erf
from tinynet.random import Generator, numpy_generator
from tinynet.tensor import Tensor
from tinynet.errors import ShapeError

_LINEAR_FAMILY = (
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
)


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The factor by which to scale the weights' standard deviation after ``nonlinearity``:
    1 for linear/conv/sigmoid, 5/3 for tanh, √2 for relu, √(2 / (1 + slope²)) for leaky_relu
    (slope ``param``, default 0.01), 3/4 for selu (PyTorch's choice, for self-normalizing nets)."""
    if nonlinearity in _LINEAR_FAMILY:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(
        f"unsupported nonlinearity {nonlinearity!r}; expected one of "
        f"{', '.join(_LINEAR_FAMILY)}, tanh, relu, leaky_relu, selu"
    )


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """fan_in = size(1) · receptive field, fan_out = size(0) · receptive field, where the
    receptive field is the product of the sizes after the first two (a conv kernel's area)."""
    if tensor.ndim < 2:
        raise ShapeError(
            f"fan in and fan out can not be computed for a tensor with fewer than "
            f"2 dimensions (shape {list(tensor.shape)})"
        )
    receptive_field = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode {mode!r} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _fill(tensor: Tensor, values) -> Tensor:
    """Write ``values`` into ``tensor`` in place (no graph), counting it as a modification."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"expected a Tensor, got {type(tensor).__name__}")
    tensor._data[...] = np.asarray(values).astype(tensor.dtype, copy=False)
    tensor._version += 1
    return tensor


def uniform_(
    tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Generator | None = None
) -> Tensor:
    """Fill with draws from U(a, b)."""
    return _fill(tensor, numpy_generator(generator).uniform(a, b, tensor.shape))


def normal_(
    tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Generator | None = None
) -> Tensor:
    """Fill with draws from N(mean, std²)."""
    return _fill(tensor, numpy_generator(generator).normal(mean, std, tensor.shape))


def constant_(tensor: Tensor, val: float) -> Tensor:
    return _fill(tensor, np.full(tensor.shape, val))


def zeros_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 1.0)


def xavier_uniform_(
    tensor: Tensor, gain: float = 1.0, generator: Generator | None = None
) -> Tensor:
    """U(−b, b) with b = gain · √(6 / (fan_in + fan_out)), i.e. Var = gain² · 2/(fan_in + fan_out)
    (Glorot & Bengio 2010: equal variance forwards and backwards)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """N(0, std²) with std = gain · √(2 / (fan_in + fan_out)) (Glorot & Bengio 2010)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator | None = None,
) -> Tensor:
    """U(−b, b) with b = gain · √(3 / fan), gain = calculate_gain(nonlinearity, a), fan = fan_in
    (keeps the forward variance) or fan_out (the backward one) (He et al. 2015).

    PyTorch's layers call it with a = √5, which gives b = 1/√fan_in: Var = 1/(3 fan_in)."""
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator | None = None,
) -> Tensor:
    """N(0, std²) with std = gain / √fan (He et al. 2015); see ``kaiming_uniform_``."""
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """A (semi-)orthogonal matrix times ``gain``, over shape (size(0), numel / size(0)): the rows
    (or columns, whichever are fewer) are orthonormal (Saxe et al. 2013). An orthogonal map keeps
    every vector's norm, so signals neither grow nor shrink through deep linear stacks.
    Drawn as the Q of a QR decomposition of a Gaussian matrix, its signs fixed by R's diagonal so
    that Q is uniformly distributed."""
    if tensor.ndim < 2:
        raise ShapeError(
            f"only tensors with 2 or more dimensions are supported, got shape {list(tensor.shape)}"
        )
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = numpy_generator(generator).standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(tensor.shape))


def _standard_normal_cdf(z) -> np.ndarray:
    """Φ(z) = (1 + erf(z / √2)) / 2."""
    z = Tensor._make(np.asarray(z, dtype=np.float64) / math.sqrt(2.0))
    return 0.5 * (1.0 + erf(z)._data)


def trunc_normal_(
    tensor: Tensor,
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    generator: Generator | None = None,
) -> Tensor:
    """N(mean, std²) conditioned on [a, b] (absolute bounds, as in PyTorch): the Gaussian's shape
    without its rare large draws.

    Drawn by rejection (redraw whatever falls outside) while [a, b] holds at least a third of the
    mass, else by inverting the CDF Φ on [Φ(α), Φ(β)] with bisection (α, β the standardized bounds).
    """
    if not a < b:
        raise ValueError(f"trunc_normal_: a ({a}) must be less than b ({b})")
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn(
            "mean is more than 2 std from [a, b] in trunc_normal_; the distribution "
            "of values may be incorrect",
            stacklevel=2,
        )
    rng = numpy_generator(generator)
    alpha, beta = (a - mean) / std, (b - mean) / std
    cdf = _standard_normal_cdf
    mass = float(cdf(beta) - cdf(alpha))
    if mass >= 1 / 3:
        values = rng.standard_normal(tensor.numel())
        outside = (values < alpha) | (values > beta)
        while outside.any():
            values[outside] = rng.standard_normal(int(outside.sum()))
            outside = (values < alpha) | (values > beta)
    else:
        targets = rng.uniform(cdf(alpha), cdf(beta), tensor.numel())
        low = np.full(tensor.numel(), max(alpha, -40.0))
        high = np.full(tensor.numel(), min(beta, 40.0))
        for _ in range(60):  # each halving gains a bit: 60 reach float64 resolution
            middle = (low + high) / 2
            below = cdf(middle) < targets
            low, high = np.where(below, middle, low), np.where(below, high, middle)
        values = (low + high) / 2
    return _fill(tensor, np.clip(mean + std * values.reshape(tensor.shape), a, b))
