"""``GradientMonitorCallback``: a ``GradientMonitor`` inside ``tinynet.train.fit``."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

from tinynet.callbacks import Callback
from tinynet.diagnostics.monitor import GradientMonitor
from tinynet.diagnostics.thresholds import Diagnosis, Thresholds


class GradientMonitorCallback(Callback):
    """Watch gradient flow during ``fit(..., callbacks=[GradientMonitorCallback()])``.

    ``on_train_begin`` attaches a ``GradientMonitor`` to the trainer's model (``every`` and
    ``thresholds`` go to it), ``on_train_batch_end`` calls its ``step(loss=...)`` after each
    optimizer step, and after every epoch, at the end of training and as soon as NaN or inf
    appears, each new diagnosis is reported once per kind with ``warnings.warn`` (a ``UserWarning`` naming the layers and the
    evidence). ``on_train_end`` detaches the hooks; ``monitor`` stays readable (its
    ``history``, ``flags()``) and ``diagnoses`` lists what was warned about.
    """

    def __init__(self, every: int = 1, thresholds: Thresholds | None = None):
        super().__init__()
        self.every, self.thresholds = every, thresholds
        self.monitor: GradientMonitor | None = None
        self.diagnoses: list[Diagnosis] = []

    def on_train_begin(self, trainer_state: Mapping[str, Any]) -> None:
        if self.monitor is not None:
            self.monitor.remove()
        self.monitor = GradientMonitor(trainer_state["model"], self.every, self.thresholds)
        self.diagnoses = []

    def on_train_batch_end(self, batch: int, logs: Mapping[str, float]) -> None:
        self.monitor.step(loss=logs.get("loss"))
        if self.monitor.first_nonfinite_step is not None:  # warn now: the next batch may crash
            self.warn_new()

    def on_epoch_end(self, epoch: int, logs: Mapping[str, float]) -> None:
        self.warn_new()

    def on_train_end(self, trainer_state: Mapping[str, Any]) -> None:
        self.warn_new()
        self.monitor.remove()

    def warn_new(self) -> list[Diagnosis]:
        """Warn about each diagnosis of a kind not warned about before; return those."""
        warned = {d.kind for d in self.diagnoses}
        new = [d for d in self.monitor.flags() if d.kind not in warned]
        for diagnosis in new:
            warnings.warn(f"gradient monitor: {diagnosis}", UserWarning, stacklevel=2)
        self.diagnoses += new
        return new
