"""SGD: (stochastic) gradient descent with optional momentum, Nesterov momentum and weight decay."""

from __future__ import annotations

import numpy as np

from tinynet.optim.optimizer import (
    Optimizer,
    ParamsT,
    check_non_negative,
    implementation_flags,
)


class SGD(Optimizer):
    """Gradient descent, optionally with (Nesterov) momentum and weight decay.

    Full-batch gradient descent, mini-batch SGD and one-example "stochastic" gradient descent are
    this same update; they differ only in how many examples the gradient was averaged over, that is
    in the data loader's batch size.

    For a parameter θ with gradient g (−g when ``maximize=True``), at step t::

        g ← g + weight_decay·θ                         (if weight_decay ≠ 0)
        b ← g                                   at t = 1,
        b ← momentum·b + (1 − dampening)·g      at t > 1  (if momentum ≠ 0)
        g ← g + momentum·b  (nesterov)   or   g ← b  (classical momentum)
        θ ← θ − lr·g

    Args:
        params: tensors or param-group dicts.
        lr: learning rate (default 1e-3, as in PyTorch).
        momentum: momentum factor (default 0: no momentum buffer is kept).
        dampening: scales the gradient added to the buffer after the first step.
        weight_decay: L2 factor λ added as λ·θ to the gradient.
        nesterov: Nesterov accelerated gradient (NAG); needs momentum > 0 and dampening = 0.
        maximize: ascend the objective instead of descending it.
        foreach, fused, capturable, differentiable: PyTorch's implementation switches, accepted
            with PyTorch's defaults; see ``tinynet.optim.optimizer.implementation_flags``.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ):
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
            **implementation_flags(
                foreach, False, differentiable, fused,
                accepted=("foreach", "differentiable", "fused"),
            ),
        }
        super().__init__(params, defaults)

    def check_hyperparameters(self, group: dict) -> None:
        check_non_negative(group, "lr", "momentum", "weight_decay")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                "Nesterov momentum requires a momentum and zero dampening, but got "
                f"momentum={group['momentum']}, dampening={group['dampening']}"
            )

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        momentum = group["momentum"]
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        if momentum != 0:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = state["momentum_buffer"] = grad.copy()
            else:
                buffer *= momentum
                buffer += (1 - group["dampening"]) * grad
            grad = grad + momentum * buffer if group["nesterov"] else buffer
        param -= group["lr"] * grad
