"""The U-Net's recipe: per-pixel cross-entropy, Adam with a one-cycle schedule (defaults 12
epochs, batch 16, peak lr 3e-3), then pixel accuracy and IoU per class on the test side, and
predictions.png (image, true mask, predicted mask for 10 test images).

    tinynet train unet --dataset shapes
"""

from __future__ import annotations

import numpy as np

import tinynet as tn
from tinynet import nn
from tinynet.models.unet import segmentation_scores
from tinynet.recipes.common import Recipe, Run


def save_segmentation_grid(model: nn.Module, images: tn.Tensor, masks: tn.Tensor, path,
                           num_classes: int) -> None:
    """A PNG with one column per image and three rows: the image, the true mask and the
    predicted mask (label values scaled to [0, 1] as grey levels)."""
    from tinynet.recipes.images import save_image_grid

    was_training = model.training
    model.eval()
    with tn.no_grad():
        predicted = model(images).argmax(dim=1)
    model.train(was_training)
    scale = max(num_classes - 1, 1)
    rows = [images.numpy()[:, :1], masks.numpy()[:, None] / scale,
            predicted.numpy()[:, None] / scale]
    save_image_grid(np.concatenate(rows), path, columns=len(images),
                    row_labels=["image", "truth", "prediction"])


def run(run: Run) -> dict:
    from tinynet import optim
    from tinynet.data import DataLoader

    data = run.data()
    model = run.build(data.sample_shape, data.num_classes)
    loader = run.loader(data.train)
    optimizer = optim.Adam(model.parameters(), lr=run.options["lr"])
    scheduler = optim.lr_scheduler.OneCycleLR(optimizer, max_lr=run.options["lr"],
                                              total_steps=run.options["epochs"] * len(loader))
    run.say(f"training unet on {run.dataset}: {len(data.train)} train, {len(data.test)} test "
            f"images, {data.num_classes} classes; "
            f"{sum(p.numel() for p in model.parameters()):,} parameters")
    history = run.fit(model, nn.CrossEntropyLoss(), optimizer, loader, scheduler=scheduler)
    scores = segmentation_scores(model, DataLoader(data.test, 64), data.num_classes)
    shown = [data.test[i] for i in range(min(10, len(data.test)))]
    save_segmentation_grid(model, tn.stack([image for image, _ in shown]),
                           tn.stack([mask for _, mask in shown]), run.folder / "predictions.png",
                           data.num_classes)
    iou = ", ".join("-" if v is None else f"{v:.3f}" for v in scores["iou"])
    return run.finish(model, history, {
        "test_pixel_accuracy": scores["pixel_accuracy"], "test_iou": scores["iou"],
        "test_mean_iou": scores["mean_iou"],
        "test_foreground_mean_iou": scores["foreground_mean_iou"]},
        f"test pixel accuracy {scores['pixel_accuracy']:.4f}, IoU per class [{iou}], mean IoU "
        f"{scores['mean_iou']:.4f} (foreground {scores['foreground_mean_iou']:.4f})")


RECIPE = Recipe("unet", run, lambda dataset: {"epochs": 12, "batch_size": 16, "lr": 3e-3},
                "shapes", "test_pixel_accuracy")
