"""Small convolutional classifiers: ``CNN2d`` for images (C, H, W), ``CNN1d`` for signals (C, L).

Both are three convolutions (each with batch norm and ReLU; two 2x max pools) and a two-layer
classifier head on the flattened features.
"""

from __future__ import annotations

from collections.abc import Sequence

from tinynet import nn


class CNN2d(nn.Sequential):
    """Images (N, C, H, W) -> logits (N, num_classes), for small images (H, W divisible by 4).

    With ``channels`` = (a, b): Conv3x3(C→a) BN ReLU, Conv3x3(a→b) BN ReLU, MaxPool 2,
    Conv3x3(b→b) BN ReLU, MaxPool 2, Flatten (b·H/4·W/4), Dropout, Linear(→128), ReLU,
    Linear(→num_classes). The default (16, 32) reaches 98-99% on the 8x8 digits.
    """

    def __init__(self, in_channels: int, height: int, width: int, num_classes: int,
                 channels: tuple[int, int] = (16, 32), dropout: float = 0.25):
        first, second = channels
        features = second * (height // 4) * (width // 4)
        super().__init__(
            nn.Conv2d(in_channels, first, 3, padding=1), nn.BatchNorm2d(first), nn.ReLU(),
            nn.Conv2d(first, second, 3, padding=1), nn.BatchNorm2d(second), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(second, second, 3, padding=1), nn.BatchNorm2d(second), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(), nn.Dropout(dropout), nn.Linear(features, 128), nn.ReLU(),
            nn.Linear(128, num_classes),
        )


class CNN1d(nn.Sequential):
    """Signals (N, C, L) -> logits (N, num_classes), for L divisible by 4.

    With ``channels`` = (a, b): Conv5(C→a) BN ReLU MaxPool 2, Conv3(a→b) BN ReLU MaxPool 2,
    Conv3(b→b) BN ReLU, Flatten (b·L/4), Dropout, Linear(→128), ReLU, Linear(→num_classes).
    """

    def __init__(self, in_channels: int, length: int, num_classes: int,
                 channels: tuple[int, int] = (32, 64), dropout: float = 0.25):
        first, second = channels
        super().__init__(
            nn.Conv1d(in_channels, first, 5, padding=2), nn.BatchNorm1d(first), nn.ReLU(),
            nn.MaxPool1d(2),
            nn.Conv1d(first, second, 3, padding=1), nn.BatchNorm1d(second), nn.ReLU(),
            nn.MaxPool1d(2),
            nn.Conv1d(second, second, 3, padding=1), nn.BatchNorm1d(second), nn.ReLU(),
            nn.Flatten(), nn.Dropout(dropout), nn.Linear(second * (length // 4), 128), nn.ReLU(),
            nn.Linear(128, num_classes),
        )


def build_cnn(input_shape: Sequence[int], num_classes: int,
              channels: tuple[int, int] | None = None, dropout: float = 0.25) -> nn.Module:
    """The registry's ``cnn``: ``CNN2d`` for (C, H, W) inputs (channels default (16, 32)),
    ``CNN1d`` for (C, L) inputs (channels default (32, 64))."""
    if len(input_shape) == 3:
        return CNN2d(*input_shape, num_classes, tuple(channels or (16, 32)), dropout)
    if len(input_shape) == 2:
        return CNN1d(*input_shape, num_classes, tuple(channels or (32, 64)), dropout)
    raise ValueError(f"cnn needs inputs of shape (C, L) or (C, H, W), but the dataset gives "
                     f"{tuple(input_shape)}")
