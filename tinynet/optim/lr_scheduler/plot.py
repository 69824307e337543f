"""Run a scheduler on a throwaway optimizer to see its learning rate over the steps."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tinynet.optim.lr_scheduler.base import LRScheduler
from tinynet.optim.lr_scheduler.plateau import ReduceLROnPlateau
from tinynet.optim.optimizer import Optimizer
from tinynet.optim.sgd import SGD
from tinynet.tensor import tensor

SchedulerFactory = Callable[[Optimizer], LRScheduler]


def lr_history(
    scheduler_factory: SchedulerFactory,
    steps: int,
    lr: float = 0.1,
    key: str = "lr",
    metric: Callable[[int], float] | None = None,
) -> list[float]:
    """The values of ``group[key]`` (the learning rate, or e.g. "momentum") at steps 0 … steps−1
    of the scheduler that ``scheduler_factory(optimizer)`` builds on ``SGD(lr=lr, momentum=0.9)``
    with one parameter. ReduceLROnPlateau is fed ``metric(step)`` (default: a constant 1.0, so
    the learning rate drops every patience + 1 steps)."""
    parameter = tensor(np.zeros(1), requires_grad=True)
    optimizer = SGD([parameter], lr=lr, momentum=0.9)
    scheduler = scheduler_factory(optimizer)
    metric = metric or (lambda step: 1.0)
    history = []
    for step in range(steps):
        history.append(optimizer.param_groups[0][key])
        if isinstance(scheduler, ReduceLROnPlateau):
            scheduler.step(metric(step))
        else:
            scheduler.step()
    return history


def plot_schedule(
    scheduler_factory: SchedulerFactory,
    steps: int,
    lr: float = 0.1,
    ax=None,
    label: str | None = None,
    key: str = "lr",
    metric: Callable[[int], float] | None = None,
    **plot_kwargs,
):
    """Draw the learning rate (or ``group[key]``) over ``steps`` steps with matplotlib and return
    the Axes. ``scheduler_factory`` takes an optimizer and returns a scheduler, e.g.
    ``lambda opt: StepLR(opt, step_size=30)``; see ``lr_history`` for the setting and ``metric``.
    """
    import matplotlib.pyplot as plt

    history = lr_history(scheduler_factory, steps, lr=lr, key=key, metric=metric)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    if label is None:
        probe = SGD([tensor(np.zeros(1), requires_grad=True)], lr=lr, momentum=0.9)
        label = type(scheduler_factory(probe)).__name__
    ax.plot(range(steps), history, label=label, **plot_kwargs)
    ax.set_xlabel("step")
    ax.set_ylabel("learning rate" if key == "lr" else key)
    return ax
