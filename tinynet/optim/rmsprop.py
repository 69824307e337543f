"""RMSprop: divide the gradient by a running root-mean-square of recent gradients."""

from __future__ import annotations

import numpy as np

from tinynet.optim.optimizer import (
    Optimizer,
    ParamsT,
    check_non_negative,
    implementation_flags,
)


class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture 6e), optionally centered (Graves, 2013) and with momentum.

    For a parameter θ with gradient g; v, ḡ and b start at zero::

        g ← g + weight_decay·θ                       (if weight_decay ≠ 0)
        v ← alpha·v + (1 − alpha)·g²
        ḡ ← alpha·ḡ + (1 − alpha)·g,   d = √(v − ḡ²) + eps      (centered: a variance estimate)
                                       d = √v + eps             (not centered)
        b ← momentum·b + g/d,   θ ← θ − lr·b                     (if momentum > 0)
        θ ← θ − lr·g/d                                           (otherwise)

    Args:
        params: tensors or param-group dicts.
        lr: learning rate (default 1e-2).
        alpha: smoothing constant of the running averages (default 0.99).
        eps: added to the denominator, outside the square root (default 1e-8).
        weight_decay: L2 factor added as λ·θ to the gradient (default 0).
        momentum: momentum factor (default 0).
        centered: normalize by the estimated variance instead of the uncentered second moment.
        maximize: ascend the objective instead of descending it.
        foreach, capturable, differentiable: PyTorch's implementation switches, accepted
            with PyTorch's defaults; see ``tinynet.optim.optimizer.implementation_flags``.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ):
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "maximize": maximize,
            **implementation_flags(foreach, capturable, differentiable),
        }
        super().__init__(params, defaults)

    def check_hyperparameters(self, group: dict) -> None:
        check_non_negative(group, "lr", "eps", "momentum", "weight_decay", "alpha")

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        alpha = group["alpha"]
        if not state:
            state.update(step=0, square_avg=np.zeros_like(param))
        state["step"] += 1
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = state.setdefault("grad_avg", np.zeros_like(param))
            grad_avg *= alpha
            grad_avg += (1 - alpha) * grad
            denominator = np.sqrt(square_avg - grad_avg * grad_avg) + group["eps"]
        else:
            denominator = np.sqrt(square_avg) + group["eps"]
        if group["momentum"] > 0:
            buffer = state.setdefault("momentum_buffer", np.zeros_like(param))
            buffer *= group["momentum"]
            buffer += grad / denominator
            param -= group["lr"] * buffer
        else:
            param -= group["lr"] * (grad / denominator)
