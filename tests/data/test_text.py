"""Vocabularies, special tokens, encode/decode, one_hot, pad_sequences, PadCollate and
length-bucketed batching."""

import numpy as np
import pytest

import tinynet as tn
from tinynet.data import DataLoader
from tinynet.data.text import (BucketBatchSampler, CharVocabulary, PadCollate, Vocabulary,
                               WordVocabulary, one_hot, pad_sequences)
from tinynet.errors import UnknownTokenError


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


# Special tokens, errors, collate and bucketing


def test_special_tokens_have_roles_and_come_first():
    vocab = CharVocabulary(["abc"], bos_token="<s>", eos_token="</s>")
    assert vocab.itos[:4] == ["<pad>", "<unk>", "<s>", "</s>"]
    assert (vocab.pad_index, vocab.unk_index, vocab.bos_index, vocab.eos_index) == (0, 1, 2, 3)
    encoded = vocab.encode("cab", add_bos=True, add_eos=True)
    assert encoded[0] == vocab.bos_index and encoded[-1] == vocab.eos_index and len(encoded) == 5
    assert vocab.decode(encoded) == "cab"
    assert vocab.decode(encoded, skip_specials=False) == "<s>cab</s>"
    generated = encoded + [vocab.stoi["a"], vocab.pad_index]  # text after the end token
    assert vocab.decode(generated, stop_at_eos=True) == "cab"
    assert vocab.decode(generated) == "caba"
    assert vocab.decode(generated, skip_specials=False, stop_at_eos=True) == "<s>cab"


def test_custom_and_missing_roles():
    vocab = WordVocabulary(["x y"], pad_token="[PAD]", unk_token=None, eos_token="[EOS]")
    assert vocab.itos[:2] == ["[PAD]", "[EOS]"] and vocab.unk_index is None
    assert vocab.bos_index is None and vocab.eos_index == 1
    with pytest.raises(ValueError, match="bos"):
        vocab.encode("x", add_bos=True)
    extra = WordVocabulary(["x"], specials=["<pad>", "<sep>"])  # extras; unk not among them
    assert extra.unk_index is None and extra.decode([1, 2]) == "x"
    with pytest.raises(ValueError, match="distinct"):
        Vocabulary(specials=["<pad>", "<pad>"])
    with pytest.raises(ValueError, match="max_size"):
        Vocabulary(["a b"], max_size=1)


@pytest.mark.parametrize("vocab_cls, texts, bad_text, token, position", [
    (CharVocabulary, ["hello"], "help", "p", 3),
    (WordVocabulary, ["the cat"], "the dog", "dog", 1),
])
def test_unknown_token_error_names_token_and_position(vocab_cls, texts, bad_text, token, position):
    vocab = vocab_cls(texts, unk_token=None)
    with pytest.raises(UnknownTokenError) as info:
        vocab.encode(bad_text)
    message = str(info.value)
    assert repr(token) in message and f"position {position}" in message and bad_text in message
    assert isinstance(info.value, KeyError) and isinstance(info.value, ValueError)
    with pytest.raises(UnknownTokenError, match="text 1:"):
        vocab.encode_all([texts[0], bad_text])


def test_round_trips_of_every_text():
    texts = ["the quick brown fox", "jumps over", "the lazy dog"]
    for vocab in (CharVocabulary(texts), WordVocabulary(texts)):
        for text in texts:
            assert vocab.decode(vocab.encode(text)) == text
        assert [vocab.decode(ids) for ids in vocab.encode_all(texts)] == texts
    with pytest.raises(IndexError):
        CharVocabulary(["ab"]).decode([7])


def test_pad_collate_pads_sequences_and_collates_labels():
    vocab = CharVocabulary(["abcd"])
    samples = [(vocab.encode(s), label) for s, label in [("ab", 0), ("abcd", 1), ("c", 2)]]
    padded, lengths, labels = PadCollate(padding_value=vocab.pad_index)(samples)
    assert padded.shape == (3, 4) and padded.dtype == np.int64
    assert lengths.tolist() == [2, 4, 1] and labels.tolist() == [0, 1, 2]
    assert padded.numpy()[2, 1:].tolist() == [0, 0, 0]
    time_first, _, _ = PadCollate(padding_value=-1, batch_first=False)(samples)
    assert time_first.shape == (4, 3) and time_first.numpy()[3, 0] == -1
    ordered, ordered_lengths, ordered_labels = PadCollate(sort_by_length=True)(samples)
    assert ordered_lengths.tolist() == [4, 2, 1] and ordered_labels.tolist() == [1, 0, 2]
    np.testing.assert_array_equal(ordered.numpy()[0], padded.numpy()[1])
    bare, bare_lengths = PadCollate()([np.ones((2, 3), np.float32), np.ones((1, 3), np.float32)])
    assert bare.shape == (2, 2, 3) and bare_lengths.tolist() == [2, 1]
    with pytest.raises(ValueError, match="empty"):
        PadCollate()([])
    import pickle  # worker processes receive the collate_fn pickled

    assert pickle.loads(pickle.dumps(PadCollate(padding_value=3))).padding_value == 3


def test_pad_collate_in_a_dataloader_with_bucketing():
    rng = np.random.default_rng(0)
    samples = [(rng.integers(1, 9, size=int(n)).tolist(), i % 3)
               for i, n in enumerate(rng.integers(1, 30, 100))]
    sampler = BucketBatchSampler([len(s) for s, _ in samples], batch_size=8,
                                 generator=tn.Generator(0))
    loader = DataLoader(samples, batch_sampler=sampler, collate_fn=PadCollate())
    seen = 0
    for padded, lengths, labels in loader:
        assert padded.shape == (len(lengths), int(lengths.max()))
        seen += len(labels)
    assert seen == 100 and len(loader) == 13


def _padding(batches, lengths):
    return sum(len(batch) * lengths[batch].max() - lengths[batch].sum() for batch in batches)


def test_bucketing_pads_less_than_random_batches():
    lengths = np.random.default_rng(1).integers(1, 200, 2000)
    plain = [list(b) for b in tn.data.BatchSampler(tn.data.RandomSampler(
        range(2000), generator=tn.Generator(0)), 32, drop_last=False)]
    bucketed = list(BucketBatchSampler(lengths, 32, bucket_size_multiplier=20,
                                       generator=tn.Generator(0)))
    plain_padding, bucket_padding = _padding(plain, lengths), _padding(bucketed, lengths)
    assert bucket_padding < plain_padding / 10  # measured: 12,121 against 182,457 padded steps
    one_bucket_per_batch = list(BucketBatchSampler(lengths, 32, bucket_size_multiplier=1,
                                                   generator=tn.Generator(0)))
    assert _padding(one_bucket_per_batch, lengths) == plain_padding  # multiplier 1: plain batches
    assert sorted(i for b in bucketed for i in b) == list(range(2000))  # each index once


def test_bucket_batch_sampler_shuffles_with_its_generator_and_drops_last():
    lengths = list(range(50, 0, -1))
    first = list(BucketBatchSampler(lengths, 4, generator=tn.Generator(3)))
    assert first == list(BucketBatchSampler(lengths, 4, generator=tn.Generator(3)))
    assert first != list(BucketBatchSampler(lengths, 4, generator=tn.Generator(4)))
    sampler = BucketBatchSampler(lengths, 4, drop_last=True, bucket_size_multiplier=5,
                                 shuffle=False)
    batches = list(sampler)
    assert len(batches) == len(sampler) == 12 and all(len(b) == 4 for b in batches)
    assert batches[0] == [19, 18, 17, 16]  # first bucket: indices 0..19, shortest first
    assert len(BucketBatchSampler(lengths, 4, bucket_size_multiplier=5)) == 13
    with pytest.raises(ValueError, match="batch_size"):
        BucketBatchSampler(lengths, 0)
    with pytest.raises(ValueError, match="lengths"):
        BucketBatchSampler([[1, 2]], 2)
