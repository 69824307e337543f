"""Adamax: Adam with the infinity norm of past gradients in place of their root mean square."""

from __future__ import annotations

import numpy as np

from tinynet.optim.optimizer import (
    Optimizer,
    ParamsT,
    check_betas,
    check_non_negative,
    implementation_flags,
)


class Adamax(Optimizer):
    """Adamax (Kingma & Ba, 2015, section 7.1), as PyTorch implements it.

    For a parameter θ with gradient g, at step t = 1, 2, ...; m and u start at zero::

        g ← g + λ·θ                          (if λ = weight_decay ≠ 0)
        m ← β1·m + (1 − β1)·g
        u ← max(β2·u, |g| + eps)             (a decaying running maximum of |g|)
        θ ← θ − lr/(1 − β1ᵗ) · m / u

    u needs no bias correction: it is a maximum, not an average that starts at zero. eps is added
    to |g| inside the maximum, as in PyTorch, so u is never zero.

    Args:
        params: tensors or param-group dicts.
        lr: learning rate (default 2e-3).
        betas: (β1, β2), decay rates of m and u (default (0.9, 0.999)).
        eps: added to |g| (default 1e-8).
        weight_decay: λ (default 0).
        maximize: ascend the objective instead of descending it.
        foreach, capturable, differentiable: PyTorch's implementation switches, accepted with
            PyTorch's defaults; see ``tinynet.optim.optimizer.implementation_flags``.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ):
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            **implementation_flags(foreach, capturable, differentiable),
        }
        super().__init__(params, defaults)

    def check_hyperparameters(self, group: dict) -> None:
        check_non_negative(group, "lr", "eps", "weight_decay")
        check_betas(group["betas"])

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        beta1, beta2 = group["betas"]
        if not state:
            state.update(step=0, exp_avg=np.zeros_like(param), exp_inf=np.zeros_like(param))
        state["step"] += 1
        exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        exp_avg *= beta1
        exp_avg += (1 - beta1) * grad
        exp_inf *= beta2
        np.maximum(exp_inf, np.abs(grad) + group["eps"], out=exp_inf)
        param -= (group["lr"] / (1 - beta1 ** state["step"])) * (exp_avg / exp_inf)
