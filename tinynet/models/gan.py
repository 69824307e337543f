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
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

import tinynet as tn
from tinynet import nn, optim
from tinynet.nn import functional as F
from tinynet.train import History, fit


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


def train_gan(gan: GAN, loader, epochs: int, generator_optimizer=None,
              discriminator_optimizer=None, on_epoch_end: Callable[[int, GAN], None] | None = None,
              verbose: bool = False) -> History:
    """Alternate one discriminator step and one generator step per batch of real images (batches
    of images, or (images, labels) whose labels are ignored), for ``epochs`` passes over
    ``loader``. Optimizers default to Adam(lr=2e-4, betas=(0.5, 0.999)) (DCGAN's settings).

    Returns a ``History`` with per-epoch means of ``discriminator_loss``, ``generator_loss``,
    ``real_score`` = mean D(x) and ``fake_score`` = mean D(G(z)) (probabilities, before the
    step). ``on_epoch_end(epoch, gan)`` runs after each epoch (e.g. to save samples).
    """
    generator, discriminator = gan.generator, gan.discriminator
    generator_optimizer = generator_optimizer or optim.Adam(
        generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    discriminator_optimizer = discriminator_optimizer or optim.Adam(
        discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    history = History()
    for epoch in range(epochs):
        generator.train()
        discriminator.train()
        start, sums, seen = time.perf_counter(), {}, 0
        for batch in loader:
            real = batch[0] if isinstance(batch, (tuple, list)) else batch
            noise = tn.randn(real.shape[0], gan.noise_size, dtype=real.dtype)
            fake = generator(noise)

            # 1. Discriminator step on real and (detached) generated images.
            real_logits, fake_logits = discriminator(real), discriminator(fake.detach())
            d_loss = discriminator_loss(real_logits, fake_logits)
            discriminator_optimizer.zero_grad()
            d_loss.backward()
            discriminator_optimizer.step()

            # 2. Generator step through the frozen (just updated) discriminator.
            discriminator.requires_grad_(False)
            try:
                g_loss = generator_loss(discriminator(fake))
                generator_optimizer.zero_grad()
                g_loss.backward()
                generator_optimizer.step()
            finally:  # unfrozen even if the step raises (or Ctrl-C lands here)
                discriminator.requires_grad_(True)

            count = real.shape[0]
            values = {"discriminator_loss": d_loss.item(), "generator_loss": g_loss.item(),
                      "real_score": real_logits.sigmoid().mean().item(),
                      "fake_score": fake_logits.sigmoid().mean().item()}
            for name, value in values.items():
                sums[name] = sums.get(name, 0.0) + value * count
            seen += count
        logs = {name: total / seen for name, total in sums.items()}
        history.record(logs)
        if verbose:
            values = "  ".join(f"{name} {value:.3f}" for name, value in logs.items())
            print(f"epoch {epoch + 1}/{epochs}  {values}  ({time.perf_counter() - start:.2f} s)",
                  flush=True)
        if on_epoch_end is not None:
            on_epoch_end(epoch, gan)
    return history


def train_digits_classifier(train_loader, val_loader=None, image_shape: Sequence[int] = (1, 8, 8),
                            num_classes: int = 10, epochs: int = 30,
                            verbose: bool = False) -> tuple[nn.Module, History]:
    """A small MLP classifier (Flatten, Linear(→128) ReLU, Linear(→num_classes)) trained with
    ``fit`` and Adam(3e-3) on (image, label) batches: the judge of the mode-collapse check."""
    classifier = nn.Sequential(nn.Flatten(), nn.Linear(math.prod(image_shape), 128), nn.ReLU(),
                               nn.Linear(128, num_classes))
    history = fit(classifier, nn.CrossEntropyLoss(), optim.Adam(classifier.parameters(), 3e-3),
                  train_loader, val_loader, epochs=epochs, verbose=verbose)
    return classifier, history


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


def build_gan(input_shape: Sequence[int], num_classes: int = 0) -> GAN:
    """The registry's ``gan``: ``GAN(input_shape)`` (noise 16, hidden 128; labels unused)."""
    return GAN(input_shape)


def train_command(dataset: str = "digits", epochs: int | None = None,
                  batch_size: int | None = None, lr: float | None = None, seed: int = 0,
                  out: str | Path | None = None, data_dir: str | None = None,
                  download: bool = False, verbose: bool = True,
                  sample_every: int | None = None, check_samples: int = 1000) -> dict:
    """``tinynet train gan --dataset NAME``: train a GAN on the training images (defaults 300
    epochs, batch 64, Adam lr 2e-4, betas (0.5, 0.999)), then check it for mode collapse.

    Every ``sample_every`` epochs (default epochs/10) the generator draws 100 images from the same
    fixed noise: OUT/samples_epoch_NNN.png, and their first row goes into
    OUT/samples_progress.png. Then an MLP classifier trained on the labelled training images
    labels ``check_samples`` fresh samples. metrics.json holds the samples' class distribution
    (``label_distribution``: counts, shares, covers_all_classes, normalized_entropy,
    mean_confidence), the same for the real test images as a reference, the classifier's test
    accuracy, seconds, settings and history. Also writes model.npz and history.png.
    """
    from tinynet.data import DataLoader, TensorDataset
    from tinynet.models.images import load_image_split, save_image_grid, write_json
    from tinynet.train import evaluate

    epochs, batch_size, lr = epochs or 300, batch_size or 64, lr or 2e-4
    sample_every = sample_every or max(1, epochs // 10)
    out = Path(out) if out is not None else Path("runs") / f"gan-{dataset}"
    tn.manual_seed(seed)
    data = load_image_split(dataset, data_dir, download)
    train_images, test_images = data["train_images"], data["test_images"]
    gan = GAN(tuple(train_images.shape[1:]))
    fixed_noise = tn.randn(100, gan.noise_size, generator=tn.Generator(seed))
    progress_rows, progress_labels = [], []

    def save_samples(epoch: int, gan: GAN) -> None:
        if (epoch + 1) % sample_every and epoch + 1 != epochs:
            return
        samples = gan.sample(100, noise=fixed_noise)
        save_image_grid(samples, out / f"samples_epoch_{epoch + 1:03d}.png",
                        title=f"GAN samples after epoch {epoch + 1}")
        progress_rows.append(samples[:10])
        progress_labels.append(f"epoch {epoch + 1}")

    loader = DataLoader(TensorDataset(train_images), batch_size, shuffle=True,
                        generator=tn.Generator(seed))
    if verbose:
        print(f"training gan on {dataset}: {len(train_images)} images; "
              f"{sum(p.numel() for p in gan.parameters()):,} parameters")
    start = time.perf_counter()
    history = train_gan(gan, loader, epochs,
                        optim.Adam(gan.generator.parameters(), lr=lr, betas=(0.5, 0.999)),
                        optim.Adam(gan.discriminator.parameters(), lr=lr, betas=(0.5, 0.999)),
                        on_epoch_end=save_samples, verbose=verbose)
    seconds = time.perf_counter() - start

    labelled = TensorDataset(train_images, data["train_labels"])
    classifier, _ = train_digits_classifier(
        DataLoader(labelled, 64, shuffle=True, generator=tn.Generator(seed)),
        image_shape=train_images.shape[1:], num_classes=data["num_classes"])
    test_set = TensorDataset(test_images, data["test_labels"])
    classifier_accuracy = evaluate(classifier, DataLoader(test_set, 512))["accuracy"]
    samples = gan.sample(check_samples, rng=tn.Generator(seed + 1))
    classes = data["num_classes"]
    metrics = {
        "model": "gan", "dataset": dataset,
        "sample_class_distribution": label_distribution(classifier, samples, classes),
        "test_image_class_distribution": label_distribution(classifier, test_images, classes),
        "classifier_test_accuracy": classifier_accuracy, "checked_samples": check_samples,
        "train_seconds": round(seconds, 2), "epochs_run": len(history), "stop_cause": None,
        "settings": {"epochs": epochs, "batch_size": batch_size, "optimizer": "adam", "lr": lr,
                     "betas": [0.5, 0.999], "seed": seed, "noise_size": gan.noise_size},
        "history": history.history,
    }
    save_image_grid(tn.cat(progress_rows), out / "samples_progress.png", columns=10,
                    row_labels=progress_labels, title="GAN samples of fixed noise during training")
    tn.save(gan.state_dict(), out / "model.npz")
    history.plot(out / "history.png")
    write_json(out / "metrics.json", metrics)
    if verbose:
        labels = metrics["sample_class_distribution"]
        print(f"class shares of {check_samples} samples (classifier test accuracy "
              f"{classifier_accuracy:.3f}): {labels['shares']}; all classes covered: "
              f"{labels['covers_all_classes']}; trained in {seconds:.1f} s; wrote {out}/")
    return metrics
