"""Recipes: the programs that train the models of ``tinynet.models`` on a dataset, evaluate them
and write a run folder (``tinynet train MODEL`` runs them). One module per family of models,
all built on ``tinynet.recipes.common``; ``RECIPES`` maps each model name to its recipe.

    from tinynet.recipes import train
    metrics = train("cnn", dataset="digits", seed=0)      # = tinynet train cnn --dataset digits
    metrics["test_accuracy"], metrics["run_folder"]

``measure`` runs one recipe over several seeds and can write the Markdown summary.
"""

from __future__ import annotations

import numbers
import time
from dataclasses import replace
from pathlib import Path

import tinynet as tn
from tinynet.recipes import autoencoder, classifier, gan, perceptron, unet, vae
from tinynet.recipes.common import (
    Recipe,
    Run,
    check_options,
    flag,
    new_run_folder,
    parse_model_args,
)

RECIPES: dict[str, Recipe] = {
    **{name: classifier.RECIPE for name in ("mlp", "cnn", "logistic", "resnet")},
    "lenet": replace(classifier.RECIPE, dataset="mnist"),  # 28x28 images
    "perceptron": perceptron.RECIPE,
    "unet": unet.RECIPE,
    **{name: autoencoder.RECIPE for name in autoencoder.VARIANTS},
    "vae": vae.RECIPE,
    "gan": gan.RECIPE,
}

# Language models
from tinynet.recipes import char_lm

RECIPES["char-lm"] = char_lm.RECIPE


def train(model: str, dataset: str | None = None, *, seed: int = 0, epochs: int | None = None,
          batch_size: int | None = None, lr: float | None = None, optimizer: str | None = None,
          weight_decay: float | None = None, scheduler: str | None = None,
          val_fraction: float | None = None, bptt: int | None = None,
          max_chars: int | None = None, text_file=None, env: str | None = None,
          steps: int | None = None, eval_episodes: int | None = None, task: str | None = None,
          attention: str | None = None, strategy: str | None = None,
          label_smoothing: float | None = None, model_args=None, out=None,
          overwrite: bool = False,
          data_dir: str | None = None, download: bool = False, verbose: bool = True) -> dict:
    """Train ``model`` on ``dataset`` (default: the recipe's) with its recipe and return the
    metrics (also written to RUN/metrics.json, beside RUN/model.npz and the figures).

    An option left None takes the recipe's default; one the recipe does not take (the
    classifiers' optimizer, weight_decay, scheduler and val_fraction elsewhere, the perceptron's
    batch_size) raises ValueError, as does an invalid value. ``model_args`` (a dict, or
    "KEY=VALUE" strings) go to the model's builder (``tinynet.models.MODELS[model]``). RUN is
    ``out`` (default runs/MODEL-DATASET) when it is absent or empty, else the first free out-2,
    out-3, ...; ``overwrite=True`` writes into ``out`` whatever it holds. ``seed`` seeds
    initialization, the validation split and the shuffling: the same seed repeats the run.
    After Ctrl-C the metrics say ``"stop_cause": "interrupted"``. The language model's options:
    ``bptt`` (characters per truncated-backpropagation chunk), ``max_chars`` (the corpus cap)
    and ``text_file`` (the text to model; it implies the dataset "text-file"). The
    reinforcement-learning agents' options: ``env`` (a Gymnasium environment id), ``steps``
    (the most environment steps) and ``eval_episodes`` (episodes of the final evaluation); the
    sequence-to-sequence recipe's: ``task`` (another name for its dataset: dates, addition,
    reversal, sorting), ``attention``, ``strategy`` and ``label_smoothing``.
    """
    recipe, dataset, options, model_args = check(
        model, dataset, seed, data_dir, download, model_args, epochs=epochs,
        batch_size=batch_size, lr=lr, optimizer=optimizer, weight_decay=weight_decay,
        scheduler=scheduler, val_fraction=val_fraction, bptt=bptt, max_chars=max_chars,
        text_file=text_file, env=env, steps=steps, eval_episodes=eval_episodes, task=task,
        attention=attention, strategy=strategy, label_smoothing=label_smoothing)
    name = options.get("env") or dataset  # a Gymnasium run is named after its environment
    requested = Path(out) if out is not None else Path("runs") / f"{model}-{name}"
    folder = new_run_folder(requested, overwrite)
    run = Run(model, dataset, options, int(seed), folder, model_args, data_dir, download, verbose)
    run.say(f"run folder: {folder}" + ("" if folder == requested else
                                      f" ({requested} holds an earlier run)"))
    tn.manual_seed(run.seed)
    try:
        return recipe.run(run)
    except BaseException:
        if not any(folder.iterdir()):  # failed before writing anything: leave no empty folder
            folder.rmdir()
        raise


DATA_DIR_DATASETS = ("mnist1d", "mnist", "fashion-mnist")  # the sets read from a folder
DOWNLOAD_DATASETS = ("mnist", "fashion-mnist")


def check(model: str, dataset: str | None, seed: int, data_dir=None, download: bool = False,
          model_args=None, **options) -> tuple:
    """(recipe, dataset, options, model_args) of a run, each checked (see ``train``)."""
    from tinynet.data.datasets import DATASETS
    from tinynet.models import MODELS

    if model not in RECIPES:
        raise ValueError(f"unknown model {model!r}; choose from {', '.join(RECIPES)}")
    recipe = RECIPES[model]
    task = options.pop("task", None)
    if task is not None:  # --task names the dataset of the sequence-to-sequence recipe
        if recipe.family != "seq2seq":
            raise ValueError(f"the {model} recipe does not take --task (seq2seq does)")
        if dataset is not None and dataset != task:
            raise ValueError(f"--task {task} and --dataset {dataset} disagree; give one of them")
        dataset = task
    if dataset is None and options.get("text_file") is not None and "text-file" in recipe.datasets:
        dataset = "text-file"  # a text file given is the dataset
    dataset = recipe.dataset if dataset is None else dataset
    known = recipe.datasets or tuple(DATASETS)
    if dataset not in known:
        raise ValueError(f"unknown dataset {dataset!r} for {model}; choose from "
                         f"{', '.join(known)}")
    if data_dir is not None and dataset not in DATA_DIR_DATASETS:
        raise ValueError(f"--data-dir applies to {', '.join(DATA_DIR_DATASETS)}, not {dataset}")
    if download and dataset not in DOWNLOAD_DATASETS:
        raise ValueError(f"--download applies to {', '.join(DOWNLOAD_DATASETS)}, not {dataset}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"--seed must be a non-negative integer, but got {seed!r}")
    options = check_options(model, recipe, dataset, options)
    return recipe, dataset, options, parse_model_args(model, MODELS[model], model_args)


def headline_value(metrics: dict, headline: str):
    """``metrics[a][b]`` for the headline "a.b"."""
    value = metrics
    for key in headline.split("."):
        value = value[key]
    return value


def _format(headline: str, value: float) -> str:
    return f"{100 * value:.2f}%" if "accuracy" in headline else f"{value:.4g}"


def measure(model: str, seeds, dataset: str | None = None, markdown=None, out=None,
            command: str | None = None, **options) -> dict:
    """Run ``train(model, dataset, seed=s, ...)`` for each seed, one after the other in this
    process, each into RUN/seed-S (RUN: a new run folder, as in ``train``). Returns {"runs":
    [per seed: seed, headline value, train_seconds, wall_seconds], "headline", "min", "max",
    "mean", "run_folder", "run_metrics" (each run's metrics when the recipe has ``details``)};
    with ``markdown`` also writes that summary there as a Markdown page
    (``tinynet.report.write_markdown``), headed by ``command``, with the recipe's details."""
    seeds = list(seeds)
    if not seeds:
        raise ValueError("--seeds needs at least one seed")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"--seeds has a seed twice: {seeds}")
    option_names = ("epochs", "batch_size", "lr", "optimizer", "weight_decay", "scheduler",
                    "val_fraction", "bptt", "max_chars", "text_file", "env", "steps",
                    "eval_episodes", "task", "attention", "strategy", "label_smoothing")
    recipe, dataset, _, _ = check(  # every setting checked before any folder is made
        model, dataset, seeds[0], options.get("data_dir"), options.get("download", False),
        options.get("model_args"), **{name: options.get(name) for name in option_names})
    for seed in seeds:
        check(model, dataset, seed, **{name: options.get(name) for name in option_names})
    base = new_run_folder(Path(out) if out is not None else Path("runs") / f"{model}-{dataset}")
    rows, run_metrics = [], []
    for seed in seeds:
        start = time.perf_counter()
        metrics = train(model, dataset, seed=seed, out=base / f"seed-{seed}", **options)
        wall = time.perf_counter() - start
        rows.append({"seed": seed, recipe.headline: headline_value(metrics, recipe.headline),
                     "train_seconds": metrics["train_seconds"], "wall_seconds": round(wall, 2),
                     "stop_cause": metrics["stop_cause"], **metrics.get("summary_columns", {}),
                     "figures": [str(Path(metrics["run_folder"]) / name)
                                 for name in metrics.get("figures", [])]})
        if metrics["stop_cause"] == "interrupted":
            break
        if recipe.details is not None:
            run_metrics.append(metrics)
    values = [row[recipe.headline] for row in rows]
    summary = {"model": model, "dataset": dataset, "headline": recipe.headline, "runs": rows,
               "min": min(values), "max": max(values), "mean": sum(values) / len(values),
               "run_folder": str(base), "run_metrics": run_metrics}
    if markdown is not None:
        write_summary(markdown, summary, command)
    return summary


def write_summary(path, summary: dict, command: str | None = None) -> Path:
    """The Markdown page of a ``measure`` summary: one row per seed (the headline, the
    recipe's ``summary_columns`` metrics, the times), then the range; the recipe's ``figures``
    of the first seed are copied beside the page as STEM-NAME.png and shown."""
    from tinynet.report import markdown_table, write_markdown

    headline, rows = summary["headline"], summary["runs"]
    extra = [key for key in rows[0] if key not in (
        "seed", headline, "train_seconds", "wall_seconds", "stop_cause", "figures")]
    table = markdown_table(
        ["seed", headline, *extra, "training time (s)", "wall time (s)"],
        [[row["seed"], _format(headline, row[headline]),
          *(_format(key, row[key]) for key in extra),
          *(f"{row[key]:.1f}" + (" \\*" if index == 0 else "")
            for key in ("train_seconds", "wall_seconds"))]
         for index, row in enumerate(rows)])
    body = (f"{table}\n\n{headline} over {len(rows)} seeds: "
            f"{_format(headline, summary['min'])} to {_format(headline, summary['max'])} "
            f"(mean {_format(headline, summary['mean'])}).\n\n"
            "Training time is the time in the training loop; wall time is the whole run in this "
            "process (loading the data, training, evaluating, writing the files). "
            "\\* The first seed's times also include compiling tinynet's Numba kernels when "
            "their on-disk cache is cold (the first run after installing or changing tinynet).\n")
    details = RECIPES[summary["model"]].details
    if details is not None and summary.get("run_metrics"):
        body += "\n" + details(summary["run_metrics"], Path(path))
    figures = rows[0].get("figures", [])
    if figures:  # the first seed's figures, copied beside the page
        import shutil

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        body += f"\nFigures of seed {rows[0]['seed']}:\n"
        for figure in map(Path, figures):
            if figure.exists():
                copy = path.with_name(f"{path.stem}-{figure.name}")
                shutil.copyfile(figure, copy)
                body += f"\n![{figure.stem}]({copy.name})\n"
    seeds = f"{len(rows)} seed" + ("s" if len(rows) > 1 else "")
    title = f"{summary['model']} on {summary['dataset']}: {seeds}"
    return write_markdown(path, title, body, command)


__all__ = ["RECIPES", "Recipe", "Run", "flag", "measure", "train", "write_summary"]

# Vanishing and exploding gradients of recurrent networks on the adding problem
from tinynet.recipes import vanishing

RECIPES["vanishing"] = vanishing.RECIPE

# Recurrent classifiers: sequences (MNIST-1D) and names -> nationality
from tinynet.recipes import recurrent

RECIPES.update({name: recurrent.RECIPE for name in ("gru", "lstm", "rnn")})
RECIPES["names"] = recurrent.NAMES_RECIPE

# Transfer learning: pretrain on digits 0-4, learn 5-9 from a few labelled images
from tinynet.recipes import transfer

RECIPES["transfer"] = transfer.RECIPE

# Reinforcement learning: agents on Gymnasium environments (or the built-in corridor)
from tinynet.recipes import rl

RECIPES.update(rl.RECIPES)

# Decoder-only Transformer language model (the character GPT)
from tinynet.recipes import gpt

RECIPES["char-gpt"] = gpt.RECIPE

# Transformer encoder classifier of signals (MNIST-1D patches as tokens)
from tinynet.recipes import transformer_classifier

RECIPES["transformer"] = transformer_classifier.RECIPE

# Sequence to sequence: an encoder-decoder with attention and the sequence training strategies
from tinynet.recipes import seq2seq

RECIPES["seq2seq"] = seq2seq.RECIPE

# Sequence to sequence with a Transformer encoder-decoder (the paper's schedule, label smoothing)
from tinynet.recipes import seq2seq_transformer

RECIPES["seq2seq-transformer"] = seq2seq_transformer.RECIPE
