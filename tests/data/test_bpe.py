"""The byte-level BPE tokenizer: exact round trips, the documented merge order, files."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinynet.data.text import BPETokenizer

CORPUS = ["the cat sat on the mat", "the hat", "a cat and a hat"]


@pytest.fixture(scope="module")
def tokenizer():
    return BPETokenizer.train(CORPUS, vocab_size=270, special_tokens=["<|endoftext|>", "<pad>"])


def test_merges_follow_the_documented_order_on_a_tiny_corpus():
    # "aaab": pairs (a,a) x2 and (a,b) x1 -> merge (a,a) = 256; the word is then [256, a, b]
    # with (256,a) and (a,b) once each: the tie goes to the smaller pair (a,b) = 257; then
    # (256,257) = 258 and no pair is left.
    tok = BPETokenizer.train("aaab", vocab_size=1000)
    assert tok.merges == [(97, 97), (97, 98), (256, 257)]
    assert tok.vocab_size == 259
    assert tok.encode("aaab") == [258]
    assert tok.encode("aab") == [256, 98]       # (a,a) has the lowest rank
    assert tok.encode("ab") == [257]


def test_counts_are_weighted_by_chunk_frequency_and_chunks_do_not_merge_across():
    # "ab ab ab" -> chunks "ab" x1, " ab" x2: (a,b) counts 3, (" ",a) 2, and no pair spans
    # two chunks (no (b," ")). After (a,b) = 256 the chunks are [256] and [32, 256] x2.
    tok = BPETokenizer.train("ab ab ab", vocab_size=1000)
    assert tok.merges == [(97, 98), (32, 256)]
    assert tok.token(256) == b"ab" and tok.token(257) == b" ab"


def test_vocab_size_counts_bytes_merges_and_specials(tokenizer):
    assert len(tokenizer) == tokenizer.vocab_size == 270
    assert len(tokenizer.merges) == 270 - 256 - 2
    assert tokenizer.special_ids == {"<|endoftext|>": 268, "<pad>": 269}


@settings(max_examples=60, deadline=None)
@given(st.text())
def test_round_trip_of_any_text(tokenizer, text):
    ids = tokenizer.encode(text)
    assert tokenizer.decode(ids) == text
    assert all(0 <= i < len(tokenizer) for i in ids)


@settings(max_examples=40, deadline=None)
@given(st.binary())
def test_round_trip_of_any_bytes(tokenizer, data):
    assert tokenizer.decode_bytes(tokenizer.encode(data)) == data


def test_encoding_compresses_the_training_text(tokenizer):
    text = "the cat sat on the mat"
    assert len(tokenizer.encode(text)) < len(text.encode("utf-8"))


def test_special_tokens_are_single_ids_and_can_be_refused(tokenizer):
    text = "the cat<|endoftext|>a hat<pad>"
    ids = tokenizer.encode(text)
    assert ids.count(268) == 1 and ids[-1] == 269
    assert tokenizer.decode(ids) == text
    plain = tokenizer.encode(text, allow_special=False)
    assert 268 not in plain and 269 not in plain
    assert tokenizer.decode(plain) == text


def test_special_tokens_are_not_learned_from():
    tok = BPETokenizer.train(["<s><s><s><s>"], vocab_size=300, special_tokens=["<s>"])
    assert tok.merges == []
    assert tok.encode("<s><s>") == [256, 256]


def test_decode_of_a_cut_character_replaces_or_raises(tokenizer):
    ids = tokenizer.encode("é")                      # two bytes, not merged in this corpus
    assert len(ids) == 2
    assert tokenizer.decode(ids[:1]) == "\ufffd"
    with pytest.raises(UnicodeDecodeError):
        tokenizer.decode(ids[:1], errors="strict")


def test_save_and_load_give_the_same_tokenizer(tokenizer, tmp_path):
    path = tokenizer.save(tmp_path / "bpe.json")
    loaded = BPETokenizer.load(path)
    assert loaded == tokenizer
    assert loaded.merges == tokenizer.merges and loaded.special_tokens == tokenizer.special_tokens
    text = "a mat and the cat <|endoftext|> ünïcödé"
    assert loaded.encode(text) == tokenizer.encode(text)


@pytest.mark.parametrize("content, message", [
    ("not json", "not valid UTF-8 JSON"),
    ("[1, 2]", "JSON object"),
    ('{"format": "other"}', "format"),
    ('{"format": "tinynet-bpe", "version": 9}', "version"),
    ('{"format": "tinynet-bpe", "version": 1, "merges": []}', "missing"),
    ('{"format": "tinynet-bpe", "version": 1, "pattern": ".", "special_tokens": [], '
     '"merges": [[97, 300]]}', "does not exist yet"),
    ('{"format": "tinynet-bpe", "version": 1, "pattern": ".", "special_tokens": [], '
     '"merges": [[97]]}', "pair of token ids"),
    ('{"format": "tinynet-bpe", "version": 1, "pattern": "(", "special_tokens": [], '
     '"merges": []}', "regular expression"),
    ('{"format": "tinynet-bpe", "version": 1, "pattern": ".", "special_tokens": ["a", "a"], '
     '"merges": []}', "distinct"),
])
def test_malformed_files_give_clear_errors(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        BPETokenizer.load(path)


def test_saved_file_is_plain_json(tokenizer, tmp_path):
    data = json.loads(tokenizer.save(tmp_path / "t.json").read_text())
    assert data["format"] == "tinynet-bpe" and data["merges"][0] == list(tokenizer.merges[0])


def test_bad_arguments():
    with pytest.raises(ValueError, match="too small"):
        BPETokenizer.train("abc", vocab_size=256, special_tokens=["<s>"])
    with pytest.raises(TypeError, match="vocab_size"):
        BPETokenizer.train("abc", vocab_size=300.0)
    with pytest.raises(TypeError, match="str or bytes"):
        BPETokenizer().encode(5)
    with pytest.raises(IndexError, match="outside the vocabulary"):
        BPETokenizer().decode([256])
    with pytest.raises(ValueError, match="cover"):
        BPETokenizer(pattern="a").encode("ab")
