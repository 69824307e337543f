"""Cosine annealing (SGDR, Loshchilov & Hutter, 2017), without and with warm restarts."""

from __future__ import annotations

import math

from tinynet.optim.lr_scheduler.base import LRScheduler
from tinynet.optim.optimizer import Optimizer


class CosineAnnealingLR(LRScheduler):
    """lr_t = eta_min + (base_lr − eta_min) · (1 + cos(π·t / T_max)) / 2.

    Half a cosine from base_lr down to eta_min over T_max steps; past T_max the learning rate
    climbs back up (a full period is 2·T_max), as in PyTorch. get_lr() is PyTorch's recursive
    form, which also follows changes that other code makes to group["lr"] between steps.

    Args:
        optimizer: the optimizer whose learning rates to set.
        T_max: steps of the half period.
        eta_min: the lowest learning rate (default 0).
        last_epoch: the index of the last step, to resume (default -1: start).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        T_max: int,
        eta_min: float = 0.0,
        last_epoch: int = -1,
    ):
        if T_max <= 0:
            raise ValueError(f"Expected a positive T_max, but got {T_max}")
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        t, period, eta_min = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._current_lrs()
        if self._step_count == 1 and t > 0:
            return self._get_closed_form_lr()
        if (t - 1 - period) % (2 * period) == 0:  # leaving the minimum: the ratio form is 0/0
            return [
                lr + (base_lr - eta_min) * (1 - math.cos(math.pi / period)) / 2
                for lr, base_lr in zip(self._current_lrs(), self.base_lrs)
            ]
        ratio = (1 + math.cos(math.pi * t / period)) / (1 + math.cos(math.pi * (t - 1) / period))
        return [ratio * (lr - eta_min) + eta_min for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        cosine = (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
        return [self.eta_min + (base_lr - self.eta_min) * cosine for base_lr in self.base_lrs]


class CosineAnnealingWarmRestarts(LRScheduler):
    """lr_t = eta_min + (base_lr − eta_min) · (1 + cos(π·T_cur / T_i)) / 2, restarting at base_lr.

    T_cur counts the steps since the last restart; the first cycle lasts T_i = T_0 steps, and each
    cycle is T_mult times longer than the one before. ``step(epoch)`` accepts a fractional epoch
    (e.g. ``epoch + batch / batches_per_epoch``) to anneal within an epoch.

    Args:
        optimizer: the optimizer whose learning rates to set.
        T_0: the length of the first cycle (a positive int).
        T_mult: the growth factor of the cycle length (an int >= 1; default 1).
        eta_min: the lowest learning rate (default 0).
        last_epoch: the index of the last step, to resume (default -1: start).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        T_0: int,
        T_mult: int = 1,
        eta_min: float = 0.0,
        last_epoch: int = -1,
    ):
        if not isinstance(T_0, int) or T_0 <= 0:
            raise ValueError(f"Expected positive integer T_0, but got {T_0}")
        if not isinstance(T_mult, int) or T_mult < 1:
            raise ValueError(f"Expected integer T_mult >= 1, but got {T_mult}")
        if not isinstance(eta_min, (float, int)):
            # PyTorch raises ValueError here, not TypeError
            raise ValueError(f"Expected float or int eta_min, but got {eta_min!r}")  # noqa: TRY004
        self.T_0 = T_0
        self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        cosine = (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
        return [self.eta_min + (base_lr - self.eta_min) * cosine for base_lr in self.base_lrs]

    def step(self, epoch: float | None = None) -> None:
        """Advance one step, or jump to ``epoch`` (which may be fractional)."""
        self._step_count += 1
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:
                self.T_cur %= self.T_i
                self.T_i *= self.T_mult
        else:
            if epoch < 0:
                raise ValueError(f"Expected non-negative epoch, but got {epoch}")
            self.T_cur, self.T_i = self._position_in_cycle(epoch)
        self.last_epoch = math.floor(epoch)
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = self._current_lrs()

    def _position_in_cycle(self, epoch: float) -> tuple[float, int]:
        """(T_cur, T_i) at ``epoch``: cycles end at T_0·(1 + T_mult + ... + T_multⁿ⁻¹)."""
        if epoch < self.T_0:
            return epoch, self.T_0
        if self.T_mult == 1:
            return epoch % self.T_0, self.T_0
        cycle = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
        start = self.T_0 * (self.T_mult**cycle - 1) / (self.T_mult - 1)
        return epoch - start, self.T_0 * self.T_mult**cycle
