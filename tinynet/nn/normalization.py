"""BatchNorm1d/2d/3d (with running statistics), InstanceNorm1d/2d/3d, LayerNorm, GroupNorm,
RMSNorm, LocalResponseNorm and CrossMapLRN2d.

Layers with parameters take PyTorch's ``device=`` (the CPU only: see ``tinynet.nn.factory``) and
``dtype=`` (the dtype of the parameters and running statistics)."""

from __future__ import annotations

import numpy as np

from tinynet import creation, ops
from tinynet.nn import functional as F
from tinynet.nn import init
from tinynet.nn.factory import check_device
from tinynet.nn.module import Module
from tinynet.nn.parameter import Parameter
from tinynet.tensor import Tensor
from tinynet.errors import ShapeError


def _register_affine(module: Module, affine: bool, bias: bool, shape: tuple, dtype) -> None:
    """The learnable scale γ = 1 (``weight``) and, if ``bias``, shift β = 0 (``bias``), or None."""
    weight = Parameter(creation.ones(*shape, dtype=dtype)) if affine else None
    shift = Parameter(creation.zeros(*shape, dtype=dtype)) if affine and bias else None
    module.register_parameter("weight", weight)
    module.register_parameter("bias", shift)


class _BatchNorm(Module):
    """Batch normalization (Ioffe & Szegedy 2015): y = (x − μ) / √(σ² + eps) · γ + β per channel.

    In training, μ and σ² are the batch's (over every dim but the channel dim 1), and the buffers
    ``running_mean``/``running_var`` track them: running ← (1 − momentum) · running + momentum ·
    batch, or, with ``momentum=None``, the cumulative average of all batches so far
    (momentum = 1 / num_batches_tracked). In eval mode the running statistics are used, so one
    sample's output does not depend on the others'. ``track_running_stats=False`` keeps no
    buffers and always uses batch statistics. γ (weight) starts at 1, β (bias) at 0; ``affine=False``
    drops both, ``bias=False`` only β (keyword-only, as in PyTorch 2.x).
    """

    _expected_dims: tuple = ()
    _shape_text = ""

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device=None,
        dtype=None,
        *,
        bias: bool = True,
    ):
        super().__init__()
        check_device(device, type(self).__name__)
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        _register_affine(self, affine, bias, (num_features,), dtype)
        if track_running_stats:
            self.register_buffer("running_mean", creation.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", creation.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", Tensor._make(np.array(0, dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            self.num_batches_tracked._data[...] = 0
            self.num_batches_tracked._version += 1

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim not in self._expected_dims:
            raise ShapeError(
                f"{type(self).__name__}: expected {self._shape_text} input, got "
                f"shape {list(input.shape)}"
            )
        if input.shape[1] != self.num_features:
            raise ShapeError(
                f"{type(self).__name__}: expected {self.num_features} channels "
                f"(dim 1), got input of shape {list(input.shape)}"
            )
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked._data += 1
            self.num_batches_tracked._version += 1
            if self.momentum is None:
                momentum = 1.0 / int(self.num_batches_tracked._data)
        use_batch_stats = self.training or self.running_mean is None
        passes_stats = not self.training or self.track_running_stats  # else none to update
        return F.batch_norm(
            input,
            self.running_mean if passes_stats else None,
            self.running_var if passes_stats else None,
            self.weight,
            self.bias,
            use_batch_stats,
            momentum,
            self.eps,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalization over (N, C) or (N, C, L) inputs; see ``_BatchNorm``."""

    _expected_dims = (2, 3)
    _shape_text = "2-D (N, C) or 3-D (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalization over (N, C, H, W) inputs; see ``_BatchNorm``."""

    _expected_dims = (4,)
    _shape_text = "4-D (N, C, H, W)"


class BatchNorm3d(_BatchNorm):
    """Batch normalization over (N, C, D, H, W) inputs; see ``_BatchNorm``."""

    _expected_dims = (5,)
    _shape_text = "5-D (N, C, D, H, W)"


class _InstanceNorm(_BatchNorm):
    """Instance normalization (Ulyanov et al. 2016): y = (x − μ) / √(σ² + eps) · γ + β with μ, σ²
    per sample and channel over the spatial dims, in training and eval alike unless
    ``track_running_stats`` (then eval uses running statistics that training updates, as in
    ``_BatchNorm``, from the batch's average of the per-instance statistics). Unlike batch norm,
    ``affine`` and ``track_running_stats`` default to False. An unbatched input (C, *) is taken as
    a batch of one."""

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        device=None,
        dtype=None,
        *,
        bias: bool = True,
    ):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype,
                         bias=bias)

    def forward(self, input: Tensor) -> Tensor:
        batched_dims = self._expected_dims[-1]
        if input.ndim not in self._expected_dims:
            raise ShapeError(
                f"{type(self).__name__}: expected {self._shape_text} input, got "
                f"shape {list(input.shape)}"
            )
        unbatched = input.ndim < batched_dims
        if unbatched:
            input = input.unsqueeze(0)
        if input.shape[1] != self.num_features and self.affine:
            raise ShapeError(
                f"{type(self).__name__}: expected input's size at dim=1 to match num_features "
                f"({self.num_features}), but got: {input.shape[1]}."
            )
        output = F.instance_norm(
            input, self.running_mean, self.running_var, self.weight, self.bias,
            self.training or not self.track_running_stats,
            0.0 if self.momentum is None else self.momentum, self.eps,
        )
        return output.squeeze(0) if unbatched else output


class InstanceNorm1d(_InstanceNorm):
    """Instance normalization over (N, C, L) or (C, L) inputs; see ``_InstanceNorm``."""

    _expected_dims = (2, 3)
    _shape_text = "3-D (N, C, L) or 2-D (C, L)"


class InstanceNorm2d(_InstanceNorm):
    """Instance normalization over (N, C, H, W) or (C, H, W) inputs; see ``_InstanceNorm``."""

    _expected_dims = (3, 4)
    _shape_text = "4-D (N, C, H, W) or 3-D (C, H, W)"


class InstanceNorm3d(_InstanceNorm):
    """Instance normalization over (N, C, D, H, W) or (C, D, H, W) inputs; see
    ``_InstanceNorm``."""

    _expected_dims = (4, 5)
    _shape_text = "5-D (N, C, D, H, W) or 4-D (C, D, H, W)"


class LayerNorm(Module):
    """y = (x − μ) / √(σ² + eps) · γ + β with μ, σ² over the last dims (``normalized_shape``) of
    each sample, the same in training and eval (Ba et al. 2016). γ starts at 1, β at 0, both of
    shape ``normalized_shape``.   Shape: (*, *normalized_shape), unchanged."""

    def __init__(
        self,
        normalized_shape,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device=None,
        dtype=None,
    ):
        super().__init__()
        check_device(device, "LayerNorm")
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _register_affine(self, elementwise_affine, bias, self.normalized_shape, dtype)

    def forward(self, input: Tensor) -> Tensor:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        )


class GroupNorm(Module):
    """y = (x − μ) / √(σ² + eps) · γ + β with μ, σ² per sample over each of ``num_groups`` groups
    of channels (and the spatial dims) (Wu & He 2018): independent of the batch size. γ, β per
    channel, starting at 1 and 0.   Shape: (N, C, *), unchanged."""

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        device=None,
        dtype=None,
        *,
        bias: bool = True,
    ):
        super().__init__()
        check_device(device, "GroupNorm")
        if num_channels % num_groups:
            raise ShapeError(
                f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})"
            )
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        _register_affine(self, affine, bias, (num_channels,), dtype)

    def forward(self, input: Tensor) -> Tensor:
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )


class RMSNorm(Module):
    """y = x / √(mean(x²) + eps) · γ, the mean over the last dims (``normalized_shape``) of each
    sample (Zhang & Sennrich 2019). eps=None: the machine epsilon of the input's dtype. γ starts
    at 1 (``elementwise_affine=False``: no γ).   Shape: (*, *normalized_shape), unchanged."""

    def __init__(self, normalized_shape, eps: float | None = None, elementwise_affine: bool = True,
                 device=None, dtype=None):
        super().__init__()
        check_device(device, "RMSNorm")
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        weight = (Parameter(creation.ones(*self.normalized_shape, dtype=dtype))
                  if elementwise_affine else None)
        self.register_parameter("weight", weight)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, x: Tensor) -> Tensor:
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class LocalResponseNorm(Module):
    """y_c = x_c / (k + α/n · Σ x_{c'}²)^β over a window of n = ``size`` neighbouring channels
    (see ``F.local_response_norm``).   Shape: (N, C, *), unchanged."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


def _cross_map_window(channels: int, size: int) -> np.ndarray:
    """The (C, C) 0/1 matrix W with scale_c = Σ_c' W[c, c'] x_c'² in PyTorch's CrossMapLRN2d: its
    running-window recurrence (first window the channels below ⌊(n − 1)/2⌋ + 1; each next one adds
    the channel entering at the top and drops the one leaving at the bottom only from c > that
    offset on), reproduced so that the outputs agree."""
    pre_pad = int((size - 1) / 2 + 1)
    window = np.zeros((channels, channels))
    window[0, : min(pre_pad, channels)] = 1
    for c in range(1, channels):
        window[c] = window[c - 1]
        if c < channels - pre_pad + 1:
            window[c, c + pre_pad - 1] += 1
        if c > pre_pad:
            window[c, c - pre_pad] -= 1
    return window


class CrossMapLRN2d(Module):
    """Local response normalization across channels of a 4-D input, PyTorch's legacy layer:
    y_c = x_c · (k + α/n · Σ_{c' in window(c)} x_{c'}²)^(−β), the windows as PyTorch computes them
    (``_cross_map_window``).   Shape: (N, C, H, W), unchanged."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1):
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim != 4:
            raise ShapeError(
                f"CrossMapLRN2d: expected a 4-D input (N, C, H, W), got {list(input.shape)}")
        window = Tensor._make(_cross_map_window(input.shape[1], self.size).T.astype(input.dtype))
        squares = (input * input).permute(0, 2, 3, 1)  # channels last for the product
        scale = ops.matmul(squares, window).permute(0, 3, 1, 2) * (self.alpha / self.size) + self.k
        return input * ops.pow(scale, -self.beta)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
