"""The command line end to end: a tiny training run in a subprocess, Ctrl-C (exit 130), help,
one-line errors, --model-arg, --seeds with its Markdown summary, and gradcheck; the full main job
(cnn on digits, >= 98.5% in < 2 min) is marked slow."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tinynet import cli

ROOT = Path(__file__).resolve().parent.parent


def run_tinynet(*args, cwd=None, timeout=120):
    environment = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "tinynet", *args], capture_output=True,
                          text=True, cwd=cwd, env=environment, timeout=timeout)


def test_train_end_to_end_in_a_subprocess(tmp_path):
    out = tmp_path / "run"
    result = run_tinynet("train", "mlp", "--dataset", "digits", "--epochs", "1", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "epoch 1/1" in result.stdout and "test accuracy" in result.stdout
    assert f"run folder: {out}" in result.stdout
    assert "Traceback" not in result.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert 0.5 < metrics["test_accuracy"] <= 1.0
    assert metrics["settings"]["epochs"] == 1 and len(metrics["history"]["loss"]) == 1
    assert (out / "model.npz").stat().st_size > 0 and (out / "history.png").stat().st_size > 0


def test_ctrl_c_in_a_real_run_keeps_the_best_checkpoint_and_exits_130(tmp_path):
    environment = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "tinynet", "train", "mlp", "--dataset", "digits", "--epochs",
         "1000", "--out", str(tmp_path / "run")], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=environment)
    try:
        for line in process.stdout:      # waits for the line, not for a time
            if line.startswith("epoch 2/"):
                break
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130 and "Traceback" not in err
    assert "interrupted (Ctrl-C)" in err and "test accuracy" in out
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["stop_cause"] == "interrupted" and metrics["best_epoch"] is not None
    assert (tmp_path / "run" / "model.npz").exists()


def test_help_is_clear():
    result = run_tinynet("--help")
    assert result.returncode == 0
    for command in ("train", "gradcheck"):
        assert command in result.stdout
    assert "python benchmarks/" in result.stdout
    train_help = run_tinynet("train", "--help").stdout
    for option in ("--dataset", "--epochs", "--batch-size", "--optimizer", "--lr", "--scheduler",
                   "--seed", "--seeds", "--markdown", "--model-arg", "--out", "--overwrite",
                   "digits", "mnist1d"):
        assert option in train_help


@pytest.mark.parametrize("args, message", [
    (["train", "resnet9000", "--dataset", "digits"], "invalid choice"),
    (["train", "mlp", "--dataset", "imagenet"], "invalid choice"),
    (["train", "mlp", "--dataset", "digits", "--epochs", "many"], "invalid int"),
    (["train", "mlp", "--dataset", "digits", "--lr", "-1"], "--lr must be a number in (0.0"),
    (["train", "mlp", "--dataset", "digits", "--epochs", "0"], "--epochs must be a positive"),
    (["train", "gan", "--epochs", "0"], "--epochs must be a positive integer, but got 0"),
    (["train", "autoencoder", "--epochs", "-1"], "--epochs must be a positive integer"),
    (["train", "perceptron", "--epochs", "-1"], "--epochs must be a positive integer"),
    (["train", "vae", "--batch-size", "0"], "--batch-size must be a positive integer"),
    (["train", "unet", "--lr", "0"], "--lr must be a number"),
    (["train", "mlp", "--weight-decay", "-0.1"], "--weight-decay must be a number in [0.0"),
    (["train", "mlp", "--val-fraction", "1"], "--val-fraction must be a number in [0.0, 1.0)"),
    (["train", "mlp", "--seed", "-3"], "--seed must be a non-negative integer"),
    (["train", "vae", "--dataset", "digits", "--optimizer", "sgd"],
     "the vae recipe does not take --optimizer"),
    (["train", "gan", "--dataset", "digits", "--scheduler", "cosine", "--weight-decay", "0.1"],
     "does not take --weight-decay, --scheduler"),
    (["train", "perceptron", "--batch-size", "8"], "the perceptron recipe does not take "
                                                   "--batch-size"),
    (["train", "autoencoder", "--val-fraction", "0.2"], "does not take --val-fraction"),
    (["train", "cnn", "--model-arg", "width=64"],
     "the cnn model has no argument 'width'; it takes channels=None, dropout=0.25"),
    (["train", "logistic", "--model-arg", "depth=2"], "it takes no arguments"),
    (["train", "mlp", "--model-arg", "dropout"], "--model-arg takes KEY=VALUE"),
    (["train", "mlp", "--seed", "1", "--seeds", "1", "2"], "not allowed with argument"),
    (["train", "mlp", "--seeds", "1", "1"], "--seeds has a seed twice"),
    (["train", "mlp", "--seeds", "1", "--overwrite"], "--overwrite applies to one run"),
    (["train", "mlp", "--seeds", "0", "1", "--epochs", "0"], "--epochs must be a positive"),
    (["train", "mlp", "--data-dir", "somewhere"], "--data-dir applies to mnist1d, mnist"),
    (["train", "mlp", "--dataset", "mnist1d", "--download"], "--download applies to mnist, "),
    (["frobnicate"], "invalid choice"),
    ([], "required"),
    (["gradcheck", "no-such-op"], "no gradcheck case matches"),
    (["bench", "overhead"], "python benchmarks/overhead.py"),
])
def test_a_bad_argument_gives_a_one_line_error_naming_it(args, message, tmp_path, monkeypatch,
                                                         capsys):
    monkeypatch.chdir(tmp_path)
    try:
        status = cli.main(args)
    except SystemExit as exit:           # argparse's own errors
        status = exit.code
    stderr = capsys.readouterr().err
    assert status not in (0, 130)
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert message in stderr
    assert not (tmp_path / "runs").exists()                  # refused before any folder is made


def test_model_args_reach_the_model(tmp_path):
    status = cli.main(["train", "mlp", "--dataset", "moons", "--epochs", "1", "--model-arg",
                       "hidden_sizes=(8,)", "--model-arg", "activation=tanh", "--model-arg",
                       "batch_norm=False", "--out", str(tmp_path / "run"), "--quiet"])
    assert status == 0
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["settings"]["model_args"] == {"hidden_sizes": [8], "activation": "tanh",
                                                 "batch_norm": False}
    import tinynet as tn

    state = tn.load(tmp_path / "run" / "model.npz")
    assert [tuple(value.shape) for value in state.values()] == [(8, 2), (8,), (2, 8), (2,)]


def test_seeds_write_a_markdown_summary(tmp_path):
    page = tmp_path / "docs" / "mlp-moons.md"
    status = cli.main(["train", "mlp", "--dataset", "moons", "--epochs", "1", "--seeds", "0", "1",
                       "--markdown", str(page), "--out", str(tmp_path / "runs"), "--quiet"])
    assert status == 0
    text = page.read_text()
    assert text.startswith("# mlp on moons: 2 seeds")
    assert "Written by `tinynet train mlp --dataset moons --epochs 1 --seeds 0 1" in text
    assert "| seed | test_accuracy | training time (s) | wall time (s) |" in text
    assert "compiling tinynet's Numba kernels" in text and "over 2 seeds" in text
    rows = [line for line in text.splitlines() if line.startswith("| 0 ") or
            line.startswith("| 1 ")]
    assert len(rows) == 2
    for seed in (0, 1):
        metrics = json.loads((tmp_path / "runs" / f"seed-{seed}" / "metrics.json").read_text())
        assert metrics["settings"]["seed"] == seed
        assert f"{100 * metrics['test_accuracy']:.2f}%" in rows[seed]


def test_gradcheck_prints_the_table(capsys):
    assert cli.main(["gradcheck", "hypot", "mse_loss"]) == 0
    table = capsys.readouterr().out
    assert table.splitlines()[0].split() == ["op", "max", "abs", "error", "max", "rel", "error",
                                            "pass"]
    assert "hypot" in table and "mse_loss" in table and "2 of 2 passed" in table


def test_every_gradcheck_suite_case_passes():
    from tinynet import gradcheck_suite

    results = gradcheck_suite.run()
    assert len(results) == len(gradcheck_suite.CASES) > 80
    assert [(r.name, r.error) for r in results if not r.passed] == []


def test_the_command_line_does_not_reach_into_benchmarks():
    source = (ROOT / "tinynet" / "cli.py").read_text()
    assert "benchmarks_folder" not in source and "subprocess" not in source
    assert len(source.splitlines()) <= 300


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("TINYNET_FULL"), reason="long run: set TINYNET_FULL=1")
def test_main_job_reaches_98_5_percent_on_digits_in_under_two_minutes(tmp_path):
    """The README's main command: ``tinynet train cnn --dataset digits`` (default settings)."""
    start = time.perf_counter()
    result = run_tinynet("train", "cnn", "--dataset", "digits", "--out", str(tmp_path),
                         timeout=300)
    seconds = time.perf_counter() - start
    assert result.returncode == 0, result.stderr
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["test_accuracy"] >= 0.985
    assert seconds < 120


def test_train_changes_no_process_setting_and_says_nothing_with_quiet(tmp_path):
    """`tinynet train --quiet` writes nothing to stderr: it sets nothing process-wide to report."""
    said = run_tinynet("train", "mlp", "--dataset", "moons", "--epochs", "1", "--quiet",
                       "--out", str(tmp_path / "a"))
    assert said.returncode == 0, said.stderr
    assert said.stderr == ""
