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
import time
from collections.abc import Sequence
from pathlib import Path

import tinynet as tn
from tinynet import nn
from tinynet.nn import functional as F
from tinynet.train import History


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


def train_vae(model: VAE, loader, optimizer, epochs: int, beta: float = 1.0,
              test_images: tn.Tensor | None = None, on_epoch_end=None,
              verbose: bool = False) -> History:
    """Minimize ``vae_loss`` over ``loader`` (batches of images, or (images, labels) whose
    labels are ignored) for ``epochs`` passes. Returns a ``History`` with per-epoch means of
    ``loss``, ``reconstruction``, ``kl`` and ``elbo`` (= −reconstruction − kl), plus ``val_elbo``
    on ``test_images`` (N, C, H, W) when given. ``on_epoch_end(epoch, model)`` runs after each
    epoch (e.g. to save sample grids)."""
    history = History()
    for epoch in range(epochs):
        model.train()
        start, sums, seen = time.perf_counter(), {"loss": 0.0, "reconstruction": 0.0, "kl": 0.0}, 0
        for batch in loader:
            images = batch[0] if isinstance(batch, (tuple, list)) else batch
            logits, mean, log_variance = model(images)
            loss, reconstruction, kl = vae_loss(logits, images, mean, log_variance, beta)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            count = images.shape[0]
            for name, value in [("loss", loss), ("reconstruction", reconstruction), ("kl", kl)]:
                sums[name] += value.item() * count
            seen += count
        logs = {name: total / seen for name, total in sums.items()}
        logs["elbo"] = -logs["reconstruction"] - logs["kl"]
        if test_images is not None:
            logs["val_elbo"] = evaluate_elbo(model, test_images)["elbo"]
        history.record(logs)
        if verbose:
            values = "  ".join(f"{name} {value:.2f}" for name, value in logs.items())
            print(f"epoch {epoch + 1}/{epochs}  {values}  ({time.perf_counter() - start:.2f} s)",
                  flush=True)
        if on_epoch_end is not None:
            on_epoch_end(epoch, model)
    return history


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


def build_vae(input_shape: Sequence[int], num_classes: int = 0) -> VAE:
    """The registry's ``vae``: ``VAE(input_shape, latent_size=8)`` (labels unused)."""
    return VAE(input_shape, latent_size=8)


def train_command(dataset: str = "digits", epochs: int | None = None,
                  batch_size: int | None = None, lr: float | None = None, seed: int = 0,
                  out: str | Path | None = None, data_dir: str | None = None,
                  download: bool = False, verbose: bool = True, beta: float = 1.0,
                  elbo_samples: int = 10) -> dict:
    """``tinynet train vae --dataset NAME``: train ``build_vae`` with ``train_vae`` (Adam,
    defaults 100 epochs, batch 64, lr 1e-3, β = 1) on the training images.

    Writes to ``out`` (default runs/vae-DATASET): metrics.json (test_elbo, test_reconstruction,
    test_kl in nats per image, estimated with ``elbo_samples`` draws of z per test image;
    elbo_upper_bound = −bernoulli_entropy(test images); kl_per_dimension; seconds; settings; history), reconstructions.png (one test digit per class
    and its reconstruction sigmoid(decode(μ))), samples.png (100 samples from the prior),
    traversal.png (rows: the 4 latent dimensions with the most KL, set to −3 ... 3 around the
    code of one test digit), model.npz and history.png. Returns the metrics.
    """
    from tinynet import optim
    from tinynet.data import DataLoader, TensorDataset
    from tinynet.models.images import load_image_split, one_per_class, save_image_grid, write_json

    epochs, batch_size, lr = epochs or 100, batch_size or 64, lr or 1e-3
    out = Path(out) if out is not None else Path("runs") / f"vae-{dataset}"
    tn.manual_seed(seed)
    data = load_image_split(dataset, data_dir, download)
    train_images, test_images = data["train_images"], data["test_images"]
    model = build_vae(tuple(train_images.shape[1:]))
    loader = DataLoader(TensorDataset(train_images), batch_size, shuffle=True,
                        generator=tn.Generator(seed))
    if verbose:
        print(f"training vae on {dataset}: {len(train_images)} train, {len(test_images)} test "
              f"images; {sum(p.numel() for p in model.parameters()):,} parameters")
    start = time.perf_counter()
    history = train_vae(model, loader, optim.Adam(model.parameters(), lr=lr), epochs, beta,
                        test_images=test_images, verbose=verbose)
    seconds = time.perf_counter() - start

    test = evaluate_elbo(model, test_images, elbo_samples, tn.Generator(seed + 1))
    kl_per_dim = kl_per_dimension(model, test_images)
    metrics = {
        "model": "vae", "dataset": dataset, "test_elbo": test["elbo"],
        "test_reconstruction": test["reconstruction"], "test_kl": test["kl"],
        "elbo_upper_bound": -bernoulli_entropy(test_images), "elbo_samples": elbo_samples,
        "kl_per_dimension": [round(k, 4) for k in kl_per_dim],
        "train_seconds": round(seconds, 2), "epochs_run": len(history), "stop_cause": None,
        "settings": {"epochs": epochs, "batch_size": batch_size, "optimizer": "adam", "lr": lr,
                     "beta": beta, "seed": seed, "latent_size": model.latent_size},
        "history": history.history,
    }
    model.eval()
    shown = test_images[one_per_class(data["test_labels"])]
    with tn.no_grad():
        reconstructions = model.decode(model.encode(shown)[0]).sigmoid()
    save_image_grid(tn.cat([shown, reconstructions]), out / "reconstructions.png",
                    columns=len(shown), row_labels=["input", "output"],
                    title=f"VAE reconstructions; test ELBO {test['elbo']:.1f} nats")
    save_image_grid(model.sample(100, tn.Generator(seed + 2)), out / "samples.png",
                    title="VAE samples from the prior z ~ N(0, I)")
    values = [-3, -2, -1, 0, 1, 2, 3]
    busiest = sorted(range(len(kl_per_dim)), key=lambda k: -kl_per_dim[k])[:4]
    save_image_grid(latent_traversal(model, shown[0], busiest, values), out / "traversal.png",
                    columns=len(values), row_labels=[f"z{k}" for k in busiest],
                    column_labels=[str(v) for v in values],
                    title="latent traversal (4 busiest dims)")
    tn.save(model.state_dict(), out / "model.npz")
    history.plot(out / "history.png")
    write_json(out / "metrics.json", metrics)
    if verbose:
        print(f"test ELBO {test['elbo']:.2f} nats per image (reconstruction "
              f"{test['reconstruction']:.2f}, KL {test['kl']:.2f}); trained in {seconds:.1f} s; "
              f"wrote {out}/")
    return metrics
