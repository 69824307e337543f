"""The training strategies and the attention of ``tinynet train seq2seq``, measured on each task:
a table per task (one row per strategy, and the fixed context vector without attention), the
exact match against input length with and without attention, and attention heat maps; written
to docs/results/seq2seq.md.

    PYTHONPATH=. python benchmarks/seq2seq_strategies.py                     # every task, seed 0
    PYTHONPATH=. python benchmarks/seq2seq_strategies.py --tasks dates --seeds 0 1 --epochs 6

Each configuration is one ``tinynet.recipes.train("seq2seq", task=..., strategy=...,
attention=..., seed=...)`` with the recipe's defaults (``--epochs`` caps the epochs of every
run; the recipe also stops a run once its validation exact match is 100%), written to
RUNS/TASK-STRATEGY-ATTENTION/seed-S. A run whose metrics.json is already there is read back
instead of trained again (``--rerun`` trains it anew), so the runs can be split over several
invocations (``--tasks``) and the page written from all of them at the end (``--page-only``).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tinynet.recipes import train
from tinynet.recipes.seq2seq import DEFAULTS, TASKS
from tinynet.recipes.seq2seq_eval import plot_by_length
from tinynet.report import markdown_table, write_markdown

STRATEGIES = ("teacher", "free", "scheduled", "curriculum", "professor")
CONFIGS = [(strategy, "bahdanau") for strategy in STRATEGIES] + [("teacher", "none")]
TRAIN_MAX = {"dates": None, "addition": 9, "reversal": 10, "sorting": 10}  # longest source


TARGET_TASKS = ("dates", "addition")  # the targets: the recipe's defaults, all epochs


def run_folder(runs: Path, task: str, strategy: str, attention: str, seed: int) -> Path:
    return runs / f"{task}-{strategy}-{attention}" / f"seed-{seed}"


def target_folder(runs: Path, task: str, seed: int) -> Path:
    return runs / f"target-{task}" / f"seed-{seed}"


def run_target(runs: Path, task: str, seed: int, rerun: bool) -> dict:
    """``tinynet train seq2seq --task TASK --seed SEED``: every default, no cap on the epochs."""
    path = target_folder(runs, task, seed) / "metrics.json"
    if path.exists() and not rerun:
        return json.loads(path.read_text())
    print(f"--- target: {task} with the defaults, seed {seed}", flush=True)
    return train("seq2seq", task=task, seed=seed, out=path.parent, overwrite=True)


def targets_table(runs: Path) -> str | None:
    rows = []
    for task in TARGET_TASKS:  # every seed there, not only --seeds
        folders = sorted((runs / f"target-{task}").glob("seed-*"),
                         key=lambda folder: int(folder.name.split("-")[1]))
        for folder in folders:
            path = folder / "metrics.json"
            if path.exists():
                m = json.loads(path.read_text())
                rows.append([task, m["settings"]["seed"], _percent(m["test_exact_match"]),
                             _percent(m["test_long_exact_match"]), m["epochs_run"],
                             f"{m['train_seconds'] / 60:.1f}"])
    if not rows:
        return None
    return markdown_table(["task", "seed", "exact match %", "longer inputs %", "epochs run",
                           "training minutes"], rows)


def run_one(runs: Path, task: str, strategy: str, attention: str, seed: int, epochs, rerun: bool
            ) -> dict | None:
    folder = run_folder(runs, task, strategy, attention, seed)
    path = folder / "metrics.json"
    if path.exists() and not rerun:
        return json.loads(path.read_text())
    if epochs is False:  # page only: what is there
        return None
    cap = None if epochs is None else min(epochs, DEFAULTS[task]["epochs"])
    print(f"--- {task}, {strategy}, attention {attention}, seed {seed}", flush=True)
    return train("seq2seq", task=task, strategy=strategy, attention=attention, seed=seed,
                 epochs=cap, out=folder, overwrite=True)


def _percent(value) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


def _cell(values, fmt=_percent) -> str:
    """mean, with the range over seeds when there are several."""
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    mean = sum(values) / len(values)
    if len(values) == 1:
        return fmt(mean)
    return f"{fmt(mean)} ({fmt(min(values))}-{fmt(max(values))})"


def task_table(task: str, results: dict) -> str:
    rows = []
    for (strategy, attention), runs in results.items():
        if not runs:
            continue
        gap = [r["teacher_forced_token_accuracy"] - r["greedy_token_accuracy"] for r in runs]
        reached = [r["epochs_to_90"] for r in runs]
        epochs_to_90 = ", ".join("never" if e is None else str(e) for e in reached)
        rows.append([
            strategy + ("" if attention == "bahdanau" else f", attention {attention}"),
            len(runs),
            _cell([r["test_exact_match"] for r in runs]),
            _cell([r["test_long_exact_match"] for r in runs]),
            _cell([r["teacher_forced_token_accuracy"] for r in runs]),
            _cell([r["greedy_token_accuracy"] for r in runs]),
            _cell(gap),
            epochs_to_90,
            ", ".join(str(r["epochs_run"]) for r in runs),
            _cell([r["beam_gain"] for r in runs], lambda v: f"{100 * v:+.1f}"),
            _cell([r["train_seconds"] / 60 for r in runs], lambda v: f"{v:.1f}"),
        ])
    return markdown_table(
        ["strategy", "seeds", "exact match %", "longer inputs %", "teacher-forced token acc. %",
         "greedy token acc. %", "gap (points)", "epochs to 90%", "epochs run",
         "beam gain (points)", "training minutes"], rows)


def write_page(path: Path, runs: Path, tasks, seeds, command: str, epochs=None,
               page_only: bool = False) -> None:
    figures = path.parent
    body = []
    if page_only:
        body += [("This page was written from the runs in the run folder (`--page-only`); they "
                  "were trained by this script with the same settings, without `--page-only`, "
                  "split over several invocations with `--tasks` and `--configs`."), ""]
    body += [
        ("Every row trains `tinynet train seq2seq` (a GRU encoder-decoder, 32-dimensional "
        "embeddings, 64 hidden units; for addition 128 units, a bidirectional encoder and the "
        "answer's digits reversed) with the recipe's defaults for the task and one strategy; "
        "the tasks are generated from a fixed data seed, the run's seed sets the initialization "
        "and the batch order. Columns: *exact match*: greedy decoding on the test inputs of the "
        "training lengths; *longer inputs*: on test inputs longer than any in training "
        "(addition: 5-6 digit operands; reversal and sorting: 11-20 digits; none for dates); "
        "*teacher-forced token acc.*: the share of target tokens predicted right when the "
        "decoder reads the gold prefix; *greedy token acc.*: the same, position by position, "
        "for the greedy output; the *gap* between the two is the exposure bias made visible; "
        "*epochs to 90%*: the first epoch whose validation exact match reached 90%; *epochs "
        "run*: a run stops early when its validation exact match is 100%; *beam gain*: beam "
        "search (width 4) minus greedy exact match on the test inputs. Several seeds: the mean, "
        "then the range. Training minutes are wall-clock minutes of the training loop on the "
        "machine below, shared with other jobs while these ran: they compare runs of one page "
        "roughly, not machines."), ""]
    targets = targets_table(runs)
    if targets:
        body += ["## The targets: `tinynet train seq2seq --task dates` and `--task addition`",
                 "", ("Every default of the recipe (Bahdanau attention, teacher forcing, the "
                 "task's epochs, stopping early at 100% validation exact match):"), "", targets,
                 ""]
    if epochs is not None:
        body += [(f"The tables below cap the epochs of every run at {epochs} (`--epochs "
                 f"{epochs}`) to fit the machine's time; the recipe's own defaults are in "
                 "`tinynet/recipes/seq2seq.py`."), ""]
    for task in tasks:
        results = {}
        for strategy, attention in CONFIGS:
            found = [json.loads(p.read_text()) for seed in seeds
                     if (p := run_folder(runs, task, strategy, attention, seed)
                         / "metrics.json").exists()]
            results[(strategy, attention)] = found
        if not any(results.values()) and not target_folder(runs, task, seeds[0]).exists():
            continue
        body += [f"## {task}", ""]
        if any(results.values()):
            body += [task_table(task, results), ""]
        curves = {}
        target = target_folder(runs, task, seeds[0]) / "metrics.json"
        if task in TARGET_TASKS and target.exists():
            curves["Bahdanau attention, every default"] = json.loads(
                target.read_text())["exact_match_by_length"]
        for strategy, attention in (("teacher", "bahdanau"), ("teacher", "none")):
            if results[(strategy, attention)]:
                label = "Bahdanau attention" if attention == "bahdanau" else "no attention"
                if epochs is not None:
                    label += f", {epochs} epochs at most"
                curves[label] = results[(strategy, attention)][0]["exact_match_by_length"]
        if curves:
            name = f"seq2seq-{task}-length.png"
            if plot_by_length(curves, figures / name, f"{task}: exact match by input length, "
                              f"seed {seeds[0]}", TRAIN_MAX[task]):
                body += [f"![{task}: exact match against length]({name})", ""]
        heat = run_folder(runs, task, "teacher", "bahdanau", seeds[0]) / "attention.png"
        if task in TARGET_TASKS and (target.parent / "attention.png").exists():
            heat = target.parent / "attention.png"
        if heat.exists():
            name = f"seq2seq-{task}-attention.png"
            shutil.copyfile(heat, figures / name)
            body += [(f"Attention of the greedy decoder on test inputs (teacher forcing, seed "
                     f"{seeds[0]}):"), "", f"![{task}: attention]({name})", ""]
    write_markdown(path, "Sequence to sequence: attention and the training strategies",
                   "\n".join(body), command)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", nargs="+", choices=TASKS, default=list(TASKS))
    parser.add_argument("--configs", nargs="+", metavar="STRATEGY:ATTENTION",
                        help="only these configurations (default: every strategy with Bahdanau "
                             "attention, and teacher forcing without attention)")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--epochs", type=int, help="cap on every run's epochs (default: the "
                        "recipe's)")
    parser.add_argument("--runs", default="runs/seq2seq-strategies")
    parser.add_argument("--markdown", default="docs/results/seq2seq.md")
    parser.add_argument("--targets", action="store_true", help="also train the issue's "
                        "targets: dates and addition with every default, uncapped")
    parser.add_argument("--rerun", action="store_true", help="train runs that are already there")
    parser.add_argument("--page-only", action="store_true",
                        help="write the page from the runs already there, training nothing")
    parser.add_argument("--page-tasks", nargs="+", choices=TASKS,
                        help="the tasks the page shows (default: --tasks)")
    args = parser.parse_args(argv)
    configs = CONFIGS if args.configs is None else [tuple(c.split(":")) for c in args.configs]
    runs = Path(args.runs)
    if args.targets and not args.page_only:
        for task in TARGET_TASKS:
            for seed in args.seeds:
                run_target(runs, task, seed, args.rerun)
    for task in args.tasks:
        for strategy, attention in configs:
            for seed in args.seeds:
                run_one(runs, task, strategy, attention, seed,
                        False if args.page_only else args.epochs, args.rerun)
    command = " ".join(["python", "benchmarks/seq2seq_strategies.py", *sys.argv[1:]]) \
        if argv is None else " ".join(["python", "benchmarks/seq2seq_strategies.py", *argv])
    write_page(Path(args.markdown), runs, args.page_tasks or args.tasks, args.seeds, command,
               args.epochs, args.page_only)
    print(f"wrote {args.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
