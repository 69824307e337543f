"""RAdam: Adam whose adaptive step is switched on only once the variance estimate is reliable."""

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


class RAdam(Optimizer):
    """Rectified Adam (Liu et al., 2020), as PyTorch implements it.

    For a parameter θ with gradient g, at step t = 1, 2, ...; m, v start at zero::

        g ← g + λ·θ                      (if λ = weight_decay ≠ 0)
        θ ← θ·(1 − lr·λ)                 (instead, if decoupled_weight_decay)
        m ← β1·m + (1 − β1)·g
        v ← β2·v + (1 − β2)·g²
        m̂ = m / (1 − β1ᵗ)
        ρ∞ = 2/(1 − β2) − 1,   ρ_t = ρ∞ − 2t·β2ᵗ/(1 − β2ᵗ)     (length of the approximated SMA)
        if ρ_t > 5:   r_t = √((ρ_t − 4)(ρ_t − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρ_t))
                      θ ← θ − lr · m̂ · r_t · √(1 − β2ᵗ) / (√v + eps)
        else:         θ ← θ − lr · m̂                           (plain momentum SGD)

    In the first steps the second-moment estimate is too noisy to scale by; r_t, the
    rectification, makes the adaptive step's variance constant once it starts. This replaces a
    learning-rate warmup.

    Args:
        params: tensors or param-group dicts.
        lr: learning rate (default 1e-3).
        betas: (β1, β2) (default (0.9, 0.999)).
        eps: added to the denominator (default 1e-8).
        weight_decay: λ (default 0).
        decoupled_weight_decay: decay θ directly, as AdamW does.
        maximize: ascend the objective instead of descending it.
        foreach, capturable, differentiable: PyTorch's implementation switches, accepted with
            PyTorch's defaults; see ``tinynet.optim.optimizer.implementation_flags``.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
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
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
            **implementation_flags(foreach, capturable, differentiable),
        }
        super().__init__(params, defaults)

    def check_hyperparameters(self, group: dict) -> None:
        check_non_negative(group, "lr", "eps", "weight_decay")
        check_betas(group["betas"])

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        beta1, beta2 = group["betas"]
        lr = group["lr"]
        grad = decay_weights(param, grad, group)
        step, exp_avg, exp_avg_sq = update_moments(param, grad, state, group["betas"])
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        corrected_exp_avg = exp_avg / bias_correction1
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * beta2**step / bias_correction2
        if rho_t > 5.0:
            rectification = (
                (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
            ) ** 0.5
            adaptive = bias_correction2**0.5 / (np.sqrt(exp_avg_sq) + group["eps"])
            param -= corrected_exp_avg * lr * adaptive * rectification
        else:
            param -= corrected_exp_avg * lr
