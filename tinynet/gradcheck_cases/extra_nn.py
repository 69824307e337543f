"""Cases of the further nn functions and layers: margin, ranking, Poisson/Gaussian and triplet
losses, distances, instance/RMS/local-response norm, bilinear, embedding_bag, channel and alpha
dropout. Hinge losses draw their inputs again until every hinge argument is at least 0.05 from its
kink, where finite differences would straddle it."""

from __future__ import annotations

import numpy as np

import tinynet as tn
import tinynet.nn.functional as F
from tinynet import nn
from tinynet.gradcheck_cases import draw as d
from tinynet.gradcheck_cases.case import Case
from tinynet.gradcheck_cases.nn import layer

GAP = 0.05


def away_from_kinks(draw, hinge_arguments):
    """``draw`` again until every value of ``hinge_arguments(arrays, params)`` is GAP from 0."""
    def drawn(rng):
        while True:
            arrays, params = draw(rng)
            if np.all(np.abs(hinge_arguments(arrays, params)) > GAP):
                return arrays, params
    return drawn


def signs(rng, shape):
    return rng.choice([-1.0, 1.0], shape)


def ranking_inputs(rng):
    size = d.integer(rng, 1, 4)
    return (d.array(rng, (size,)), d.array(rng, (size,))), {"target": signs(rng, size)}


def margin_ranking(x1, x2, target):
    return F.margin_ranking_loss(x1, x2, tn.tensor(target), margin=0.3)


def hinge_inputs(rng):
    shape = d.shape(rng, 1, 2)
    return (d.array(rng, shape, avoid=(0.5,), gap=GAP),), {"target": signs(rng, shape)}


def soft_margin_inputs(rng):
    shape = d.shape(rng, 1, 2)
    return (d.array(rng, shape),), {"target": signs(rng, shape)}


def cosine_embedding_inputs(rng):
    batch, size = d.integer(rng, 1, 3), d.integer(rng, 2, 4)
    return ((d.array(rng, (batch, size)), d.array(rng, (batch, size))),
            {"target": signs(rng, batch)})


def cosine_of(arrays, params):
    x1, x2 = arrays
    return (x1 * x2).sum(-1) / np.sqrt((x1 * x1).sum(-1) * (x2 * x2).sum(-1)) - 0.1


def class_scores(rng):
    batch, classes = d.integer(rng, 1, 3), d.integer(rng, 2, 4)
    return ((d.array(rng, (batch, classes)),),
            {"target": rng.integers(0, classes, batch), "p": d.choice(rng, [1, 2]),
             "weight": d.array(rng, (classes,), 0.5, 2.0)})


def multi_margin_hinges(arrays, params):
    (x,), target = arrays, params["target"]
    return 1.0 - x[np.arange(len(target)), target][:, None] + x


def multi_margin(x, target, p, weight):
    return F.multi_margin_loss(x, tn.tensor(target), p=p, weight=tn.tensor(weight))


def multilabel_inputs(rng):
    batch, classes = d.integer(rng, 1, 3), d.integer(rng, 2, 4)
    target = np.full((batch, classes), -1)
    for row in target:
        labels = rng.permutation(classes)[: d.integer(rng, 1, classes)]
        row[: len(labels)] = labels
    return (d.array(rng, (batch, classes)),), {"target": target}


def multilabel_hinges(arrays, params):
    (x,) = arrays
    return 1.0 - x[:, :, None] + x[:, None, :]


def soft_multilabel_inputs(rng):
    shape = (d.integer(rng, 1, 3), d.integer(rng, 1, 4))
    return ((d.array(rng, shape), d.array(rng, shape[1:], 0.5, 2.0)),
            {"target": rng.integers(0, 2, shape).astype(np.float64)})


def poisson_inputs(rng):
    shape = d.shape(rng, 1, 2)
    return ((d.array(rng, shape, 0.1, 3.0),),
            {"target": rng.integers(0, 5, shape).astype(np.float64),
             "log_input": d.choice(rng, [True, False]), "full": d.choice(rng, [True, False])})


def poisson(x, target, log_input, full):
    return F.poisson_nll_loss(x, tn.tensor(target), log_input=log_input, full=full)


def gaussian_inputs(rng):
    shape = (d.integer(rng, 1, 3), d.integer(rng, 1, 3))
    var_shape = d.choice(rng, [shape, shape[:1], shape[:1] + (1,)])
    return ((d.array(rng, shape), d.array(rng, shape), d.array(rng, var_shape, 0.2, 2.0)),
            {"full": d.choice(rng, [True, False])})


def triplet_inputs(rng):
    shape = (d.integer(rng, 1, 3), d.integer(rng, 2, 3))
    return (tuple(d.array(rng, shape) for _ in range(3)),
            {"p": d.choice(rng, [1.0, 2.0, 3.0]), "swap": d.choice(rng, [True, False])})


def _distance(x1, x2, p):
    return (np.abs(x1 - x2 + 1e-6) ** p).sum(-1) ** (1 / p)


def triplet_hinges(arrays, params):
    anchor, positive, negative = arrays
    p = params["p"]
    negative_distance = _distance(anchor, negative, p)
    swapped = _distance(positive, negative, p)
    return np.concatenate([_distance(anchor, positive, p) - negative_distance + 1.0,
                           negative_distance - swapped, anchor - positive, anchor - negative,
                           positive - negative], axis=None)


def cosine_distance(x1, x2):
    return 1.0 - F.cosine_similarity(x1, x2)


def triplet_with_distance_hinges(arrays, params):
    anchor, positive, negative = arrays

    def cos_distance(a, b):
        return 1 - (a * b).sum(-1) / np.sqrt((a * a).sum(-1) * (b * b).sum(-1))
    return cos_distance(anchor, positive) - cos_distance(anchor, negative) + 1.0


def vectors_pair(rng):
    shape = (d.integer(rng, 1, 3), d.integer(rng, 1, 4))
    return (d.array(rng, shape), d.array(rng, shape)), {"p": d.choice(rng, [1.0, 2.0, 3.0])}


def rows(rng):
    return (d.distinct(rng, (d.integer(rng, 2, 4), d.integer(rng, 1, 3))),), {
        "p": d.choice(rng, [1.0, 2.0, 3.0])}


def instance_norm_inputs(rng):
    shape = (d.integer(rng, 1, 2), d.integer(rng, 1, 3)) + d.shape(rng, 1, 2, 2, 3)
    channels = shape[1]
    return (d.distinct(rng, shape), d.array(rng, (channels,)), d.array(rng, (channels,))), {}


def rms_norm_inputs(rng):
    shape = d.shape(rng, 1, 3, 1, 3)
    count = d.integer(rng, 1, len(shape))
    return (d.array(rng, shape, avoid=(0.0,)), d.array(rng, shape[len(shape) - count:])), {
        "normalized_shape": shape[len(shape) - count:]}


def lrn_inputs(rng):
    shape = (d.integer(rng, 1, 2), d.integer(rng, 1, 5)) + d.shape(rng, 1, 2, 1, 3)
    return (d.array(rng, shape),), {"size": d.integer(rng, 1, 4)}


def bilinear_inputs(rng):
    leading = d.shape(rng, 1, 2, 1, 3)
    in1, in2, out = d.integer(rng, 1, 3), d.integer(rng, 1, 3), d.integer(rng, 1, 3)
    return (d.array(rng, leading + (in1,)), d.array(rng, leading + (in2,)),
            d.array(rng, (out, in1, in2)), d.array(rng, (out,))), {}


def embedding_bag_inputs(rng):
    rows_, length = d.integer(rng, 2, 5), d.integer(rng, 1, 6)
    indices = rng.integers(0, rows_, length)
    cuts = np.sort(rng.integers(0, length + 1, d.integer(rng, 0, 2)))
    return ((d.distinct(rng, (rows_, d.integer(rng, 1, 3))), d.array(rng, (length,))),
            {"indices": indices, "offsets": np.concatenate([[0], cuts]).astype(np.int64),
             "mode": d.choice(rng, ["sum", "mean", "max"])})


def embedding_bag(weight, per_sample_weights, indices, offsets, mode):
    return F.embedding_bag(tn.tensor(indices), weight, tn.tensor(offsets), mode=mode,
                           per_sample_weights=per_sample_weights if mode == "sum" else None)


def conv3d_inputs(rng, transposed):
    """x (1, C, D, H, W), a weight of kernel ≤ 2 per dim, a bias, and stride, padding (none for
    the transposed convolution, whose small outputs it would crop away), dilation and groups."""
    groups = d.choice(rng, [1, 2])
    channels, out_channels = 2 * groups, groups * d.integer(rng, 1, 2)
    kernel = tuple(d.integer(rng, 1, 2) for _ in range(3))
    shape = (1, channels) + tuple(d.integer(rng, 2, 3) for _ in range(3))
    weight_shape = ((channels, out_channels // groups) if transposed
                    else (out_channels, channels // groups)) + kernel
    params = {"stride": d.choice(rng, [1, (1, 2, 1)]), "padding": d.choice(rng, [0, (1, 0, 1)]),
              "dilation": d.choice(rng, [1, (2, 1, 1)]), "groups": groups}
    if transposed:  # padding would crop the small outputs away
        params["padding"] = 0
    if not transposed and params["dilation"] != 1 and shape[2] + 2 * (params["padding"] != 0) < 3:
        params["dilation"] = 1
    return (d.array(rng, shape), d.array(rng, weight_shape), d.array(rng, (out_channels,))), params


def ctc_inputs(rng):
    """Log-probabilities (T, N, C), padded targets that repeat labels (so the skip rule matters),
    their lengths, and frame counts long enough for every target."""
    frames, batch, classes = d.integer(rng, 1, 5), d.integer(rng, 1, 3), d.integer(rng, 2, 4)
    target_lengths = rng.integers(0, (frames + 1) // 2 + 1, batch)
    targets = rng.integers(1, classes, (batch, max(int(target_lengths.max()), 1)))
    input_lengths = rng.integers(np.minimum(2 * target_lengths, frames), frames + 1)
    input_lengths[0] = frames
    return (d.array(rng, (frames, batch, classes), -3.0, 0.0),), {
        "targets": targets, "input_lengths": input_lengths, "target_lengths": target_lengths,
        "reduction": d.choice(rng, ["mean", "sum", "none"])}


def ctc(log_probs, targets, input_lengths, target_lengths, reduction):
    return F.ctc_loss(log_probs, tn.tensor(targets), tn.tensor(input_lengths),
                      tn.tensor(target_lengths), reduction=reduction)


_ADAPTIVE = []


def adaptive_log_softmax(x, target):
    """The log-probabilities of AdaptiveLogSoftmaxWithLoss(4, 6, [2, 4]) (one float64 module,
    made at the first call) for targets in the head and both clusters."""
    if not _ADAPTIVE:
        tn.manual_seed(0)
        _ADAPTIVE.append(nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2, 4], div_value=2.0).double())
    return _ADAPTIVE[0](x, tn.tensor(target)).output


def seeded(function):
    """``function(x, 0.5, True)`` with the default generator reseeded: the same mask at every
    finite-difference evaluation."""
    def call(x):
        tn.manual_seed(0)
        return function(x, 0.5, True)
    return call


EXTRA_NN_CASES = [
    Case("margin_ranking_loss", margin_ranking, away_from_kinks(
        ranking_inputs, lambda a, p: -p["target"] * (a[0] - a[1]) + 0.3)),
    Case("hinge_embedding_loss",
         lambda x, target: F.hinge_embedding_loss(x, tn.tensor(target), margin=0.5),
         hinge_inputs),
    Case("soft_margin_loss", lambda x, target: F.soft_margin_loss(x, tn.tensor(target)),
         soft_margin_inputs),
    Case("cosine_embedding_loss",
         lambda x1, x2, target: F.cosine_embedding_loss(x1, x2, tn.tensor(target), margin=0.1),
         away_from_kinks(cosine_embedding_inputs, cosine_of)),
    Case("multi_margin_loss", multi_margin, away_from_kinks(class_scores, multi_margin_hinges)),
    Case("multilabel_margin_loss",
         lambda x, target: F.multilabel_margin_loss(x, tn.tensor(target)),
         away_from_kinks(multilabel_inputs, multilabel_hinges)),
    Case("multilabel_soft_margin_loss",
         lambda x, weight, target: F.multilabel_soft_margin_loss(x, tn.tensor(target), weight),
         soft_multilabel_inputs),
    Case("poisson_nll_loss", poisson, poisson_inputs),
    Case("gaussian_nll_loss", lambda x, y, var, full: F.gaussian_nll_loss(x, y, var, full=full),
         gaussian_inputs),
    Case("triplet_margin_loss",
         lambda a, pos, neg, p, swap: F.triplet_margin_loss(a, pos, neg, p=p, swap=swap),
         away_from_kinks(triplet_inputs, triplet_hinges)),
    Case("triplet_margin_with_distance_loss",
         lambda a, pos, neg: F.triplet_margin_with_distance_loss(
             a, pos, neg, distance_function=cosine_distance),
         away_from_kinks(lambda rng: (triplet_inputs(rng)[0], {}), triplet_with_distance_hinges)),
    Case("pairwise_distance", lambda x1, x2, p: F.pairwise_distance(x1, x2, p),
         away_from_kinks(vectors_pair, lambda a, p: a[0] - a[1])),
    Case("pdist", lambda x, p: F.pdist(x, p), rows),
    Case("cosine_similarity", lambda x1, x2, p: F.cosine_similarity(x1, x2), vectors_pair),
    Case("normalize_p_norm", lambda x, p: F.normalize(x, p), away_from_kinks(
        lambda rng: ((vectors_pair(rng)[0][0],), vectors_pair(rng)[1]), lambda a, p: a[0])),
    Case("instance_norm", lambda x, w, b: F.instance_norm(x, weight=w, bias=b),
         instance_norm_inputs),
    Case("rms_norm", lambda x, w, normalized_shape: F.rms_norm(x, normalized_shape, w),
         rms_norm_inputs),
    Case("local_response_norm",
         lambda x, size: F.local_response_norm(x, size, alpha=0.5, beta=0.75, k=1.0), lrn_inputs),
    Case("bilinear", F.bilinear, bilinear_inputs),
    Case("embedding_bag", embedding_bag, embedding_bag_inputs),
    Case("dropout1d_fixed_mask", seeded(F.dropout1d), lambda rng: (
        (d.array(rng, (d.integer(rng, 1, 2), 3, d.integer(rng, 1, 3))),), {})),
    Case("dropout3d_fixed_mask", seeded(F.dropout3d), lambda rng: (
        (d.array(rng, (2, 1, 2, 1, 2)),), {})),
    Case("alpha_dropout_fixed_mask", seeded(F.alpha_dropout), lambda rng: (
        (d.array(rng, d.shape(rng, 1, 3)),), {})),
    Case("feature_alpha_dropout_fixed_mask", seeded(F.feature_alpha_dropout), lambda rng: (
        (d.array(rng, (2, 3, 2)),), {})),
    Case("ctc_loss", ctc, ctc_inputs),
    Case("adaptive_log_softmax", adaptive_log_softmax, lambda rng: (
        (d.array(rng, (5, 4)),), {"target": rng.integers(0, 6, 5)})),
    Case("conv3d", lambda x, w, b, stride, padding, dilation, groups: F.conv3d(
        x, w, b, stride, padding, dilation, groups), lambda rng: conv3d_inputs(rng, False)),
    Case("conv_transpose3d", lambda x, w, b, stride, padding, dilation, groups: (
        F.conv_transpose3d(x, w, b, stride, padding, 0, groups, dilation)),
        lambda rng: conv3d_inputs(rng, True)),
    layer("InstanceNorm2d", lambda: nn.InstanceNorm2d(2, affine=True), (2, 2, 2, 3),
          distinct=True),
    layer("BatchNorm3d", lambda: nn.BatchNorm3d(2), (2, 2, 2, 1, 2), distinct=True),
    layer("RMSNorm", lambda: nn.RMSNorm([2, 3]), (2, 2, 3), avoid=(0.0,)),
    layer("LocalResponseNorm", lambda: nn.LocalResponseNorm(3, alpha=0.5), (2, 4, 3)),
    layer("CrossMapLRN2d", lambda: nn.CrossMapLRN2d(3, alpha=0.5), (1, 5, 2, 2)),
    layer("Bilinear", lambda: _SelfBilinear(), (3, 2)),
    layer("LazyLinear", lambda: _materialized(nn.LazyLinear(2), (1, 3)), (4, 3)),
]


class _SelfBilinear(nn.Module):
    """Bilinear(2, 2, 3) applied to (x, x): one input for the ``layer`` helper."""

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(tn.zeros(3, 2, 2))
        self.bias = nn.Parameter(tn.zeros(3))

    def forward(self, x):
        return F.bilinear(x, x * 2.0 - 1.0, self.weight, self.bias)


def _materialized(module, input_shape):
    """A Lazy module after its first call on an input of ``input_shape``."""
    module(tn.zeros(*input_shape))
    return module
