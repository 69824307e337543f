"""The recurrent classifiers' recipe (``gru``, ``lstm``, ``rnn`` and ``names``): fixed-length
signals train as the classifiers do (``tinynet.recipes.classifier``: cross-entropy, Adam, one
cycle; with ``--val-fraction`` above 0 the best validation epoch is kept); the names dataset
trains through ``tinynet.recipes.names`` (variable-length names, padded batches, the n-gram
baseline).

    tinynet train gru --dataset mnist1d                # 40 steps of 1 feature, 10 digits
    tinynet train names --model-arg cell=lstm         # surname -> country

On MNIST-1D the default GRU (one layer of 64 units, read at the last step) trains on all 4,000
training signals for 40 epochs and is tested at the last epoch, where the one-cycle schedule
ends (no validation side: with 10% held out and 30 epochs, seed 0 stopped at 90.9%). The MNIST-1D
paper's GRU reaches 91%; docs/results/gru-mnist1d.md has this recipe's three seeds.
"""

from __future__ import annotations

from tinynet.recipes import classifier, names
from tinynet.recipes.common import Recipe, Run

DEFAULTS = {  # per dataset: the options that differ from the classifiers' defaults
    "mnist1d": {"epochs": 40, "batch_size": 64, "lr": 3e-3, "val_fraction": 0.0},
}


def defaults(dataset: str) -> dict:
    if dataset == "names":
        return names.defaults(dataset)
    given = DEFAULTS.get(dataset, classifier.DEFAULTS.get(dataset, DEFAULTS["mnist1d"]))
    return {**classifier.CLASSIFIER_DEFAULTS, **given}


def run(run: Run) -> dict:
    if run.dataset == "names":
        return names.run(run)
    metrics = classifier.run(run)
    if (run.folder / "history.png").exists():  # shown on the summary page of several seeds
        metrics["figures"] = ["history.png"]
    return metrics


RECIPE = Recipe("recurrent", run, defaults, "mnist1d", "test_accuracy")
NAMES_RECIPE = Recipe("recurrent", run, defaults, "names", "test_accuracy")
