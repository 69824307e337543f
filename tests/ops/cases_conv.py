"""OpCases for the convolution and pooling Functions (tinynet/ops/conv.py, pool.py), in the format
of tests/ops/cases_core.py: test_gradients.py runs gradcheck and gradgradcheck on each, and the
completeness test sees Conv2dWeight, ConvTranspose2d, PlaneScatterAdd, AvgPool2dAdjoint, Fold...
through the recorded backward passes.

Each strategy draws a small valid configuration (sides up to 5, at most 4 channels) with the
PyTorch arguments as params; tests/ops/test_conv.py and test_pool.py reuse them.
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

import tinynet.nn.functional as F
from tests.ops.cases_core import OpCase
from tests.strategies import arrays, distinct_arrays
from tinynet.kernels import ConvGeometry


@st.composite
def window_axis(draw, pooling=False, dilation=True, max_stride=2):
    """(size, kernel, stride, padding, dilation) along one axis; size at most 5 where it can be."""
    kernel = draw(st.integers(1, 3))
    step = draw(st.integers(1, max_stride))
    spacing = draw(st.integers(1, 2)) if dilation else 1
    padding = draw(st.integers(0, kernel // 2 if pooling else 1))
    smallest = max(1, spacing * (kernel - 1) + 1 - 2 * padding)
    size = draw(st.integers(smallest, max(smallest, 5)))
    return size, kernel, step, padding, spacing


def _unpack(axes):
    return (tuple(values) for values in zip(*axes))


@st.composite
def conv_inputs(draw, dims=2):
    """(x, weight[, bias]) and {stride, padding, dilation, groups} for F.conv1d / F.conv2d;
    padding an int per axis, "valid", or "same" (stride 1)."""
    sizes, kernel, stride, padding, dilation = _unpack(draw(window_axis()) for _ in range(dims))
    groups = draw(st.sampled_from([1, 1, 2]))
    in_channels = groups * draw(st.integers(1, 2))
    out_channels = groups * draw(st.integers(1, 2 if groups == 1 else 1))
    padding_kind = draw(st.sampled_from(["ints", "ints", "valid", "same"]))
    if padding_kind == "valid":
        padding = "valid"
        sizes = tuple(max(s, d * (k - 1) + 1) for s, k, d in zip(sizes, kernel, dilation))
    elif padding_kind == "same":
        padding, stride = "same", (1,) * dims
    n = draw(st.integers(1, 2))
    x = draw(arrays((n, in_channels) + sizes))
    weight = draw(arrays((out_channels, in_channels // groups) + kernel))
    bias = (draw(arrays((out_channels,))),) if draw(st.booleans()) else ()
    if dims == 1:
        stride, dilation = stride[0], dilation[0]
        padding = padding if isinstance(padding, str) else padding[0]
    return (x, weight) + bias, {"stride": stride, "padding": padding, "dilation": dilation,
                                "groups": groups}


@st.composite
def conv_transpose_inputs(draw, dims=2):
    """(x, weight[, bias]) and {stride, padding, output_padding, dilation, groups} for
    F.conv_transpose1d / F.conv_transpose2d."""
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    stride = tuple(draw(st.integers(1, 2)) for _ in range(dims))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(dims))
    padding = tuple(draw(st.integers(0, 1)) for _ in range(dims))
    extra = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    sizes = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    out = [(i - 1) * s - 2 * p + d * (k - 1) + e + 1
           for i, k, s, p, e, d in zip(sizes, kernel, stride, padding, extra, dilation)]
    assume(min(out) >= 1)
    groups = draw(st.sampled_from([1, 1, 2]))
    in_channels = groups * draw(st.integers(1, 2))
    out_per_group = draw(st.integers(1, 2))
    x = draw(arrays((draw(st.integers(1, 2)), in_channels) + sizes))
    weight = draw(arrays((in_channels, out_per_group) + kernel))
    bias = (draw(arrays((out_per_group * groups,))),) if draw(st.booleans()) else ()
    params = {"stride": stride, "padding": padding, "output_padding": extra,
              "dilation": dilation, "groups": groups}
    if dims == 1:
        params = {key: value if key == "groups" else value[0] for key, value in params.items()}
    return (x, weight) + bias, params


def _conv_geometry(sizes, kernel, stride, padding, dilation, **pool_options):
    """The ConvGeometry of these arguments (1-D ones as height 1), or reject the draw."""
    if len(sizes) == 1:
        sizes, kernel, stride = (1,) + sizes, (1,) + kernel, (1,) + stride
        padding, dilation = (0,) + padding, (1,) + dilation
    try:
        return ConvGeometry.from_shape(sizes, kernel, stride, padding, dilation, **pool_options)
    except ValueError:
        assume(False)


@st.composite
def unfold_inputs(draw):
    """(x,) and {kernel_size, dilation, padding, stride} for F.unfold."""
    sizes, kernel, stride, padding, dilation = _unpack(draw(window_axis()) for _ in range(2))
    _conv_geometry(sizes, kernel, stride, padding, dilation)
    x = draw(arrays((draw(st.integers(1, 2)), draw(st.integers(1, 2))) + sizes))
    return (x,), {"kernel_size": kernel, "dilation": dilation, "padding": padding,
                  "stride": stride}


@st.composite
def fold_inputs(draw):
    """(columns,) and {output_size, kernel_size, dilation, padding, stride} for F.fold."""
    (x,), params = draw(unfold_inputs())
    g = _conv_geometry(x.shape[2:], params["kernel_size"], params["stride"], params["padding"],
                       params["dilation"])
    rows = x.shape[1] * g.kh * g.kw
    columns = draw(arrays((x.shape[0], rows, g.out_h * g.out_w)))
    return (columns,), {"output_size": x.shape[2:], **params}


@st.composite
def pool_inputs(draw, dims=2, kind="max"):
    """(x,) with distinct elements (no ties for max) and the pooling arguments of F.max_pool*d /
    F.avg_pool*d; a drawn geometry that PyTorch's pooling rules accept."""
    axes = [draw(window_axis(pooling=True, dilation=kind == "max", max_stride=3))
            for _ in range(dims)]
    sizes, kernel, stride, padding, dilation = _unpack(axes)
    ceil_mode = draw(st.booleans())
    _conv_geometry(sizes, kernel, stride, padding, dilation, ceil_mode=ceil_mode, pooling=True)
    x = draw(distinct_arrays((draw(st.integers(1, 2)), draw(st.integers(1, 2))) + sizes))
    params = {"kernel_size": kernel, "stride": stride, "padding": padding, "ceil_mode": ceil_mode}
    if kind == "max":
        params.update(dilation=dilation, return_indices=draw(st.booleans()))
    else:
        params["count_include_pad"] = draw(st.booleans())
        if dims == 2 and draw(st.booleans()):
            params["divisor_override"] = draw(st.sampled_from([1, 3, -2]))
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


@st.composite
def max_unpool_inputs(draw):
    """(x,) and {indices, kernel_size, output_size} for F.max_unpool2d with kernel 2; the indices
    come from a 2x2 max pooling, so none repeats."""
    n, c, h, w = (draw(st.integers(1, 2)) for _ in range(4))
    pooled = draw(distinct_arrays((n, c, 2 * h, 2 * w)))
    odd = draw(st.booleans())  # an output one larger than the default, as output_size allows
    output_size = (2 * h + odd, 2 * w) if odd else None
    # one more row than the default keeps the plane's width, so the flat indices stay valid
    return (draw(arrays((n, c, h, w))),), {"indices": pooling_indices(pooled), "kernel_size": 2,
                                           "output_size": output_size}


@st.composite
def adaptive_inputs(draw):
    """(x,) and {output_size}: sizes that divide the input's, and sizes that do not."""
    sizes = tuple(draw(st.integers(1, 5)) for _ in range(2))
    output_size = tuple(draw(st.one_of(st.integers(1, s), st.none())) for s in sizes)
    x = draw(arrays((draw(st.integers(1, 2)), draw(st.integers(1, 2))) + sizes))
    return (x,), {"output_size": output_size}


@st.composite
def interpolate_inputs(draw):
    """(x,) and {size} or {scale_factor} for F.interpolate(mode="nearest"), 1 to 3 spatial dims."""
    dims = draw(st.integers(1, 3))
    sizes = tuple(draw(st.integers(1, 4 if dims < 3 else 2)) for _ in range(dims))
    x = draw(arrays((draw(st.integers(1, 2)), draw(st.integers(1, 2))) + sizes))
    if draw(st.booleans()):
        return (x,), {"size": tuple(draw(st.integers(1, 5)) for _ in range(dims))}
    factor = draw(st.sampled_from([0.5, 1.5, 2.0, 2.5, 3.0]))
    assume(all(int(s * factor) >= 1 for s in sizes))
    return (x,), {"scale_factor": factor}


def _max_unpool2d(x, indices, **params):
    import tinynet as tn

    return F.max_unpool2d(x, tn.tensor(indices), **params)


CONV_CASES = [
    OpCase("conv2d", F.conv2d, conv_inputs(dims=2)),
    OpCase("conv1d", F.conv1d, conv_inputs(dims=1)),
    OpCase("conv_transpose2d", F.conv_transpose2d, conv_transpose_inputs(dims=2)),
    OpCase("conv_transpose1d", F.conv_transpose1d, conv_transpose_inputs(dims=1)),
    OpCase("unfold", F.unfold, unfold_inputs()),
    OpCase("fold", F.fold, fold_inputs()),
    OpCase("max_pool2d", F.max_pool2d, pool_inputs(dims=2, kind="max")),
    OpCase("max_pool1d", F.max_pool1d, pool_inputs(dims=1, kind="max")),
    OpCase("avg_pool2d", F.avg_pool2d, pool_inputs(dims=2, kind="avg")),
    OpCase("avg_pool1d", F.avg_pool1d, pool_inputs(dims=1, kind="avg")),
    OpCase("max_unpool2d", _max_unpool2d, max_unpool_inputs()),
    OpCase("adaptive_avg_pool2d", F.adaptive_avg_pool2d, adaptive_inputs()),
    OpCase("interpolate_nearest", F.interpolate, interpolate_inputs()),
]
