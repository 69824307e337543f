"""Muon: momentum whose update matrix is orthogonalized (by a Newton–Schulz iteration) before it
is applied, for the 2-D weights of hidden layers."""

from __future__ import annotations

import math

import numpy as np

from tinynet.optim.optimizer import Optimizer, ParamsT, check_non_negative

DEFAULT_NS_COEFFICIENTS = (3.4445, -4.775, 2.0315)


def zeropower_via_newtonschulz(grad: np.ndarray, ns_coefficients, ns_steps: int,
                               eps: float) -> np.ndarray:
    """Approximately U Vᵀ for G = U S Vᵀ (every singular value moved towards 1), by ``ns_steps``
    iterations of the quintic X ← a X + (b A + c A²) X with A = X Xᵀ, starting from
    X = G / max(‖G‖_F, eps) (transposed so that X is wide). The coefficients push small singular
    values up fast; they end near, not at, 1 (roughly in [0.5, 1.5]), as intended.

    PyTorch computes this in bfloat16; tinynet computes it in the gradient's own dtype, so the
    results agree to about bfloat16's precision (3 significant digits), not to the last bit."""
    if ns_steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if grad.ndim != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(ns_coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    a, b, c = ns_coefficients
    tall = grad.shape[0] > grad.shape[1]
    x = grad.T if tall else grad
    x = x / max(float(np.linalg.norm(x)), eps)
    for _ in range(ns_steps):
        gram = x @ x.T
        x = a * x + (b * gram + c * (gram @ gram)) @ x
    return x.T if tall else x


def adjusted_lr(lr: float, adjust_lr_fn: str | None, shape: tuple) -> float:
    """lr·√max(1, A/B) ("original", the default) or lr·0.2·√max(A, B) ("match_rms_adamw": the
    update's RMS then matches AdamW's) for a parameter of shape (A, B)."""
    rows, columns = shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        return lr * math.sqrt(max(1, rows / columns))
    return lr * 0.2 * math.sqrt(max(rows, columns))


class Muon(Optimizer):
    """Muon (Jordan et al., 2024), PyTorch's version, for 2-D parameters only.

    For a weight matrix θ (A×B) with gradient G; the buffer B starts at zero::

        B ← μ·B + (1 − μ)·G
        U = (1 − μ)·G + μ·B   (nesterov)   or   U = B
        O = NewtonSchulz(U)                        (≈ the orthogonal factor of U)
        θ ← θ·(1 − lr·weight_decay)
        θ ← θ − lr′·O,   lr′ = adjusted_lr(lr, adjust_lr_fn, (A, B))

    Other parameters (biases, embeddings, norms) are meant for another optimizer (AdamW), in a
    second optimizer, as PyTorch's documentation shows. The Newton–Schulz iteration runs in the
    parameter's dtype here (PyTorch uses bfloat16): see ``zeropower_via_newtonschulz``.

    Args:
        params: 2-D tensors or param-group dicts.
        lr: learning rate (default 1e-3).
        weight_decay: decoupled weight decay (default 0.1).
        momentum: μ (default 0.95).
        nesterov: use the Nesterov form of the update (default True).
        ns_coefficients: (a, b, c) of the Newton–Schulz quintic.
        eps: floor of ‖U‖_F in the normalization (default 1e-7).
        ns_steps: Newton–Schulz iterations (default 5, fewer than 100).
        adjust_lr_fn: None or "original" (lr·√max(1, A/B)), or "match_rms_adamw".
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        weight_decay: float = 0.1,
        momentum: float = 0.95,
        nesterov: bool = True,
        ns_coefficients: tuple[float, float, float] = DEFAULT_NS_COEFFICIENTS,
        eps: float = 1e-7,
        ns_steps: int = 5,
        adjust_lr_fn: str | None = None,
    ):
        defaults = {
            "lr": lr,
            "weight_decay": weight_decay,
            "momentum": momentum,
            "nesterov": nesterov,
            "ns_coefficients": tuple(ns_coefficients),
            "eps": eps,
            "ns_steps": ns_steps,
            "adjust_lr_fn": adjust_lr_fn,
        }
        super().__init__(params, defaults)

    def check_hyperparameters(self, group: dict) -> None:
        check_non_negative(group, "lr", "momentum", "weight_decay")
        if group["adjust_lr_fn"] not in (None, "original", "match_rms_adamw"):
            raise ValueError(
                f"Adjust learning rate function {group['adjust_lr_fn']} is not supported "
                "(use None, 'original' or 'match_rms_adamw')"
            )
        for param in group.get("params", ()):
            if param.ndim != 2:
                raise ValueError(
                    "Muon only supports 2D parameters whereas we found a parameter with size: "
                    f"{list(param.shape)} (optimize it with another optimizer, such as AdamW)"
                )

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        momentum, lr = group["momentum"], group["lr"]
        buffer = state.setdefault("momentum_buffer", np.zeros_like(param))
        buffer += (1 - momentum) * (grad - buffer)
        update = grad + momentum * (buffer - grad) if group["nesterov"] else buffer
        orthogonal = zeropower_via_newtonschulz(
            update, group["ns_coefficients"], group["ns_steps"], group["eps"]
        )
        param *= 1 - lr * group["weight_decay"]
        param -= adjusted_lr(lr, group["adjust_lr_fn"], param.shape) * orthogonal
