"""What every recipe shares: its options checked one way, the data split with a seed, a run
folder that never replaces an earlier run, the training loop (``tinynet.train.fit`` with the
best-epoch checkpoint) and what a run writes (metrics.json, history.png, model.npz).

A recipe is a ``Recipe``: the option defaults it takes and a function ``run(Run) -> metrics``.
The ``Run`` it gets holds the checked options, the seed and the folder, and does the shared
work, so a recipe only says what is particular to its model::

    def run(run: Run) -> dict:
        data = run.data(val_fraction=0.1)
        model = run.build(data.sample_shape, data.num_classes)
        history = run.fit(model, nn.CrossEntropyLoss(), optimizer, run.loader(data.train), data.val)
        return run.finish(model, history, {"test_accuracy": ...}, "test accuracy ...")
"""

from __future__ import annotations

import ast
import inspect
import json
import math
import numbers
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import tinynet as tn
from tinynet.callbacks import ModelCheckpoint
from tinynet.train import History, fit

OPTIMIZERS = ["adam", "adamw", "sgd", "rmsprop", "adagrad", "adadelta", "nadam"]
SCHEDULERS = ["onecycle", "cosine", "step", "exponential", "plateau", "none"]


def flag(name: str) -> str:
    """The command-line flag of an option: ``batch_size`` -> ``--batch-size``."""
    return "--" + name.replace("_", "-")


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{flag(name)} must be a positive integer, but got {value!r}")
    return int(value)


def _real(name, value, low, high=math.inf, low_included=False):
    if (isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value)
            or not (value >= low if low_included else value > low) or not value < high):
        bounds = f"{'[' if low_included else '('}{low}, {high})"
        raise ValueError(f"{flag(name)} must be a number in {bounds}, but got {value!r}")
    return float(value)


def _choice(choices):
    def check(name, value):
        if value not in choices:
            raise ValueError(f"{flag(name)} must be one of {', '.join(choices)}, but got {value!r}")
        return value
    return check


def _text_file(name, value):
    if value is None:
        raise ValueError(f"this dataset needs {flag(name)} PATH, the text to model")
    if not isinstance(value, (str, PathLike)) or not Path(value).expanduser().is_file():
        raise ValueError(f"{flag(name)} must name an existing file, but got {value!r}")
    return str(value)


def _env_name(name, value):
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{flag(name)} must name a Gymnasium environment such as CartPole-v1, "
                         f"but got {value!r}")
    return value


OPTION_CHECKS: dict[str, Callable] = {
    "epochs": _positive_int,
    "batch_size": _positive_int,
    "lr": lambda name, value: _real(name, value, 0.0),
    "weight_decay": lambda name, value: _real(name, value, 0.0, low_included=True),
    "val_fraction": lambda name, value: _real(name, value, 0.0, 1.0, low_included=True),
    "optimizer": _choice(OPTIMIZERS),
    "scheduler": _choice(SCHEDULERS),
}
OPTION_CHECKS.update({  # the language models' options
    "bptt": _positive_int,
    "max_chars": _positive_int,
    "text_file": _text_file,
})
OPTION_CHECKS.update({  # the reinforcement-learning options
    "env": _env_name,
    "steps": _positive_int,
    "eval_episodes": _positive_int,
})
OPTION_CHECKS.update({  # the sequence-to-sequence recipe's options
    "attention": _choice(["bahdanau", "dot", "general", "none"]),
    "strategy": _choice(["teacher", "free", "scheduled", "curriculum", "professor"]),
    "label_smoothing": lambda name, value: _real(name, value, 0.0, 1.0, low_included=True),
})


@dataclass(frozen=True)
class Recipe:
    """How a family of models trains. ``defaults(dataset)`` gives the options the recipe takes
    (a subset of ``OPTION_CHECKS``) and their default values; ``run(Run)`` trains and returns
    the metrics; ``headline`` names the metric a summary over seeds reports (dots go into nested
    dicts); ``dataset`` is the default dataset. ``datasets``: the names a recipe reads itself
    (empty: those of ``tinynet.data.datasets.DATASETS``). ``details(metrics of each seed, page)``,
    when given, is the Markdown a ``--markdown`` page shows below its summary table (it may
    write figures beside ``page``)."""

    family: str
    run: Callable[[Run], dict]
    defaults: Callable[[str], dict]
    dataset: str
    headline: str
    details: Callable[[list, Path], str] | None = None
    datasets: tuple = ()


def check_options(model: str, recipe: Recipe, dataset: str, given: dict) -> dict:
    """The options of a run: each given one (None means absent) checked, the recipe's default
    for each absent one. An option the recipe does not take is refused by name."""
    unknown = sorted(set(given) - set(OPTION_CHECKS))
    if unknown:
        raise TypeError(f"unknown option {', '.join(unknown)}; the options are "
                        f"{', '.join(OPTION_CHECKS)}")
    defaults = recipe.defaults(dataset)
    refused = [name for name, value in given.items() if value is not None and name not in defaults]
    if refused:
        raise ValueError(f"the {model} recipe does not take {', '.join(map(flag, refused))} (it "
                         f"takes {', '.join(map(flag, defaults)) or 'none of them'})")
    return {name: OPTION_CHECKS[name](name, default if given.get(name) is None else given[name])
            for name, default in defaults.items()}


def model_arguments(builder: Callable) -> dict[str, object]:
    """The keyword arguments a model builder takes beyond (input_shape, num_classes), with their
    defaults: what ``--model-arg`` may set."""
    parameters = list(inspect.signature(builder).parameters.values())[2:]
    return {p.name: p.default for p in parameters}


def parse_model_args(model: str, builder: Callable, model_args) -> dict:
    """``model_args`` (a dict, or "KEY=VALUE" strings whose values are read as Python literals,
    else kept as text) checked against the builder's signature; an unknown key is refused with
    the list of the accepted ones."""
    if not isinstance(model_args, dict):
        pairs = {}
        for item in model_args or []:
            key, equals, text = str(item).partition("=")
            if not equals or not key.strip():
                raise ValueError(f"--model-arg takes KEY=VALUE, but got {item!r}")
            try:
                pairs[key.strip()] = ast.literal_eval(text.strip())
            except (ValueError, SyntaxError):
                pairs[key.strip()] = text.strip()
        model_args = pairs
    accepted = model_arguments(builder)
    unknown = [key for key in model_args if key not in accepted]
    if unknown:
        takes = ", ".join(f"{name}={default!r}" for name, default in accepted.items())
        raise ValueError(f"the {model} model has no argument {', '.join(map(repr, unknown))}; "
                         f"it takes {takes or 'no arguments'}")
    return dict(model_args)


def new_run_folder(out: Path, overwrite: bool = False) -> Path:
    """``out`` when it is absent or empty (or ``overwrite``); otherwise the first of out-2,
    out-3, ... that is, so that a second run never replaces the files of the first."""
    out = Path(out)
    if overwrite:
        out.mkdir(parents=True, exist_ok=True)
        return out
    candidate, number = out, 1
    while True:
        try:
            candidate.mkdir(parents=True)
            return candidate
        except FileExistsError:
            if candidate.is_dir() and not any(candidate.iterdir()):
                return candidate
        number += 1
        candidate = out.with_name(f"{out.name}-{number}")


@dataclass
class Splits:
    """A dataset's training, validation (None without one) and test sides."""

    train: object
    val: object
    test: object
    num_classes: int
    sample_shape: tuple


def epoch_line(epoch: int, epochs: int, logs: dict, seconds: float, spec: str = ".4g") -> str:
    """The line a recipe prints after an epoch: "epoch 3/12  loss 0.21  acc 0.93  (1.20 s)"."""
    values = "  ".join(f"{name} {value:{spec}}" for name, value in logs.items())
    return f"epoch {epoch + 1}/{epochs}  {values}  ({seconds:.2f} s)"


def split(dataset, val_fraction: float, seed: int) -> tuple:
    """(train, val): ``val_fraction`` of ``dataset`` held out at random with ``seed`` (val is
    None for a fraction of 0)."""
    if val_fraction == 0:
        return dataset, None
    from tinynet.data import random_split

    return tuple(random_split(dataset, [1 - val_fraction, val_fraction],
                              generator=tn.Generator(seed)))


@dataclass
class Run:
    """One training run: the checked settings, the folder, and the steps every recipe shares."""

    model: str
    dataset: str
    options: dict
    seed: int
    folder: Path
    model_args: dict = field(default_factory=dict)
    data_dir: str | None = None
    download: bool = False
    verbose: bool = True
    best_epoch: int | None = None
    train_seconds: float = 0.0

    def say(self, text: str, error: bool = False) -> None:
        if self.verbose:
            print(text, file=sys.stderr if error else sys.stdout, flush=True)

    def data(self, val_fraction: float = 0.0) -> Splits:
        """The dataset's sides, ``val_fraction`` of the training side held out with the seed."""
        from tinynet.data.datasets import get_dataset

        train = get_dataset(self.dataset, train=True, root=self.data_dir, download=self.download)
        test = get_dataset(self.dataset, train=False, root=self.data_dir, download=self.download)
        train, val = split(train, val_fraction, self.seed)
        return Splits(train, val, test, len(test.classes), tuple(train[0][0].shape))

    def build(self, input_shape, num_classes: int):
        """The model, from the registry's builder with the run's model arguments."""
        from tinynet.models import MODELS

        try:
            return MODELS[self.model](tuple(input_shape), num_classes, **self.model_args)
        except TypeError as error:
            raise ValueError(f"the {self.model} model cannot be built with {self.model_args}: "
                             f"{error}") from None

    def loader(self, dataset, batch_size: int | None = None, shuffle: bool = True):
        """A DataLoader over ``dataset`` (batch size: the run's), shuffled with the seed."""
        from tinynet.data import DataLoader

        return DataLoader(dataset, batch_size or self.options["batch_size"], shuffle=shuffle,
                          generator=tn.Generator(self.seed) if shuffle else None)

    def fit(self, model, loss_fn, optimizer, train_loader, val_set=None, scheduler=None,
            metrics=("accuracy",)) -> History:
        """``tinynet.train.fit`` for the run's epochs, keeping in model.npz the epoch with the
        best validation loss (the last epoch without validation), loaded back at the end."""
        from tinynet.data import DataLoader

        val_loader = DataLoader(val_set, 256) if val_set is not None else None
        checkpoint = ModelCheckpoint(self.folder / "model.npz",
                                     monitor="val_loss" if val_loader else "loss",
                                     save_best_only=val_loader is not None)
        start = time.perf_counter()
        history = fit(model, loss_fn, optimizer, train_loader, val_loader,
                      epochs=self.options["epochs"], scheduler=scheduler, callbacks=[checkpoint],
                      metrics=metrics, verbose=self.verbose)
        self.train_seconds = time.perf_counter() - start
        self.best_epoch = checkpoint.best_epoch
        if checkpoint.best_epoch is not None:
            model.load_state_dict(tn.load(self.folder / "model.npz"))
        return history

    def epochs(self, one_epoch: Callable[[int], dict], until: Callable[[dict], bool] | None = None
               ) -> History:
        """The loop of the recipes that do not train through ``fit``: ``one_epoch(epoch) -> logs``
        for the run's epochs (or until ``until(logs)``); Ctrl-C ends it cleanly, as in fit."""
        history, epochs = History(), self.options["epochs"]
        start = time.perf_counter()
        try:
            for epoch in range(epochs):
                epoch_start = time.perf_counter()
                logs = one_epoch(epoch)
                history.record(logs)
                self.say(epoch_line(epoch, epochs, logs, time.perf_counter() - epoch_start))
                if until is not None and until(logs):
                    break
        except KeyboardInterrupt:
            history.stop("interrupted", f"interrupted (Ctrl-C) after {len(history)} complete "
                                        "epochs")
            self.say(history.stop_reason, error=True)
        self.train_seconds = time.perf_counter() - start
        return history

    def finish(self, model, history: History, results: dict, summary: str) -> dict:
        """Write model.npz (unless the checkpoint holds the best epoch), history.png and
        metrics.json (``results``, the settings, the history, how training stopped); print
        ``summary`` and where the files went; return the metrics as metrics.json holds them."""
        if self.best_epoch is None:
            tn.save(model.state_dict(), self.folder / "model.npz")
        metrics = {"model": self.model, "dataset": self.dataset, **results,
                   "best_epoch": self.best_epoch, "train_seconds": round(self.train_seconds, 2),
                   "epochs_run": len(history), "stop_cause": history.stop_cause,
                   "stop_reason": history.stop_reason,
                   "settings": {**self.options, "seed": self.seed, "model_args": self.model_args},
                   "history": json.loads(history.to_json())["history"],
                   "run_folder": str(self.folder)}
        text = json.dumps(metrics, indent=2, default=str)
        (self.folder / "metrics.json").write_text(text)
        if len(history):
            history.plot(self.folder / "history.png")
        written = sorted(path.name for path in self.folder.iterdir())
        self.say(f"{summary}; trained in {self.train_seconds:.1f} s")
        self.say(f"wrote {self.folder}/: {', '.join(written)}")
        return json.loads(text)  # what metrics.json holds
