"""The command line end to end: a tiny training run in a subprocess, help, one-line errors,
gradcheck and bench; the full main job (cnn on digits, >= 97% in < 2 min) is marked slow."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tinynet import cli



def run_tinynet(*args, cwd=None, timeout=120):
    environment = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run([sys.executable, "-m", "tinynet", *args], capture_output=True,
                          text=True, cwd=cwd, env=environment, timeout=timeout)


def test_train_end_to_end_in_a_subprocess(tmp_path):
    out = tmp_path / "run"
    result = run_tinynet("train", "mlp", "--dataset", "digits", "--epochs", "1", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "epoch 1/1" in result.stdout and "test accuracy" in result.stdout
    assert "Traceback" not in result.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert 0.5 < metrics["test_accuracy"] <= 1.0
    assert metrics["settings"]["epochs"] == 1 and len(metrics["history"]["loss"]) == 1
    assert (out / "model.npz").stat().st_size > 0 and (out / "history.png").stat().st_size > 0


def test_ctrl_c_in_a_real_run_keeps_the_best_checkpoint_and_reports(tmp_path):
    environment = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "tinynet", "train", "mlp", "--dataset", "digits", "--epochs",
         "1000", "--out", str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env=environment)
    try:
        for line in process.stdout:
            if line.startswith("epoch 2/"):
                break
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 0 and "Traceback" not in err
    assert "interrupted (Ctrl-C)" in err and "test accuracy" in out
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["stop_cause"] == "interrupted" and metrics["best_epoch"] is not None
    assert (tmp_path / "model.npz").exists()


def test_train_is_repeatable_with_a_seed(tmp_path):
    first = cli.train_command("mlp", "moons", epochs=1, out=tmp_path / "a", verbose=False)
    again = cli.train_command("mlp", "moons", epochs=1, out=tmp_path / "b", verbose=False)
    other = cli.train_command("mlp", "moons", epochs=1, seed=1, out=tmp_path / "c", verbose=False)
    assert first["history"] == again["history"]
    assert first["history"] != other["history"]


def test_train_cnn_on_mnist1d_in_process(tmp_path, monkeypatch):
    monkeypatch.setenv("TINYNET_DATA", str(tmp_path / "cache"))
    metrics = cli.train_command("cnn", "mnist1d", epochs=1, batch_size=128, val_fraction=0.0,
                                scheduler="none", out=tmp_path / "run", verbose=False)
    assert metrics["test_accuracy"] > 0.15 and metrics["best_epoch"] == 0
    assert (tmp_path / "cache" / "mnist1d.npz").exists()


@pytest.mark.parametrize("option", [{"optimizer": "sgd"}, {"scheduler": "none"},
                                    {"weight_decay": 0.0}, {"val_fraction": 0.2}])
def test_models_with_their_own_trainer_refuse_the_classifier_options(option, tmp_path):
    with pytest.raises(ValueError, match="--" + next(iter(option)).replace("_", "-")):
        cli.train_command("autoencoder", "digits", epochs=1, out=tmp_path, verbose=False,
                          **option)


def test_help_is_clear():
    result = run_tinynet("--help")
    assert result.returncode == 0
    for command in ("train", "gradcheck", "bench"):
        assert command in result.stdout
    train_help = run_tinynet("train", "--help").stdout
    for option in ("--dataset", "--epochs", "--batch-size", "--optimizer", "--lr", "--scheduler",
                   "--seed", "--out", "digits", "mnist1d"):
        assert option in train_help


@pytest.mark.parametrize("args", [
    ["train", "resnet9000", "--dataset", "digits"],
    ["train", "mlp", "--dataset", "imagenet"],
    ["train", "mlp", "--dataset", "digits", "--epochs", "many"],
    ["train", "mlp", "--dataset", "digits", "--lr", "-1"],
    ["train", "vae", "--dataset", "digits", "--optimizer", "sgd"],
    ["train", "gan", "--dataset", "digits", "--scheduler", "cosine", "--weight-decay", "0.1"],
    ["train", "mlp"],
    ["frobnicate"],
    [],
    ["bench", "no-such-benchmark"],
    ["gradcheck", "no-such-op"],
])
def test_a_bad_argument_gives_a_one_line_error(args, tmp_path):
    result = run_tinynet(*args, cwd=tmp_path)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "error" in result.stderr


def test_gradcheck_prints_the_table(capsys):
    assert cli.main(["gradcheck", "sigmoid", "mse_loss"]) == 0
    table = capsys.readouterr().out
    assert table.splitlines()[0].split() == ["op", "max", "abs", "error", "max", "rel", "error",
                                            "pass"]
    assert "sigmoid" in table and "mse_loss" in table and "2 of 2 passed" in table


def test_every_gradcheck_suite_case_passes():
    from tinynet import gradcheck_suite

    results = gradcheck_suite.run()
    assert len(results) == len(gradcheck_suite.CASES) > 80
    assert [(r.name, r.error) for r in results if not r.passed] == []


def test_bench_runs_the_scripts_and_prints_their_tables(tmp_path, monkeypatch, capfd):
    (tmp_path / "tiny.py").write_text("print('name  value')\nprint('tiny  1.0')\n")
    (tmp_path / "optimizers.py").write_text(
        "import sys\nassert sys.argv[1] == '--out'\nprint('plots in', sys.argv[2])\n")
    monkeypatch.setattr(cli, "benchmarks_folder", lambda: tmp_path)
    assert cli.main(["bench", "--out", str(tmp_path / "figures")]) == 0
    output = capfd.readouterr().out
    assert "== benchmarks/optimizers.py ==" in output and "tiny  1.0" in output
    assert "plots in" in output
    (tmp_path / "broken.py").write_text("raise SystemExit(3)\n")
    assert cli.main(["bench", "broken"]) == 1


def test_the_real_benchmark_folder_is_found():
    assert (cli.benchmarks_folder() / "overhead.py").exists()


def test_main_job_short_form(tmp_path):
    metrics = cli.train_command("cnn", "digits", epochs=1, out=tmp_path, verbose=False)
    assert metrics["test_accuracy"] > 0.5


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("TINYNET_FULL"), reason="long run: set TINYNET_FULL=1")
def test_main_job_reaches_97_percent_on_digits_in_under_two_minutes(tmp_path):
    """The README's main command: ``tinynet train cnn --dataset digits`` (default settings)."""
    start = time.perf_counter()
    result = run_tinynet("train", "cnn", "--dataset", "digits", "--out", str(tmp_path),
                         timeout=300)
    seconds = time.perf_counter() - start
    assert result.returncode == 0, result.stderr
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["test_accuracy"] >= 0.97
    assert seconds < 120
