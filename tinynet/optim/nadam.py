"""NAdam: Adam with Nesterov momentum (look one momentum step ahead)."""

from __future__ import annotations

import numpy as np

from tinynet.optim.moments import decay_weights, update_moments
from tinynet.optim.optimizer import (
    Optimizer,
    ParamsT,
    check_betas,
    check_non_negative,
    implementation_flags,
)


class NAdam(Optimizer):
    """NAdam (Dozat, 2016), with PyTorch's momentum schedule.

    For a parameter θ with gradient g, at step t = 1, 2, ...; m, v start at zero, Π₀ = 1::

        g ← g + λ·θ                  (if λ = weight_decay ≠ 0)
        θ ← θ·(1 − lr·λ)             (instead, if decoupled_weight_decay)
        μ_t = β1·(1 − ½·0.96^(t·momentum_decay))          (warming-up momentum)
        Π_t = Π_{t−1}·μ_t
        m ← β1·m + (1 − β1)·g
        v ← β2·v + (1 − β2)·g²
        d = √(v / (1 − β2ᵗ)) + eps
        θ ← θ − lr·(1 − μ_t)/(1 − Π_t) · g/d − lr·μ_{t+1}/(1 − Π_t·μ_{t+1}) · m/d

    Args:
        params: tensors or param-group dicts.
        lr: learning rate (default 2e-3).
        betas: (β1, β2) (default (0.9, 0.999)).
        eps: added to the denominator (default 1e-8).
        weight_decay: λ (default 0).
        momentum_decay: ψ in the μ_t schedule (default 4e-3).
        decoupled_weight_decay: decay θ directly, as AdamW does (NAdamW).
        maximize: ascend the objective instead of descending it.
        foreach, capturable, differentiable: PyTorch's implementation switches, accepted
            with PyTorch's defaults; see ``tinynet.optim.optimizer.implementation_flags``.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ):
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
            **implementation_flags(foreach, capturable, differentiable),
        }
        super().__init__(params, defaults)

    def check_hyperparameters(self, group: dict) -> None:
        check_non_negative(group, "lr", "eps", "weight_decay", "momentum_decay")
        check_betas(group["betas"])

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        beta1, beta2 = group["betas"]
        lr, momentum_decay = group["lr"], group["momentum_decay"]
        state.setdefault("mu_product", 1.0)
        grad = decay_weights(param, grad, group)
        step, exp_avg, exp_avg_sq = update_moments(param, grad, state, group["betas"])

        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
        state["mu_product"] *= mu
        mu_product = state["mu_product"]
        denominator = np.sqrt(exp_avg_sq / (1 - beta2**step)) + group["eps"]
        param -= (lr * (1 - mu) / (1 - mu_product)) * (grad / denominator)
        param -= (lr * mu_next / (1 - mu_product * mu_next)) * (exp_avg / denominator)


Nadam = NAdam
