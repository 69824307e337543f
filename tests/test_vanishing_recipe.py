"""The vanishing-gradient recipe (``tinynet train vanishing``) in short forms: the per-step
hidden states give the true ∂loss/∂h_t (the chain rule through the recurrence checked by hand),
the tanh RNN's gradient vanishes going back in time, a GRU learns the adding problem at a short
length, exploding gradients grow by orders of magnitude with the length and clip_grad_norm_
bounds them, and the run writes its metrics, figures and Markdown page."""

import json
import math

import numpy as np
import pytest

import tinynet as tn
from tinynet.data.datasets.sequence_tasks import adding_problem
from tinynet.models import LastStepRegressor, build_vanishing
from tinynet.recipes import RECIPES, exploding, measure, train, vanishing


@pytest.mark.parametrize("cell", ["rnn", "lstm", "peephole", "gru"])
def test_hidden_states_compute_the_forward_function(cell):
    tn.manual_seed(0)
    model = LastStepRegressor(cell, 2, 5)
    inputs = tn.randn(3, 7, 2)
    prediction, states = model.hidden_states(inputs)
    np.testing.assert_allclose(prediction.detach().numpy(), model(inputs).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    assert len(states) == 7 and all(tuple(h.shape) == (3, 5) for h in states)


def test_gradient_norms_are_the_total_derivative_through_the_recurrence():
    tn.manual_seed(1)
    model = LastStepRegressor("rnn", 2, 4).double()
    inputs, targets = (t.double() for t in adding_problem(5, 6, seed=0))
    prediction, states = model.hidden_states(inputs)
    for h in states:
        h.retain_grad()
    tn.nn.functional.mse_loss(prediction, targets).backward()
    w_hh = model.rnn.weight_hh_l0.detach().numpy()
    for t in range(5, 0, -1):  # h_t = tanh(... + W_hh h_{t−1}): ∂L/∂h_{t−1} = W_hhᵀ((1 − h_t²) ∂L/∂h_t)
        h_t, grad_t = states[t].detach().numpy(), states[t].grad.numpy()
        np.testing.assert_allclose(states[t - 1].grad.numpy(), ((1 - h_t ** 2) * grad_t) @ w_hh,
                                   rtol=1e-10, atol=1e-14)
    norms = vanishing.hidden_gradient_norms(model, inputs, targets)
    np.testing.assert_allclose(norms, [np.linalg.norm(h.grad.numpy()) for h in states],
                               rtol=1e-10)
    assert all(p.grad is None or not p.grad.abs().sum().item() for p in model.parameters())


def test_the_tanh_rnns_gradient_vanishes_going_back_in_time():
    tn.manual_seed(0)
    model = LastStepRegressor("rnn", 2, 32)
    inputs, targets = adding_problem(64, 40, seed=0)
    norms = vanishing.hidden_gradient_norms(model, inputs, targets)
    assert norms[0] < 1e-4 * norms[-1]
    assert all(math.isfinite(value) and value >= 0 for value in norms)


def test_a_gru_solves_the_adding_problem_at_length_10():
    tn.manual_seed(0)
    results = vanishing.study(lambda shape: build_vanishing(shape, 1, cells=("gru",)), [10],
                              epochs=10, batch_size=64, lr=1e-2, seed=0, train_size=1000,
                              say=lambda text: None)
    (row,) = results["rows"]
    assert row["cell"] == "gru" and row["lag"] == 10
    assert row["solved"] and row["test_mse"] < vanishing.SOLVED_MSE < vanishing.BASELINE_MSE
    norms = results["gradient_norms"]["gru"]["10"]
    assert len(norms["init"]) == len(norms["trained"]) == 10


def test_unclipped_gradients_explode_with_the_length_and_clipping_bounds_them():
    result = exploding.exploding_study(seed=0, short=True)
    unclipped, clipped = result["unclipped"], result["clipped"]
    assert result["lags"] == [5, 10, 20, 40]
    assert unclipped[-1] > 1e3 * unclipped[0]
    assert all(value <= exploding.MAX_NORM * (1 + 1e-5) for value in clipped)
    assert all(value == pytest.approx(exploding.MAX_NORM, rel=1e-5) for value in clipped)
    free, bounded = result["losses"]["unclipped"], result["losses"]["clipped"]
    assert free[-1] is None or free[-1] > 1e3 * free[0]
    assert all(value is not None and value < 10 * bounded[0] for value in bounded)


def test_short_run_writes_metrics_figures_and_the_page(tmp_path):
    page = tmp_path / "docs" / "vanishing.md"
    summary = measure("vanishing", [0], markdown=page, out=tmp_path / "run", epochs=1,
                      model_args=["lags=(4, 6)", "train_size=64", "hidden_size=4"],
                      verbose=False, command="tinynet train vanishing (short)")
    folder = tmp_path / "run" / "seed-0"
    metrics = json.loads((folder / "metrics.json").read_text())
    assert {(row["cell"], row["lag"]) for row in metrics["rows"]} == {
        (cell, lag) for cell in ("rnn", "lstm", "peephole", "gru") for lag in (4, 6)}
    assert metrics["solved"] == sum(row["solved"] for row in metrics["rows"])
    assert summary["runs"][0]["solved"] == metrics["solved"]
    assert len(metrics["gradient_norms"]["peephole"]["6"]["trained"]) == 6
    assert (folder / "gradient-norms.png").stat().st_size > 0
    assert (folder / "exploding.png").stat().st_size > 0
    assert set(tn.load(folder / "model.npz")) >= {"gru-6.rnn.weight_hh_l0",
                                                   "peephole-4.rnn.weight_co_l0"}
    text = page.read_text()
    assert "| peephole LSTM |" in text and "T = 6" in text and "clip_grad_norm_" in text
    assert (page.parent / "vanishing-seed0-gradient-norms.png").exists()
    assert (page.parent / "vanishing-seed0-exploding.png").exists()


def test_the_recipe_is_registered_with_its_defaults():
    recipe = RECIPES["vanishing"]
    assert recipe.dataset == "adding" and recipe.headline == "solved"
    assert recipe.defaults("adding") == {"epochs": 24, "batch_size": 64, "lr": 1e-2}


def test_bad_settings_are_refused_by_name(tmp_path):
    with pytest.raises(ValueError, match="adding problem"):
        train("vanishing", "digits", out=tmp_path / "a", verbose=False)
    with pytest.raises(ValueError, match="cells"):
        train("vanishing", model_args={"cells": ("lstm", "transformer")}, out=tmp_path / "b",
              verbose=False)
    with pytest.raises(ValueError, match="lags"):
        train("vanishing", model_args={"lags": (1, 10)}, out=tmp_path / "c", verbose=False)
    with pytest.raises(ValueError, match="optimizer"):
        train("vanishing", optimizer="sgd", out=tmp_path / "d", verbose=False)
    with pytest.raises(ValueError, match="unknown cell"):
        LastStepRegressor("transformer", 2)
