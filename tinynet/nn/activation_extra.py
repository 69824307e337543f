"""More activation functions as Modules (formulas in
``tinynet.nn.functional.activation_extra`` and ``activation``). ``inplace=True`` writes the result
into the input tensor, as in PyTorch."""

from __future__ import annotations

from tinynet.nn import functional as F
from tinynet.nn.activation import Softmax, _InplaceActivation
from tinynet.nn.functional import activation_extra as extra
from tinynet.nn.module import Module
from tinynet.tensor import Tensor
from tinynet.errors import ShapeError


class ReLU6(_InplaceActivation):
    """y = min(max(x, 0), 6)."""

    def forward(self, input: Tensor) -> Tensor:
        return extra.relu6(input, self.inplace)


class Hardsigmoid(_InplaceActivation):
    """y = relu6(x + 3) / 6."""

    def forward(self, input: Tensor) -> Tensor:
        return extra.hardsigmoid(input, self.inplace)


class Hardswish(_InplaceActivation):
    """y = x · relu6(x + 3) / 6."""

    def forward(self, input: Tensor) -> Tensor:
        return extra.hardswish(input, self.inplace)


class Mish(_InplaceActivation):
    """y = x · tanh(softplus(x))."""

    def forward(self, input: Tensor) -> Tensor:
        return extra.mish(input, self.inplace)


class CELU(Module):
    """y = max(0, x) + min(0, α(e^(x/α) − 1))."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.celu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class RReLU(Module):
    """y = x for x ≥ 0, a · x otherwise: a ~ U(lower, upper) per element in training,
    a = (lower + upper) / 2 in evaluation."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False):
        super().__init__()
        self.lower = lower
        self.upper = upper
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return extra.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}" + (
            ", inplace=True" if self.inplace else "")


class Threshold(Module):
    """y = x where x > threshold, else value."""

    def __init__(self, threshold: float, value: float, inplace: bool = False):
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return extra.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}" + (
            ", inplace=True" if self.inplace else "")


class GLU(Module):
    """y = a · σ(b), a and b the halves of the input along ``dim``."""

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return extra.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Hardshrink(Module):
    """y = x where |x| > λ, else 0."""

    def __init__(self, lambd: float = 0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        return extra.hardshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Softshrink(Hardshrink):
    """y = x − λ where x > λ, x + λ where x < −λ, else 0."""

    def forward(self, input: Tensor) -> Tensor:
        return extra.softshrink(input, self.lambd)


class LogSigmoid(Module):
    """y = log σ(x)."""

    def forward(self, input: Tensor) -> Tensor:
        return extra.logsigmoid(input)


class Softsign(Module):
    """y = x / (1 + |x|)."""

    def forward(self, input: Tensor) -> Tensor:
        return extra.softsign(input)


class Tanhshrink(Module):
    """y = x − tanh x."""

    def forward(self, input: Tensor) -> Tensor:
        return extra.tanhshrink(input)


class Softmin(Softmax):
    """y_i = exp(−x_i) / Σ_j exp(−x_j) along ``dim``."""

    def forward(self, input: Tensor) -> Tensor:
        return F.softmin(input, self.dim)


class Softmax2d(Module):
    """softmax over the channels at each location. Shapes: (N, C, H, W) or (C, H, W)."""

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim not in (3, 4):
            raise ShapeError(f"Softmax2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, "
                             f"got shape {list(input.shape)}")
        return F.softmax(input, -3)
