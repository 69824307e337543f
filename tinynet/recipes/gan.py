"""The GAN's recipe: train a ``GAN`` on the training images (defaults 300 epochs, batch 64, Adam
lr 2e-4, betas (0.5, 0.999)), then check it for mode collapse with a classifier of real digits.

Every tenth of the run the generator draws 100 images from one fixed noise
(samples_epoch_NNN.png; their first rows in samples_progress.png). metrics.json holds the class
distribution of 1000 samples (``label_distribution``), the same for the real test images as a
reference, and the judging classifier's test accuracy.

    tinynet train gan --dataset digits
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import tinynet as tn
from tinynet import nn, optim
from tinynet.models.gan import GAN, discriminator_loss, generator_loss, label_distribution
from tinynet.recipes.common import Recipe, Run, epoch_line
from tinynet.train import History, fit


def gan_epoch(gan: GAN, loader, generator_optimizer, discriminator_optimizer) -> dict:
    """One pass over ``loader`` (batches of images, or (images, labels) whose labels are
    ignored): per batch, a discriminator step on real and detached generated images, then a
    generator step through the frozen discriminator. Returns the means of
    ``discriminator_loss``, ``generator_loss``, ``real_score`` = mean D(x) and ``fake_score`` =
    mean D(G(z)) (probabilities, before the step)."""
    generator, discriminator = gan.generator, gan.discriminator
    generator.train()
    discriminator.train()
    sums, seen = {}, 0
    for batch in loader:
        real = batch[0] if isinstance(batch, (tuple, list)) else batch
        fake = generator(tn.randn(real.shape[0], gan.noise_size, dtype=real.dtype))

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
    return {name: total / seen for name, total in sums.items()}


def adam_pair(gan: GAN, lr: float = 2e-4) -> tuple:
    """(generator optimizer, discriminator optimizer): Adam(lr, betas=(0.5, 0.999)), DCGAN's."""
    return (optim.Adam(gan.generator.parameters(), lr=lr, betas=(0.5, 0.999)),
            optim.Adam(gan.discriminator.parameters(), lr=lr, betas=(0.5, 0.999)))


def train_gan(gan: GAN, loader, epochs: int, generator_optimizer=None,
              discriminator_optimizer=None, on_epoch_end: Callable[[int, GAN], None] | None = None,
              verbose: bool = False) -> History:
    """``gan_epoch`` ``epochs`` times; optimizers default to ``adam_pair(gan)``. Returns a
    ``History`` of the per-epoch logs. ``on_epoch_end(epoch, gan)`` runs after each epoch."""
    default_generator, default_discriminator = adam_pair(gan)
    history = History()
    for epoch in range(epochs):
        start = time.perf_counter()
        logs = gan_epoch(gan, loader, generator_optimizer or default_generator,
                         discriminator_optimizer or default_discriminator)
        history.record(logs)
        if verbose:
            print(epoch_line(epoch, epochs, logs, time.perf_counter() - start, ".3f"), flush=True)
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


def run(run: Run, check_samples: int = 1000) -> dict:
    from tinynet.data import DataLoader, TensorDataset
    from tinynet.recipes.images import load_image_split, save_image_grid
    from tinynet.train import evaluate

    epochs, folder = run.options["epochs"], run.folder
    sample_every = max(1, epochs // 10)
    data = load_image_split(run.dataset, run.data_dir, run.download)
    train_images, test_images = data["train_images"], data["test_images"]
    gan = run.build(train_images.shape[1:], data["num_classes"])
    fixed_noise = tn.randn(100, gan.noise_size, generator=tn.Generator(run.seed))
    rows, row_labels = [], []

    def one_epoch(epoch: int) -> dict:
        logs = gan_epoch(gan, loader, *optimizers)
        if (epoch + 1) % sample_every == 0 or epoch + 1 == epochs:
            samples = gan.sample(100, noise=fixed_noise)
            save_image_grid(samples, folder / f"samples_epoch_{epoch + 1:03d}.png",
                            title=f"GAN samples after epoch {epoch + 1}")
            rows.append(samples[:10])
            row_labels.append(f"epoch {epoch + 1}")
        return logs

    loader = run.loader(TensorDataset(train_images))
    optimizers = adam_pair(gan, run.options["lr"])
    run.say(f"training gan on {run.dataset}: {len(train_images)} images; "
            f"{sum(p.numel() for p in gan.parameters()):,} parameters")
    history = run.epochs(one_epoch)

    labelled = TensorDataset(train_images, data["train_labels"])
    classifier, judge_history = train_digits_classifier(
        DataLoader(labelled, 64, shuffle=True, generator=tn.Generator(run.seed)),
        image_shape=train_images.shape[1:], num_classes=data["num_classes"])
    if judge_history.stop_cause == "interrupted" and history.stop_cause is None:
        history.stop("interrupted", "interrupted (Ctrl-C) while training the judging classifier")
    test_set = TensorDataset(test_images, data["test_labels"])
    classes = data["num_classes"]
    results = {
        "sample_class_distribution": label_distribution(
            classifier, gan.sample(check_samples, rng=tn.Generator(run.seed + 1)), classes),
        "test_image_class_distribution": label_distribution(classifier, test_images, classes),
        "classifier_test_accuracy": evaluate(classifier, DataLoader(test_set, 512))["accuracy"],
        "checked_samples": check_samples,
    }
    if rows:
        save_image_grid(tn.cat(rows), folder / "samples_progress.png", columns=10,
                        row_labels=row_labels, title="GAN samples of fixed noise during training")
    shares = results["sample_class_distribution"]
    return run.finish(gan, history, results,
                      f"class shares of {check_samples} samples (classifier test accuracy "
                      f"{results['classifier_test_accuracy']:.3f}): {shares['shares']}; all "
                      f"classes covered: {shares['covers_all_classes']}")


RECIPE = Recipe("gan", run, lambda dataset: {"epochs": 300, "batch_size": 64, "lr": 2e-4},
                "digits", "sample_class_distribution.normalized_entropy")
