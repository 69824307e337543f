"""Rprop: per-coordinate step sizes that grow while the gradient keeps its sign."""

from __future__ import annotations

import numpy as np

from tinynet.optim.optimizer import (
    Optimizer,
    ParamsT,
    check_non_negative,
    implementation_flags,
)


class Rprop(Optimizer):
    """Resilient backpropagation (Riedmiller & Braun, 1993), the variant PyTorch implements.

    Only the sign of the gradient is used. Each coordinate has its own step size Δ (starting at
    lr) and remembers its previous gradient g′ (starting at 0)::

        s = sign(g·g′)
        Δ ← clamp(Δ·η₊, Δ_min, Δ_max)   where s > 0   (same sign again: speed up)
        Δ ← clamp(Δ·η₋, Δ_min, Δ_max)   where s < 0   (the sign flipped: overshot, slow down)
        g ← 0                            where s < 0   (and skip this coordinate's step)
        θ ← θ − sign(g)·Δ
        g′ ← g

    It is meant for full-batch training: mini-batch noise flips signs at random.

    Args:
        params: tensors or param-group dicts.
        lr: the initial step size of every coordinate (default 1e-2).
        etas: (η₋, η₊), the factors that shrink and grow Δ, 0 < η₋ < 1 < η₊ (default (0.5, 1.2)).
        step_sizes: (Δ_min, Δ_max), the bounds of Δ (default (1e-6, 50)).
        maximize: ascend the objective instead of descending it.
        foreach, capturable, differentiable: PyTorch's implementation switches, accepted with
            PyTorch's defaults; see ``tinynet.optim.optimizer.implementation_flags``.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ):
        defaults = {
            "lr": lr,
            "etas": tuple(etas),
            "step_sizes": tuple(step_sizes),
            "maximize": maximize,
            **implementation_flags(foreach, capturable, differentiable),
        }
        super().__init__(params, defaults)

    def check_hyperparameters(self, group: dict) -> None:
        check_non_negative(group, "lr")
        eta_minus, eta_plus = group["etas"]
        if not 0.0 < eta_minus < 1.0 < eta_plus:
            raise ValueError(
                f"Invalid eta values: {eta_minus}, {eta_plus} (need 0 < etas[0] < 1 < etas[1])"
            )
        low, high = group["step_sizes"]
        if not 0.0 <= low <= high:
            raise ValueError(
                f"Invalid step_sizes: {low}, {high} (need 0 <= step_sizes[0] <= step_sizes[1])"
            )

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        eta_minus, eta_plus = group["etas"]
        low, high = group["step_sizes"]
        if not state:
            state.update(
                step=0, prev=np.zeros_like(param), step_size=np.full_like(param, group["lr"])
            )
        state["step"] += 1
        sign = np.sign(grad * state["prev"])
        factor = np.where(sign > 0, eta_plus, np.where(sign < 0, eta_minus, 1.0))
        step_size = state["step_size"]
        step_size *= factor.astype(param.dtype, copy=False)
        np.clip(step_size, low, high, out=step_size)
        grad = np.where(sign < 0, 0.0, grad).astype(param.dtype, copy=False)
        param -= np.sign(grad) * step_size
        state["prev"][...] = grad
