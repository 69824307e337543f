"""A variational autoencoder (Kingma & Welling, 2014) with a convolutional encoder.

The encoder maps an image x to the mean μ and log-variance log σ² of a Gaussian q(z|x) over a
latent code z; a code is drawn by the reparameterization z = μ + σ·ε with ε ~ N(0, I), so that
the draw is differentiable in μ and σ; the decoder maps z to the logits of p(x|z), one Bernoulli
per pixel. Training maximizes the evidence lower bound (ELBO) of each image,

    log p(x) ≥ ELBO(x) = E_q[log p(x|z)] − KL(q(z|x) ‖ N(0, I)),

by minimizing  loss = reconstruction + β·KL,  with reconstruction = −log p(x|z) for one z (the
binary cross-entropy Σ_pixels BCE(logits, x), used on grey levels in [0, 1] as is usual) and the
KL in closed form for diagonal Gaussians:

    KL = −½ Σ_k (1 + log σ_k² − μ_k² − σ_k²).

β = 1 is the plain VAE (β > 1: the β-VAE, smoother and more disentangled codes, blurrier images).

    model = VAE((1, 8, 8), latent_size=8)
    loader = DataLoader(TensorDataset(train_images), 64, shuffle=True)
    history = train_vae(model, loader, optim.Adam(model.parameters(), 1e-3), epochs=100)
    print(evaluate_elbo(model, test_images))      # {"elbo": ...} in nats per image, higher is better
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import tinynet as tn
from tinynet import nn
from tinynet.nn import functional as F


class VAE(nn.Module):
    """Images (N, C, H, W) with H, W even; c = ``channels``, h = ``hidden_size``, k = latent size.

    encoder: Conv3x3(C→c) ReLU, Conv3x3 stride 2 (c→2c) ReLU [H/2], Flatten,
             Linear(2c·H/2·W/2 → h) ReLU, Linear(h → 2k) = (μ, log σ²);
    decoder: Linear(k → h) ReLU, Linear(h → 2c·H/2·W/2) ReLU, Unflatten,
             ConvTranspose4x4 stride 2 (2c→c) ReLU [H], Conv3x3(c→C) = logits of p(x|z).

    ``forward(x)`` returns (logits (N, C, H, W), μ (N, k), log σ² (N, k)).
    """

    def __init__(self, input_shape: Sequence[int] = (1, 8, 8), latent_size: int = 8,
                 channels: int = 16, hidden_size: int = 128):
        super().__init__()
        in_channels, height, width = input_shape
        if height % 2 or width % 2:
            raise ValueError(f"VAE needs even H and W, but got {height}x{width}")
        self.latent_size = latent_size
        inner_shape = (2 * channels, height // 2, width // 2)
        inner_size = math.prod(inner_shape)
        self.encoder = nn.Sequential(
            nn.Conv2d(in_channels, channels, 3, padding=1), nn.ReLU(),
            nn.Conv2d(channels, 2 * channels, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(inner_size, hidden_size), nn.ReLU(),
            nn.Linear(hidden_size, 2 * latent_size))
        self.decoder = nn.Sequential(
            nn.Linear(latent_size, hidden_size), nn.ReLU(),
            nn.Linear(hidden_size, inner_size), nn.ReLU(), nn.Unflatten(1, inner_shape),
            nn.ConvTranspose2d(2 * channels, channels, 4, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(channels, in_channels, 3, padding=1))

    def encode(self, images: tn.Tensor) -> tuple[tn.Tensor, tn.Tensor]:
        """(μ, log σ²) of q(z|x), each (N, k)."""
        mean, log_variance = self.encoder(images).chunk(2, dim=1)
        return mean, log_variance

    def reparameterize(self, mean: tn.Tensor, log_variance: tn.Tensor,
                       generator: tn.Generator | None = None) -> tn.Tensor:
        """z = μ + σ·ε with σ = exp(½ log σ²) and ε ~ N(0, I): a sample of q(z|x) through
        which gradients reach μ and log σ². (``decode(μ)`` gives a deterministic reconstruction.)"""
        noise = tn.randn(*mean.shape, generator=generator, dtype=mean.dtype)
        return mean + (0.5 * log_variance).exp() * noise

    def decode(self, codes: tn.Tensor) -> tn.Tensor:
        """The logits of p(x|z) (N, C, H, W); ``decode(z).sigmoid()`` is the mean image."""
        return self.decoder(codes)

    def forward(self, images: tn.Tensor) -> tuple[tn.Tensor, tn.Tensor, tn.Tensor]:
        mean, log_variance = self.encode(images)
        return self.decode(self.reparameterize(mean, log_variance)), mean, log_variance

    def sample(self, count: int, generator: tn.Generator | None = None) -> tn.Tensor:
        """``count`` images from the prior: z ~ N(0, I), x = sigmoid(decode(z)) (the mean of
        p(x|z)), (count, C, H, W), without gradients."""
        with tn.no_grad():
            codes = tn.randn(count, self.latent_size, generator=generator)
            return self.decode(codes).sigmoid()


def kl_to_standard_normal(mean: tn.Tensor, log_variance: tn.Tensor) -> tn.Tensor:
    """KL(N(μ, diag σ²) ‖ N(0, I)) per latent dimension: −½ (1 + log σ² − μ² − σ²), (N, k)."""
    return -0.5 * (1.0 + log_variance - mean * mean - log_variance.exp())


def vae_loss(logits: tn.Tensor, images: tn.Tensor, mean: tn.Tensor, log_variance: tn.Tensor,
             beta: float = 1.0) -> tuple[tn.Tensor, tn.Tensor, tn.Tensor]:
    """(loss, reconstruction, kl), each averaged over the batch (nats per image):
    reconstruction = Σ_pixels BCE(logits, x) = −log p(x|z), kl = Σ_k KL_k (closed form),
    loss = reconstruction + β·kl (= −ELBO for β = 1)."""
    count = images.shape[0]
    reconstruction = F.binary_cross_entropy_with_logits(logits, images, reduction="sum") / count
    kl = kl_to_standard_normal(mean, log_variance).sum() / count
    return reconstruction + beta * kl, reconstruction, kl


def evaluate_elbo(model: VAE, images: tn.Tensor, samples: int = 1,
                  generator: tn.Generator | None = None, batch_size: int = 512) -> dict[str, float]:
    """The ELBO of ``images`` (N, C, H, W), in nats per image (higher is better), estimated with
    ``samples`` draws z = μ + σ·ε per image: {"elbo", "reconstruction", "kl"} with
    elbo = −reconstruction − kl, reconstruction = E_q[−log p(x|z)], kl in closed form."""
    was_training = model.training
    model.eval()
    reconstruction_total, kl_total = 0.0, 0.0
    with tn.no_grad():
        for start in range(0, images.shape[0], batch_size):
            batch = images[start:start + batch_size]
            mean, log_variance = model.encode(batch)
            kl_total += kl_to_standard_normal(mean, log_variance).sum().item()
            for _ in range(samples):
                logits = model.decode(model.reparameterize(mean, log_variance, generator))
                reconstruction_total += F.binary_cross_entropy_with_logits(
                    logits, batch, reduction="sum").item() / samples
    model.train(was_training)
    count = images.shape[0]
    reconstruction, kl = reconstruction_total / count, kl_total / count
    return {"elbo": -reconstruction - kl, "reconstruction": reconstruction, "kl": kl}


def bernoulli_entropy(images: tn.Tensor) -> float:
    """Σ_pixels H(x) = −Σ [x log x + (1 − x) log(1 − x)], averaged over ``images`` (N, C, H, W),
    in nats: the least reconstruction term any decoder can reach on grey levels (the binary
    cross-entropy is at least the entropy), so −bernoulli_entropy(x) bounds the ELBO above."""
    pixels = images.clamp(1e-7, 1 - 1e-7)
    entropy = -(images * pixels.log() + (1 - images) * (1 - pixels).log())
    return entropy.sum().item() / images.shape[0]


def kl_per_dimension(model: VAE, images: tn.Tensor) -> list[float]:
    """The mean KL of each latent dimension over ``images``: dimensions near 0 are unused
    (q(z_k|x) equals the prior for every x), the rest carry information about x."""
    with tn.no_grad():
        mean, log_variance = model.encode(images)
    return kl_to_standard_normal(mean, log_variance).mean(dim=0).tolist()


def latent_traversal(model: VAE, image: tn.Tensor, dimensions: Sequence[int],
                     values: Sequence[float] = (-3, -2, -1, 0, 1, 2, 3)) -> tn.Tensor:
    """Decoded images of the code μ(x) of ``image`` (C, H, W) with one dimension at a time set to
    each of ``values``: (len(dimensions)·len(values), C, H, W), one row per dimension."""
    with tn.no_grad():
        mean, _ = model.encode(image.unsqueeze(0))
        base = mean.numpy()[0]
        codes = []
        for dimension in dimensions:
            for value in values:
                code = base.copy()
                code[dimension] = value
                codes.append(code)
        return model.decode(tn.tensor(codes, dtype=mean.dtype)).sigmoid()


def build_vae(input_shape: Sequence[int], num_classes: int = 0, latent_size: int = 8,
              channels: int = 16, hidden_size: int = 128) -> VAE:
    """The registry's ``vae``: ``VAE(input_shape, latent_size, channels, hidden_size)`` (labels
    unused)."""
    return VAE(input_shape, latent_size, channels, hidden_size)


def __getattr__(name: str):
    """``train_vae`` (a training program) lives in tinynet.recipes.vae; it is importable from
    here too."""
    if name == "train_vae":
        import importlib

        return getattr(importlib.import_module("tinynet.recipes.vae"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
