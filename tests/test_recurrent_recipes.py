"""The recurrent classifiers (tinynet.models.recurrent) and their recipes: the readouts on padded
batches, agreement with PyTorch, the GRU on MNIST-1D and names -> nationality in short forms, the
command line (train, predict) and refused options."""

import json

import numpy as np
import pytest

import tinynet as tn
from tinynet import cli
from tinynet.data.datasets.names import cache_path
from tinynet.models import MODELS, RecurrentClassifier, build_recurrent
from tinynet.recipes import RECIPES, train, write_summary


def tokens(rows):
    return tn.tensor(np.array(rows, dtype=np.int64))


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_last_and_mean_readouts_ignore_the_padding(cell):
    tn.manual_seed(0)
    batch = tokens([[5, 6, 7, 8], [4, 9, 0, 0]])
    lengths = tokens([4, 2])
    for readout in ("last", "mean"):
        model = build_recurrent((4,), 3, cell, 8, vocab_size=12, readout=readout).eval()
        padded = model(batch, lengths).detach().numpy()
        alone = model(batch[1:, :2]).detach().numpy()
        np.testing.assert_allclose(padded[1], alone[0], rtol=1e-5, atol=1e-6)


def test_final_readout_refuses_sequences_shorter_than_the_batch():
    model = build_recurrent((4,), 3, "gru", 8, vocab_size=12, readout="final")
    assert model(tokens([[1, 2, 3], [3, 2, 1]]), tokens([3, 3])).shape == (2, 3)
    with pytest.raises(ValueError, match="readout='final'.*readout='last'"):
        model(tokens([[1, 2, 3], [3, 2, 0]]), tokens([3, 2]))


@pytest.mark.parametrize("lengths, message", [([0, 2], "lengths must be in 1..3"),
                                              ([4, 2], "lengths must be in 1..3"),
                                              ([2], "lengths must be 2 integers")])
def test_bad_lengths_are_refused(lengths, message):
    model = build_recurrent((4,), 3, "gru", 8, vocab_size=12)
    with pytest.raises(ValueError, match=message):
        model(tokens([[1, 2, 3], [3, 2, 1]]), tokens(lengths))


@pytest.mark.parametrize("kwargs, message", [
    ({"cell": "elman"}, "cell must be one of rnn, lstm, gru"),
    ({"readout": "max"}, "readout must be one of"),
    ({"readout": "flatten", "vocab_size": 9}, "readout='flatten' needs fixed-length"),
    ({"cell": "gru", "nonlinearity": "relu"}, "nonlinearity applies to cell='rnn'"),
])
def test_bad_model_arguments_are_refused(kwargs, message):
    input_shape = (5,) if "vocab_size" in kwargs else (1, 40)
    with pytest.raises(ValueError, match=message):
        build_recurrent(input_shape, 3, **kwargs)


def test_input_shapes_are_checked():
    with pytest.raises(ValueError, match="needs .C, L. signals or .L,. token sequences"):
        build_recurrent((8, 8, 1), 3)
    model = build_recurrent((1, 40), 3)  # channels first, as MNIST-1D
    assert model(tn.randn(2, 1, 40)).shape == (2, 3)
    with pytest.raises(ValueError, match="real-valued inputs must be"):
        model(tn.randn(2, 40))


def test_the_registry_and_recipes_hold_the_recurrent_models():
    assert {"gru", "lstm", "rnn", "names"} <= set(MODELS) & set(RECIPES)
    assert RECIPES["gru"].dataset == "mnist1d" and RECIPES["names"].dataset == "names"
    assert MODELS["lstm"]((1, 40), 10).rnn.mode == "LSTM"
    assert MODELS["rnn"]((1, 40), 10, nonlinearity="relu").rnn.nonlinearity == "relu"
    assert isinstance(MODELS["names"]((1,), 18, cell="lstm", vocab_size=30), RecurrentClassifier)


@pytest.mark.torch
@pytest.mark.parametrize("bidirectional", [False, True])
def test_the_gru_classifier_matches_pytorch(bidirectional):
    torch = pytest.importorskip("torch")
    tn.manual_seed(1)
    model = build_recurrent((2, 6), 4, "gru", 5, bidirectional=bidirectional).eval()
    rnn = torch.nn.GRU(2, 5, batch_first=True, bidirectional=bidirectional)
    head = torch.nn.Linear(10 if bidirectional else 5, 4)
    state = {k: torch.tensor(v.numpy()) for k, v in model.state_dict().items()}
    rnn.load_state_dict({k[4:]: v for k, v in state.items() if k.startswith("rnn.")})
    head.load_state_dict({k[5:]: v for k, v in state.items() if k.startswith("head.")})
    x = np.random.default_rng(0).standard_normal((3, 2, 6)).astype(np.float32)
    output, _ = rnn(torch.from_numpy(x).transpose(1, 2))
    features = output[:, -1] if not bidirectional else torch.cat(
        [output[:, -1, :5], output[:, 0, 5:]], -1)
    expected = head(features).detach().numpy()
    np.testing.assert_allclose(model(tn.tensor(x)).detach().numpy(), expected, atol=1e-5)


def test_gru_on_mnist1d_learns_above_chance_in_a_short_form(tmp_path):
    metrics = train("gru", "mnist1d", epochs=2, lr=1e-2, batch_size=32, scheduler="none",
                    val_fraction=0.0, model_args={"hidden_size": 32}, out=tmp_path,
                    verbose=False)
    assert metrics["test_accuracy"] > 0.2  # chance: 0.1
    assert metrics["settings"]["model_args"] == {"hidden_size": 32}


@pytest.mark.parametrize("args, message", [
    (["--model-arg", "cell=lstm"], "the gru model has no argument 'cell'"),
    (["--model-arg", "readout=max"], "readout must be one of"),
    (["--dataset", "digits"], "gru needs .C, L. signals"),
])
def test_bad_gru_options_are_refused_in_one_line(args, message, tmp_path, capsys):
    assert cli.main(["train", "gru", *args, "--epochs", "1", "--out", str(tmp_path / "r"),
                     "--quiet"]) == 1
    error = capsys.readouterr().err
    assert len(error.strip().splitlines()) == 1
    assert __import__("re").search(message, error)


@pytest.fixture(scope="module")
def names_run(tmp_path_factory):
    """One short names run through the command line (skipped without the cached subset and
    without the names-dataset package to derive it)."""
    if not cache_path().exists():
        pytest.importorskip("names_dataset")
    folder = tmp_path_factory.mktemp("names") / "run"
    assert cli.main(["train", "names", "--epochs", "1", "--model-arg", "hidden_size=32",
                     "--out", str(folder), "--quiet"]) == 0
    return folder


def test_names_short_form_beats_chance_and_reports_the_baseline(names_run):
    metrics = json.loads((names_run / "metrics.json").read_text())
    assert metrics["test_accuracy"] > 0.15  # chance: 1/18
    assert metrics["baseline"]["test_accuracy"] > 0.3
    assert metrics["baseline"]["model"].startswith("NGramNaiveBayes(n=")
    counts = np.array(metrics["confusion_matrix"])
    assert counts.shape == (18, 18) and counts.sum(1).tolist() == [90] * 18
    assert np.trace(counts) / counts.sum() == pytest.approx(metrics["test_accuracy"])
    names = json.loads((names_run / "names.json").read_text())
    assert names["model_args"]["vocab_size"] == len(names["tokens"]) == 30
    pytest.importorskip("matplotlib")
    assert (names_run / "confusion.png").stat().st_size > 0


def test_predict_prints_the_top_three_countries(names_run, capsys):
    assert cli.main(["predict", str(names_run), "Nakamura", "Müller"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("Nakamura: ")
    pattern = r"^Müller: ([A-Za-z ]+ \([A-Z]{2}\) \d+\.\d%, ){2}[A-Za-z ]+ \([A-Z]{2}\) \d+\.\d%$"
    assert __import__("re").match(pattern, lines[1])
    from tinynet.recipes.names import predict

    (result,) = predict(names_run, "tanaka", top=5)
    probabilities = [p for _, _, p in result]
    assert len(result) == 5 and probabilities == sorted(probabilities, reverse=True)


@pytest.mark.parametrize("args, message", [
    (["Nakamura", "O Brien"], "cannot read the name 'O Brien'"),
    (["Nakamura", "--top", "0"], "top must be in 1..18"),
])
def test_predict_refuses_bad_names_and_options(names_run, args, message, capsys):
    assert cli.main(["predict", str(names_run), *args]) == 1
    assert message in capsys.readouterr().err


def test_predict_refuses_a_folder_that_is_not_a_names_run(tmp_path, capsys):
    assert cli.main(["predict", str(tmp_path), "Nakamura"]) == 1
    assert "is not a names run folder" in capsys.readouterr().err


def test_names_recipe_refuses_vocab_size(tmp_path):
    if not cache_path().exists():
        pytest.importorskip("names_dataset")
    with pytest.raises(ValueError, match="sets vocab_size itself"):
        train("names", model_args={"vocab_size": 3}, out=tmp_path / "r", verbose=False)
    assert not (tmp_path / "r").exists()


def test_the_summary_shows_extra_columns_and_the_first_seed_figures(tmp_path):
    figure = tmp_path / "run" / "confusion.png"
    figure.parent.mkdir()
    figure.write_bytes(b"png")
    rows = [{"seed": seed, "test_accuracy": 0.7, "baseline test_accuracy": 0.6,
             "train_seconds": 1.0, "wall_seconds": 2.0, "stop_cause": "completed",
             "figures": [str(figure)]} for seed in (0, 1)]
    summary = {"model": "names", "dataset": "names", "headline": "test_accuracy", "runs": rows,
               "min": 0.7, "max": 0.7, "mean": 0.7, "run_folder": str(tmp_path)}
    page = write_summary(tmp_path / "docs" / "names.md", summary, "tinynet train names").read_text()
    assert "| seed | test_accuracy | baseline test_accuracy | training time (s) |" in page
    assert "| 0 | 70.00% | 60.00% | 1.0 \\* |" in page
    assert "![confusion](names-confusion.png)" in page
    assert (tmp_path / "docs" / "names-confusion.png").read_bytes() == b"png"
