"""The autoencoders' recipe (autoencoder, conv-autoencoder, denoising-autoencoder,
sparse-autoencoder): ``fit`` with Adam (defaults 100 epochs, batch 64, lr 3e-3) on the training
images, then the per-pixel test MSE beside references (the mean image; PCA with the same code
size, the best linear autoencoder) and reconstructions.png (one test digit per class).

The variants differ in their model (``tinynet.models.MODELS``) and in two training settings:
``VARIANTS[name] = (input noise std, L1 strength on the code)``.

    tinynet train denoising-autoencoder --dataset digits
"""

from __future__ import annotations

import math

import tinynet as tn
from tinynet import nn
from tinynet.models.autoencoder import (
    ImagePairs,
    ReconstructionLoss,
    active_code_fraction,
    pca_reconstruction_mse,
    reconstruction_mse,
)
from tinynet.recipes.common import Recipe, Run

VARIANTS = {
    "autoencoder": (0.0, 0.0),
    "conv-autoencoder": (0.0, 0.0),
    "denoising-autoencoder": (0.3, 0.0),
    "sparse-autoencoder": (0.0, 1e-3),
}


def run(run: Run) -> dict:
    from tinynet import optim
    from tinynet.data import TensorDataset
    from tinynet.recipes.images import load_image_split, one_per_class, save_image_grid

    noise_std, code_l1 = VARIANTS[run.model]
    data = load_image_split(run.dataset, run.data_dir, run.download)
    train_images, test_images = data["train_images"], data["test_images"]
    model = run.build(train_images.shape[1:], data["num_classes"])
    pairs = ImagePairs(TensorDataset(train_images), noise_std, generator=tn.Generator(run.seed))
    run.say(f"training {run.model} on {run.dataset}: {len(train_images)} train, "
            f"{len(test_images)} test images; {sum(p.numel() for p in model.parameters()):,} "
            "parameters")
    history = run.fit(model, ReconstructionLoss(model, code_l1),
                      optim.Adam(model.parameters(), lr=run.options["lr"]), run.loader(pairs),
                      metrics=("mse",))

    code_size = model.encode(test_images[:1]).shape[1]
    mean_image = train_images.mean(dim=0, keepdim=True)
    results = {
        "test_reconstruction_mse": reconstruction_mse(model, test_images, noise_std,
                                                      tn.Generator(run.seed + 1)),
        "mean_image_mse": nn.functional.mse_loss(mean_image.expand_as(test_images),
                                                 test_images).item(),
        "pca_mse": (pca_reconstruction_mse(train_images, test_images, code_size)
                    if code_size < math.prod(train_images.shape[1:]) else None),
        "code_size": code_size, "active_code_fraction": active_code_fraction(model, test_images),
        "noise_std": noise_std, "code_l1": code_l1,
    }
    results["active_units_per_image"] = round(results["active_code_fraction"] * code_size, 2)
    shown = test_images[one_per_class(data["test_labels"])]
    rows, labels = [shown], ["input"]
    if noise_std > 0:
        noise = tn.randn(*shown.shape, generator=tn.Generator(run.seed + 2))
        rows, labels = [shown, (shown + noise_std * noise).clamp(0.0, 1.0)], ["clean", "noisy"]
        results["noisy_input_mse"] = nn.functional.mse_loss(rows[1], shown).item()
        results["clean_input_mse"] = reconstruction_mse(model, test_images)
    with tn.no_grad():
        model.eval()
        rows.append(model(rows[-1]))
    save_image_grid(tn.cat(rows), run.folder / "reconstructions.png", columns=len(shown),
                    row_labels=[*labels, "output"],
                    title=f"{run.model}: test MSE {results['test_reconstruction_mse']:.4f}")
    pca = "" if results["pca_mse"] is None else f", PCA-{code_size} {results['pca_mse']:.5f}"
    return run.finish(model, history, results,
                      f"test reconstruction MSE {results['test_reconstruction_mse']:.5f} (mean "
                      f"image {results['mean_image_mse']:.5f}{pca})")


RECIPE = Recipe("autoencoder", run, lambda dataset: {"epochs": 100, "batch_size": 64, "lr": 3e-3},
                "digits", "test_reconstruction_mse")
