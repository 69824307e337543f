"""The Transformer sequence-to-sequence recipe (tinynet train seq2seq-transformer): its short
form, what metrics.json holds, the paper's schedule, the command line, and refused options."""

import json
import math

import pytest

from tinynet import cli
from tinynet.recipes import RECIPES, seq2seq_transformer, train

SMALL = ["d_model=16", "nhead=2", "num_encoder_layers=1", "num_decoder_layers=1",
         "dim_feedforward=32"]


@pytest.fixture(autouse=True)
def short_form(monkeypatch):
    monkeypatch.setenv("CI", "true")


def test_trains_and_writes_the_seq2seq_measurements_and_the_head_maps(tmp_path):
    metrics = train("seq2seq-transformer", task="reversal", epochs=2, model_args=SMALL,
                    out=tmp_path / "run", verbose=False)
    assert metrics["model"] == "seq2seq-transformer" and metrics["dataset"] == "reversal"
    for key in ("test_exact_match", "test_long_exact_match", "teacher_forced_token_accuracy",
                "greedy_token_accuracy", "beam_exact_match"):
        assert 0 <= metrics[key] <= 1
    assert metrics["label_smoothing"] == 0.1 and metrics["settings"]["lr"] == 1.0
    lengths = [int(n) for n in metrics["exact_match_by_length"]]
    assert max(lengths) > 10  # the longer test inputs are measured too
    assert metrics["figures"] == ["attention.png"]
    assert (tmp_path / "run" / "attention.png").exists()
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["task"] == "reversal"
    # the schedule: a linear warm-up, 5 steps per epoch in the short form (300 pairs / 64);
    # the logged lr is the one the next step takes
    lrs = metrics["history"]["lr"]
    factor = seq2seq_transformer.noam_lambda(16, seq2seq_transformer.WARMUP)
    assert lrs[0] == pytest.approx(factor(5)) and lrs[1] == pytest.approx(factor(10))


@pytest.mark.parametrize("d_model", [16, 64])
def test_noam_schedule_is_the_papers_formula(d_model):
    warmup = 400
    factor = seq2seq_transformer.noam_lambda(d_model, warmup)
    for step in (1, 10, 399, 400, 401, 5000):
        expected = d_model ** -0.5 * min(step ** -0.5, step * warmup ** -1.5)
        assert factor(step - 1) == pytest.approx(expected)
    peak = max(factor(s) for s in range(1000))
    assert peak == pytest.approx(factor(warmup - 1)) and peak == pytest.approx(
        1 / math.sqrt(d_model * warmup))


def test_command_line(tmp_path):
    out = tmp_path / "run"
    status = cli.main(["train", "seq2seq-transformer", "--task", "dates", "--epochs", "1",
                       "--label-smoothing", "0.0", "--lr", "0.5", *sum(
                           (["--model-arg", arg] for arg in SMALL), []),
                       "--out", str(out), "--quiet"])
    assert status == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["dataset"] == "dates" and metrics["label_smoothing"] == 0.0
    assert metrics["settings"]["model_args"]["d_model"] == 16
    assert metrics["test_long_exact_match"] is None


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"attention": "dot"}, ValueError, "does not take --attention"),
    ({"strategy": "free"}, ValueError, "does not take --strategy"),
    ({"model_args": ["hidden_size=3"]}, ValueError, "no argument 'hidden_size'"),
    ({"model_args": ["d_model=10", "nhead=4"]}, ValueError, "divisible"),
    ({"task": "parsing"}, ValueError, "unknown dataset"),
])
def test_bad_options_are_refused_by_name(tmp_path, kwargs, error, message):
    with pytest.raises(error, match=message):
        train("seq2seq-transformer", epochs=1, out=tmp_path / "run", verbose=False, **kwargs)


def test_recipe_is_registered_with_its_defaults():
    recipe = RECIPES["seq2seq-transformer"]
    assert recipe.headline == "test_exact_match"
    assert recipe.defaults("dates") == {"epochs": 10, "batch_size": 64, "lr": 1.0,
                                        "label_smoothing": 0.1}
