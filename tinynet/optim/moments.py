"""The pieces the Adam family shares: weight decay and the two moment estimates."""

from __future__ import annotations

import numpy as np


def decay_weights(param: np.ndarray, grad: np.ndarray, group: dict) -> np.ndarray:
    """Apply the group's weight decay λ and return the gradient to use: with
    ``decoupled_weight_decay``, θ ← θ·(1 − lr·λ) in place (AdamW) and g unchanged; else
    g + λθ (L2 regularisation folded into the gradient)."""
    weight_decay = group["weight_decay"]
    if weight_decay == 0:
        return grad
    if group["decoupled_weight_decay"]:
        param *= 1 - group["lr"] * weight_decay
        return grad
    return grad + weight_decay * param


def update_moments(param: np.ndarray, grad: np.ndarray, state: dict, betas) -> tuple:
    """One step of the moment estimates, kept in ``state`` (created at the first step):
    m ← β₁m + (1 − β₁)g and v ← β₂v + (1 − β₂)g². Returns (step, m, v), step counting from 1."""
    beta1, beta2 = betas
    if "step" not in state:
        state.update(step=0, exp_avg=np.zeros_like(param), exp_avg_sq=np.zeros_like(param))
    state["step"] += 1
    exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
    exp_avg *= beta1
    exp_avg += (1 - beta1) * grad
    exp_avg_sq *= beta2
    exp_avg_sq += (1 - beta2) * grad * grad
    return state["step"], exp_avg, exp_avg_sq
