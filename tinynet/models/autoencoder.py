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
import time
from collections.abc import Sequence
from pathlib import Path

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


VARIANTS = ("autoencoder", "conv-autoencoder", "denoising-autoencoder", "sparse-autoencoder")


def build_variant(variant: str, input_shape: Sequence[int]) -> tuple[Autoencoder, float, float]:
    """(model, input noise std, code L1 strength) of a registry variant: ``autoencoder`` (dense,
    code 16), ``conv-autoencoder`` (code 16), ``denoising-autoencoder`` (dense, code 16, inputs
    with Gaussian noise of std 0.3), ``sparse-autoencoder`` (dense, ReLU code of 64, L1 1e-3)."""
    if variant == "autoencoder":
        return DenseAutoencoder(input_shape, code_size=16), 0.0, 0.0
    if variant == "conv-autoencoder":
        return ConvAutoencoder(input_shape, code_size=16), 0.0, 0.0
    if variant == "denoising-autoencoder":
        return DenseAutoencoder(input_shape, code_size=16), 0.3, 0.0
    if variant == "sparse-autoencoder":
        return DenseAutoencoder(input_shape, code_size=64, code_activation=nn.ReLU()), 0.0, 1e-3
    raise ValueError(f"unknown autoencoder variant {variant!r}; choose from {', '.join(VARIANTS)}")


def build_autoencoder(variant: str, input_shape: Sequence[int], num_classes: int = 0):
    """The registry's builder: ``build_variant(variant, input_shape)``'s model (labels unused)."""
    return build_variant(variant, input_shape)[0]


def train_command(variant: str = "autoencoder", dataset: str = "digits", epochs: int | None = None,
                  batch_size: int | None = None, lr: float | None = None, seed: int = 0,
                  out: str | Path | None = None, data_dir: str | None = None,
                  download: bool = False, verbose: bool = True) -> dict:
    """``tinynet train VARIANT --dataset NAME``: train the variant with ``fit`` (Adam, defaults
    100 epochs, batch 64, lr 3e-3) on the training images, then measure on the test images.

    Writes to ``out`` (default runs/VARIANT-DATASET): metrics.json (test_reconstruction_mse:
    per-pixel MSE of the reconstructions of the test images (of their noisy copies for the
    denoising variant); references: mean_image_mse (predict the mean training image),
    pca_mse (PCA with the same code size, when smaller than the image), noisy_input_mse (the
    noise alone) and clean_input_mse (denoising only); active_code_fraction and
    active_units_per_image; seconds; settings; history), reconstructions.png (one test digit per
    class: input, [noisy input,] reconstruction), model.npz and history.png. Returns the metrics.
    """
    from tinynet import optim
    from tinynet.data import DataLoader, TensorDataset
    from tinynet.models.images import load_image_split, one_per_class, save_image_grid, write_json
    from tinynet.train import fit

    epochs, batch_size, lr = epochs or 100, batch_size or 64, lr or 3e-3
    out = Path(out) if out is not None else Path("runs") / f"{variant}-{dataset}"
    tn.manual_seed(seed)
    data = load_image_split(dataset, data_dir, download)
    train_images, test_images = data["train_images"], data["test_images"]
    model, noise_std, code_l1 = build_variant(variant, tuple(train_images.shape[1:]))
    pairs = ImagePairs(TensorDataset(train_images), noise_std, generator=tn.Generator(seed))
    loader = DataLoader(pairs, batch_size, shuffle=True, generator=tn.Generator(seed))
    if verbose:
        print(f"training {variant} on {dataset}: {len(train_images)} train, {len(test_images)} "
              f"test images; {sum(p.numel() for p in model.parameters()):,} parameters")
    start = time.perf_counter()
    history = fit(model, ReconstructionLoss(model, code_l1),
                  optim.Adam(model.parameters(), lr=lr), loader, epochs=epochs, metrics=("mse",),
                  verbose=verbose)
    seconds = time.perf_counter() - start

    code_size = model.encode(test_images[:1]).shape[1]
    mean_image = train_images.mean(dim=0, keepdim=True)
    metrics = {
        "model": variant, "dataset": dataset,
        "test_reconstruction_mse": reconstruction_mse(model, test_images, noise_std,
                                                      tn.Generator(seed + 1)),
        "mean_image_mse": nn.functional.mse_loss(mean_image.expand_as(test_images),
                                                 test_images).item(),
        "pca_mse": (pca_reconstruction_mse(train_images, test_images, code_size)
                    if code_size < math.prod(train_images.shape[1:]) else None),
        "code_size": code_size, "active_code_fraction": active_code_fraction(model, test_images),
        "train_seconds": round(seconds, 2), "epochs_run": len(history),
        "stop_cause": history.stop_cause, "stop_reason": history.stop_reason,
        "settings": {"epochs": epochs, "batch_size": batch_size, "optimizer": "adam", "lr": lr,
                     "seed": seed, "noise_std": noise_std, "code_l1": code_l1},
        "history": history.history,
    }
    metrics["active_units_per_image"] = round(metrics["active_code_fraction"] * code_size, 2)
    shown = test_images[one_per_class(data["test_labels"])]
    rows, labels = [shown], ["input"]
    if noise_std > 0:
        noise = tn.randn(*shown.shape, generator=tn.Generator(seed + 2))
        rows, labels = [shown, (shown + noise_std * noise).clamp(0.0, 1.0)], ["clean", "noisy"]
        metrics["noisy_input_mse"] = nn.functional.mse_loss(rows[1], shown).item()
        metrics["clean_input_mse"] = reconstruction_mse(model, test_images)
    with tn.no_grad():
        model.eval()
        rows.append(model(rows[-1]))
    save_image_grid(tn.cat(rows), out / "reconstructions.png", columns=len(shown),
                    row_labels=[*labels, "output"],
                    title=f"{variant}: test MSE {metrics['test_reconstruction_mse']:.4f}")
    tn.save(model.state_dict(), out / "model.npz")
    history.plot(out / "history.png")
    write_json(out / "metrics.json", metrics)
    if verbose:
        pca = "" if metrics["pca_mse"] is None else f", PCA-{code_size} {metrics['pca_mse']:.5f}"
        print(f"test reconstruction MSE {metrics['test_reconstruction_mse']:.5f} (mean image "
              f"{metrics['mean_image_mse']:.5f}{pca}); trained in {seconds:.1f} s; wrote "
              f"{out}/metrics.json, reconstructions.png, model.npz, history.png")
    return metrics
