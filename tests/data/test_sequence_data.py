"""Character n-gram baselines, the long-range synthetic tasks and the text corpora."""

import math
import sys
import sysconfig

import numpy as np
import pytest

from tinynet.data.datasets import (AddingProblem, CopyTask, adding_problem, batchify,
                                   bptt_chunks, copy_task, read_text_file, split_text,
                                   stdlib_docstrings)
from tinynet.data.datasets.text_corpus import stdlib_source_files
from tinynet.data.ngram import CharNGramLanguageModel, NGramNaiveBayes, char_ngrams

# Two made-up "languages" with different letter habits.
EAST = ["kowalski", "nowicki", "zielinski", "wisniewski", "kaminski", "lewandowski", "wojcik",
        "kowalczyk", "szymanski", "wozniak", "jankowski", "mazurek"]
WEST = ["rossi", "russo", "ferrari", "esposito", "bianchi", "romano", "colombo", "ricci",
        "marino", "greco", "bruno", "gallo"]


def test_char_ngrams_include_boundaries():
    assert char_ngrams("ab", 1) == ["a", "b"]
    assert char_ngrams("ab", 2) == ["a", "b", "\x02a", "ab", "b\x03"]


def test_naive_bayes_learns_letter_habits_and_normalises():
    model = NGramNaiveBayes(n=3, k=0.5).fit(EAST + WEST, ["east"] * 12 + ["west"] * 12)
    assert model.predict(["dabrowski", "moretti"]).tolist() == ["east", "west"]
    log_proba = model.predict_log_proba(["kowal", "qq"])
    np.testing.assert_allclose(np.exp(log_proba).sum(axis=1), 1.0)
    np.testing.assert_allclose(np.exp(log_proba[1]), 0.5)  # nothing seen: the equal priors
    assert model.score(EAST + WEST, ["east"] * 12 + ["west"] * 12) == 1.0
    with pytest.raises(RuntimeError, match="not fitted"):
        NGramNaiveBayes().predict(["a"])
    with pytest.raises(ValueError, match="labels"):
        NGramNaiveBayes().fit(["a", "b"], [0])
    with pytest.raises(ValueError, match="k"):
        NGramNaiveBayes(k=0)


def test_naive_bayes_add_k_matches_the_formula():
    model = NGramNaiveBayes(n=1, k=1.0).fit(["ab", "b"], [0, 1])
    # class 0 counts a:1 b:1, class 1 b:1; vocabulary {a, b}; priors 1/2 each
    score0 = math.log(0.5) + math.log((1 + 1) / (2 + 2)) * 2  # text "bb"
    score1 = math.log(0.5) + math.log((1 + 1) / (1 + 2)) * 2
    expected = score0 - np.logaddexp(score0, score1)
    np.testing.assert_allclose(model.predict_log_proba(["bb"])[0, 0], expected)


def test_language_model_probabilities_sum_to_one_and_context_helps():
    text = "abcabcabcabcabcabcabcabd" * 5
    for smoothing in ("interpolated", "add-k"):
        model = CharNGramLanguageModel(n=3, smoothing=smoothing, k=0.5).fit(text)
        for context in ("", "a", "ab", "zz"):
            total = sum(model.distribution(context).values())
            unseen = model.probability("\u263a", context)  # the one slot for unseen characters
            np.testing.assert_allclose(total + unseen, 1.0)
    unigram = CharNGramLanguageModel(n=1).fit(text)
    trigram = CharNGramLanguageModel(n=3).fit(text)
    held_out = "abcabcabcabd"
    assert trigram.bits_per_character(held_out) < unigram.bits_per_character(held_out) / 3
    np.testing.assert_allclose(unigram.bits_per_character("a"),
                               -math.log2((40 + 1) / (120 + 5)))  # (count + k) / (N + k|V|)
    sample = trigram.sample(30, context="a", temperature=0.5, rng=np.random.default_rng(0))
    assert len(sample) == 30 and "abc" in sample
    with pytest.raises(ValueError, match="smoothing"):
        CharNGramLanguageModel(smoothing="kneser-ney")


def test_adding_problem_format_and_target():
    inputs, targets = adding_problem(64, seq_len=30, seed=3)
    assert inputs.shape == (64, 30, 2) and targets.shape == (64, 1)
    assert inputs.dtype == np.float32 and targets.dtype == np.float32
    values, markers = inputs.numpy()[..., 0], inputs.numpy()[..., 1]
    assert (markers.sum(axis=1) == 2).all()
    assert (markers[:, :15].sum(axis=1) == 1).all()  # one marker in each half
    np.testing.assert_allclose((values * markers).sum(axis=1), targets.numpy()[:, 0], rtol=1e-6)
    np.testing.assert_array_equal(adding_problem(64, 30, seed=3)[0].numpy(), inputs.numpy())
    assert not np.array_equal(adding_problem(64, 30, seed=4)[0].numpy(), inputs.numpy())
    train, test = AddingProblem(20, 10), AddingProblem(20, 10, train=False)
    assert train[0][0].shape == (10, 2) and not np.array_equal(train[0][0].numpy(),
                                                               test[0][0].numpy())
    with pytest.raises(ValueError, match="seq_len"):
        adding_problem(4, seq_len=1)


def test_copy_task_format():
    inputs, targets = copy_task(16, lag=20, n_symbols=6, n_recall=4, seed=0)
    assert inputs.shape == targets.shape == (16, 28) and inputs.dtype == np.int64
    x, y = inputs.numpy(), targets.numpy()
    assert (x[:, :4] >= 1).all() and (x[:, :4] <= 6).all()
    assert (x[:, 23] == 7).all() and (x[:, 4:23] == 0).all() and (x[:, 24:] == 0).all()
    np.testing.assert_array_equal(y[:, 24:], x[:, :4])
    assert (y[:, :24] == 0).all()
    assert CopyTask(8, lag=5, n_recall=2)[0][0].shape == (9,)
    with pytest.raises(ValueError, match="lag"):
        copy_task(4, lag=0)


def test_stdlib_docstrings_are_deterministic_capped_and_import_nothing():
    before = set(sys.modules)
    text = stdlib_docstrings(max_chars=50_000)
    assert 40_000 < len(text) <= 50_000
    assert text == stdlib_docstrings(max_chars=50_000)
    assert stdlib_docstrings(max_chars=200_000).startswith(text)
    assert set(sys.modules) - before <= {"tinynet.data.datasets.text_corpus"}
    files = stdlib_source_files()
    assert files == sorted(files) and not any("site-packages" in f.parts for f in files)
    assert any(f.name == "functools.py" for f in files)
    assert files[0].is_relative_to(sysconfig.get_paths()["stdlib"])


def test_docstrings_of_a_small_library_in_source_order(tmp_path):
    (tmp_path / "b.py").write_text('"""Module b."""\nclass C:\n    """Class C."""\n'
                                   '    def f(self):\n        """Method f."""\n')
    (tmp_path / "a.py").write_text('def g():\n    """Function g."""\n')
    (tmp_path / "broken.py").write_text("def (:\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "t.py").write_text('"""Skipped."""\n')
    assert stdlib_docstrings(stdlib=tmp_path) == "Function g.\n\nModule b.\n\nClass C.\n\nMethod f."
    assert stdlib_docstrings(max_chars=25, stdlib=tmp_path) == "Function g.\n\nModule b."


def test_text_files_split_and_bptt_layout(tmp_path):
    path = tmp_path / "book.txt"
    path.write_text("".join(f"line {i}\n" for i in range(100)), encoding="utf-8")
    text = read_text_file(path)
    train, val = split_text(text, val_fraction=0.1)
    assert train + val == text and train.endswith("\n") and val.startswith("line 9")
    assert 0.08 < len(val) / len(text) < 0.12
    assert read_text_file(path, max_chars=10) == "line 0\nlin"
    with pytest.raises(ValueError, match="val_fraction"):
        split_text(text, 1.5)
    streams = batchify(np.arange(103), batch_size=4)
    assert streams.shape == (4, 25) and streams.numpy()[1, 0] == 25
    chunks = list(bptt_chunks(streams, seq_len=10))
    assert [c[0].shape[1] for c in chunks] == [10, 10, 4]
    for inputs, targets in chunks:
        np.testing.assert_array_equal(targets.numpy(), inputs.numpy() + 1)
    with pytest.raises(ValueError, match="too few"):
        batchify([1, 2, 3], batch_size=4)
