"""Adam and AdamW: momentum plus per-coordinate scaling, with bias correction.

The two differ in one place, where weight decay goes: Adam adds λ·θ to the gradient (so the decay
is rescaled by the adaptive denominator like any gradient), AdamW shrinks θ directly.
"""

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


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), with optional AMSGrad and decoupled weight decay.

    For a parameter θ with gradient g, at step t = 1, 2, ...; m, v start at zero::

        g ← g + λ·θ                   (coupled weight decay, if λ = weight_decay ≠ 0)
        θ ← θ·(1 − lr·λ)              (instead, if decoupled_weight_decay: AdamW)
        m ← β1·m + (1 − β1)·g
        v ← β2·v + (1 − β2)·g²
        v_max ← max(v_max, v)         (amsgrad: the denominator never shrinks; v_max replaces v)
        m̂ = m / (1 − β1ᵗ),   v̂ = v / (1 − β2ᵗ)
        θ ← θ − lr · m̂ / (√v̂ + eps)

    eps is added outside the square root of the bias-corrected v, as in PyTorch.

    Args:
        params: tensors or param-group dicts.
        lr: learning rate (default 1e-3).
        betas: (β1, β2), decay rates of m and v (default (0.9, 0.999)).
        eps: added to the denominator (default 1e-8).
        weight_decay: λ (default 0).
        amsgrad: use the running maximum of v (Reddi et al., 2018).
        maximize: ascend the objective instead of descending it.
        decoupled_weight_decay: decay θ directly, as AdamW does.
        foreach, fused, capturable, differentiable: PyTorch's implementation switches, accepted
            with PyTorch's defaults; see ``tinynet.optim.optimizer.implementation_flags``.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ):
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "decoupled_weight_decay": decoupled_weight_decay,
            **implementation_flags(
                foreach, capturable, differentiable, fused,
                accepted=("foreach", "capturable", "differentiable", "fused"),
            ),
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
        if group["amsgrad"]:
            max_exp_avg_sq = state.setdefault("max_exp_avg_sq", np.zeros_like(param))
            np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
            second_moment = max_exp_avg_sq
        else:
            second_moment = exp_avg_sq

        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        denominator = np.sqrt(second_moment) / bias_correction2**0.5 + group["eps"]
        param -= (lr / bias_correction1) * (exp_avg / denominator)


class AdamW(Adam):
    """AdamW (Loshchilov & Hutter, 2019): Adam with decoupled weight decay, θ ← θ·(1 − lr·λ)
    before the Adam step, so every coordinate decays at the same rate whatever its gradient
    history. Default weight_decay = 1e-2. The update rule is Adam's (see ``Adam``)."""

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ):
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=True,
        )
