"""A multi-layer perceptron: flatten, then Linear + ReLU (+ Dropout) layers, then a Linear head."""

from __future__ import annotations

import math
from collections.abc import Sequence

from tinynet import nn


class MLP(nn.Sequential):
    """Flatten(input) -> [Linear -> ReLU -> Dropout] per hidden size -> Linear(num_classes).

    Input (N, *input_shape) of any shape, flattened to (N, prod(input_shape)); output (N,
    num_classes) logits. Dropout layers are left out when ``dropout`` is 0.
    """

    def __init__(self, in_features: int, num_classes: int, hidden_sizes: Sequence[int] = (256, 128),
                 dropout: float = 0.0):
        layers: list[nn.Module] = [nn.Flatten()]
        width = in_features
        for hidden in hidden_sizes:
            layers += [nn.Linear(width, hidden), nn.ReLU()]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = hidden
        layers.append(nn.Linear(width, num_classes))
        super().__init__(*layers)


def build_mlp(input_shape: Sequence[int], num_classes: int) -> MLP:
    """The registry's ``mlp``: two hidden layers (256, 128) for inputs of shape ``input_shape``."""
    return MLP(math.prod(input_shape), num_classes)
