"""Cases of convolution, pooling and resampling, through the public API (F.conv2d, nn.Conv2d, ...),
so that they do not depend on how tinynet.ops.conv and tinynet.ops.pool are organized inside.

Each draw is a small valid configuration (sides up to 5, at most 4 channels) with the PyTorch
arguments as params; a drawn geometry that PyTorch would refuse is drawn again.
"""

from __future__ import annotations

import numpy as np

import tinynet as tn
import tinynet.nn.functional as F
from tinynet import nn
from tinynet.gradcheck_cases import draw as d
from tinynet.gradcheck_cases.case import Case
from tinynet.gradcheck_cases.nn import layer


def window_count(size, kernel, stride, padding, dilation, ceil_mode=False) -> int:
    """How many windows fit along one axis (PyTorch's output size rule; with ``ceil_mode`` a last
    window must start inside the input or its left padding)."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    if span < 0:
        return 0
    count = (-(-span // stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (count - 1) * stride >= size + padding:
        count -= 1
    return count


def pooling_fits(size, kernel, stride, padding, dilation, ceil_mode) -> bool:
    """Whether PyTorch pools this axis: at least one window, and none entirely in the padding."""
    starts = [t * stride - padding
              for t in range(window_count(size, kernel, stride, padding, dilation, ceil_mode))]
    return bool(starts) and all(any(0 <= start + j * dilation < size for j in range(kernel))
                                for start in starts)


def window_axis(rng, pooling=False, dilation=True, max_stride=2) -> tuple:
    """(size, kernel, stride, padding, dilation) along one axis; size at most 5 where it can be."""
    kernel = d.integer(rng, 1, 3)
    step = d.integer(rng, 1, max_stride)
    spacing = d.integer(rng, 1, 2) if dilation else 1
    padding = d.integer(rng, 0, kernel // 2 if pooling else 1)
    smallest = max(1, spacing * (kernel - 1) + 1 - 2 * padding)
    return d.integer(rng, smallest, max(smallest, 5)), kernel, step, padding, spacing


def _axes(rng, dims, **options) -> tuple:
    """window_axis for each of ``dims`` axes, as (sizes, kernels, strides, paddings, dilations)."""
    return tuple(tuple(values) for values in zip(*(window_axis(rng, **options)
                                                   for _ in range(dims))))


def conv_inputs(rng, dims=2) -> tuple:
    """(x, weight[, bias]) and {stride, padding, dilation, groups} for F.conv1d / F.conv2d;
    padding an int per axis, "valid", or "same" (stride 1)."""
    sizes, kernel, stride, padding, dilation = _axes(rng, dims)
    groups = d.choice(rng, [1, 1, 2])
    in_channels = groups * d.integer(rng, 1, 2)
    out_channels = groups * d.integer(rng, 1, 2 if groups == 1 else 1)
    padding_kind = d.choice(rng, ["ints", "ints", "valid", "same"])
    if padding_kind == "valid":
        padding = "valid"
        sizes = tuple(max(s, dl * (k - 1) + 1) for s, k, dl in zip(sizes, kernel, dilation))
    elif padding_kind == "same":
        padding, stride = "same", (1,) * dims
    x = d.array(rng, (d.integer(rng, 1, 2), in_channels) + sizes)
    weight = d.array(rng, (out_channels, in_channels // groups) + kernel)
    bias = (d.array(rng, (out_channels,)),) if rng.random() < 0.5 else ()
    if dims == 1:
        stride, dilation = stride[0], dilation[0]
        padding = padding if isinstance(padding, str) else padding[0]
    return (x, weight) + bias, {"stride": stride, "padding": padding, "dilation": dilation,
                                "groups": groups}


def conv_transpose_inputs(rng, dims=2) -> tuple:
    """(x, weight[, bias]) and {stride, padding, output_padding, dilation, groups} for
    F.conv_transpose1d / F.conv_transpose2d."""
    while True:
        kernel, stride, dilation, padding, sizes = (
            tuple(d.integer(rng, 1, high) for _ in range(dims)) for high in (3, 2, 2, 2, 3))
        padding = tuple(p - 1 for p in padding)
        extra = tuple(d.integer(rng, 0, max(s, dl) - 1) for s, dl in zip(stride, dilation))
        out = [(i - 1) * s - 2 * p + dl * (k - 1) + e + 1
               for i, k, s, p, e, dl in zip(sizes, kernel, stride, padding, extra, dilation)]
        if min(out) >= 1:
            break
    groups = d.choice(rng, [1, 1, 2])
    in_channels, out_per_group = groups * d.integer(rng, 1, 2), d.integer(rng, 1, 2)
    x = d.array(rng, (d.integer(rng, 1, 2), in_channels) + sizes)
    weight = d.array(rng, (in_channels, out_per_group) + kernel)
    bias = (d.array(rng, (out_per_group * groups,)),) if rng.random() < 0.5 else ()
    params = {"stride": stride, "padding": padding, "output_padding": extra,
              "dilation": dilation, "groups": groups}
    if dims == 1:
        params = {key: value if key == "groups" else value[0] for key, value in params.items()}
    return (x, weight) + bias, params


def unfold_inputs(rng) -> tuple:
    """(x,) and {kernel_size, dilation, padding, stride} for F.unfold."""
    while True:
        sizes, kernel, stride, padding, dilation = _axes(rng, 2)
        if all(window_count(*axis) >= 1 for axis in zip(sizes, kernel, stride, padding,
                                                          dilation)):
            break
    x = d.array(rng, (d.integer(rng, 1, 2), d.integer(rng, 1, 2)) + sizes)
    return (x,), {"kernel_size": kernel, "dilation": dilation, "padding": padding,
                  "stride": stride}


def fold_inputs(rng) -> tuple:
    """(columns,) and {output_size, kernel_size, dilation, padding, stride} for F.fold."""
    (x,), params = unfold_inputs(rng)
    windows = np.prod([window_count(*axis) for axis in zip(
        x.shape[2:], params["kernel_size"], params["stride"], params["padding"],
        params["dilation"])])
    rows = x.shape[1] * int(np.prod(params["kernel_size"]))
    columns = d.array(rng, (x.shape[0], rows, int(windows)))
    return (columns,), {"output_size": x.shape[2:], **params}


def pool_inputs(rng, dims=2, kind="max") -> tuple:
    """(x,) with distinct elements (no ties for max) and the arguments of F.max_pool*d /
    F.avg_pool*d; a geometry that PyTorch's pooling rules accept."""
    while True:
        sizes, kernel, stride, padding, dilation = _axes(
            rng, dims, pooling=True, dilation=kind == "max", max_stride=3)
        ceil_mode = bool(rng.integers(2))
        if all(pooling_fits(*axis, ceil_mode)
               for axis in zip(sizes, kernel, stride, padding, dilation)):
            break
    x = d.distinct(rng, (d.integer(rng, 1, 2), d.integer(rng, 1, 2)) + sizes)
    params = {"kernel_size": kernel, "stride": stride, "padding": padding, "ceil_mode": ceil_mode}
    if kind == "max":
        params.update(dilation=dilation, return_indices=bool(rng.integers(2)))
    else:
        params["count_include_pad"] = bool(rng.integers(2))
        if dims == 2 and rng.random() < 0.5:
            params["divisor_override"] = d.choice(rng, [1, 3, -2])
    if dims == 1:
        params = {key: value[0] if isinstance(value, tuple) else value
                  for key, value in params.items()}
    return (x,), params


def pooling_indices(values: np.ndarray) -> np.ndarray:
    """The indices F.max_pool2d(values, 2, return_indices=True) gives, for (n, c, 2h, 2w) values
    without ties: flat positions in each plane, unique, of shape (n, c, h, w)."""
    n, c, height, width = values.shape
    blocks = values.reshape(n, c, height // 2, 2, width // 2, 2).transpose(0, 1, 2, 4, 3, 5)
    choice = blocks.reshape(n, c, height // 2, width // 2, 4).argmax(axis=-1)
    rows = 2 * np.arange(height // 2)[:, None] + choice // 2
    columns = 2 * np.arange(width // 2)[None, :] + choice % 2
    return (rows * width + columns).astype(np.int64)


def max_unpool_inputs(rng) -> tuple:
    """(x,) and {indices, kernel_size, output_size} for F.max_unpool2d with kernel 2; the indices
    come from a 2x2 max pooling, so none repeats."""
    n, c, h, w = (d.integer(rng, 1, 2) for _ in range(4))
    pooled = d.distinct(rng, (n, c, 2 * h, 2 * w))
    odd = bool(rng.integers(2))  # one more row than the default keeps the plane's width
    return (d.array(rng, (n, c, h, w)),), {"indices": pooling_indices(pooled), "kernel_size": 2,
                                           "output_size": (2 * h + odd, 2 * w) if odd else None}


def adaptive_inputs(rng) -> tuple:
    """(x,) and {output_size}: sizes that divide the input's, and sizes that do not."""
    sizes = tuple(d.integer(rng, 1, 5) for _ in range(2))
    output_size = tuple(d.integer(rng, 1, s) if rng.random() < 0.5 else None for s in sizes)
    x = d.array(rng, (d.integer(rng, 1, 2), d.integer(rng, 1, 2)) + sizes)
    return (x,), {"output_size": output_size}


def interpolate_inputs(rng) -> tuple:
    """(x,) and {size} or {scale_factor} for F.interpolate(mode="nearest"), 1 to 3 spatial dims."""
    dims = d.integer(rng, 1, 3)
    if rng.random() < 0.5:
        sizes = tuple(d.integer(rng, 1, 4 if dims < 3 else 2) for _ in range(dims))
        params = {"size": tuple(d.integer(rng, 1, 5) for _ in range(dims))}
    else:
        factor = d.choice(rng, [0.5, 1.5, 2.0, 2.5, 3.0])
        low = 2 if factor == 0.5 else 1
        sizes = tuple(d.integer(rng, low, max(low, 4 if dims < 3 else 2)) for _ in range(dims))
        params = {"scale_factor": factor}
    return (d.array(rng, (d.integer(rng, 1, 2), d.integer(rng, 1, 2)) + sizes),), params


def max_unpool2d(x, indices, **params):
    return F.max_unpool2d(x, tn.tensor(indices), **params)


CONV_CASES = [
    Case("conv2d", F.conv2d, lambda rng: conv_inputs(rng, dims=2)),
    Case("conv1d", F.conv1d, lambda rng: conv_inputs(rng, dims=1)),
    Case("conv_transpose2d", F.conv_transpose2d, lambda rng: conv_transpose_inputs(rng, dims=2)),
    Case("conv_transpose1d", F.conv_transpose1d, lambda rng: conv_transpose_inputs(rng, dims=1)),
    Case("unfold", F.unfold, unfold_inputs),
    Case("fold", F.fold, fold_inputs),
    Case("max_pool2d", F.max_pool2d, lambda rng: pool_inputs(rng, dims=2, kind="max")),
    Case("max_pool1d", F.max_pool1d, lambda rng: pool_inputs(rng, dims=1, kind="max")),
    Case("avg_pool2d", F.avg_pool2d, lambda rng: pool_inputs(rng, dims=2, kind="avg")),
    Case("avg_pool1d", F.avg_pool1d, lambda rng: pool_inputs(rng, dims=1, kind="avg")),
    Case("max_unpool2d", max_unpool2d, max_unpool_inputs),
    Case("adaptive_avg_pool2d", F.adaptive_avg_pool2d, adaptive_inputs),
    Case("interpolate_nearest", F.interpolate, interpolate_inputs),
    layer("Conv1d", lambda: nn.Conv1d(2, 3, 3, stride=2, padding=1), (2, 2, 7)),
    layer("Conv2d", lambda: nn.Conv2d(2, 2, 3, stride=1, padding=1), (1, 2, 4, 4)),
    layer("Conv2d_stride_dilation", lambda: nn.Conv2d(1, 2, 2, stride=2, dilation=2),
          (1, 1, 6, 6)),
    layer("Conv2d_groups", lambda: nn.Conv2d(4, 2, 2, groups=2), (1, 4, 3, 3)),
    layer("ConvTranspose1d", lambda: nn.ConvTranspose1d(2, 2, 3, stride=2), (1, 2, 4)),
    layer("ConvTranspose2d", lambda: nn.ConvTranspose2d(2, 1, 3, stride=2, padding=1),
          (1, 2, 3, 3)),
    layer("MaxPool1d", lambda: nn.MaxPool1d(2), (2, 2, 6), distinct=True),
    layer("MaxPool2d", lambda: nn.MaxPool2d(2, stride=1), (1, 2, 4, 4), distinct=True),
    layer("AvgPool1d", lambda: nn.AvgPool1d(3, stride=2, padding=1), (2, 2, 6)),
    layer("AvgPool2d", lambda: nn.AvgPool2d(2), (1, 2, 4, 4)),
    layer("AdaptiveAvgPool2d", lambda: nn.AdaptiveAvgPool2d((2, 3)), (1, 2, 5, 6)),
]
