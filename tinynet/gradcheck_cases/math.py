"""Cases of the everyday math functions: rounding (away from the steps), logarithms and
exponentials, hyperbolic and inverse trigonometric functions, erfinv, atan2, fmod, remainder,
hypot, float_power, nan_to_num, and the reductions and scans prod, median, kthvalue, mode,
cummax, cummin, logcumsumexp, diff, std_mean, var_mean.
"""

from __future__ import annotations

import numpy as np

import tinynet as tn
from tinynet.gradcheck_cases import draw as d
from tinynet.gradcheck_cases.case import Case

_STEPS = tuple(np.arange(-3.0, 3.5, 0.5))  # where floor, ceil, trunc, round and sign jump


def in_range(low, high, avoid=(), gap=1e-2):
    def draw(rng):
        return (d.array(rng, d.shape(rng), low, high, avoid=avoid, gap=gap),), {}
    return draw


def pair_in_range(low, high, avoid=(), gap=1e-2):
    """Two arrays whose shapes broadcast, values in [low, high) away from ``avoid``."""
    def draw(rng):
        first, second = d.broadcastable_shapes(rng)
        return (d.array(rng, first, low, high, avoid, gap),
                d.array(rng, second, low, high, avoid, gap)), {}
    return draw


def division_inputs(rng):
    """x and y with x/y at least 0.1 away from every integer (fmod and remainder jump there);
    y has x's shape or is a scalar."""
    shape = d.shape(rng, min_dims=1)
    y = d.array(rng, shape if rng.random() < 0.7 else (), 0.5, 2.0)
    y = y * np.where(rng.random(y.shape) < 0.5, -1.0, 1.0)
    x = y * (rng.integers(-3, 3, shape) + rng.uniform(0.1, 0.9, shape))
    return (x, y), {}


def float_power_inputs(rng):
    base, exponent = d.broadcastable_pair(rng, 0.2, 3.0, -2.0, 2.0)
    if rng.random() < 0.4:
        return (base,), {"exponent": float(rng.uniform(-2, 2))}
    return (base, exponent), {}


def dim_inputs(rng, distinct=True):
    x, dim = d.array_and_dim(rng, distinct_values=distinct, allow_tuple=False, allow_none=False)
    return (x,), {"dim": dim}


def prod_inputs(rng):
    x, dim = d.array_and_dim(rng, allow_tuple=False, allow_none=True, min_dims=0)
    x = np.sign(x) * rng.uniform(0.5, 1.5, x.shape)
    if rng.random() < 0.3:  # some exact zeros: the gradient there is the product of the others
        x = x * (rng.random(x.shape) < 0.7)
    return (x,), {"dim": dim, "keepdim": bool(rng.integers(2))}


def median_inputs(rng):
    (x,), params = dim_inputs(rng)
    return (x,), {**params, "keepdim": bool(rng.integers(2))}


def kthvalue_inputs(rng):
    (x,), params = dim_inputs(rng)
    return (x,), {**params, "k": d.integer(rng, 1, x.shape[params["dim"]])}


def mode_inputs(rng):
    """Distinct values: every value is as frequent, so the mode is the smallest, and a small
    step in one value (finite differences) does not change which one it is."""
    return dim_inputs(rng)


def moments_inputs(rng):
    x, dim = d.array_and_dim(rng, min_side=2)
    return (x,), {"dim": dim, "correction": d.choice(rng, [0, 1])}


def diff_inputs(rng):
    x, dim = d.array_and_dim(rng, allow_tuple=False, allow_none=False)
    prepend_shape = list(x.shape)
    prepend_shape[dim] = d.integer(rng, 1, 2)
    return (x, d.array(rng, tuple(prepend_shape))), {"dim": dim, "n": d.integer(rng, 1, 3)}


def quantile_inputs(rng):
    """Distinct values (the sorted order, hence the neighbours, do not change under a small
    step), a q or a vector of them, and an interpolation that is smooth in the values."""
    x, dim = d.array_and_dim(rng, distinct_values=True, allow_tuple=False, allow_none=True)
    q = float(rng.uniform(0, 1)) if rng.random() < 0.5 else tn.tensor(rng.uniform(0, 1, 2))
    return (x,), {"q": q, "dim": dim, "keepdim": bool(rng.integers(2)),
                  "interpolation": d.choice(rng, ["linear", "lower", "higher", "midpoint",
                                                  "nearest"])}


def with_nan_inputs(rng):
    """A mask of the entries made NaN inside the case (their gradient is 0), and a dim."""
    x, dim = d.array_and_dim(rng, allow_tuple=True, allow_none=True)
    nan = rng.random(x.shape) < 0.2
    axes = range(x.ndim) if dim is None else [dim % x.ndim] if isinstance(dim, int) else [
        a % x.ndim for a in dim]
    nan[tuple(0 if i in axes else slice(None) for i in range(x.ndim))] = False  # no all-NaN line
    return (x,), {"nan": nan, "dim": dim}


def _nan_reductions(x, nan, dim):
    x = tn.where(tn.tensor(nan), float("nan"), x)
    return tn.nansum(x, dim) * tn.nanmean(x, dim)


def xlogy_inputs(rng):
    x, y = d.broadcastable_pair(rng, -3.0, 3.0, 0.2, 3.0)
    return (x, y), {}  # x = 0 (gradient 0 there, as PyTorch's) is tested against PyTorch


def _std_times_mean(x, dim, correction):
    std, mean = tn.std_mean(x, dim, correction=correction)
    variance, mean_again = tn.var_mean(x, dim, correction=correction)
    return std * mean + variance * mean_again


def _log1p_in_place(x):
    target = x * 1.0  # not a leaf: the in-place op is recorded
    target.log1p_()
    return target * x


MATH_CASES = [
    Case("floor", tn.floor, in_range(-3, 3, _STEPS, 0.05)),
    Case("ceil", lambda x: x.ceil(), in_range(-3, 3, _STEPS, 0.05)),
    Case("round", lambda x: tn.round(x) * x, in_range(-3, 3, _STEPS, 0.05)),
    Case("trunc_frac", lambda x: tn.frac(x) * tn.trunc(x), in_range(-3, 3, _STEPS, 0.05)),
    Case("sign", lambda x: tn.sign(x) * x, in_range(-3, 3, (0.0,), 0.05)),
    Case("reciprocal", tn.reciprocal, in_range(-3, 3, (0.0,), 0.3)),
    Case("rsqrt", tn.rsqrt, in_range(0.2, 3)),
    Case("square", tn.square, in_range(-3, 3)),
    Case("log1p", tn.log1p, in_range(-0.8, 3)),
    Case("expm1", tn.expm1, in_range(-3, 3)),
    Case("log2", tn.log2, in_range(0.2, 3)),
    Case("log10", tn.log10, in_range(0.2, 3)),
    Case("exp2", tn.exp2, in_range(-3, 3)),
    Case("sinh", tn.sinh, in_range(-3, 3)),
    Case("cosh", tn.cosh, in_range(-3, 3)),
    Case("asin", tn.asin, in_range(-0.9, 0.9)),
    Case("acos", tn.acos, in_range(-0.9, 0.9)),
    Case("atan", tn.atan, in_range(-3, 3)),
    Case("erfinv", tn.erfinv, in_range(-0.9, 0.9)),
    Case("nan_to_num", tn.nan_to_num, in_range(-3, 3)),
    Case("atan2", tn.atan2, pair_in_range(-3, 3, (0.0,), 0.3)),
    Case("fmod", tn.fmod, division_inputs),
    Case("remainder", tn.remainder, division_inputs),
    Case("hypot", tn.hypot, pair_in_range(-3, 3, (0.0,), 0.3)),
    Case("float_power", lambda *xs, **params: tn.float_power(*xs, **params), float_power_inputs),
    Case("prod", lambda x, dim, keepdim: x.prod(dim, keepdim) if dim is not None else tn.prod(x),
         prod_inputs),
    Case("median", lambda x, dim, keepdim: tn.median(x, dim, keepdim).values, median_inputs),
    Case("median_all", lambda x: x.median(), lambda rng: ((d.distinct(rng, d.shape(rng)),), {})),
    Case("nanmedian", lambda x, dim, keepdim: x.nanmedian(dim, keepdim).values, median_inputs),
    Case("kthvalue", lambda x, k, dim: tn.kthvalue(x, k, dim).values, kthvalue_inputs),
    Case("mode", lambda x, dim: tn.mode(x, dim).values, mode_inputs),
    Case("cummax", lambda x, dim: tn.cummax(x, dim).values, dim_inputs),
    Case("cummin", lambda x, dim: x.cummin(dim).values, dim_inputs),
    Case("logcumsumexp", lambda x, dim: tn.logcumsumexp(x, dim),
         lambda rng: dim_inputs(rng, distinct=False)),
    Case("diff", lambda x, prepend, dim, n: tn.diff(x, n, dim, prepend=prepend), diff_inputs),
    Case("std_mean_var_mean", _std_times_mean, moments_inputs),
    Case("log1p_", _log1p_in_place, in_range(-0.8, 3)),
    Case("tan", tn.tan, in_range(-1.3, 1.3)),
    Case("asinh", tn.asinh, in_range(-3, 3)),
    Case("acosh", tn.acosh, in_range(1.2, 4)),
    Case("atanh", tn.atanh, in_range(-0.9, 0.9)),
    Case("logit", tn.logit, in_range(0.05, 0.95)),
    Case("xlogy", tn.xlogy, xlogy_inputs),
    Case("logaddexp", tn.logaddexp, pair_in_range(-3, 3)),
    Case("logaddexp2", tn.logaddexp2, pair_in_range(-3, 3)),
    Case("sinc", tn.sinc, in_range(-3, 3)),
    Case("copysign", tn.copysign, pair_in_range(-3, 3, (0.0,), 0.05)),
    Case("fmax", tn.fmax, lambda rng: ((d.distinct(rng, (2, 3)), d.distinct(rng, (3,)) + 0.1),
                                       {})),
    Case("quantile", lambda x, q, dim, keepdim, interpolation: tn.quantile(
        x, q, dim, keepdim, interpolation=interpolation), quantile_inputs),
    Case("nansum_nanmean", _nan_reductions, with_nan_inputs),
]
