"""Batches for sequence-to-sequence models: character vocabularies for the sources and targets of
(source, target) string pairs, and a collate function that turns a list of pairs into padded
index tensors.

    src_vocab, tgt_vocab = build_vocabularies(pairs)
    collate = Seq2SeqCollate(src_vocab, tgt_vocab)
    src, src_lengths, tgt_in, tgt_out = collate([("347+1289", "1636"), ("1+2", "3")])
    # src int64 (2, 8); src_lengths [8, 3]; tgt_in  [[<bos> 1 6 3 6], [<bos> 3 <pad> ...]]
    #                                      tgt_out [[1 6 3 6 <eos>], [3 <eos> <pad> ...]]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tinynet.data.text import BOS, EOS, CharVocabulary, pad_sequences


def build_vocabularies(pairs: Iterable[tuple[str, str]]) -> tuple[CharVocabulary, CharVocabulary]:
    """Character vocabularies ``(src_vocab, tgt_vocab)`` of the sources and the targets of
    ``pairs``, each with the specials ``<pad>`` 0, ``<unk>`` 1, ``<bos>`` 2, ``<eos>`` 3, then
    the characters by decreasing count (ties alphabetically)."""
    pairs = list(pairs)
    for pair in pairs:
        if not isinstance(pair, (tuple, list)) or len(pair) != 2 \
                or not all(isinstance(text, str) for text in pair):
            raise TypeError(f"build_vocabularies needs (source, target) string pairs, but got "
                            f"{pair!r}")
    return (CharVocabulary([source for source, _ in pairs], bos_token=BOS, eos_token=EOS),
            CharVocabulary([target for _, target in pairs], bos_token=BOS, eos_token=EOS))


class Seq2SeqCollate:
    """A DataLoader ``collate_fn``: B (source, target) string pairs become
    ``(src, src_lengths, tgt_in, tgt_out)``, all int64:

    - ``src`` (B, S): the source characters' indices, padded with ``src_vocab.pad_index`` to the
      longest source S; ``src_lengths`` (B,) the lengths before padding (each at least 1);
    - ``tgt_in`` (B, T): ``<bos>`` then the target characters, the decoder's inputs under teacher
      forcing; ``tgt_out`` (B, T): the target characters then ``<eos>``, what it must predict;
      both padded with ``tgt_vocab.pad_index`` to T = the longest target + 1.

    Pass ``ignore_index=tgt_vocab.pad_index`` to the loss so that padding does not count. A
    class (not a closure), so it can be sent to DataLoader worker processes.
    """

    def __init__(self, src_vocab: CharVocabulary, tgt_vocab: CharVocabulary):
        for name, vocab in (("src_vocab", src_vocab), ("tgt_vocab", tgt_vocab)):
            if vocab.pad_index is None:
                raise ValueError(f"Seq2SeqCollate: {name} needs a padding token")
        if tgt_vocab.bos_index is None or tgt_vocab.eos_index is None:
            raise ValueError("Seq2SeqCollate: tgt_vocab needs start and end tokens (build it "
                             "with bos_token and eos_token)")
        self.src_vocab, self.tgt_vocab = src_vocab, tgt_vocab

    def __call__(self, batch: Sequence[tuple[str, str]]) -> tuple:
        if len(batch) == 0:
            raise ValueError("Seq2SeqCollate: the batch is empty")
        sources, targets = [], []
        for number, pair in enumerate(batch):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise TypeError(f"Seq2SeqCollate: sample {number} must be a (source, target) "
                                f"pair, but got {pair!r}")
            source, target = pair
            if len(source) == 0:
                raise ValueError(f"Seq2SeqCollate: sample {number} has an empty source; an "
                                 f"encoder needs at least one token")
            sources.append(self.src_vocab.encode(source))
            targets.append(self.tgt_vocab.encode(target))
        src, src_lengths = pad_sequences(sources, self.src_vocab.pad_index)
        bos, eos, pad = self.tgt_vocab.bos_index, self.tgt_vocab.eos_index, \
            self.tgt_vocab.pad_index
        tgt_in, _ = pad_sequences([[bos] + t for t in targets], pad)
        tgt_out, _ = pad_sequences([t + [eos] for t in targets], pad)
        return src, src_lengths, tgt_in, tgt_out

    def __repr__(self) -> str:
        return (f"Seq2SeqCollate(src_vocab={len(self.src_vocab)} tokens, "
                f"tgt_vocab={len(self.tgt_vocab)} tokens)")


__all__ = ["Seq2SeqCollate", "build_vocabularies"]
