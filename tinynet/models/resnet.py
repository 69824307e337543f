"""Residual networks (He, Zhang, Ren and Sun, 2015) with basic blocks, for signals (1-D) and
images (2-D).

A residual block learns a correction F(x) to its input instead of a whole new mapping:

    H(x) = ReLU(F(x) + shortcut(x)),   F(x) = BN(conv3(ReLU(BN(conv3(x)))))

where shortcut(x) = x when F keeps the shape (the identity: the gradient reaches earlier layers
unchanged through the sum, which is what lets deep stacks train), and a projection
BN(conv1x1 with the block's stride)(x) when F changes the number of channels or the resolution.

    model = ResNet(in_channels=1, num_classes=10, dims=1)   # MNIST-1D: (N, 1, 40) -> (N, 10)
    model = ResNet(in_channels=1, num_classes=10, dims=2)   # digits:   (N, 1, 8, 8) -> (N, 10)
"""

from __future__ import annotations

from collections.abc import Sequence

import tinynet as tn
from tinynet import nn

LAYERS = {  # per number of spatial dimensions: (convolution, batch norm)
    1: (nn.Conv1d, nn.BatchNorm1d),
    2: (nn.Conv2d, nn.BatchNorm2d),
}


class BasicBlock(nn.Module):
    """H(x) = ReLU(F(x) + shortcut(x)) on (N, in_channels, *spatial) -> (N, out_channels,
    *spatial / stride).

    F: conv (kernel_size, stride) -> BN -> ReLU -> conv (kernel_size) -> BN, "same" padding.
    shortcut: the identity when in_channels == out_channels and stride == 1, else the projection
    conv 1x1 (stride) -> BN. ``dims``: 1 for (N, C, L), 2 for (N, C, H, W).
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1, dims: int = 2,
                 kernel_size: int = 3):
        super().__init__()
        Conv, BatchNorm = LAYERS[dims]
        padding = kernel_size // 2
        self.conv1 = Conv(in_channels, out_channels, kernel_size, stride=stride, padding=padding,
                          bias=False)
        self.bn1 = BatchNorm(out_channels)
        self.conv2 = Conv(out_channels, out_channels, kernel_size, padding=padding, bias=False)
        self.bn2 = BatchNorm(out_channels)
        self.relu = nn.ReLU()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                Conv(in_channels, out_channels, 1, stride=stride, bias=False),
                BatchNorm(out_channels))
        else:
            self.shortcut = nn.Identity()

    def residual(self, inputs: tn.Tensor) -> tn.Tensor:
        """F(x): the part of the block that the network learns."""
        return self.bn2(self.conv2(self.relu(self.bn1(self.conv1(inputs)))))

    def forward(self, inputs: tn.Tensor) -> tn.Tensor:
        return self.relu(self.residual(inputs) + self.shortcut(inputs))


class ResNet(nn.Module):
    """(N, in_channels, *spatial) -> logits (N, num_classes), spatial = (L,) or (H, W).

    stem: conv (stem_kernel, "same" padding) -> BN -> ReLU to widths[0] channels; then one stage
    per width, of ``blocks_per_stage`` BasicBlocks, the first block of every stage after the
    first halving the resolution (stride 2, projection shortcut); then the global average over
    the spatial positions, dropout and a Linear head.
    """

    def __init__(self, in_channels: int, num_classes: int, dims: int = 2,
                 widths: Sequence[int] = (16, 32, 64), blocks_per_stage: int = 2,
                 kernel_size: int = 3, stem_kernel: int = 3, dropout: float = 0.0):
        super().__init__()
        if dims not in LAYERS:
            raise ValueError(f"dims must be 1 or 2, but got {dims}")
        Conv, BatchNorm = LAYERS[dims]
        self.stem = nn.Sequential(
            Conv(in_channels, widths[0], stem_kernel, padding=stem_kernel // 2, bias=False),
            BatchNorm(widths[0]), nn.ReLU())
        blocks = []
        channels = widths[0]
        for stage, width in enumerate(widths):
            for index in range(blocks_per_stage):
                stride = 2 if stage > 0 and index == 0 else 1
                blocks.append(BasicBlock(channels, width, stride, dims, kernel_size))
                channels = width
        self.blocks = nn.Sequential(*blocks)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(channels, num_classes)

    def forward(self, inputs: tn.Tensor) -> tn.Tensor:
        features = self.blocks(self.stem(inputs))            # (N, C, *spatial')
        pooled = features.flatten(2).mean(dim=2)             # global average: (N, C)
        return self.fc(self.dropout(pooled))


def build_resnet(input_shape: Sequence[int], num_classes: int,
                 widths: Sequence[int] = (16, 32, 64), blocks_per_stage: int = 2,
                 dropout: float = 0.0) -> ResNet:
    """The registry's ``resnet``: 1-D for (C, L) inputs (kernel 5, stem kernel 7), 2-D for
    (C, H, W) inputs (kernel 3); by default three stages of widths (16, 32, 64), two blocks each
    (about 99,000 parameters in 1-D, 175,000 in 2-D)."""
    widths = tuple(widths)
    if len(input_shape) == 2:
        return ResNet(input_shape[0], num_classes, dims=1, widths=widths,
                      blocks_per_stage=blocks_per_stage, kernel_size=5, stem_kernel=7,
                      dropout=dropout)
    if len(input_shape) == 3:
        return ResNet(input_shape[0], num_classes, dims=2, widths=widths,
                      blocks_per_stage=blocks_per_stage, dropout=dropout)
    raise ValueError(f"resnet needs inputs of shape (C, L) or (C, H, W), but the dataset gives "
                     f"{tuple(input_shape)}")
