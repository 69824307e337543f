"""Transfer learning, measured: a CNN pretrained on the digits 0-4 learns the digits 5-9 from a
few labelled images per class, three ways, on the same images and seeds:

* **scratch**: a fresh CNN, every layer trained at the rate ``lr``;
* **frozen**: the pretrained convolutional features (and their batch-norm statistics) kept as
  they are, under a new classifier (Linear-ReLU-Linear, in place of the pretrained one); only
  the classifier trains, at the rate ``lr``;
* **fine-tune**: the same new classifier, and the pretrained convolutions train too, at a rate
  ``fine_tune_factor`` times smaller (``discriminative_param_groups``).

    tinynet train transfer                                  # 5, 20, 100 images per class
    tinynet train transfer --model-arg shots=(10,) --model-arg repeats=5

The whole classifier is new, not only its last layer: the layer before it learned to separate
the five pretraining classes and transfers worse than the convolutions under it.

Each of ``repeats`` seeds (seed, seed+1, ...) pretrains its own CNN (``epochs`` epochs of Adam on
the 0-4 images of the digits' training side), draws the labelled images of the new task (the
first k of a per-class permutation, so the 5 images are among the 20, and those among the 100)
and trains each way for ``steps`` Adam steps on batches of at most ``batch_size`` drawn in the
same order. Accuracy is measured on the 5-9 images of the digits' test side (never seen in
pretraining or adaptation), every tenth of the steps for the learning curves.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np

import tinynet as tn
from tinynet.recipes.common import Recipe, Run

DEFAULTS = {"epochs": 10, "batch_size": 32, "lr": 3e-3}
METHODS = ("scratch", "frozen", "fine-tune")
SOURCE_CLASSES, TARGET_CLASSES = (0, 1, 2, 3, 4), (5, 6, 7, 8, 9)
HEAD = ("13", "15")  # the two Linear layers of CNN2d: its classifier
CURVE_POINTS = 10


def digits_tasks() -> dict:
    """The two tasks on the digits' seeded train/test split: "source" (train, test) of the
    digits 0-4 and "target" (train, test) of the digits 5-9, labels renumbered from 0."""
    from tinynet.data.datasets.digits import load_digits_arrays

    train, test = load_digits_arrays(train=True), load_digits_arrays(train=False)

    def task(classes):
        def side(images, labels):
            keep = np.isin(labels, classes)
            return images[keep], labels[keep] - classes[0]
        return side(*train), side(*test)

    return {"source": task(SOURCE_CLASSES), "target": task(TARGET_CLASSES)}


def few_shot(images, labels, shots: int, seed: int):
    """``shots`` images of each class, the first of a per-class permutation drawn with ``seed``
    (so fewer shots are a subset of more). Raises ValueError when a class has fewer."""
    rng = np.random.default_rng(seed)
    chosen = []
    for label in np.unique(labels):
        where = np.flatnonzero(labels == label)
        if len(where) < shots:
            raise ValueError(f"class {label} has {len(where)} training images, fewer than "
                             f"{shots} shots")
        chosen.append(where[rng.permutation(len(where))[:shots]])
    chosen = np.concatenate(chosen)
    return images[chosen], labels[chosen]


def accuracy(model, images, labels) -> float:
    model.eval()
    with tn.no_grad():
        predicted = model(tn.tensor(images)).argmax(1).numpy()
    model.train()
    return float(np.mean(predicted == labels))


def pretrain(build, source, seed: int, epochs: int, batch_size: int, lr: float):
    """A CNN trained on the source task (Adam, ``epochs`` epochs); returns (model, its test
    accuracy on the source task)."""
    from tinynet import nn
    from tinynet.data import DataLoader, TensorDataset
    from tinynet.train import fit

    (images, labels), (test_images, test_labels) = source
    tn.manual_seed(seed)
    model = build((1, 8, 8), len(SOURCE_CLASSES))
    loader = DataLoader(TensorDataset(tn.tensor(images), tn.tensor(labels)), batch_size,
                        shuffle=True, generator=tn.Generator(seed))
    fit(model, nn.CrossEntropyLoss(), tn.optim.Adam(model.parameters(), lr=lr), loader,
        epochs=epochs, metrics=(), verbose=False)
    return model, accuracy(model, test_images, test_labels)


def prepare(method: str, build, pretrained_state: dict, seed: int, lr: float,
            fine_tune_factor: float):
    """The model and optimizer of one way of learning the target task (see the module's
    docstring); the new classifier (or the fresh CNN) is initialised with ``seed``."""
    from tinynet import nn
    from tinynet.transfer import (
        discriminative_param_groups,
        freeze,
        freeze_batchnorm_stats,
        replace_head,
        trainable_parameters,
    )

    classes = len(TARGET_CLASSES)
    tn.manual_seed(seed)
    if method == "scratch":
        model = build((1, 8, 8), classes)
        return model, tn.optim.Adam(model.parameters(), lr=lr)
    model = build((1, 8, 8), len(SOURCE_CLASSES))
    model.load_state_dict(pretrained_state)
    hidden, last = (model[int(name)] for name in HEAD)
    head = [nn.Linear(hidden.in_features, hidden.out_features),
            nn.Linear(last.in_features, classes)]
    if method == "frozen":
        freeze(model)
        freeze_batchnorm_stats(model)
    for name, layer in zip(HEAD, head):
        replace_head(model, name, layer)
    if method == "frozen":
        return model, tn.optim.Adam(trainable_parameters(model), lr=lr)
    body = nn.ModuleList([module for name, module in model.named_children() if name not in HEAD])
    groups = discriminative_param_groups(model, [body, nn.ModuleList(head)], lr,
                                         fine_tune_factor)
    return model, tn.optim.Adam(groups, lr=lr)


def adapt(model, optimizer, labelled, test, seed: int, steps: int, batch_size: int) -> list:
    """``steps`` Adam steps of cross-entropy on batches of ``labelled`` (reshuffled with
    ``seed`` at each pass); returns the learning curve [(step, test accuracy)], measured at
    step 0 and every ``steps / CURVE_POINTS`` steps."""
    images, labels = labelled
    rng = np.random.default_rng(seed)
    size = min(batch_size, len(labels))
    every = max(1, steps // CURVE_POINTS)
    curve = [(0, accuracy(model, *test))]
    order, position = rng.permutation(len(labels)), 0
    model.train()
    for step in range(1, steps + 1):
        if position + size > len(order):
            order, position = rng.permutation(len(labels)), 0
        batch = order[position:position + size]
        position += size
        optimizer.zero_grad()
        loss = tn.nn.functional.cross_entropy(model(tn.tensor(images[batch])),
                                              tn.tensor(labels[batch]))
        loss.backward()
        optimizer.step()
        if step % every == 0 or step == steps:
            curve.append((step, accuracy(model, *test)))
    return curve


def study(build, seeds, shots, epochs: int, batch_size: int, lr: float, steps: int,
          fine_tune_factor: float, say=print) -> dict:
    """Every (seed, shots, method) of the study: {"pretrain_accuracy": [per seed],
    "runs": [{"seed", "shots", "method", "accuracy", "curve"}], "target_test_images",
    "pretrained_models": [the pretrained CNN of each seed]}."""
    tasks = digits_tasks()
    target_train, target_test = tasks["target"]
    pretrained, runs, models = [], [], []
    for seed in seeds:
        source_model, source_accuracy = pretrain(build, tasks["source"], seed, epochs,
                                                 batch_size, lr)
        pretrained.append(source_accuracy)
        models.append(source_model)
        state = {k: v.detach().numpy().copy() for k, v in source_model.state_dict().items()}
        say(f"seed {seed}: pretrained on digits 0-4, test accuracy {source_accuracy:.4f}")
        for count in shots:
            labelled = few_shot(*target_train, count, seed)
            for method in METHODS:
                model, optimizer = prepare(method, build, state, seed, lr, fine_tune_factor)
                curve = adapt(model, optimizer, labelled, target_test, seed, steps, batch_size)
                runs.append({"seed": seed, "shots": count, "method": method,
                             "accuracy": curve[-1][1], "curve": curve})
                say(f"  {count:>3} per class, {method:<9}: test accuracy {curve[-1][1]:.4f}")
    return {"pretrain_accuracy": pretrained, "runs": runs,
            "target_test_images": len(target_test[1]), "pretrained_models": models}


def summarize(runs: list[dict], shots, point: int = -1) -> dict:
    """{method: {shots: {"mean", "std", "min", "max"}}} over seeds of the accuracies at the
    curve's ``point`` (-1: the end of training; std: the population standard deviation)."""
    table = {}
    for method in METHODS:
        table[method] = {}
        for count in shots:
            values = np.array([r["curve"][point][1] for r in runs
                               if r["method"] == method and r["shots"] == count])
            table[method][str(count)] = {"mean": float(values.mean()), "std": float(values.std()),
                                         "min": float(values.min()), "max": float(values.max())}
    return table


def plot_curves(runs: list[dict], shots, path: Path) -> Path:
    """Test accuracy against the step, one panel per number of shots, the mean over seeds of
    each method with its min-max band."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(shots), figsize=(4 * len(shots), 3.4), squeeze=False,
                                sharey=True)
    for axis, count in zip(axes[0], shots):
        for method in METHODS:
            curves = [r["curve"] for r in runs if r["method"] == method and r["shots"] == count]
            steps = [step for step, _ in curves[0]]
            values = np.array([[value for _, value in curve] for curve in curves])
            axis.plot(steps, values.mean(0), label=method)
            axis.fill_between(steps, values.min(0), values.max(0), alpha=0.2)
        axis.set_title(f"{count} labelled images per class")
        axis.set_xlabel("step")
        axis.grid(alpha=0.3)
    axes[0][0].set_ylabel("test accuracy on digits 5-9")
    axes[0][0].legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def run(run: Run) -> dict:
    from tinynet import nn
    from tinynet.models import build_cnn, build_transfer
    from tinynet.recipes.common import model_arguments
    from tinynet.train import History

    settings = {**model_arguments(build_transfer), **run.model_args}
    shots = [settings["shots"]] if isinstance(settings["shots"], int) else list(settings["shots"])
    build_transfer((1, 8, 8), 5, **run.model_args)  # checks the arguments before any training
    seeds = [run.seed + i for i in range(settings["repeats"])]
    options, history = run.options, History()

    def build(shape, classes):
        return build_cnn(shape, classes, settings["channels"], settings["dropout"])

    run.say(f"pretraining on digits 0-4, transferring to 5-9 with {shots} images per class; "
            f"seeds {seeds}, {settings['steps']} steps per adaptation")
    start = time.perf_counter()
    try:
        results = study(build, seeds, shots, options["epochs"], options["batch_size"],
                        options["lr"], settings["steps"], settings["fine_tune_factor"], run.say)
    except KeyboardInterrupt:
        history.stop("interrupted", "interrupted (Ctrl-C): no table written")
        run.say(history.stop_reason, error=True)
        run.train_seconds = time.perf_counter() - start
        return run.finish(nn.ModuleDict(), history, {"fine_tune_accuracy_fewest_shots": math.nan},
                          "interrupted")
    run.train_seconds = time.perf_counter() - start
    pretrained = results.pop("pretrained_models")[0]  # model.npz: the first seed's
    plot_curves(results["runs"], shots, run.folder / "learning-curves.png")
    table = summarize(results["runs"], shots)
    fewest = str(min(shots))
    metrics = {"fine_tune_accuracy_fewest_shots": table["fine-tune"][fewest]["mean"],
               "accuracy": table, "early_step": results["runs"][0]["curve"][1][0],
               "accuracy_early": summarize(results["runs"], shots, point=1), "shots": shots, "seeds": seeds, "methods": list(METHODS),
               "steps": settings["steps"], "fine_tune_factor": settings["fine_tune_factor"],
               **results}
    gain = table["fine-tune"][fewest]["mean"] - table["scratch"][fewest]["mean"]
    return run.finish(pretrained, history, metrics,
                      f"{fewest} images per class: fine-tuning {table['fine-tune'][fewest]['mean']:.4f}"
                      f", from scratch {table['scratch'][fewest]['mean']:.4f} (gain {gain:+.4f})")


def accuracy_table(metrics: dict, key: str = "accuracy") -> str:
    """The Markdown table of ``metrics[key]``: one row per number of shots, one column per
    method, "mean ± std (min-max)" of the test accuracy in percent over the seeds."""
    from tinynet.report import markdown_table

    def cell(entry):
        return (f"{100 * entry['mean']:.1f} ± {100 * entry['std']:.1f} "
                f"({100 * entry['min']:.1f}-{100 * entry['max']:.1f})")

    table = metrics[key]
    return markdown_table(["images per class", *metrics["methods"]],
                          [[count, *(cell(table[method][str(count)])
                                     for method in metrics["methods"])]
                           for count in metrics["shots"]])


def gains(metrics: dict) -> str:
    """One sentence per number of shots: fine-tuning's and the frozen features' mean accuracy
    minus training from scratch's, after all the steps and after the first tenth."""
    parts = []
    for count in metrics["shots"]:
        def gain(key, method, count=count):
            table = metrics[key]
            return 100 * (table[method][str(count)]["mean"] - table["scratch"][str(count)]["mean"])
        parts.append(f"{count} per class: {gain('accuracy', 'fine-tune'):+.1f} (fine-tune), "
                     f"{gain('accuracy', 'frozen'):+.1f} (frozen) at the end; "
                     f"{gain('accuracy_early', 'fine-tune'):+.1f} and "
                     f"{gain('accuracy_early', 'frozen'):+.1f} after {metrics['early_step']} "
                     "steps")
    return ("Transfer gain over training from scratch, in accuracy points: "
            + "; ".join(parts) + ".")


def details(runs: list[dict], page: Path) -> str:
    """The Markdown below the summary: per run, the accuracy table and the learning curves
    (copied beside the page as PAGE-seedS-learning-curves.png)."""
    page = Path(page)
    page.parent.mkdir(parents=True, exist_ok=True)
    texts = []
    for metrics in runs:
        figure = page.with_name(f"{page.stem}-seed{metrics['settings']['seed']}-learning-curves.png")
        figure.write_bytes((Path(metrics["run_folder"]) / "learning-curves.png").read_bytes())
        pretrained = ", ".join(f"{100 * value:.1f}%" for value in metrics["pretrain_accuracy"])
        texts.append(
            f"Test accuracy (%) on the {metrics['target_test_images']} images of the digits 5-9 "
            f"in the test side, after {metrics['steps']} Adam steps, over seeds "
            f"{', '.join(map(str, metrics['seeds']))}: mean ± standard deviation "
            f"(min-max).\n\n{accuracy_table(metrics)}\n\n"
            f"{gains(metrics)}\n\n"
            f"The same after {metrics['early_step']} steps:\n\n"
            f"{accuracy_table(metrics, 'accuracy_early')}\n\n"
            f"The pretrained CNNs (digits 0-4) reach {pretrained} on their own test images. "
            "Frozen: the pretrained convolutions fixed, a new classifier trained on them; "
            "fine-tune: the same new classifier, and the pretrained convolutions trained at a "
            f"rate {metrics['fine_tune_factor']:g} times smaller than the classifier's.\n\n"
            f"![learning curves]({figure.name})\n\n"
            "Test accuracy against the step: the mean over the seeds, the band from the "
            "lowest to the highest.\n")
    return "\n".join(texts)


RECIPE = Recipe("transfer", run, lambda dataset: dict(DEFAULTS), "digits",
                "fine_tune_accuracy_fewest_shots", details=details, datasets=("digits",))
