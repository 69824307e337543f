"""A finite-difference check of every op and layer, as one literal table (``tinynet gradcheck``).

Each ``GradcheckCase`` names an op or layer and builds, from a seeded NumPy generator, a function
and its float64 inputs. ``check`` compares backward's vector-Jacobian product for a random
upstream gradient v with central differences of <v, f(x)> (``tinynet.autograd.numerical_grad``)
over every input that requires grad (a layer's parameters count as inputs), and reports the
largest absolute error |analytic − numeric| and relative error |analytic − numeric| / (|numeric|
+ atol). A case passes when every element has |analytic − numeric| ≤ atol + rtol·|numeric|, the
rule of ``tinynet.autograd.gradcheck``.

Inputs are drawn away from kinks (relu and abs at 0, ties for max) so that the finite
difference is meaningful.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import tinynet as tn
import tinynet.nn.functional as F
from tinynet import nn
from tinynet.autograd import grad as autograd_grad
from tinynet.autograd import numerical_grad


@dataclass
class GradcheckCase:
    name: str
    make: Callable[[np.random.Generator], tuple[Callable, list]]  # rng -> (fn, inputs)


@dataclass
class GradcheckResult:
    name: str
    max_abs_error: float
    max_rel_error: float
    passed: bool
    seconds: float
    error: str | None = None


def _input(rng, shape, low=-1.0, high=1.0, away_from=None):
    """A float64 tensor requiring grad, uniform in [low, high), at least 0.05 away from
    ``away_from`` (a kink)."""
    values = rng.uniform(low, high, shape)
    if away_from is not None:
        close = np.abs(values - away_from) < 0.05
        values[close] = away_from + np.where(values[close] >= away_from, 0.05, -0.05)
    return tn.tensor(values, dtype=tn.float64, requires_grad=True)


def op(name, fn, *shapes, **input_options) -> GradcheckCase:
    """A case for ``fn(*tensors)`` with inputs of the given shapes."""
    return GradcheckCase(name, lambda rng: (fn, [_input(rng, s, **input_options) for s in shapes]))


def layer(name, build: Callable[[], nn.Module], input_shape, training=True, **input_options):
    """A case for a module (built in float64): the input and every parameter are checked."""
    def make(rng):
        module = build().double().train(training)
        parameters = list(module.parameters())
        return (lambda x, *_: module(x)), [_input(rng, input_shape, **input_options), *parameters]
    return GradcheckCase(name, make)


def with_constant(name, fn, shape, constant: Callable[[np.random.Generator], object], **options):
    """A case for ``fn(x, constant)``: only x (the first input) is differentiated."""
    def make(rng):
        fixed = constant(rng)
        return (lambda x: fn(x, fixed)), [_input(rng, shape, **options)]
    return GradcheckCase(name, make)


def _seeded(compute):
    """compute() with tinynet's default generator reseeded, so a random op (dropout) draws the
    same mask at every finite-difference evaluation."""
    tn.manual_seed(0)
    return compute()


def _labels(count, classes):
    return lambda rng: tn.tensor(rng.integers(0, classes, count))


def _probabilities(shape):
    return lambda rng: tn.tensor(rng.uniform(0.05, 0.95, shape), dtype=tn.float64)


CASES: list[GradcheckCase] = [
    op("add", tn.add, (2, 3), (3,)),
    op("sub", tn.sub, (2, 3), (2, 1)),
    op("mul", tn.mul, (2, 3), (2, 3)),
    op("div", lambda x, y: x / (y + 2.0), (2, 3), (3,)),
    op("neg", tn.neg, (4,)),
    op("pow", lambda x: tn.pow(x, 3), (2, 3)),
    op("pow (tensor exponent)", lambda x, y: tn.pow(x + 2.0, y), (2, 3), (2, 3)),
    op("exp", tn.exp, (2, 3)),
    op("log", tn.log, (2, 3), low=0.1, high=2.0),
    op("sqrt", tn.sqrt, (2, 3), low=0.1, high=2.0),
    op("abs", tn.abs, (2, 3), away_from=0.0),
    op("sin", tn.sin, (2, 3)),
    op("cos", tn.cos, (2, 3)),
    op("tanh", tn.tanh, (2, 3)),
    op("sigmoid", tn.sigmoid, (2, 3)),
    op("relu", tn.relu, (2, 3), away_from=0.0),
    op("clamp", lambda x: tn.clamp(x, -0.5, 0.5), (3, 4), away_from=0.5),
    op("maximum", tn.maximum, (2, 3), (3,)),
    op("minimum", tn.minimum, (2, 3), (2, 3)),
    op("where", lambda x, y: tn.where(x > 0, x, y), (2, 3), (2, 3), away_from=0.0),
    op("sum", lambda x: tn.sum(x, 1), (2, 3)),
    op("mean", lambda x: tn.mean(x, (0, 2), keepdim=True), (2, 3, 2)),
    op("amax", lambda x: tn.amax(x, 1), (3, 4)),
    op("amin", lambda x: tn.amin(x, 0), (3, 4)),
    op("max (dim)", lambda x: tn.max(x, 1).values, (3, 4)),
    op("min (dim)", lambda x: tn.min(x, 0).values, (3, 4)),
    op("var", lambda x: tn.var(x, 1), (3, 4)),
    op("std", lambda x: tn.std(x, 0), (3, 4)),
    op("logsumexp", lambda x: tn.logsumexp(x, 1), (3, 4)),
    op("softmax", lambda x: tn.softmax(x, 1), (3, 4)),
    op("log_softmax", lambda x: tn.log_softmax(x, 1), (3, 4)),
    op("matmul", tn.matmul, (2, 3, 4), (4, 2)),
    op("matmul (vector)", tn.matmul, (3, 4), (4,)),
    op("reshape", lambda x: tn.reshape(x, (3, 2)), (2, 3)),
    op("permute", lambda x: tn.permute(x, (2, 0, 1)), (2, 3, 2)),
    op("transpose", lambda x: tn.transpose(x, 0, 1), (2, 3)),
    op("flatten", lambda x: tn.flatten(x, 1), (2, 3, 2)),
    op("squeeze", lambda x: tn.squeeze(x, 1), (2, 1, 3)),
    op("unsqueeze", lambda x: tn.unsqueeze(x, 0), (2, 3)),
    op("expand", lambda x: x.expand(3, 2, 4), (2, 1)),
    op("getitem (slice)", lambda x: x[1:, ::2], (3, 4)),
    op("getitem (index array)", lambda x: x[tn.tensor([0, 2, 0])], (3, 4)),
    op("cat", lambda x, y: tn.cat([x, y], 1), (2, 3), (2, 2)),
    op("stack", lambda x, y: tn.stack([x, y], 0), (2, 3), (2, 3)),
    op("split", lambda x: tn.split(x, 2, 1)[1], (2, 5)),
    op("chunk", lambda x: tn.chunk(x, 2, 0)[0], (4, 3)),
    op("gather", lambda x: tn.gather(x, 1, tn.tensor([[0, 2], [1, 1]])), (2, 3)),
    op("scatter_add", lambda x, y: tn.scatter_add(x, 1, tn.tensor([[0, 2], [1, 1]]), y),
       (2, 3), (2, 2)),
    op("pad", lambda x: F.pad(x, (1, 2)), (2, 3)),
    op("leaky_relu", lambda x: F.leaky_relu(x, 0.1), (2, 3), away_from=0.0),
    op("elu", F.elu, (2, 3), away_from=0.0),
    op("selu", F.selu, (2, 3), away_from=0.0),
    op("gelu", F.gelu, (2, 3)),
    op("gelu (tanh)", lambda x: F.gelu(x, approximate="tanh"), (2, 3)),
    op("silu", F.silu, (2, 3)),
    op("softplus", F.softplus, (2, 3)),
    op("hardtanh", lambda x: F.hardtanh(x, -0.5, 0.5), (2, 3), away_from=0.5),
    op("linear", F.linear, (2, 3), (4, 3), (4,)),
    op("mse_loss", F.mse_loss, (3, 2), (3, 2)),
    op("l1_loss", F.l1_loss, (3, 2), (3, 2)),
    op("smooth_l1_loss", lambda x, y: F.smooth_l1_loss(x, y, beta=0.5), (3, 2), (3, 2)),
    op("huber_loss", lambda x, y: F.huber_loss(x, y, delta=0.5), (3, 2), (3, 2)),
    op("binary_cross_entropy_with_logits", F.binary_cross_entropy_with_logits, (3, 2), (3, 2),
       low=0.0, high=1.0),
    with_constant("binary_cross_entropy", F.binary_cross_entropy, (3, 2), _probabilities((3, 2)),
                  low=0.05, high=0.95),
    with_constant("cross_entropy", F.cross_entropy, (4, 5), _labels(4, 5)),
    with_constant("cross_entropy (label smoothing)",
                  lambda x, t: F.cross_entropy(x, t, label_smoothing=0.1), (4, 5), _labels(4, 5)),
    with_constant("nll_loss", lambda x, t: F.nll_loss(F.log_softmax(x, 1), t), (4, 5),
                  _labels(4, 5)),
    with_constant("kl_div", lambda x, t: F.kl_div(F.log_softmax(x, 1), t, reduction="batchmean"),
                  (3, 4), _probabilities((3, 4))),
    layer("Linear", lambda: nn.Linear(3, 2), (4, 3)),
    with_constant("embedding (weight)", lambda w, i: F.embedding(i, w), (5, 3),
                  lambda rng: tn.tensor([[0, 3], [3, 1]])),
    layer("PReLU", lambda: nn.PReLU(2), (3, 2, 2), away_from=0.0),
    layer("Conv1d", lambda: nn.Conv1d(2, 3, 3, stride=2, padding=1), (2, 2, 7)),
    layer("Conv2d", lambda: nn.Conv2d(2, 2, 3, stride=1, padding=1), (1, 2, 4, 4)),
    layer("Conv2d (stride, dilation)", lambda: nn.Conv2d(1, 2, 2, stride=2, dilation=2),
          (1, 1, 6, 6)),
    layer("ConvTranspose1d", lambda: nn.ConvTranspose1d(2, 2, 3, stride=2), (1, 2, 4)),
    layer("ConvTranspose2d", lambda: nn.ConvTranspose2d(2, 1, 3, stride=2, padding=1),
          (1, 2, 3, 3)),
    layer("Conv2d (groups)", lambda: nn.Conv2d(4, 2, 2, groups=2), (1, 4, 3, 3)),
    op("unfold", lambda x: F.unfold(x, 2, padding=1), (1, 2, 3, 3)),
    op("fold", lambda x: F.fold(x, (3, 3), 2), (1, 8, 4)),
    op("interpolate (nearest)", lambda x: F.interpolate(x, scale_factor=2), (1, 2, 2, 3)),
    op("dropout (fixed mask)", lambda x: _seeded(lambda: F.dropout(x, 0.5)), (3, 4)),
    layer("MaxPool1d", lambda: nn.MaxPool1d(2), (2, 2, 6)),
    layer("MaxPool2d", lambda: nn.MaxPool2d(2, stride=1), (1, 2, 4, 4)),
    op("max_unpool2d", lambda x: F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2),
       (1, 2, 4, 4)),
    layer("AvgPool1d", lambda: nn.AvgPool1d(3, stride=2, padding=1), (2, 2, 6)),
    layer("AvgPool2d", lambda: nn.AvgPool2d(2), (1, 2, 4, 4)),
    layer("AdaptiveAvgPool2d", lambda: nn.AdaptiveAvgPool2d((2, 3)), (1, 2, 5, 6)),
    layer("BatchNorm1d", lambda: nn.BatchNorm1d(3), (4, 3)),
    layer("BatchNorm2d", lambda: nn.BatchNorm2d(2), (3, 2, 2, 2)),
    layer("BatchNorm2d (eval)", lambda: nn.BatchNorm2d(2), (3, 2, 2, 2), training=False),
    layer("LayerNorm", lambda: nn.LayerNorm(4), (3, 4)),
    layer("GroupNorm", lambda: nn.GroupNorm(2, 4), (2, 4, 3)),
]



def check(case: GradcheckCase, seed: int = 0, eps: float = 1e-6, atol: float = 1e-5,
          rtol: float = 1e-3) -> GradcheckResult:
    """Run one case; an exception becomes a failed result that carries its message."""
    start = time.perf_counter()
    try:
        rng = np.random.default_rng(seed)
        fn, inputs = case.make(rng)
        output = fn(*inputs)
        upstream = rng.standard_normal(output.shape)
        differentiable = [x for x in inputs if x.requires_grad]
        analytic = autograd_grad([output], differentiable, [tn.tensor(upstream, dtype=output.dtype)],
                                 allow_unused=True)
        numeric = [g for g in numerical_grad(fn, inputs, [upstream], eps) if g is not None]
        abs_error = rel_error = 0.0
        passed = True
        for a, n, x in zip(analytic, numeric, differentiable):
            a = np.zeros(x.shape) if a is None else a.numpy().astype(np.float64)
            difference = np.abs(a - n)
            passed &= bool(np.all(difference <= atol + rtol * np.abs(n)))
            abs_error = max(abs_error, float(difference.max(initial=0.0)))
            rel_error = max(rel_error, float((difference / (np.abs(n) + atol)).max(initial=0.0)))
        return GradcheckResult(case.name, abs_error, rel_error, passed,
                               time.perf_counter() - start)
    except Exception as error:  # a broken case is reported in the table, not raised
        return GradcheckResult(case.name, float("nan"), float("nan"), False,
                               time.perf_counter() - start, f"{type(error).__name__}: {error}")


def run(cases: list[GradcheckCase] | None = None, seed: int = 0) -> list[GradcheckResult]:
    """Check every case (default: all of ``CASES``)."""
    return [check(case, seed) for case in (CASES if cases is None else cases)]


def format_table(results: list[GradcheckResult]) -> str:
    """The results as a text table: op, max abs error, max rel error, pass."""
    width = max(len("op"), *(len(r.name) for r in results))
    lines = [f"{'op':<{width}}  {'max abs error':>13}  {'max rel error':>13}  pass",
             f"{'-' * width}  {'-' * 13}  {'-' * 13}  ----"]
    for r in results:
        verdict = "yes" if r.passed else ("ERROR" if r.error else "NO")
        lines.append(f"{r.name:<{width}}  {r.max_abs_error:>13.2e}  {r.max_rel_error:>13.2e}  "
                     f"{verdict}")
        if r.error:
            lines.append(f"{'':<{width}}  {r.error}")
    passed = sum(r.passed for r in results)
    lines.append(f"{passed} of {len(results)} passed")
    return "\n".join(lines)
