"""LeNet-5 (LeCun, Bottou, Bengio and Haffner, 1998) for 28x28 grey images such as MNIST.

    C1: conv 5x5, 1 -> 6 channels, padding 2   (N, 1, 28, 28) -> (N, 6, 28, 28)
    S2: 2x2 average pool                        -> (N, 6, 14, 14)
    C3: conv 5x5, 6 -> 16 channels              -> (N, 16, 10, 10)
    S4: 2x2 average pool                        -> (N, 16, 5, 5)
    C5: fully connected 400 -> 120, F6: 120 -> 84, output 84 -> num_classes

The original network took 32x32 images; padding C1 by 2 gives the same sizes from 28x28. Its
squashing function was a scaled tanh and its subsampling layers had a trainable coefficient and
bias; here they are tanh and plain average pooling (``activation="relu"`` and
``pooling="max"`` give the common modern variant). Its Gaussian-connection output layer is a
Linear layer trained with cross-entropy.

    train = MNIST("~/data/mnist", train=True)          # IDX files from a folder you provide
    model = LeNet5()
"""

from __future__ import annotations

from collections.abc import Sequence

import tinynet as tn
from tinynet import nn
from tinynet.models.mlp import make_activation


class LeNet5(nn.Module):
    """Images (N, in_channels, 28, 28) -> logits (N, num_classes). ``features`` holds C1-S4,
    ``classifier`` C5, F6 and the output layer."""

    def __init__(self, in_channels: int = 1, num_classes: int = 10, activation: str = "tanh",
                 pooling: str = "avg"):
        super().__init__()
        if pooling not in ("avg", "max"):
            raise ValueError(f"pooling must be 'avg' or 'max', but got {pooling!r}")
        Pool = nn.AvgPool2d if pooling == "avg" else nn.MaxPool2d
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, 5, padding=2), make_activation(activation), Pool(2),
            nn.Conv2d(6, 16, 5), make_activation(activation), Pool(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120), make_activation(activation),
            nn.Linear(120, 84), make_activation(activation),
            nn.Linear(84, num_classes),
        )

    def forward(self, images: tn.Tensor) -> tn.Tensor:
        if tuple(images.shape[-2:]) != (28, 28):
            raise ValueError(f"LeNet5 expects 28x28 images, but got {tuple(images.shape[-2:])}")
        return self.classifier(self.features(images))


def build_lenet(input_shape: Sequence[int], num_classes: int, activation: str = "tanh",
                pooling: str = "avg") -> LeNet5:
    """The registry's ``lenet``: LeNet-5 (default tanh, average pooling) for (C, 28, 28) inputs."""
    if len(input_shape) != 3 or tuple(input_shape[1:]) != (28, 28):
        raise ValueError(f"lenet needs images of shape (C, 28, 28), but the dataset gives "
                         f"{tuple(input_shape)}")
    return LeNet5(input_shape[0], num_classes, activation, pooling)
