"""Cases of the further activations, padding modes, pooling and resampling layers (see
tinynet/gradcheck_cases/__init__.py). Inputs stay away from each op's kinks (the thresholds of
the piecewise-linear activations, ties for max pooling)."""

from __future__ import annotations

import tinynet as tn
import tinynet.nn.functional as F
from tinynet.gradcheck_cases import draw as d
from tinynet.gradcheck_cases.case import Case
from tinynet.gradcheck_cases.core import unary


def seeded(function, **params):
    """function(x, **params) with tinynet's default generator reseeded, so that every
    finite-difference evaluation draws the same random numbers."""
    def call(x):
        tn.manual_seed(0)
        return function(x, **params)
    return call


def glu_inputs(rng):
    """An array with an even size along a random dim, and that dim."""
    shape = list(d.shape(rng, min_dims=1, max_dims=3))
    dim = int(rng.integers(-len(shape), len(shape)))
    shape[dim] = 2 * d.integer(rng, 1, 2)
    return (d.array(rng, tuple(shape)),), {"dim": dim}


def pad_inputs(mode):
    """(x,) and {pad} for F.pad in ``mode``: 1 to 3 padded dims of a batched or unbatched input,
    widths within the mode's limits (negative ones crop in the constant mode)."""
    def draw(rng):
        dims = d.integer(rng, 1, 3)
        sizes = tuple(d.integer(rng, 2, 3) for _ in range(dims))
        lead = (d.integer(rng, 1, 2),) * d.integer(rng, 1, 2)
        widths = []
        for size in reversed(sizes):
            limit = {"reflect": size - 1, "circular": size}.get(mode, 2)
            low = -1 if mode == "constant" else 0
            widths += [d.integer(rng, low, limit), d.integer(rng, low, limit)]
        params = {"pad": tuple(widths), "mode": mode}
        if mode == "constant":
            params["value"] = 0.5
        return (d.array(rng, lead + sizes),), params
    return draw


def window_pool_inputs(kind, dims):
    """(x,) and the window arguments of a ``kind`` ("max", "avg", "lp") pooling over ``dims``
    spatial dims: distinct values for max (no ties), positive ones for lp."""
    def draw(rng):
        sizes = tuple(d.integer(rng, 2, 4 if dims < 3 else 3) for _ in range(dims))
        kernel = tuple(d.integer(rng, 1, min(2, s)) for s in sizes)
        params = {"kernel_size": kernel, "stride": tuple(d.integer(rng, 1, 2) for _ in sizes),
                  "ceil_mode": bool(rng.integers(2))}
        shape = (d.integer(rng, 1, 2), d.integer(rng, 1, 2)) + sizes
        if kind == "lp":
            norm_type = d.choice(rng, [1.0, 2.0, 3.0])
            return (d.array(rng, shape, 0.5, 2.0),), dict(params, norm_type=norm_type)
        params["padding"] = tuple(d.integer(rng, 0, k // 2) for k in kernel)
        if kind == "max":
            return (d.distinct(rng, shape),), params
        params["count_include_pad"] = bool(rng.integers(2))
        return (d.array(rng, shape),), params
    return draw


def adaptive_inputs(dims, distinct):
    def draw(rng):
        sizes = tuple(d.integer(rng, 1, 5 if dims < 3 else 3) for _ in range(dims))
        output_size = tuple(d.integer(rng, 1, 4) for _ in sizes)
        shape = (d.integer(rng, 1, 2), d.integer(rng, 1, 2)) + sizes
        x = d.distinct(rng, shape) if distinct else d.array(rng, shape)
        return (x,), {"output_size": output_size}
    return draw


def unpool_inputs(dims):
    """(x,) and {indices, kernel_size} for max_unpool: the indices of a max pooling with kernel
    2 over distinct values (none repeats)."""
    def draw(rng):
        sizes = tuple(d.integer(rng, 1, 2) for _ in range(dims))
        pooled = d.distinct(rng, (1, d.integer(rng, 1, 2)) + tuple(2 * s for s in sizes))
        _, indices = F.max_pool3d(tn.tensor(pooled), 2, return_indices=True) if dims == 3 else \
            F.max_pool1d(tn.tensor(pooled), 2, return_indices=True)
        return (d.array(rng, indices.shape),), {"indices": indices.numpy(), "kernel_size": 2}
    return draw


def unpool(function):
    return lambda x, indices, **params: function(x, tn.tensor(indices), **params)


def interpolate_inputs(mode):
    """(x,) and {size} or {scale_factor} (and align_corners, antialias) for F.interpolate in
    ``mode``."""
    def draw(rng):
        dims = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}.get(
            mode, d.integer(rng, 1, 3))
        sizes = tuple(d.integer(rng, 1, 4 if dims < 3 else 2) for _ in range(dims))
        params = {"mode": mode}
        if rng.random() < 0.5:
            params["size"] = tuple(d.integer(rng, 1, 5) for _ in range(dims))
        else:
            params["scale_factor"] = d.choice(rng, [0.6, 1.5, 2.0])
            sizes = tuple(max(s, 2) for s in sizes)
        if mode in ("linear", "bilinear", "bicubic", "trilinear"):
            params["align_corners"] = bool(rng.integers(2))
        if mode in ("bilinear", "bicubic") and rng.random() < 0.3:
            params["antialias"] = True
        return (d.array(rng, (d.integer(rng, 1, 2), d.integer(rng, 1, 2)) + sizes),), params
    return draw


def shuffle_inputs(kind):
    def draw(rng):
        r = d.integer(rng, 1, 2)
        h, w = d.integer(rng, 1, 2), d.integer(rng, 1, 2)
        if kind == "pixel_shuffle":
            return (d.array(rng, (d.integer(rng, 1, 2) * r * r, h, w)),), {"upscale_factor": r}
        if kind == "pixel_unshuffle":
            return (d.array(rng, (1, d.integer(rng, 1, 2), h * r, w * r)),), {
                "downscale_factor": r}
        return (d.array(rng, (1, 2 * r, h)),), {"groups": r}
    return draw


def grid_sample_inputs(padding_mode, max_dims=3):
    """(input, grid) for F.grid_sample: 2 or 3 spatial dims, grid points in [-1.3, 1.3) (some
    outside the input)."""
    def draw(rng):
        dims = d.integer(rng, 2, max_dims)
        n = d.integer(rng, 1, 2)
        x = d.array(rng, (n, d.integer(rng, 1, 2)) + tuple(d.integer(rng, 2, 3)
                                                          for _ in range(dims)))
        grid = d.array(rng, (n,) + tuple(d.integer(rng, 1, 2) for _ in range(dims)) + (dims,),
                       -1.3, 1.3)
        return (x, grid), {"padding_mode": padding_mode, "align_corners": bool(rng.integers(2))}
    return draw


def affine_grid_inputs(rng):
    dims = d.integer(rng, 2, 3)
    n = d.integer(rng, 1, 2)
    size = (n, 1) + tuple(d.integer(rng, 1, 3) for _ in range(dims))
    return (d.array(rng, (n, dims, dims + 1)),), {"size": size,
                                                   "align_corners": bool(rng.integers(2))}


def grid_sample_nearest(x, grid, **params):
    """Nearest sampling: differentiable in the input only (the grid picks pixels)."""
    return F.grid_sample(x, grid.detach(), mode="nearest", **params)


def fractional_inputs(dims):
    """(x,) distinct values, and {kernel_size, output_size, _random_samples} fixing the windows."""
    def draw(rng):
        sizes = tuple(d.integer(rng, 3, 4) for _ in range(dims))
        shape = (d.integer(rng, 1, 2), d.integer(rng, 1, 2)) + sizes
        kernel = d.integer(rng, 1, 2)
        out = tuple(d.integer(rng, 1, s - kernel) for s in sizes)
        return (d.distinct(rng, shape),), {"kernel_size": kernel, "output_size": out,
                                           "_random_samples": rng.random(shape[:2] + (dims,))}
    return draw


LAYERS_CASES = [
    Case("relu6", F.relu6, unary(-8.0, 8.0, avoid=(0.0, 6.0))),
    Case("hardsigmoid", F.hardsigmoid, unary(-5.0, 5.0, avoid=(-3.0, 3.0))),
    Case("hardswish", F.hardswish, unary(-5.0, 5.0, avoid=(-3.0, 3.0))),
    Case("threshold", lambda x: F.threshold(x, 0.5, -2.0), unary(avoid=(0.5,))),
    Case("hardshrink", F.hardshrink, unary(avoid=(-0.5, 0.5))),
    Case("softshrink", lambda x: F.softshrink(x, 0.3), unary(avoid=(-0.3, 0.3))),
    Case("celu", lambda x: F.celu(x, 0.7), unary(avoid=(0.0,))),
    Case("logsigmoid", F.logsigmoid, unary(-20.0, 20.0)),
    Case("mish", F.mish, unary()),
    Case("softsign", F.softsign, unary(avoid=(0.0,))),
    Case("tanhshrink", F.tanhshrink, unary()),
    Case("softmin", lambda x: F.softmin(x, -1), unary(min_dims=1)),
    Case("glu", F.glu, glu_inputs),
    Case("rrelu_training", seeded(F.rrelu, training=True), unary(avoid=(0.0,))),
    Case("rrelu_eval", F.rrelu, unary(avoid=(0.0,))),
    Case("gumbel_softmax", seeded(F.gumbel_softmax, tau=0.7), unary(min_dims=1)),
    Case("pad_mode_constant", F.pad, pad_inputs("constant")),
    Case("pad_mode_reflect", F.pad, pad_inputs("reflect")),
    Case("pad_mode_replicate", F.pad, pad_inputs("replicate")),
    Case("pad_mode_circular", F.pad, pad_inputs("circular")),
    Case("max_pool3d", F.max_pool3d, window_pool_inputs("max", 3)),
    Case("avg_pool3d", F.avg_pool3d, window_pool_inputs("avg", 3)),
    Case("lp_pool1d", F.lp_pool1d, window_pool_inputs("lp", 1)),
    Case("lp_pool2d", F.lp_pool2d, window_pool_inputs("lp", 2)),
    Case("lp_pool3d", F.lp_pool3d, window_pool_inputs("lp", 3)),
    Case("adaptive_avg_pool1d", F.adaptive_avg_pool1d, adaptive_inputs(1, False)),
    Case("adaptive_avg_pool3d", F.adaptive_avg_pool3d, adaptive_inputs(3, False)),
    Case("adaptive_max_pool1d", F.adaptive_max_pool1d, adaptive_inputs(1, True)),
    Case("adaptive_max_pool2d", F.adaptive_max_pool2d, adaptive_inputs(2, True)),
    Case("adaptive_max_pool3d", F.adaptive_max_pool3d, adaptive_inputs(3, True)),
    Case("max_unpool1d", unpool(F.max_unpool1d), unpool_inputs(1)),
    Case("max_unpool3d", unpool(F.max_unpool3d), unpool_inputs(3)),
    Case("interpolate_nearest_exact", F.interpolate, interpolate_inputs("nearest-exact")),
    Case("interpolate_linear", F.interpolate, interpolate_inputs("linear")),
    Case("interpolate_bilinear", F.interpolate, interpolate_inputs("bilinear")),
    Case("interpolate_bicubic", F.interpolate, interpolate_inputs("bicubic")),
    Case("interpolate_trilinear", F.interpolate, interpolate_inputs("trilinear")),
    Case("interpolate_area", F.interpolate, interpolate_inputs("area")),
    Case("pixel_shuffle", F.pixel_shuffle, shuffle_inputs("pixel_shuffle")),
    Case("pixel_unshuffle", F.pixel_unshuffle, shuffle_inputs("pixel_unshuffle")),
    Case("channel_shuffle", F.channel_shuffle, shuffle_inputs("channel_shuffle")),
    Case("affine_grid", F.affine_grid, affine_grid_inputs),
    Case("grid_sample_zeros", F.grid_sample, grid_sample_inputs("zeros")),
    Case("grid_sample_border", F.grid_sample, grid_sample_inputs("border")),
    Case("grid_sample_reflection", F.grid_sample, grid_sample_inputs("reflection")),
    Case("grid_sample_nearest", grid_sample_nearest, grid_sample_inputs("zeros")),
    Case("fractional_max_pool2d", F.fractional_max_pool2d, fractional_inputs(2)),
    Case("fractional_max_pool3d", F.fractional_max_pool3d, fractional_inputs(3)),
    Case("grid_sample_bicubic", lambda x, grid, **p: F.grid_sample(x, grid, "bicubic", **p),
         grid_sample_inputs("reflection", max_dims=2)),
]
