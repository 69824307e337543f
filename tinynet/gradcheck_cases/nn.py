"""Cases of what neural-network layers add: activations, losses, batch/layer/group norm, dropout,
embedding, and layers called as modules (their parameters are inputs of the case too)."""

from __future__ import annotations

import numpy as np

import tinynet as tn
import tinynet.nn.functional as F
from tinynet import nn
from tinynet.gradcheck_cases import draw as d
from tinynet.gradcheck_cases.case import Case
from tinynet.gradcheck_cases.core import unary
from tinynet.ops import nn_ops
from tinynet.ops.normalization import BatchNormBackward, Normalize


def same_shape_pair(low=-3.0, high=3.0, second_low=None, second_high=None, max_dims=3):
    """Two arrays of one shape (input and target of an elementwise loss)."""
    def draw(rng):
        shape = d.shape(rng, max_dims=max_dims)
        second = (low if second_low is None else second_low,
                  high if second_high is None else second_high)
        return (d.array(rng, shape, low, high), d.array(rng, shape, *second)), {}
    return draw


def untied_same_shape_pair(rng):
    """Input and target 0.05 to 1 apart everywhere (l1_loss has a kink where they meet)."""
    x = d.array(rng, d.shape(rng))
    offset = d.array(rng, x.shape, 0.05, 1.0) * rng.choice([-1.0, 1.0], x.shape)
    return (x, x + offset), {}


def layer(name, build, input_shape, training=True, avoid=(), distinct=False,
          gradgrad=True) -> Case:
    """A case for the module ``build()`` (in float64) applied to an input of ``input_shape``: the
    input and every parameter are differentiated. The input is uniform in [-1, 1) away from
    ``avoid``, or with ``distinct`` values (no ties for pooling, no σ ≈ 0 for normalization); the
    parameters, uniform in [-1, 1), take the place of the module's own for the call."""
    built = []

    def module():
        if not built:
            built.append(build().double().train(training))
        return built[0]

    def draw(rng):
        x = (d.distinct(rng, input_shape) if distinct
             else d.array(rng, input_shape, -1.0, 1.0, avoid))
        return (x,) + tuple(d.array(rng, p.shape, -1.0, 1.0) for p in module().parameters()), {}

    def call(x, *parameters):
        layer_module = module()
        names = [n for n, p in layer_module._parameters.items() if p is not None]
        for parameter_name, value in zip(names, parameters):
            layer_module._parameters[parameter_name] = value
            object.__setattr__(layer_module, parameter_name, value)
        return layer_module(x)

    return Case(name, call, draw, gradgrad)


def labels_inputs(rng):
    """Logits (N, C) and class indices (N,)."""
    batch, classes = d.integer(rng, 1, 4), d.integer(rng, 2, 5)
    return (d.array(rng, (batch, classes)),), {"target": rng.integers(0, classes, batch)}


def cross_entropy_inputs(rng):
    """Logits (N, C) or (N, C, d), class indices (some maybe ignored: -100), optional class
    weights, a reduction."""
    batch, classes = d.integer(rng, 1, 3), d.integer(rng, 1, 4)
    extra = d.choice(rng, [(), (2,)])
    target = rng.integers(0, classes, (batch,) + extra)
    if rng.random() < 0.5:
        target.flat[0] = -100
    reduction = d.choice(rng, ["mean", "sum", "none"])
    if reduction == "mean" and (target == -100).all():  # all ignored: NaN, nothing to check
        target.flat[0] = 0
    weight = d.array(rng, (classes,), 0.5, 2.0) if rng.random() < 0.5 else None
    return (d.array(rng, (batch, classes) + extra),), {"target": target, "weight": weight,
                                                        "reduction": reduction}


def cross_entropy(x, target, weight=None, reduction="mean", label_smoothing=0.0):
    weight = None if weight is None else tn.tensor(weight)
    return F.cross_entropy(x, tn.tensor(target), weight, reduction=reduction,
                           label_smoothing=label_smoothing)


def reduced_pair(low=-3.0, high=3.0, second_low=None, second_high=None):
    """An elementwise loss's input and target and a reduction (for the one-node losses)."""
    pair = same_shape_pair(low, high, second_low, second_high, max_dims=2)

    def draw(rng):
        arrays, _ = pair(rng)
        return arrays, {"reduction": d.choice(rng, ["mean", "sum", "none"])}
    return draw


def weighted_logits_inputs(rng):
    """Logits and targets in [0, 1], with a weight and a pos_weight (per class, last dim)."""
    (x, y), _ = same_shape_pair(second_low=0.0, second_high=1.0, max_dims=2)(rng)
    classes = x.shape[-1] if x.ndim else 1
    return (x, y), {"weight": d.array(rng, x.shape, 0.5, 2.0),
                    "pos_weight": d.array(rng, (classes,) if x.ndim else (), 0.5, 3.0),
                    "reduction": d.choice(rng, ["mean", "sum", "none"])}


def weighted_probabilities_inputs(rng):
    (x, y), _ = same_shape_pair(0.05, 0.95, 0.0, 1.0, max_dims=2)(rng)
    return (x, y), {"weight": d.array(rng, x.shape, 0.5, 2.0),
                    "reduction": d.choice(rng, ["mean", "sum", "none"])}


def nll_loss_case(x, target, weight=None, reduction="mean"):
    weight = None if weight is None else tn.tensor(weight)
    return F.nll_loss(x, tn.tensor(target), weight, reduction=reduction)


def unbatched_labels_inputs(rng):
    """Logits (C,) and one class index ()."""
    classes = d.integer(rng, 2, 5)
    return (d.array(rng, (classes,)),), {"target": np.asarray(rng.integers(0, classes)),
                                         "reduction": d.choice(rng, ["mean", "sum", "none"])}


def kl_div_inputs(rng):
    shape = (d.integer(rng, 1, 3), d.integer(rng, 2, 4))
    target = d.array(rng, shape, 0.05, 0.95)
    return (d.array(rng, shape),), {"target": target / target.sum(1, keepdims=True)}


def batch_norm_inputs(affine=True, spread=True):
    """x (N, C, *) with at least two values per channel, and γ, β (C,) when ``affine``. With
    ``spread``, every channel's values are spread out (variance > 0.1), away from σ ≈ 0 where
    the normalization's derivatives blow up."""
    def draw(rng):
        while True:
            shape = d.shape(rng, min_dims=2, max_dims=4, max_side=3)
            x = d.array(rng, shape)
            per_channel = x.size // shape[1]
            if not spread or (per_channel >= 2 and np.all(
                    x.var(axis=(0,) + tuple(range(2, x.ndim))) > 0.1)):
                break
        if not affine:
            return (x,), {}
        return (x, d.array(rng, (shape[1],)), d.array(rng, (shape[1],))), {}
    return draw


def batch_norm_eval_inputs(rng):
    """Eval mode: running statistics as constant parameters."""
    (x, weight, bias), _ = batch_norm_inputs(spread=False)(rng)
    channels = x.shape[1]
    return (x, weight, bias), {"running_mean": d.array(rng, (channels,)),
                               "running_var": d.array(rng, (channels,), 0.2, 3.0)}


def batch_norm_eval(x, weight, bias, running_mean, running_var):
    return F.batch_norm(x, tn.tensor(running_mean), tn.tensor(running_var), weight, bias)


def batch_norm_backward_inputs(rng):
    """g and x̂ (N, C, *) and a per-channel scale (1, C, 1, ...): the formula is a polynomial, so
    any values do (x̂ need not be normalized)."""
    shape = d.shape(rng, min_dims=2, max_dims=4, max_side=3)
    scale_shape = (1, shape[1]) + (1,) * (len(shape) - 2)
    return (d.array(rng, shape), d.array(rng, shape), d.array(rng, scale_shape)), {}


def identity_with_backward_hook(x):
    """The op modules wrap around inputs and outputs for full backward hooks."""
    (y,) = nn_ops.BackwardHook.apply(x, on_backward=lambda grads: None)
    return y * 1.0


def seeded_dropout(x):
    """F.dropout with tinynet's default generator reseeded, so that every finite-difference
    evaluation draws the same mask."""
    tn.manual_seed(0)
    return F.dropout(x, 0.5)


def embedding_inputs(rng):
    rows = d.integer(rng, 2, 5)
    weight = d.array(rng, (rows, d.integer(rng, 1, 3)))
    return (weight,), {"indices": rng.integers(0, rows, d.shape(rng, min_dims=1, max_dims=2))}


NN_CASES = [
    Case("leaky_relu", lambda x: F.leaky_relu(x, 0.1), unary(avoid=(0.0,))),
    Case("elu", F.elu, unary(avoid=(0.0,))),
    Case("selu", F.selu, unary(avoid=(0.0,))),
    Case("gelu", F.gelu, unary()),
    Case("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), unary()),
    Case("silu", F.silu, unary()),
    Case("softplus", F.softplus, unary(low=-20.0, high=20.0)),
    Case("hardtanh", lambda x: F.hardtanh(x, -0.5, 0.5), unary(-1.0, 1.0, avoid=(-0.5, 0.5))),
    Case("erf", nn_ops.erf, unary()),
    Case("step", F.step, unary(avoid=(0.0,))),
    Case("backward_hook", identity_with_backward_hook, unary()),
    Case("dropout_fixed_mask", seeded_dropout, unary(min_dims=1)),
    Case("mse_loss", F.mse_loss, same_shape_pair()),
    Case("l1_loss", F.l1_loss, untied_same_shape_pair),
    Case("smooth_l1_loss", lambda x, y: F.smooth_l1_loss(x, y, beta=0.5), same_shape_pair()),
    Case("huber_loss", lambda x, y: F.huber_loss(x, y, delta=0.5), same_shape_pair()),
    Case("binary_cross_entropy", F.binary_cross_entropy,
         same_shape_pair(0.05, 0.95, 0.0, 1.0, max_dims=2)),
    Case("binary_cross_entropy_with_logits", F.binary_cross_entropy_with_logits,
         same_shape_pair(second_low=0.0, second_high=1.0)),
    Case("cross_entropy", cross_entropy, cross_entropy_inputs),
    Case("mse_reductions", lambda x, y, reduction: F.mse_loss(x, y, reduction=reduction),
         reduced_pair()),
    Case("smooth_l1_reductions",
         lambda x, y, reduction: F.smooth_l1_loss(x, y, reduction=reduction, beta=1.5),
         reduced_pair()),
    Case("huber_reductions",
         lambda x, y, reduction: F.huber_loss(x, y, reduction=reduction, delta=1.5),
         reduced_pair()),
    Case("binary_cross_entropy_weighted",
         lambda x, y, weight, reduction: F.binary_cross_entropy(
             x, y, tn.tensor(weight), reduction=reduction),
         weighted_probabilities_inputs),
    Case("binary_cross_entropy_with_logits_weighted",
         lambda x, y, weight, pos_weight, reduction: F.binary_cross_entropy_with_logits(
             x, y, tn.tensor(weight), reduction=reduction, pos_weight=tn.tensor(pos_weight)),
         weighted_logits_inputs),
    Case("nll_loss_weighted_ignored", nll_loss_case, cross_entropy_inputs),
    Case("cross_entropy_unbatched", cross_entropy, unbatched_labels_inputs),
    Case("cross_entropy_label_smoothing",
         lambda x, target: cross_entropy(x, target, label_smoothing=0.1), labels_inputs),
    Case("nll_loss", lambda x, target: F.nll_loss(F.log_softmax(x, 1), tn.tensor(target)),
         labels_inputs),
    Case("kl_div", lambda x, target: F.kl_div(F.log_softmax(x, 1), tn.tensor(target),
                                              reduction="batchmean"), kl_div_inputs),
    Case("embedding", lambda weight, indices: F.embedding(tn.tensor(indices), weight),
         embedding_inputs),
    Case("batch_norm_train", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
         batch_norm_inputs()),
    Case("batch_norm_train_no_affine", lambda x: F.batch_norm(x, None, None, training=True),
         batch_norm_inputs(affine=False)),
    Case("batch_norm_eval", batch_norm_eval, batch_norm_eval_inputs),
    Case("normalize", lambda x: Normalize.apply(x, eps=1e-5), batch_norm_inputs(affine=False)),
    Case("batch_norm_backward", BatchNormBackward.apply, batch_norm_backward_inputs),
    layer("Linear", lambda: nn.Linear(3, 2), (4, 3)),
    layer("PReLU", lambda: nn.PReLU(2), (3, 2, 2), avoid=(0.0,)),
    layer("BatchNorm1d", lambda: nn.BatchNorm1d(3), (4, 3), distinct=True),
    layer("BatchNorm2d", lambda: nn.BatchNorm2d(2), (3, 2, 2, 2), distinct=True),
    layer("BatchNorm2d_eval", lambda: nn.BatchNorm2d(2), (3, 2, 2, 2), training=False),
    layer("LayerNorm", lambda: nn.LayerNorm(4), (3, 4), distinct=True),
    layer("GroupNorm", lambda: nn.GroupNorm(2, 4), (2, 4, 3), distinct=True),
]
