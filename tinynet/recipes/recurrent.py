"""The recurrent classifiers' recipe (``gru``, ``lstm``, ``rnn`` and ``names``): fixed-length
signals train as the classifiers do (``tinynet.recipes.classifier``: cross-entropy, Adam, one
cycle, 10% held out, the best validation epoch kept); the names dataset trains through
``tinynet.recipes.names`` (variable-length names, padded batches, the n-gram baseline).

    tinynet train gru --dataset mnist1d                # 40 steps of 1 feature, 10 digits
    tinynet train names --model-arg cell=lstm         # surname -> country

On MNIST-1D the default GRU (one layer of 64 units, read at the last step) reaches 95-97% test
accuracy in 30 epochs (the MNIST-1D paper's GRU: 91%; docs/results/gru-mnist1d.md).
"""

from __future__ import annotations

from tinynet.recipes import classifier, names
from tinynet.recipes.common import Recipe, Run

DEFAULTS = {  # per dataset: epochs, batch size and learning rate of the default run
    "mnist1d": {"epochs": 30, "batch_size": 64, "lr": 3e-3},
}


def defaults(dataset: str) -> dict:
    if dataset == "names":
        return names.defaults(dataset)
    return {**DEFAULTS.get(dataset, classifier.DEFAULTS.get(dataset, DEFAULTS["mnist1d"])),
            **classifier.CLASSIFIER_DEFAULTS}


def run(run: Run) -> dict:
    if run.dataset == "names":
        return names.run(run)
    return classifier.run(run)


RECIPE = Recipe("recurrent", run, defaults, "mnist1d", "test_accuracy")
NAMES_RECIPE = Recipe("recurrent", run, defaults, "names", "test_accuracy")
