"""The command line: ``tinynet train | predict | gradcheck`` (also ``python -m tinynet ...``).

    tinynet train cnn --dataset digits                   # the main job
    tinynet train mlp --dataset mnist1d --epochs 30 --optimizer sgd --lr 0.1 --scheduler cosine
    tinynet train cnn --dataset digits --model-arg channels=(32,64) --model-arg dropout=0.1
    tinynet train cnn --dataset digits --seeds 0 1 2 --markdown docs/results/cnn-digits.md
    tinynet train names --dataset names --model-arg cell=lstm
    tinynet train dqn --env CartPole-v1                   # a reinforcement-learning agent
    tinynet predict runs/names-names Nakamura Schmidt      # top 3 countries per surname
    tinynet gradcheck                                     # finite-difference check, every op
    tinynet diagnose cnn --dataset digits                 # gradient-flow monitor: its flags

``train`` runs ``tinynet.recipes.train`` (one seed) or ``tinynet.recipes.measure`` (--seeds), so
everything here can be done from Python too. The benchmarks are scripts of the source checkout
(``python benchmarks/NAME.py``), not part of the installed package.
"""

from __future__ import annotations

import argparse
import os
import sys

from tinynet.recipes.classifier import DEFAULTS  # the classifiers' defaults per dataset
from tinynet.recipes.common import OPTIMIZERS, SCHEDULERS


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


class OneLineErrorParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (and a pointer to --help), not the usage."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from tinynet.data.datasets import DATASETS
    from tinynet.recipes import RECIPES

    parser = OneLineErrorParser(
        prog="tinynet", description="tinynet: train models and check gradients.",
        epilog="Run 'tinynet COMMAND --help' for a command's options. The benchmarks run from a "
               "source checkout: python benchmarks/NAME.py.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND",
                                     parser_class=OneLineErrorParser)
    commands.required = True

    train = commands.add_parser(
        "train", help="train a model on a dataset and evaluate it on the test set",
        description="Train MODEL on a dataset with its recipe, keep the epoch with the best "
                    "validation loss (classifiers), and report the test results. Writes "
                    "metrics.json, model.npz and figures into a new run folder: OUT, or OUT-2, "
                    "OUT-3 ... when OUT holds an earlier run. Options left out take the recipe's "
                    "defaults; an option a recipe does not use is refused.")
    train.add_argument("model", choices=list(RECIPES), metavar="MODEL",
                       help=f"the architecture: {', '.join(RECIPES)}")
    datasets = list(DATASETS) + [name for recipe in RECIPES.values() for name in recipe.datasets
                                 if name not in DATASETS]
    datasets = list(dict.fromkeys(datasets))
    train.add_argument("--dataset", choices=datasets, metavar="NAME",
                       help=f"one of: {', '.join(datasets)} (default: digits; shapes for unet, "
                            "mnist for lenet, stdlib for char-lm, gymnasium (the --env) for "
                            "dqn, ppo, a2c and reinforce)")
    train.add_argument("--epochs", type=int, help="passes over the training set (default: per "
                       f"recipe and dataset, {DEFAULTS['digits']['epochs']} for cnn on digits)")
    train.add_argument("--batch-size", type=int, help="samples per step (default: per recipe)")
    train.add_argument("--lr", type=float, help="learning rate (peak lr for onecycle; default: "
                       "per recipe)")
    train.add_argument("--optimizer", choices=OPTIMIZERS,
                       help="default: adam (sgd gets momentum 0.9); classifiers only")
    train.add_argument("--weight-decay", type=float, help="default: 0.0; classifiers only")
    train.add_argument("--scheduler", choices=SCHEDULERS,
                       help="learning-rate schedule (default: onecycle); classifiers only")
    train.add_argument("--val-fraction", type=float,
                       help="share of the training set held out for validation (0: none, and "
                            "the last epoch is kept; default: 0.1); classifiers only")
    train.add_argument("--bptt", type=int, help="characters per chunk of truncated "
                       "backpropagation through time (default: 64); char-lm on text only")
    train.add_argument("--max-chars", type=int, help="use at most this many characters of the "
                       "text (default: 250000); char-lm and char-gpt on text only")
    train.add_argument("--text-file", metavar="PATH", help="a UTF-8 text file to model (implies "
                       "--dataset text-file); char-lm and char-gpt only")
    train.add_argument("--env", metavar="ID", help="a Gymnasium environment, e.g. CartPole-v1 "
                       "(default), Acrobot-v1; dqn, ppo, a2c, reinforce only")
    train.add_argument("--steps", type=int, help="the most environment steps (default: "
                       "200000); dqn, ppo, a2c, reinforce only")
    train.add_argument("--eval-episodes", type=int, help="episodes of the final greedy "
                       "evaluation (default: 100); dqn, ppo, a2c, reinforce only")
    train.add_argument("--task", help="the task of seq2seq and seq2seq-transformer (another name "
                       "for --dataset): dates, addition, reversal or sorting (default: dates)")
    train.add_argument("--attention", choices=["bahdanau", "dot", "general", "none"],
                       help="the decoder's attention (default: bahdanau); seq2seq only")
    train.add_argument("--strategy", choices=["teacher", "free", "scheduled", "curriculum",
                                              "professor"],
                       help="the training strategy (default: teacher forcing); seq2seq only")
    train.add_argument("--label-smoothing", type=float,
                       help="label smoothing of the cross-entropy (default: 0 for seq2seq, 0.1 "
                            "for seq2seq-transformer); those two only")
    train.add_argument("--model-arg", action="append", metavar="KEY=VALUE", default=[],
                       help="an argument of the model's builder, e.g. dropout=0.1 or "
                            "channels=(32,64); repeatable; an unknown KEY lists the accepted ones")
    seeds = train.add_mutually_exclusive_group()
    seeds.add_argument("--seed", type=int, help="seeds initialization, the split and the "
                       "shuffling: the same seed repeats the run (default: 0)")
    seeds.add_argument("--seeds", type=int, nargs="+", metavar="SEED",
                       help="run once per seed (into OUT/seed-S) and summarize the test result, "
                            "training and wall times")
    train.add_argument("--markdown", metavar="FILE",
                       help="write the summary over the seeds as a Markdown page")
    train.add_argument("--out", help="run folder (default: runs/MODEL-DATASET)")
    train.add_argument("--overwrite", action="store_true",
                       help="write into OUT even if it holds an earlier run")
    train.add_argument("--data-dir", help="folder of the IDX files for mnist / fashion-mnist")
    train.add_argument("--download", action="store_true",
                       help="download missing mnist / fashion-mnist files (checksums checked)")
    train.add_argument("--quiet", action="store_true", help="print nothing but errors")

    predict = commands.add_parser(
        "predict", help="the 3 most likely countries of surnames, from a names run folder",
        description="Load the model and vocabulary of a run folder written by `tinynet train "
                    "names` and print, for each NAME, the most likely countries with their "
                    "probabilities.")
    predict.add_argument("run_folder", metavar="RUN_FOLDER")
    predict.add_argument("names", nargs="+", metavar="NAME")
    predict.add_argument("--top", type=int, default=3, help="countries per name (default: 3)")

    gradcheck = commands.add_parser(
        "gradcheck", help="check every op's and layer's backward against finite differences",
        description="Compare backward with central differences in float64 for every op and "
                    "layer; print a table (op, max abs error, max rel error, pass).")
    gradcheck.add_argument("only", nargs="*", metavar="NAME",
                           help="check only the cases whose name contains NAME")
    gradcheck.add_argument("--seed", type=int, default=0)

    from tinynet.recipes.diagnose import add_parser as add_diagnose_parser

    add_diagnose_parser(commands)

    bench = commands.add_parser("bench", help="how to run the benchmarks (scripts of a source "
                                "checkout, not installed with the package)")
    bench.add_argument("names", nargs="*", metavar="NAME")
    return parser


def train_from_arguments(args, argv) -> int:
    """Run ``tinynet train``: 0 on success, 1 when the loss became non-finite, 130 after
    Ctrl-C (the run folder keeps the best checkpoint and the metrics so far)."""
    from tinynet.recipes import measure, train, write_summary

    options = dict(dataset=args.dataset, epochs=args.epochs, batch_size=args.batch_size,
                   lr=args.lr, optimizer=args.optimizer, weight_decay=args.weight_decay,
                   scheduler=args.scheduler, val_fraction=args.val_fraction, bptt=args.bptt,
                   max_chars=args.max_chars, text_file=args.text_file, env=args.env,
                   steps=args.steps, eval_episodes=args.eval_episodes, task=args.task,
                   attention=args.attention, strategy=args.strategy,
                   label_smoothing=args.label_smoothing, model_args=args.model_arg,
                   out=args.out, data_dir=args.data_dir,
                   download=args.download, verbose=not args.quiet)
    command = " ".join(["tinynet", *argv])
    if args.seeds is None:
        if args.markdown:
            seed = 0 if args.seed is None else args.seed
            summary = measure(args.model, [seed], markdown=args.markdown, command=command,
                              **options)
            causes = [row["stop_cause"] for row in summary["runs"]]
        else:
            metrics = train(args.model, seed=0 if args.seed is None else args.seed,
                            overwrite=args.overwrite, **options)
            causes = [metrics["stop_cause"]]
    else:
        if args.overwrite:
            raise ValueError("--overwrite applies to one run; --seeds always writes a new folder")
        summary = measure(args.model, args.seeds, command=command, **options)
        causes = [row["stop_cause"] for row in summary["runs"]]
        if args.markdown:
            write_summary(args.markdown, summary, command)
        for row in summary["runs"]:
            print(f"seed {row['seed']}: {summary['headline']} {row[summary['headline']]:.4f}, "
                  f"training {row['train_seconds']:.1f} s, wall {row['wall_seconds']:.1f} s")
        print(f"{summary['headline']} from {summary['min']:.4f} to {summary['max']:.4f} (mean "
              f"{summary['mean']:.4f}); runs in {summary['run_folder']}/")
    if args.markdown:
        print(f"wrote {args.markdown}")
    if "interrupted" in causes:
        return 130
    return 1 if "non-finite loss" in causes else 0


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the command; returns the exit status (0 on success, 130 after
    Ctrl-C)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    try:
        if args.command == "train":
            return train_from_arguments(args, argv)
        if args.command == "predict":
            from tinynet.recipes.names import format_predictions, predict

            print(format_predictions(args.names, predict(args.run_folder, args.names, args.top)))
            return 0
        if args.command == "diagnose":
            from tinynet.recipes.diagnose import run_command

            return run_command(args)
        if args.command == "bench":
            names = " ".join(f"python benchmarks/{name}.py" for name in args.names)
            print("tinynet bench: the benchmarks are scripts of the source checkout, not part of "
                  f"the installed package; run {names or 'python benchmarks/NAME.py'} from the "
                  "repository root", file=sys.stderr)
            return 2
        return 0 if gradcheck_command(args.only, args.seed) else 1
    except KeyboardInterrupt:
        print("tinynet: interrupted", file=sys.stderr)
        return 130
    except (ValueError, TypeError, OSError, ImportError) as error:
        if os.environ.get("TINYNET_DEBUG"):
            raise
        print(f"tinynet {args.command}: error: {error}", file=sys.stderr)
        return 1


def run() -> int:
    """The ``tinynet`` program."""
    return main()


if __name__ == "__main__":
    sys.exit(run())
