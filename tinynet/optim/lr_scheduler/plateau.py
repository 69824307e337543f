"""ReduceLROnPlateau: cut the learning rate when a monitored metric stops improving."""

from __future__ import annotations

import copy
import math
from typing import Any

from tinynet.optim.lr_scheduler.base import LRScheduler
from tinynet.optim.optimizer import Optimizer


class ReduceLROnPlateau(LRScheduler):
    """lr ← max(lr · factor, min_lr) after more than ``patience`` steps without improvement.

    Call ``step(metric)`` once per epoch with the monitored value (e.g. the validation loss). A
    value is an improvement when (mode "min") it is below best·(1 − threshold) (threshold_mode
    "rel") or below best − threshold ("abs"); mode "max" mirrors this. After a reduction the
    scheduler waits ``cooldown`` steps before it counts bad steps again. A reduction smaller than
    eps is skipped.

    Args:
        optimizer: the optimizer whose learning rates to set.
        mode: "min" (default) or "max".
        factor: the multiplier, < 1 (default 0.1).
        patience: bad steps tolerated before a reduction (default 10).
        threshold: the least change that counts as an improvement (default 1e-4).
        threshold_mode: "rel" (default) or "abs".
        cooldown: steps to wait after a reduction (default 0).
        min_lr: the lowest learning rate, a float or one per group (default 0).
        eps: the smallest reduction worth making (default 1e-8).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | list[float] = 0.0,
        eps: float = 1e-8,
    ):
        if factor >= 1.0:
            raise ValueError(f"Factor should be < 1.0, but got {factor}")
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        if mode not in ("min", "max"):
            raise ValueError(f"mode {mode!r} is unknown; expected 'min' or 'max'")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(
                f"threshold mode {threshold_mode!r} is unknown; expected 'rel' or 'abs'"
            )
        self.optimizer = optimizer
        self.factor = factor
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != len(optimizer.param_groups):
                raise ValueError(
                    f"expected {len(optimizer.param_groups)} min_lrs, got {len(min_lr)}"
                )
            self.default_min_lr = None
            self.min_lrs = list(min_lr)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * len(optimizer.param_groups)
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.last_epoch = 0
        self._last_lr = self._current_lrs()
        self._reset()

    def _reset(self) -> None:
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def is_better(self, value: float, best: float) -> bool:
        """Whether ``value`` improves on ``best`` by more than the threshold."""
        if self.mode == "min" and self.threshold_mode == "rel":
            return value < best * (1.0 - self.threshold)
        if self.mode == "min":
            return value < best - self.threshold
        if self.threshold_mode == "rel":
            return value > best * (self.threshold + 1.0)
        return value > best + self.threshold

    def step(self, metrics: float, epoch: int | None = None) -> None:  # type: ignore[override]
        """Record one epoch's metric and reduce the learning rates if it has plateaued."""
        current = float(metrics)
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self._current_lrs()

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(
                    f"the optimizer has {len(groups)} param groups but ReduceLROnPlateau was "
                    f"given {len(self.min_lrs)} min_lrs; set `min_lrs` to one per group"
                )
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, min_lr)
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr

    def state_dict(self) -> dict[str, Any]:
        return copy.deepcopy({k: v for k, v in self.__dict__.items() if k != "optimizer"})
