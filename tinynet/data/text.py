"""Text preparation: character and word vocabularies with special tokens, encode/decode,
one-hot, padding, a collate function for variable-length batches and length-bucketed batching.

    vocab = CharVocabulary(["hello world", "help"])
    ids = vocab.encode("hell")                    # [5, 4, 6, 6]   (0 and 1 are <pad> and <unk>)
    vocab.decode(ids)                             # "hell"
    batch, lengths = pad_sequences([vocab.encode(s) for s in ["hi", "hello"]])
    # batch: int64 (2, 5) padded with vocab.pad_index; lengths: int64 (2,) = [2, 5]

    lm_vocab = CharVocabulary(texts, bos_token="<bos>", eos_token="<eos>")
    lm_vocab.encode("hi", add_bos=True, add_eos=True)   # [bos_index, h, i, eos_index]
    loader = DataLoader(dataset, batch_sampler=BucketBatchSampler(lengths, 32),
                        collate_fn=PadCollate(padding_value=lm_vocab.pad_index))
    for padded, lengths, labels in loader: ...
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from tinynet.data.bucket_sampler import BucketBatchSampler
from tinynet.data.collate import default_collate
from tinynet.errors import UnknownTokenError
from tinynet.tensor import Tensor

PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<bos>", "<eos>"

__all__ = ["BOS", "EOS", "PAD", "UNK", "BucketBatchSampler", "CharVocabulary", "PadCollate",
           "UnknownTokenError", "Vocabulary", "WordVocabulary", "one_hot", "pad_collate",
           "pad_sequences"]


def _preview(text, limit: int = 40) -> str:
    shown = text if isinstance(text, str) else " ".join(map(str, text))
    return repr(shown if len(shown) <= limit else shown[:limit] + "...")


class Vocabulary:
    """A bijection between tokens and the integers 0..len-1, with special tokens first.

    Built from an iterable of texts: ``tokenize`` splits each text into tokens, tokens seen at
    least ``min_freq`` times are kept, the ``specials`` come first, the rest follow by decreasing
    count, ties alphabetically (the order is reproducible); ``max_size`` caps the total size.

    Special tokens have roles, named by ``pad_token`` (padding), ``unk_token`` (stands for any
    token not in the vocabulary), ``bos_token`` / ``eos_token`` (start and end of a sequence).
    ``specials`` defaults to the role tokens that are not None, in that order, so by default
    ``<pad>`` is 0 and ``<unk>`` is 1. When ``specials`` is given it is the exact list of special
    tokens (extra ones such as ``"<sep>"`` are allowed); a role whose token is not among them is
    off, and its index (``pad_index``, ``unk_index``, ``bos_index``, ``eos_index``) is None.

    Tokens that are not in the vocabulary encode to ``unk_index``; without an unknown token they
    raise ``tinynet.errors.UnknownTokenError`` (a KeyError) naming the token and its position.
    """

    separator = " "

    def __init__(self, texts: Iterable = (), min_freq: int = 1,
                 specials: Sequence[str] | None = None, max_size: int | None = None, *,
                 pad_token: str | None = PAD, unk_token: str | None = UNK,
                 bos_token: str | None = None, eos_token: str | None = None):
        roles = (pad_token, unk_token, bos_token, eos_token)
        if specials is None:
            specials = [token for token in roles if token is not None]
        specials = list(specials)
        if len(set(specials)) != len(specials):
            raise ValueError(f"special tokens must be distinct, but got {specials}")
        if min_freq < 1:
            raise ValueError(f"min_freq must be at least 1, but got {min_freq}")
        if max_size is not None and max_size < len(specials):
            raise ValueError(f"max_size={max_size} leaves no room for the {len(specials)} "
                             f"special tokens {specials}")
        counts = Counter(token for text in texts for token in self.tokenize(text))
        kept = sorted((t for t, c in counts.items() if c >= min_freq and t not in specials),
                      key=lambda t: (-counts[t], t))
        if max_size is not None:
            kept = kept[:max_size - len(specials)]
        self.itos: list[str] = specials + kept
        self.stoi: dict[str, int] = {token: i for i, token in enumerate(self.itos)}
        self.specials: list[str] = specials
        self.pad_token, self.unk_token, self.bos_token, self.eos_token = roles
        self.counts = counts

    def tokenize(self, text) -> list[str]:
        """Split a text into tokens (words on whitespace; a list of tokens passes through)."""
        return text.split() if isinstance(text, str) else list(text)

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: str) -> bool:
        return token in self.stoi

    def _role_index(self, token: str | None) -> int | None:
        return self.stoi.get(token) if token in self.specials else None

    @property
    def pad_index(self) -> int | None:
        """The index of the padding token (None without one)."""
        return self._role_index(self.pad_token)

    @property
    def unk_index(self) -> int | None:
        """The index that tokens outside the vocabulary encode to (None: they raise)."""
        return self._role_index(self.unk_token)

    @property
    def bos_index(self) -> int | None:
        """The index of the start-of-sequence token (None without one)."""
        return self._role_index(self.bos_token)

    @property
    def eos_index(self) -> int | None:
        """The index of the end-of-sequence token (None without one)."""
        return self._role_index(self.eos_token)

    @property
    def special_indices(self) -> list[int]:
        """The indices of all special tokens (0..len(specials)-1)."""
        return list(range(len(self.specials)))

    def _marker(self, role: str, index: int | None) -> list[int]:
        if index is None:
            raise ValueError(f"cannot add a {role} token: the vocabulary has none (pass "
                             f"{role}_token=... when building it)")
        return [index]

    def encode(self, text, add_bos: bool = False, add_eos: bool = False) -> list[int]:
        """The index of every token of ``text``: a list of ints, one per token, preceded by
        ``bos_index`` if ``add_bos`` and followed by ``eos_index`` if ``add_eos``."""
        unknown = self.unk_index
        indices = self._marker("bos", self.bos_index) if add_bos else []
        for position, token in enumerate(self.tokenize(text)):
            index = self.stoi.get(token, unknown)
            if index is None:
                raise UnknownTokenError(
                    f"token {token!r} (at token position {position} of the text "
                    f"{_preview(text)}) is not in the vocabulary of {len(self)} tokens, which has "
                    f"no unknown token; build it with unk_token set and among the specials, or "
                    f"from texts that contain {token!r}")
            indices.append(index)
        return indices + (self._marker("eos", self.eos_index) if add_eos else [])

    def encode_all(self, texts: Iterable, add_bos: bool = False,
                   add_eos: bool = False) -> list[list[int]]:
        """``encode`` of every text; an unknown token's error also names the text's number."""
        encoded = []
        for number, text in enumerate(texts):
            try:
                encoded.append(self.encode(text, add_bos, add_eos))
            except UnknownTokenError as error:
                raise UnknownTokenError(f"text {number}: {error}") from None
        return encoded

    def decode(self, indices, skip_specials: bool = True, stop_at_eos: bool = False) -> str:
        """The text of a sequence of indices (list, array or 1-D tensor), tokens joined by
        ``separator``. ``stop_at_eos``: the text ends before the first ``eos_index`` (as a
        generated sample does). ``skip_specials``: special tokens (padding, unknown, start,
        end and extras) are left out; with False they are written out as their tokens."""
        values = indices.tolist() if isinstance(indices, (Tensor, np.ndarray)) else indices
        eos, special = self.eos_index, len(self.specials)
        tokens = []
        for value in values:
            index = int(value)
            if not 0 <= index < len(self):
                raise IndexError(f"index {index} is outside the vocabulary of {len(self)} tokens")
            if stop_at_eos and index == eos:
                break
            if not (skip_specials and index < special):
                tokens.append(self.itos[index])
        return self.separator.join(tokens)

    def __repr__(self) -> str:
        preview = ", ".join(repr(t) for t in self.itos[:8]) + (", ..." if len(self) > 8 else "")
        return f"{type(self).__name__}(size={len(self)}, tokens=[{preview}])"


class WordVocabulary(Vocabulary):
    """A vocabulary of whitespace-separated words, optionally lower-cased."""

    def __init__(self, texts: Iterable = (), min_freq: int = 1,
                 specials: Sequence[str] | None = None, max_size: int | None = None,
                 lower: bool = False, *, pad_token: str | None = PAD,
                 unk_token: str | None = UNK, bos_token: str | None = None,
                 eos_token: str | None = None):
        self.lower = lower
        super().__init__(texts, min_freq, specials, max_size, pad_token=pad_token,
                         unk_token=unk_token, bos_token=bos_token, eos_token=eos_token)

    def tokenize(self, text) -> list[str]:
        if isinstance(text, str):
            return (text.lower() if self.lower else text).split()
        return list(text)


class CharVocabulary(Vocabulary):
    """A vocabulary of single characters; decode joins them without a separator."""

    separator = ""

    def tokenize(self, text) -> list[str]:
        return list(text)


def one_hot(indices, num_classes: int = -1) -> Tensor:
    """One-hot encoding, PyTorch's ``F.one_hot``: int64 indices of shape S give an int64 tensor
    of shape (*S, num_classes) with a 1 at each index; ``num_classes=-1`` means max + 1."""
    values = indices.numpy() if isinstance(indices, Tensor) else np.asarray(indices)
    if values.dtype.kind not in "iu":
        raise TypeError(f"one_hot is only applicable to index tensors, but got dtype {values.dtype}")
    if values.size and values.min() < 0:
        raise ValueError("one_hot: class values must be non-negative")
    if num_classes == -1:
        num_classes = int(values.max()) + 1 if values.size else 0
    if values.size and values.max() >= num_classes:
        raise ValueError(f"one_hot: class values must be smaller than num_classes={num_classes}")
    return Tensor._make((values[..., None] == np.arange(num_classes)).astype(np.int64))


def pad_sequences(sequences: Sequence, padding_value: float = 0, max_length: int | None = None,
                  batch_first: bool = True) -> tuple[Tensor, Tensor]:
    """Pad variable-length sequences to one length; return ``(padded, lengths)``.

    ``sequences``: B sequences (lists, arrays or tensors) of shapes (L_i, *F) with the same F.
    ``padded`` has shape (B, T, *F) (``batch_first=False``: (T, B, *F), as PyTorch's
    ``pad_sequence`` defaults to), T = ``max_length`` or the longest L_i; longer sequences are cut
    to T. Its dtype follows the sequences (int64 for lists of ints). ``lengths`` is an int64
    (B,) tensor of the lengths before padding, capped at T.
    """
    arrays = [s.numpy() if isinstance(s, Tensor) else np.asarray(s) for s in sequences]
    if not arrays:
        raise ValueError("pad_sequences needs at least one sequence")
    features = {a.shape[1:] for a in arrays}
    if len(features) != 1:
        raise ValueError(f"pad_sequences: sequences must agree after their first dimension, but "
                         f"got shapes {[list(a.shape) for a in arrays]}")
    lengths = np.array([len(a) for a in arrays], dtype=np.int64)
    length = int(lengths.max()) if max_length is None else int(max_length)
    dtype = np.result_type(*([a for a in arrays if a.size] or arrays))  # [] must not make floats
    padded = np.full((len(arrays), length, *arrays[0].shape[1:]), padding_value, dtype=dtype)
    for row, array in enumerate(arrays):
        padded[row, :min(len(array), length)] = array[:length]
    if not batch_first:
        padded = np.ascontiguousarray(np.swapaxes(padded, 0, 1))
    return Tensor._make(padded), Tensor._make(np.minimum(lengths, length))


class PadCollate:
    """A DataLoader ``collate_fn`` for variable-length sequences: pads them into one batch.

    Each sample is ``(sequence, label, ...)``, the sequence a list, array or tensor of shape
    (L_i, *F), or a bare sequence (a tensor, an array or a flat list of numbers). A batch of B samples becomes ``(padded, lengths, labels, ...)``:
    ``padded`` (B, T, *F) with T the longest L_i (``batch_first=False``: (T, B, *F)), filled with
    ``padding_value`` after each sequence's end; ``lengths`` int64 (B,); the other fields merged
    by ``default_collate`` (int labels: int64 (B,)). A bare sequence gives ``(padded, lengths)``.

    ``sort_by_length=True`` orders the batch by decreasing length (every field alike), as
    ``pack_padded_sequence(..., enforce_sorted=True)`` needs. Being a class (not a closure), it
    can be sent to DataLoader worker processes.
    """

    def __init__(self, padding_value: float = 0, batch_first: bool = True,
                 sort_by_length: bool = False):
        self.padding_value = padding_value
        self.batch_first = batch_first
        self.sort_by_length = sort_by_length

    def __call__(self, batch: Sequence) -> tuple:
        if len(batch) == 0:
            raise ValueError("PadCollate: the batch is empty (no samples to pad)")
        bare = not isinstance(batch[0], (tuple, list)) or not batch[0] \
            or isinstance(batch[0][0], (int, float, np.integer, np.floating))
        samples = [(sample,) for sample in batch] if bare else [tuple(s) for s in batch]
        if len({len(sample) for sample in samples}) != 1:
            raise ValueError(f"PadCollate: samples must have the same number of fields, but got "
                             f"{sorted({len(sample) for sample in samples})}")
        if self.sort_by_length:
            samples = sorted(samples, key=lambda sample: -len(sample[0]))
        padded, lengths = pad_sequences([sample[0] for sample in samples], self.padding_value,
                                        batch_first=self.batch_first)
        rest = [default_collate([sample[field] for sample in samples])
                for field in range(1, len(samples[0]))]
        return (padded, lengths, *rest)

    def __repr__(self) -> str:
        return (f"PadCollate(padding_value={self.padding_value}, batch_first={self.batch_first}, "
                f"sort_by_length={self.sort_by_length})")


pad_collate = PadCollate()
"""``PadCollate()`` with its defaults: pads with 0, batch first, in the given order."""

# Byte-pair encoding
from tinynet.data.bpe import BPETokenizer

__all__ += ["BPETokenizer"]
