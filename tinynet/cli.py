"""The command line: ``tinynet train | gradcheck | bench`` (also ``python -m tinynet ...``).

    tinynet train cnn --dataset digits                   # the main job
    tinynet train mlp --dataset mnist1d --epochs 30 --optimizer sgd --lr 0.1 --scheduler cosine
    tinynet gradcheck                                     # finite-difference check, every op
    tinynet bench overhead                                # run benchmarks/overhead.py

Each subcommand is a plain function of keyword arguments (``train_command(model="cnn",
dataset="digits")``), so everything here can be called from Python too.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

DEFAULTS = {  # per dataset: what the default run uses (measured in the README for digits)
    "digits": {"epochs": 12, "batch_size": 32, "lr": 3e-3},
    "mnist1d": {"epochs": 30, "batch_size": 64, "lr": 3e-3},
    "moons": {"epochs": 30, "batch_size": 32, "lr": 1e-2},
    "spirals": {"epochs": 60, "batch_size": 32, "lr": 1e-2},
    "mnist": {"epochs": 3, "batch_size": 128, "lr": 1e-3},
    "fashion-mnist": {"epochs": 5, "batch_size": 128, "lr": 1e-3},
}
OPTIMIZERS = ["adam", "adamw", "sgd", "rmsprop", "adagrad", "adadelta", "nadam"]
SCHEDULERS = ["onecycle", "cosine", "step", "exponential", "plateau", "none"]


def make_optimizer(name: str, parameters, lr: float, weight_decay: float = 0.0):
    """The optimizer called ``name`` (SGD gets momentum 0.9; the rest PyTorch's defaults)."""
    from tinynet import optim

    classes = {"adam": optim.Adam, "adamw": optim.AdamW, "sgd": optim.SGD,
               "rmsprop": optim.RMSprop, "adagrad": optim.Adagrad, "adadelta": optim.Adadelta,
               "nadam": optim.NAdam}
    extra = {"momentum": 0.9} if name == "sgd" else {}
    return classes[name](parameters, lr=lr, weight_decay=weight_decay, **extra)


def make_scheduler(name: str, optimizer, epochs: int, steps_per_epoch: int):
    """The scheduler called ``name`` for a run of ``epochs`` x ``steps_per_epoch`` steps: one
    cycle peaking at the given lr, cosine to 0, /10 at 1/2 and 3/4 (step), x0.9 per epoch
    (exponential), halve after 2 flat epochs of val_loss (plateau), or None."""
    from tinynet.optim import lr_scheduler

    if name == "onecycle":
        lr = optimizer.param_groups[0]["lr"]
        return lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=epochs * steps_per_epoch)
    if name == "cosine":
        return lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    if name == "step":
        return lr_scheduler.MultiStepLR(optimizer, [max(1, epochs // 2), max(1, 3 * epochs // 4)])
    if name == "exponential":
        return lr_scheduler.ExponentialLR(optimizer, gamma=0.9)
    if name == "plateau":
        return lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=2)
    return None


CLASSIFIER_DEFAULTS = {"optimizer": "adam", "weight_decay": 0.0, "scheduler": "onecycle",
                       "val_fraction": 0.1}


def train_command(model: str = "cnn", dataset: str = "digits", epochs: int | None = None,
                  batch_size: int | None = None, optimizer: str | None = None,
                  lr: float | None = None, weight_decay: float | None = None,
                  scheduler: str | None = None, seed: int = 0, val_fraction: float | None = None,
                  out: str | Path | None = None, data_dir: str | None = None,
                  download: bool = False, verbose: bool = True) -> dict:
    """Train ``model`` on ``dataset``, keep the checkpoint with the best validation loss,
    evaluate it on the test side, and write to ``out`` (default runs/MODEL-DATASET):
    metrics.json (test_accuracy, test_loss, seconds, the settings, the history), model.npz
    (a state_dict for ``tinynet.load``) and history.png. Returns the metrics dict.

    None for optimizer, weight_decay, scheduler and val_fraction means CLASSIFIER_DEFAULTS. The
    models with their own training command (TRAINERS: autoencoders, VAE, GAN, perceptron, U-Net)
    choose their own optimizer and schedule, so giving them any of these raises ValueError."""
    import tinynet as tn
    from tinynet import nn
    from tinynet.data import DataLoader, random_split
    from tinynet.data.datasets import get_dataset
    from tinynet.models import MODELS, TRAINERS
    from tinynet.train import ModelCheckpoint, evaluate, fit

    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; choose from {', '.join(MODELS)}")
    classifier_options = {"optimizer": optimizer, "weight_decay": weight_decay,
                          "scheduler": scheduler, "val_fraction": val_fraction}
    if model in TRAINERS:  # a model with its own training command (autoencoders, VAE, GAN)
        given = [name for name, value in classifier_options.items() if value is not None]
        if given:
            flags = ", ".join("--" + name.replace("_", "-") for name in given)
            raise ValueError(f"the {model} model trains with its own optimizer, schedule and "
                             f"data split; it does not take {flags}")
        return TRAINERS[model](dataset=dataset, epochs=epochs, batch_size=batch_size, lr=lr,
                               seed=seed, out=out, data_dir=data_dir, download=download,
                               verbose=verbose)
    optimizer, weight_decay, scheduler, val_fraction = (
        CLASSIFIER_DEFAULTS[name] if value is None else value
        for name, value in classifier_options.items())
    defaults = DEFAULTS.get(dataset, DEFAULTS["digits"])
    epochs = defaults["epochs"] if epochs is None else epochs
    batch_size = defaults["batch_size"] if batch_size is None else batch_size
    lr = defaults["lr"] if lr is None else lr
    for name, value in [("epochs", epochs), ("batch size", batch_size), ("lr", lr)]:
        if not value > 0:
            raise ValueError(f"the {name} must be positive, but got {value}")
    if not 0 <= val_fraction < 1:
        raise ValueError(f"the validation fraction must be in [0, 1), but got {val_fraction}")
    out = Path(out) if out is not None else Path("runs") / f"{model}-{dataset}"
    out.mkdir(parents=True, exist_ok=True)

    tn.manual_seed(seed)
    train_set = get_dataset(dataset, train=True, root=data_dir, download=download)
    test_set = get_dataset(dataset, train=False, root=data_dir, download=download)
    val_set = None
    if val_fraction > 0:
        train_set, val_set = random_split(train_set, [1 - val_fraction, val_fraction],
                                          generator=tn.Generator(seed))
    sample, _ = train_set[0]
    classes = len(test_set.classes)
    network = MODELS[model](tuple(sample.shape), classes)
    train_loader = DataLoader(train_set, batch_size, shuffle=True, generator=tn.Generator(seed))
    val_loader = DataLoader(val_set, 256) if val_set is not None else None
    opt = make_optimizer(optimizer, network.parameters(), lr, weight_decay)
    sched = make_scheduler(scheduler, opt, epochs, len(train_loader))
    loss_fn = nn.CrossEntropyLoss()
    checkpoint = ModelCheckpoint(out / "model.npz", monitor="val_loss" if val_set else "loss",
                                 save_best_only=val_set is not None)
    if verbose:
        print(f"training {model} on {dataset}: {len(train_set)} train, "
              f"{len(val_set) if val_set else 0} val, {len(test_set)} test samples; "
              f"{sum(p.numel() for p in network.parameters()):,} parameters", flush=True)

    start = time.perf_counter()
    history = fit(network, loss_fn, opt, train_loader, val_loader, epochs=epochs, scheduler=sched,
                  callbacks=[checkpoint], metrics=("accuracy",), verbose=verbose)
    train_seconds = time.perf_counter() - start
    if checkpoint.best_epoch is not None:  # the best validation epoch, not the last one
        network.load_state_dict(tn.load(out / "model.npz"))
    test = evaluate(network, DataLoader(test_set, 256), ("accuracy",), loss_fn)
    metrics = {
        "model": model, "dataset": dataset, "test_accuracy": test["accuracy"],
        "test_loss": test["loss"], "best_epoch": checkpoint.best_epoch,
        "train_seconds": round(train_seconds, 2), "epochs_run": len(history),
        "stop_cause": history.stop_cause, "stop_reason": history.stop_reason,
        "settings": {"epochs": epochs, "batch_size": batch_size, "optimizer": optimizer,
                     "lr": lr, "weight_decay": weight_decay, "scheduler": scheduler,
                     "seed": seed, "val_fraction": val_fraction},
        "history": json.loads(history.to_json())["history"],
    }
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    if len(history):
        history.plot(out / "history.png")
    if verbose:
        print(f"test accuracy {test['accuracy']:.4f}, test loss {test['loss']:.4f} "
              f"({len(test_set)} samples); trained in {train_seconds:.1f} s; wrote "
              f"{out / 'metrics.json'}, {out / 'model.npz'}, {out / 'history.png'}")
    return metrics


def gradcheck_command(only: list[str] | None = None, seed: int = 0) -> bool:
    """Print the finite-difference table for every case of ``tinynet.gradcheck_suite`` (or the
    cases whose name contains one of ``only``); return whether all passed."""
    from tinynet import gradcheck_suite

    cases = gradcheck_suite.CASES
    if only:
        cases = [c for c in cases if any(word.lower() in c.name.lower() for word in only)]
        if not cases:
            raise ValueError(f"no gradcheck case matches {only}")
    results = gradcheck_suite.run(cases, seed)
    print(gradcheck_suite.format_table(results))
    return all(r.passed for r in results)


BENCHMARK_ARGUMENTS = {  # extra arguments a benchmark script needs, given the output folder
    "optimizers": lambda out: ["--out", str(out)],
}


def benchmarks_folder() -> Path:
    folder = Path(__file__).resolve().parent.parent / "benchmarks"
    if not folder.is_dir():
        raise FileNotFoundError(f"no benchmarks folder at {folder}: the benchmark scripts come "
                                "with a source checkout (pip install -e .)")
    return folder


def bench_command(names: list[str] | None = None, out: str | Path = "bench-out") -> bool:
    """Run benchmarks/NAME.py for each name (default: every script there), one after the
    other, printing their tables as they come; return whether all of them succeeded."""
    folder = benchmarks_folder()
    available = sorted(p.stem for p in folder.glob("*.py") if not p.stem.startswith("_"))
    unknown = sorted(set(names or []) - set(available))
    if unknown:
        raise ValueError(f"unknown benchmark {', '.join(unknown)}; available: "
                         f"{', '.join(available)}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    succeeded = True
    for name in names or available:
        command = [sys.executable, str(folder / f"{name}.py"),
                   *BENCHMARK_ARGUMENTS.get(name, lambda _: [])(out)]
        print(f"== benchmarks/{name}.py ==", flush=True)
        succeeded &= subprocess.run(command, check=False).returncode == 0
    return succeeded


class OneLineErrorParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (and a pointer to --help), not the usage."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from tinynet.data.datasets import DATASETS
    from tinynet.models import MODELS

    parser = OneLineErrorParser(
        prog="tinynet", description="tinynet: train models, check gradients, run benchmarks.",
        epilog="Run 'tinynet COMMAND --help' for a command's options.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineErrorParser)
    commands.required = True

    train = commands.add_parser(
        "train", help="train a model on a dataset and evaluate it on the test set",
        description="Train MODEL on a dataset, keep the epoch with the best validation loss, and "
                    "report its test accuracy. Writes OUT/metrics.json, OUT/model.npz and "
                    "OUT/history.png.")
    train.add_argument("model", choices=sorted(MODELS), metavar="MODEL",
                       help=f"the architecture: {', '.join(sorted(MODELS))}")
    train.add_argument("--dataset", required=True, choices=list(DATASETS), metavar="NAME",
                       help=f"one of: {', '.join(DATASETS)}")
    train.add_argument("--epochs", type=int, help="passes over the training set (default: per "
                       f"dataset, {DEFAULTS['digits']['epochs']} for digits)")
    train.add_argument("--batch-size", type=int, help="samples per step (default: per dataset)")
    train.add_argument("--optimizer", choices=OPTIMIZERS,
                       help="default: adam (sgd gets momentum 0.9); classifiers only")
    train.add_argument("--lr", type=float, help="learning rate (peak lr for onecycle; default: "
                       "per dataset)")
    train.add_argument("--weight-decay", type=float, help="default: 0.0; classifiers only")
    train.add_argument("--scheduler", choices=SCHEDULERS,
                       help="learning-rate schedule (default: onecycle); classifiers only")
    train.add_argument("--seed", type=int, default=0, help="seeds initialization, the split and "
                       "the shuffling: the same seed repeats the run (default: %(default)s)")
    train.add_argument("--val-fraction", type=float,
                       help="share of the training set held out for validation (0: none, and "
                            "the last epoch is kept; default: 0.1); classifiers only")
    train.add_argument("--out", help="output folder (default: runs/MODEL-DATASET)")
    train.add_argument("--data-dir", help="folder of the IDX files for mnist / fashion-mnist")
    train.add_argument("--download", action="store_true",
                       help="download missing mnist / fashion-mnist files (checksums checked)")
    train.add_argument("--quiet", action="store_true", help="print nothing but errors")

    gradcheck = commands.add_parser(
        "gradcheck", help="check every op's and layer's backward against finite differences",
        description="Compare backward with central differences in float64 for every op and "
                    "layer; print a table (op, max abs error, max rel error, pass).")
    gradcheck.add_argument("only", nargs="*", metavar="NAME",
                           help="check only the cases whose name contains NAME")
    gradcheck.add_argument("--seed", type=int, default=0)

    bench = commands.add_parser(
        "bench", help="run the benchmark scripts and print their tables",
        description="Run the scripts in benchmarks/ (all, or the NAMEs given) and print their "
                    "tables.")
    bench.add_argument("names", nargs="*", metavar="NAME", help="e.g. overhead, optimizers")
    bench.add_argument("--out", default="bench-out", help="folder for the figures they write")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the command; returns the exit status (0 on success)."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "train":
            metrics = train_command(
                args.model, args.dataset, args.epochs, args.batch_size, args.optimizer, args.lr,
                args.weight_decay, args.scheduler, args.seed, args.val_fraction, args.out,
                args.data_dir, args.download, verbose=not args.quiet)
            return 1 if metrics["stop_cause"] == "non-finite loss" else 0
        if args.command == "gradcheck":
            return 0 if gradcheck_command(args.only, args.seed) else 1
        return 0 if bench_command(args.names, args.out) else 1
    except KeyboardInterrupt:
        print("tinynet: interrupted", file=sys.stderr)
        return 130
    except (ValueError, OSError, ImportError) as error:
        if os.environ.get("TINYNET_DEBUG"):
            raise
        print(f"tinynet {args.command}: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
