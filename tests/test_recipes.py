"""tinynet.recipes through its public API: the Python form of ``tinynet train``, options checked
by name with defaults only for absent ones, model arguments, numbered run folders, repeatable
seeds, Ctrl-C (exit 130, the checkpoint kept) and the summary over seeds."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import tinynet as tn
from tinynet import cli
from tinynet.data.datasets import DATASETS, Digits
from tinynet.recipes import RECIPES, measure, train

ROOT = Path(__file__).resolve().parent.parent


def test_train_is_repeatable_with_a_seed(tmp_path):
    first = train("mlp", "moons", epochs=1, out=tmp_path / "a", verbose=False)
    again = train("mlp", "moons", epochs=1, out=tmp_path / "b", verbose=False)
    other = train("mlp", "moons", epochs=1, seed=1, out=tmp_path / "c", verbose=False)
    assert first["history"] == again["history"] and first["test_accuracy"] == again["test_accuracy"]
    assert first["history"] != other["history"]


def test_the_command_line_and_python_run_the_same_recipe(tmp_path):
    assert cli.main(["train", "mlp", "--dataset", "moons", "--epochs", "2", "--seed", "3",
                     "--out", str(tmp_path / "cli"), "--quiet"]) == 0
    from_cli = json.loads((tmp_path / "cli" / "metrics.json").read_text())
    from_python = train("mlp", dataset="moons", epochs=2, seed=3, out=tmp_path / "py",
                        verbose=False)
    assert from_cli["history"] == from_python["history"]
    assert from_cli["test_accuracy"] == from_python["test_accuracy"]


def test_train_cnn_on_mnist1d(tmp_path, monkeypatch):
    monkeypatch.setenv("TINYNET_DATA", str(tmp_path / "cache"))
    metrics = train("cnn", "mnist1d", epochs=1, batch_size=128, val_fraction=0.0,
                    scheduler="none", out=tmp_path / "run", verbose=False)
    assert metrics["test_accuracy"] > 0.15 and metrics["best_epoch"] == 0
    assert (tmp_path / "cache" / "mnist1d.npz").exists()


def test_main_job_short_form(tmp_path):
    metrics = train("cnn", "digits", epochs=1, out=tmp_path, verbose=False)
    assert metrics["test_accuracy"] > 0.5 and metrics["settings"]["batch_size"] == 32


@pytest.mark.parametrize("model, dataset", [("logistic", "moons"), ("resnet", "digits")])
def test_each_classifier_trains_a_short_form(model, dataset, tmp_path):
    metrics = train(model, dataset, epochs=2, out=tmp_path, verbose=False,
                    model_args={"widths": (8, 16), "blocks_per_stage": 1} if model == "resnet"
                    else None)
    assert metrics["test_accuracy"] > {"moons": 0.6, "digits": 0.2}[dataset]   # chance: 0.5, 0.1
    assert metrics["epochs_run"] == 2


def test_defaults_apply_only_to_absent_options(tmp_path):
    metrics = train("perceptron", "moons", epochs=2, out=tmp_path, verbose=False)
    assert metrics["settings"] == {"epochs": 2, "lr": 1.0, "seed": 0, "model_args": {}}
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="--epochs must be a positive integer"):
            train("gan", epochs=bad, out=tmp_path / "never", verbose=False)
    with pytest.raises(ValueError, match="--lr must be a number"):
        train("vae", lr=float("nan"), out=tmp_path / "never", verbose=False)
    with pytest.raises(ValueError, match="does not take --batch-size"):
        train("perceptron", batch_size=8, out=tmp_path / "never", verbose=False)
    with pytest.raises(ValueError, match="unknown model 'nope'; choose from mlp, cnn"):
        train("nope")
    with pytest.raises(ValueError, match="unknown dataset 'imagenet'"):
        train("mlp", "imagenet")
    assert not (tmp_path / "never").exists()


def test_model_args_are_honoured_or_refused_by_name(tmp_path):
    metrics = train("cnn", "digits", epochs=1, model_args={"channels": (4, 8), "dropout": 0.0},
                    out=tmp_path / "run", verbose=False)
    state = tn.load(tmp_path / "run" / "model.npz")
    assert tuple(state["0.weight"].shape) == (4, 1, 3, 3)
    assert metrics["settings"]["model_args"] == {"channels": [4, 8], "dropout": 0.0}
    with pytest.raises(ValueError, match="the vae model has no argument 'width'; it takes "
                                         "latent_size=8, channels=16, hidden_size=128"):
        train("vae", model_args=["width=3"], out=tmp_path / "never")


def test_a_second_run_goes_to_a_new_numbered_folder(tmp_path, capsys):
    out = tmp_path / "runs" / "mlp-moons"
    folders = [train("mlp", "moons", epochs=1, out=out)["run_folder"] for _ in range(3)]
    assert folders == [str(out), f"{out}-2", f"{out}-3"]
    printed = capsys.readouterr().out
    assert f"run folder: {out}-2 ({out} holds an earlier run)" in printed
    first = json.loads((out / "metrics.json").read_text())
    assert first["run_folder"] == str(out)                          # the first run is untouched
    again = train("mlp", "moons", epochs=1, seed=5, out=out, overwrite=True, verbose=False)
    assert again["run_folder"] == str(out)
    assert json.loads((out / "metrics.json").read_text())["settings"]["seed"] == 5
    empty = tmp_path / "empty"
    empty.mkdir()
    assert train("mlp", "moons", epochs=1, out=empty, verbose=False)["run_folder"] == str(empty)


def test_the_perceptron_follows_the_seed(tmp_path):
    runs = [train("perceptron", "digits", epochs=3, seed=seed, out=tmp_path / str(i),
                  verbose=False) for i, seed in enumerate([4, 4, 5])]
    assert runs[0]["mistakes_per_epoch"] == runs[1]["mistakes_per_epoch"]
    assert runs[0]["mistakes_per_epoch"] != runs[2]["mistakes_per_epoch"]
    from tinynet.models.perceptron import Perceptron, make_linearly_separable
    from tinynet.recipes.perceptron import train_perceptron

    points, labels = make_linearly_separable(100, 5, margin=0.02)
    assert (train_perceptron(Perceptron(5), points, labels)
            == train_perceptron(Perceptron(5), points, labels))


class InterruptedDigits(Digits):
    """Digits whose training side raises KeyboardInterrupt (as Ctrl-C does) once the first
    epoch has read every sample: the interrupt lands in the second epoch, at no set time."""

    def __init__(self, train):
        super().__init__(train=train)
        self.training_side, self.reads = train, 0

    def __getitem__(self, index):
        self.reads += 1
        if self.training_side and self.reads > len(self) + 2:
            raise KeyboardInterrupt
        return super().__getitem__(index)


def test_ctrl_c_keeps_the_best_checkpoint_and_the_command_exits_130(tmp_path, monkeypatch):
    monkeypatch.setitem(DATASETS, "digits", lambda train, root, download: InterruptedDigits(train))
    status = cli.main(["train", "mlp", "--dataset", "digits", "--epochs", "50", "--out",
                       str(tmp_path / "run"), "--quiet"])
    assert status == 130
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["stop_cause"] == "interrupted" and metrics["epochs_run"] == 1
    assert metrics["best_epoch"] == 0 and metrics["test_accuracy"] > 0.5
    assert tn.load(tmp_path / "run" / "model.npz")


def test_ctrl_c_in_a_recipe_with_its_own_loop_exits_130(tmp_path):
    environment = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "tinynet", "train", "vae", "--epochs", "1000", "--out",
         str(tmp_path / "run")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=environment)
    try:
        for line in process.stdout:      # waits for the line, not for a time
            if line.startswith("epoch 2/"):
                break
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 130 and "Traceback" not in err
    assert "interrupted (Ctrl-C)" in err and "test ELBO" in out
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["stop_cause"] == "interrupted" and metrics["epochs_run"] >= 2
    assert (tmp_path / "run" / "model.npz").exists() and (tmp_path / "run" / "samples.png").exists()


def test_measure_over_seeds(tmp_path):
    page = tmp_path / "moons.md"
    summary = measure("logistic", [0, 1, 2], dataset="moons", epochs=1, out=tmp_path / "runs",
                      markdown=page, command="tinynet train logistic --seeds 0 1 2", verbose=False)
    values = [row["test_accuracy"] for row in summary["runs"]]
    assert [row["seed"] for row in summary["runs"]] == [0, 1, 2]
    assert summary["min"] == min(values) and summary["max"] == max(values)
    assert all(row["wall_seconds"] >= row["train_seconds"] for row in summary["runs"])
    text = page.read_text()
    assert "Written by `tinynet train logistic --seeds 0 1 2`" in text
    assert f"{100 * min(values):.2f}% to {100 * max(values):.2f}%" in text


def test_every_registered_model_has_a_recipe_and_a_default_dataset():
    from tinynet.models import MODELS

    assert set(RECIPES) == set(MODELS)
    for name, recipe in RECIPES.items():
        assert recipe.dataset in (recipe.datasets or DATASETS)
        assert set(recipe.defaults(recipe.dataset)) & {"epochs", "steps"}  # how long it trains



def test_a_run_that_fails_before_writing_leaves_no_folder(tmp_path):
    with pytest.raises(ValueError, match="the cnn model cannot be built"):
        train("cnn", "digits", model_args=["dropout=abc"], out=tmp_path / "run", verbose=False)
    assert not (tmp_path / "run").exists()
