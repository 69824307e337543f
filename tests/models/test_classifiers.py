"""Each classifier trains a tiny version for a few steps and must show that it learned: the
perceptron separates a separable set, the others pass a stated accuracy bar (chance is 10%) or
cut their loss by a stated factor. The long forms (the README's figures: MNIST-1D bars of 32%,
68%, 94%, 96%, digits 98%) are marked slow and run with TINYNET_FULL=1."""

from __future__ import annotations

import os

import numpy as np
import pytest

import tinynet as tn
from tinynet import nn, optim
from tinynet.data import DataLoader
from tinynet.data.datasets import MNIST, MNIST1D, Digits, load_digits_arrays, write_idx
from tinynet.data.datasets.shapes import Shapes, make_shapes
from tinynet.models import MODELS
from tinynet.models.lenet import LeNet5
from tinynet.models.logistic import LogisticRegression
from tinynet.models.mlp import MLP
from tinynet.models.perceptron import MulticlassPerceptron, Perceptron, make_linearly_separable
from tinynet.models.resnet import BasicBlock, ResNet
from tinynet.models.unet import UNet, confusion_matrix, scores_from_confusion, segmentation_scores
from tinynet.recipes.perceptron import train_perceptron
from tinynet.train import evaluate, fit


def long_run(test):
    """Marks a long run: slow, and skipped unless TINYNET_FULL=1."""
    test = pytest.mark.skipif(not os.environ.get("TINYNET_FULL"),
                              reason="long run: set TINYNET_FULL=1")(test)
    return pytest.mark.slow(test)


def train_and_test(model, train_set, test_set, epochs, lr=3e-3, batch_size=64, weight_decay=0.0,
                   seed=0) -> float:
    """Adam + one-cycle schedule for ``epochs``; returns the test accuracy."""
    tn.manual_seed(seed)
    loader = DataLoader(train_set, batch_size, shuffle=True, generator=tn.Generator(seed))
    optimizer = optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    scheduler = optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr,
                                              total_steps=epochs * len(loader))
    fit(model, nn.CrossEntropyLoss(), optimizer, loader, epochs=epochs, scheduler=scheduler,
        verbose=False)
    return evaluate(model, DataLoader(test_set, 256))["accuracy"]


# --- perceptron -------------------------------------------------------------------------------

def test_perceptron_rule_on_one_sample():
    """A wrong prediction moves w by lr·(y − ŷ)·x and b by lr·(y − ŷ); a right one moves nothing."""
    model = Perceptron(2)                         # w = 0, b = 0: step(0) = 1 for every input
    assert model.update(tn.tensor([1.0, 2.0]), 0, lr=0.5)           # ŷ = 1, y = 0: error −1
    assert model.linear.weight.tolist() == [[-0.5, -1.0]] and model.linear.bias.tolist() == [-0.5]
    assert not model.update(tn.tensor([1.0, 2.0]), 0, lr=0.5)       # now ŷ = 0: no change
    assert model.linear.weight.tolist() == [[-0.5, -1.0]]
    assert model(tn.tensor([[1.0, 2.0], [-4.0, 0.0]])).tolist() == [0.0, 1.0]


def test_perceptron_separates_a_linearly_separable_set():
    inputs, labels = make_linearly_separable(300, in_features=5, margin=0.05, seed=1)
    model = Perceptron(5)
    mistakes = train_perceptron(model, inputs, labels, max_epochs=200, generator=tn.Generator(0))
    assert mistakes[-1] == 0 and len(mistakes) < 200          # converged (Novikoff)
    assert (model(inputs) == labels).float().mean().item() == 1.0
    assert all(p.grad is None for p in model.parameters())   # no gradient descent involved


def test_perceptron_never_settles_on_xor():
    inputs = tn.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    mistakes = train_perceptron(Perceptron(2), inputs, tn.tensor([0.0, 1.0, 1.0, 0.0]),
                                max_epochs=50, shuffle=False)
    assert len(mistakes) == 50 and min(mistakes) > 0


def test_multiclass_perceptron_rule_and_digits():
    model = MulticlassPerceptron(3, 4)                 # all scores 0: argmax predicts class 0
    assert model.update(tn.tensor([1.0, 2.0, 3.0]), 2)  # so w_2 += x and w_0 −= x
    assert model.linear.weight.tolist() == [[-1, -2, -3], [0, 0, 0], [1, 2, 3], [0, 0, 0]]
    assert model.linear.bias.tolist() == [-1, 0, 1, 0]
    assert not model.update(tn.tensor([1.0, 2.0, 3.0]), 2)
    train, test = Digits(train=True), Digits(train=False)
    model = MulticlassPerceptron(64, 10)
    train_perceptron(model, tn.tensor(train.data).flatten(1), tn.tensor(train.targets),
                     max_epochs=5, generator=tn.Generator(0))
    predictions = model(tn.tensor(test.data).flatten(1))
    assert (predictions == tn.tensor(test.targets)).float().mean().item() > 0.85


def test_perceptron_from_the_command_line(tmp_path):
    from tinynet.recipes import train

    metrics = train("perceptron", "moons", epochs=3, out=tmp_path, verbose=False)
    assert metrics["epochs_run"] == 3 and len(metrics["mistakes_per_epoch"]) == 3
    assert metrics["test_accuracy"] > 0.75                  # moons are not linearly separable
    assert (tmp_path / "metrics.json").exists() and (tmp_path / "model.npz").exists()


def test_perceptron_rejects_labels_other_than_0_and_1():
    with pytest.raises(ValueError, match="labels 0 and 1"):
        train_perceptron(Perceptron(1), tn.tensor([[1.0]]), tn.tensor([-1.0]))


# --- logistic regression and MLP ----------------------------------------------------------------

def test_logistic_regression_learns_the_digits():
    model = LogisticRegression(64, 10)
    assert train_and_test(model, Digits(train=True), Digits(train=False), epochs=5,
                          lr=2e-2) > 0.9
    probabilities = model.predict_proba(tn.zeros(3, 1, 8, 8))
    np.testing.assert_allclose(probabilities.sum(dim=1).detach().numpy(), 1.0, rtol=1e-6)


def test_logistic_regression_on_mnist1d_beats_chance():
    accuracy = train_and_test(LogisticRegression(40, 10), MNIST1D(train=True),
                              MNIST1D(train=False), epochs=5, lr=1e-2)
    assert accuracy > 0.25


@pytest.mark.parametrize("options", [{}, {"batch_norm": True, "dropout": 0.1, "activation": "gelu"},
                                     {"activation": nn.Tanh}])
def test_mlp_learns_the_digits(options):
    model = MLP(64, 10, hidden_sizes=(64, 64), **options)
    assert train_and_test(model, Digits(train=True), Digits(train=False), epochs=4,
                          lr=1e-2) > 0.9


def test_mlp_layers_follow_the_options():
    model = MLP(40, 10, hidden_sizes=(32, 16), batch_norm=True, dropout=0.2, activation="tanh")
    kinds = [type(layer).__name__ for layer in model]
    assert kinds == ["Flatten", "Linear", "BatchNorm1d", "Tanh", "Dropout",
                     "Linear", "BatchNorm1d", "Tanh", "Dropout", "Linear"]
    assert model[1].bias is None and model[9].bias is not None
    with pytest.raises(ValueError, match="unknown activation"):
        MLP(4, 2, activation="swish-ish")


@pytest.mark.parametrize("name", ["logistic", "mlp", "cnn", "resnet"])
def test_registry_builds_classifiers_for_signals_and_images(name):
    for shape in [(1, 40), (1, 8, 8)]:
        assert MODELS[name](shape, 10)(tn.zeros(2, *shape)).shape == (2, 10)


# --- convolutional classifiers --------------------------------------------------------------------

def test_cnn1d_learns_mnist1d():
    tn.manual_seed(0)
    model = MODELS["cnn"]((1, 40), 10)
    assert train_and_test(model, MNIST1D(train=True), MNIST1D(train=False), epochs=2) > 0.6


def test_cnn2d_learns_the_digits():
    tn.manual_seed(0)
    model = MODELS["cnn"]((1, 8, 8), 10)
    assert train_and_test(model, Digits(train=True), Digits(train=False), epochs=2,
                          batch_size=32) > 0.9


def synthetic_idx_folder(folder, train_count=400, test_count=200):
    """MNIST-format IDX files made from the 8x8 digits: each image scaled 3x (24x24), padded to
    28x28, pixels as uint8 0..255; gzip-compressed like the real files."""
    for prefix, train, count in [("train", True, train_count), ("t10k", False, test_count)]:
        images, labels = load_digits_arrays(train=train)
        big = np.kron(images[:count, 0], np.ones((3, 3), dtype=np.float32))
        big = np.pad(big, ((0, 0), (2, 2), (2, 2)))
        write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", (big * 255).astype(np.uint8))
        write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", labels[:count].astype(np.uint8))
    return folder


def test_lenet5_learns_synthetic_28x28_idx_data(tmp_path):
    folder = synthetic_idx_folder(tmp_path)
    train, test = MNIST(folder, train=True), MNIST(folder, train=False)
    assert train[0][0].shape == (1, 28, 28) and len(train) == 400
    tn.manual_seed(0)
    assert train_and_test(LeNet5(), train, test, epochs=4, lr=5e-3, batch_size=32) > 0.8
    with pytest.raises(ValueError, match="28x28"):
        LeNet5()(tn.zeros(1, 1, 32, 32))


@pytest.mark.parametrize("dims, shape", [(1, (1, 12)), (2, (1, 6, 6))])
def test_basic_block_is_identity_plus_residual(dims, shape):
    """H(x) = ReLU(F(x) + x) with the identity shortcut; a projection when the shape changes."""
    tn.manual_seed(0)
    block = BasicBlock(1, 1, dims=dims).eval()
    inputs = tn.randn(2, *shape)
    with tn.no_grad():
        expected = (block.residual(inputs) + inputs).relu()
        np.testing.assert_allclose(block(inputs).numpy(), expected.numpy(), rtol=1e-6)
    assert isinstance(block.shortcut, nn.Identity)
    projecting = BasicBlock(1, 4, stride=2, dims=dims)
    assert not isinstance(projecting.shortcut, nn.Identity)
    assert projecting(inputs).shape == (2, 4, *[(size + 1) // 2 for size in shape[1:]])


def test_resnet1d_learns_mnist1d():
    tn.manual_seed(0)
    model = ResNet(1, 10, dims=1, widths=(16, 32), blocks_per_stage=1, kernel_size=5)
    assert train_and_test(model, MNIST1D(train=True), MNIST1D(train=False), epochs=2) > 0.6


def test_resnet2d_learns_the_digits():
    tn.manual_seed(0)
    model = ResNet(1, 10, dims=2, widths=(16, 32), blocks_per_stage=1)
    assert train_and_test(model, Digits(train=True), Digits(train=False), epochs=2,
                          batch_size=32) > 0.85


# --- U-Net ------------------------------------------------------------------------------------------

def test_iou_from_a_hand_counted_confusion():
    targets = np.array([[0, 0, 1, 1], [0, 2, 2, 1]])
    predictions = np.array([[0, 1, 1, 1], [0, 2, 0, 1]])
    confusion = confusion_matrix(predictions, targets, 3)
    assert confusion.tolist() == [[2, 1, 0], [0, 3, 0], [1, 0, 1]]
    scores = scores_from_confusion(confusion)
    assert scores["pixel_accuracy"] == 6 / 8
    # class 0: TP 2, FP 1, FN 1 -> 2/4; class 1: TP 3, FP 1 -> 3/4; class 2: TP 1, FN 1 -> 1/2
    assert scores["iou"] == [0.5, 0.75, 0.5]
    assert scores["foreground_mean_iou"] == 0.625


def test_shapes_masks_match_the_images():
    images, masks = make_shapes(50, size=24, rng=np.random.default_rng(3))
    assert images.shape == (50, 1, 24, 24) and masks.shape == (50, 24, 24)
    assert set(np.unique(masks)) == {0, 1, 2, 3}
    assert images[:, 0][masks > 0].mean() > images[:, 0][masks == 0].mean() + 0.3
    first, second = Shapes(train=True, n_samples=5), Shapes(train=True, n_samples=5)
    np.testing.assert_array_equal(first.data, second.data)                    # seeded
    assert not np.array_equal(first.data, Shapes(train=False, n_samples=5).data)


def test_unet_learns_to_segment_shapes():
    tn.manual_seed(0)
    train = Shapes(train=True, n_samples=192, size=16)
    model = UNet(1, 4, base_channels=8, depth=2)
    assert model(tn.zeros(2, 1, 16, 16)).shape == (2, 4, 16, 16)
    loader = DataLoader(train, 16, shuffle=True, generator=tn.Generator(0))
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    history = fit(model, nn.CrossEntropyLoss(), optimizer, loader, epochs=4, verbose=False)
    assert history["loss"][-1] < history["loss"][0] / 2
    scores = segmentation_scores(model, DataLoader(Shapes(train=False, n_samples=64, size=16), 32), 4)
    background_share = float((train.targets == 0).mean())
    assert scores["pixel_accuracy"] > background_share        # better than "all background"
    with pytest.raises(ValueError, match="divisible by 4"):
        model(tn.zeros(1, 1, 18, 18))


def test_unet_from_the_command_line(tmp_path, monkeypatch):
    from tinynet.recipes import train
    from tinynet.data.datasets import DATASETS

    monkeypatch.setitem(DATASETS, "shapes", lambda train, root, download: Shapes(
        train=train, n_samples=32 if train else 16, size=16))
    metrics = train("unet", "shapes", epochs=1, out=tmp_path, verbose=False)
    assert 0 <= metrics["test_pixel_accuracy"] <= 1 and len(metrics["test_iou"]) == 4
    for name in ["metrics.json", "model.npz", "history.png", "predictions.png"]:
        assert (tmp_path / name).exists()


# --- long forms: the README's figures (TINYNET_FULL=1) -------------------------------------------

@pytest.mark.parametrize("model, dataset, bar", [
    ("logistic", "mnist1d", 0.30),      # MNIST-1D authors: 32%
    ("mlp", "mnist1d", 0.68),           # authors: 68%
    ("cnn", "mnist1d", 0.94),           # authors: 94%
    ("resnet", "mnist1d", 0.96),        # human: 96%
    ("cnn", "digits", 0.98),
    ("resnet", "digits", 0.98),
])
@long_run
def test_long_form_command_line_accuracy(tmp_path, model, dataset, bar):
    from tinynet.recipes import train

    metrics = train(model, dataset, out=tmp_path, verbose=False)
    assert metrics["test_accuracy"] >= bar


@long_run
def test_long_form_unet_segments_shapes(tmp_path, seed=0):
    from tinynet.recipes import train

    metrics = train("unet", "shapes", seed=seed, out=tmp_path, verbose=False)
    assert metrics["test_pixel_accuracy"] >= 0.95
    assert metrics["test_foreground_mean_iou"] >= 0.7


def test_lenet_recipe_reads_an_idx_folder(tmp_path):
    from tinynet.recipes import train

    folder = synthetic_idx_folder(tmp_path)
    metrics = train("lenet", data_dir=str(folder), epochs=4, batch_size=32, lr=5e-3,
                    model_args={"activation": "relu"},
                    out=tmp_path / "run", verbose=False)
    assert metrics["dataset"] == "mnist" and metrics["epochs_run"] == 4
    assert metrics["test_accuracy"] > 0.5                          # chance: 0.1
