"""ASGD: stochastic gradient descent that also keeps a running average of the iterates."""

from __future__ import annotations

import numpy as np

from tinynet.optim.optimizer import (
    Optimizer,
    ParamsT,
    check_non_negative,
    implementation_flags,
)


class ASGD(Optimizer):
    """Averaged SGD (Polyak & Juditsky, 1992), with PyTorch's step-size schedule.

    For a parameter θ with gradient g, at step t = 1, 2, ...; η starts at lr, μ at 1, θ̄ at 0::

        g ← g + weight_decay·θ                 (if weight_decay ≠ 0)
        θ ← θ·(1 − λ·η) − η·g                  (an SGD step with a decay term)
        θ̄ ← θ̄ + μ·(θ − θ̄)                      (θ̄ = θ while μ = 1)
        η ← lr / (1 + λ·lr·t)^α                 (the step size of the next step)
        μ ← 1 / max(1, t − t0)                  (averaging starts after t0 steps)

    The parameter itself follows plain (decaying-step) SGD; the average θ̄, which is what the
    theory says converges fast, is kept in ``optimizer.state[param]["ax"]`` (copy it into the
    parameter to evaluate with it), as in PyTorch.

    Args:
        params: tensors or param-group dicts.
        lr: learning rate (default 1e-2).
        lambd: decay term λ (default 1e-4).
        alpha: power α of the step-size decay (default 0.75).
        t0: the step at which averaging starts (default 1e6).
        weight_decay: L2 factor added as weight_decay·θ to the gradient (default 0).
        maximize: ascend the objective instead of descending it.
        foreach, capturable, differentiable: PyTorch's implementation switches, accepted with
            PyTorch's defaults; see ``tinynet.optim.optimizer.implementation_flags``.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0.0,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ):
        defaults = {
            "lr": lr,
            "lambd": lambd,
            "alpha": alpha,
            "t0": t0,
            "weight_decay": weight_decay,
            "maximize": maximize,
            **implementation_flags(foreach, capturable, differentiable),
        }
        super().__init__(params, defaults)

    def check_hyperparameters(self, group: dict) -> None:
        check_non_negative(group, "lr", "weight_decay")

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        lr, lambd = group["lr"], group["lambd"]
        if not state:
            state.update(step=0, eta=float(lr), mu=1.0, ax=np.zeros_like(param))
        state["step"] += 1
        step, eta = state["step"], state["eta"]
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        param *= 1 - lambd * eta
        param -= eta * grad
        ax = state["ax"]
        if state["mu"] != 1:
            ax += (param - ax) * state["mu"]
        else:
            ax[...] = param
        state["eta"] = lr / (1 + lambd * lr * step) ** group["alpha"]
        state["mu"] = 1 / max(1, step - group["t0"])
