"""The VAE's recipe: minimize ``vae_loss`` with Adam (defaults 100 epochs, batch 64, lr 1e-3,
β = 1) on the training images, then the test ELBO (10 draws of z per image) and figures:
reconstructions.png (one test digit per class and sigmoid(decode(μ))), samples.png (100 draws
from the prior) and traversal.png (the 4 latent dimensions with the most KL, set to −3 ... 3).

    tinynet train vae --dataset digits
"""

from __future__ import annotations

import time

import tinynet as tn
from tinynet.models.vae import (
    VAE,
    bernoulli_entropy,
    evaluate_elbo,
    kl_per_dimension,
    latent_traversal,
    vae_loss,
)
from tinynet.recipes.common import Recipe, Run, epoch_line
from tinynet.train import History


def vae_epoch(model: VAE, loader, optimizer, beta: float = 1.0,
              test_images: tn.Tensor | None = None) -> dict:
    """One pass of ``vae_loss`` minimization over ``loader`` (batches of images, or (images,
    labels) whose labels are ignored). Returns the means of ``loss``, ``reconstruction``, ``kl``
    and ``elbo`` (= −reconstruction − kl), plus ``val_elbo`` on ``test_images`` when given."""
    model.train()
    sums, seen = {"loss": 0.0, "reconstruction": 0.0, "kl": 0.0}, 0
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
    return logs


def train_vae(model: VAE, loader, optimizer, epochs: int, beta: float = 1.0,
              test_images: tn.Tensor | None = None, on_epoch_end=None,
              verbose: bool = False) -> History:
    """``vae_epoch`` ``epochs`` times; returns a ``History`` of the per-epoch logs.
    ``on_epoch_end(epoch, model)`` runs after each epoch (e.g. to save sample grids)."""
    history = History()
    for epoch in range(epochs):
        start = time.perf_counter()
        logs = vae_epoch(model, loader, optimizer, beta, test_images)
        history.record(logs)
        if verbose:
            print(epoch_line(epoch, epochs, logs, time.perf_counter() - start, ".2f"), flush=True)
        if on_epoch_end is not None:
            on_epoch_end(epoch, model)
    return history


def run(run: Run, beta: float = 1.0, elbo_samples: int = 10) -> dict:
    from tinynet import optim
    from tinynet.data import TensorDataset
    from tinynet.recipes.images import load_image_split, one_per_class, save_image_grid

    data = load_image_split(run.dataset, run.data_dir, run.download)
    train_images, test_images = data["train_images"], data["test_images"]
    model = run.build(train_images.shape[1:], data["num_classes"])
    loader = run.loader(TensorDataset(train_images))
    optimizer = optim.Adam(model.parameters(), lr=run.options["lr"])
    run.say(f"training vae on {run.dataset}: {len(train_images)} train, {len(test_images)} test "
            f"images; {sum(p.numel() for p in model.parameters()):,} parameters")
    history = run.epochs(lambda epoch: vae_epoch(model, loader, optimizer, beta, test_images))

    test = evaluate_elbo(model, test_images, elbo_samples, tn.Generator(run.seed + 1))
    kl_per_dim = kl_per_dimension(model, test_images)
    results = {"test_elbo": test["elbo"], "test_reconstruction": test["reconstruction"],
               "test_kl": test["kl"], "elbo_upper_bound": -bernoulli_entropy(test_images),
               "elbo_samples": elbo_samples, "beta": beta,
               "kl_per_dimension": [round(k, 4) for k in kl_per_dim]}
    model.eval()
    shown = test_images[one_per_class(data["test_labels"])]
    with tn.no_grad():
        reconstructions = model.decode(model.encode(shown)[0]).sigmoid()
    save_image_grid(tn.cat([shown, reconstructions]), run.folder / "reconstructions.png",
                    columns=len(shown), row_labels=["input", "output"],
                    title=f"VAE reconstructions; test ELBO {test['elbo']:.1f} nats")
    save_image_grid(model.sample(100, tn.Generator(run.seed + 2)), run.folder / "samples.png",
                    title="VAE samples from the prior z ~ N(0, I)")
    values = [-3, -2, -1, 0, 1, 2, 3]
    busiest = sorted(range(len(kl_per_dim)), key=lambda k: -kl_per_dim[k])[:4]
    save_image_grid(latent_traversal(model, shown[0], busiest, values),
                    run.folder / "traversal.png", columns=len(values),
                    row_labels=[f"z{k}" for k in busiest], column_labels=[str(v) for v in values],
                    title="latent traversal (4 busiest dims)")
    return run.finish(model, history, results,
                      f"test ELBO {test['elbo']:.2f} nats per image (reconstruction "
                      f"{test['reconstruction']:.2f}, KL {test['kl']:.2f})")


RECIPE = Recipe("vae", run, lambda dataset: {"epochs": 100, "batch_size": 64, "lr": 1e-3},
                "digits", "test_elbo")
