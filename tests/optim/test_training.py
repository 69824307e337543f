"""Optimizers, schedulers, clipping and penalties training real modules, and a checkpoint of
model + optimizer + scheduler that resumes exactly."""

import numpy as np
import pytest

import tinynet as tn
from tinynet import nn, optim
from tinynet.nn.utils import clip_grad_norm_
from tinynet.optim import lr_scheduler
from tinynet.regularizers import l2_penalty

RNG = np.random.default_rng(0)
INPUTS = RNG.normal(size=(64, 3))
TRUE_WEIGHT, TRUE_BIAS = np.array([[1.5, -2.0, 0.5]]), np.array([0.3])
TARGETS = INPUTS @ TRUE_WEIGHT.T + TRUE_BIAS


def linear_model():
    model = nn.Linear(3, 1).double()
    with tn.no_grad():
        model.weight.detach().numpy()[...] = 0.0
        model.bias.detach().numpy()[...] = 0.0
    return model


@pytest.mark.parametrize(
    "name, settings",
    [
        ("SGD", {"lr": 0.1, "momentum": 0.9}),
        ("Adagrad", {"lr": 0.5}),
        ("Adadelta", {"lr": 3.0}),
        ("RMSprop", {"lr": 0.01}),
        ("Adam", {"lr": 0.05}),
        ("AdamW", {"lr": 0.05, "weight_decay": 0.0}),
        ("NAdam", {"lr": 0.05}),
    ],
)
def test_every_optimizer_fits_a_linear_regression(name, settings):
    model, loss_function = linear_model(), nn.MSELoss()
    optimizer = getattr(optim, name)(model.parameters(), **settings)
    inputs, targets = tn.tensor(INPUTS), tn.tensor(TARGETS)
    losses = []
    for _ in range(400):
        optimizer.zero_grad()
        loss = loss_function(model(inputs), targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 1e-3 * losses[0]
    np.testing.assert_allclose(model.weight.detach().numpy(), TRUE_WEIGHT, atol=0.1)
    np.testing.assert_allclose(model.bias.detach().numpy(), TRUE_BIAS, atol=0.1)


def network():
    tn.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1)).double()


def build(model):
    """Two param groups (a smaller lr for the first layer), a warm-up then cosine schedule."""
    first, last = model[0], model[2]
    optimizer = optim.SGD(
        [{"params": first.parameters(), "lr": 0.02}, {"params": last.parameters()}],
        lr=0.05,
        momentum=0.9,
        nesterov=True,
    )
    scheduler = lr_scheduler.SequentialLR(
        optimizer,
        [
            lr_scheduler.LinearLR(optimizer, start_factor=0.2, total_iters=3),
            lr_scheduler.CosineAnnealingLR(optimizer, T_max=10),
        ],
        milestones=[3],
    )
    return optimizer, scheduler


def train(model, optimizer, scheduler, steps):
    inputs, targets = tn.tensor(INPUTS), tn.tensor(TARGETS)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = nn.MSELoss()(model(inputs), targets) + 1e-3 * l2_penalty(model.parameters())
        loss.backward()
        clip_grad_norm_(model.parameters(), max_norm=1.0)
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
    return losses


def test_a_checkpoint_of_model_optimizer_and_scheduler_resumes_exactly(tmp_path):
    model = network()
    optimizer, scheduler = build(model)
    losses = train(model, optimizer, scheduler, 12)
    assert losses[-1] < 0.5 * losses[0]

    model = network()
    optimizer, scheduler = build(model)
    train(model, optimizer, scheduler, 5)
    checkpoint = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
    }
    tn.save(checkpoint, str(tmp_path / "checkpoint.npz"))

    restored = network()
    for param in restored.parameters():  # make sure the weights really come from the file
        param.detach().numpy()[...] = 0.0
    checkpoint = tn.load(str(tmp_path / "checkpoint.npz"))
    restored.load_state_dict(checkpoint["model"])
    restored_optimizer, restored_scheduler = build(restored)
    restored_optimizer.load_state_dict(checkpoint["optimizer"])
    restored_scheduler.load_state_dict(checkpoint["scheduler"])

    assert train(restored, restored_optimizer, restored_scheduler, 7) == losses[5:]
