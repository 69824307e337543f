"""LRScheduler, the base of every schedule, and LambdaLR, the schedule given as a function."""

from __future__ import annotations

import copy
import types
import warnings
from collections.abc import Callable
from typing import Any

from tinynet.optim.optimizer import Optimizer


class LRScheduler:
    """Base class of the learning-rate schedulers: each ``step()`` writes ``group["lr"]`` for every
    param group of the optimizer. PyTorch's step semantics:

    * Construction performs the first step: ``last_epoch`` goes from -1 to 0 and the learning rate
      of step 0 is written. Each group's starting lr is remembered as ``group["initial_lr"]``, and
      ``base_lrs`` lists them.
    * Call ``scheduler.step()`` after ``optimizer.step()``, once per epoch (or once per batch for
      the per-iteration schedules: CyclicLR, OneCycleLR). ``last_epoch`` counts the calls.
    * ``get_last_lr()`` gives the learning rates the last step wrote.
    * To resume, pass ``last_epoch`` (the groups must already hold ``initial_lr``), or better,
      ``load_state_dict(scheduler.state_dict())``.

    A subclass implements ``get_lr()``: the learning rates at ``self.last_epoch``. Many are
    written as PyTorch writes them, "chainable" (from the current ``group["lr"]``, so that two
    schedulers can act on one optimizer); those also give ``_get_closed_form_lr()`` (from
    ``base_lrs``), which ``step(epoch)`` uses to jump to an epoch. While the constructor's first step runs,
    ``self._is_initial`` is True.
    """

    _is_initial = False

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for number, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{number}] when "
                        f"resuming a scheduler with last_epoch={last_epoch}; load the optimizer's "
                        "state_dict first, or start from last_epoch=-1"
                    )
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:
        """The learning rate of every param group at ``self.last_epoch``."""
        raise NotImplementedError

    def get_last_lr(self) -> list[float]:
        """The learning rates written by the most recent step, one per param group."""
        return list(self._last_lr)

    def step(self, epoch: int | None = None) -> None:
        """Advance one step and write the new learning rates into the optimizer's groups.

        ``epoch`` (deprecated, as in PyTorch) jumps to that epoch, using the closed form when the
        schedule has one."""
        self._step_count += 1
        if epoch is not None:
            warnings.warn(
                "passing an epoch to scheduler.step() is deprecated; call step() once "
                "per epoch instead",
                UserWarning,
                stacklevel=2,
            )
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        if epoch is None:
            self.last_epoch += 1
            lrs = self.get_lr()
        else:
            self.last_epoch = epoch
            closed_form = getattr(self, "_get_closed_form_lr", None)
            lrs = closed_form() if closed_form is not None else self.get_lr()
        if len(lrs) != len(self.optimizer.param_groups):
            raise ValueError(
                f"{type(self).__name__} computed {len(lrs)} learning rates for "
                f"{len(self.optimizer.param_groups)} param groups"
            )
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """Everything in the scheduler except the optimizer (a copy)."""
        return copy.deepcopy({k: v for k, v in self.__dict__.items() if k != "optimizer"})

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state saved by ``state_dict()``."""
        self.__dict__.update(copy.deepcopy(state_dict))

    def _current_lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]


class _LRScheduler(LRScheduler):
    """PyTorch's older name of ``LRScheduler``, which older code subclasses; the same class."""


class LambdaLR(LRScheduler):
    """lr_t = base_lr · lr_lambda(t): the schedule given as a function of the step count t.

    Args:
        optimizer: the optimizer whose learning rates to set.
        lr_lambda: a function of t, or a list of them, one per param group.
        last_epoch: the index of the last step, to resume (default -1: start).

    ``state_dict()`` cannot save plain functions; it saves the ``__dict__`` of callable objects
    (PyTorch's behaviour) and ``None`` for functions, which must be given again when resuming.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | list[Callable[[int], float]],
        last_epoch: int = -1,
    ):
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != len(optimizer.param_groups):
                raise ValueError(
                    f"Expected {len(optimizer.param_groups)} lr_lambdas, but got {len(lr_lambda)}"
                )
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * len(optimizer.param_groups)
        for function in self.lr_lambdas:
            if not callable(function):
                raise TypeError(f"lr_lambda must be callable, but got {type(function).__name__}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [
            base_lr * function(self.last_epoch)
            for function, base_lr in zip(self.lr_lambdas, self.base_lrs)
        ]

    def state_dict(self) -> dict[str, Any]:
        state = copy.deepcopy(
            {
                key: value
                for key, value in self.__dict__.items()
                if key not in ("optimizer", "lr_lambdas")
            }
        )
        state["lr_lambdas"] = [
            None if isinstance(function, types.FunctionType) else copy.deepcopy(function.__dict__)
            for function in self.lr_lambdas
        ]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state_dict = copy.deepcopy(state_dict)
        saved_lambdas = state_dict.pop("lr_lambdas")
        self.__dict__.update(state_dict)
        for function, saved in zip(self.lr_lambdas, saved_lambdas):
            if saved is not None:
                function.__dict__.update(saved)


class MultiplicativeLR(LambdaLR):
    """lr_t = lr_{t−1} · lr_lambda(t) for t ≥ 1 (lr_0 = the group's lr): the schedule given as
    the factor of each step, so lr_t = base_lr · Π_{k=1..t} lr_lambda(k). Being chainable, it
    composes with another scheduler acting on the same optimizer.

    Args:
        optimizer: the optimizer whose learning rates to set.
        lr_lambda: a function of t giving the step's factor, or a list of them, one per group.
        last_epoch: the index of the last step, to resume (default -1: start).

    ``state_dict()`` saves the lambdas as ``LambdaLR`` does.
    """

    def get_lr(self) -> list[float]:
        if self._is_initial or self.last_epoch <= 0:
            return self._current_lrs()
        return [
            group["lr"] * function(self.last_epoch)
            for function, group in zip(self.lr_lambdas, self.optimizer.param_groups)
        ]

