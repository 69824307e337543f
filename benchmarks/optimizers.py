"""Pictures of the optimizers and learning-rate schedulers, for learners.

    python benchmarks/optimizers.py --out figures/

writes two PNGs into the folder:

* ``optimizer_trajectories.png``: the path of every optimizer on the Rosenbrock function (a curved
  valley) and on a saddle (a flat ridge between two minima), over the function's contours, with
  the loss per step below;
* ``lr_schedules.png``: the learning rate of every scheduler over the steps (and the momentum, for
  the schedules that cycle it).

Everything runs through tinynet's public API: autograd for the gradients, tinynet.optim for the
steps, tinynet.optim.lr_scheduler for the schedules.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import tinynet as tn
from tinynet import optim
from tinynet.optim import lr_scheduler as schedulers


def rosenbrock(x, y):
    """(1 − x)² + 100·(y − x²)²: minimum 0 at (1, 1), at the end of a long curved valley."""
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def saddle(x, y):
    """x² + y⁴/4 − y²/2: a saddle point at (0, 0) between two minima at (0, ±1), value −1/4."""
    return x * x + y**4 / 4 - y * y / 2


# (label, optimizer class, settings on Rosenbrock, settings on the saddle)
OPTIMIZERS = [
    ("SGD", optim.SGD, {"lr": 2e-3}, {"lr": 0.05}),
    ("SGD momentum", optim.SGD, {"lr": 1e-3, "momentum": 0.9}, {"lr": 0.05, "momentum": 0.9}),
    (
        "SGD Nesterov",
        optim.SGD,
        {"lr": 5e-4, "momentum": 0.9, "nesterov": True},
        {"lr": 0.05, "momentum": 0.9, "nesterov": True},
    ),
    ("Adagrad", optim.Adagrad, {"lr": 0.5}, {"lr": 0.5}),
    ("Adadelta", optim.Adadelta, {"lr": 1.0}, {"lr": 10.0}),
    ("RMSprop", optim.RMSprop, {"lr": 0.01}, {"lr": 0.01}),
    ("Adam", optim.Adam, {"lr": 0.05}, {"lr": 0.05}),
    ("AdamW", optim.AdamW, {"lr": 0.05, "weight_decay": 0.01}, {"lr": 0.05, "weight_decay": 0.01}),
    ("NAdam", optim.NAdam, {"lr": 0.03}, {"lr": 0.03}),
]

PROBLEMS = [
    # (title, function, start, steps, view box (xmin, xmax, ymin, ymax), contour levels, minima)
    (
        "Rosenbrock",
        rosenbrock,
        (-1.2, 1.0),
        1000,
        (-1.6, 1.4, -0.6, 1.6),
        np.logspace(-2, 3, 21),
        [(1.0, 1.0)],
    ),
    (
        "saddle",
        saddle,
        (1.5, 1e-3),
        150,
        (-1.0, 1.7, -1.4, 1.4),
        np.linspace(-0.24, 2.5, 24),
        [(0.0, 1.0), (0.0, -1.0)],
    ),
]


def trajectory(optimizer_class, settings, function, start, steps):
    """The points visited and the loss at each, minimizing ``function`` from ``start``."""
    point = tn.tensor(np.array(start, dtype=np.float64), requires_grad=True)
    optimizer = optimizer_class([point], **settings)
    points, losses = [], []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = function(point[0], point[1])
        loss.backward()
        points.append(point.detach().numpy().copy())
        losses.append(loss.item())
        optimizer.step()
    return np.array(points), np.array(losses)


def plot_trajectories(path: Path) -> None:
    figure, axes = plt.subplots(2, 2, figsize=(14, 10.5), height_ratios=[3, 2])
    colors = plt.cm.tab10(np.linspace(0, 1, 10))
    for column, (title, function, start, steps, box, levels, minima) in enumerate(PROBLEMS):
        contour_ax, loss_ax = axes[0, column], axes[1, column]
        xs, ys = np.meshgrid(np.linspace(box[0], box[1], 300), np.linspace(box[2], box[3], 300))
        contour_ax.contour(xs, ys, function(xs, ys), levels=levels, colors="0.6", linewidths=0.6)
        for index, (label, optimizer_class, *settings) in enumerate(OPTIMIZERS):
            points, losses = trajectory(optimizer_class, settings[column], function, start, steps)
            rosenbrock_settings, saddle_settings = map(_describe, settings)
            style = {
                "color": colors[index],
                "lw": 1.6,
                "label": f"{label}: {rosenbrock_settings} | {saddle_settings}",
            }
            contour_ax.plot(points[:, 0], points[:, 1], **style)
            contour_ax.plot(*points[-1], "o", color=colors[index], ms=4)
            loss_ax.plot(losses if title == "saddle" else np.maximum(losses, 1e-12), **style)
        contour_ax.plot(*start, "ks", ms=7, label="start")
        for minimum in minima:
            contour_ax.plot(*minimum, "*", color="gold", ms=16, mec="black", zorder=5)
        contour_ax.set(
            xlim=box[:2],
            ylim=box[2:],
            xlabel="x",
            ylabel="y",
            title=f"{title}: {function.__doc__.split(':')[0]}, {steps} steps",
        )
        loss_ax.set(xlabel="step", ylabel="loss", title=f"{title}: loss per step")
        if title == "Rosenbrock":
            loss_ax.set_yscale("log")
        loss_ax.grid(alpha=0.3)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    figure.legend(
        handles,
        labels,
        loc="lower center",
        ncol=3,
        fontsize=9,
        title="optimizer: settings on Rosenbrock | on the saddle",
    )
    figure.suptitle("tinynet.optim on two classic surfaces (gold stars: minima)", fontsize=14)
    figure.tight_layout(rect=(0, 0.1, 1, 1))
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _describe(settings: dict) -> str:
    """ "lr=0.05, momentum=0.9": the settings, except the flag already in the label."""
    return ", ".join(f"{key}={value}" for key, value in settings.items() if key != "nesterov")


def plateau_metric(step: int) -> float:
    """A validation loss that improves, then stalls from step 40 on."""
    return max(0.5, 1.0 - step / 80)


# (title, factory, draws momentum too)
SCHEDULES = [
    ("StepLR(step_size=30, gamma=0.5)", lambda o: schedulers.StepLR(o, 30, gamma=0.5), False),
    (
        "MultiStepLR([30, 60, 80], gamma=0.3)",
        lambda o: schedulers.MultiStepLR(o, [30, 60, 80], gamma=0.3),
        False,
    ),
    ("ExponentialLR(gamma=0.97)", lambda o: schedulers.ExponentialLR(o, 0.97), False),
    (
        "PolynomialLR(total_iters=80, power=2)",
        lambda o: schedulers.PolynomialLR(o, total_iters=80, power=2.0),
        False,
    ),
    (
        "ConstantLR(factor=0.25, total_iters=20)",
        lambda o: schedulers.ConstantLR(o, factor=0.25, total_iters=20),
        False,
    ),
    (
        "LinearLR warm-up (0.1 → 1, 25 steps)",
        lambda o: schedulers.LinearLR(o, start_factor=0.1, total_iters=25),
        False,
    ),
    (
        "LambdaLR(1 / (1 + t/10))",
        lambda o: schedulers.LambdaLR(o, lambda t: 1 / (1 + t / 10)),
        False,
    ),
    (
        "CosineAnnealingLR(T_max=50, eta_min=0.01)",
        lambda o: schedulers.CosineAnnealingLR(o, 50, eta_min=0.01),
        False,
    ),
    (
        "CosineAnnealingWarmRestarts(T_0=10, T_mult=2)",
        lambda o: schedulers.CosineAnnealingWarmRestarts(o, T_0=10, T_mult=2),
        False,
    ),
    (
        "ReduceLROnPlateau(patience=10) on a stalling loss",
        lambda o: schedulers.ReduceLROnPlateau(o, patience=10, factor=0.5),
        False,
    ),
    ("CyclicLR triangular", lambda o: schedulers.CyclicLR(o, 0.01, 0.1, step_size_up=15), True),
    (
        "CyclicLR triangular2",
        lambda o: schedulers.CyclicLR(o, 0.01, 0.1, step_size_up=10, mode="triangular2"),
        True,
    ),
    (
        "CyclicLR exp_range (gamma=0.98)",
        lambda o: schedulers.CyclicLR(o, 0.01, 0.1, step_size_up=10, mode="exp_range", gamma=0.98),
        True,
    ),
    ("OneCycleLR (cos)", lambda o: schedulers.OneCycleLR(o, max_lr=0.1, total_steps=100), True),
    (
        "OneCycleLR (linear, three_phase)",
        lambda o: schedulers.OneCycleLR(
            o, max_lr=0.1, total_steps=100, anneal_strategy="linear", three_phase=True
        ),
        True,
    ),
    (
        "SequentialLR: LinearLR warm-up, then cosine",
        lambda o: schedulers.SequentialLR(
            o,
            [
                schedulers.LinearLR(o, start_factor=0.05, total_iters=15),
                schedulers.CosineAnnealingLR(o, T_max=85),
            ],
            milestones=[15],
        ),
        False,
    ),
]


def plot_schedules(path: Path, steps: int = 100) -> None:
    columns = 4
    rows = -(-len(SCHEDULES) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(17, 3.2 * rows), sharex=True)
    for ax, (title, factory, cycles_momentum) in zip(axes.flat, SCHEDULES):
        schedulers.plot_schedule(
            factory, steps, lr=0.1, ax=ax, label="lr", color="tab:blue", metric=plateau_metric
        )
        ax.set_title(title, fontsize=10)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        if cycles_momentum:
            momentum_ax = ax.twinx()
            momenta = schedulers.lr_history(factory, steps, lr=0.1, key="momentum")
            momentum_ax.plot(momenta, color="tab:orange", lw=1, ls="--", label="momentum")
            momentum_ax.set_ylabel("momentum", color="tab:orange")
            momentum_ax.set_ylim(0.75, 1.0)
    for ax in axes.flat[len(SCHEDULES) :]:
        ax.axis("off")
    figure.suptitle(
        "tinynet.optim.lr_scheduler: learning rate per step from lr=0.1 (dashed: cycled momentum)",
        fontsize=14,
    )
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the PNG files")
    arguments = parser.parse_args()
    arguments.out.mkdir(parents=True, exist_ok=True)
    for name, draw in (
        ("optimizer_trajectories.png", plot_trajectories),
        ("lr_schedules.png", plot_schedules),
    ):
        started = time.perf_counter()
        draw(arguments.out / name)
        print(f"wrote {arguments.out / name} in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
