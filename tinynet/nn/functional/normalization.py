"""Normalization: subtract a mean, divide by a standard deviation, then scale and shift.

They differ only in which elements share the statistics: batch_norm per channel over the batch and
the spatial dims, layer_norm per sample over the last dims, group_norm per sample and group of
channels. The variance used for normalizing is the biased one (divide by n), as in PyTorch.
"""

from __future__ import annotations

import numpy as np

from tinynet import dtypes, ops
from tinynet.ops.attention import layer_norm as fused_layer_norm
from tinynet.ops.normalization import BatchNorm
from tinynet.tensor import Tensor
from tinynet.errors import ShapeError


def _normalize(input: Tensor, dims: tuple, eps: float) -> Tensor:
    """(x − mean) / √(var + eps) over ``dims`` (biased variance)."""
    centered = input - ops.mean(input, dims, keepdim=True)
    variance = ops.mean(centered * centered, dims, keepdim=True)
    return centered / ops.sqrt(variance + eps)


def _channel_shape(input: Tensor) -> tuple:
    """(1, C, 1, ...) to broadcast a per-channel vector against (N, C, ...)."""
    return (1, input.shape[1]) + (1,) * (input.ndim - 2)


def _check_vector(tensor, size, name, role, input) -> None:
    if tensor is not None and tensor.shape != (size,):
        raise ShapeError(
            f"{name}: {role} must have shape [{size}] for input of shape "
            f"{list(input.shape)}, got {list(tensor.shape)}"
        )


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """y = (x − μ) / √(σ² + eps) · γ + β per channel.   Shapes: input (N, C, *), running stats,
    weight γ and bias β (C,).

    Training: μ, σ² are the batch's statistics over every dim but 1, and the running statistics
    (if given) move towards them, in place: running ← (1 − momentum) · running + momentum · batch,
    with the unbiased batch variance for ``running_var``. Evaluation: μ, σ² are the running ones.
    One fused op (``tinynet.ops.normalization.BatchNorm``); input, weight and bias are first
    brought to one dtype (the widest).
    """
    if input.ndim < 2:
        raise ShapeError(f"batch_norm: expected input of shape (N, C, *), got {list(input.shape)}")
    channels = input.shape[1]
    for tensor, role in (
        (running_mean, "running_mean"),
        (running_var, "running_var"),
        (weight, "weight"),
        (bias, "bias"),
    ):
        _check_vector(tensor, channels, "batch_norm", role, input)
    if input.dtype.kind != "f":
        raise TypeError(f"batch_norm: input dtype must be floating point, got {input.dtype}")
    if training and input.numel() // channels <= 1:
        raise ShapeError(
            f"batch_norm: expected more than 1 value per channel when "
            f"training, got input of shape {list(input.shape)}"
        )
    if not training and (running_mean is None or running_var is None):
        raise ValueError("batch_norm: running_mean and running_var are needed when not training")
    dtype = input.dtype
    for tensor in (weight, bias):
        if tensor is not None:
            dtype = dtypes.promote_types(dtype, tensor.dtype)
    input, weight, bias = (t if t is None or t.dtype == dtype else t.to(dtype)
                           for t in (input, weight, bias))
    output = BatchNorm.apply(
        input, weight, bias, training=training, momentum=momentum, eps=eps,
        running_mean=None if running_mean is None else running_mean._data,
        running_var=None if running_var is None else running_var._data,
    )
    if training:  # BatchNorm updated the running statistics in place
        for running in (running_mean, running_var):
            if running is not None:
                running._version += 1
    return output


def layer_norm(
    input: Tensor,
    normalized_shape,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """y = (x − μ) / √(σ² + eps) · γ + β, μ and σ² over the last len(normalized_shape) dims of
    each sample.   Shapes: input (*, *normalized_shape), weight and bias normalized_shape.
    One fused op (``tinynet.ops.attention.LayerNorm``)."""
    normalized_shape = (
        (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    )
    count = len(normalized_shape)
    if count == 0 or input.shape[input.ndim - count :] != normalized_shape:
        raise ShapeError(
            f"layer_norm: input of shape {list(input.shape)} does not end with the "
            f"normalized_shape {list(normalized_shape)}"
        )
    for tensor, role in ((weight, "weight"), (bias, "bias")):
        if tensor is not None and tensor.shape != normalized_shape:
            raise ShapeError(
                f"layer_norm: {role} must have shape {list(normalized_shape)}, got "
                f"{list(tensor.shape)}"
            )
    if input.dtype.kind != "f":
        raise TypeError(f"layer_norm: input dtype must be floating point, got {input.dtype}")
    return fused_layer_norm(input, weight, bias, count, eps)


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """y = (x − μ) / √(σ² + eps) · γ + β, μ and σ² per sample over each group of
    C / num_groups channels and their spatial dims; γ, β per channel.
    Shapes: input (N, C, *), weight and bias (C,)."""
    if input.ndim < 2 or input.shape[1] % num_groups:
        raise ShapeError(
            f"group_norm: expected input (N, C, *) with C divisible by num_groups "
            f"= {num_groups}, got shape {list(input.shape)}"
        )
    channels = input.shape[1]
    for tensor, role in ((weight, "weight"), (bias, "bias")):
        _check_vector(tensor, channels, "group_norm", role, input)
    grouped = input.reshape(input.shape[0], num_groups, -1)
    output = _normalize(grouped, (2,), eps).reshape(input.shape)
    shape = _channel_shape(input)
    if weight is not None:
        output = output * weight.reshape(shape)
    if bias is not None:
        output = output + bias.reshape(shape)
    return output


def instance_norm(
    input: Tensor,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """y = (x − μ) / √(σ² + eps) · γ + β with μ, σ² per sample and channel over the spatial dims
    (Ulyanov et al. 2016), or, without ``use_input_stats``, the running statistics.
    Shapes: input (N, C, *), running stats, weight γ and bias β (C,).

    With ``use_input_stats`` and running statistics given, these move towards the batch's
    average of the per-instance statistics, in place (the unbiased variance for ``running_var``):
    running ← (1 − momentum) · running + momentum · batch."""
    if input.ndim < 3:
        raise ShapeError(
            f"instance_norm: expected input (N, C, *) with a spatial dim, got {list(input.shape)}"
        )
    channels = input.shape[1]
    for tensor, role in ((running_mean, "running_mean"), (running_var, "running_var"),
                         (weight, "weight"), (bias, "bias")):
        _check_vector(tensor, channels, "instance_norm", role, input)
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise ShapeError("instance_norm: running_mean and running_var are needed when "
                             "use_input_stats is False")
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    spatial = tuple(range(2, input.ndim))
    count = input.numel() // max(input.shape[0] * channels, 1)
    if count <= 1:
        raise ShapeError(
            f"instance_norm: expected more than 1 spatial element when using input statistics, "
            f"got input of shape {list(input.shape)}"
        )
    for running, statistic in ((running_mean, lambda a: a.mean(axis=spatial)),
                               (running_var, lambda a: a.var(axis=spatial, ddof=1))):
        if running is not None:
            batch = statistic(input._data).mean(axis=0).astype(running.dtype)
            running._data *= 1.0 - momentum
            running._data += momentum * batch
            running._version += 1
    output = _normalize(input, spatial, eps)
    shape = _channel_shape(input)
    if weight is not None:
        output = output * weight.reshape(shape)
    if bias is not None:
        output = output + bias.reshape(shape)
    return output


def rms_norm(
    input: Tensor, normalized_shape, weight: Tensor | None = None, eps: float | None = None
) -> Tensor:
    """y = x / √(mean(x²) + eps) · γ, the mean over the last len(normalized_shape) dims
    (Zhang & Sennrich 2019: layer_norm without centering). eps=None means the machine epsilon of
    the input's dtype, as in PyTorch.   Shapes: input (*, *normalized_shape), weight
    normalized_shape."""
    normalized_shape = (
        (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    )
    count = len(normalized_shape)
    if count == 0 or input.shape[input.ndim - count :] != normalized_shape:
        raise ShapeError(
            f"rms_norm: input of shape {list(input.shape)} does not end with the "
            f"normalized_shape {list(normalized_shape)}"
        )
    if weight is not None and weight.shape != normalized_shape:
        raise ShapeError(
            f"rms_norm: weight must have shape {list(normalized_shape)}, got {list(weight.shape)}"
        )
    if eps is None:
        eps = float(np.finfo(input.dtype).eps)
    dims = tuple(range(input.ndim - count, input.ndim))
    output = input / ops.sqrt(ops.mean(input * input, dims, keepdim=True) + eps)
    return output if weight is None else output * weight


def local_response_norm(
    input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0
) -> Tensor:
    """y_c = x_c / (k + α/n · Σ_{c'} x_{c'}²)^β, the sum over the n = ``size`` channels
    c − ⌊n/2⌋ … c + ⌊(n − 1)/2⌋ (zero beyond the edges), as in AlexNet (Krizhevsky et al. 2012).
    Shapes: input (N, C, *) with at least one spatial dim, unchanged."""
    if input.ndim < 3:
        raise ShapeError(
            f"local_response_norm: expected 3D or higher dimensionality input, got "
            f"{list(input.shape)}"
        )
    if size < 1:
        raise ShapeError(f"local_response_norm: size must be at least 1, got {size}")
    if input.numel() == 0:
        return input
    channels = input.shape[1]
    flat = input.reshape(input.shape[0], channels, -1)
    squares = ops.pad(flat * flat, (0, 0, size // 2, (size - 1) // 2))
    window = squares[:, 0:channels]
    for offset in range(1, size):
        window = window + squares[:, offset : offset + channels]
    scale = ops.pow(window * (alpha / size) + k, beta)
    return input / scale.reshape(input.shape)
