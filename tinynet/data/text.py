"""Text preparation: character and word vocabularies, encode/decode, one-hot, padding.

    vocab = CharVocabulary(["hello world", "help"])
    ids = vocab.encode("hell")                    # [5, 4, 6, 6]   (0 and 1 are <pad> and <unk>)
    vocab.decode(ids)                             # "hell"
    batch, lengths = pad_sequences([vocab.encode(s) for s in ["hi", "hello"]])
    # batch: int64 (2, 5) padded with vocab.pad_index; lengths: int64 (2,) = [2, 5]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from tinynet.tensor import Tensor

PAD, UNK = "<pad>", "<unk>"


class Vocabulary:
    """A bijection between tokens and the integers 0..len−1.

    Built from an iterable of texts: ``tokenize`` splits each text into tokens, tokens seen at
    least ``min_freq`` times are kept, the ``specials`` come first (so ``<pad>`` is 0), the rest
    follow by decreasing count, ties alphabetically (the order is reproducible). Tokens that are
    not in the vocabulary encode to ``<unk>`` when it is a special, and raise KeyError otherwise.
    """

    separator = " "

    def __init__(self, texts: Iterable = (), min_freq: int = 1,
                 specials: Sequence[str] = (PAD, UNK), max_size: int | None = None):
        counts = Counter(token for text in texts for token in self.tokenize(text))
        kept = sorted((t for t, c in counts.items() if c >= min_freq and t not in specials),
                      key=lambda t: (-counts[t], t))
        if max_size is not None:
            kept = kept[:max(0, max_size - len(specials))]
        self.itos: list[str] = list(specials) + kept
        self.stoi: dict[str, int] = {token: i for i, token in enumerate(self.itos)}
        self.counts = counts

    def tokenize(self, text) -> list[str]:
        """Split a text into tokens (words on whitespace; a list of tokens passes through)."""
        return text.split() if isinstance(text, str) else list(text)

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: str) -> bool:
        return token in self.stoi

    @property
    def pad_index(self) -> int | None:
        return self.stoi.get(PAD)

    @property
    def unk_index(self) -> int | None:
        return self.stoi.get(UNK)

    def encode(self, text) -> list[int]:
        """The index of every token of ``text``: a list of ints, one per token."""
        unknown = self.unk_index
        indices = []
        for token in self.tokenize(text):
            index = self.stoi.get(token, unknown)
            if index is None:
                raise KeyError(f"token {token!r} is not in the vocabulary, which has no {UNK}")
            indices.append(index)
        return indices

    def decode(self, indices, skip_specials: bool = True) -> str:
        """The text of a sequence of indices (list, array or 1-D tensor); ``<pad>`` and other
        specials are left out unless ``skip_specials=False``."""
        values = indices.tolist() if isinstance(indices, (Tensor, np.ndarray)) else indices
        specials = {i for i, t in enumerate(self.itos) if t in (PAD, UNK)} if skip_specials \
            else set()
        return self.separator.join(self.itos[int(i)] for i in values if int(i) not in specials)

    def __repr__(self) -> str:
        preview = ", ".join(repr(t) for t in self.itos[:8]) + (", ..." if len(self) > 8 else "")
        return f"{type(self).__name__}(size={len(self)}, tokens=[{preview}])"


class WordVocabulary(Vocabulary):
    """A vocabulary of whitespace-separated words, optionally lower-cased."""

    def __init__(self, texts: Iterable = (), min_freq: int = 1,
                 specials: Sequence[str] = (PAD, UNK), max_size: int | None = None,
                 lower: bool = False):
        self.lower = lower
        super().__init__(texts, min_freq, specials, max_size)

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
