"""More activation functions with PyTorch's names and arguments: the piecewise-linear ones
(relu6, hardsigmoid, hardswish, threshold, hardshrink, softshrink, rrelu), the smooth ones
(logsigmoid, mish, softsign, tanhshrink), glu, and gumbel_softmax.

Each is a composition of differentiable ops (where, clamp, exp, softplus, ...), so its gradient
and second derivative come from theirs. ``inplace=True`` writes the result into the input (see
``activation.applied``).
"""

from __future__ import annotations

import numpy as np

from tinynet import ops
from tinynet.nn.functional.activation import applied, softmax
from tinynet.ops.nn_ops import softplus as _softplus
from tinynet.random import numpy_generator
from tinynet.tensor import Tensor
from tinynet.errors import ShapeError


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """y = min(max(x, 0), 6)."""
    return applied(input, inplace, "relu6_", lambda x: ops.clamp(x, 0.0, 6.0))


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """y = relu6(x + 3) / 6: 0 for x ≤ −3, 1 for x ≥ 3, x/6 + 1/2 between."""
    return applied(input, inplace, "hardsigmoid_", lambda x: ops.clamp(x / 6.0 + 0.5, 0.0, 1.0))


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """y = x · relu6(x + 3) / 6: 0 for x ≤ −3, x for x ≥ 3, x(x + 3)/6 between."""
    return applied(input, inplace, "hardswish_",
                   lambda x: x * ops.clamp(x / 6.0 + 0.5, 0.0, 1.0))


def _thresholded(input: Tensor, bound: float, value: float, inplace: bool) -> Tensor:
    return applied(input, inplace, "threshold_",
                   lambda x: ops.where(x._data > bound, x, value))


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """y = x where x > threshold, else ``value``."""
    return _thresholded(input, threshold, value, inplace)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """threshold written into ``input``."""
    return _thresholded(input, threshold, value, True)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """y = x where |x| > λ, else 0."""
    _check_lambd("hardshrink", lambd)
    return ops.where(np.abs(input._data) > lambd, input, 0.0)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """y = x − λ where x > λ, x + λ where x < −λ, else 0 (soft thresholding, the proximal map
    of λ|x|)."""
    _check_lambd("softshrink", lambd)
    return input - ops.clamp(input, -lambd, lambd)


def _check_lambd(name: str, lambd: float) -> None:
    if lambd < 0:
        raise ValueError(f"{name}: lambd must be at least 0, got {lambd}")


def logsigmoid(input: Tensor) -> Tensor:
    """y = log σ(x) = −softplus(−x), computed without overflow."""
    return -_softplus(-input)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """y = x · tanh(softplus(x))."""
    return applied(input, inplace, "mish_", lambda x: x * ops.tanh(_softplus(x)))


def softsign(input: Tensor) -> Tensor:
    """y = x / (1 + |x|)."""
    return input / (ops.abs(input) + 1.0)


def tanhshrink(input: Tensor) -> Tensor:
    """y = x − tanh x."""
    return input - ops.tanh(input)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: the input split in halves a, b along ``dim``, y = a · σ(b).
    Shapes: (*, 2M, *) -> (*, M, *)."""
    if input.ndim == 0:
        raise ShapeError("glu: does not support scalars (a 0-dim input has no halves)")
    size = input.shape[dim]
    if size % 2:
        raise ShapeError(f"glu: halving dimension {dim} must be even, but it has size {size} "
                         f"(input shape {list(input.shape)})")
    first, second = ops.split(input, size // 2, dim)
    return first * ops.sigmoid(second)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """Randomized leaky ReLU: y = x for x ≥ 0, a · x otherwise, with a drawn uniformly from
    [lower, upper] for each element in training (from the default generator), and
    a = (lower + upper) / 2 in evaluation."""
    if not 0 <= lower <= upper:
        raise ValueError(f"rrelu: need 0 ≤ lower ≤ upper, got lower={lower}, upper={upper}")

    def compute(x):
        if training:
            slopes = numpy_generator().uniform(lower, upper, x.shape).astype(x.dtype)
        else:
            slopes = (lower + upper) / 2
        return ops.where(x._data >= 0, x, x * slopes)
    return applied(input, inplace, "rrelu_", compute)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
           training: bool = False) -> Tensor:
    """rrelu written into ``input``."""
    return rrelu(input, lower, upper, training, inplace=True)


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1) -> Tensor:
    """A sample of the Gumbel-softmax (concrete) distribution: y = softmax((logits + g) / τ)
    along ``dim``, g = −log E with E ~ Exponential(1) per element (Gumbel(0, 1) noise, from the
    default generator). With ``hard``, y is the one-hot vector of its argmax in the forward pass
    while the gradient is the soft sample's (straight-through: y_hard − sg(y_soft) + y_soft).
    ``eps`` is unused, as in PyTorch."""
    if tau <= 0:
        raise ShapeError(f"gumbel_softmax: tau must be positive, got {tau}")
    noise = -np.log(numpy_generator().exponential(1.0, logits.shape)).astype(logits.dtype)
    y_soft = softmax((logits + noise) / tau, dim)
    if not hard:
        return y_soft
    chosen = np.expand_dims(np.argmax(y_soft._data, axis=dim), dim)
    one_hot = np.zeros_like(y_soft._data)
    np.put_along_axis(one_hot, chosen, 1.0, axis=dim)
    return y_soft - y_soft.detach() + Tensor._make(one_hot)
