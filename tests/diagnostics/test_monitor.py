"""GradientMonitor: what it records (checked against hand computations), its flags on the
textbook failures (vanishing, exploding, dead units, saturation) and its silence on healthy
networks, the thresholds, and detaching its hooks."""

import dataclasses
import math
import warnings

import numpy as np
import pytest

import tinynet as tn
from tinynet import nn
from tinynet.diagnostics import Diagnosis, GradientMonitor, Thresholds

from .helpers import blobs, he_init, kinds, mlp, small_init, train


# What is recorded --------------------------------------------------------------------------------
def test_norms_and_update_ratio_match_a_hand_computed_sgd_step():
    tn.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    x, y = tn.randn(8, 3), tn.randn(8, 2)
    optimizer = tn.optim.SGD(model.parameters(), lr=0.1)
    monitor = GradientMonitor(model)
    before = {name: p.detach().numpy().copy() for name, p in model.named_parameters()}
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    grads = {name: p.grad.numpy().copy() for name, p in model.named_parameters()}
    optimizer.step()
    monitor.step(loss=loss)
    history = monitor.history
    assert list(history["step"]) == [0]
    for name, grad in grads.items():
        assert history["grad_norm"][name][0] == pytest.approx(np.linalg.norm(grad), rel=1e-5)
        after = dict(model.named_parameters())[name].detach().numpy()
        assert history["weight_norm"][name][0] == pytest.approx(np.linalg.norm(after), rel=1e-5)
        # SGD: θ_t − θ_{t−1} = −lr·g, so the ratio is lr·‖g‖ / ‖θ_{t−1}‖
        expected = 0.1 * np.linalg.norm(grad) / np.linalg.norm(before[name])
        assert history["update_ratio"][name][0] == pytest.approx(expected, rel=1e-4)
    layer0 = math.hypot(np.linalg.norm(grads["0.weight"]), np.linalg.norm(grads["0.bias"]))
    assert history["layer_grad_norm"]["0"][0] == pytest.approx(layer0, rel=1e-5)
    assert history["layers"] == ["0", "2"]
    assert history["loss"][0] == pytest.approx(loss.item())
    monitor.remove()


def test_every_n_records_every_nth_step_and_the_ratio_of_that_step():
    tn.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2))
    optimizer = tn.optim.SGD(model.parameters(), lr=0.5)
    x, y = tn.randn(8, 3), tn.randn(8, 2)
    monitor = GradientMonitor(model, every=3)
    expected = []
    for step in range(7):
        before = model[0].weight.detach().numpy().copy()
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        monitor.step(loss=loss)
        if step % 3 == 0:
            after = model[0].weight.detach().numpy()
            expected.append(np.linalg.norm(after - before) / np.linalg.norm(before))
    history = monitor.history
    assert list(history["step"]) == [0, 3, 6]
    np.testing.assert_allclose(history["update_ratio"]["0.weight"], expected, rtol=1e-4)
    assert len(history["loss"]) == 7  # the loss is kept on every step


def test_activation_statistics_dead_units_and_saturation():
    lin = nn.Linear(4, 4)
    with tn.no_grad():
        lin.weight.copy_(tn.eye(4))
        lin.bias.copy_(tn.tensor([-100.0, 0.0, 0.0, 0.0]))  # unit 0 never fires
    model = nn.Sequential(lin, nn.ReLU(), nn.Linear(4, 4), nn.Sigmoid())
    x = tn.randn(16, 4, generator=tn.Generator(1))
    monitor = GradientMonitor(model)
    out = model(x)
    out.sum().backward()
    monitor.step()
    history = monitor.history
    relu = np.maximum(x.numpy() + np.array([-100, 0, 0, 0]), 0)
    assert history["dead_fraction"]["1"][0] == pytest.approx(0.25)
    assert history["activation_mean"]["1"][0] == pytest.approx(relu.mean(), rel=1e-5)
    assert history["activation_std"]["1"][0] == pytest.approx(relu.std(), rel=1e-5)
    pre = x.numpy() + np.array([-100, 0, 0, 0])
    assert history["preactivation_mean"]["1"][0] == pytest.approx(pre.mean(), rel=1e-5)
    y = out.detach().numpy()
    assert history["saturated_fraction"]["3"][0] == pytest.approx(np.mean((y < 0.01) | (y > 0.99)))
    assert math.isnan(history["saturated_fraction"].get("1", [math.nan])[0])
    monitor.remove()


def test_evaluation_passes_are_not_recorded():
    model = nn.Sequential(nn.Linear(4, 4), nn.ReLU())
    monitor = GradientMonitor(model)
    with tn.no_grad():
        model(tn.randn(5, 4))
    monitor.step()
    assert monitor.history["activation_mean"] == {}
    monitor.remove()


# Vanishing ---------------------------------------------------------------------------------------
def test_a_deep_sigmoid_mlp_with_small_init_is_flagged_vanishing():
    tn.manual_seed(0)
    monitor = train(mlp(nn.Sigmoid, small_init), steps=60)
    found = kinds(monitor)
    assert set(found) == {"vanishing"}
    diagnosis = found["vanishing"]
    assert diagnosis.layers[0] == "0"  # the lowest layer first
    assert "update_ratio_gap" in diagnosis.evidence
    ratios = monitor.history["layer_update_ratio"]
    assert np.median(ratios["0"][-20:]) < 1e-2 * np.median(ratios["20"][-20:])


@pytest.mark.parametrize("variant", ["relu_he", "batch_norm"])
def test_relu_with_he_init_or_batch_norm_is_not_flagged(variant):
    tn.manual_seed(0)
    model = (mlp(nn.ReLU, he_init) if variant == "relu_he"
             else mlp(nn.Sigmoid, small_init, batch_norm=True))
    monitor = train(model, steps=60)
    assert monitor.flags() == []


def test_the_gap_threshold_can_be_changed():
    tn.manual_seed(0)
    monitor = train(mlp(nn.Sigmoid, small_init), steps=30)
    assert "vanishing" in kinds(monitor)
    monitor.thresholds = Thresholds(vanishing_orders=30.0)
    assert "vanishing" not in kinds(monitor)


# Exploding ---------------------------------------------------------------------------------------
def test_a_too_large_learning_rate_is_flagged_exploding():
    tn.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's overflow warnings
        monitor = train(mlp(nn.ReLU, he_init, depth=6), steps=40, lr=3.0)
    diagnosis = kinds(monitor)["exploding"]
    assert "loss_spike" in diagnosis.evidence
    assert "nonfinite" in diagnosis.evidence


def test_nan_names_the_first_layer_whose_output_overflowed():
    def large_init(linear):
        nn.init.normal_(linear.weight, 0.0, 4.0)
        nn.init.zeros_(linear.bias)

    tn.manual_seed(0)
    model = mlp(nn.ReLU, large_init, depth=40, width=64)
    x, _ = blobs()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        first = None  # the first module whose output is not finite, found by hand
        with tn.no_grad():
            h = x[:64]
            for name, module in model.named_children():
                h = module(h)
                if first is None and not np.isfinite(h.numpy()).all():
                    first = name
        monitor = train(model, steps=3, lr=0.01)
    assert first not in (None, "0")
    diagnosis = kinds(monitor)["exploding"]
    assert diagnosis.layers == (first,)
    assert f"the output of layer {first}" in diagnosis.evidence["nonfinite"]
    assert monitor.history["nonfinite"][0]["step"] == 0


def test_exponential_weight_growth_is_flagged_before_any_nan():
    model = nn.Sequential(nn.Linear(4, 4, bias=False))
    monitor = GradientMonitor(model)
    for _ in range(15):  # the weights double at every step
        with tn.no_grad():
            model[0].weight.mul_(2.0)
        monitor.step()
    diagnosis = kinds(monitor)["exploding"]
    assert diagnosis.layers == ("0",)
    assert "norm_growth" in diagnosis.evidence and "1.02e+03x" in diagnosis.evidence["norm_growth"]
    monitor.remove()


# Activations -------------------------------------------------------------------------------------
def test_dead_relu_units_are_flagged():
    tn.manual_seed(0)
    model = mlp(nn.ReLU, he_init, depth=4)
    nn.init.constant_(model[4].bias, -10.0)  # the third Linear: every unit below zero
    monitor = train(model, steps=30, lr=0.05)
    diagnosis = kinds(monitor)["dead_units"]
    assert diagnosis.layers == ("5", "7")  # that layer's ReLU, and the next one
    assert monitor.history["dead_fraction"]["5"][-1] == 1.0
    assert np.all(monitor.history["dead_fraction"]["1"] < 0.5)


def test_saturated_tanh_is_flagged_and_xavier_tanh_is_not():
    def large(linear):
        nn.init.normal_(linear.weight, 0.0, 2.0)

    tn.manual_seed(0)
    saturated = train(mlp(nn.Tanh, large, depth=4), steps=30, lr=0.01)
    assert kinds(saturated)["saturation"].layers == ("1", "3", "5", "7")
    healthy = train(mlp(nn.Tanh, lambda lin: nn.init.xavier_normal_(lin.weight), depth=4),
                    steps=30, lr=0.01)
    assert "saturation" not in kinds(healthy)


# Recurrent networks ------------------------------------------------------------------------------
def train_until_solved(cell, lag=40, max_steps=700):
    """A LastStepRegressor on the adding problem (Adam, lr 1e-2, gradients clipped to 1) until
    the mean of the last 20 losses is below 0.02 (solved) or ``max_steps``."""
    from tinynet.data.datasets.sequence_tasks import adding_problem
    from tinynet.models import LastStepRegressor

    tn.manual_seed(0)
    x, y = adding_problem(2000, lag, seed=0)
    model = LastStepRegressor(cell, 2, 32)
    optimizer = tn.optim.Adam(model.parameters(), lr=1e-2)
    generator, losses = tn.Generator(0), []
    with GradientMonitor(model) as monitor:
        for _ in range(max_steps):
            index = tn.randint(0, len(x), (64,), generator=generator)
            optimizer.zero_grad()
            loss = nn.functional.mse_loss(model(x[index]), y[index])
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            monitor.step(loss=loss)
            losses.append(loss.item())
            if len(losses) >= 20 and np.mean(losses[-20:]) < 0.02:
                break
    return monitor, np.mean(losses[-20:])


def test_tanh_rnn_is_flagged_vanishing_through_time_and_the_lstm_is_not():
    rnn, rnn_loss = train_until_solved("rnn")
    lstm, lstm_loss = train_until_solved("lstm")
    assert rnn_loss > 0.1 and lstm_loss < 0.02  # the RNN failed the task, the LSTM solved it
    diagnosis = kinds(rnn)["vanishing"]
    assert diagnosis.layers == ("rnn",) and "through_time" in diagnosis.evidence
    assert np.median(rnn.history["time_gradient_ratio"]["rnn"][-20:]) < 1e-3
    assert "vanishing" not in kinds(lstm)
    assert np.median(lstm.history["time_gradient_ratio"]["rnn"][-20:]) > 1e-2


# The objects -------------------------------------------------------------------------------------
def test_diagnosis_and_thresholds_are_plain_dataclasses():
    diagnosis = Diagnosis("vanishing", ("0",), {"update_ratio_gap": "a 1e+05x gap"})
    assert str(diagnosis) == "vanishing in 0: a 1e+05x gap"
    thresholds = dataclasses.replace(Thresholds(), window=5)
    assert thresholds.window == 5 and Thresholds().window == 20
    with pytest.raises(ValueError, match="window"):
        Thresholds(window=0)
    with pytest.raises(ValueError, match="dead_fraction"):
        Thresholds(dead_fraction=1.5)


def test_bad_arguments_are_refused_by_name():
    with pytest.raises(TypeError, match="nn.Module"):
        GradientMonitor([1, 2])
    with pytest.raises(ValueError, match="every"):
        GradientMonitor(nn.Linear(2, 2), every=0)
    with pytest.raises(TypeError, match="Thresholds"):
        GradientMonitor(nn.Linear(2, 2), thresholds={"window": 3})
    with pytest.raises(ValueError, match="no parameter"):
        GradientMonitor(nn.ReLU())


def hook_count(model):
    modules = sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in model.modules())
    tensors = sum(len(p._hooks or {}) for p in model.parameters())
    return modules + tensors


def test_remove_detaches_every_hook_and_the_context_manager_does_too():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.LSTM(4, 4, batch_first=True))
    assert hook_count(model) == 0
    monitor = GradientMonitor(model)
    assert hook_count(model) > 0
    monitor.remove()
    assert hook_count(model) == 0
    with pytest.raises(RuntimeError, match="removed"):
        monitor.step()
    with GradientMonitor(model) as monitor:
        assert hook_count(model) > 0
    assert hook_count(model) == 0
