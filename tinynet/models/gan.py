"""A generative adversarial network (Goodfellow et al., 2014) for small images.

The generator G maps noise z ~ N(0, I) to an image; the discriminator D is a binary classifier
that outputs the logit of "x is a real image". They train in turns on each batch:

1. discriminator step, G fixed:  L_D = −log D(x) − log(1 − D(G(z)))
   (binary cross-entropy with targets 1 for real and 0 for generated images). The generated
   batch enters as ``fake.detach()``: the graph is cut at G's output, so backward stops there,
   neither computing G's gradients (work for nothing) nor leaving them in G's ``.grad``.
2. generator step, D frozen:  L_G = −log D(G(z))  (the non-saturating loss; the minimax
   log(1 − D(G(z))) has a vanishing gradient exactly when D easily rejects G's samples, early on).
   Here the gradient must flow *through* D into G, so detaching is impossible; instead
   ``discriminator.requires_grad_(False)`` freezes D's parameters for this step: backward still
   passes through D's operations to reach G, but computes no gradients for D's weights, so the
   generator's objective never leaks into D's update. D is unfrozen afterwards.

Mode collapse (G producing only a few kinds of digit) is checked with a digits classifier trained
on real digits: ``label_distribution`` counts the classes it assigns to generated samples.

    gan = GAN((1, 8, 8), noise_size=16)
    history = train_gan(gan, DataLoader(TensorDataset(images), 64, shuffle=True), epochs=300)
    print(label_distribution(classifier, gan.sample(1000)))
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

import tinynet as tn
from tinynet import nn
from tinynet.nn import functional as F


class Generator(nn.Sequential):
    """Noise (N, noise_size) -> images (N, *image_shape) in (0, 1):
    Linear(noise→h) BN ReLU, Linear(h→2h) BN ReLU, Linear(2h→∏ image_shape) Sigmoid, Unflatten."""

    def __init__(self, noise_size: int = 16, image_shape: Sequence[int] = (1, 8, 8),
                 hidden_size: int = 128):
        super().__init__(
            nn.Linear(noise_size, hidden_size), nn.BatchNorm1d(hidden_size), nn.ReLU(),
            nn.Linear(hidden_size, 2 * hidden_size), nn.BatchNorm1d(2 * hidden_size), nn.ReLU(),
            nn.Linear(2 * hidden_size, math.prod(image_shape)), nn.Sigmoid(),
            nn.Unflatten(1, tuple(image_shape)))


class Discriminator(nn.Sequential):
    """Images (N, *image_shape) -> logits (N, 1) of "real":
    Flatten, Linear(D→2h) LeakyReLU(0.2), Linear(2h→h) LeakyReLU(0.2), Linear(h→1)."""

    def __init__(self, image_shape: Sequence[int] = (1, 8, 8), hidden_size: int = 128):
        super().__init__(
            nn.Flatten(), nn.Linear(math.prod(image_shape), 2 * hidden_size), nn.LeakyReLU(0.2),
            nn.Linear(2 * hidden_size, hidden_size), nn.LeakyReLU(0.2),
            nn.Linear(hidden_size, 1))


class GAN(nn.Module):
    """A generator and its discriminator, kept together (one ``state_dict``, one checkpoint).

    ``gan(noise)`` = ``gan.generator(noise)``: noise (N, noise_size) -> images (N, *image_shape).
    """

    def __init__(self, image_shape: Sequence[int] = (1, 8, 8), noise_size: int = 16,
                 hidden_size: int = 128):
        super().__init__()
        self.noise_size = noise_size
        self.generator = Generator(noise_size, image_shape, hidden_size)
        self.discriminator = Discriminator(image_shape, hidden_size)

    def forward(self, noise: tn.Tensor) -> tn.Tensor:
        return self.generator(noise)

    def sample(self, count: int, rng: tn.Generator | None = None,
               noise: tn.Tensor | None = None) -> tn.Tensor:
        """``count`` generated images (count, *image_shape) from noise z ~ N(0, I) drawn from the
        random-number generator ``rng`` (or the given ``noise`` (count, noise_size)), with the
        generator network in eval mode, without gradients."""
        if noise is None:
            noise = tn.randn(count, self.noise_size, generator=rng)
        was_training = self.generator.training
        self.generator.eval()
        with tn.no_grad():
            images = self.generator(noise)
        self.generator.train(was_training)
        return images


def discriminator_loss(real_logits: tn.Tensor, fake_logits: tn.Tensor) -> tn.Tensor:
    """L_D = mean(−log D(x)) + mean(−log(1 − D(G(z)))): BCE with targets 1 (real) and 0 (fake);
    logits (N, 1)."""
    return (F.binary_cross_entropy_with_logits(real_logits, tn.ones_like(real_logits))
            + F.binary_cross_entropy_with_logits(fake_logits, tn.zeros_like(fake_logits)))


def generator_loss(fake_logits: tn.Tensor) -> tn.Tensor:
    """The non-saturating generator loss L_G = mean(−log D(G(z))): BCE with target 1 on the
    discriminator's logits (N, 1) for generated images."""
    return F.binary_cross_entropy_with_logits(fake_logits, tn.ones_like(fake_logits))


def label_distribution(classifier: nn.Module, images: tn.Tensor, num_classes: int = 10,
                       min_share: float = 0.02) -> dict:
    """How ``classifier`` labels ``images`` (N, C, H, W): a mode-collapse detector.

    Returns {"counts": per class, "shares": counts / N, "covers_all_classes": every share ≥
    ``min_share``, "normalized_entropy": H(shares) / log(num_classes) (1 for uniform labels, 0
    when all samples get one label), "mean_confidence": mean of the top softmax probability}.
    """
    was_training = classifier.training
    classifier.eval()
    with tn.no_grad():
        probabilities = classifier(images).softmax(dim=1).numpy()
    classifier.train(was_training)
    counts = np.bincount(probabilities.argmax(axis=1), minlength=num_classes)
    shares = counts / counts.sum()
    nonzero = shares[shares > 0]
    entropy = float(-(nonzero * np.log(nonzero)).sum() / math.log(num_classes))
    return {"counts": counts.tolist(), "shares": [round(float(s), 4) for s in shares],
            "covers_all_classes": bool((shares >= min_share).all()),
            "normalized_entropy": round(entropy, 4),
            "mean_confidence": round(float(probabilities.max(axis=1).mean()), 4)}


def build_gan(input_shape: Sequence[int], num_classes: int = 0, noise_size: int = 16,
              hidden_size: int = 128) -> GAN:
    """The registry's ``gan``: ``GAN(input_shape, noise_size, hidden_size)`` (labels unused)."""
    return GAN(input_shape, noise_size, hidden_size)


def __getattr__(name: str):
    """``train_gan`` and ``train_digits_classifier`` (training programs) live in
    tinynet.recipes.gan; they are importable from here too."""
    if name in ("train_gan", "train_digits_classifier"):
        import importlib

        return getattr(importlib.import_module("tinynet.recipes.gan"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
