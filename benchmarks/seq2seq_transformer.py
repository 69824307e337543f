"""``tinynet train seq2seq-transformer`` measured on the seq2seq tasks, beside the recurrent
encoder-decoder with Bahdanau attention: a table (exact match, longer inputs, token accuracy,
beam search, epochs, training time) and each task's per-head attention maps; written to
docs/results/seq2seq-transformer.md.

    PYTHONPATH=. python benchmarks/seq2seq_transformer.py                     # dates, addition
    PYTHONPATH=. python benchmarks/seq2seq_transformer.py --tasks reversal --seeds 0 1

Each run is ``tinynet.recipes.train("seq2seq-transformer", task=..., seed=...)`` with the
recipe's defaults (``--epochs`` overrides the epochs), written to RUNS/TASK/seed-S. A run whose
metrics.json is already there is read back instead of trained again (``--rerun`` trains it
anew), so the runs can be split over several invocations and the page written from all of them
(``--page-only``). The recurrent model's exact match is read from the table of
docs/results/seq2seq.md (its "targets" rows for dates and addition, its teacher-forcing row for
the other tasks), which ``benchmarks/seq2seq_strategies.py`` writes.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tinynet.recipes import train
from tinynet.recipes.seq2seq import TASKS
from tinynet.recipes.seq2seq_transformer import MODEL_DEFAULTS, TASK_MODEL_DEFAULTS, WARMUP
from tinynet.report import markdown_table, write_markdown

RECURRENT_PAGE = ROOT / "docs" / "results" / "seq2seq.md"


def recurrent_rows() -> dict:
    """{(task, seed or None): (exact match %, longer inputs % or None, what the row is)} from the
    recurrent page's tables."""
    rows, section = {}, None
    if not RECURRENT_PAGE.exists():
        return rows
    for line in RECURRENT_PAGE.read_text().splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if section and section.startswith("The targets") and len(cells) >= 4 \
                and cells[0] in TASKS and cells[1].isdigit():
            long = None if cells[3] == "-" else float(cells[3])
            rows[(cells[0], int(cells[1]))] = (float(cells[2]), long,
                                               "the recipe's defaults, same seed")
        elif section in TASKS and cells and cells[0] == "teacher" and len(cells) >= 4:
            long = None if cells[3] == "-" else float(cells[3])
            rows.setdefault((section, None), (float(cells[2]), long,
                                              f"teacher forcing, 5 epochs, {cells[1]} seed(s)"))
    return rows


def run_task(runs: Path, task: str, seed: int, epochs, rerun: bool) -> dict:
    path = runs / task / f"seed-{seed}" / "metrics.json"
    if path.exists() and not rerun:
        return json.loads(path.read_text())
    print(f"--- {task}, seed {seed}", flush=True)
    return train("seq2seq-transformer", task=task, seed=seed, epochs=epochs, out=path.parent,
                 overwrite=True)


def percent(value) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


def write_page(path: Path, runs: Path, command: str) -> None:
    recurrent = recurrent_rows()
    rows, figures = [], []
    for task in TASKS:
        folder = runs / task
        if not folder.is_dir():
            continue
        for seed_folder in sorted(folder.glob("seed-*")):
            metrics_path = seed_folder / "metrics.json"
            if not metrics_path.exists():
                continue
            m = json.loads(metrics_path.read_text())
            seed = m["settings"]["seed"]
            other = recurrent.get((task, seed)) or recurrent.get((task, None))
            rows.append([task, seed, percent(m["test_exact_match"]),
                         percent(m["test_long_exact_match"]),
                         percent(m["teacher_forced_token_accuracy"]),
                         percent(m["beam_exact_match"]),
                         m["epochs_to_90"] if m["epochs_to_90"] is not None else "never",
                         m["epochs_run"], f"{m['train_seconds'] / 60:.1f}", m["parameters"],
                         "-" if other is None else f"{other[0]:.1f}",
                         "-" if other is None or other[1] is None else f"{other[1]:.1f}",
                         "-" if other is None else other[2]])
            figure = seed_folder / "attention.png"
            if figure.exists() and task not in [name for name, _ in figures]:
                copy = path.with_name(f"{path.stem}-{task}-attention.png")
                path.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(figure, copy)
                figures.append((task, copy.name))
    settings = ", ".join(f"{name} {value}" for name, value in MODEL_DEFAULTS.items())
    settings += "".join(f"; for {task}: " + ", ".join(f"{name} {value}"
                                                    for name, value in changes.items())
                        for task, changes in TASK_MODEL_DEFAULTS.items())
    body = [
        "Every row trains `tinynet train seq2seq-transformer --task TASK --seed SEED` (a "
        f"`Seq2SeqTransformer`: {settings}; sinusoidal positions; teacher forcing; label "
        f"smoothing 0.1; Adam β = (0.9, 0.98) with the original paper's schedule, a linear "
        f"warm-up over {WARMUP} steps then 1/sqrt(step)) on the tasks of `tinynet train seq2seq` "
        "(the same generated pairs). Columns as on [the recurrent page](seq2seq.md): *exact "
        "match*: greedy decoding on test inputs of the training lengths; *longer inputs*: on "
        "test inputs longer than any in training (none for dates); *teacher-forced token acc.*; "
        "*beam*: beam search of width 4; *epochs to 90%*: the first epoch whose validation exact "
        "match reached 90%; a run stops early at 100% validation exact match. The recurrent "
        "columns are the GRU encoder-decoder with Bahdanau attention, read from "
        "[seq2seq.md](seq2seq.md) (its row named in the last column). Training minutes are "
        "wall-clock minutes of the training loop on the machine below, shared with other jobs.",
        "",
        markdown_table(["task", "seed", "exact match %", "longer inputs %",
                        "teacher-forced token acc. %", "beam exact match %", "epochs to 90%",
                        "epochs run", "training minutes", "parameters",
                        "recurrent + attention: exact match %", "recurrent: longer inputs %",
                        "recurrent row"], rows),
        "",
        "Each figure shows, for two test inputs decoded greedily, the attention weights of "
        "every head of the last decoder layer's attention to the source (rows: the output "
        "characters and the end token; columns: the source characters).",
    ]
    for task, name in figures:
        body += ["", f"### {task}", "", f"![{task} attention per head]({name})"]
    write_markdown(path, "Sequence to sequence with a Transformer", "\n".join(body) + "\n",
                   command)
    print(f"wrote {path}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", nargs="+", choices=TASKS, default=["dates", "addition"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--runs", type=Path, default=Path("runs/seq2seq-transformer"))
    parser.add_argument("--page", type=Path,
                        default=ROOT / "docs" / "results" / "seq2seq-transformer.md")
    parser.add_argument("--rerun", action="store_true")
    parser.add_argument("--page-only", action="store_true")
    args = parser.parse_args(argv)
    if not args.page_only:
        for task in args.tasks:
            for seed in args.seeds:
                run_task(args.runs, task, seed, args.epochs, args.rerun)
    write_page(args.page, args.runs, " ".join(["python", *sys.argv]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
