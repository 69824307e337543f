"""The table of core op cases: each names an op, a function of tensors, and a strategy drawing
its inputs (a tuple of float64 arrays) and its parameters (a dict). test_gradients.py derives
gradcheck and gradgradcheck from it; a completeness test checks that together the cases reach
every Function in tinynet.ops."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinynet as tn
import tinynet.nn.functional as F
from tests.strategies import (array_and_dim, arrays, broadcastable_pair, distinct_arrays, shapes,
                              unary)


@dataclass
class OpCase:
    name: str
    fn: object
    inputs: st.SearchStrategy  # draws (arrays, params)
    gradgrad: bool = True
    tags: set = field(default_factory=set)


def no_params(strategy):
    return strategy.map(lambda arrays: (arrays, {}))


def with_params(array_strategy, **param_strategies):
    return st.tuples(array_strategy, st.fixed_dictionaries(param_strategies))


@st.composite
def reduction_inputs(draw, distinct=False, **kwargs):
    array, dim = draw(array_and_dim(distinct=distinct, **kwargs))
    return (array,), {"dim": dim, "keepdim": draw(st.booleans())}


@st.composite
def single_dim_inputs(draw, distinct=False, min_side=1):
    array, dim = draw(array_and_dim(distinct=distinct, allow_tuple=False, allow_none=False,
                                    min_side=min_side))
    return (array,), {"dim": dim}


@st.composite
def untied_pair(draw):
    x, y = draw(broadcastable_pair())
    assume(np.all(np.abs(x - y) > 1e-2))  # away from the kink where the inputs tie
    return (x, y), {}


@st.composite
def where_inputs(draw):
    x, y = draw(broadcastable_pair())
    shape = np.broadcast_shapes(x.shape, y.shape)
    condition = draw(hnp.arrays(np.bool_, shape))
    return (x, y), {"condition": condition}


@st.composite
def clamp_inputs(draw):
    (x,) = draw(unary(avoid=(-1.0, 0.5)))
    return (x,), {"min": draw(st.sampled_from([-1.0, None])), "max": 0.5}


@st.composite
def getitem_inputs(draw):
    shape = draw(shapes(min_dims=1, max_dims=3))
    x = draw(arrays(shape))
    kind = draw(st.sampled_from(["slice", "int", "int_array", "mask", "mixed"]))
    first = shape[0]
    if kind == "slice":
        start = draw(st.integers(-first, first - 1))
        step = draw(st.integers(1, 2))
        key = slice(start, None, step)
    elif kind == "int":
        key = draw(st.integers(-first, first - 1))
    elif kind == "int_array":  # repeated indices accumulate
        key = np.asarray(draw(st.lists(st.integers(-first, first - 1), min_size=1, max_size=5)))
    elif kind == "mask":
        key = draw(hnp.arrays(np.bool_, shape))
    else:
        rows = np.asarray(draw(st.lists(st.integers(0, first - 1), min_size=1, max_size=4)))
        key = (rows, Ellipsis) if len(shape) < 2 else (rows, slice(0, None, 2))
    return (x,), {"key": key}


@st.composite
def index_put_inputs(draw):
    shape = draw(shapes(min_dims=1, max_dims=3))
    x = draw(arrays(shape))
    rows = draw(st.lists(st.integers(0, shape[0] - 1), min_size=1, max_size=shape[0], unique=True))
    value = draw(arrays((len(rows),) + shape[1:]))
    return (x, value), {"key": np.asarray(rows)}


@st.composite
def cat_inputs(draw):
    shape = list(draw(shapes(min_dims=1, max_dims=3, min_side=0)))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    count = draw(st.integers(1, 3))
    parts = []
    for _ in range(count):
        shape[dim] = draw(st.integers(0, 3))
        parts.append(draw(arrays(tuple(shape))))
    return tuple(parts), {"dim": dim}


@st.composite
def stack_inputs(draw):
    shape = draw(shapes(min_dims=0, max_dims=3))
    count = draw(st.integers(1, 3))
    parts = tuple(draw(arrays(shape)) for _ in range(count))
    return parts, {"dim": draw(st.integers(-len(shape) - 1, len(shape)))}


@st.composite
def split_inputs(draw):
    (x,), params = draw(single_dim_inputs())
    params["size"] = draw(st.integers(1, 3))
    return (x,), params


@st.composite
def gather_inputs(draw):
    shape = draw(shapes(min_dims=1, max_dims=3))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    index_shape = tuple(draw(st.integers(1, s)) if i != dim % len(shape) else draw(
        st.integers(1, 4)) for i, s in enumerate(shape))
    index = draw(hnp.arrays(np.int64, index_shape,
                            elements=st.integers(0, shape[dim] - 1)))
    return (draw(arrays(shape)),), {"dim": dim, "index": index}


@st.composite
def scatter_add_inputs(draw):
    (x,), params = draw(gather_inputs())
    source = draw(arrays(params["index"].shape))
    return (x, source), params


@st.composite
def pad_inputs(draw):
    shape = draw(shapes(min_dims=1, max_dims=3, min_side=2))
    mode = draw(st.sampled_from(["constant", "reflect", "replicate", "circular"]))
    dims = draw(st.integers(1, len(shape)))
    high = 1 if mode == "reflect" else 2
    low = -1 if mode == "constant" else 0
    widths = tuple(draw(st.integers(low, high)) for _ in range(2 * dims))
    return (draw(arrays(shape)),), {"pad": widths, "mode": mode}


@st.composite
def matmul_inputs(draw):
    n, k, m = (draw(st.integers(1, 3)) for _ in range(3))
    batch = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3))
    kind = draw(st.sampled_from(["vv", "vm", "mv", "mm", "batched"]))
    left = {"vv": (k,), "vm": (k,), "mv": (n, k), "mm": (n, k)}.get(kind,
                                                                     batch.input_shapes[0] + (n, k))
    right = {"vv": (k,), "vm": (k, m), "mv": (k,), "mm": (k, m)}.get(kind,
                                                                     batch.input_shapes[1] + (k, m))
    return (draw(arrays(left)), draw(arrays(right))), {}


@st.composite
def linear_inputs(draw, bias=True):
    """x (*, in) with 1-3 dims, weight (out, in) and, with ``bias``, bias (out,)."""
    in_features, out_features = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    leading = draw(shapes(min_dims=0, max_dims=2, max_side=3))
    arrays_ = (draw(arrays(leading + (in_features,))), draw(arrays((out_features, in_features))))
    return arrays_ + ((draw(arrays((out_features,))),) if bias else ()), {}


@st.composite
def reshape_inputs(draw):
    shape = draw(shapes(min_dims=0, max_dims=3, min_side=0))
    x = draw(arrays(shape))
    new_shape = list(draw(st.permutations(list(shape))))
    if new_shape and draw(st.booleans()) and x.size:
        new_shape[draw(st.integers(0, len(new_shape) - 1))] = -1
    return (x,), {"shape": tuple(new_shape)}


@st.composite
def permute_inputs(draw):
    shape = draw(shapes(min_dims=1, max_dims=4))
    return (draw(arrays(shape)),), {"dims": tuple(draw(st.permutations(range(len(shape)))))}


@st.composite
def expand_inputs(draw):
    shape = draw(shapes(min_dims=1, max_dims=3, max_side=3))
    target = tuple(draw(st.integers(1, 3)) if s == 1 else s for s in shape)
    extra = tuple(draw(st.lists(st.integers(1, 2), max_size=1)))
    return (draw(arrays(shape)),), {"sizes": extra + target}


@st.composite
def max_dim_inputs(draw):
    (x,), params = draw(single_dim_inputs(distinct=True))
    params["keepdim"] = draw(st.booleans())
    return (x,), params


POSITIVE = {"low": 0.2, "high": 3.0}

CORE_CASES = [
    OpCase("add", lambda x, y: x + y, no_params(broadcastable_pair())),
    OpCase("add_scalar", lambda x: 2.5 + x, no_params(unary())),
    OpCase("sub", lambda x, y: x - y, no_params(broadcastable_pair())),
    OpCase("rsub_scalar", lambda x: 1.0 - x, no_params(unary())),
    OpCase("mul", lambda x, y: x * y, no_params(broadcastable_pair())),
    OpCase("div", lambda x, y: x / y, no_params(broadcastable_pair(second_low=0.5))),
    OpCase("rdiv_scalar", lambda x: 2.0 / x, no_params(unary(**POSITIVE))),
    OpCase("neg", lambda x: -x, no_params(unary())),
    OpCase("pow_scalar", lambda x, exponent: x ** exponent,
           with_params(unary(**POSITIVE), exponent=st.sampled_from([0, 1, 2, 3, 0.5, -1.5]))),
    OpCase("pow_tensor", lambda x, y: x ** y,
           no_params(broadcastable_pair(low=0.3, high=2.0, second_low=-2.0, second_high=2.0))),
    OpCase("rpow_scalar", lambda x: 2.0 ** x, no_params(unary())),
    OpCase("exp", tn.exp, no_params(unary())),
    OpCase("log", tn.log, no_params(unary(**POSITIVE))),
    OpCase("sqrt", tn.sqrt, no_params(unary(**POSITIVE))),
    OpCase("abs", tn.abs, no_params(unary(avoid=(0.0,)))),
    OpCase("sin", tn.sin, no_params(unary())),
    OpCase("cos", tn.cos, no_params(unary())),
    OpCase("tanh", tn.tanh, no_params(unary())),
    OpCase("sigmoid", tn.sigmoid, no_params(unary(low=-6, high=6))),
    OpCase("relu", tn.relu, no_params(unary(avoid=(0.0,)))),
    OpCase("clamp", lambda x, min, max: tn.clamp(x, min, max), clamp_inputs()),
    OpCase("maximum", tn.maximum, untied_pair()),
    OpCase("minimum", tn.minimum, untied_pair()),
    OpCase("where", lambda x, y, condition: tn.where(condition, x, y), where_inputs()),
    OpCase("sum", lambda x, dim, keepdim: x.sum(dim, keepdim),
           reduction_inputs(min_side=0)),
    OpCase("mean", lambda x, dim, keepdim: x.mean(dim, keepdim), reduction_inputs()),
    OpCase("amax", lambda x, dim, keepdim: x.amax(dim, keepdim), reduction_inputs(distinct=True)),
    OpCase("amin", lambda x, dim, keepdim: x.amin(dim, keepdim), reduction_inputs(distinct=True)),
    OpCase("max_all", lambda x: x.max(), no_params(st.tuples(
        shapes(min_dims=0).flatmap(distinct_arrays)))),
    OpCase("max_dim", lambda x, dim, keepdim: x.max(dim, keepdim).values, max_dim_inputs()),
    OpCase("min_dim", lambda x, dim, keepdim: x.min(dim, keepdim).values, max_dim_inputs()),
    OpCase("var", lambda x, dim, keepdim: x.var(dim, keepdim=keepdim),
           reduction_inputs(min_side=2)),
    OpCase("std", lambda x, dim, keepdim: x.std(dim, keepdim=keepdim, unbiased=False),
           reduction_inputs(min_side=2, distinct=True)),  # sqrt has no derivative at variance 0
    OpCase("logsumexp", lambda x, dim, keepdim: x.logsumexp(dim, keepdim),
           reduction_inputs(allow_none=False)),
    OpCase("softmax", lambda x, dim: x.softmax(dim), single_dim_inputs()),
    OpCase("log_softmax", lambda x, dim: x.log_softmax(dim), single_dim_inputs()),
    OpCase("reshape", lambda x, shape: x.reshape(shape), reshape_inputs()),
    OpCase("permute", lambda x, dims: x.permute(dims), permute_inputs()),
    OpCase("transpose", lambda x: x.transpose(0, -1), no_params(unary(min_dims=1))),
    OpCase("T", lambda x: x.T, no_params(unary(min_dims=2, max_dims=2))),
    OpCase("flatten", lambda x: x.flatten(1), no_params(unary(min_dims=2))),
    OpCase("squeeze", lambda x: x.squeeze(), no_params(unary(min_side=1, max_side=2))),
    OpCase("unsqueeze", lambda x, dim: x.unsqueeze(dim),
           with_params(unary(max_dims=2), dim=st.integers(-1, 0))),
    OpCase("expand", lambda x, sizes: x.expand(*sizes), expand_inputs()),
    OpCase("getitem", lambda x, key: x[key], getitem_inputs()),
    OpCase("index_put", lambda x, value, key: tn.ops.index_put(x, key, value),
           index_put_inputs()),
    OpCase("cat", lambda *xs, dim: tn.cat(xs, dim), cat_inputs()),
    OpCase("stack", lambda *xs, dim: tn.stack(xs, dim), stack_inputs()),
    OpCase("split", lambda x, dim, size: x.split(size, dim), split_inputs()),
    OpCase("chunk", lambda x, dim, size: x.chunk(size, dim), split_inputs()),
    OpCase("gather", lambda x, dim, index: x.gather(dim, tn.tensor(index)), gather_inputs()),
    OpCase("scatter_add", lambda x, source, dim, index: tn.scatter_add(x, dim, tn.tensor(index),
                                                                       source),
           scatter_add_inputs()),
    OpCase("pad", lambda x, pad, mode: F.pad(x, pad, mode=mode), pad_inputs()),
    OpCase("pad_constant", lambda x: F.pad(x, (1, 2), value=0.5), no_params(unary(min_dims=1))),
    OpCase("matmul", lambda x, y: x @ y, matmul_inputs()),
    OpCase("linear", F.linear, linear_inputs()),
    OpCase("linear_no_bias", F.linear, linear_inputs(bias=False)),
    OpCase("clone", lambda x: x.clone() * x, no_params(unary())),
]
