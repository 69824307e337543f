"""Adafactor: Adam-like scaling whose second moment of a matrix is stored as one row and one
column (factored), so its memory grows with rows + columns, not rows × columns."""

from __future__ import annotations

import numpy as np

from tinynet.optim.optimizer import (
    Optimizer,
    ParamsT,
    check_non_negative,
    implementation_flags,
)


class Adafactor(Optimizer):
    """Adafactor (Shazeer & Stern, 2018), PyTorch's version (no first moment, relative step).

    For a parameter θ with gradient g, at step t = 1, 2, ...::

        β̂2_t = 1 − t^beta2_decay                       (so 1 − β̂2_t = t^beta2_decay)
        ρ_t = min(lr, 1/√t),   α_t = max(eps2, RMS(θ)) · ρ_t       (relative step size)
        θ ← θ·(1 − lr·weight_decay)
        for a matrix (and each matrix of a batch, the last two dims):
            R ← β̂2_t·R + (1 − β̂2_t)·mean_cols(g²)        (one value per row)
            C ← β̂2_t·C + (1 − β̂2_t)·mean_rows(g²)        (one value per column)
            v = R·C / max(mean(R), eps1)                  (the rank-1 estimate of E[g²])
        for a vector or scalar:
            v ← β̂2_t·v + (1 − β̂2_t)·g²
        u = g / √max(v, eps1²)
        θ ← θ − α_t / max(1, RMS(u)/d) · u               (update clipping at threshold d)

    RMS(x) = √(mean(x²)); eps1 defaults (None) to the parameter dtype's machine epsilon.

    Args:
        params: tensors or param-group dicts.
        lr: the cap of the relative step size ρ_t (default 1e-2).
        beta2_decay: the exponent of the second-moment decay, ≤ 0 (default -0.8).
        eps: (eps1, eps2): the floor of v's factors, and of RMS(θ) in α_t (default (None, 1e-3)).
        d: the clipping threshold of RMS(u), ≥ 1 (default 1).
        weight_decay: decoupled weight decay (default 0).
        maximize: ascend the objective instead of descending it.
        foreach: accepted and changes nothing (see ``implementation_flags``).
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        beta2_decay: float = -0.8,
        eps: tuple[float | None, float] = (None, 1e-3),
        d: float = 1.0,
        weight_decay: float = 0.0,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
    ):
        defaults = {
            "lr": lr,
            "beta2_decay": beta2_decay,
            "eps": tuple(eps),
            "d": d,
            "weight_decay": weight_decay,
            **implementation_flags(foreach, accepted=("foreach",)),
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def check_hyperparameters(self, group: dict) -> None:
        check_non_negative(group, "lr", "weight_decay")
        eps1, eps2 = group["eps"]
        if not group["beta2_decay"] <= 0:
            raise ValueError(f"beta2_decay should be <= 0 but is: {group['beta2_decay']}")
        if eps1 is not None and not eps1 >= 0:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps1}")
        if not eps2 >= 0:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps2}")
        if not group["d"] >= 1:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {group['d']}")

    def _state_entry(self, name: str, value, param, where: str):
        """The factors have their own shapes: (..., rows, 1) and (..., 1, columns)."""
        if name in ("row_var", "col_var") and isinstance(value, np.ndarray):
            shape = tuple(param.shape)
            expected = (shape[:-1] + (1,)) if name == "row_var" else (
                shape[:-2] + (1, shape[-1]))
            if value.shape != expected:
                raise ValueError(
                    f"loaded {where} has shape {value.shape}, but its parameter of shape "
                    f"{shape} needs {expected}"
                )
            return value.astype(param.dtype, copy=False)
        return super()._state_entry(name, value, param, where)

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        eps1, eps2 = group["eps"]
        if eps1 is None:
            eps1 = float(np.finfo(param.dtype).eps)
        if not state:
            state["step"] = 0.0
            if grad.ndim > 1:
                state["row_var"] = np.zeros(grad.shape[:-1] + (1,), param.dtype)
                state["col_var"] = np.zeros(grad.shape[:-2] + (1, grad.shape[-1]), param.dtype)
            else:
                state["variance"] = np.zeros_like(param)
        state["step"] += 1
        step, lr = state["step"], group["lr"]
        one_minus_beta2 = step ** group["beta2_decay"]
        rho = min(lr, 1 / step**0.5)
        alpha = max(eps2, float(np.sqrt(np.sum(param * param))) / param.size**0.5) * rho
        if group["weight_decay"] != 0:
            param *= 1 - lr * group["weight_decay"]
        if grad.ndim > 1:
            row_var, col_var = state["row_var"], state["col_var"]
            row_var += one_minus_beta2 * (np.mean(grad * grad, axis=-1, keepdims=True) - row_var)
            col_var += one_minus_beta2 * (np.mean(grad * grad, axis=-2, keepdims=True) - col_var)
            var_estimate = row_var @ col_var
            var_estimate /= np.maximum(row_var.mean(axis=-2, keepdims=True), eps1)
        else:
            variance = state["variance"]
            variance += one_minus_beta2 * (grad * grad - variance)
            var_estimate = variance.copy()
        update = grad / np.sqrt(np.maximum(var_estimate, eps1 * eps1))
        denominator = max(1.0, float(np.sqrt(np.sum(update * update))) / (
            update.size**0.5 * group["d"]))
        param -= (alpha / denominator) * update
