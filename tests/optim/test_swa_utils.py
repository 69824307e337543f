"""swa_utils: AveragedModel (SWA and EMA, with and without buffers), SWALR's schedule,
update_bn; by hand and against torch.optim.swa_utils."""

import inspect

import numpy as np
import pytest

import tinynet as tn
from tinynet import nn, optim
from tinynet.optim import swa_utils

RNG = np.random.default_rng(0)
SNAPSHOTS = [RNG.normal(size=(3, 2)) for _ in range(4)]


def linear_at(weight):
    model = nn.Linear(2, 3, bias=False).double()
    model.weight.detach().numpy()[...] = weight
    return model


def test_swa_is_the_equal_weight_average_of_the_snapshots():
    model = linear_at(SNAPSHOTS[0])
    averaged = swa_utils.AveragedModel(model)
    for snapshot in SNAPSHOTS:
        model.weight.detach().numpy()[...] = snapshot
        averaged.update_parameters(model)
    np.testing.assert_allclose(averaged.module.weight.detach().numpy(),
                               np.mean(SNAPSHOTS, axis=0), rtol=1e-12)
    assert averaged.n_averaged.item() == len(SNAPSHOTS)
    x = tn.tensor(RNG.normal(size=(5, 2)))
    np.testing.assert_allclose(averaged(x).detach().numpy(),
                               x.numpy() @ np.mean(SNAPSHOTS, axis=0).T, rtol=1e-12)
    assert model.weight is not averaged.module.weight  # a copy


@pytest.mark.parametrize("multi", [False, True], ids=["avg_fn", "multi_avg_fn"])
def test_ema(multi):
    model = linear_at(SNAPSHOTS[0])
    function = (swa_utils.get_ema_multi_avg_fn(0.9) if multi else None)
    averaged = swa_utils.AveragedModel(
        model, multi_avg_fn=function, avg_fn=None if multi else swa_utils.get_ema_avg_fn(0.9))
    expected = None
    for snapshot in SNAPSHOTS:
        model.weight.detach().numpy()[...] = snapshot
        averaged.update_parameters(model)
        expected = snapshot if expected is None else 0.9 * expected + 0.1 * snapshot
    np.testing.assert_allclose(averaged.module.weight.detach().numpy(), expected, rtol=1e-12)


def test_buffers_are_copied_or_averaged():
    model = nn.BatchNorm1d(2).double()
    copied = swa_utils.AveragedModel(model)
    averaged = swa_utils.AveragedModel(model, use_buffers=True)
    means = []
    for _ in range(3):
        model(tn.tensor(RNG.normal(size=(8, 2)) + 3.0))
        means.append(model.running_mean.numpy().copy())
        copied.update_parameters(model)
        averaged.update_parameters(model)
    np.testing.assert_array_equal(copied.module.running_mean.numpy(), means[-1])
    np.testing.assert_allclose(averaged.module.running_mean.numpy(), np.mean(means, axis=0),
                               rtol=1e-12)


def test_invalid_arguments():
    model = nn.Linear(2, 2)
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
        swa_utils.AveragedModel(model, avg_fn=swa_utils.get_swa_avg_fn(),
                                multi_avg_fn=swa_utils.get_swa_multi_avg_fn())
    with pytest.raises(RuntimeError, match="CPU only"):
        swa_utils.AveragedModel(model, device="cuda")
    with pytest.raises(ValueError, match="decay value 1.5"):
        swa_utils.get_ema_avg_fn(1.5)
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="anneal_strategy"):
        swa_utils.SWALR(optimizer, swa_lr=0.05, anneal_strategy="step")
    with pytest.raises(ValueError, match="anneal_epochs"):
        swa_utils.SWALR(optimizer, swa_lr=0.05, anneal_epochs=-1)


def swalr_sequence(library, steps, **settings):
    if library == "tinynet":
        params = [tn.zeros(1, requires_grad=True), tn.zeros(1, requires_grad=True)]
        sgd, swalr = optim.SGD, swa_utils.SWALR
    else:
        torch = pytest.importorskip("torch")
        params = [torch.zeros(1, requires_grad=True), torch.zeros(1, requires_grad=True)]
        sgd, swalr = torch.optim.SGD, torch.optim.swa_utils.SWALR
    optimizer = sgd([{"params": [params[0]]}, {"params": [params[1]], "lr": 0.02}], lr=0.1)
    scheduler = swalr(optimizer, **settings)
    lrs = []
    for _ in range(steps):
        lrs.append([group["lr"] for group in optimizer.param_groups])
        optimizer.step()
        scheduler.step()
    return lrs


SWALR_SETTINGS = [
    {"swa_lr": 0.05},
    {"swa_lr": [0.01, 0.2], "anneal_epochs": 3, "anneal_strategy": "linear"},
    {"swa_lr": 0.05, "anneal_epochs": 0},
]


@pytest.mark.parametrize("settings", SWALR_SETTINGS)
def test_swalr_anneals_to_swa_lr_then_holds(settings):
    lrs = swalr_sequence("tinynet", 15, **settings)
    swa_lrs = settings["swa_lr"] if isinstance(settings["swa_lr"], list) else [settings["swa_lr"]] * 2
    np.testing.assert_allclose(lrs[-1], swa_lrs, rtol=1e-12)
    if settings.get("anneal_strategy") == "linear":  # lr_t = α·swa_lr + (1 − α)·lr₀, α = t/3
        for t in range(4):
            alpha = t / 3
            np.testing.assert_allclose(lrs[t][0], alpha * 0.01 + (1 - alpha) * 0.1, rtol=1e-12)


@pytest.mark.torch
@pytest.mark.parametrize("settings", SWALR_SETTINGS)
def test_swalr_matches_torch(settings):
    np.testing.assert_allclose(swalr_sequence("tinynet", 15, **settings),
                               swalr_sequence("torch", 15, **settings), rtol=1e-12)


def test_update_bn_recomputes_the_statistics_over_the_loader():
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2)).double()
    model.eval()
    batches = [tn.tensor(RNG.normal(size=(4, 2)) * 2 + 1) for _ in range(3)]
    swa_utils.update_bn([(batch, None) for batch in batches], model)
    with tn.no_grad():
        features = np.concatenate([model[0](batch).numpy() for batch in batches])
    # the cumulative average of the per-batch means (equal batch sizes: the overall mean)
    np.testing.assert_allclose(model[1].running_mean.numpy(), features.mean(axis=0), rtol=1e-10)
    assert model[1].momentum == 0.1 and not model.training


@pytest.mark.torch
def test_averaged_model_and_update_bn_match_torch():
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3)).double()
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3)).double()
    with torch.no_grad():
        for our_param, their_param in zip(ours.parameters(), theirs.parameters()):
            their_param.copy_(torch.tensor(our_param.detach().numpy()))
    our_average = swa_utils.AveragedModel(ours, use_buffers=True)
    their_average = torch.optim.swa_utils.AveragedModel(theirs, use_buffers=True)
    for step in range(3):
        batch = RNG.normal(size=(6, 2))
        ours(tn.tensor(batch))
        theirs(torch.tensor(batch))
        with torch.no_grad():
            for our_param, their_param in zip(ours.parameters(), theirs.parameters()):
                shift = RNG.normal(size=our_param.shape) * 0.1
                our_param.detach().numpy()[...] += shift
                their_param.add_(torch.tensor(shift))
        our_average.update_parameters(ours)
        their_average.update_parameters(theirs)
    for a, b in zip(our_average.module.state_dict().values(),
                    their_average.module.state_dict().values()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)
    loader = [RNG.normal(size=(5, 2)) for _ in range(3)]
    swa_utils.update_bn([tn.tensor(x) for x in loader], our_average)
    torch.optim.swa_utils.update_bn([torch.tensor(x) for x in loader], their_average)
    np.testing.assert_allclose(our_average.module[1].running_var.numpy(),
                               their_average.module[1].running_var.numpy(), rtol=1e-12)


@pytest.mark.torch
@pytest.mark.parametrize("name", swa_utils.__all__)
def test_signatures_match_torch(name):
    torch = pytest.importorskip("torch")

    def described(function):
        return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]

    assert described(getattr(swa_utils, name)) == described(
        getattr(torch.optim.swa_utils, name))
