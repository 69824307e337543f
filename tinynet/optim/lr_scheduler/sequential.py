"""SequentialLR (one scheduler after another, switching at given steps) and ChainedScheduler
(several schedulers at every step, their effects multiplied)."""

from __future__ import annotations

import copy
from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

from tinynet.optim.lr_scheduler.base import LRScheduler
from tinynet.optim.lr_scheduler.plateau import ReduceLROnPlateau
from tinynet.optim.optimizer import Optimizer


class SequentialLR(LRScheduler):
    """Scheduler i runs from milestones[i−1] to milestones[i] (e.g. a LinearLR warm-up, then
    cosine annealing). At a milestone the next scheduler starts from its own step 0, from the
    groups' initial learning rates; between milestones ``step()`` steps only the active one.

    Args:
        optimizer: the optimizer that every scheduler acts on.
        schedulers: the schedulers, in order (constructed beforehand, on ``optimizer``).
        milestones: the steps at which to switch; one fewer than the schedulers.
        last_epoch: the index of the last step (default -1: start).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        schedulers: list[LRScheduler],
        milestones: list[int],
        last_epoch: int = -1,
    ):
        if len(schedulers) < 1:
            raise ValueError("SequentialLR expects at least one scheduler, but got none")
        for index, scheduler in enumerate(schedulers):
            if isinstance(scheduler, ReduceLROnPlateau):
                raise ValueError(  # noqa: TRY004 - PyTorch raises ValueError here
                    f"SequentialLR does not support ReduceLROnPlateau (index {index}): "
                    "its step() needs a metric"
                )
            if getattr(scheduler, "optimizer", None) is not optimizer:
                raise ValueError(
                    f"SequentialLR expects all schedulers to belong to the same "
                    f"optimizer, but the one at index {index} "
                    f"({type(scheduler).__name__}) has another"
                )
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                f"SequentialLR expects one milestone fewer than schedulers, but got "
                f"{len(schedulers)} schedulers and {len(milestones)} milestones"
            )
        self._schedulers = list(schedulers)
        self._milestones = list(milestones)
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        # Each scheduler already took its first step when it was built: undo those steps, then
        # take only the active scheduler's first step.
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        self._undo_initial_steps(self)
        active = self._schedulers[bisect_right(self._milestones, 0)]
        active._initial_step()
        self._last_lr = active.get_last_lr()

    def _undo_initial_steps(self, scheduler) -> None:
        if hasattr(scheduler, "_schedulers"):
            for inner in scheduler._schedulers:
                self._undo_initial_steps(inner)
        elif hasattr(scheduler, "last_epoch"):
            scheduler.last_epoch -= 1

    def step(self) -> None:  # type: ignore[override]
        """Advance one step, starting the next scheduler at its milestone."""
        self.last_epoch += 1
        index = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        state = copy.deepcopy(
            {
                key: value
                for key, value in self.__dict__.items()
                if key not in ("optimizer", "_schedulers")
            }
        )
        state["_schedulers"] = [scheduler.state_dict() for scheduler in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state_dict = copy.deepcopy(state_dict)
        saved_schedulers = state_dict.pop("_schedulers")
        self.__dict__.update(state_dict)
        for scheduler, saved in zip(self._schedulers, saved_schedulers):
            scheduler.load_state_dict(saved)


class ChainedScheduler(LRScheduler):
    """Step several schedulers together: each ``step()`` calls ``step()`` on every scheduler in
    order, so chainable schedules compose (e.g. ConstantLR warm-up times ExponentialLR decay:
    lr_t = base · factor_t · γᵗ). The learning rate is whatever the last one wrote.

    Args:
        schedulers: the schedulers, constructed beforehand on one optimizer; ReduceLROnPlateau
            cannot be chained (its step needs a metric).
        optimizer: that optimizer (default: the first scheduler's).
    """

    def __init__(self, schedulers: Sequence[LRScheduler], optimizer: Optimizer | None = None):
        if len(schedulers) < 1:
            raise ValueError(
                "ChainedScheduler expects at least one scheduler to be chained, but got none"
            )
        optimizer = optimizer or schedulers[0].optimizer
        for index, scheduler in enumerate(schedulers):
            if not hasattr(scheduler, "optimizer"):
                raise TypeError(
                    f"ChainedScheduler: the scheduler at index {index} has no `optimizer`"
                )
            if isinstance(scheduler, ReduceLROnPlateau):
                raise ValueError(  # noqa: TRY004 - PyTorch raises ValueError here
                    f"ChainedScheduler does not support ReduceLROnPlateau (index {index}): "
                    "its step() needs a metric"
                )
            if scheduler.optimizer is not optimizer:
                raise ValueError(
                    "ChainedScheduler expects all schedulers to belong to the same optimizer, "
                    f"but the one at index {index} ({type(scheduler).__name__}) has another"
                )
        self._schedulers = list(schedulers)
        self.optimizer = optimizer
        self._last_lr = self._current_lrs()

    def step(self) -> None:  # type: ignore[override]
        """Step every scheduler, in order."""
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = self._current_lrs()

    state_dict = SequentialLR.state_dict
    load_state_dict = SequentialLR.load_state_dict

