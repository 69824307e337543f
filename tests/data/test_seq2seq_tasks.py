"""The sequence-to-sequence tasks (tinynet.data.datasets.seq2seq_tasks) and their batching
(tinynet.data.seq2seq_collate): determinism, disjoint splits, correct targets, controllable
lengths, the documented date formats, vocabularies and padded index tensors."""

import datetime
import re

import numpy as np
import pytest

from tinynet.data import DataLoader
from tinynet.data.datasets.seq2seq_tasks import (
    DATE_FORMATS,
    TASKS,
    Seq2SeqCollate,
    Seq2SeqTask,
    addition_pairs,
    build_vocabularies,
    date_pairs,
    format_date,
    make_task,
    ordinal,
    reversal_pairs,
    sorting_pairs,
)

# strptime patterns equivalent to each template (English month names: the C locale's)
PATTERNS = {
    "iso_slash": "%Y/%m/%d", "compact": "%Y%m%d", "dmy_slash": "%d/%m/%y",
    "dmy_slash_full": "%d/%m/%Y", "dmy_dot": "%d.%m.%Y", "dmy_dash_abbr": "%d-%b-%y",
    "month_day_year": "%B %d, %Y", "abbr_day_year": "%b %d %Y", "day_month_year": "%d %B %Y",
    "ordinal_of": "%d of %B %Y", "the_ordinal_of": "the %d of %B, %Y",
    "month_ordinal": "%B %d, %Y", "upper": "%B %d %Y", "weekday": "%A, %B %d, %Y",
    "weekday_abbr": "%a %d %b %Y",
}


def parse(text, name):
    """The date ``text`` written in format ``name``, read back with datetime.strptime; a
    two-digit year yy is 19yy for yy >= 50, else 20yy (DATE_FORMATS' rule)."""
    text = re.sub(r"\b(\d+)(st|nd|rd|th)\b", r"\1", text)
    date = datetime.datetime.strptime(text.title() if name == "upper" else text,
                                      PATTERNS[name]).date()
    if "%y" in PATTERNS[name]:
        short = date.year % 100
        date = date.replace(year=(1900 if short >= 50 else 2000) + short)
    return date


def test_every_date_format_is_documented_and_reads_back_to_the_same_date():
    assert set(PATTERNS) == set(DATE_FORMATS)
    rng = np.random.default_rng(0)
    first = datetime.date(1950, 1, 1)
    days = [first + datetime.timedelta(days=int(d)) for d in rng.integers(0, 36524, 60)]
    days += [datetime.date(1998, 3, 3), datetime.date(2049, 12, 31), datetime.date(1950, 1, 1),
             datetime.date(2000, 2, 29), datetime.date(2011, 11, 11), datetime.date(2022, 8, 22)]
    for name in DATE_FORMATS:
        for day in days:
            assert parse(format_date(day, name), name) == day, (name, day)
    assert format_date(datetime.date(1998, 3, 3), "ordinal_of") == "3rd of March 1998"
    assert format_date(datetime.date(1998, 3, 3), "dmy_slash") == "03/03/98"
    assert format_date(datetime.date(1998, 3, 3), "month_day_year") == "March 3, 1998"


def test_date_pairs_have_iso_targets_that_match_their_sources():
    pairs = date_pairs(300, seed=1)
    seen_formats = set()
    for source, target in pairs:
        day = datetime.date.fromisoformat(target)
        matches = [name for name in DATE_FORMATS if format_date(day, name) == source]
        assert matches, (source, target)
        seen_formats.update(matches)
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", target)
    assert seen_formats == set(DATE_FORMATS)
    only = date_pairs(20, seed=1, formats=["compact"])
    assert all(s == t.replace("-", "") for s, t in only)


def test_ordinals():
    assert [ordinal(d) for d in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 31)] == \
        ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "31st"]


@pytest.mark.parametrize("generate", [
    lambda seed: date_pairs(50, seed), lambda seed: addition_pairs(50, seed=seed),
    lambda seed: reversal_pairs(50, seed=seed), lambda seed: sorting_pairs(50, seed=seed)])
def test_generators_are_deterministic_per_seed(generate):
    assert generate(3) == generate(3)
    assert generate(3) != generate(4)


@pytest.mark.parametrize("digits, reverse", [((3, 4), False), ((1, 2), True), (5, False)])
def test_addition_answers_are_correct_and_digit_counts_controlled(digits, reverse):
    low, high = (digits, digits) if isinstance(digits, int) else digits
    counts = set()
    for source, target in addition_pairs(400, digits=digits, seed=2, reverse_answer=reverse):
        a, b = source.split("+")
        answer = target[::-1] if reverse else target
        assert int(a) + int(b) == int(answer) and answer == str(int(answer))
        for operand in (a, b):
            assert low <= len(operand) <= high and (len(operand) == 1 or operand[0] != "0")
            counts.add(len(operand))
    assert counts == set(range(low, high + 1))
    plain, reverse = addition_pairs(1, seed=0), addition_pairs(1, seed=0, reverse_answer=True)
    assert plain[0][1] == reverse[0][1][::-1]


@pytest.mark.parametrize("generate, expected", [(reversal_pairs, lambda s: s[::-1]),
                                                (sorting_pairs, lambda s: "".join(sorted(s)))])
@pytest.mark.parametrize("alphabet, symbols", [("digits", "0123456789"),
                                               ("letters", "abcdefghijklmnopqrstuvwxyz"),
                                               ("xyz", "xyz")])
def test_reversal_and_sorting_targets_lengths_and_alphabets(generate, expected, alphabet,
                                                            symbols):
    pairs = generate(300, lengths=(3, 7), seed=5, alphabet=alphabet)
    assert {len(s) for s, _ in pairs} == set(range(3, 8))
    for source, target in pairs:
        assert target == expected(source) and set(source) <= set(symbols)
    assert {len(s) for s, _ in generate(20, lengths=4)} == {4}


@pytest.mark.parametrize("name", TASKS)
def test_make_task_splits_are_disjoint_deterministic_and_sized(name):
    task = make_task(name, n_train=300, n_val=50, n_test=60, seed=1)
    assert isinstance(task, Seq2SeqTask)
    expected = {"train": 300, "val": 50, "test": 60}
    if name != "dates":
        expected["test_long"] = 60
    assert {split: len(pairs) for split, pairs in task.splits.items()} == expected
    sources = [source for pairs in task.splits.values() for source, _ in pairs]
    assert len(set(sources)) == len(sources)
    again = make_task(name, n_train=300, n_val=50, n_test=60, seed=1)
    assert again.splits == task.splits
    assert make_task(name, n_train=300, n_val=50, n_test=60, seed=2).splits != task.splits


def test_long_test_split_holds_up_to_twice_the_training_length():
    task = make_task("reversal", n_train=200, n_val=20, n_test=20, n_test_long=50,
                     lengths=(2, 8))
    assert {len(s) for s, _ in task["train"]} <= set(range(2, 9))
    assert {len(s) for s, _ in task["test_long"]} <= set(range(9, 17))
    assert max(len(s) for s, _ in task["test_long"]) > 12
    assert task.options == {"lengths": (2, 8), "long_lengths": (9, 16), "alphabet": "digits"}
    addition = make_task("addition", n_train=50, n_val=5, n_test=5, digits=(2, 3),
                         long_digits=6)
    for source, _ in addition["test_long"]:
        assert all(len(operand) == 6 for operand in source.split("+"))
    sorting = make_task("sorting", n_train=50, n_val=5, n_test=5, lengths=4, long_lengths=(7, 9),
                        alphabet="letters")
    assert {len(s) for s, _ in sorting["test_long"]} <= {7, 8, 9}


def test_vocabularies_and_collate():
    task = make_task("addition", n_train=100, n_val=10, n_test=10, seed=0)
    src_vocab, tgt_vocab = task.src_vocab, task.tgt_vocab
    assert src_vocab.itos[:4] == ["<pad>", "<unk>", "<bos>", "<eos>"] == tgt_vocab.itos[:4]
    assert (task.pad_index, task.bos_index, task.eos_index) == (0, 2, 3)
    assert set(src_vocab.itos[4:]) == set("0123456789+")
    assert set(tgt_vocab.itos[4:]) == set("0123456789")
    pairs = [("347+1289", "1636"), ("1+2", "3")]
    src, src_lengths, tgt_in, tgt_out = task.encode(pairs)
    assert src.dtype == src_lengths.dtype == tgt_in.dtype == tgt_out.dtype == np.int64
    assert src.shape == (2, 8) and tgt_in.shape == tgt_out.shape == (2, 5)
    assert src_lengths.tolist() == [8, 3]
    assert src_vocab.decode(src[0]) == "347+1289" and src_vocab.decode(src[1]) == "1+2"
    assert src[1, 3:].tolist() == [0] * 5
    assert tgt_in[:, 0].tolist() == [2, 2] and tgt_in[1, 2:].tolist() == [0, 0, 0]
    assert tgt_out[0, 4] == 3 and tgt_out[1, 1:].tolist() == [3, 0, 0, 0]
    assert tgt_vocab.decode(tgt_out[0], stop_at_eos=True) == "1636"
    assert tgt_in[0, 1:].tolist() == tgt_out[0, :-1].tolist()


def test_batches_and_a_dataloader_cover_a_split():
    task = make_task("sorting", n_train=70, n_val=5, n_test=5, seed=0)
    batches = list(task.batches("train", 32, shuffle=True, seed=1))
    assert [b[0].shape[0] for b in batches] == [32, 32, 6]
    texts = sorted(task.src_vocab.decode(row[:n]) for src, sizes, _, _ in batches
                   for row, n in zip(src, sizes.tolist()))
    assert texts == sorted(s for s, _ in task["train"])
    loader = DataLoader(task["train"], batch_size=16, collate_fn=task.collate)
    src, lengths, tgt_in, tgt_out = next(iter(loader))
    assert src.shape[0] == 16 and lengths.shape == (16,) and tgt_in.shape == tgt_out.shape


def test_build_vocabularies_and_collate_on_their_own():
    src_vocab, tgt_vocab = build_vocabularies([("ab", "x"), ("ba", "yy")])
    collate = Seq2SeqCollate(src_vocab, tgt_vocab)
    _, lengths, _, tgt_out = collate([("ab", "yy"), ("b", "")])
    assert lengths.tolist() == [2, 1] and tgt_out[1].tolist() == [3, 0, 0]


def test_tasks_refuse_bad_arguments():
    with pytest.raises(ValueError, match="unknown task"):
        make_task("translation")
    with pytest.raises(ValueError, match="low <= high"):
        reversal_pairs(5, lengths=(6, 3))
    with pytest.raises(ValueError, match="lengths must be an integer of at least 1"):
        sorting_pairs(5, lengths=0)
    with pytest.raises(ValueError, match="n must be an integer"):
        addition_pairs(-1)
    with pytest.raises(ValueError, match="alphabet"):
        reversal_pairs(5, alphabet="aa")
    with pytest.raises(ValueError, match="formats must be names"):
        date_pairs(5, formats=["rfc2822"])
    with pytest.raises(ValueError, match="two-digit years"):
        date_pairs(5, first=datetime.date(1900, 1, 1))
    with pytest.raises(ValueError, match="cannot draw 20 distinct sources"):
        make_task("reversal", n_train=20, n_val=0, n_test=0, n_test_long=0, lengths=1)
    with pytest.raises(TypeError, match="unexpected options"):
        make_task("addition", n_train=5, lengths=(1, 3))
    with pytest.raises(TypeError, match="unexpected options"):
        make_task("dates", n_train=5, digits=3)
    with pytest.raises(ValueError, match="no longer test split"):
        make_task("dates", n_train=5, n_test_long=5)
    with pytest.raises(KeyError, match="test_long"):
        make_task("dates", n_train=5, n_val=1, n_test=1)["test_long"]
    collate = make_task("sorting", n_train=5, n_val=1, n_test=1).collate
    with pytest.raises(ValueError, match="empty source"):
        collate([("", "")])
    with pytest.raises(ValueError, match="batch is empty"):
        collate([])
