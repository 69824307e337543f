"""The fit callback (fit's per-batch hook, one warning per diagnosis), the plots, and
``tinynet diagnose`` on the model zoo's default recipes (no false alarm)."""

import os
import warnings

import pytest

import tinynet as tn
from tinynet import cli, nn
from tinynet.callbacks import Callback
from tinynet.data import DataLoader, TensorDataset
from tinynet.diagnostics import (
    GradientMonitor,
    GradientMonitorCallback,
    plot_gradient_heatmap,
    plot_update_ratios,
)
from tinynet.train import fit

from .helpers import blobs, he_init, mlp, small_init, train


def loader():
    x, y = blobs(256)
    return DataLoader(TensorDataset(x, y), 32, shuffle=True, generator=tn.Generator(0))


def test_fit_calls_on_train_batch_end_after_each_step_with_the_batch_loss():
    class Recorder(Callback):
        def __init__(self):
            super().__init__()
            self.calls = []

        def on_train_batch_end(self, batch, logs):
            self.calls.append((batch, logs["loss"], model[0].weight.detach().numpy().copy()))

    tn.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 4))
    before = model[0].weight.detach().numpy().copy()
    recorder = Recorder()
    fit(model, nn.CrossEntropyLoss(), tn.optim.SGD(model.parameters(), lr=0.1), loader(),
        epochs=2, callbacks=[recorder], verbose=False)
    assert [batch for batch, _, _ in recorder.calls] == list(range(8)) * 2
    assert all(loss > 0 for _, loss, _ in recorder.calls)
    assert not (recorder.calls[0][2] == before).all()  # called after optimizer.step()


def test_the_callback_steps_the_monitor_and_warns_once_per_diagnosis():
    tn.manual_seed(0)
    model = mlp(nn.Sigmoid, small_init)
    callback = GradientMonitorCallback()
    with pytest.warns(UserWarning, match="gradient monitor: vanishing in 0") as caught:
        fit(model, nn.CrossEntropyLoss(), tn.optim.SGD(model.parameters(), lr=0.1), loader(),
            epochs=4, callbacks=[callback], verbose=False)
    vanishing = [w for w in caught if "vanishing" in str(w.message)]
    assert len(vanishing) == 1
    assert [d.kind for d in callback.diagnoses] == ["vanishing"]
    assert len(callback.monitor.history["loss"]) == 32  # one per optimizer step
    assert all(not m._forward_hooks for m in model.modules())  # detached at the end


def test_the_callback_warns_when_fit_stops_on_a_non_finite_loss():
    tn.manual_seed(0)
    x, _ = blobs(256)
    targets = x[:, :4] * 3.0
    data = DataLoader(TensorDataset(x, targets), 32, shuffle=True, generator=tn.Generator(0))
    model = mlp(nn.ReLU, he_init, depth=6)
    callback = GradientMonitorCallback()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = fit(model, lambda out, t: ((out - t) ** 2).mean(),  # a loss that lets NaN by
                      tn.optim.SGD(model.parameters(), lr=1.0), data, epochs=3,
                      callbacks=[callback], metrics=(), verbose=False)
    assert history.stop_cause == "non-finite loss"
    messages = [str(w.message) for w in caught if "gradient monitor" in str(w.message)]
    assert len(messages) == 1 and messages[0].startswith("gradient monitor: exploding in ")
    assert "NaN/inf first appeared" in messages[0]
    assert all(not m._forward_hooks for m in model.modules())  # detached at the end


def test_a_healthy_fit_gives_no_warning():
    tn.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit(model, nn.CrossEntropyLoss(), tn.optim.Adam(model.parameters(), lr=1e-2), loader(),
            epochs=3, callbacks=[GradientMonitorCallback()], verbose=False)


def test_plots_return_a_figure_and_save_a_png(tmp_path):
    tn.manual_seed(0)
    monitor = train(mlp(nn.Sigmoid, small_init, depth=4), steps=10)
    heatmap = plot_gradient_heatmap(monitor, tmp_path / "heat.png")
    ratios = plot_update_ratios(monitor.history, tmp_path / "ratios.png")
    assert (tmp_path / "heat.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "ratios.png").read_bytes()[:4] == b"\x89PNG"
    labels = [t.get_text() for t in heatmap.axes[0].get_yticklabels()]
    assert labels == ["0 (Linear)", "2 (Linear)", "4 (Linear)", "6 (Linear)", "8 (Linear)"]
    assert len(ratios.axes[0].get_lines()) == 5
    with pytest.raises(ValueError, match="no recorded step"):
        plot_gradient_heatmap(GradientMonitor(nn.Linear(2, 2)))


STEPS = "120" if os.environ.get("CI") else "300"


@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_diagnose_finds_no_problem_in_the_default_recipes(model, tmp_path, capsys):
    status = cli.main(["diagnose", model, "--dataset", "digits", "--steps", STEPS,
                       "--out", str(tmp_path)])
    output = capsys.readouterr().out
    assert status == 0
    assert "no problems found" in output and "FLAG" not in output
    assert (tmp_path / "gradient-heatmap.png").exists()
    assert (tmp_path / "update-ratios.png").exists()


def test_diagnose_prints_the_flags_of_a_sick_model(tmp_path, capsys):
    deep = "hidden_sizes=(" + "32," * 12 + ")"  # 12 sigmoid layers, no batch norm
    status = cli.main(["diagnose", "mlp", "--dataset", "digits", "--steps", "60",
                       "--model-arg", "activation=sigmoid", "--model-arg", "batch_norm=False",
                       "--model-arg", deep, "--out", str(tmp_path)])
    output = capsys.readouterr().out
    assert status == 0
    assert "FLAG vanishing in 1" in output


def test_diagnose_refuses_a_model_it_cannot_train(capsys):
    with pytest.raises(SystemExit):
        cli.main(["diagnose", "vae"])
    assert "invalid choice: 'vae'" in capsys.readouterr().err
    assert cli.main(["diagnose", "mlp", "--steps", "0"]) == 1
    assert "--steps must be a positive integer" in capsys.readouterr().err
