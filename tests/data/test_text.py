"""Vocabularies, encode/decode, one_hot, pad_sequences."""

import numpy as np
import pytest

import tinynet as tn
from tinynet.data.text import CharVocabulary, WordVocabulary, one_hot, pad_sequences


def test_char_vocabulary_round_trips_and_orders_by_count():
    vocab = CharVocabulary(["hello", "help"])
    assert vocab.itos[:2] == ["<pad>", "<unk>"] and vocab.pad_index == 0
    assert vocab.itos[2:] == ["l", "e", "h", "o", "p"]  # by count (l: 3), ties alphabetically
    assert vocab.decode(vocab.encode("hell")) == "hell"
    assert vocab.encode("z") == [vocab.unk_index]


def test_word_vocabulary_min_freq_lower_and_max_size():
    vocab = WordVocabulary(["The cat sat", "the dog sat"], lower=True, min_freq=2)
    assert vocab.itos == ["<pad>", "<unk>", "sat", "the"]
    assert vocab.decode(vocab.encode("the cat sat")) == "the sat"  # cat is unknown: skipped
    assert vocab.decode(vocab.encode("the cat"), skip_specials=False) == "the <unk>"
    assert len(WordVocabulary(["a b c d"], max_size=4)) == 4


def test_vocabulary_without_unk_raises_on_unknown_tokens():
    vocab = CharVocabulary(["ab"], specials=())
    assert vocab.encode("ba") == [1, 0]
    with pytest.raises(KeyError, match="'c'"):
        vocab.encode("c")


def test_one_hot_matches_pytorch_semantics():
    encoded = one_hot(tn.tensor([[0, 2], [1, 1]]))
    assert encoded.shape == (2, 2, 3) and encoded.dtype == np.int64
    np.testing.assert_array_equal(encoded.numpy()[0], [[1, 0, 0], [0, 0, 1]])
    assert one_hot([1], num_classes=5).shape == (1, 5)
    with pytest.raises(ValueError):
        one_hot([5], num_classes=3)
    with pytest.raises(TypeError):
        one_hot(tn.tensor([0.5]))


def test_pad_sequences_pads_and_reports_lengths():
    padded, lengths = pad_sequences([[1, 2, 3], [4], []], padding_value=0)
    assert padded.dtype == np.int64 and padded.shape == (3, 3)
    np.testing.assert_array_equal(padded.numpy(), [[1, 2, 3], [4, 0, 0], [0, 0, 0]])
    assert lengths.tolist() == [3, 1, 0] and lengths.dtype == np.int64
    time_first, _ = pad_sequences([np.ones((2, 4), np.float32), np.ones((1, 4), np.float32)],
                                  batch_first=False)
    assert time_first.shape == (2, 2, 4) and time_first.dtype == np.float32
    cut, cut_lengths = pad_sequences([[1, 2, 3]], max_length=2)
    assert cut.tolist() == [[1, 2]] and cut_lengths.tolist() == [2]


@pytest.mark.torch
def test_pad_sequences_matches_torch_pad_sequence():
    torch = pytest.importorskip("torch")
    sequences = [np.random.default_rng(i).standard_normal((n, 3)).astype(np.float32)
                 for i, n in enumerate([2, 5, 1])]
    expected = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in sequences], padding_value=-1.0)
    ours, _ = pad_sequences(sequences, padding_value=-1.0, batch_first=False)
    np.testing.assert_array_equal(ours.numpy(), expected.numpy())
