"""The generative models train a tiny version for a few epochs on 400 digits and must show that
they learned, by a stated factor: autoencoders cut the held-out reconstruction error to a third of
the untrained one and beat the mean image; the VAE's held-out ELBO rises by 10 nats; the GAN's
mean sample moves halfway to the mean digit. Formula tests pin the KL closed form, the
reparameterization gradients, the non-saturating loss and the GAN's freezing. The long forms (the
README's figures, full digits, default epochs) are marked slow and run with TINYNET_FULL=1."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import tinynet as tn
from tinynet import nn, optim
from tinynet.data import DataLoader, TensorDataset
from tinynet.data.datasets import Digits
from tinynet.models import MODELS
from tinynet.models.autoencoder import (
    ConvAutoencoder,
    DenseAutoencoder,
    ImagePairs,
    ReconstructionLoss,
    active_code_fraction,
    pca_reconstruction_mse,
    reconstruction_mse,
)
from tinynet.models.gan import (
    GAN,
    discriminator_loss,
    generator_loss,
    label_distribution,
)
from tinynet.models.vae import (
    VAE,
    evaluate_elbo,
    kl_to_standard_normal,
    latent_traversal,
    vae_loss,
)
from tinynet.recipes import RECIPES, train
from tinynet.recipes.gan import train_gan
from tinynet.recipes.images import save_image_grid, tile_images
from tinynet.recipes.vae import train_vae
from tinynet.train import fit

full_only = pytest.mark.skipif(not os.environ.get("TINYNET_FULL"),
                               reason="long run: set TINYNET_FULL=1")


@pytest.fixture(scope="module")
def digits():
    """400 training and 200 held-out digits, (N, 1, 8, 8) in [0, 1], and their labels."""
    train, test = Digits(train=True), Digits(train=False)
    return (tn.tensor(train.data[:400]), tn.tensor(train.targets[:400]),
            tn.tensor(test.data[:200]), tn.tensor(test.targets[:200]))


def fit_autoencoder(model, images, epochs, noise_std=0.0, code_l1=0.0, lr=3e-3):
    tn.manual_seed(0)
    pairs = ImagePairs(TensorDataset(images), noise_std, generator=tn.Generator(0))
    loader = DataLoader(pairs, 32, shuffle=True, generator=tn.Generator(0))
    return fit(model, ReconstructionLoss(model, code_l1), optim.Adam(model.parameters(), lr=lr),
               loader, epochs=epochs, metrics=(), verbose=False)


# --- autoencoders -----------------------------------------------------------------------------

@pytest.mark.parametrize("model_class", [DenseAutoencoder, ConvAutoencoder])
def test_autoencoder_shapes(model_class):
    model = model_class((1, 8, 8), code_size=5)
    images = tn.rand(3, 1, 8, 8)
    assert model.encode(images).shape == (3, 5)
    output = model(images).detach().numpy()
    assert output.shape == (3, 1, 8, 8)
    assert 0 < output.min() and output.max() < 1


@pytest.mark.parametrize("model_class, epochs", [(DenseAutoencoder, 15), (ConvAutoencoder, 20)])
def test_autoencoder_learns_to_reconstruct(digits, model_class, epochs):
    """Held-out MSE falls to a third of the untrained model's and below the mean image's."""
    train_images, _, test_images, _ = digits
    tn.manual_seed(0)
    model = model_class((1, 8, 8), code_size=16)
    before = reconstruction_mse(model, test_images)
    fit_autoencoder(model, train_images, epochs)
    after = reconstruction_mse(model, test_images)
    mean_image_mse = float(((test_images - train_images.mean(dim=0)) ** 2).mean().item())
    assert after < before / 3
    assert after < mean_image_mse


def test_denoising_autoencoder_removes_noise(digits):
    """Fed noisy held-out digits, its output is closer to the clean digit than the input is by
    a factor of 1.5."""
    train_images, _, test_images, _ = digits
    model = DenseAutoencoder((1, 8, 8), code_size=16)
    fit_autoencoder(model, train_images, 20, noise_std=0.3)
    noise = tn.randn(*test_images.shape, generator=tn.Generator(1))
    noisy = (test_images + 0.3 * noise).clamp(0, 1)
    noisy_mse = float(((noisy - test_images) ** 2).mean().item())
    assert reconstruction_mse(model, test_images, 0.3, tn.Generator(1)) < noisy_mse / 1.5


def test_l1_penalty_makes_the_code_sparse(digits):
    """With the same ReLU code of 32, the L1 penalty halves the share of active code units."""
    train_images, _, test_images, _ = digits
    shares = []
    for code_l1 in (0.0, 1e-3):
        tn.manual_seed(0)
        model = DenseAutoencoder((1, 8, 8), code_size=32, code_activation=nn.ReLU())
        fit_autoencoder(model, train_images, 10, code_l1=code_l1)
        shares.append(active_code_fraction(model, test_images))
    assert shares[1] < shares[0] / 2


def test_reconstruction_loss_adds_the_l1_of_the_code():
    model = DenseAutoencoder((1, 8, 8), code_size=4)
    images = tn.rand(5, 1, 8, 8)
    loss = ReconstructionLoss(model, code_l1=0.1)
    value = loss(model(images), images).item()
    code, output = model.encode(images).detach().numpy(), model(images).detach().numpy()
    expected = np.mean((output - images.numpy()) ** 2) + 0.1 * np.abs(code).sum() / 5
    assert value == pytest.approx(expected, rel=1e-5)


def test_image_pairs_draw_fresh_noise_around_a_clean_target():
    images = tn.rand(4, 1, 8, 8)
    pairs = ImagePairs(TensorDataset(images), noise_std=0.5, generator=tn.Generator(0))
    (noisy_a, clean_a), (noisy_b, clean_b) = pairs[2], pairs[2]
    assert np.array_equal(clean_a.numpy(), images[2].numpy()) and np.array_equal(
        clean_b.numpy(), clean_a.numpy())
    assert not np.array_equal(noisy_a.numpy(), noisy_b.numpy())
    assert noisy_a.numpy().min() >= 0 and noisy_a.numpy().max() <= 1
    with pytest.raises(ValueError, match="noise_std"):
        ImagePairs(TensorDataset(images), noise_std=-1)


def test_pca_reference_is_exact_with_every_component(digits):
    train_images, _, test_images, _ = digits
    assert pca_reconstruction_mse(train_images, test_images, 64) < 1e-10
    assert pca_reconstruction_mse(train_images, test_images, 4) > pca_reconstruction_mse(
        train_images, test_images, 16)


# --- VAE --------------------------------------------------------------------------------------

def test_kl_closed_form_matches_a_monte_carlo_estimate():
    """KL(N(μ, σ²) ‖ N(0, 1)) = E_q[log q(z) − log p(z)], estimated with 400,000 draws."""
    mean, log_variance = np.array([0.0, 1.5, -0.7]), np.array([0.0, -1.0, 0.8])
    closed = kl_to_standard_normal(tn.tensor(mean), tn.tensor(log_variance)).numpy()
    std = np.exp(0.5 * log_variance)
    z = mean + std * np.random.default_rng(0).standard_normal((400_000, 3))
    log_q = -0.5 * ((z - mean) / std) ** 2 - np.log(std)
    log_p = -0.5 * z ** 2
    assert closed.tolist() == pytest.approx((log_q - log_p).mean(axis=0), abs=0.01)
    assert closed[0] == 0.0


def test_reparameterization_passes_gradients_to_mean_and_log_variance():
    """z = μ + exp(½ log σ²)·ε: dz/dμ = 1, dz/d log σ² = ½ σ ε."""
    model = VAE((1, 8, 8), latent_size=3)
    mean = tn.tensor([[0.5, -1.0, 2.0]], dtype=tn.float64, requires_grad=True)
    log_variance = tn.tensor([[0.0, 1.0, -2.0]], dtype=tn.float64, requires_grad=True)
    tn.manual_seed(3)
    z = model.reparameterize(mean, log_variance)
    z.sum().backward()
    epsilon = (z.detach().numpy() - mean.detach().numpy()) / np.exp(0.5 * log_variance.detach().numpy())
    assert np.allclose(mean.grad.numpy(), 1.0)
    assert np.allclose(log_variance.grad.numpy(),
                       0.5 * np.exp(0.5 * log_variance.detach().numpy()) * epsilon)


def test_vae_loss_is_reconstruction_plus_beta_kl():
    model = VAE((1, 8, 8), latent_size=4)
    images = tn.rand(6, 1, 8, 8)
    logits, mean, log_variance = model(images)
    assert logits.shape == images.shape and mean.shape == log_variance.shape == (6, 4)
    loss, reconstruction, kl = vae_loss(logits, images, mean, log_variance, beta=4.0)
    x, p = images.numpy(), 1 / (1 + np.exp(-logits.detach().numpy()))
    bce = -(x * np.log(p) + (1 - x) * np.log(1 - p)).sum() / 6
    m, v = mean.detach().numpy(), log_variance.detach().numpy()
    expected_kl = -0.5 * (1 + v - m ** 2 - np.exp(v)).sum() / 6
    assert reconstruction.item() == pytest.approx(bce, rel=1e-4)
    assert kl.item() == pytest.approx(expected_kl, rel=1e-4)
    assert loss.item() == pytest.approx(bce + 4.0 * expected_kl, rel=1e-4)


def test_vae_held_out_elbo_rises(digits):
    """Five epochs on 400 digits raise the held-out ELBO by at least 10 nats per image (an
    untrained decoder, logits ≈ 0, sits near −64·log 2 ≈ −44)."""
    train_images, _, test_images, _ = digits
    tn.manual_seed(0)
    model = VAE((1, 8, 8), latent_size=4)
    before = evaluate_elbo(model, test_images, generator=tn.Generator(1))["elbo"]
    loader = DataLoader(TensorDataset(train_images), 32, shuffle=True, generator=tn.Generator(0))
    history = train_vae(model, loader, optim.Adam(model.parameters(), lr=2e-3), 5,
                        test_images=test_images)
    after = evaluate_elbo(model, test_images, generator=tn.Generator(1))["elbo"]
    assert after > before + 10
    assert history["val_elbo"][-1] > history["val_elbo"][0]
    assert model.sample(7).shape == (7, 1, 8, 8)
    assert latent_traversal(model, test_images[0], [0, 2], [-1, 0, 1]).shape == (6, 1, 8, 8)


# --- GAN --------------------------------------------------------------------------------------

def test_generator_loss_is_non_saturating():
    """−log D(G(z)) has gradient −1 per logit where D confidently rejects (logit −10), while the
    minimax log(1 − D(G(z))) has almost none there."""
    logits = tn.tensor([[-10.0]], dtype=tn.float64, requires_grad=True)
    generator_loss(logits).backward()
    assert logits.grad.item() == pytest.approx(-1.0, abs=1e-4)
    minimax_logits = tn.tensor([[-10.0]], dtype=tn.float64, requires_grad=True)
    (1 - minimax_logits.sigmoid()).log().mean().backward()
    assert abs(minimax_logits.grad.item()) < 1e-4
    assert discriminator_loss(tn.tensor([[0.0]]), tn.tensor([[0.0]])).item() == pytest.approx(
        2 * np.log(2), rel=1e-6)


def test_gan_alternating_steps_update_only_their_network(digits):
    """One batch of train_gan: D's step sees G's output detached (G's parameters get no
    gradient), G's step runs with D frozen (D's gradients stay those of D's own step), and D is
    trainable again afterwards."""
    tn.manual_seed(0)
    gan = GAN((1, 8, 8), noise_size=4, hidden_size=16)
    gradients = []  # at each optimizer step: copies of every parameter's gradient (None if none)

    class Recorder(optim.Adam):
        def step(self):
            gradients.append([None if p.grad is None else p.grad.numpy().copy()
                              for p in [*gan.generator.parameters(),
                                        *gan.discriminator.parameters()]])
            super().step()

    generator_params = list(gan.generator.parameters())
    train_gan(gan, DataLoader(TensorDataset(digits[0][:32]), 32), 1,
              Recorder(generator_params, lr=1e-3),
              Recorder(gan.discriminator.parameters(), lr=1e-3))
    at_d_step, at_g_step = gradients
    count = len(generator_params)
    assert all(g is None for g in at_d_step[:count])
    assert all(g is not None for g in at_d_step[count:] + at_g_step[:count])
    for d_step_grad, g_step_grad in zip(at_d_step[count:], at_g_step[count:]):
        assert np.array_equal(d_step_grad, g_step_grad)
    assert all(p.requires_grad for p in gan.discriminator.parameters())


def test_frozen_discriminator_gets_no_gradient_but_passes_it_on():
    gan = GAN((1, 8, 8), noise_size=4, hidden_size=16)
    gan.discriminator.requires_grad_(False)
    generator_loss(gan.discriminator(gan(tn.randn(8, 4)))).backward()
    assert all(p.grad is None for p in gan.discriminator.parameters())
    assert all(p.grad is not None for p in gan.generator.parameters())


def test_gan_learns_the_mean_digit(digits):
    """Ten epochs on 400 digits: the losses move, the fixed-noise samples change, and the mean
    generated image moves at least halfway towards the mean digit (distance falls by 2x)."""
    train_images = digits[0]
    tn.manual_seed(0)
    gan = GAN((1, 8, 8))
    noise = tn.randn(200, gan.noise_size, generator=tn.Generator(1))
    mean_digit = train_images.mean(dim=0).numpy()
    before = gan.sample(200, noise=noise).numpy()
    loader = DataLoader(TensorDataset(train_images), 32, shuffle=True, generator=tn.Generator(0))
    history = train_gan(gan, loader, 10)
    after = gan.sample(200, noise=noise).numpy()
    distance_before = np.abs(before.mean(axis=0) - mean_digit).mean()
    distance_after = np.abs(after.mean(axis=0) - mean_digit).mean()
    assert distance_after < distance_before / 2
    assert np.abs(after - before).mean() > 0.05
    for name in ("discriminator_loss", "generator_loss"):
        assert history[name][-1] != pytest.approx(history[name][0], rel=0.02)


class FixedLabels(nn.Module):
    """A stand-in classifier: image i gets the logits of label labels[i]."""

    def __init__(self, labels):
        super().__init__()
        self.labels = labels

    def forward(self, images):
        return tn.tensor(np.eye(10)[self.labels] * 5.0)


def test_label_distribution_detects_mode_collapse():
    images = tn.zeros(100, 1, 8, 8)
    collapsed = label_distribution(FixedLabels([3] * 100), images)
    assert collapsed["counts"][3] == 100 and not collapsed["covers_all_classes"]
    assert collapsed["normalized_entropy"] == 0
    uniform = label_distribution(FixedLabels(list(range(10)) * 10), images)
    assert uniform["covers_all_classes"] and uniform["normalized_entropy"] == pytest.approx(1)
    assert uniform["shares"] == [0.1] * 10


# --- images, registry and command line ----------------------------------------------------------

def test_tile_images_and_png(tmp_path):
    mosaic = tile_images(np.ones((5, 1, 2, 3)), columns=2, padding=1, fill=0.0)
    assert mosaic.shape == (3 * 3 - 1, 2 * 4 - 1) and mosaic.sum() == 5 * 6
    path = save_image_grid(tn.rand(12, 1, 8, 8), tmp_path / "grid.png", columns=6, title="t",
                           row_labels=["a", "b"])
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="images of shape"):
        tile_images(np.ones((2, 2, 8, 8)), columns=2)


@pytest.mark.parametrize("name, files", [
    ("autoencoder", ["reconstructions.png"]),
    ("conv-autoencoder", ["reconstructions.png"]),
    ("denoising-autoencoder", ["reconstructions.png"]),
    ("sparse-autoencoder", ["reconstructions.png"]),
    ("vae", ["reconstructions.png", "samples.png", "traversal.png"]),
    ("gan", ["samples_epoch_001.png", "samples_epoch_002.png", "samples_progress.png"]),
])
def test_each_generative_model_trains_from_the_command_line(tmp_path, name, files):
    from tinynet.cli import main

    assert name in MODELS and name in RECIPES
    assert isinstance(MODELS[name]((1, 8, 8), 10), nn.Module)
    status = main(["train", name, "--dataset", "digits", "--epochs", "2", "--out", str(tmp_path),
                   "--quiet"])
    assert status == 0
    for file in [*files, "metrics.json", "model.npz", "history.png"]:
        assert (tmp_path / file).stat().st_size > 0, file
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["epochs_run"] == 2 and metrics["dataset"] == "digits"
    if name == "gan":
        assert sum(metrics["sample_class_distribution"]["counts"]) == 1000
    elif name == "vae":
        assert metrics["elbo_upper_bound"] > metrics["test_elbo"]
    else:
        assert metrics["test_reconstruction_mse"] < metrics["mean_image_mse"] * 2


# --- long forms: the README's figures (full digits, default epochs) --------------------------------

@pytest.mark.slow
@full_only
@pytest.mark.parametrize("name", ["autoencoder", "conv-autoencoder"])
def test_long_autoencoder_beats_pca(tmp_path, name):
    metrics = train(name, out=tmp_path, verbose=False)
    assert metrics["test_reconstruction_mse"] < metrics["pca_mse"]


@pytest.mark.slow
@full_only
def test_long_denoising_and_sparse(tmp_path):
    denoising = train("denoising-autoencoder", out=tmp_path / "d", verbose=False)
    assert denoising["test_reconstruction_mse"] < denoising["noisy_input_mse"] / 2
    sparse = train("sparse-autoencoder", out=tmp_path / "s", verbose=False)
    assert sparse["active_code_fraction"] < 0.3
    assert sparse["test_reconstruction_mse"] < sparse["mean_image_mse"] / 4


@pytest.mark.slow
@full_only
def test_long_vae_elbo(tmp_path):
    metrics = train("vae", out=tmp_path, verbose=False)
    assert metrics["test_elbo"] > -26.0


@pytest.mark.slow
@full_only
def test_long_gan_covers_all_ten_digits(tmp_path):
    metrics = train("gan", out=tmp_path, verbose=False)
    assert metrics["sample_class_distribution"]["covers_all_classes"]
