"""The training loop: ``fit`` runs epochs of forward, loss, backward and step, then evaluates.

    history = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters()), train_loader,
                  val_loader, epochs=10, callbacks=[EarlyStopping(patience=3)])
    history.plot("history.png"); print(history.to_json())

Batches are ``(inputs..., targets)``: the model gets every element but the last, the loss and the
metrics get the last. Callbacks follow ``tinynet.callbacks.Callback``. Metrics are names from
``METRICS`` ("accuracy", "mse", "mae") or functions ``(outputs, targets) -> float`` on NumPy
arrays; every epoch value is the mean over samples (batch means weighted by batch size).

Scheduler stepping, explicitly:
* ``CyclicLR`` and ``OneCycleLR`` (``PER_BATCH_SCHEDULERS``) step after every optimizer step;
* ``ReduceLROnPlateau`` steps once per epoch with ``val_loss`` (``loss`` without a val_loader);
* every other scheduler steps once per epoch, after the epoch's evaluation.

Stopping: a callback's ``stop_training``; Ctrl-C (KeyboardInterrupt) ends the epoch loop
cleanly; a non-finite loss stops before the step that would spread it, with a message naming the
epoch and step. In all three cases ``on_train_end`` still runs (so EarlyStopping can restore the
best weights; ModelCheckpoint's file always holds the best epoch, written atomically) and
``history.stop_reason`` says why.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from tinynet.autograd import no_grad
from tinynet.callbacks import Callback, ModelCheckpoint  # noqa: F401 (importable from here too)
from tinynet.optim.lr_scheduler import CyclicLR, OneCycleLR, ReduceLROnPlateau

PER_BATCH_SCHEDULERS = (CyclicLR, OneCycleLR)


class NonFiniteLossError(FloatingPointError):
    """The loss became NaN or infinite; the message names the epoch and the step (from 1)."""


def fit(model, loss_fn, optimizer, train_loader, val_loader=None, epochs: int = 1, scheduler=None,
        callbacks: Sequence[Callback] = (), metrics: Sequence = ("accuracy",),
        verbose: bool = True) -> History:
    """Train ``model`` for ``epochs`` passes over ``train_loader``; return the ``History``.

    Each epoch's logs hold ``loss`` and the ``metrics`` on the training batches (measured while
    training), ``val_loss`` and ``val_<metric>`` on ``val_loader`` (when given), and ``lr``: the
    first param group's learning rate after the training pass, before the end-of-epoch scheduler
    step (for per-epoch schedulers, the lr the epoch trained with).
    ``verbose=False`` prints nothing.
    """
    history, progress = History(), Progress(epochs, verbose)
    trainer_state = {"model": model, "optimizer": optimizer, "epochs": epochs, "history": history}
    for callback in callbacks:
        callback.on_train_begin(trainer_state)
    try:
        for epoch in range(epochs):
            start = time.perf_counter()
            logs = train_one_epoch(model, loss_fn, optimizer, train_loader, metrics, epoch,
                                   scheduler, progress, callbacks)
            if val_loader is not None:
                val_logs = evaluate(model, val_loader, metrics, loss_fn)
                logs.update({f"val_{name}": value for name, value in val_logs.items()})
            logs["lr"] = optimizer.param_groups[0]["lr"]
            step_epoch_scheduler(scheduler, logs)
            history.record(logs)
            progress.end_epoch(epoch, logs, time.perf_counter() - start)
            for callback in callbacks:
                callback.on_epoch_end(epoch, logs)
            stoppers = [type(c).__name__ for c in callbacks if c.stop_training]
            if stoppers:
                history.stop("callback", f"{stoppers[0]} stopped training after epoch {epoch + 1}")
                break
    except KeyboardInterrupt:
        history.stop("interrupted", f"interrupted (Ctrl-C) after {len(history)} complete epochs")
    except NonFiniteLossError as error:
        history.stop("non-finite loss", str(error))
    progress.close(history.stop_reason)
    for callback in callbacks:
        callback.on_train_end(trainer_state)
    return history


def train_one_epoch(model, loss_fn, optimizer, loader, metrics, epoch: int, scheduler=None,
                    progress: Progress | None = None,
                    callbacks: Sequence[Callback] = ()) -> dict[str, float]:
    """One pass over ``loader`` in training mode: forward, loss, backward, optimizer step (and
    a per-batch scheduler step), then each callback's ``on_train_batch_end(step, {"loss": ...})``.
    Returns the sample-weighted mean loss and metrics."""
    model.train()
    means = RunningMeans()
    progress = progress or Progress(1, verbose=False)
    progress.start_epoch(epoch, len(loader))
    for step, batch in enumerate(loader):
        inputs, targets = split_batch(batch)
        outputs = model(*inputs)
        loss = loss_fn(outputs, targets)
        loss_value = loss.item()
        if not math.isfinite(loss_value):
            raise NonFiniteLossError(f"the loss is {loss_value} at epoch {epoch + 1}, step "
                                     f"{step + 1}: training stopped before that step's update")
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if isinstance(scheduler, PER_BATCH_SCHEDULERS):
            scheduler.step()
        for callback in callbacks:
            batch_end = getattr(callback, "on_train_batch_end", None)  # duck-typed callbacks may lack it
            if batch_end is not None:
                batch_end(step, {"loss": loss_value})
        means.add(batch_size(targets), loss=loss_value, **compute_metrics(metrics, outputs, targets))
        progress.update(loss_value)
    return means.result()


def evaluate(model, loader, metrics: Sequence = ("accuracy",), loss_fn=None) -> dict[str, float]:
    """The sample-weighted mean of each metric (and of ``loss_fn``, as "loss", when given) over
    ``loader``, with the model in eval mode and gradients off; the model's mode is restored."""
    was_training = model.training
    model.eval()
    means = RunningMeans()
    try:
        with no_grad():
            for batch in loader:
                inputs, targets = split_batch(batch)
                outputs = model(*inputs)
                values = compute_metrics(metrics, outputs, targets)
                if loss_fn is not None:
                    values = {"loss": loss_fn(outputs, targets).item(), **values}
                means.add(batch_size(targets), **values)
    finally:
        model.train(was_training)
    return means.result()


def step_epoch_scheduler(scheduler, logs: dict[str, float]) -> None:
    """The end-of-epoch scheduler step (see the module docstring); per-batch ones are skipped."""
    if scheduler is None or isinstance(scheduler, PER_BATCH_SCHEDULERS):
        return
    if isinstance(scheduler, ReduceLROnPlateau):
        scheduler.step(logs.get("val_loss", logs["loss"]))
    else:
        scheduler.step()


def split_batch(batch) -> tuple[tuple, object]:
    """``(inputs..., targets)`` -> (inputs tuple, targets)."""
    if not isinstance(batch, (tuple, list)) or len(batch) < 2:
        raise TypeError("fit/evaluate expect batches of (inputs..., targets); got "
                        f"{type(batch).__name__}")
    return tuple(batch[:-1]), batch[-1]


def batch_size(targets) -> int:
    return int(targets.shape[0]) if getattr(targets, "ndim", 0) else 1


def _as_array(value) -> np.ndarray:
    return value.detach().numpy() if hasattr(value, "detach") else np.asarray(value)


def accuracy(outputs: np.ndarray, targets: np.ndarray) -> float:
    """Fraction of correct predictions: argmax over dim 1 for (N, C) scores (C > 1, any trailing
    dims), ``outputs > 0`` for binary logits of shape (N,) or (N, 1)."""
    if outputs.ndim >= 2 and outputs.shape[1] > 1:
        predictions = outputs.argmax(axis=1)
    else:
        predictions = (outputs.reshape(targets.shape) > 0).astype(targets.dtype)
    return float(np.mean(predictions == targets))


def mean_squared_error(outputs: np.ndarray, targets: np.ndarray) -> float:
    """mean((outputs − targets)²)."""
    return float(np.mean((outputs - targets.reshape(outputs.shape)) ** 2))


def mean_absolute_error(outputs: np.ndarray, targets: np.ndarray) -> float:
    """mean(|outputs − targets|)."""
    return float(np.mean(np.abs(outputs - targets.reshape(outputs.shape))))


METRICS: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "accuracy": accuracy,
    "mse": mean_squared_error,
    "mae": mean_absolute_error,
}


def compute_metrics(metrics: Iterable, outputs, targets) -> dict[str, float]:
    """{name: value} of each metric on one batch (NumPy arrays of the outputs and targets)."""
    values = {}
    outputs, targets = _as_array(outputs), _as_array(targets)
    for metric in metrics:
        if isinstance(metric, str):
            if metric not in METRICS:
                raise ValueError(f"unknown metric {metric!r}; choose from {sorted(METRICS)} or "
                                 "pass a function (outputs, targets) -> float")
            values[metric] = METRICS[metric](outputs, targets)
        else:
            values[metric.__name__] = float(metric(outputs, targets))
    return values


class RunningMeans:
    """Sample-weighted means of named values, accumulated batch by batch."""

    def __init__(self):
        self.sums: dict[str, float] = {}
        self.count = 0

    def add(self, count: int, **values: float) -> None:
        for name, value in values.items():
            self.sums[name] = self.sums.get(name, 0.0) + value * count
        self.count += count

    def result(self) -> dict[str, float]:
        return {name: total / max(self.count, 1) for name, total in self.sums.items()}


class Progress:
    """A tqdm bar per epoch when stdout is a terminal; one plain line per epoch otherwise."""

    def __init__(self, epochs: int, verbose: bool = True):
        self.epochs, self.verbose = epochs, verbose
        self.use_bar = verbose and sys.stdout.isatty()
        self.bar = None

    def start_epoch(self, epoch: int, steps: int) -> None:
        if self.use_bar:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=steps, desc=f"epoch {epoch + 1}/{self.epochs}", leave=False,
                            dynamic_ncols=True)

    def update(self, loss: float) -> None:
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix(loss=f"{loss:.4f}", refresh=False)

    def end_epoch(self, epoch: int, logs: dict[str, float], seconds: float) -> None:
        self._close_bar()
        if self.verbose:
            values = "  ".join(f"{name} {value:.4g}" for name, value in logs.items())
            print(f"epoch {epoch + 1}/{self.epochs}  {values}  ({seconds:.2f} s)", flush=True)

    def close(self, stop_reason: str | None) -> None:
        self._close_bar()
        if self.verbose and stop_reason:
            print(stop_reason, file=sys.stderr, flush=True)

    def _close_bar(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class History:
    """What ``fit`` measured: ``history["val_loss"]`` is the list of per-epoch values.

    ``history.history`` maps each log name to its list, ``len(history)`` counts the recorded
    epochs. After a full run ``stop_cause`` and ``stop_reason`` are None; after an early stop
    ``stop_cause`` is "callback", "interrupted" or "non-finite loss" and ``stop_reason`` the
    message.
    """

    def __init__(self):
        self.history: dict[str, list[float]] = {}
        self.stop_cause: str | None = None
        self.stop_reason: str | None = None

    def stop(self, cause: str, reason: str) -> None:
        self.stop_cause, self.stop_reason = cause, reason

    def record(self, logs: dict[str, float]) -> None:
        recorded = len(self)
        for name, value in logs.items():  # a name first seen now gets NaN for earlier epochs
            self.history.setdefault(name, [math.nan] * recorded).append(float(value))

    def __len__(self) -> int:
        return max((len(values) for values in self.history.values()), default=0)

    def __getitem__(self, name: str) -> list[float]:
        return self.history[name]

    def to_json(self, path: str | Path | None = None) -> str:
        """The history as JSON ``{"epochs": n, "history": {...}, "stop_cause": ..., "stop_reason":
        ...}`` (NaN and
        infinities become null); also written to ``path`` when given."""
        clean = {name: [v if math.isfinite(v) else None for v in values]
                 for name, values in self.history.items()}
        text = json.dumps({"epochs": len(self), "history": clean, "stop_cause": self.stop_cause,
                           "stop_reason": self.stop_reason}, indent=2)
        if path is not None:
            Path(path).write_text(text)
        return text

    def plot(self, path: str | Path) -> Path:
        """Draw one panel per quantity (loss, each metric, lr), training and validation curves
        together, against the epoch; save a PNG to ``path`` (matplotlib's Agg backend)."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        names = [n for n in self.history if not n.startswith("val_")]
        figure, axes = plt.subplots(1, max(len(names), 1), figsize=(4 * max(len(names), 1), 3.2),
                                    squeeze=False)
        epochs = np.arange(1, len(self) + 1)
        for axis, name in zip(axes[0], names):
            has_val = f"val_{name}" in self.history
            axis.plot(epochs, self.history[name], marker=".",
                      label=f"train {name}" if has_val else name)
            if has_val:
                axis.plot(epochs, self.history[f"val_{name}"], marker=".", label=f"val {name}")
            axis.set_xlabel("epoch")
            axis.set_title(name)
            axis.set_yscale("log" if name in ("loss", "lr") and _positive(self.history[name])
                            else "linear")
            axis.grid(alpha=0.3)
            axis.legend()
        figure.tight_layout()
        figure.savefig(path, dpi=100)
        plt.close(figure)
        return Path(path)


def _positive(values: list[float]) -> bool:
    return all(v > 0 for v in values if math.isfinite(v))
