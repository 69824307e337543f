"""Callbacks: small objects that a training loop calls at fixed points, and EarlyStopping.

The protocol, in full (``tinynet.train.fit`` follows it; a hand-written loop may too):

* ``on_train_begin(trainer_state)``: once, before the first epoch. ``trainer_state`` is a dict
  that holds at least ``"model"`` (fit also puts ``"optimizer"`` and ``"epochs"`` in it).
* ``on_train_batch_end(batch, logs)``: after every optimizer step; ``batch`` counts the steps of
  the epoch from 0 and ``logs`` holds ``"loss"``, that batch's loss (a float).
* ``on_epoch_end(epoch, logs)``: after every epoch; ``epoch`` counts from 0 and ``logs`` maps
  metric names (``"loss"``, ``"val_loss"``, ``"val_accuracy"``, ...) to floats.
* ``on_train_end(trainer_state)``: once, after the last epoch, also after an early stop.
* ``stop_training``: a flag the loop reads after ``on_epoch_end``; True ends training.

Hooks return nothing, and the base class implements each as a no-op, so a callback overrides only
the hooks it needs. The callbacks here: ``EarlyStopping`` and ``ModelCheckpoint``.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np


class Callback:
    """Base class: every hook does nothing; ``stop_training`` starts False."""

    def __init__(self) -> None:
        self.stop_training = False

    def on_train_begin(self, trainer_state: Mapping[str, Any]) -> None:
        """Called once before the first epoch."""

    def on_train_batch_end(self, batch: int, logs: Mapping[str, float]) -> None:
        """Called after every optimizer step with that batch's loss (``logs["loss"]``)."""

    def on_epoch_end(self, epoch: int, logs: Mapping[str, float]) -> None:
        """Called after every epoch with that epoch's metrics."""

    def on_train_end(self, trainer_state: Mapping[str, Any]) -> None:
        """Called once after the last epoch."""


class EarlyStopping(Callback):
    """Stop training when a monitored metric has not improved for ``patience`` epochs.

    An epoch improves on the best value so far when (mode "min") value < best − min_delta, or
    (mode "max") value > best + min_delta; a NaN never improves. After ``patience`` epochs in a
    row without improvement, ``stop_training`` becomes True. With ``restore_best_weights=True``
    the model's ``state_dict()`` is copied at every improvement and loaded back with
    ``load_state_dict`` when training stops (or ends).

    From a plain loop::

        stopper = EarlyStopping(patience=5, restore_best_weights=True)
        for epoch in range(100):
            train_one_epoch(...)
            if stopper.step(evaluate(model), model):
                break

    As a callback, ``fit(..., callbacks=[EarlyStopping(monitor="val_loss")])`` reads
    ``logs[monitor]`` in ``on_epoch_end``.

    Args:
        monitor: the key of ``logs`` to watch (default "val_loss").
        mode: "min" (default) if smaller is better, "max" otherwise (e.g. accuracy).
        patience: epochs without improvement before stopping (default 3, PyTorch Lightning's).
        min_delta: the least change that counts as an improvement (default 0).
        restore_best_weights: put the best epoch's weights back into the model at the end.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        mode: str = "min",
        patience: int = 3,
        min_delta: float = 0.0,
        restore_best_weights: bool = False,
    ):
        super().__init__()
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', but got {mode!r}")
        if not isinstance(patience, int) or patience < 0:
            raise ValueError(f"patience must be a non-negative int, but got {patience!r}")
        if not min_delta >= 0:
            raise ValueError(f"min_delta must be >= 0, but got {min_delta}")
        self.monitor = monitor
        self.mode = mode
        self.patience = patience
        self.min_delta = min_delta
        self.restore_best_weights = restore_best_weights
        self._model = None
        self.reset()

    def reset(self) -> None:
        """Forget everything seen so far (fit calls this through ``on_train_begin``)."""
        self.stop_training = False
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch: int | None = None
        self.epochs_without_improvement = 0
        self.stopped_epoch: int | None = None
        self.best_state: dict[str, Any] | None = None
        self._epoch = -1
        self._restored = False

    def is_improvement(self, value: float) -> bool:
        """Whether ``value`` beats the best so far by more than ``min_delta``."""
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def step(self, value: float, model=None) -> bool:
        """Record one epoch's monitored value; return True when training should stop. ``model``
        (anything with ``state_dict``/``load_state_dict``) is needed for restore_best_weights."""
        self._record(float(value), model, self._epoch + 1)
        return self.stop_training

    def _record(self, value: float, model, epoch: int) -> None:
        self._epoch = epoch
        if self.is_improvement(value):
            self.best = value
            self.best_epoch = epoch
            self.epochs_without_improvement = 0
            if self.restore_best_weights:
                self.best_state = _snapshot(self._required(model))
            return
        self.epochs_without_improvement += 1
        if self.epochs_without_improvement >= self.patience:
            self.stop_training = True
            self.stopped_epoch = epoch
            if self.restore_best_weights and self.best_state is not None:
                self.restore_best(self._required(model))

    def restore_best(self, model) -> None:
        """Load the weights of the best epoch into ``model`` (no-op before any improvement)."""
        if self.best_state is not None:
            model.load_state_dict(_unsnapshot(self.best_state))
            self._restored = True

    def on_train_begin(self, trainer_state: Mapping[str, Any]) -> None:
        self.reset()
        self._model = trainer_state.get("model")

    def on_epoch_end(self, epoch: int, logs: Mapping[str, float]) -> None:
        if self.monitor not in logs:
            raise KeyError(
                f"EarlyStopping monitors {self.monitor!r}, but the epoch's logs "
                f"have only {sorted(logs)}"
            )
        self._record(float(logs[self.monitor]), self._model, epoch)

    def on_train_end(self, trainer_state: Mapping[str, Any]) -> None:
        if self.restore_best_weights and self.best_state is not None and not self._restored:
            self.restore_best(self._required(trainer_state.get("model", self._model)))

    def _required(self, model):
        if model is None:
            raise ValueError(
                "restore_best_weights=True needs the model: pass it to step(value, "
                "model), or put it in trainer_state['model']"
            )
        return model


class ModelCheckpoint(Callback):
    """Save the model's ``state_dict()`` to ``path`` whenever the monitored log improves.

    The file is written with ``tinynet.save`` (temporary file, then rename), so it always holds
    a complete checkpoint of the best epoch so far, even after Ctrl-C or a crash. With
    ``save_best_only=False`` it is rewritten after every epoch instead. ``best`` and
    ``best_epoch`` (from 0) record the best value; load it with
    ``model.load_state_dict(tinynet.load(path))``.
    """

    def __init__(self, path: str | Path, monitor: str = "val_loss", mode: str = "min",
                 save_best_only: bool = True):
        super().__init__()
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', but got {mode!r}")
        self.path, self.monitor, self.mode = Path(path), monitor, mode
        self.save_best_only = save_best_only
        self.model = None
        self.best = math.inf if mode == "min" else -math.inf
        self.best_epoch: int | None = None

    def on_train_begin(self, trainer_state) -> None:
        self.model = trainer_state["model"]
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch = None

    def on_epoch_end(self, epoch: int, logs) -> None:
        if self.monitor not in logs:
            raise KeyError(f"ModelCheckpoint monitors {self.monitor!r}, but the epoch's logs "
                           f"have only {sorted(logs)}")
        value = float(logs[self.monitor])
        improved = value < self.best if self.mode == "min" else value > self.best
        if improved:
            self.best, self.best_epoch = value, epoch
        if improved or not self.save_best_only:
            from tinynet.serialization import save

            self.path.parent.mkdir(parents=True, exist_ok=True)
            save(self.model.state_dict(), self.path)


def _snapshot(model) -> dict[str, Any]:
    """A copy of ``model.state_dict()`` that later training cannot change (arrays are copied,
    tensors are remembered as arrays)."""
    snapshot = {}
    for name, value in model.state_dict().items():
        if hasattr(value, "numpy"):
            snapshot[name] = ("tensor", np.array(value.detach().numpy(), copy=True))
        else:
            snapshot[name] = ("value", copy.deepcopy(value))
    return snapshot


def _unsnapshot(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A fresh state dict from a snapshot (fresh copies, so the snapshot stays reusable)."""
    from tinynet.tensor import Tensor

    return {
        name: Tensor._make(np.array(value, copy=True)) if kind == "tensor" else copy.deepcopy(value)
        for name, (kind, value) in snapshot.items()
    }
