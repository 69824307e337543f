"""The Transformer encoder classifier's recipe (``transformer``): MNIST-1D's 40-step signals cut
into patches of 4 steps, each patch a token (``tinynet.models.transformer_classifier``), trained
as the classifiers are (``tinynet.recipes.classifier``: cross-entropy, Adam, one-cycle schedule),
on all 4,000 training signals and tested at the last epoch, as the GRU recipe on MNIST-1D.

    tinynet train transformer --dataset mnist1d --seeds 0 1 2
    tinynet train transformer --model-arg pooling=mean --model-arg patch_size=5

With the environment variable CI set, the default is a short form (3 epochs).
"""

from __future__ import annotations

import os

from tinynet.recipes import classifier
from tinynet.recipes.common import Recipe, Run

DEFAULTS = {"mnist1d": {"epochs": 40, "batch_size": 64, "lr": 2e-3, "val_fraction": 0.0}}


def defaults(dataset: str) -> dict:
    given = DEFAULTS.get(dataset, classifier.DEFAULTS.get(dataset, DEFAULTS["mnist1d"]))
    options = {**classifier.CLASSIFIER_DEFAULTS, **given}
    if os.environ.get("CI"):
        options["epochs"] = min(options["epochs"], 3)
    return options


def run(run: Run) -> dict:
    metrics = classifier.run(run)
    if (run.folder / "history.png").exists():  # shown on the summary page of several seeds
        metrics["figures"] = ["history.png"]
    return metrics


RECIPE = Recipe("transformer", run, defaults, "mnist1d", "test_accuracy")
