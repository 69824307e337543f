"""Autoencoders: an encoder squeezes an image x into a short code z, a decoder rebuilds x̂ from z,
and training minimizes the reconstruction error ‖x̂ − x‖².

Four variants, all trained with ``tinynet.train.fit`` on (input, target) image pairs:
* ``DenseAutoencoder``: Linear layers on the flattened image;
* ``ConvAutoencoder``: strided convolutions down, transposed convolutions up;
* denoising: the input is a noisy copy, the target the clean image (``ImagePairs(noise_std=...)``),
  so the code must capture the digit rather than the pixels;
* sparse: an L1 penalty on the code (``ReconstructionLoss(model, code_l1=...)``) with a ReLU code
  layer, so that few code units are active for any one image.

    model = DenseAutoencoder((1, 8, 8), code_size=16)
    pairs = ImagePairs(Digits(train=True), noise_std=0.3)        # (noisy, clean) pairs
    fit(model, ReconstructionLoss(model), optim.Adam(model.parameters(), 3e-3),
        DataLoader(pairs, 64, shuffle=True), epochs=30, metrics=("mse",))
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

import tinynet as tn
from tinynet import nn
from tinynet.data import Dataset


class Autoencoder(nn.Module):
    """x -> encoder -> code z -> decoder -> x̂.   ``forward(x) = decoder(encoder(x))``.

    Shapes: x (N, *input_shape), z (N, code_size), x̂ like x with values in (0, 1) (the decoders
    end in a sigmoid, as the images are in [0, 1]).
    """

    def __init__(self, encoder: nn.Module, decoder: nn.Module):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    def encode(self, images: tn.Tensor) -> tn.Tensor:
        return self.encoder(images)

    def decode(self, codes: tn.Tensor) -> tn.Tensor:
        return self.decoder(codes)

    def forward(self, images: tn.Tensor) -> tn.Tensor:
        return self.decode(self.encode(images))


class DenseAutoencoder(Autoencoder):
    """Flatten -> Linear(D→hidden) ReLU -> Linear(hidden→code) [code_activation]
    -> Linear(code→hidden) ReLU -> Linear(hidden→D) Sigmoid -> Unflatten, with D = ∏ input_shape.

    ``code_activation`` (e.g. ``nn.ReLU()``, for the sparse variant) is applied to the code.
    """

    def __init__(self, input_shape: Sequence[int] = (1, 8, 8), code_size: int = 16,
                 hidden_size: int = 128, code_activation: nn.Module | None = None):
        pixels = math.prod(input_shape)
        encoder = nn.Sequential(nn.Flatten(), nn.Linear(pixels, hidden_size), nn.ReLU(),
                                nn.Linear(hidden_size, code_size),
                                code_activation if code_activation is not None else nn.Identity())
        decoder = nn.Sequential(nn.Linear(code_size, hidden_size), nn.ReLU(),
                                nn.Linear(hidden_size, pixels), nn.Sigmoid(),
                                nn.Unflatten(1, tuple(input_shape)))
        super().__init__(encoder, decoder)


class ConvAutoencoder(Autoencoder):
    """Images (N, C, H, W), H and W divisible by 4, c = ``channels``:

    encoder: Conv3x3(C→c) ReLU, Conv3x3 stride 2 (c→2c) ReLU [H/2], Conv3x3 stride 2 (2c→2c) ReLU
    [H/4], Flatten, Linear(2c·H/4·W/4 → code);
    decoder: Linear(code → 2c·H/4·W/4) ReLU, Unflatten, ConvTranspose4x4 stride 2 (2c→2c) ReLU
    [H/2], ConvTranspose4x4 stride 2 (2c→c) ReLU [H], Conv3x3(c→C), Sigmoid.
    """

    def __init__(self, input_shape: Sequence[int] = (1, 8, 8), code_size: int = 16,
                 channels: int = 16):
        in_channels, height, width = input_shape
        if height % 4 or width % 4:
            raise ValueError(f"ConvAutoencoder needs H and W divisible by 4, but got {height}x"
                             f"{width}")
        inner_shape = (2 * channels, height // 4, width // 4)
        inner_size = math.prod(inner_shape)
        encoder = nn.Sequential(
            nn.Conv2d(in_channels, channels, 3, padding=1), nn.ReLU(),
            nn.Conv2d(channels, 2 * channels, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(2 * channels, 2 * channels, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(inner_size, code_size))
        decoder = nn.Sequential(
            nn.Linear(code_size, inner_size), nn.ReLU(), nn.Unflatten(1, inner_shape),
            nn.ConvTranspose2d(2 * channels, 2 * channels, 4, stride=2, padding=1), nn.ReLU(),
            nn.ConvTranspose2d(2 * channels, channels, 4, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(channels, in_channels, 3, padding=1), nn.Sigmoid())
        super().__init__(encoder, decoder)


class ImagePairs(Dataset):
    """The images of a labelled dataset as (input, target) pairs for reconstruction:
    ``pairs[i] == (x̃, x)`` where x is ``dataset[i][0]`` and x̃ = clip(x + noise_std·ε, 0, 1) with
    ε ~ N(0, I) drawn afresh at every access (x̃ = x when ``noise_std`` is 0)."""

    def __init__(self, dataset: Dataset, noise_std: float = 0.0,
                 generator: tn.Generator | None = None):
        if noise_std < 0:
            raise ValueError(f"noise_std must be non-negative, but got {noise_std}")
        self.dataset, self.noise_std, self.generator = dataset, noise_std, generator

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index):
        clean = self.dataset[index][0]
        if self.noise_std == 0:
            return clean, clean
        noise = tn.randn(*clean.shape, generator=self.generator, dtype=clean.dtype)
        return (clean + self.noise_std * noise).clamp(0.0, 1.0), clean


class ReconstructionLoss:
    """L = mean over pixels of (x̂ − x)²  +  code_l1 · mean over the batch of Σ_k |z_k|.

    The second term is the sparse autoencoder's L1 penalty on the code z (for ``code_l1`` > 0):
    a forward hook on ``model.encoder`` keeps the code of the current forward pass, so the loss
    fits ``fit``'s ``loss_fn(outputs, targets)`` signature. ``last_code`` is that code (N, k);
    ``hook.remove()`` detaches the loss from the model.
    """

    def __init__(self, model: Autoencoder, code_l1: float = 0.0):
        if code_l1 < 0:
            raise ValueError(f"code_l1 must be non-negative, but got {code_l1}")
        self.code_l1 = code_l1
        self.last_code: tn.Tensor | None = None
        self.hook = model.encoder.register_forward_hook(self._keep_code) if code_l1 > 0 else None

    def _keep_code(self, module, inputs, code) -> None:
        self.last_code = code

    def __call__(self, reconstructions: tn.Tensor, targets: tn.Tensor) -> tn.Tensor:
        loss = nn.functional.mse_loss(reconstructions, targets)
        if self.code_l1 > 0:
            loss = loss + self.code_l1 * self.last_code.abs().sum() / self.last_code.shape[0]
        return loss


def reconstruction_mse(model: Autoencoder, images: tn.Tensor, noise_std: float = 0.0,
                       generator: tn.Generator | None = None, batch_size: int = 512) -> float:
    """Mean over images and pixels of (x̂ − x)², in eval mode without gradients, where x̂ is the
    reconstruction of x (of a noisy copy clip(x + noise_std·ε, 0, 1) for the denoising task).
    ``images``: (N, C, H, W)."""
    was_training = model.training
    model.eval()
    total = 0.0
    with tn.no_grad():
        for start in range(0, images.shape[0], batch_size):
            clean = images[start:start + batch_size]
            inputs = clean
            if noise_std > 0:
                noise = tn.randn(*clean.shape, generator=generator, dtype=clean.dtype)
                inputs = (clean + noise_std * noise).clamp(0.0, 1.0)
            total += nn.functional.mse_loss(model(inputs), clean, reduction="sum").item()
    model.train(was_training)
    return total / images.numel()


def active_code_fraction(model: Autoencoder, images: tn.Tensor, threshold: float = 1e-3) -> float:
    """The share of code entries |z_k| > ``threshold`` over ``images`` (N, C, H, W): 1.0 for a
    dense code, small for a sparse one."""
    was_training = model.training
    model.eval()
    with tn.no_grad():
        codes = model.encode(images)
    model.train(was_training)
    return float((codes.abs() > threshold).float().mean().item())


def pca_reconstruction_mse(train_images: tn.Tensor, test_images: tn.Tensor,
                           components: int) -> float:
    """The test MSE per pixel of principal component analysis with ``components`` components fit
    on ``train_images``: the best any *linear* autoencoder with that code size can do, and the
    reference a nonlinear one should beat. Images (N, C, H, W)."""
    train = train_images.numpy().reshape(train_images.shape[0], -1).astype(np.float64)
    test = test_images.numpy().reshape(test_images.shape[0], -1).astype(np.float64)
    mean = train.mean(axis=0)
    _, _, directions = np.linalg.svd(train - mean, full_matrices=False)
    basis = directions[:components]  # (components, pixels), orthonormal rows
    reconstructions = (test - mean) @ basis.T @ basis + mean
    return float(np.mean((reconstructions - test) ** 2))


def build_autoencoder(input_shape: Sequence[int], num_classes: int = 0, code_size: int = 16,
                      hidden_size: int = 128) -> DenseAutoencoder:
    """The registry's ``autoencoder`` (and ``denoising-autoencoder``, whose recipe adds the input
    noise): ``DenseAutoencoder(input_shape, code_size, hidden_size)`` (labels unused)."""
    return DenseAutoencoder(input_shape, code_size, hidden_size)


def build_conv_autoencoder(input_shape: Sequence[int], num_classes: int = 0, code_size: int = 16,
                           channels: int = 16) -> ConvAutoencoder:
    """The registry's ``conv-autoencoder``: ``ConvAutoencoder(input_shape, code_size,
    channels)``."""
    return ConvAutoencoder(input_shape, code_size, channels)


def build_sparse_autoencoder(input_shape: Sequence[int], num_classes: int = 0, code_size: int = 64,
                             hidden_size: int = 128) -> DenseAutoencoder:
    """The registry's ``sparse-autoencoder``: a ``DenseAutoencoder`` with a ReLU code (its recipe
    adds the L1 penalty on the code)."""
    return DenseAutoencoder(input_shape, code_size, hidden_size, code_activation=nn.ReLU())
