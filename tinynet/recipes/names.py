"""Names -> nationality: a character-level recurrent classifier reads a surname and predicts its
country (``tinynet.data.datasets.NamesByCountry``: 18 countries, 900 names each, split 80/10/10
with the seed), against a character n-gram naive-Bayes baseline on the same split.

    tinynet train names --dataset names --model-arg cell=lstm
    tinynet predict runs/names-names Nakamura Schmidt Rossi

Training batches come from a ``BucketBatchSampler`` (names of similar length together, little
padding) through ``PadCollate``; the classifier reads each name's output at its own last letter.
The epoch with the best validation loss is kept. The run folder also holds ``names.json`` (the
vocabulary, the countries and the model's arguments: what ``predict`` needs) and
``confusion.png`` (rows: true country, columns: predicted; when matplotlib is installed).

With the defaults (a GRU of 128 units, dropout 0.5 before the classifier, 10 epochs) the network
reaches 61-62% test accuracy on seeds 0-2, below the naive Bayes on character 1- to 5-grams
(64-67%): on these short, often shared surnames a table of n-gram counts is hard to beat
(docs/results/names.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

import tinynet as tn
from tinynet.recipes.common import Run

DEFAULTS = {"epochs": 10, "batch_size": 64, "lr": 3e-3, "optimizer": "adam",
            "weight_decay": 0.0, "scheduler": "onecycle"}
MODEL_DEFAULTS = {"hidden_size": 128, "embedding_dim": 32, "dropout": 0.5}
BASELINE_ORDERS = (2, 3, 4, 5)  # n-gram orders tried; the best on the validation split is kept


def defaults(dataset: str) -> dict:
    return dict(DEFAULTS)


class PaddedNames(tn.data.Dataset):
    """A names split as fixed-width rows: ``dataset[i] == (tokens (T,), length, label)`` with T
    the longest name, so the default collate batches it (the validation and test loaders)."""

    def __init__(self, names, vocab):
        self.lengths = np.array(names.lengths, dtype=np.int64)
        width = int(self.lengths.max())
        self.tokens = np.full((len(names), width), vocab.pad_index, dtype=np.int64)
        for row, name in enumerate(names.names):
            self.tokens[row, :len(name)] = vocab.encode(name)
        self.targets = np.asarray(names.targets, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, index):
        return (tn.Tensor._make(self.tokens[index]), tn.Tensor._make(self.lengths[index]),
                tn.Tensor._make(self.targets[index]))


def _baseline(train, val, test) -> dict:
    """The naive-Bayes baseline: the order with the best validation accuracy, its test accuracy."""
    from tinynet.data.ngram import NGramNaiveBayes

    scores = {n: NGramNaiveBayes(n).fit(train.names, train.targets).score(val.names, val.targets)
              for n in BASELINE_ORDERS}
    best = max(scores, key=lambda n: (scores[n], -n))
    model = NGramNaiveBayes(best).fit(train.names, train.targets)
    return {"n": best, "val_accuracy": scores[best],
            "test_accuracy": model.score(test.names, test.targets)}


def confusion_matrix(targets, predictions, num_classes: int) -> np.ndarray:
    """counts[i, j]: how many samples of class i were predicted as class j."""
    counts = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(counts, (np.asarray(targets), np.asarray(predictions)), 1)
    return counts


def plot_confusion(counts: np.ndarray, labels, path: Path, title: str) -> bool:
    """Draw the row-normalised confusion matrix to ``path``; False when matplotlib is missing."""
    try:
        import matplotlib
        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    shares = counts / np.maximum(counts.sum(1, keepdims=True), 1)
    figure, axes = plt.subplots(figsize=(8, 7))
    image = axes.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    axes.set_xticks(range(len(labels)), labels, rotation=90)
    axes.set_yticks(range(len(labels)), labels)
    axes.set_xlabel("predicted country")
    axes.set_ylabel("true country")
    axes.set_title(title)
    figure.colorbar(image, ax=axes, label="share of the true country's names")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return True


def _predictions(model, dataset) -> np.ndarray:
    with tn.no_grad():
        logits = model(tn.Tensor._make(dataset.tokens), tn.Tensor._make(dataset.lengths))
    return logits.numpy().argmax(1)


def run(run: Run) -> dict:
    from tinynet import nn
    from tinynet.data import DataLoader
    from tinynet.data.bucket_sampler import BucketBatchSampler
    from tinynet.data.datasets import NamesByCountry
    from tinynet.data.text import PadCollate
    from tinynet.recipes.classifier import make_optimizer, make_scheduler
    from tinynet.train import evaluate

    if "vocab_size" in run.model_args:
        raise ValueError("the names recipe sets vocab_size itself (from the vocabulary)")
    options = run.options
    splits = {side: NamesByCountry(side, seed=run.seed) for side in ("train", "val", "test")}
    train, vocab = splits["train"], splits["train"].vocab
    val, test = PaddedNames(splits["val"], vocab), PaddedNames(splits["test"], vocab)
    model_args = {**MODEL_DEFAULTS, **run.model_args, "vocab_size": len(vocab)}
    run.model_args = model_args
    network = run.build((1,), len(train.classes))
    sampler = BucketBatchSampler(train.lengths, options["batch_size"],
                                 generator=tn.Generator(run.seed))
    loader = DataLoader(train, batch_sampler=sampler, collate_fn=PadCollate(vocab.pad_index))
    optimizer = make_optimizer(options["optimizer"], network.parameters(), options["lr"],
                               options["weight_decay"])
    scheduler = make_scheduler(options["scheduler"], optimizer, options["epochs"], len(loader))
    loss_fn = nn.CrossEntropyLoss()
    run.say(f"training {run.model} on names: {len(train)} train, {len(val)} val, {len(test)} "
            f"test names, {len(train.classes)} countries; "
            f"{sum(p.numel() for p in network.parameters()):,} parameters")
    history = run.fit(network, loss_fn, optimizer, loader, val, scheduler)
    network.eval()
    result = evaluate(network, DataLoader(test, 256), ("accuracy",), loss_fn)
    baseline = _baseline(train, splits["val"], splits["test"])
    counts = confusion_matrix(test.targets, _predictions(network, test), len(train.classes))
    (run.folder / "names.json").write_text(json.dumps({
        "model": run.model, "model_args": model_args, "tokens": vocab.itos,
        "pad_index": vocab.pad_index, "classes": train.classes,
        "country_names": train.country_names}, indent=2))
    cell = model_args.get("cell", "gru" if run.model == "names" else run.model)
    title = (f"{run.model} ({cell}, hidden {model_args['hidden_size']}) on names: test accuracy "
             f"{result['accuracy']:.1%}")
    plotted = plot_confusion(counts, train.classes, run.folder / "confusion.png", title)
    if not plotted:
        run.say("matplotlib is not installed: confusion.png skipped (the counts are in "
                "metrics.json)", error=True)
    return run.finish(network, history, {
        "test_accuracy": result["accuracy"], "test_loss": result["loss"],
        "baseline": {"model": f"NGramNaiveBayes(n={baseline['n']})", **baseline},
        "classes": train.classes, "confusion_matrix": counts.tolist(),
        "summary_columns": {"baseline test_accuracy": baseline["test_accuracy"]},
        "figures": ["confusion.png"] if plotted else []},
        f"test accuracy {result['accuracy']:.4f} (naive Bayes on character {baseline['n']}-grams: "
        f"{baseline['test_accuracy']:.4f}), {len(test)} names")


def load_predictor(folder):
    """(model in eval mode, names.json's content) of a names run folder."""
    from tinynet.models import MODELS

    folder = Path(folder)
    info_path = folder / "names.json"
    if not info_path.is_file() or not (folder / "model.npz").is_file():
        raise ValueError(f"{folder} is not a names run folder (it needs names.json and "
                         "model.npz, as `tinynet train names` writes them)")
    info = json.loads(info_path.read_text())
    model = MODELS[info["model"]]((1,), len(info["classes"]), **info["model_args"])
    model.load_state_dict(tn.load(folder / "model.npz"))
    return model.eval(), info


def predict(folder, names, top: int = 3) -> list[list[tuple[str, str, float]]]:
    """For each name, the ``top`` most likely countries of the model in the run ``folder``:
    [(code, country name, probability)], most likely first. Names are written in lowercase
    ASCII letters first (Müller -> muller); one with another character is refused."""
    from tinynet.data.datasets.names import ascii_letters

    names = [names] if isinstance(names, str) else list(names)
    if not names:
        raise ValueError("predict needs at least one name")
    model, info = load_predictor(folder)
    if not 1 <= top <= len(info["classes"]):
        raise ValueError(f"top must be in 1..{len(info['classes'])}, but got {top!r}")
    index = {token: i for i, token in enumerate(info["tokens"])}
    rows = []
    for name in names:
        letters = ascii_letters(name)
        if letters is None:
            raise ValueError(f"cannot read the name {name!r}: it needs two or more Latin letters "
                             "and nothing else (no spaces, digits or other scripts)")
        rows.append([index[c] for c in letters])
    lengths = np.array([len(r) for r in rows], dtype=np.int64)
    tokens = np.full((len(rows), lengths.max()), info["pad_index"], dtype=np.int64)
    for row, encoded in enumerate(rows):
        tokens[row, :len(encoded)] = encoded
    with tn.no_grad():
        logits = model(tn.Tensor._make(tokens), tn.Tensor._make(lengths))
        probabilities = tn.softmax(logits, 1).numpy()
    results = []
    for row in probabilities:
        best = np.argsort(-row, kind="stable")[:top]
        results.append([(info["classes"][i], info["country_names"][i], float(row[i]))
                        for i in best])
    return results


def format_predictions(names, results) -> str:
    """One line per name: ``Nakamura: Japan (JP) 97.1%, South Korea (KR) 1.2%, ...``."""
    return "\n".join(f"{name}: " + ", ".join(f"{country} ({code}) {100 * p:.1f}%"
                                              for code, country, p in result)
                     for name, result in zip(names, results))
