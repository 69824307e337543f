"""(Multinomial) logistic regression: one linear layer whose logits go through a softmax.

    p(class k | x) = softmax(W x + b)_k = exp(w_k·x + b_k) / Σ_j exp(w_j·x + b_j)

Trained by minimizing the cross-entropy −log p(y | x), i.e. maximum likelihood; ``forward``
returns the logits W x + b, so train it with ``nn.CrossEntropyLoss`` (which applies the
log-softmax itself, stably). With two classes this is ordinary logistic regression,
p(1 | x) = sigmoid((w_1 − w_0)·x + b_1 − b_0). It can only draw linear boundaries: on MNIST-1D,
whose classes are shifted and sheared templates, it reaches about a third of the test set.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import tinynet as tn
from tinynet import nn


class LogisticRegression(nn.Module):
    """Inputs (N, *S) flattened to (N, in_features = prod(S)) -> logits (N, num_classes).

    ``linear.weight``: (num_classes, in_features), ``linear.bias``: (num_classes,).
    ``predict_proba`` gives the softmax probabilities.
    """

    def __init__(self, in_features: int, num_classes: int):
        super().__init__()
        self.linear = nn.Linear(in_features, num_classes)

    def forward(self, inputs: tn.Tensor) -> tn.Tensor:
        return self.linear(inputs.flatten(1))

    def predict_proba(self, inputs: tn.Tensor) -> tn.Tensor:
        """softmax(W x + b): (N, *S) -> (N, num_classes), each row summing to 1."""
        return self.forward(inputs).softmax(dim=1)


def build_logistic(input_shape: Sequence[int], num_classes: int) -> LogisticRegression:
    """The registry's ``logistic``: one linear layer on the flattened input."""
    return LogisticRegression(math.prod(input_shape), num_classes)
