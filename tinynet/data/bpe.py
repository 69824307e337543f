"""Byte-level byte-pair encoding (BPE), written from scratch: the tokenizer of GPT-2's family.

    tokenizer = BPETokenizer.train(texts, vocab_size=512, special_tokens=["<|endoftext|>"])
    ids = tokenizer.encode("naïve café <|endoftext|>")    # list of ints
    tokenizer.decode(ids)                                  # the same text, exactly
    tokenizer.save("bpe.json"); BPETokenizer.load("bpe.json")

Every text is first a sequence of UTF-8 bytes, so the 256 byte values are the base vocabulary
(ids 0..255) and no text is ever unknown. Training repeats: count every pair of adjacent
tokens, replace the most frequent pair (a, b) by a new token, id 256 + (number of earlier
merges), until ``vocab_size`` is reached. Ties go to the smallest pair (compared as a tuple of
ids), so training is deterministic. Pairs are counted inside chunks only: the text is first cut
by ``PATTERN`` into words with their leading space, runs of punctuation and runs of whitespace,
so a token never spans " the" and a following "." (as GPT-2 does). Special tokens come after
the merged tokens; they are matched whole in the text and never merged.

Encoding a chunk applies the learned merges in the order they were learned (at each step the
adjacent pair of lowest rank is merged everywhere in the chunk), which reproduces the training
segmentation. Decoding concatenates the bytes of the tokens and decodes UTF-8.

The saved file is JSON: the merges as pairs of ids, the special tokens and the pattern. Loading
reads JSON only (no pickle, nothing executed) and checks every field, so a malformed file gives
a ``ValueError`` that names the file and the problem.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from itertools import pairwise
from pathlib import Path

__all__ = ["PATTERN", "BPETokenizer"]

PATTERN = r"""'(?:[sdmt]|ll|ve|re)| ?[^\W\d_]+| ?\d+| ?[^\s\w]+|_+|\s+(?!\S)|\s+"""
"""How text is cut into chunks before merging: English contractions, letters (with one leading
space), digits, punctuation, underscores, whitespace (a run before a word leaves its last space
to the word). Any text is covered: the chunks concatenate back to it."""

FORMAT = "tinynet-bpe"
VERSION = 1


def _merge(word: Sequence[int], pair: tuple[int, int], new: int) -> list[int]:
    """``word`` with every occurrence of ``pair``, read left to right, replaced by ``new``."""
    out, i, n = [], 0, len(word)
    while i < n:
        if i + 1 < n and word[i] == pair[0] and word[i + 1] == pair[1]:
            out.append(new)
            i += 2
        else:
            out.append(word[i])
            i += 1
    return out


def _pairs(word: Sequence[int]) -> Counter:
    return Counter(pairwise(word))


class BPETokenizer:
    """A byte-level BPE tokenizer: ``merges[k] = (a, b)`` made token 256 + k from tokens a and
    b; ``special_tokens`` get the ids after the merged tokens, in order.

    Build it with ``BPETokenizer.train`` or ``BPETokenizer.load``; the constructor takes the
    merges directly (checked: each pair must name tokens that exist before it)."""

    def __init__(self, merges: Sequence[Sequence[int]] = (),
                 special_tokens: Sequence[str] = (), pattern: str = PATTERN):
        self.merges: list[tuple[int, int]] = []
        for k, pair in enumerate(merges):
            if (not isinstance(pair, (list, tuple)) or len(pair) != 2
                    or not all(isinstance(t, int) and not isinstance(t, bool) for t in pair)):
                raise ValueError(f"merge {k} must be a pair of token ids, but got {pair!r}")
            if not all(0 <= t < 256 + k for t in pair):
                raise ValueError(f"merge {k} {list(pair)} names a token that does not exist yet "
                                 f"(ids must be in 0..{256 + k - 1})")
            self.merges.append((int(pair[0]), int(pair[1])))
        if len(set(self.merges)) != len(self.merges):
            raise ValueError("the merges must be distinct (a pair is merged once)")
        special_tokens = list(special_tokens)
        if not all(isinstance(t, str) and t for t in special_tokens):
            raise ValueError(f"special tokens must be non-empty strings, but got {special_tokens}")
        if len(set(special_tokens)) != len(special_tokens):
            raise ValueError(f"special tokens must be distinct, but got {special_tokens}")
        if not isinstance(pattern, str):
            raise ValueError(f"the pattern must be a regular expression string, not {pattern!r}")
        try:
            self._chunker = re.compile(pattern)
            self._byte_chunker = re.compile(pattern.encode("utf-8"))
        except (re.error, UnicodeEncodeError) as error:
            raise ValueError(f"the pattern {pattern!r} is not a valid regular expression: "
                             f"{error}") from None
        self.pattern = pattern
        self.special_tokens = special_tokens
        self.ranks = {pair: k for k, pair in enumerate(self.merges)}
        self.vocab: list[bytes] = [bytes([b]) for b in range(256)]
        for a, b in self.merges:
            self.vocab.append(self.vocab[a] + self.vocab[b])
        first = 256 + len(self.merges)
        self.special_ids = {token: first + i for i, token in enumerate(special_tokens)}
        ordered = sorted(special_tokens, key=len, reverse=True)   # longest match first
        self._special_split = (re.compile("(" + "|".join(map(re.escape, ordered)) + ")")
                               if ordered else None)
        self._cache: dict[bytes, list[int]] = {}

    # --- training ------------------------------------------------------------------------------

    @classmethod
    def train(cls, texts: Iterable[str] | str, vocab_size: int,
              special_tokens: Sequence[str] = (), pattern: str = PATTERN) -> BPETokenizer:
        """Learn ``vocab_size - 256 - len(special_tokens)`` merges from ``texts`` (a string or
        an iterable of strings); fewer when the chunks run out of adjacent pairs (every chunk a
        single token). Special tokens in the texts are cut out before counting."""
        if isinstance(vocab_size, bool) or not isinstance(vocab_size, int):
            raise TypeError(f"vocab_size must be an int, but got {vocab_size!r}")
        special_tokens = list(special_tokens)
        if vocab_size < 256 + len(special_tokens):
            raise ValueError(f"vocab_size={vocab_size} is too small: the 256 byte values and "
                             f"the {len(special_tokens)} special tokens need "
                             f"{256 + len(special_tokens)}")
        base = cls((), special_tokens, pattern)
        if isinstance(texts, str):
            texts = [texts]
        chunks = Counter()
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"texts must be strings, but got {type(text).__name__}")
            for piece, special in base._split_special(text):
                if not special:
                    chunks.update(m.encode("utf-8") for m in base._chunks(base._chunker, piece))
        words = [list(chunk) for chunk in chunks]
        counts = list(chunks.values())
        pair_counts: Counter = Counter()
        where: defaultdict = defaultdict(set)       # pair -> words that may hold it
        for w, word in enumerate(words):
            for pair, c in _pairs(word).items():
                pair_counts[pair] += c * counts[w]
                where[pair].add(w)
        merges = []
        for new in range(256, vocab_size - len(special_tokens)):
            pair_counts = +pair_counts                      # drop zero counts
            if not pair_counts:
                break
            pair = max(pair_counts, key=lambda p: (pair_counts[p], -p[0], -p[1]))
            merges.append(pair)
            for w in where.pop(pair):
                word = words[w]
                if len(word) < 2:
                    continue
                before = _pairs(word)
                if pair not in before:
                    continue
                after_word = _merge(word, pair, new)
                after = _pairs(after_word)
                for p, c in before.items():
                    pair_counts[p] -= c * counts[w]
                for p, c in after.items():
                    pair_counts[p] += c * counts[w]
                    where[p].add(w)
                words[w] = after_word
            pair_counts.pop(pair, None)
        return cls(merges, special_tokens, pattern)

    # --- encoding and decoding -----------------------------------------------------------------

    def __len__(self) -> int:
        return 256 + len(self.merges) + len(self.special_tokens)

    @property
    def vocab_size(self) -> int:
        """The number of token ids: 256 bytes, the merged tokens and the special tokens."""
        return len(self)

    def _split_special(self, text):
        """(piece, is_special) pairs that concatenate to ``text``."""
        if self._special_split is None:
            return [(text, False)] if text else []
        return [(piece, i % 2 == 1) for i, piece in enumerate(self._special_split.split(text))
                if piece]

    def _chunks(self, chunker, text):
        """The chunks of ``text`` by the pattern; a pattern that skips part of the text is an
        error (the text would not come back from decode)."""
        chunks = chunker.findall(text)
        if sum(map(len, chunks)) != len(text):
            raise ValueError(f"the tokenizer's pattern {self.pattern!r} does not cover the whole "
                             f"text (its matches must concatenate back to the text)")
        return chunks

    def _encode_chunk(self, chunk: bytes) -> list[int]:
        cached = self._cache.get(chunk)
        if cached is not None:
            return cached
        word = list(chunk)
        while len(word) > 1:
            pair = min(pairwise(word), key=lambda p: self.ranks.get(p, len(self.ranks)))
            rank = self.ranks.get(pair)
            if rank is None:
                break
            word = _merge(word, pair, 256 + rank)
        if len(self._cache) < 100_000:
            self._cache[chunk] = word
        return word

    def encode(self, text: str | bytes, allow_special: bool = True) -> list[int]:
        """The token ids of ``text`` (a str, read as UTF-8, or bytes). ``allow_special``: the
        special tokens written in the text become their ids; with False they are ordinary text
        (encoded as bytes), so text from users cannot forge them."""
        if isinstance(text, (bytes, bytearray)):
            return [t for m in self._chunks(self._byte_chunker, bytes(text))
                    for t in self._encode_chunk(m)]
        if not isinstance(text, str):
            raise TypeError(f"encode takes a str or bytes, but got {type(text).__name__}")
        ids = []
        pieces = self._split_special(text) if allow_special else [(text, False)]
        for piece, special in pieces:
            if special:
                ids.append(self.special_ids[piece])
                continue
            for m in self._chunks(self._chunker, piece):
                try:
                    chunk = m.encode("utf-8")
                except UnicodeEncodeError as error:
                    raise ValueError(f"the text has a character UTF-8 cannot encode (a lone "
                                     f"surrogate?): {error}") from None
                ids.extend(self._encode_chunk(chunk))
        return ids

    def decode_bytes(self, ids: Iterable[int]) -> bytes:
        """The bytes of the tokens ``ids`` concatenated (a special token gives its UTF-8)."""
        first_special, out = 256 + len(self.merges), []
        for value in ids:
            index = int(value)
            if 0 <= index < first_special:
                out.append(self.vocab[index])
            elif first_special <= index < len(self):
                out.append(self.special_tokens[index - first_special].encode("utf-8"))
            else:
                raise IndexError(f"token id {index} is outside the vocabulary of {len(self)}")
        return b"".join(out)

    def decode(self, ids: Iterable[int], errors: str = "replace") -> str:
        """The text of the tokens ``ids``: their bytes decoded as UTF-8. ``encode`` then
        ``decode`` returns the text exactly; a token sequence that cuts a character's bytes
        (as a sampled one can) gives U+FFFD there with ``errors="replace"`` (``"strict"``
        raises)."""
        return self.decode_bytes(ids).decode("utf-8", errors=errors)

    def token(self, index: int) -> bytes:
        """The bytes of one token id."""
        return self.decode_bytes([index])

    # --- files ---------------------------------------------------------------------------------

    def to_dict(self) -> dict:
        return {"format": FORMAT, "version": VERSION, "pattern": self.pattern,
                "special_tokens": list(self.special_tokens),
                "merges": [list(pair) for pair in self.merges]}

    def save(self, path) -> Path:
        """Write the tokenizer as JSON (format ``tinynet-bpe``, version 1)."""
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=None) + "\n",
                        encoding="utf-8")
        return path

    @classmethod
    def from_dict(cls, data, source: str = "the data") -> BPETokenizer:
        if not isinstance(data, dict):
            raise ValueError(f"{source} is not a tinynet BPE tokenizer: a JSON object was "
                             f"expected, but got {type(data).__name__}")
        if data.get("format") != FORMAT:
            raise ValueError(f"{source} is not a tinynet BPE tokenizer (its format is "
                             f"{data.get('format')!r}, expected {FORMAT!r})")
        if data.get("version") != VERSION:
            raise ValueError(f"{source}: unsupported tinynet-bpe version "
                             f"{data.get('version')!r} (this tinynet reads {VERSION})")
        missing = [k for k in ("pattern", "special_tokens", "merges") if k not in data]
        if missing:
            raise ValueError(f"{source}: missing field(s) {', '.join(missing)}")
        if not isinstance(data["merges"], list) or not isinstance(data["special_tokens"], list):
            raise ValueError(f"{source}: merges and special_tokens must be lists")
        try:
            return cls(data["merges"], data["special_tokens"], data["pattern"])
        except ValueError as error:
            raise ValueError(f"{source}: {error}") from None

    @classmethod
    def load(cls, path) -> BPETokenizer:
        """Read a tokenizer written by ``save`` (JSON only; every field checked)."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ValueError(f"{str(path)!r} is not a tinynet BPE tokenizer file (not valid "
                             f"UTF-8 JSON: {error})") from None
        return cls.from_dict(data, repr(str(path)))

    def __eq__(self, other) -> bool:
        return isinstance(other, BPETokenizer) and self.to_dict() == other.to_dict()

    __hash__ = None

    def __repr__(self) -> str:
        return (f"BPETokenizer(vocab_size={len(self)}, merges={len(self.merges)}, "
                f"special_tokens={self.special_tokens})")
