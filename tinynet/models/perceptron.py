"""Rosenblatt's perceptron (1958): a threshold unit trained by the perceptron rule, not by
gradient descent (its step activation has zero gradient everywhere).

    model = Perceptron(2)
    mistakes = train_perceptron(model, points, labels)    # labels in {0, 1}
    model(points)                                          # (N,) predictions in {0, 1}

The rule, for one sample x with label y in {0, 1} and prediction ŷ = step(w·x + b):

    w ← w + lr · (y − ŷ) · x,    b ← b + lr · (y − ŷ)

so nothing changes when the prediction is right, and a wrong one pulls the hyperplane towards
(or pushes it away from) x. On a linearly separable set it stops making mistakes after a finite
number of updates (Novikoff: at most (R / γ)², R the largest |x|, γ the margin of a separating
hyperplane of unit norm); on a set that is not separable it never settles.

``MulticlassPerceptron`` is the same rule for K classes: predict ŷ = argmax_k (w_k·x + b_k), and
on a mistake add lr·x to the true class's weights and subtract it from the predicted class's.

    tinynet train perceptron --dataset digits      # the recipe: tinynet.recipes.perceptron
"""

from __future__ import annotations

import tinynet as tn
from tinynet import nn


class Perceptron(nn.Module):
    """ŷ = step(w·x + b): inputs (N, in_features) (or (N, *S) with prod(S) = in_features, which
    are flattened) -> predictions (N,) in {0, 1}, float32.

    ``linear`` holds w (1, in_features) and b (1,), both zero at the start (as in the classic
    algorithm: the rule's updates are then sums of samples). ``decision_function`` gives the
    score w·x + b before the threshold.
    """

    def __init__(self, in_features: int):
        super().__init__()
        self.linear = nn.Linear(in_features, 1)
        self.step = nn.Step()
        nn.init.zeros_(self.linear.weight)
        nn.init.zeros_(self.linear.bias)

    def decision_function(self, inputs: tn.Tensor) -> tn.Tensor:
        """w·x + b for each sample: (N, ...) -> (N,)."""
        return self.linear(inputs.flatten(1)).reshape(-1)

    def forward(self, inputs: tn.Tensor) -> tn.Tensor:
        return self.step(self.decision_function(inputs))

    @tn.no_grad()
    def update(self, sample: tn.Tensor, label: float, lr: float = 1.0) -> bool:
        """Apply the perceptron rule for one sample (in_features,) (or any shape that flattens to
        it) with label 0 or 1; return whether the prediction was wrong (and so w, b changed)."""
        features = sample.reshape(1, -1)
        error = float(label) - self.step(self.linear(features)).item()  # y − ŷ in {−1, 0, 1}
        if error != 0:
            self.linear.weight.add_(features, alpha=lr * error)
            self.linear.bias.add_(tn.ones(1), alpha=lr * error)
        return error != 0


class MulticlassPerceptron(nn.Module):
    """ŷ = argmax_k (w_k·x + b_k): inputs (N, in_features) (or (N, *S), flattened) -> predicted
    classes (N,) int64. ``linear`` holds W (num_classes, in_features) and b (num_classes,), zero
    at the start; ``decision_function`` gives the scores (N, num_classes)."""

    def __init__(self, in_features: int, num_classes: int):
        super().__init__()
        self.linear = nn.Linear(in_features, num_classes)
        nn.init.zeros_(self.linear.weight)
        nn.init.zeros_(self.linear.bias)

    def decision_function(self, inputs: tn.Tensor) -> tn.Tensor:
        """W x + b: (N, ...) -> (N, num_classes)."""
        return self.linear(inputs.flatten(1))

    def forward(self, inputs: tn.Tensor) -> tn.Tensor:
        return self.decision_function(inputs).argmax(dim=1)

    @tn.no_grad()
    def update(self, sample: tn.Tensor, label: int, lr: float = 1.0) -> bool:
        """The multi-class rule for one sample: on a mistake (ŷ ≠ y), w_y += lr·x, b_y += lr,
        w_ŷ −= lr·x, b_ŷ −= lr. Returns whether the prediction was wrong."""
        features = sample.reshape(1, -1)
        predicted, label = int(self.linear(features).argmax(dim=1).item()), int(label)
        if predicted == label:
            return False
        self.linear.weight[label] += lr * features[0]
        self.linear.weight[predicted] -= lr * features[0]
        self.linear.bias[label] += lr
        self.linear.bias[predicted] -= lr
        return True


def build_perceptron(input_shape, num_classes: int) -> Perceptron | MulticlassPerceptron:
    """The registry's ``perceptron``: a ``Perceptron`` for two classes, a
    ``MulticlassPerceptron`` otherwise, on the flattened input. Train it with
    ``train_perceptron`` (gradient descent cannot: the step has no useful gradient)."""
    in_features = 1
    for size in input_shape:
        in_features *= size
    return Perceptron(in_features) if num_classes == 2 else MulticlassPerceptron(in_features,
                                                                                 num_classes)


def make_linearly_separable(n_samples: int = 200, in_features: int = 2, margin: float = 0.1,
                            seed: int = 0) -> tuple[tn.Tensor, tn.Tensor]:
    """Points on both sides of a random hyperplane through the origin, none closer than
    ``margin`` to it: inputs float32 (n_samples, in_features) in [−1, 1]^d, labels float32
    (n_samples,) in {0, 1} (1 on the side the hyperplane's normal points to)."""
    generator = tn.Generator(seed)
    normal = tn.randn(in_features, generator=generator)
    normal = normal / (normal * normal).sum().sqrt()
    points = tn.rand(4 * n_samples, in_features, generator=generator) * 2 - 1
    distance = points @ normal
    kept = (distance.abs() >= margin).numpy().nonzero()[0][:n_samples]
    if len(kept) < n_samples:
        raise ValueError(f"margin {margin} leaves too few points; use a smaller one")
    return points[tn.tensor(kept)], (distance[tn.tensor(kept)] > 0).float()


def __getattr__(name: str):
    """``train_perceptron`` (a training program) lives in tinynet.recipes.perceptron;
    it is importable from here too."""
    if name == "train_perceptron":
        import importlib

        return getattr(importlib.import_module("tinynet.recipes.perceptron"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
