"""Schedules that only decay (or warm up) the learning rate: step, multi-step, exponential,
polynomial, constant and linear factors.

Each get_lr() is written chainably, as PyTorch writes it (from the current group["lr"]); each
class also states its closed form, which its docstring gives and _get_closed_form_lr() computes.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable

from tinynet.optim.lr_scheduler.base import LRScheduler
from tinynet.optim.optimizer import Optimizer


class StepLR(LRScheduler):
    """lr_t = base_lr · gamma^⌊t / step_size⌋: multiply by gamma every step_size steps.

    Args:
        optimizer: the optimizer whose learning rates to set.
        step_size: steps between decays.
        gamma: the decay factor (default 0.1).
        last_epoch: the index of the last step, to resume (default -1: start).
    """

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ):
        if step_size < 1:
            raise ValueError(f"Expected a positive step_size, but got {step_size}")
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        return [
            base_lr * self.gamma ** (self.last_epoch // self.step_size) for base_lr in self.base_lrs
        ]


class MultiStepLR(LRScheduler):
    """lr_t = base_lr · gamma^(number of milestones ≤ t): multiply by gamma at each milestone.

    Args:
        optimizer: the optimizer whose learning rates to set.
        milestones: the steps at which to decay (a milestone listed twice decays twice).
        gamma: the decay factor (default 0.1).
        last_epoch: the index of the last step, to resume (default -1: start).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        milestones: Iterable[int],
        gamma: float = 0.1,
        last_epoch: int = -1,
    ):
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch not in self.milestones:
            return self._current_lrs()
        factor = self.gamma ** self.milestones[self.last_epoch]
        return [lr * factor for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        passed = bisect_right(sorted(self.milestones.elements()), self.last_epoch)
        return [base_lr * self.gamma**passed for base_lr in self.base_lrs]

    def load_state_dict(self, state_dict: dict) -> None:
        super().load_state_dict(state_dict)
        self.milestones = Counter(self.milestones)  # a file format may bring back a plain dict


class ExponentialLR(LRScheduler):
    """lr_t = base_lr · gamma^t: multiply by gamma every step.

    Args:
        optimizer: the optimizer whose learning rates to set.
        gamma: the decay factor per step.
        last_epoch: the index of the last step, to resume (default -1: start).
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        return [base_lr * self.gamma**self.last_epoch for base_lr in self.base_lrs]


class PolynomialLR(LRScheduler):
    """lr_t = base_lr · (1 − min(t, total_iters) / total_iters)^power: reach 0 at total_iters.

    Args:
        optimizer: the optimizer whose learning rates to set.
        total_iters: the step at which the learning rate reaches 0 (default 5).
        power: the polynomial's power (default 1.0: linear decay).
        last_epoch: the index of the last step, to resume (default -1: start).
    """

    def __init__(
        self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0, last_epoch: int = -1
    ):
        if total_iters < 1:
            raise ValueError(f"Expected a positive total_iters, but got {total_iters}")
        self.total_iters = total_iters
        self.power = power
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._current_lrs()
        decay_factor = (
            (1.0 - self.last_epoch / self.total_iters)
            / (1.0 - (self.last_epoch - 1) / self.total_iters)
        ) ** self.power
        return [lr * decay_factor for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        remaining = 1.0 - min(self.total_iters, self.last_epoch) / self.total_iters
        return [base_lr * remaining**self.power for base_lr in self.base_lrs]


class ConstantLR(LRScheduler):
    """lr_t = base_lr · factor for t < total_iters, then base_lr (a constant warm-up).

    Args:
        optimizer: the optimizer whose learning rates to set.
        factor: the multiplier before total_iters, in [0, 1] (default 1/3).
        total_iters: the step at which the learning rate returns to base_lr (default 5).
        last_epoch: the index of the last step, to resume (default -1: start).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        factor: float = 1.0 / 3,
        total_iters: int = 5,
        last_epoch: int = -1,
    ):
        if not 0.0 <= factor <= 1.0:
            raise ValueError(
                f"Constant multiplicative factor expected to be between 0 and 1, but got {factor}"
            )
        self.factor = factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0:
            return [lr * self.factor for lr in self._current_lrs()]
        if self.last_epoch != self.total_iters:
            return self._current_lrs()
        return [lr * (1.0 / self.factor) for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        factor = 1.0 if self.last_epoch >= self.total_iters else self.factor
        return [base_lr * factor for base_lr in self.base_lrs]


class LinearLR(LRScheduler):
    """lr_t = base_lr · (s + (e − s) · min(t, total_iters) / total_iters): a linear warm-up (or
    decay) of the factor from s = start_factor to e = end_factor over total_iters steps.

    Args:
        optimizer: the optimizer whose learning rates to set.
        start_factor: the factor at step 0, in (0, 1] (default 1/3).
        end_factor: the factor from total_iters on, in [0, 1] (default 1.0).
        total_iters: the number of steps of the ramp (default 5).
        last_epoch: the index of the last step, to resume (default -1: start).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ):
        if not 0.0 < start_factor <= 1.0:
            raise ValueError(
                "Starting multiplicative factor expected to be greater than 0 and "
                f"less or equal to 1, but got start_factor={start_factor}"
            )
        if not 0.0 <= end_factor <= 1.0:
            raise ValueError(
                "Ending multiplicative factor expected to be between 0 and 1, "
                f"but got end_factor={end_factor}"
            )
        if total_iters < 1:
            raise ValueError(f"Expected a positive total_iters, but got {total_iters}")
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0:
            return [lr * self.start_factor for lr in self._current_lrs()]
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._current_lrs()
        # the ratio of the factor at t to the factor at t - 1
        slope = self.end_factor - self.start_factor
        ratio = 1.0 + slope / (self.total_iters * self.start_factor + (self.last_epoch - 1) * slope)
        return [lr * ratio for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        progress = min(self.total_iters, self.last_epoch) / self.total_iters
        factor = self.start_factor + (self.end_factor - self.start_factor) * progress
        return [base_lr * factor for base_lr in self.base_lrs]
