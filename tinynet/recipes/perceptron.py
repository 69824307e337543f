"""The perceptron's recipe: the perceptron rule, one sample at a time in an order drawn from the
seed, until an epoch makes no mistake or the epochs run out (default 50, lr 1); a ``Perceptron``
for two classes, a ``MulticlassPerceptron`` otherwise. It takes no batch size (the rule sees one
sample at a time).

    tinynet train perceptron --dataset digits
"""

from __future__ import annotations

import tinynet as tn
from tinynet.models.perceptron import MulticlassPerceptron, Perceptron
from tinynet.recipes.common import Recipe, Run


def perceptron_epoch(model: Perceptron | MulticlassPerceptron, inputs: tn.Tensor,
                     labels: list, lr: float = 1.0, generator: tn.Generator | None = None,
                     shuffle: bool = True) -> int:
    """One pass of the perceptron rule over the samples (in an order drawn from ``generator``
    when ``shuffle``); returns the number of mistakes."""
    count = len(labels)
    order = tn.randperm(count, generator=generator).tolist() if shuffle else range(count)
    return int(sum(model.update(inputs[i], labels[i], lr) for i in order))


def train_perceptron(model: Perceptron | MulticlassPerceptron, inputs: tn.Tensor,
                     labels: tn.Tensor, max_epochs: int = 100, lr: float = 1.0,
                     shuffle: bool = True, generator: tn.Generator | None = None,
                     seed: int = 0) -> list[int]:
    """Run the perceptron rule over the samples one at a time, epoch after epoch, until an epoch
    makes no mistake (the data are then separated) or ``max_epochs`` have passed.

    inputs: (N, in_features), labels: (N,) in {0, 1} for a ``Perceptron``, in 0..K−1 for a
    ``MulticlassPerceptron``. Returns the number of mistakes in each epoch; a final 0 means the
    training set is separated. ``shuffle`` visits the samples in a fresh order every epoch, drawn
    from ``generator`` (default: ``tinynet.Generator(seed)``, so the same seed repeats the run).
    """
    label_values = labels.tolist()
    if isinstance(model, Perceptron) and any(value not in (0, 1) for value in label_values):
        raise ValueError("the perceptron rule needs labels 0 and 1")
    generator = generator if generator is not None else tn.Generator(seed)
    mistakes_per_epoch = []
    for _ in range(max_epochs):
        mistakes_per_epoch.append(perceptron_epoch(model, inputs, label_values, lr, generator,
                                                   shuffle))
        if mistakes_per_epoch[-1] == 0:
            break
    return mistakes_per_epoch


def run(run: Run) -> dict:
    data = run.data()
    train_inputs = tn.tensor(data.train.data).float().flatten(1)
    test_inputs = tn.tensor(data.test.data).float().flatten(1)
    train_labels, test_labels = tn.tensor(data.train.targets), tn.tensor(data.test.targets)
    model = run.build(data.sample_shape, data.num_classes)
    label_values, generator = train_labels.tolist(), tn.Generator(run.seed)
    if isinstance(model, Perceptron) and any(value not in (0, 1) for value in label_values):
        raise ValueError("the perceptron rule needs labels 0 and 1")
    run.say(f"perceptron rule on {run.dataset}: {len(train_labels)} train, {len(test_labels)} "
            f"test samples, {data.num_classes} classes")
    history = run.epochs(
        lambda epoch: {"mistakes": perceptron_epoch(model, train_inputs, label_values,
                                                    run.options["lr"], generator)},
        until=lambda logs: logs["mistakes"] == 0)

    def accuracy(inputs, labels):
        return (model(inputs).long() == labels).float().mean().item()

    mistakes = [int(m) for m in history.history.get("mistakes", [])]
    results = {"test_accuracy": accuracy(test_inputs, test_labels),
               "train_accuracy": accuracy(train_inputs, train_labels),
               "separated_training_set": bool(mistakes) and mistakes[-1] == 0,
               "mistakes_per_epoch": mistakes}
    return run.finish(model, history, results,
                      f"test accuracy {results['test_accuracy']:.4f} (train "
                      f"{results['train_accuracy']:.4f}, {mistakes[-1] if mistakes else '-'} "
                      f"mistakes in the last of {len(mistakes)} epochs)")


RECIPE = Recipe("perceptron", run, lambda dataset: {"epochs": 50, "lr": 1.0}, "digits",
                "test_accuracy")
