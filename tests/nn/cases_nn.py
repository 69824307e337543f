"""OpCases for the Functions in tinynet/ops/nn_ops.py and tinynet/ops/normalization.py, in the
format of tests/ops/cases_core.py, so that the op table (and its completeness test) can include
them: ``CORE_CASES + NN_CASES``. tests/nn/test_activations.py and test_losses.py run them too."""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinynet as tn
import tinynet.nn.functional as F
from tests.ops.cases_core import OpCase, no_params
from tests.strategies import arrays, shapes, unary
from tinynet.ops import nn_ops
from tinynet.ops.normalization import BatchNormBackward, Normalize


@st.composite
def probabilities_and_targets(draw):
    """(x, y) of one shape: x in (0, 1) away from the clamped ends, y in [0, 1]."""
    shape = draw(shapes(max_dims=2))
    return draw(arrays(shape, 0.05, 0.95)), draw(arrays(shape, 0.0, 1.0))


def identity_with_backward_hook(x):
    """The op modules wrap around inputs and outputs for full backward hooks."""
    (y,) = nn_ops.BackwardHook.apply(x, on_backward=lambda grads: None)
    return y * 1.0


@st.composite
def batch_norm_inputs(draw, affine=True, spread=True):
    """x (N, C, *) with at least two values per channel, and γ, β (C,) when ``affine``. With
    ``spread``, every channel's values are spread out (variance > 0.1), away from σ ≈ 0 where
    the normalization's derivatives blow up."""
    shape = draw(shapes(min_dims=2, max_dims=4, max_side=3))
    x = draw(arrays(shape))
    if spread:
        assume(x.size // shape[1] >= 2)
        assume(np.all(x.var(axis=(0,) + tuple(range(2, x.ndim))) > 0.1))
    if not affine:
        return (x,), {}
    channels = shape[1]
    return (x, draw(arrays((channels,))), draw(arrays((channels,)))), {}


@st.composite
def batch_norm_eval_inputs(draw):
    """Eval mode: running statistics as constant parameters."""
    (x, weight, bias), _ = draw(batch_norm_inputs(spread=False))
    channels = x.shape[1]
    running_mean = draw(arrays((channels,)))
    running_var = draw(arrays((channels,), 0.2, 3.0))
    return (x, weight, bias), {"running_mean": running_mean, "running_var": running_var}


def batch_norm_eval(x, weight, bias, running_mean, running_var):
    return F.batch_norm(x, tn.tensor(running_mean), tn.tensor(running_var), weight, bias)


@st.composite
def batch_norm_backward_inputs(draw):
    """g and x̂ (N, C, *) and a per-channel scale (1, C, 1, ...): the formula is a polynomial, so
    any values do (x̂ need not be normalized)."""
    shape = draw(shapes(min_dims=2, max_dims=4, max_side=3))
    scale_shape = (1, shape[1]) + (1,) * (len(shape) - 2)
    return (draw(arrays(shape)), draw(arrays(shape)), draw(arrays(scale_shape))), {}


@st.composite
def cross_entropy_inputs(draw):
    """Logits (N, C) or (N, C, d), class indices (some maybe ignored: -100), optional class
    weights, a reduction."""
    batch, classes = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    extra = draw(st.sampled_from([(), (2,)]))
    logits = draw(arrays((batch, classes) + extra))
    target = draw(hnp.arrays(np.int64, (batch,) + extra, elements=st.integers(0, classes - 1)))
    if draw(st.booleans()):
        target.flat[0] = -100
    weight = draw(st.none() | arrays((classes,), 0.5, 2.0))
    reduction = draw(st.sampled_from(["mean", "sum", "none"]))
    assume(reduction != "mean" or (target != -100).any())  # all ignored: NaN, nothing to check
    return (logits,), {"target": target, "weight": weight, "reduction": reduction}


def cross_entropy(x, target, weight, reduction):
    weight = None if weight is None else tn.tensor(weight)
    return F.cross_entropy(x, tn.tensor(target), weight, reduction=reduction)


def normalize_both_outputs(x):
    """Normalize's x̂ and σ⁻¹ (BatchNorm's backward calls it when create_graph records)."""
    return Normalize.apply(x, eps=1e-5)


NN_CASES = [
    OpCase("batch_norm_train", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
           batch_norm_inputs()),
    OpCase("batch_norm_train_no_affine",
           lambda x: F.batch_norm(x, None, None, training=True), batch_norm_inputs(affine=False)),
    OpCase("batch_norm_eval", batch_norm_eval, batch_norm_eval_inputs()),
    OpCase("normalize", normalize_both_outputs, batch_norm_inputs(affine=False)),
    OpCase("batch_norm_backward", BatchNormBackward.apply, batch_norm_backward_inputs()),
    OpCase("cross_entropy", cross_entropy, cross_entropy_inputs()),
    OpCase("softplus", nn_ops.softplus, no_params(unary(low=-20.0, high=20.0))),
    OpCase("erf", nn_ops.erf, no_params(unary())),
    OpCase("step", nn_ops.step, no_params(unary(avoid=[0.0]))),
    OpCase(
        "binary_cross_entropy", nn_ops.binary_cross_entropy, no_params(probabilities_and_targets())
    ),
    OpCase("backward_hook", identity_with_backward_hook, no_params(unary())),
]
