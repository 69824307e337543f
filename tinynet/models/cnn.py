"""Small convolutional classifiers: ``CNN2d`` for images (C, H, W), ``CNN1d`` for signals (C, L).

Both are two convolution blocks (conv, batch norm, ReLU, then a 2x max pool) and a two-layer
classifier head on the flattened features.
"""

from __future__ import annotations

from collections.abc import Sequence

from tinynet import nn


class CNN2d(nn.Sequential):
    """Images (N, C, H, W) -> logits (N, num_classes), for small images (H, W divisible by 4).

    Conv3x3(C→32) BN ReLU, Conv3x3(32→64) BN ReLU, MaxPool 2, Conv3x3(64→64) BN ReLU, MaxPool 2,
    Flatten (64·H/4·W/4), Dropout, Linear(→128), ReLU, Linear(→num_classes).
    """

    def __init__(self, in_channels: int, height: int, width: int, num_classes: int,
                 dropout: float = 0.25):
        features = 64 * (height // 4) * (width // 4)
        super().__init__(
            nn.Conv2d(in_channels, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Dropout(dropout), nn.Linear(features, 128), nn.ReLU(),
            nn.Linear(128, num_classes),
        )


class CNN1d(nn.Sequential):
    """Signals (N, C, L) -> logits (N, num_classes), for L divisible by 4.

    Conv5(C→32) BN ReLU MaxPool 2, Conv3(32→64) BN ReLU MaxPool 2, Conv3(64→64) BN ReLU,
    Flatten (64·L/4), Dropout, Linear(→128), ReLU, Linear(→num_classes).
    """

    def __init__(self, in_channels: int, length: int, num_classes: int, dropout: float = 0.25):
        super().__init__(
            nn.Conv1d(in_channels, 32, 5, padding=2), nn.BatchNorm1d(32), nn.ReLU(),
            nn.MaxPool1d(2),
            nn.Conv1d(32, 64, 3, padding=1), nn.BatchNorm1d(64), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(64, 64, 3, padding=1), nn.BatchNorm1d(64), nn.ReLU(),
            nn.Flatten(), nn.Dropout(dropout), nn.Linear(64 * (length // 4), 128), nn.ReLU(),
            nn.Linear(128, num_classes),
        )


def build_cnn(input_shape: Sequence[int], num_classes: int) -> nn.Module:
    """The registry's ``cnn``: ``CNN2d`` for (C, H, W) inputs, ``CNN1d`` for (C, L) inputs."""
    if len(input_shape) == 3:
        return CNN2d(*input_shape, num_classes)
    if len(input_shape) == 2:
        return CNN1d(*input_shape, num_classes)
    raise ValueError(f"cnn needs inputs of shape (C, L) or (C, H, W), but the dataset gives "
                     f"{tuple(input_shape)}")
