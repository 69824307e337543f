"""BatchNorm1d/2d (with running statistics), LayerNorm, GroupNorm."""

from __future__ import annotations

import numpy as np

from tinynet import creation
from tinynet.nn import functional as F
from tinynet.nn import init
from tinynet.nn.module import Module
from tinynet.nn.parameter import Parameter
from tinynet.tensor import Tensor


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
        dtype=None,
        *,
        bias: bool = True,
    ):
        super().__init__()
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
            raise ValueError(
                f"{type(self).__name__}: expected {self._shape_text} input, got "
                f"shape {list(input.shape)}"
            )
        if input.shape[1] != self.num_features:
            raise ValueError(
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
        dtype=None,
    ):
        super().__init__()
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
        dtype=None,
        *,
        bias: bool = True,
    ):
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(
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
