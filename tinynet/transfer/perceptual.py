"""A perceptual loss: compare two images by what a pretrained network sees in them.

    L(x̂, x) = mean over the feature map's elements of (φ(x̂) − φ(x))²  [+ pixel_weight · mean (x̂ − x)²]

where φ is a frozen feature extractor (e.g. the convolutional layers of a CNN trained to
classify the same kind of images). Plain pixel MSE rewards a blurry average of the plausible
images; φ responds to strokes and shapes, so the loss asks for the features a classifier
relies on (Johnson et al., 2016, with a VGG network's features).
"""

from __future__ import annotations

from tinynet import nn
from tinynet.nn import functional as F
from tinynet.transfer.tools import freeze


class PerceptualLoss(nn.Module):
    """``PerceptualLoss(features, pixel_weight=0.0)(input, target)``: the mean squared
    difference of ``features(input)`` and ``features(target)``, plus ``pixel_weight`` times the
    pixel MSE. ``features`` is frozen (``requires_grad_(False)``) and always runs in eval mode
    (dropout off, batch norms on their running statistics, which it never changes), even after
    ``train()``: it is a fixed measuring instrument. Gradients flow to ``input`` only; the
    target's features are computed without a graph."""

    def __init__(self, features: nn.Module, pixel_weight: float = 0.0):
        super().__init__()
        if not isinstance(features, nn.Module):
            raise TypeError(f"features must be an nn.Module, but got {type(features).__name__}")
        if isinstance(pixel_weight, bool) or not isinstance(pixel_weight, (int, float)) \
                or not pixel_weight >= 0:
            raise ValueError(f"pixel_weight must be a non-negative number, but got "
                             f"{pixel_weight!r}")
        self.features = freeze(features)
        self.pixel_weight = float(pixel_weight)

    def forward(self, input, target):
        import tinynet as tn

        if tuple(input.shape) != tuple(target.shape):
            raise ValueError(f"PerceptualLoss: input {list(input.shape)} and target "
                             f"{list(target.shape)} must have the same shape")
        self.features.eval()
        with tn.no_grad():
            wanted = self.features(target)
        loss = F.mse_loss(self.features(input), wanted)
        if self.pixel_weight:
            loss = loss + self.pixel_weight * F.mse_loss(input, target)
        return loss

    def extra_repr(self) -> str:
        return f"pixel_weight={self.pixel_weight}"
