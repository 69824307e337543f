"""The character GPT (tinynet.models.gpt): causality, the key-value cache (the same logits and
the same samples as without it), positions (learned, sinusoidal, rotary), weight tying, top-k,
training, errors; and its recipe (tinynet train char-gpt) in a short form."""

import json
import math

import numpy as np
import pytest

import tinynet as tn
from tinynet import cli
from tinynet.errors import ArgumentError
from tinynet.models import MODELS
from tinynet.models.gpt import GPT, sinusoidal_positions
from tinynet.nn import functional as F
from tinynet.recipes import train
from tinynet.recipes.gpt import window_bits_per_character

VARIANTS = [{}, {"positional": "sinusoidal"}, {"positional": "none", "rotary": True},
            {"positional": "learned", "rotary": True, "tie_weights": False, "bias": False}]


def small(seed=0, **kwargs):
    tn.manual_seed(seed)
    return GPT(**{"vocab_size": 11, "block_size": 12, "d_model": 16, "nhead": 2,
                  "num_layers": 2, **kwargs}).double()


def tokens(batch, length, seed=1):
    return tn.tensor(np.random.default_rng(seed).integers(0, 11, (batch, length)),
                     dtype=tn.int64)


@pytest.mark.parametrize("kwargs", VARIANTS)
def test_logits_are_causal(kwargs):
    model = small(**kwargs)
    idx = tokens(2, 9)
    changed = idx.detach().numpy().copy()
    changed[:, 5:] = (changed[:, 5:] + 3) % 11
    a, b = model(idx), model(tn.tensor(changed))
    assert a.shape == (2, 9, 11)
    np.testing.assert_allclose(a.detach().numpy()[:, :5], b.detach().numpy()[:, :5], atol=1e-12)
    assert not np.allclose(a.detach().numpy()[:, 5:], b.detach().numpy()[:, 5:])


@pytest.mark.parametrize("kwargs", VARIANTS)
def test_the_cache_gives_the_logits_of_the_whole_sequence(kwargs):
    model = small(**kwargs).eval()
    idx = tokens(3, 10)
    whole = model(idx).detach().numpy()
    logits, cache = model.step(idx[:, :4])
    pieces = [logits.detach().numpy()]
    for t in range(4, 10):
        logits, cache = model.step(idx[:, t:t + 1], cache)
        pieces.append(logits.detach().numpy())
    assert cache[0][0].shape == (3, 2, 10, 8)          # (batch, heads, positions, head size)
    np.testing.assert_allclose(np.concatenate(pieces, axis=1), whole, atol=1e-10)


@pytest.mark.parametrize("kwargs", VARIANTS)
@pytest.mark.parametrize("new", [5, 20])     # 20 > block_size: the window slides
def test_generate_draws_the_same_samples_with_and_without_the_cache(kwargs, new):
    model = small(**kwargs)
    idx = tokens(2, 3)
    with_cache = model.generate(idx, new, 0.8, top_k=5, generator=tn.Generator(7))
    without = model.generate(idx, new, 0.8, top_k=5, use_cache=False,
                             generator=tn.Generator(7))
    assert with_cache.shape == (2, 3 + new)
    np.testing.assert_array_equal(with_cache.detach().numpy(), without.detach().numpy())
    np.testing.assert_array_equal(with_cache.detach().numpy()[:, :3], idx.detach().numpy())
    again = model.generate(idx, new, 0.8, top_k=5, generator=tn.Generator(7))
    np.testing.assert_array_equal(again.detach().numpy(), with_cache.detach().numpy())
    other = model.generate(idx, new, 0.8, top_k=5, generator=tn.Generator(8))
    assert not np.array_equal(other.detach().numpy(), with_cache.detach().numpy())
    assert model.training                                 # mode restored


def test_top_k_one_is_greedy_and_top_k_limits_the_choices():
    model = small()
    idx = tokens(1, 2)
    greedy = model.generate(idx, 6, top_k=1, generator=tn.Generator(0))
    expected = idx
    model.eval()
    for _ in range(6):
        nxt = model(expected)[:, -1].argmax(-1, keepdim=True)
        expected = tn.cat([expected, nxt], dim=1)
    np.testing.assert_array_equal(greedy.detach().numpy(), expected.detach().numpy())
    out = model.generate(idx, 1, temperature=5.0, top_k=3, generator=tn.Generator(1))
    allowed = np.argsort(model(idx)[0, -1].detach().numpy())[-3:]
    drawn = [int(model.generate(idx, 1, 5.0, 3, generator=tn.Generator(s))[0, -1])
             for s in range(30)]
    assert set(drawn) <= set(allowed.tolist()) and int(out[0, -1]) in allowed
    assert len(set(drawn)) > 1


def test_weight_tying_shares_one_matrix():
    tied, untied = small(), small(tie_weights=False)
    assert tied.head.weight is tied.tok_emb.weight
    assert sum(p.numel() for p in untied.parameters()) - \
        sum(p.numel() for p in tied.parameters()) == 11 * 16
    assert "head.weight" in tied.state_dict() and "tok_emb.weight" in tied.state_dict()
    loss = tied(tokens(1, 4)).sum()
    loss.backward()
    assert tied.tok_emb.weight.grad is not None


def test_sinusoidal_table_follows_the_formula():
    table = sinusoidal_positions(7, 6)
    p, i = 5, 1
    assert table[p, 2 * i] == pytest.approx(math.sin(p / 10000 ** (2 * i / 6)))
    assert table[p, 2 * i + 1] == pytest.approx(math.cos(p / 10000 ** (2 * i / 6)))
    assert table[0].tolist() == [0, 1, 0, 1, 0, 1]


def test_positions_change_the_model():
    base = small(positional="none")
    rotary = small(positional="none", rotary=True)
    rotary.load_state_dict(base.state_dict())
    idx = tokens(1, 6)
    assert not np.allclose(base(idx).detach().numpy(), rotary(idx).detach().numpy())
    # without positions a model sees its first token the same wherever the rest goes
    np.testing.assert_allclose(base(idx).detach().numpy()[:, 0], rotary(idx).detach().numpy()[:, 0], atol=1e-12)


def test_training_lowers_the_loss_on_a_repeated_text():
    model = GPT(5, block_size=8, d_model=16, nhead=2, num_layers=1)
    data = tn.tensor([[0, 1, 2, 3, 4, 0, 1, 2, 3]] * 4, dtype=tn.int64)
    optimizer = tn.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(60):
        loss = F.cross_entropy(model(data[:, :-1]).reshape(-1, 5), data[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.1 < losses[0]


def test_window_evaluation_of_a_short_text_is_the_plain_cross_entropy():
    model = small()
    values = tokens(1, 9).detach().numpy()[0]
    logits = model.eval()(tn.tensor(values[None, :-1]))
    expected = F.cross_entropy(logits[0], tn.tensor(values[1:])).item() / math.log(2)
    assert window_bits_per_character(model, values) == pytest.approx(expected)
    long = np.random.default_rng(0).integers(0, 11, 100)
    assert 0 < window_bits_per_character(model, long) < 2 * math.log2(11)


@pytest.mark.parametrize("kwargs, match", [
    ({"d_model": 15, "nhead": 2}, "divisible by nhead"),
    ({"positional": "absolute"}, "positional must be one of"),
    ({"d_model": 12, "nhead": 4, "rotary": True}, "even head size"),
    ({"block_size": 0}, "block_size must be a positive integer"),
    ({"dropout": 1.0}, "dropout"),
])
def test_bad_arguments_are_refused(kwargs, match):
    with pytest.raises(ArgumentError, match=match):
        small(**kwargs)


def test_bad_inputs_are_refused():
    model = small()
    with pytest.raises(ArgumentError, match="do not fit the block size 12"):
        model(tokens(1, 13))
    with pytest.raises(ArgumentError, match="int64"):
        model(tn.zeros(1, 4))
    with pytest.raises(ArgumentError, match="temperature"):
        model.generate(tokens(1, 2), 3, temperature=0)
    with pytest.raises(ArgumentError, match="top_k"):
        model.generate(tokens(1, 2), 3, top_k=12)
    with pytest.raises(ArgumentError, match="max_new_tokens"):
        model.generate(tokens(1, 2), -1)


TEXT = ("the cat sat on the mat. the dog sat on the log.\n"
        "a bird sang in the tree and the cat looked up.\n") * 40
TINY = {"block_size": 16, "d_model": 16, "nhead": 2, "num_layers": 1}


def test_the_recipe_on_a_text_file(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text(TEXT, encoding="utf-8")
    options = {"text_file": path, "epochs": 2, "batch_size": 8, "model_args": TINY,
               "verbose": False}
    metrics = train("char-gpt", **options, out=tmp_path / "run")
    assert metrics["dataset"] == "text-file" and MODELS["char-gpt"] is not None
    history = metrics["history"]["bits_per_character"]
    assert history[-1] < history[0]
    assert 0 < metrics["test_bits_per_character"] < math.log2(metrics["corpus"]["vocab_size"])
    assert np.isfinite(metrics["lstm"]["test_bits_per_character"])
    assert metrics["ngram"]["val_bits_per_character"] == min(metrics["ngram"]["by_order"].values())
    assert metrics["generation"]["same_samples"] is True
    assert metrics["generation"]["new_tokens"] == 15
    assert set(metrics["samples"]) == {"0.5", "1.0"}
    again = train("char-gpt", **options, out=tmp_path / "again")
    assert again["samples"] == metrics["samples"] and again["history"] == metrics["history"]


def test_the_command_line_writes_the_results_page(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text(TEXT, encoding="utf-8")
    page = tmp_path / "char-gpt.md"
    args = ["train", "char-gpt", "--text-file", str(path), "--epochs", "1", "--batch-size", "8",
            "--out", str(tmp_path / "runs"), "--markdown", str(page), "--quiet"]
    for key, value in TINY.items():
        args += ["--model-arg", f"{key}={value}"]
    assert cli.main(args) == 0
    text = page.read_text()
    metrics = json.loads((tmp_path / "runs" / "seed-0" / "metrics.json").read_text())
    assert f"{metrics['test_bits_per_character']:.3f}" in text
    assert "LSTM bits/char" in text and "chars/s with KV cache" in text
    assert "temperature 0.5, top-k 10" in text


def test_the_recipe_refuses_options_it_does_not_take(tmp_path):
    with pytest.raises(ValueError, match="does not take --bptt"):
        train("char-gpt", bptt=10, out=tmp_path / "a", verbose=False)
    with pytest.raises(ValueError, match="has no argument 'heads'"):
        train("char-gpt", max_chars=3000, model_args={"heads": 3}, out=tmp_path / "b",
              verbose=False)
    with pytest.raises(ValueError, match="cannot be built.*divisible by nhead"):
        train("char-gpt", max_chars=3000, model_args={"d_model": 30}, out=tmp_path / "c",
              verbose=False)
