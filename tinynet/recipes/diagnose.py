"""``tinynet diagnose MODEL --dataset D``: train a model of the zoo for a few hundred steps with
a ``GradientMonitor`` attached, print its diagnoses and write its plots.

    tinynet diagnose cnn --dataset digits               # 300 steps; "no problems found"
    tinynet diagnose mlp --dataset digits --steps 100 --out runs/diagnose-mlp

The model, the data, the optimizer, its learning rate and the schedule are the recipe's (as
``tinynet train`` would use them, with ``--model-arg`` for the builder); the schedule is laid
over the ``steps`` steps instead of the recipe's epochs. The models trained with cross-entropy
by the classifiers' recipe (``tinynet.recipes.classifier``, incl. the recurrent classifiers on
fixed-length signals) can be diagnosed; the others train with their own loops and losses and
are refused by name. It lives with the recipes because it trains a particular model of the
zoo; the monitor itself (``tinynet.diagnostics``) knows no model.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

DEFAULT_STEPS = 300


def diagnosable_models() -> list[str]:
    """The models ``diagnose`` accepts: those the classifiers' recipe trains."""
    from tinynet.recipes import RECIPES

    return [name for name, recipe in RECIPES.items() if recipe.family in ("classifier",
                                                                          "recurrent")
            and name != "names"]


def diagnose(model: str, dataset: str | None = None, steps: int = DEFAULT_STEPS, out=None,
             seed: int = 0, every: int = 1, model_args=None, data_dir=None,
             verbose: bool = True) -> dict:
    """Train ``model`` on ``dataset`` for ``steps`` optimizer steps with a ``GradientMonitor``
    (``every``), write gradient-heatmap.png and update-ratios.png into ``out`` (default
    runs/diagnose-MODEL-DATASET), and return {"diagnoses": [...], "steps": steps run,
    "stop_reason": None or why training stopped early, "figures": [paths], "monitor"}. With
    ``verbose`` it prints each diagnosis, or "no problems found"."""
    import tinynet as tn
    from tinynet.diagnostics.monitor import GradientMonitor
    from tinynet.recipes import check
    from tinynet.recipes.classifier import make_optimizer, make_scheduler
    from tinynet.recipes.common import Run
    from tinynet.train import PER_BATCH_SCHEDULERS, split_batch, step_epoch_scheduler

    if model not in diagnosable_models():
        raise ValueError(f"tinynet diagnose trains the classifiers ({', '.join(diagnosable_models())})"
                         f"; {model!r} trains with its own loop and loss")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"--steps must be a positive integer, but got {steps!r}")
    _, dataset, options, model_args = check(model, dataset, seed, data_dir,
                                            model_args=model_args)
    if dataset == "names":
        raise ValueError("tinynet diagnose takes fixed-length datasets; the names recipe trains "
                         "on padded batches with its own loop")
    folder = Path(out) if out is not None else Path("runs") / f"diagnose-{model}-{dataset}"
    run = Run(model, dataset, options, int(seed), folder, model_args, data_dir, False, verbose)
    tn.manual_seed(run.seed)
    data = run.data(0.0)
    network = run.build(data.sample_shape, data.num_classes)
    loader = run.loader(data.train)
    optimizer = make_optimizer(options["optimizer"], network.parameters(), options["lr"],
                               options["weight_decay"])
    if options["scheduler"] == "onecycle":  # per step: the one cycle over exactly `steps` steps
        scheduler = make_scheduler("onecycle", optimizer, 1, steps)
    else:
        scheduler = make_scheduler(options["scheduler"], optimizer,
                                   math.ceil(steps / len(loader)), len(loader))
    loss_fn = tn.nn.CrossEntropyLoss()
    run.say(f"diagnosing {model} on {dataset}: {steps} steps of batch {options['batch_size']}, "
            f"{options['optimizer']} lr {options['lr']:g}, {options['scheduler']} schedule")
    network.train()
    done, stop_reason = 0, None
    with GradientMonitor(network, every=every) as monitor:
        while done < steps and stop_reason is None:
            epoch_losses = []
            for batch in loader:
                inputs, targets = split_batch(batch)
                loss = loss_fn(network(*inputs), targets)
                if not math.isfinite(loss.item()):
                    monitor.step(loss=loss)
                    stop_reason = f"the loss became {loss.item()} at step {done + 1}"
                    break
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                monitor.step(loss=loss)
                epoch_losses.append(loss.item())
                done += 1
                if isinstance(scheduler, PER_BATCH_SCHEDULERS):
                    scheduler.step()
                if done == steps:
                    break
            if epoch_losses:  # the end-of-epoch step of the per-epoch schedulers
                step_epoch_scheduler(scheduler, {"loss": sum(epoch_losses) / len(epoch_losses)})
    diagnoses = monitor.flags()
    figures = write_figures(monitor, folder)
    if verbose:
        if stop_reason:
            print(f"training stopped: {stop_reason}", file=sys.stderr)
        print("\n".join(f"FLAG {d}" for d in diagnoses) if diagnoses else "no problems found")
        print(f"wrote {', '.join(str(path) for path in figures)}")
    return {"diagnoses": diagnoses, "steps": done, "stop_reason": stop_reason,
            "figures": figures, "monitor": monitor}


def write_figures(monitor, folder: Path) -> list[Path]:
    """The heat map and the update-ratio plot of ``monitor`` in ``folder`` (those it has data
    for)."""
    from tinynet.diagnostics.plots import plot_gradient_heatmap, plot_update_ratios

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    history = monitor.history
    if len(history["step"]):
        plot_gradient_heatmap(history, folder / "gradient-heatmap.png")
        written.append(folder / "gradient-heatmap.png")
    if any(len(v) for v in history["layer_update_ratio"].values()):
        plot_update_ratios(history, folder / "update-ratios.png")
        written.append(folder / "update-ratios.png")
    return written


def add_parser(commands) -> None:
    """The ``diagnose`` subcommand of ``tinynet``'s parser."""
    parser = commands.add_parser(
        "diagnose", help="train a few hundred steps with the gradient-flow monitor and print "
                         "its diagnoses",
        description="Train MODEL with its recipe's data, optimizer and schedule for STEPS steps "
                    "while tinynet.diagnostics.GradientMonitor watches; print each diagnosis "
                    "(vanishing, exploding, dead_units, saturation) with its layers and "
                    "evidence, or 'no problems found', and write gradient-heatmap.png and "
                    "update-ratios.png into OUT.")
    parser.add_argument("model", choices=diagnosable_models(), metavar="MODEL",
                        help=f"one of: {', '.join(diagnosable_models())}")
    parser.add_argument("--dataset", metavar="NAME", help="the dataset (default: the recipe's)")
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS,
                        help=f"optimizer steps (default: {DEFAULT_STEPS})")
    parser.add_argument("--every", type=int, default=1,
                        help="measure every N-th step (default: 1)")
    parser.add_argument("--model-arg", action="append", metavar="KEY=VALUE", default=[],
                        help="an argument of the model's builder (as for tinynet train)")
    parser.add_argument("--seed", type=int, default=0, help="default: 0")
    parser.add_argument("--out", help="folder for the plots (default: runs/diagnose-MODEL-DATASET)")
    parser.add_argument("--data-dir", help="folder of the IDX files for mnist / fashion-mnist")


def run_command(args) -> int:
    """Run ``tinynet diagnose`` from parsed arguments; 0 when it ran (with or without
    diagnoses)."""
    diagnose(args.model, args.dataset, args.steps, args.out, args.seed, args.every,
             args.model_arg, args.data_dir)
    return 0
