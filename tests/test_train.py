"""tinynet.train: fit with callbacks and early stopping, checkpoints, Ctrl-C and NaN stops,
scheduler stepping, an exactly resumed run, History, evaluate and metrics."""

import json
import os

import numpy as np
import pytest

import tinynet as tn
from tinynet import nn, optim
from tinynet.callbacks import Callback, EarlyStopping
from tinynet.data import DataLoader, TensorDataset
from tinynet.data.datasets import Digits, Moons
from tinynet.optim import lr_scheduler
from tinynet.train import History, ModelCheckpoint, accuracy, evaluate, fit


def moons_loaders(seed=0, batch_size=32):
    train, val = Moons(n_samples=256, seed=seed), Moons(n_samples=128, train=False, seed=seed)
    return (DataLoader(train, batch_size, shuffle=True, generator=tn.Generator(seed)),
            DataLoader(val, 128))


def small_model(dropout=0.0):
    layers = [nn.Linear(2, 16), nn.Tanh()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers, nn.Linear(16, 2))


def train_moons(epochs=5, callbacks=(), scheduler_factory=None, lr=0.05, verbose=False):
    tn.manual_seed(0)
    model = small_model()
    optimizer = optim.Adam(model.parameters(), lr=lr)
    train_loader, val_loader = moons_loaders()
    scheduler = scheduler_factory(optimizer, len(train_loader)) if scheduler_factory else None
    history = fit(model, nn.CrossEntropyLoss(), optimizer, train_loader, val_loader, epochs=epochs,
                  scheduler=scheduler, callbacks=callbacks, verbose=verbose)
    return model, optimizer, scheduler, history


def test_fit_learns_and_records_history(tmp_path):
    model, _, _, history = train_moons(epochs=8)
    assert len(history) == 8 and history.stop_cause is None
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr"}
    assert history["loss"][-1] < history["loss"][0] / 2
    assert history["val_accuracy"][-1] > 0.8
    parsed = json.loads(history.to_json(tmp_path / "history.json"))
    assert parsed["epochs"] == 8 and parsed["history"]["loss"] == history["loss"]
    assert json.loads((tmp_path / "history.json").read_text()) == parsed
    assert history.plot(tmp_path / "history.png").stat().st_size > 1000


class Recorder(Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def on_train_begin(self, trainer_state):
        self.calls.append(("begin", sorted(trainer_state)))

    def on_epoch_end(self, epoch, logs):
        self.calls.append(("epoch", epoch, sorted(logs)))

    def on_train_end(self, trainer_state):
        self.calls.append(("end",))


def test_callbacks_are_called_in_protocol_order():
    recorder = Recorder()
    train_moons(epochs=2, callbacks=[recorder])
    assert recorder.calls[0] == ("begin", ["epochs", "history", "model", "optimizer"])
    assert [c[:2] for c in recorder.calls[1:3]] == [("epoch", 0), ("epoch", 1)]
    assert "val_loss" in recorder.calls[1][2]
    assert recorder.calls[-1] == ("end",)


def test_early_stopping_ends_training_and_restores_the_best_weights():
    stopper = EarlyStopping(monitor="val_loss", patience=1, restore_best_weights=True)
    # lr so large that the validation loss soon stops improving
    model, _, _, history = train_moons(epochs=40, callbacks=[stopper], lr=0.5)
    assert history.stop_cause == "callback" and len(history) < 40
    assert stopper.stopped_epoch == len(history) - 1
    best = int(np.argmin(history["val_loss"]))
    assert best == stopper.best_epoch
    val_loader = moons_loaders()[1]
    restored = evaluate(model, val_loader, (), nn.CrossEntropyLoss())["loss"]
    assert restored == pytest.approx(history["val_loss"][best], rel=1e-5)


def test_model_checkpoint_keeps_the_best_epoch(tmp_path):
    checkpoint = ModelCheckpoint(tmp_path / "best.npz", monitor="val_accuracy", mode="max")
    model, _, _, history = train_moons(epochs=6, callbacks=[checkpoint])
    assert checkpoint.best_epoch == int(np.argmax(history["val_accuracy"]))
    assert checkpoint.best == max(history["val_accuracy"])
    fresh = small_model()
    fresh.load_state_dict(tn.load(tmp_path / "best.npz"))
    measured = evaluate(fresh, moons_loaders()[1])["accuracy"]
    assert measured == pytest.approx(checkpoint.best)
    assert os.listdir(tmp_path) == ["best.npz"]  # no temporary files left behind


def test_model_checkpoint_names_a_missing_monitor(tmp_path):
    with pytest.raises(KeyError, match="val_f1"):
        train_moons(epochs=1, callbacks=[ModelCheckpoint(tmp_path / "m.npz", monitor="val_f1")])


class InterruptAt:
    """A loss function that presses Ctrl-C at the given call."""

    def __init__(self, call):
        self.call, self.calls = call, 0
        self.loss = nn.CrossEntropyLoss()

    def __call__(self, outputs, targets):
        self.calls += 1
        if self.calls == self.call:
            raise KeyboardInterrupt
        return self.loss(outputs, targets)


def test_ctrl_c_stops_cleanly_and_keeps_the_best_checkpoint(tmp_path):
    tn.manual_seed(0)
    model = small_model()
    train_loader, _ = moons_loaders()
    checkpoint = ModelCheckpoint(tmp_path / "best.npz", monitor="loss")
    recorder = Recorder()
    steps = len(train_loader)
    history = fit(model, InterruptAt(2 * steps + 3), optim.Adam(model.parameters(), lr=0.05),
                  train_loader, epochs=5, callbacks=[checkpoint, recorder], verbose=False)
    assert history.stop_cause == "interrupted" and len(history) == 2
    assert "Ctrl-C" in history.stop_reason
    assert recorder.calls[-1] == ("end",)
    assert checkpoint.best_epoch == int(np.argmin(history["loss"]))
    assert set(tn.load(tmp_path / "best.npz")) == set(model.state_dict())


def test_nan_loss_stops_naming_epoch_and_step(capsys):
    tn.manual_seed(0)
    model = small_model()
    train_loader, _ = moons_loaders()

    class NanAt(InterruptAt):
        def __call__(self, outputs, targets):
            self.calls += 1
            loss = self.loss(outputs, targets)
            return loss * float("nan") if self.calls == self.call else loss

    steps = len(train_loader)
    history = fit(model, NanAt(steps + 3), optim.SGD(model.parameters(), lr=0.1), train_loader,
                  epochs=3)
    assert history.stop_cause == "non-finite loss" and len(history) == 1
    assert "epoch 2, step 3" in history.stop_reason
    assert "epoch 2, step 3" in capsys.readouterr().err
    assert all(np.isfinite(p.detach().numpy()).all() for p in model.parameters())


def test_plain_log_lines_when_stdout_is_not_a_terminal(capsys):
    train_moons(epochs=2, verbose=True)
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split("  ")[0] for line in lines] == ["epoch 1/2", "epoch 2/2"]
    assert "val_accuracy" in lines[0]


def test_per_batch_schedulers_step_every_batch_and_others_every_epoch():
    def one_cycle(optimizer, steps):
        return lr_scheduler.OneCycleLR(optimizer, max_lr=0.05, total_steps=3 * steps)

    _, optimizer, scheduler, history = train_moons(epochs=3, scheduler_factory=one_cycle)
    steps = len(moons_loaders()[0])
    assert scheduler.last_epoch == 3 * steps
    replay = one_cycle(optim.SGD([nn.Parameter(tn.zeros(1))], lr=0.05), steps)
    expected = []
    for _ in range(3):
        for _ in range(steps):
            replay.step()
        expected.append(replay.get_last_lr()[0])
    assert history["lr"] == pytest.approx(expected)

    _, _, step_lr, history = train_moons(
        epochs=3, scheduler_factory=lambda opt, steps: lr_scheduler.StepLR(opt, 1, gamma=0.5))
    assert step_lr.last_epoch == 3
    assert history["lr"] == pytest.approx([0.05, 0.025, 0.0125])  # the lr each epoch trained with
    assert step_lr.get_last_lr() == pytest.approx([0.00625])


def test_reduce_on_plateau_receives_the_validation_loss():
    seen = []

    class Spy(lr_scheduler.ReduceLROnPlateau):
        def step(self, metrics, epoch=None):
            seen.append(metrics)
            super().step(metrics, epoch)

    _, _, _, history = train_moons(epochs=3, scheduler_factory=lambda opt, _: Spy(opt))
    assert seen == history["val_loss"]


def build_run(seed=0):
    """A model with dropout (so the default generator matters), Adam, OneCycleLR, a shuffling
    loader with its own generator."""
    tn.manual_seed(seed)
    model = small_model(dropout=0.2)
    optimizer = optim.Adam(model.parameters(), lr=0.02)
    generator = tn.Generator(seed)
    loader = DataLoader(Moons(n_samples=128), 32, shuffle=True, generator=generator)
    scheduler = lr_scheduler.OneCycleLR(optimizer, max_lr=0.02, total_steps=4 * len(loader))
    return model, optimizer, scheduler, loader, generator


def test_a_resumed_run_matches_an_uninterrupted_one(tmp_path):
    model, optimizer, scheduler, loader, _ = build_run()
    fit(model, nn.CrossEntropyLoss(), optimizer, loader, epochs=4, scheduler=scheduler,
        metrics=(), verbose=False)
    uninterrupted = {name: value.numpy().copy() for name, value in model.state_dict().items()}

    model, optimizer, scheduler, loader, generator = build_run()
    fit(model, nn.CrossEntropyLoss(), optimizer, loader, epochs=2, scheduler=scheduler,
        metrics=(), verbose=False)
    tn.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
             "scheduler": scheduler.state_dict(), "loader_generator": generator.get_state(),
             "default_generator": tn.random.default_generator.get_state()},
            tmp_path / "resume.npz")

    model, optimizer, scheduler, loader, generator = build_run(seed=1)  # all different now
    state = tn.load(tmp_path / "resume.npz")
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    generator.set_state(state["loader_generator"])
    tn.random.default_generator.set_state(state["default_generator"])
    fit(model, nn.CrossEntropyLoss(), optimizer, loader, epochs=2, scheduler=scheduler,
        metrics=(), verbose=False)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), uninterrupted[name], err_msg=name)


def test_evaluate_uses_eval_mode_and_restores_the_mode():
    modes = []

    class ModeSpy(nn.Module):
        def forward(self, x):
            modes.append(self.training)
            return x

    model = ModeSpy()
    loader = DataLoader(TensorDataset(tn.tensor([[2.0, 1.0], [0.0, 3.0]]), tn.tensor([0, 0])), 1)
    result = evaluate(model, loader, ("accuracy",), nn.CrossEntropyLoss())
    assert modes == [False, False] and model.training
    assert result["accuracy"] == 0.5 and set(result) == {"loss", "accuracy"}


def test_metrics_accuracy_binary_regression_and_custom():
    assert accuracy(np.array([[0.1, 0.9], [0.8, 0.2]]), np.array([1, 1])) == 0.5
    assert accuracy(np.array([2.0, -1.0, 3.0]), np.array([1.0, 0.0, 0.0])) == pytest.approx(2 / 3)
    loader = DataLoader(TensorDataset(tn.tensor([[1.0], [3.0]]), tn.tensor([[0.0], [1.0]])), 2)

    def worst_error(outputs, targets):
        return float(np.abs(outputs - targets).max())

    result = evaluate(nn.Identity(), loader, ("mse", "mae", worst_error))
    assert result == {"mse": 2.5, "mae": 1.5, "worst_error": 2.0}
    with pytest.raises(ValueError, match="unknown metric"):
        evaluate(nn.Identity(), loader, ("f1",))


def test_history_pads_late_names_and_serializes_nan():
    history = History()
    history.record({"loss": 1.0})
    history.record({"loss": float("nan"), "val_loss": 2.0})
    assert history["val_loss"][1] == 2.0 and np.isnan(history["val_loss"][0])
    assert json.loads(history.to_json())["history"]["loss"] == [1.0, None]


def test_digits_cnn_short_form():
    """A short run on the digits; the full main job is test_cli's slow test."""
    tn.manual_seed(0)
    train = Digits(train=True)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    optimizer = optim.Adam(model.parameters(), lr=3e-3)
    fit(model, nn.CrossEntropyLoss(), optimizer, DataLoader(train, 32, shuffle=True), epochs=3,
        verbose=False)
    assert evaluate(model, DataLoader(Digits(train=False), 256))["accuracy"] > 0.9
