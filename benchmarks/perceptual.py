"""A perceptual loss for an autoencoder, against plain MSE, on the 8x8 digits.

A CNN trained to classify the digits (seed 0) lends its convolutional layers as the feature
extractor φ of ``tinynet.transfer.PerceptualLoss``; a second CNN (seed 1, never used in a loss)
judges the reconstructions. The same ConvAutoencoder (code of 8 numbers) trains twice per seed,
from the same initial weights on the same batches: once with the pixel MSE, once with
mean (φ(x̂) − φ(x))² + mean (x̂ − x)². On the test side the page reports each one's pixel MSE,
feature distance and the judge's accuracy on the reconstructions (the judge scores the
original images for reference), mean and range over the seeds, and a grid of reconstructions.

    PYTHONPATH=. python benchmarks/perceptual.py [--seeds 0 1 2] [--epochs 30]
        [--markdown docs/results/perceptual-loss.md] [--quick]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

CODE_SIZE = 8
FEATURE_LAYERS = 10  # CNN2d's layers up to the third convolution's ReLU: (32, 4, 4) features


def classifier(images, labels, seed: int, epochs: int):
    """A CNN trained on the digits (Adam 3e-3, batch 32), in eval mode."""
    import tinynet as tn
    from tinynet import nn
    from tinynet.data import DataLoader, TensorDataset
    from tinynet.models import build_cnn
    from tinynet.train import fit

    tn.manual_seed(seed)
    model = build_cnn((1, 8, 8), 10)
    loader = DataLoader(TensorDataset(tn.tensor(images), tn.tensor(labels)), 32, shuffle=True,
                        generator=tn.Generator(seed))
    fit(model, nn.CrossEntropyLoss(), tn.optim.Adam(model.parameters(), lr=3e-3), loader,
        epochs=epochs, metrics=(), verbose=False)
    return model.eval()


def autoencoder(images, loss_fn, seed: int, epochs: int):
    """A ConvAutoencoder trained to rebuild ``images`` with ``loss_fn`` (Adam 3e-3, batch 64)."""
    import tinynet as tn
    from tinynet.data import DataLoader, TensorDataset
    from tinynet.models import ConvAutoencoder
    from tinynet.train import fit

    tn.manual_seed(seed)
    model = ConvAutoencoder((1, 8, 8), CODE_SIZE)
    data = tn.tensor(images)
    loader = DataLoader(TensorDataset(data, data), 64, shuffle=True,
                        generator=tn.Generator(seed))
    fit(model, loss_fn, tn.optim.Adam(model.parameters(), lr=3e-3), loader, epochs=epochs,
        metrics=(), verbose=False)
    return model.eval()


def scores(model, images, labels, features, judge) -> dict:
    """Pixel MSE, feature distance mean (φ(x̂) − φ(x))² and the judge's accuracy on x̂."""
    import tinynet as tn

    with tn.no_grad():
        x = tn.tensor(images)
        rebuilt = model(x)
        return {"pixel_mse": float(((rebuilt - x) ** 2).mean()),
                "feature_mse": float(((features(rebuilt) - features(x)) ** 2).mean()),
                "judge_accuracy": float((judge(rebuilt).argmax(1).numpy() == labels).mean()),
                "reconstructions": rebuilt.numpy()}


def study(seeds, epochs: int, classifier_epochs: int) -> dict:
    import tinynet as tn
    from tinynet import nn
    from tinynet.data.datasets.digits import load_digits_arrays
    from tinynet.transfer import PerceptualLoss

    (images, labels), (test, test_labels) = load_digits_arrays(True), load_digits_arrays(False)
    pretrained = classifier(images, labels, 0, classifier_epochs)
    features = nn.Sequential(*list(pretrained)[:FEATURE_LAYERS])
    judge = classifier(images, labels, 1, classifier_epochs)
    with tn.no_grad():
        judge_on_originals = float((judge(tn.tensor(test)).argmax(1).numpy()
                                    == test_labels).mean())
    losses = {"MSE": nn.MSELoss(), "perceptual + MSE": PerceptualLoss(features, pixel_weight=1.0)}
    rows = {name: [] for name in losses}
    for seed in seeds:
        for name, loss_fn in losses.items():
            start = time.perf_counter()
            model = autoencoder(images, loss_fn, seed, epochs)
            row = scores(model, test, test_labels, features, judge)
            row["seconds"] = time.perf_counter() - start
            rows[name].append(row)
            print(f"seed {seed}, {name}: pixel MSE {row['pixel_mse']:.4f}, feature MSE "
                  f"{row['feature_mse']:.4f}, judge accuracy {row['judge_accuracy']:.4f} "
                  f"({row['seconds']:.1f} s)", flush=True)
    return {"rows": rows, "judge_on_originals": judge_on_originals, "test": test,
            "test_labels": test_labels}


def markdown(result: dict, seeds, epochs: int, figure: Path) -> str:
    from tinynet.report import markdown_table

    def cell(values, spec, scale=1.0):
        values = np.array(values) * scale
        return f"{values.mean():{spec}} ({values.min():{spec}}-{values.max():{spec}})"

    table = markdown_table(
        ["loss", "pixel MSE", "feature MSE", "judge accuracy (%)"],
        [[name, cell([r["pixel_mse"] for r in rows], ".4f"),
          cell([r["feature_mse"] for r in rows], ".4f"),
          cell([r["judge_accuracy"] for r in rows], ".1f", 100)]
         for name, rows in result["rows"].items()])
    return (f"ConvAutoencoder with a code of {CODE_SIZE} numbers, {epochs} epochs of Adam on the "
            f"1,438 training digits, scored on the {len(result['test'])} test digits; mean "
            f"(min-max) over seeds {', '.join(map(str, seeds))}.\n\n{table}\n\n"
            f"The judge (a CNN trained separately, not used in any loss) classifies "
            f"{100 * result['judge_on_originals']:.1f}% of the original test digits "
            "correctly: its accuracy on the reconstructions says how recognisable they stay. "
            f"The feature MSE is measured with φ, the convolutional layers of the CNN the "
            "perceptual loss uses.\n\n"
            f"![reconstructions]({figure.name})\n\n"
            f"Rows: the original test digits, then the reconstructions of seed {seeds[0]} "
            "with each loss.\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--markdown", metavar="FILE")
    parser.add_argument("--quick", action="store_true", help="1 seed, 2 epochs (a smoke test)")
    args = parser.parse_args(argv)
    seeds, epochs, classifier_epochs = args.seeds, args.epochs, 10
    if args.quick:
        seeds, epochs, classifier_epochs = seeds[:1], 2, 1
    result = study(seeds, epochs, classifier_epochs)
    if args.markdown:
        from tinynet.recipes.images import save_image_grid
        from tinynet.report import write_markdown

        page = Path(args.markdown)
        page.parent.mkdir(parents=True, exist_ok=True)
        figure = page.with_name(f"{page.stem}-reconstructions.png")
        shown = [int(np.flatnonzero(result["test_labels"] == d)[0]) for d in range(10)]
        grid = np.concatenate([result["test"][shown]] + [rows[0]["reconstructions"][shown]
                                                         for rows in result["rows"].values()])
        save_image_grid(grid, figure, columns=10,
                        row_labels=["original", *result["rows"]])
        write_markdown(page, "A perceptual loss for an autoencoder, against MSE",
                       markdown(result, seeds, epochs, figure),
                       " ".join(["python", *sys.argv]))
        print(f"wrote {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
