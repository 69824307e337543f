"""U-Net (Ronneberger, Fischer and Brox, 2015) for semantic segmentation: a class score for
every pixel.

The encoder halves the resolution and doubles the channels at each level (two 3x3 convolutions,
then a 2x2 max pool); the bottleneck works at the coarsest level; the decoder undoes each halving
with a 2x2 transposed convolution of stride 2, concatenates the encoder's features of the same
resolution (the skip connection, which brings back the fine detail that pooling threw away) and
mixes them with two 3x3 convolutions. A 1x1 convolution gives the class scores.

    model = UNet(in_channels=1, num_classes=4, base_channels=16, depth=2)
    logits = model(images)                  # (N, 1, H, W) -> (N, 4, H, W); H, W divisible by 4
    loss = F.cross_entropy(logits, masks)   # masks (N, H, W) int64
    scores = segmentation_scores(model, test_loader, num_classes=4)

Pixel accuracy = correct pixels / all pixels. Intersection over union of class c:
IoU_c = |P_c ∩ T_c| / |P_c ∪ T_c| = TP_c / (TP_c + FP_c + FN_c), P_c the pixels predicted c,
T_c the pixels labelled c; the mean IoU averages it over the classes present in P or T.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

import tinynet as tn
from tinynet import nn


class DoubleConv(nn.Sequential):
    """(N, in_channels, H, W) -> (N, out_channels, H, W): [Conv3x3 (padding 1) -> BatchNorm ->
    ReLU] twice. The convolutions have no bias (the BatchNorm's shift replaces it)."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__(
            nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels), nn.ReLU(),
            nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels), nn.ReLU(),
        )


class UNet(nn.Module):
    """Images (N, in_channels, H, W) -> per-pixel logits (N, num_classes, H, W).

    ``depth`` encoder levels with base_channels·2^i channels (i = 0..depth−1), each followed by
    a 2x2 max pool, a bottleneck with base_channels·2^depth channels, then ``depth`` decoder
    levels (transposed conv 2x2 stride 2 halving the channels, concatenation with the encoder
    level of the same size, DoubleConv). H and W must be divisible by 2^depth.
    """

    def __init__(self, in_channels: int = 1, num_classes: int = 2, base_channels: int = 16,
                 depth: int = 2):
        super().__init__()
        if depth < 1:
            raise ValueError(f"the depth must be at least 1, but got {depth}")
        self.depth = depth
        widths = [base_channels * 2 ** level for level in range(depth + 1)]
        self.encoders = nn.ModuleList(
            [DoubleConv(in_channels if level == 0 else widths[level - 1], widths[level])
             for level in range(depth)])
        self.pool = nn.MaxPool2d(2)
        self.bottleneck = DoubleConv(widths[depth - 1], widths[depth])
        self.upsamplers = nn.ModuleList(
            [nn.ConvTranspose2d(widths[level + 1], widths[level], 2, stride=2)
             for level in reversed(range(depth))])
        self.decoders = nn.ModuleList(  # input: upsampled (widths[level]) + skip (widths[level])
            [DoubleConv(2 * widths[level], widths[level]) for level in reversed(range(depth))])
        self.head = nn.Conv2d(widths[0], num_classes, 1)

    def forward(self, images: tn.Tensor) -> tn.Tensor:
        height, width = images.shape[-2:]
        if height % 2 ** self.depth or width % 2 ** self.depth:
            raise ValueError(f"UNet of depth {self.depth} needs H and W divisible by "
                             f"{2 ** self.depth}, but got {height}x{width}")
        skips = []
        features = images
        for encoder in self.encoders:
            features = encoder(features)
            skips.append(features)
            features = self.pool(features)
        features = self.bottleneck(features)
        for upsample, decoder, skip in zip(self.upsamplers, self.decoders, reversed(skips)):
            features = decoder(tn.cat([skip, upsample(features)], dim=1))
        return self.head(features)


def confusion_matrix(predictions: np.ndarray, targets: np.ndarray, num_classes: int) -> np.ndarray:
    """Counts (num_classes, num_classes): entry [t, p] is the number of pixels labelled t and
    predicted p. ``predictions`` and ``targets``: integer arrays of the same shape."""
    pairs = targets.astype(np.int64).ravel() * num_classes + predictions.astype(np.int64).ravel()
    return np.bincount(pairs, minlength=num_classes ** 2).reshape(num_classes, num_classes)


def scores_from_confusion(confusion: np.ndarray) -> dict:
    """Pixel accuracy, per-class IoU = TP / (TP + FP + FN) (None for a class absent from both
    predictions and targets) and their mean (over the classes that are not None), and the mean
    IoU over the foreground classes (1..C−1; class 0 is the background)."""
    true_positive = np.diag(confusion).astype(np.float64)
    union = confusion.sum(axis=0) + confusion.sum(axis=1) - true_positive
    iou = [float(tp / u) if u > 0 else None for tp, u in zip(true_positive, union)]
    present = [value for value in iou if value is not None]
    foreground = [value for value in iou[1:] if value is not None]
    return {
        "pixel_accuracy": float(true_positive.sum() / max(confusion.sum(), 1)),
        "iou": iou,
        "mean_iou": float(np.mean(present)) if present else float("nan"),
        "foreground_mean_iou": float(np.mean(foreground)) if foreground else float("nan"),
    }


def segmentation_scores(model: nn.Module, loader, num_classes: int) -> dict:
    """Pixel accuracy and IoU (see ``scores_from_confusion``) of ``model`` over every pixel of
    ``loader``'s batches (images (N, C, H, W), masks (N, H, W)), counted in one confusion matrix
    (so the IoU is the dataset's, not a mean of per-batch values). Eval mode, no gradients; the
    model's mode is restored."""
    was_training = model.training
    model.eval()
    confusion = np.zeros((num_classes, num_classes), dtype=np.int64)
    try:
        with tn.no_grad():
            for images, masks in loader:
                predictions = model(images).argmax(dim=1).numpy()
                confusion += confusion_matrix(predictions, masks.numpy(), num_classes)
    finally:
        model.train(was_training)
    return scores_from_confusion(confusion)


def build_unet(input_shape: Sequence[int], num_classes: int, base_channels: int = 16,
               depth: int = 2) -> UNet:
    """The registry's ``unet``: by default depth 2 and 16 base channels, for images (C, H, W) with
    H and W divisible by 2^depth."""
    if len(input_shape) != 3:
        raise ValueError(f"unet needs images of shape (C, H, W), but the dataset gives "
                         f"{tuple(input_shape)}")
    return UNet(input_shape[0], num_classes, base_channels=base_channels, depth=depth)
