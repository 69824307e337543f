"""Per-iteration cyclical schedules: CyclicLR (Smith, 2017) and OneCycleLR (Smith & Topin, 2018).

Both can cycle the momentum in the opposite direction to the learning rate: ``group["momentum"]``
for SGD-like optimizers, β1 of ``group["betas"]`` for Adam-like ones. Call ``step()`` after every
batch.
"""

from __future__ import annotations

import copy
import math
import types
from collections.abc import Callable
from typing import Any

from tinynet.optim.lr_scheduler.base import LRScheduler
from tinynet.optim.optimizer import Optimizer


def _per_group(name: str, optimizer: Optimizer, value) -> list:
    """One value per param group: a list is checked for length, a scalar is repeated."""
    if isinstance(value, (list, tuple)):
        if len(value) != len(optimizer.param_groups):
            raise ValueError(
                f"{name} must have the same length as optimizer.param_groups: "
                f"{name} has {len(value)} values, param_groups has "
                f"{len(optimizer.param_groups)}"
            )
        return list(value)
    return [value] * len(optimizer.param_groups)


def _uses_beta1(optimizer: Optimizer) -> bool:
    """Whether momentum cycling writes β1 (Adam-like) rather than "momentum" (SGD-like)."""
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ValueError(
            "optimizer must support momentum or beta1 with `cycle_momentum` option enabled"
        )
    return "betas" in optimizer.defaults


def _set_momentum(group: dict, momentum: float, use_beta1: bool) -> None:
    if use_beta1:
        group["betas"] = (momentum, *group["betas"][1:])
    else:
        group["momentum"] = momentum


class CyclicLR(LRScheduler):
    """The learning rate goes back and forth between base_lr and max_lr in triangles.

    With a cycle of step_size_up + step_size_down steps, at step t::

        cycle = ⌊1 + t / cycle_length⌋,   x = 1 + t / cycle_length − cycle   (position in [0, 1))
        height = x / up_fraction                 on the way up    (x ≤ up_fraction)
                 (x − 1) / (up_fraction − 1)     on the way down
        lr_t = base_lr + (max_lr − base_lr) · height · scale
        momentum_t = max_momentum − (max_momentum − base_momentum) · height · scale

    where scale is 1 (mode "triangular"), 1/2^(cycle−1) ("triangular2": the amplitude halves every
    cycle), gamma^t ("exp_range"), or scale_fn(cycle or t, by scale_mode).

    Args:
        optimizer: the optimizer whose learning rates (and momenta) to set.
        base_lr, max_lr: the bounds of the cycle (a float or one per group); the constructor sets
            group["lr"] to base_lr.
        step_size_up: steps from base_lr up to max_lr (default 2000).
        step_size_down: steps back down (default: step_size_up).
        mode: "triangular", "triangular2" or "exp_range" (ignored when scale_fn is given).
        gamma: the base of "exp_range" (default 1.0).
        scale_fn: a custom scale of one argument, with scale_mode "cycle" or "iterations".
        cycle_momentum: cycle the momentum (or β1) between max_momentum and base_momentum.
        base_momentum, max_momentum: the momentum's bounds (defaults 0.8, 0.9).
        last_epoch: the index of the last step, to resume (default -1: start).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        base_lr: float | list[float],
        max_lr: float | list[float],
        step_size_up: int = 2000,
        step_size_down: int | None = None,
        mode: str = "triangular",
        gamma: float = 1.0,
        scale_fn: Callable[[float], float] | None = None,
        scale_mode: str = "cycle",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.8,
        max_momentum: float | list[float] = 0.9,
        last_epoch: int = -1,
    ):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError(f"mode {mode!r} is invalid and scale_fn is None")
        if scale_fn is not None and scale_mode not in ("cycle", "iterations"):
            raise ValueError(f"scale_mode must be 'cycle' or 'iterations', but got {scale_mode!r}")
        self.optimizer = optimizer
        base_lrs = _per_group("base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                group["lr"] = lr
        self.max_lrs = _per_group("max_lr", optimizer, max_lr)
        step_size_up = float(step_size_up)
        step_size_down = float(step_size_down) if step_size_down is not None else step_size_up
        if step_size_up <= 0 or step_size_down <= 0:
            raise ValueError(
                f"step sizes must be positive, but got step_size_up={step_size_up}, "
                f"step_size_down={step_size_down}"
            )
        self.total_size = step_size_up + step_size_down
        self.step_ratio = step_size_up / self.total_size
        self.mode = mode
        self.gamma = gamma
        self._scale_fn_custom = scale_fn
        if scale_fn is None:  # each built-in mode fixes what its scale is a function of
            scale_mode = "iterations" if mode == "exp_range" else "cycle"
        self.scale_mode = scale_mode

        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1 = _uses_beta1(optimizer)
            self.base_momentums = _per_group("base_momentum", optimizer, base_momentum)
            self.max_momentums = _per_group("max_momentum", optimizer, max_momentum)
            if last_epoch == -1:
                for top, bottom, group in zip(
                    self.max_momentums, self.base_momentums, optimizer.param_groups
                ):
                    _set_momentum(group, top, self.use_beta1)
                    group["max_momentum"] = top
                    group["base_momentum"] = bottom
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def scale_fn(self, x: float) -> float:
        """The amplitude's scale at x (the cycle number, or the step for "iterations")."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma**x

    def get_lr(self) -> list[float]:
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        if x <= self.step_ratio:
            height = x / self.step_ratio
        else:
            height = (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        lrs = [
            base_lr + (max_lr - base_lr) * height * scale
            for base_lr, max_lr in zip(self.base_lrs, self.max_lrs)
        ]
        if self.cycle_momentum:
            for group, bottom, top in zip(
                self.optimizer.param_groups, self.base_momentums, self.max_momentums
            ):
                _set_momentum(group, top - (top - bottom) * height * scale, self.use_beta1)
        return lrs

    def state_dict(self) -> dict[str, Any]:
        """The state, with a custom scale_fn saved as PyTorch does: its ``__dict__`` if it is a
        callable object, None if it is a function (give it again when resuming)."""
        state = copy.deepcopy(
            {
                key: value
                for key, value in self.__dict__.items()
                if key not in ("optimizer", "_scale_fn_custom")
            }
        )
        function = self._scale_fn_custom
        state["_scale_fn_custom"] = (
            copy.deepcopy(function.__dict__)
            if function is not None and not isinstance(function, types.FunctionType)
            else None
        )
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state_dict = copy.deepcopy(state_dict)
        saved_function = state_dict.pop("_scale_fn_custom")
        self.__dict__.update(state_dict)
        if saved_function is not None:
            self._scale_fn_custom.__dict__.update(saved_function)


class OneCycleLR(LRScheduler):
    """The 1cycle policy: warm up from max_lr/div_factor to max_lr, then anneal far below the
    start, over exactly total_steps steps (one step per batch).

    Phases (pct = pct_start, T = total_steps; initial_lr = max_lr/div_factor,
    min_lr = initial_lr/final_div_factor)::

        two phases:    steps 0 … pct·T−1: initial_lr → max_lr,  then → min_lr at step T−1
        three_phase:   initial_lr → max_lr → initial_lr (symmetric), then → min_lr at step T−1

    Within a phase from a to b at fraction p of the phase, "cos" gives
    b + (a − b)·(1 + cos(π·p))/2 and "linear" gives a + (b − a)·p. The momentum (or β1) moves the
    opposite way, between max_momentum and base_momentum.

    Args:
        optimizer: the optimizer whose learning rates (and momenta) to set.
        max_lr: the peak learning rate (a float or one per group).
        total_steps: the number of steps; or give epochs and steps_per_epoch.
        pct_start: the fraction of the steps spent warming up (default 0.3).
        anneal_strategy: "cos" (default) or "linear".
        cycle_momentum: cycle the momentum (or β1) too (default True).
        base_momentum, max_momentum: the momentum's bounds (defaults 0.85, 0.95).
        div_factor: initial_lr = max_lr / div_factor (default 25).
        final_div_factor: min_lr = initial_lr / final_div_factor (default 1e4).
        three_phase: use the three-phase schedule (default False).
        last_epoch: the index of the last step, to resume (default -1: start).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | list[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.85,
        max_momentum: float | list[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        self.total_steps = self._count_steps(total_steps, epochs, steps_per_epoch)
        if not isinstance(pct_start, float) or not 0.0 <= pct_start <= 1.0:
            raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy!r}"
            )
        self.anneal_strategy = anneal_strategy
        warmup_end = float(pct_start * self.total_steps) - 1
        if three_phase:
            self._schedule_phases = [
                {
                    "end_step": warmup_end,
                    "start_lr": "initial_lr",
                    "end_lr": "max_lr",
                    "start_momentum": "max_momentum",
                    "end_momentum": "base_momentum",
                },
                {
                    "end_step": float(2 * pct_start * self.total_steps) - 2,
                    "start_lr": "max_lr",
                    "end_lr": "initial_lr",
                    "start_momentum": "base_momentum",
                    "end_momentum": "max_momentum",
                },
                {
                    "end_step": self.total_steps - 1,
                    "start_lr": "initial_lr",
                    "end_lr": "min_lr",
                    "start_momentum": "max_momentum",
                    "end_momentum": "max_momentum",
                },
            ]
        else:
            self._schedule_phases = [
                {
                    "end_step": warmup_end,
                    "start_lr": "initial_lr",
                    "end_lr": "max_lr",
                    "start_momentum": "max_momentum",
                    "end_momentum": "base_momentum",
                },
                {
                    "end_step": self.total_steps - 1,
                    "start_lr": "max_lr",
                    "end_lr": "min_lr",
                    "start_momentum": "base_momentum",
                    "end_momentum": "max_momentum",
                },
            ]
        max_lrs = _per_group("max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for group, peak in zip(optimizer.param_groups, max_lrs):
                group["initial_lr"] = peak / div_factor
                group["max_lr"] = peak
                group["min_lr"] = group["initial_lr"] / final_div_factor

        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1 = _uses_beta1(optimizer)
            max_momentums = _per_group("max_momentum", optimizer, max_momentum)
            base_momentums = _per_group("base_momentum", optimizer, base_momentum)
            if last_epoch == -1:
                for top, bottom, group in zip(
                    max_momentums, base_momentums, optimizer.param_groups
                ):
                    _set_momentum(group, top, self.use_beta1)
                    group["max_momentum"] = top
                    group["base_momentum"] = bottom
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _count_steps(total_steps, epochs, steps_per_epoch) -> int:
        if total_steps is not None:
            if not isinstance(total_steps, int) or total_steps <= 0:
                raise ValueError(f"Expected positive integer total_steps, but got {total_steps}")
            return total_steps
        if epochs is None or steps_per_epoch is None:
            raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
        if not isinstance(epochs, int) or epochs <= 0:
            raise ValueError(f"Expected positive integer epochs, but got {epochs}")
        if not isinstance(steps_per_epoch, int) or steps_per_epoch <= 0:
            raise ValueError(
                f"Expected positive integer steps_per_epoch, but got {steps_per_epoch}"
            )
        return epochs * steps_per_epoch

    def _anneal(self, start: float, end: float, fraction: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * fraction) + 1)
        return (end - start) * fraction + start

    def get_lr(self) -> list[float]:
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(
                f"Tried to step {step} times. The specified number of total steps "
                f"is {self.total_steps}"
            )
        lrs = []
        for group in self.optimizer.param_groups:
            phase_start = 0.0
            for number, phase in enumerate(self._schedule_phases):
                phase_end = phase["end_step"]
                if step <= phase_end or number == len(self._schedule_phases) - 1:
                    fraction = (step - phase_start) / (phase_end - phase_start)
                    lrs.append(
                        self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], fraction)
                    )
                    if self.cycle_momentum:
                        momentum = self._anneal(
                            group[phase["start_momentum"]], group[phase["end_momentum"]], fraction
                        )
                        _set_momentum(group, momentum, self.use_beta1)
                    break
                phase_start = phase_end
        return lrs
