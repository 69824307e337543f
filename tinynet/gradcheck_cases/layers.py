"""Cases of the further activations, padding modes, pooling and resampling layers (see
tinynet/gradcheck_cases/__init__.py). Inputs stay away from each op's kinks (the thresholds of
the piecewise-linear activations, ties for max pooling)."""

from __future__ import annotations

import numpy as np

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
    Case("pad_constant", F.pad, pad_inputs("constant")),
    Case("pad_reflect", F.pad, pad_inputs("reflect")),
    Case("pad_replicate", F.pad, pad_inputs("replicate")),
    Case("pad_circular", F.pad, pad_inputs("circular")),
]
