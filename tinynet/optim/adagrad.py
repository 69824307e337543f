"""Adagrad: per-coordinate learning rates that shrink with the sum of squared gradients."""

from __future__ import annotations

import numpy as np

from tinynet.optim.optimizer import (
    Optimizer,
    ParamsT,
    check_non_negative,
    implementation_flags,
)


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011).

    For a parameter θ with gradient g, at step t = 1, 2, ...::

        g ← g + weight_decay·θ                       (if weight_decay ≠ 0)
        lr_t = lr / (1 + (t − 1)·lr_decay)
        s ← s + g²                                    (s starts at initial_accumulator_value)
        θ ← θ − lr_t · g / (√s + eps)

    Coordinates with large past gradients take small steps; the steps only ever shrink.

    Args:
        params: tensors or param-group dicts.
        lr: learning rate (default 1e-2).
        lr_decay: learning-rate decay per step (default 0).
        weight_decay: L2 factor added as λ·θ to the gradient (default 0).
        initial_accumulator_value: starting value of the sum of squares s (default 0).
        eps: added to √s for numerical stability (default 1e-10).
        maximize: ascend the objective instead of descending it.
        foreach, fused, capturable, differentiable: PyTorch's implementation switches, accepted
            with PyTorch's defaults; see ``tinynet.optim.optimizer.implementation_flags``.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ):
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "maximize": maximize,
            **implementation_flags(
                foreach, False, differentiable, fused,
                accepted=("foreach", "differentiable", "fused"),
            ),
        }
        super().__init__(params, defaults)

    def check_hyperparameters(self, group: dict) -> None:
        check_non_negative(
            group, "lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"
        )

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(param, group["initial_accumulator_value"])
        state["step"] += 1
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        decayed_lr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state["sum"] += grad * grad
        param -= decayed_lr * (grad / (np.sqrt(state["sum"]) + group["eps"]))
