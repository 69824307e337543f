"""The sequence-to-sequence recipe (tinynet train seq2seq): every strategy in a short form, what
metrics.json holds, the command line's options, the refused ones, and the measurements."""

import json
import math

import pytest

from tinynet import cli
from tinynet.recipes import RECIPES, seq2seq, train
from tinynet.recipes import seq2seq_eval as evaluate

SMALL = ["embed_dim=8", "hidden_size=16"]


@pytest.fixture(autouse=True)
def short_form(monkeypatch):
    monkeypatch.setenv("CI", "true")


@pytest.mark.parametrize("strategy", ["teacher", "free", "scheduled", "curriculum", "professor"])
def test_every_strategy_trains_and_writes_its_measurements(tmp_path, strategy):
    metrics = train("seq2seq", task="reversal", strategy=strategy, epochs=2, model_args=SMALL,
                    out=tmp_path / "run", verbose=False)
    assert metrics["dataset"] == "reversal" and metrics["strategy"] == strategy
    for key in ("test_exact_match", "test_long_exact_match", "teacher_forced_token_accuracy",
                "greedy_token_accuracy", "beam_exact_match"):
        assert 0 <= metrics[key] <= 1
    assert metrics["beam_gain"] == pytest.approx(metrics["beam_exact_match"]
                                                 - metrics["test_exact_match"])
    curve = metrics["history"]["val_exact_match"]
    reached = [i + 1 for i, value in enumerate(curve) if value >= 0.9]
    assert metrics["epochs_to_90"] == (reached[0] if reached else None)
    lengths = [int(n) for n in metrics["exact_match_by_length"]]
    assert min(lengths) >= 1 and max(lengths) > 10  # the longer test inputs are in the curve
    assert sum(count for _, count in metrics["exact_match_by_length"].values()) == 120
    folder = tmp_path / "run"
    assert set(metrics["figures"]) == {"attention.png", "length.png"}
    assert all((folder / name).exists() for name in metrics["figures"])
    assert json.loads((folder / "metrics.json").read_text())["strategy"] == strategy
    if strategy == "professor":
        assert {"fool", "d_accuracy", "fooling", "d_trained"} <= set(metrics["history"])
    if strategy == "scheduled":
        first, second = metrics["history"]["tf_probability"]
        assert 1 > first > second > 0


def test_without_attention_there_is_no_heat_map_and_dates_have_no_longer_inputs(tmp_path):
    metrics = train("seq2seq", task="dates", attention="none", epochs=1, label_smoothing=0.1,
                    model_args=SMALL, out=tmp_path / "run", verbose=False)
    assert metrics["attention"] == "none" and metrics["label_smoothing"] == 0.1
    assert metrics["test_long_exact_match"] is None
    assert metrics["figures"] == ["length.png"]


def test_command_line_options(tmp_path):
    out = tmp_path / "run"
    status = cli.main(["train", "seq2seq", "--task", "addition", "--attention", "general",
                       "--strategy", "scheduled", "--label-smoothing", "0.05", "--epochs", "1",
                       "--model-arg", "hidden_size=16", "--out", str(out), "--quiet"])
    assert status == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["settings"]["strategy"] == "scheduled"
    assert metrics["settings"]["attention"] == "general"
    assert metrics["settings"]["label_smoothing"] == 0.05
    assert metrics["dataset"] == "addition"


@pytest.mark.parametrize("kwargs, error, message", [
    ({"model": "cnn", "task": "dates"}, ValueError, "the cnn recipe does not take --task"),
    ({"model": "cnn", "strategy": "free"}, ValueError, "does not take --strategy"),
    ({"model": "seq2seq", "task": "dates", "dataset": "addition"}, ValueError, "disagree"),
    ({"model": "seq2seq", "task": "poems"}, ValueError, "unknown dataset 'poems'"),
    ({"model": "seq2seq", "strategy": "magic"}, ValueError, "--strategy must be one of"),
    ({"model": "seq2seq", "label_smoothing": 1.0}, ValueError, "--label-smoothing must be"),
    ({"model": "seq2seq", "attention": "luong"}, ValueError, "--attention must be one of"),
    ({"model": "seq2seq", "model_args": ["attention='dot'"]}, ValueError, "--attention"),
    ({"model": "seq2seq", "model_args": ["cell='elman'"]}, ValueError, "cannot be built"),
])
def test_bad_options_are_refused_by_name(tmp_path, kwargs, error, message):
    kwargs = dict(kwargs)
    with pytest.raises(error, match=message):
        train(kwargs.pop("model"), out=tmp_path / "run", epochs=1, verbose=False, **kwargs)
    assert not (tmp_path / "run").exists()


def test_recipe_is_registered_with_its_defaults():
    recipe = RECIPES["seq2seq"]
    assert recipe.dataset == "dates" and set(recipe.datasets) == set(seq2seq.TASKS)
    assert recipe.defaults("addition")["attention"] == "bahdanau"
    assert recipe.defaults("addition")["strategy"] == "teacher"


@pytest.mark.parametrize("half", [10.0, 750.0, 5000.0])
def test_inverse_sigmoid_k_puts_one_half_at_the_given_step(half):
    k = seq2seq.inverse_sigmoid_k(half)
    assert k * math.log(k) == pytest.approx(half, rel=1e-6)
    assert k / (k + math.exp(half / k)) == pytest.approx(0.5, rel=1e-6)


def test_measurements_on_known_outputs():
    pairs = [("ab", "ba"), ("abc", "cba"), ("xy", "yx"), ("q", "q")]
    outputs = ["ba", "cb", "yy", "q"]
    assert evaluate.exact_match(outputs, pairs) == 0.5
    # positions (target + end): ba$ 3/3, cba$ vs cb$ 2/4, yx$ vs yy$ 2/3, q$ 2/2
    assert evaluate.greedy_token_accuracy(outputs, pairs) == pytest.approx(9 / 12)
    assert evaluate.exact_match_by_length(outputs, pairs) == {1: [1.0, 1], 2: [0.5, 2],
                                                              3: [0.0, 1]}
    assert evaluate.max_length(pairs) == 6


def test_curriculum_epochs_go_from_easy_to_hard_within_the_stage(tmp_path):
    task = seq2seq.make_task("sorting")
    from tinynet.recipes.common import Run
    from tinynet.train_strategies import StagedCurriculum

    run = Run("seq2seq", "sorting", {"batch_size": 32}, 0, tmp_path)
    values = seq2seq._difficulties(task)
    staged = (StagedCurriculum(values, 3, 2), values)
    first = list(seq2seq._epoch_batches(run, task, 0, staged))
    lengths = [int(tgt_out.shape[1]) for _, _, _, tgt_out in first]
    assert lengths == sorted(lengths)  # padded target length grows batch by batch
    assert sum(int(src.shape[0]) for src, *_ in first) == len(staged[0].indices(0))
    assert max(lengths) - 1 <= staged[0].threshold(0)
    later = list(seq2seq._epoch_batches(run, task, 6, staged))
    assert sum(int(src.shape[0]) for src, *_ in later) == len(task["train"])


def test_addition_reverses_the_answer_and_reads_with_a_bidirectional_encoder(tmp_path):
    task = seq2seq.make_task("addition")
    for source, target in task["train"][:20]:
        a, b = source.split("+")
        assert target == str(int(a) + int(b))[::-1]
    with pytest.raises(ValueError, match="attention='dot'.*bidirectional"):
        train("seq2seq", task="addition", attention="dot", epochs=1, out=tmp_path / "run",
              verbose=False)
