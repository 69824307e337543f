"""Cases of the core ops: elementwise, reductions, shapes, indexing, matmul, linear.

Each draw function returns (arrays, params): the float64 inputs that are differentiated and the
other arguments of the op.
"""

from __future__ import annotations

import numpy as np

import tinynet as tn
import tinynet.nn.functional as F
from tinynet.gradcheck_cases import draw as d
from tinynet.gradcheck_cases.case import Case

POSITIVE = {"low": 0.2, "high": 3.0}


def unary(low=-3.0, high=3.0, avoid=(), **shape_options):
    """Draws one array of a small shape with values in [low, high), away from ``avoid``."""
    return lambda rng: ((d.array(rng, d.shape(rng, **shape_options), low, high, avoid),), {})


def pair(**options):
    """Draws two arrays whose shapes broadcast together."""
    return lambda rng: (d.broadcastable_pair(rng, **options), {})


def untied_pair(rng):
    """Two broadcastable arrays that differ everywhere by more than 0.01 (maximum's kink)."""
    x, y = d.broadcastable_pair(rng)
    close = np.abs(x - y) <= 1e-2
    while close.any():
        x, y = d.broadcastable_pair(rng)
        close = np.abs(x - y) <= 1e-2
    return (x, y), {}


def reduction(distinct=False, **options):
    def draw(rng):
        x, dim = d.array_and_dim(rng, distinct_values=distinct, **options)
        return (x,), {"dim": dim, "keepdim": bool(rng.integers(2))}
    return draw


def single_dim(distinct=False, keepdim=False):
    def draw(rng):
        x, dim = d.array_and_dim(rng, distinct_values=distinct, allow_tuple=False,
                                 allow_none=False)
        return (x,), {"dim": dim, **({"keepdim": bool(rng.integers(2))} if keepdim else {})}
    return draw


def pow_scalar(rng):
    (x,), _ = unary(**POSITIVE)(rng)
    return (x,), {"exponent": d.choice(rng, [0, 1, 2, 3, 0.5, -1.5])}


def where_inputs(rng):
    x, y = d.broadcastable_pair(rng)
    return (x, y), {"condition": rng.random(np.broadcast_shapes(x.shape, y.shape)) < 0.5}


def clamp_inputs(rng):
    (x,), _ = unary(avoid=(-1.0, 0.5))(rng)
    return (x,), {"min": d.choice(rng, [-1.0, None]), "max": 0.5}


def getitem_inputs(rng):
    shape = d.shape(rng, min_dims=1)
    x, first = d.array(rng, shape), shape[0]
    kind = d.choice(rng, ["slice", "int", "int_array", "mask", "mixed"])
    if kind == "slice":
        key = slice(d.integer(rng, -first, first - 1), None, d.integer(rng, 1, 2))
    elif kind == "int":
        key = d.integer(rng, -first, first - 1)
    elif kind == "int_array":  # repeated indices accumulate; an index tensor works as an array
        key = rng.integers(-first, first, d.integer(rng, 1, 5))
        key = tn.tensor(key) if rng.random() < 0.5 else key
    elif kind == "mask":
        key = rng.random(shape) < 0.5
    else:
        rows = rng.integers(0, first, d.integer(rng, 1, 4))
        key = (rows, Ellipsis) if len(shape) < 2 else (rows, slice(0, None, 2))
    return (x,), {"key": key}


def index_put_inputs(rng):
    shape = d.shape(rng, min_dims=1)
    rows = rng.choice(shape[0], d.integer(rng, 1, shape[0]), replace=False)
    return (d.array(rng, shape), d.array(rng, (len(rows),) + shape[1:])), {"key": rows}


def cat_inputs(rng):
    shape = list(d.shape(rng, min_dims=1, min_side=0))
    dim = d.integer(rng, -len(shape), len(shape) - 1)
    parts = []
    for _ in range(d.integer(rng, 1, 3)):
        shape[dim] = d.integer(rng, 0, 3)
        parts.append(d.array(rng, tuple(shape)))
    return tuple(parts), {"dim": dim}


def stack_inputs(rng):
    shape = d.shape(rng)
    parts = tuple(d.array(rng, shape) for _ in range(d.integer(rng, 1, 3)))
    return parts, {"dim": d.integer(rng, -len(shape) - 1, len(shape))}


def split_inputs(rng):
    (x,), params = single_dim()(rng)
    return (x,), {**params, "size": d.integer(rng, 1, 3)}


def gather_inputs(rng):
    shape = d.shape(rng, min_dims=1)
    dim = d.integer(rng, -len(shape), len(shape) - 1)
    index_shape = tuple(d.integer(rng, 1, 4) if i == dim % len(shape) else d.integer(rng, 1, s)
                        for i, s in enumerate(shape))
    index = rng.integers(0, shape[dim], index_shape)
    return (d.array(rng, shape),), {"dim": dim, "index": index}


def scatter_add_inputs(rng):
    (x,), params = gather_inputs(rng)
    return (x, d.array(rng, params["index"].shape)), params


def pad_inputs(rng):
    shape = d.shape(rng, min_dims=1, min_side=2)
    mode = d.choice(rng, ["constant", "reflect", "replicate", "circular"])
    low, high = (-1 if mode == "constant" else 0), (1 if mode == "reflect" else 2)
    widths = tuple(d.integer(rng, low, high) for _ in range(2 * d.integer(rng, 1, len(shape))))
    return (d.array(rng, shape),), {"pad": widths, "mode": mode}


def matmul_inputs(rng):
    n, k, m = (d.integer(rng, 1, 3) for _ in range(3))
    kind = d.choice(rng, ["vv", "vm", "mv", "mm", "batched"])
    left_batch, right_batch = d.broadcastable_shapes(rng, max_dims=2)
    left = {"vv": (k,), "vm": (k,), "mv": (n, k), "mm": (n, k)}.get(kind, left_batch + (n, k))
    right = {"vv": (k,), "vm": (k, m), "mv": (k,), "mm": (k, m)}.get(kind, right_batch + (k, m))
    return (d.array(rng, left), d.array(rng, right)), {}


def linear_inputs(bias=True):
    """x (*, in) with 1-3 dims, weight (out, in) and, with ``bias``, bias (out,)."""
    def draw(rng):
        in_features, out_features = d.integer(rng, 1, 3), d.integer(rng, 1, 3)
        leading = d.shape(rng, max_dims=2, max_side=3)
        arrays = (d.array(rng, leading + (in_features,)), d.array(rng, (out_features, in_features)))
        return arrays + ((d.array(rng, (out_features,)),) if bias else ()), {}
    return draw


def reshape_inputs(rng):
    shape = d.shape(rng, min_side=0)
    x = d.array(rng, shape)
    new_shape = [shape[i] for i in rng.permutation(len(shape))]
    if new_shape and x.size and rng.random() < 0.5:
        new_shape[d.integer(rng, 0, len(new_shape) - 1)] = -1
    return (x,), {"shape": tuple(new_shape)}


def permute_inputs(rng):
    shape = d.shape(rng, min_dims=1, max_dims=4)
    return (d.array(rng, shape),), {"dims": tuple(int(i) for i in rng.permutation(len(shape)))}


def expand_inputs(rng):
    shape = d.shape(rng, min_dims=1, max_side=3)
    target = tuple(d.integer(rng, 1, 3) if s == 1 else s for s in shape)
    extra = (d.integer(rng, 1, 2),) if rng.random() < 0.5 else ()
    return (d.array(rng, shape),), {"sizes": extra + target}


def max_all_inputs(rng):
    return (d.distinct(rng, d.shape(rng)),), {}


CORE_CASES = [
    Case("add", lambda x, y: x + y, pair()),
    Case("add_scalar", lambda x: 2.5 + x, unary()),
    Case("sub", lambda x, y: x - y, pair()),
    Case("rsub_scalar", lambda x: 1.0 - x, unary()),
    Case("mul", lambda x, y: x * y, pair()),
    Case("div", lambda x, y: x / y, pair(second_low=0.5)),
    Case("rdiv_scalar", lambda x: 2.0 / x, unary(**POSITIVE)),
    Case("neg", lambda x: -x, unary()),
    Case("pow_scalar", lambda x, exponent: x ** exponent, pow_scalar),
    Case("pow_tensor", lambda x, y: x ** y,
         pair(low=0.3, high=2.0, second_low=-2.0, second_high=2.0)),
    Case("rpow_scalar", lambda x: 2.0 ** x, unary()),
    Case("exp", tn.exp, unary()),
    Case("log", tn.log, unary(**POSITIVE)),
    Case("sqrt", tn.sqrt, unary(**POSITIVE)),
    Case("abs", tn.abs, unary(avoid=(0.0,))),
    Case("sin", tn.sin, unary()),
    Case("cos", tn.cos, unary()),
    Case("tanh", tn.tanh, unary()),
    Case("sigmoid", tn.sigmoid, unary(low=-6, high=6)),
    Case("relu", tn.relu, unary(avoid=(0.0,))),
    Case("clamp", lambda x, min, max: tn.clamp(x, min, max), clamp_inputs),
    Case("maximum", tn.maximum, untied_pair),
    Case("minimum", tn.minimum, untied_pair),
    Case("where", lambda x, y, condition: tn.where(condition, x, y), where_inputs),
    Case("sum", lambda x, dim, keepdim: x.sum(dim, keepdim), reduction(min_side=0)),
    Case("mean", lambda x, dim, keepdim: x.mean(dim, keepdim), reduction()),
    Case("amax", lambda x, dim, keepdim: x.amax(dim, keepdim), reduction(distinct=True)),
    Case("amin", lambda x, dim, keepdim: x.amin(dim, keepdim), reduction(distinct=True)),
    Case("max_all", lambda x: x.max(), max_all_inputs),
    Case("max_dim", lambda x, dim, keepdim: x.max(dim, keepdim).values,
         single_dim(distinct=True, keepdim=True)),
    Case("min_dim", lambda x, dim, keepdim: x.min(dim, keepdim).values,
         single_dim(distinct=True, keepdim=True)),
    Case("var", lambda x, dim, keepdim: x.var(dim, keepdim=keepdim), reduction(min_side=2)),
    Case("std", lambda x, dim, keepdim: x.std(dim, keepdim=keepdim, unbiased=False),
         reduction(min_side=2, distinct=True)),  # sqrt has no derivative at variance 0
    Case("logsumexp", lambda x, dim, keepdim: x.logsumexp(dim, keepdim),
         reduction(allow_none=False)),
    Case("softmax", lambda x, dim: x.softmax(dim), single_dim()),
    Case("log_softmax", lambda x, dim: x.log_softmax(dim), single_dim()),
    Case("reshape", lambda x, shape: x.reshape(shape), reshape_inputs),
    Case("permute", lambda x, dims: x.permute(dims), permute_inputs),
    Case("transpose", lambda x: x.transpose(0, -1), unary(min_dims=1)),
    Case("T", lambda x: x.T, unary(min_dims=2, max_dims=2)),
    Case("flatten", lambda x: x.flatten(1), unary(min_dims=2)),
    Case("squeeze", lambda x: x.squeeze(), unary(min_side=1, max_side=2)),
    Case("unsqueeze", lambda x, dim: x.unsqueeze(dim),
         lambda rng: (unary(max_dims=2)(rng)[0], {"dim": d.integer(rng, -1, 0)})),
    Case("expand", lambda x, sizes: x.expand(*sizes), expand_inputs),
    Case("getitem", lambda x, key: x[key], getitem_inputs),
    Case("index_put", lambda x, value, key: tn.ops.index_put(x, key, value), index_put_inputs),
    Case("cat", lambda *xs, dim: tn.cat(xs, dim), cat_inputs),
    Case("stack", lambda *xs, dim: tn.stack(xs, dim), stack_inputs),
    Case("split", lambda x, dim, size: x.split(size, dim), split_inputs),
    Case("chunk", lambda x, dim, size: x.chunk(size, dim), split_inputs),
    Case("gather", lambda x, dim, index: x.gather(dim, tn.tensor(index)), gather_inputs),
    Case("scatter_add",
         lambda x, source, dim, index: tn.scatter_add(x, dim, tn.tensor(index), source),
         scatter_add_inputs),
    Case("pad", lambda x, pad, mode: tn.ops.pad(x, pad, mode=mode), pad_inputs),
    Case("pad_constant", lambda x: F.pad(x, (1, 2), value=0.5), unary(min_dims=1)),
    Case("matmul", lambda x, y: x @ y, matmul_inputs),
    Case("linear", F.linear, linear_inputs()),
    Case("linear_no_bias", F.linear, linear_inputs(bias=False)),
    Case("clone", lambda x: x.clone() * x, unary()),
]
