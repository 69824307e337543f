"""The character language model (tinynet.models.char_lm) and its recipe (tinynet train char-lm):
shapes and conditioning, truncated backpropagation through time (the state's values carried,
its graph cut), reproducible sampling and the temperature, the recipe's short forms on text,
the standard library and names, and the options it refuses."""

import importlib.util
import json

import numpy as np
import pytest

import tinynet as tn
from tinynet import cli
from tinynet.data.datasets.names import cache_path
from tinynet.models import MODELS
from tinynet.models.char_lm import CharLM, detach_state, sample
from tinynet.nn import functional as F
from tinynet.recipes import train

SMALL = {"hidden_size": 24, "embedding_dim": 8}
TEXT = ("the cat sat on the mat. the dog sat on the log.\n"
        "a bird sang in the tree and the cat looked up.\n") * 60
HAVE_NAMES = cache_path().exists() or importlib.util.find_spec("names_dataset") is not None


@pytest.fixture
def text_file(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_logits_and_state_shapes(cell):
    model = CharLM(11, 4, 6, num_layers=2, cell=cell)
    logits, state = model(tn.randint(0, 11, (3, 5)))
    assert tuple(logits.shape) == (3, 5, 11)
    h = state[0] if cell == "lstm" else state
    assert isinstance(state, tuple) == (cell == "lstm") and tuple(h.shape) == (2, 3, 6)
    assert MODELS["char-lm"]((), 11, cell=cell).rnn.mode == cell.upper()


@pytest.mark.parametrize("mode", ["concat", "init"])
def test_the_condition_changes_the_predictions(mode):
    tn.manual_seed(0)
    model = CharLM(9, 4, 8, num_conditions=3, condition_mode=mode)
    inputs = tn.tensor([[1, 2, 3]] * 3)
    logits, _ = model(inputs, condition=tn.tensor([0, 1, 2]))
    assert not np.allclose(logits[0].detach().numpy(), logits[1].detach().numpy())
    assert not np.allclose(logits[1].detach().numpy(), logits[2].detach().numpy())


def test_conditioning_errors():
    conditioned, plain = CharLM(9, 4, 8, num_conditions=3), CharLM(9, 4, 8)
    inputs = tn.tensor([[1, 2]] * 2)
    with pytest.raises(ValueError, match="pass condition"):
        conditioned(inputs)
    with pytest.raises(ValueError, match="shape \\(2,\\)"):
        conditioned(inputs, condition=tn.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match="no conditioning"):
        plain(inputs, condition=tn.tensor([0, 1]))
    with pytest.raises(ValueError, match="cell must be one of lstm, gru"):
        CharLM(9, cell="rnn")
    with pytest.raises(ValueError, match="condition_mode"):
        CharLM(9, num_conditions=2, condition_mode="add")
    with pytest.raises(ValueError, match="\\(N, T\\)"):
        plain(tn.tensor([1, 2, 3]))


def _chunks(seed=0):
    generator = tn.Generator(seed)
    return [tn.randint(0, 7, (2, 4), generator=generator) for _ in range(3)]


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_truncated_bptt_keeps_the_state_and_cuts_the_graph(cell):
    tn.manual_seed(0)
    model = CharLM(7, 3, 5, cell=cell)
    first, second, targets = _chunks()
    shape = (1, 2, 5)
    h0 = tn.randn(*shape).requires_grad_()          # a leaf at the start of chunk 1
    start = (h0, tn.zeros(*shape).requires_grad_()) if cell == "lstm" else h0
    _, state = model(first, start)
    carried = detach_state(state)
    pairs = zip(carried, state) if cell == "lstm" else [(carried, state)]
    for kept, original in pairs:                      # the values go on, the history does not
        assert np.array_equal(kept.numpy(), original.detach().numpy())
        assert not kept.requires_grad and kept.grad_fn is None
    logits, _ = model(second, carried)
    F.cross_entropy(logits.reshape(-1, 7), targets.reshape(-1)).backward()
    assert h0.grad is None                            # backward stopped at chunk 2's first step
    detached_grads = [p.grad.numpy().copy() for p in model.parameters()]

    # the same gradients as chunk 2 alone, started from a fresh copy of the carried values
    model.zero_grad()
    fresh = (tuple(tn.tensor(s.numpy()) for s in carried) if cell == "lstm"
             else tn.tensor(carried.numpy()))
    logits, _ = model(second, fresh)
    F.cross_entropy(logits.reshape(-1, 7), targets.reshape(-1)).backward()
    for expected, p in zip(detached_grads, model.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), expected, rtol=1e-6)

    # without the detach the same backward runs on into chunk 1 and reaches h0
    _, state = model(first, start)
    logits, _ = model(second, state)
    F.cross_entropy(logits.reshape(-1, 7), targets.reshape(-1)).backward()
    assert h0.grad is not None and float(h0.grad.abs().sum()) > 0


def test_sampling_repeats_under_a_seed():
    tn.manual_seed(0)
    model = CharLM(12, 4, 8)
    first = sample(model, 4, 15, bos_index=1, generator=tn.Generator(5))
    again = sample(model, 4, 15, bos_index=1, generator=tn.Generator(5))
    other = sample(model, 4, 15, bos_index=1, generator=tn.Generator(6))
    assert first == again and first != other
    assert all(len(s) == 15 and all(0 <= i < 12 for i in s) for s in first)
    assert model.training                              # restored after sampling


def test_sampling_stops_at_the_end_token_and_reads_the_prompt():
    tn.manual_seed(0)
    model = CharLM(6, 4, 8)
    with tn.no_grad():
        model.head.bias.copy_(tn.tensor([0.0, 0, 0, 0, 0, 50.0]))   # index 5 is all but certain
    assert sample(model, 2, 10, start=[1, 2], eos_index=5, generator=tn.Generator(0)) == [[], []]
    assert sample(model, 1, 4, start=[1], generator=tn.Generator(0)) == [[5, 5, 5, 5]]


def test_a_low_temperature_is_greedy_and_a_high_one_spreads():
    tn.manual_seed(1)
    model = CharLM(20, 4, 8)
    cold = [sample(model, 3, 30, temperature=1e-3, bos_index=0, generator=tn.Generator(seed))
            for seed in (0, 1)]
    assert cold[0] == cold[1] and cold[0][0] == cold[0][1] == cold[0][2]   # always the argmax
    hot = sample(model, 3, 30, temperature=100.0, bos_index=0, generator=tn.Generator(0))
    assert len({i for s in hot for i in s}) > len({i for s in cold[0] for i in s}) + 5


@pytest.mark.parametrize("arguments, match", [
    ({"temperature": 0.0}, "temperature must be a positive number"),
    ({"temperature": -1.0}, "temperature must be a positive number"),
    ({"num_samples": 0}, "num_samples must be a positive integer"),
    ({"max_length": 0}, "max_length must be a positive integer"),
    ({"bos_index": None}, "give a start prompt or a bos_index"),
    ({"bos_index": 99}, "outside the vocabulary"),
])
def test_sample_refuses_bad_arguments(arguments, match):
    model = CharLM(8, 4, 8)
    with pytest.raises(ValueError, match=match):
        sample(model, **{"bos_index": 1, **arguments})


def test_the_recipe_on_a_text_file(text_file, tmp_path):
    metrics = train("char-lm", text_file=text_file, epochs=3, bptt=16, batch_size=8,
                    model_args=SMALL, out=tmp_path / "run", verbose=False)
    assert metrics["dataset"] == "text-file" and metrics["settings"]["bptt"] == 16
    history = metrics["history"]["bits_per_character"]
    assert history[-1] < history[0]
    ngram = metrics["ngram"]
    assert ngram["val_bits_per_character"] == min(ngram["by_order"].values())
    assert 0 < metrics["test_bits_per_character"] < np.log2(metrics["corpus"]["vocab_size"])
    assert set(metrics["samples"]) == {"0.5", "1.0"}
    assert all(len(text) > 100 for text in metrics["samples"].values())
    folder = tmp_path / "run"
    assert {"metrics.json", "model.npz", "samples.txt", "history.png"} <= {
        p.name for p in folder.iterdir()}
    again = train("char-lm", text_file=text_file, epochs=3, bptt=16, batch_size=8,
                  model_args=SMALL, out=tmp_path / "again", verbose=False)
    assert again["samples"] == metrics["samples"] and again["history"] == metrics["history"]


def test_the_command_line_writes_the_results_page(text_file, tmp_path):
    page = tmp_path / "char-lm.md"
    assert cli.main(["train", "char-lm", "--text-file", str(text_file), "--epochs", "1",
                     "--bptt", "16", "--model-arg", "hidden_size=16", "--out",
                     str(tmp_path / "runs"), "--markdown", str(page), "--quiet"]) == 0
    text = page.read_text()
    assert "test_bits_per_character" in text and "n-gram (best order)" in text
    assert "temperature 0.5" in text and "temperature 1.0" in text
    metrics = json.loads((tmp_path / "runs" / "seed-0" / "metrics.json").read_text())
    assert f"{metrics['test_bits_per_character']:.3f}" in text


def test_the_recipe_on_the_standard_library(tmp_path):
    metrics = train("char-lm", "stdlib", max_chars=6000, epochs=1, bptt=20, batch_size=4,
                    model_args=SMALL, out=tmp_path, verbose=False)
    assert 5000 < metrics["corpus"]["train_chars"] + metrics["corpus"]["val_chars"] <= 6000
    assert np.isfinite(metrics["test_bits_per_character"])


@pytest.mark.skipif(not HAVE_NAMES, reason="the names data needs the names-dataset package")
def test_the_recipe_on_names_conditioned_on_the_country(tmp_path):
    metrics = train("char-lm", "names", epochs=1, batch_size=256,
                    model_args={**SMALL, "condition_dim": 4}, out=tmp_path, verbose=False)
    samples = metrics["samples"]["0.5"]
    assert len(samples) == 18 and all(len(names) == 5 for names in samples.values())
    assert all(name.isalpha() for names in samples.values() for name in names if name)
    baselines = metrics["ngram"]
    assert baselines["per_country"]["val_bits_per_character"] < \
        baselines["unconditioned"]["val_bits_per_character"]
    assert metrics["test_bits_per_character"] < np.log2(30)   # better than uniform


@pytest.mark.parametrize("options, match", [
    ({"bptt": 0}, "--bptt must be a positive integer"),
    ({"max_chars": -5}, "--max-chars must be a positive integer"),
    ({"dataset": "text-file"}, "needs --text-file PATH"),
    ({"text_file": "/no/such/file.txt"}, "--text-file must name an existing file"),
    ({"dataset": "stdlib", "text_file": "FILE"}, "does not take --text-file"),
    ({"dataset": "names", "bptt": 10}, "does not take --bptt"),
    ({"dataset": "digits"}, "unknown dataset 'digits' for char-lm"),
    ({"optimizer": "sgd"}, "does not take --optimizer"),
    ({"model_args": {"num_conditions": 3}}, "leave it out of --model-arg"),
    ({"model_args": {"cell": "lstmx"}}, "cell must be one of"),
])
def test_bad_options_are_refused(options, match, text_file, tmp_path):
    if options.get("text_file") == "FILE":
        options = {**options, "text_file": text_file}
    with pytest.raises(ValueError, match=match):
        train("char-lm", **{"max_chars": 3000, "epochs": 1, **options}, out=tmp_path / "run",
              verbose=False)
    assert not (tmp_path / "run").exists()


def test_other_recipes_refuse_the_language_model_options(tmp_path):
    with pytest.raises(ValueError, match="does not take --bptt"):
        train("mlp", "moons", bptt=10, out=tmp_path, verbose=False)


def test_the_command_line_refuses_a_missing_text_file(tmp_path, capsys):
    assert cli.main(["train", "char-lm", "--text-file", str(tmp_path / "missing.txt")]) == 1
    assert "--text-file must name an existing file" in capsys.readouterr().err
