"""Exploding gradients and ``nn.utils.clip_grad_norm_``: the other half of the vanishing-gradient
study (``tinynet train vanishing`` runs both).

A tanh RNN whose recurrent weights are drawn large, W_hh ~ N(0, GAIN²/H) with GAIN = 3, is in
the chaotic regime: its states stay bounded (tanh), but a small change of h_t is amplified at
every later step, so ∂loss/∂θ grows geometrically with the sequence length. One SGD step with
such a gradient throws the weights far away. ``clip_grad_norm_(parameters, max_norm)`` rescales
the whole gradient to norm ``max_norm`` when it is larger (keeping its direction), which bounds
every step. Measured here on the adding problem: the gradient norm against the length with and
without clipping, and SGD from the same initial weights with and without clipping.
"""

from __future__ import annotations

import math

import numpy as np

import tinynet as tn

GAIN = 3.0
HIDDEN = 32
MAX_NORM = 1.0
LAGS, SHORT_LAGS = (5, 10, 20, 40, 80), (5, 10, 20, 40)
TRAIN_LAG, TRAIN_STEPS, SHORT_TRAIN_STEPS, SGD_LR = 40, 100, 20, 0.05


def exploding_model(seed: int = 0):
    """A ``LastStepRegressor`` around a tanh RNN (2 inputs, ``HIDDEN`` units) whose W_hh entries
    are N(0, GAIN² / HIDDEN), the rest PyTorch's initialisation, drawn from ``seed``."""
    from tinynet.models import LastStepRegressor

    generator = tn.Generator(seed)
    model = LastStepRegressor("rnn", 2, HIDDEN)
    with tn.no_grad():
        for parameter in model.parameters():
            parameter.uniform_(-1 / math.sqrt(HIDDEN), 1 / math.sqrt(HIDDEN), generator=generator)
        model.rnn.weight_hh_l0.normal_(0.0, GAIN / math.sqrt(HIDDEN), generator=generator)
    return model


def gradient_norm(model, inputs, targets, max_norm: float | None = None) -> tuple[float, float]:
    """(‖∇θ loss‖ before, after ``clip_grad_norm_(θ, max_norm)``) for the MSE of ``model`` on
    (inputs, targets); without ``max_norm`` no clipping (both the same)."""
    model.zero_grad()
    tn.nn.functional.mse_loss(model(inputs), targets).backward()
    parameters = list(model.parameters())
    before = float(tn.nn.utils.clip_grad_norm_(parameters, math.inf if max_norm is None
                                               else max_norm))
    after = float(tn.nn.utils.clip_grad_norm_(parameters, math.inf))
    model.zero_grad()
    return before, after


def sgd_losses(model, inputs, targets, steps: int, clip: bool) -> list[float | None]:
    """The training loss before each of ``steps`` SGD steps (lr ``SGD_LR``) on one batch, the
    gradient clipped to ``MAX_NORM`` when ``clip``; None for a non-finite loss (training
    stops there)."""
    optimizer = tn.optim.SGD(model.parameters(), lr=SGD_LR)
    losses: list[float | None] = []
    with np.errstate(over="ignore", invalid="ignore"):  # the unclipped run overflows on purpose
        for _ in range(steps):
            optimizer.zero_grad()
            loss = tn.nn.functional.mse_loss(model(inputs), targets)
            if not math.isfinite(loss.item()):
                losses.append(None)
                break
            losses.append(loss.item())
            loss.backward()
            if clip:
                tn.nn.utils.clip_grad_norm_(model.parameters(), MAX_NORM)
            optimizer.step()
    return losses


def exploding_study(seed: int = 0, short: bool = False) -> dict:
    """{"lags", "unclipped", "clipped" (gradient norms per length), "train_lag", "losses":
    {"unclipped", "clipped"}} for the model of ``exploding_model(seed)``, on 64 sequences of
    the adding problem per length; ``short`` uses fewer lengths and steps."""
    from tinynet.data.datasets.sequence_tasks import adding_problem

    lags = SHORT_LAGS if short else LAGS
    model = exploding_model(seed)
    unclipped, clipped = [], []
    for lag in lags:
        inputs, targets = adding_problem(64, lag, seed=seed)
        before, after = gradient_norm(model, inputs, targets, MAX_NORM)
        unclipped.append(before)
        clipped.append(after)
    inputs, targets = adding_problem(64, TRAIN_LAG, seed=seed + 1)
    steps = SHORT_TRAIN_STEPS if short else TRAIN_STEPS
    losses = {name: sgd_losses(exploding_model(seed), inputs, targets, steps, clip)
              for name, clip in (("unclipped", False), ("clipped", True))}
    return {"gain": GAIN, "hidden_size": HIDDEN, "max_norm": MAX_NORM, "lags": list(lags),
            "unclipped": unclipped, "clipped": clipped, "train_lag": TRAIN_LAG, "sgd_lr": SGD_LR,
            "losses": losses}


def plot_exploding(result: dict, path):
    """Two panels: the gradient norm against the length (with and without clipping), and the
    SGD training loss with and without clipping."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, 3.6))
    FigureCanvasAgg(figure)
    left, right = figure.subplots(1, 2)
    left.plot(result["lags"], result["unclipped"], "o-", color="tab:red", label="unclipped")
    left.plot(result["lags"], result["clipped"], "o-", color="tab:blue",
              label=f"clip_grad_norm_(max_norm={result['max_norm']})")
    left.set(yscale="log", xticks=result["lags"], xlabel="sequence length T", ylabel="‖∇θ loss‖",
             title=f"tanh RNN, W_hh ~ N(0, {result['gain']}²/H)")
    for name, color in (("unclipped", "tab:red"), ("clipped", "tab:blue")):
        values = [np.nan if v is None else v for v in result["losses"][name]]
        right.plot(np.arange(len(values)), values, color=color, label=name)
    right.set(yscale="log", xlabel="SGD step", ylabel="training loss (MSE)",
              title=f"SGD, lr {result['sgd_lr']}, T = {result['train_lag']}")
    for axis in (left, right):
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    return path


def exploding_markdown(result: dict) -> str:
    """The measurements as Markdown: a table of the norms per length, and the two loss curves
    in a sentence."""
    from tinynet.report import markdown_table

    rows = [[lag, f"{u:.3g}", f"{c:.3g}"]
            for lag, u, c in zip(result["lags"], result["unclipped"], result["clipped"])]
    text = markdown_table(
        ["T", "‖∇θ loss‖ unclipped", f"after clip_grad_norm_({result['max_norm']})"], rows)

    def describe(losses):
        finite = [v for v in losses if v is not None]
        ending = ("became non-finite" if losses and losses[-1] is None
                  else f"ended at {finite[-1]:.3g}")
        return (f"started at {finite[0]:.3g}, peaked at {max(finite):.3g} and {ending} after "
                f"{len(losses)} steps")

    return (f"### Exploding gradients and clip_grad_norm_\n\nA tanh RNN of {result['hidden_size']} "
            f"units with W_hh ~ N(0, {result['gain']}²/H) (chaotic: bounded states, gradients "
            f"that grow with the length), one batch of 64 adding-problem sequences per length:\n\n"
            f"{text}\n\nSGD (lr {result['sgd_lr']}) from the same initial weights on one batch "
            f"of length {result['train_lag']}: without clipping the loss "
            f"{describe(result['losses']['unclipped'])}; with clipping it "
            f"{describe(result['losses']['clipped'])}.")
