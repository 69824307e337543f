"""Character n-gram baselines that a recurrent network must beat: a naive Bayes classifier
(names -> country) and a smoothed language model (bits per character on held-out text).

Both count character n-grams in pure Python and fit in a second on the names data; neither
learns anything a table of counts cannot hold, which is what makes them honest baselines.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np

START, END = "\x02", "\x03"  # boundary markers around a name (characters no name contains)


def char_ngrams(text: str, n: int) -> list[str]:
    """The character n-grams of lengths 1..n of ``text`` wrapped in boundary markers: for n=2,
    "ab" gives a, b, <a, ab, b> (with START and END as the markers), so prefixes and suffixes
    count separately from the same letters inside a name."""
    padded = START + text + END
    grams = [c for c in text]
    for size in range(2, n + 1):
        grams += [padded[i:i + size] for i in range(len(padded) - size + 1)]
    return grams


class NGramNaiveBayes:
    """Multinomial naive Bayes over character n-grams (lengths 1..``n``) with add-``k``
    smoothing.

    score(c | text) = log P(c) + sum over the text's n-grams g of log P(g | c), with
    P(g | c) = (count(g, c) + k) / (total(c) + k |G|), G the n-grams seen in training and P(c)
    the class frequency. N-grams never seen in training are left out of the sum (they carry no
    evidence about any class). ``fit(texts, labels)`` then ``predict`` / ``predict_log_proba``.
    """

    def __init__(self, n: int = 3, k: float = 1.0):
        if int(n) != n or n < 1:
            raise ValueError(f"n must be a positive integer, but got {n!r}")
        if not k > 0:
            raise ValueError(f"k must be positive (add-k smoothing), but got {k!r}")
        self.n, self.k = int(n), float(k)

    def fit(self, texts: Sequence[str], labels) -> NGramNaiveBayes:
        labels = np.asarray(labels)
        if len(texts) != len(labels) or len(texts) == 0:
            raise ValueError(f"fit needs as many labels as texts (and at least one), but got "
                             f"{len(texts)} texts and {len(labels)} labels")
        self.classes_ = np.unique(labels)
        index = {label: i for i, label in enumerate(self.classes_.tolist())}
        counts = [Counter() for _ in self.classes_]
        for text, label in zip(texts, labels.tolist()):
            counts[index[label]].update(char_ngrams(text, self.n))
        vocabulary = sorted(set().union(*counts))
        self.vocabulary_ = {gram: i for i, gram in enumerate(vocabulary)}
        table = np.zeros((len(self.classes_), len(vocabulary)))
        for row, counter in enumerate(counts):
            for gram, count in counter.items():
                table[row, self.vocabulary_[gram]] = count
        smoothed = table + self.k
        self.feature_log_prob_ = np.log(smoothed / smoothed.sum(axis=1, keepdims=True))
        self.class_log_prior_ = np.log(np.bincount([index[label] for label in labels.tolist()],
                                                   minlength=len(self.classes_)) / len(labels))
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "classes_"):
            raise RuntimeError("this NGramNaiveBayes is not fitted yet: call fit(texts, labels)")

    def predict_log_proba(self, texts: Sequence[str]) -> np.ndarray:
        """log P(class | text), normalised over the classes: float64 (len(texts), classes)."""
        self._check_fitted()
        scores = np.empty((len(texts), len(self.classes_)))
        for row, text in enumerate(texts):
            columns = [self.vocabulary_[g] for g in char_ngrams(text, self.n)
                       if g in self.vocabulary_]
            scores[row] = self.class_log_prior_ + self.feature_log_prob_[:, columns].sum(axis=1)
        peak = scores.max(axis=1, keepdims=True)
        return scores - (peak + np.log(np.exp(scores - peak).sum(axis=1, keepdims=True)))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """The most probable class of each text."""
        log_proba = self.predict_log_proba(texts)
        return self.classes_[log_proba.argmax(axis=1)]

    def score(self, texts: Sequence[str], labels) -> float:
        """Accuracy: the fraction of texts whose predicted class is the label."""
        return float(np.mean(self.predict(texts) == np.asarray(labels)))


class CharNGramLanguageModel:
    """A character n-gram language model: P(next character | the ``n - 1`` characters before).

    ``smoothing="interpolated"`` (default, Witten-Bell): each order is mixed with the one below
    in proportion to how often its context was followed by a new character,

        P_j(c | h) = (count(h c) + T(h) P_(j-1)(c | h')) / (count(h) + T(h)),

    h the last j characters, h' its last j - 1, T(h) the number of distinct characters seen
    after h, down to P_0(c) = (count(c) + k) / (N + k |V|),
    V the training characters plus one slot for any unseen character. ``smoothing="add-k"``:
    the top order alone, P(c | h) = (count(h c) + k) / (count(h) + k |V|). Near the start of a
    text the context is shorter (lower orders). Fit on a training text, then
    ``bits_per_character`` on held-out text: -mean log2 P(c_t | c_<t).
    """

    def __init__(self, n: int = 5, smoothing: str = "interpolated", k: float = 1.0):
        if int(n) != n or n < 1:
            raise ValueError(f"n must be a positive integer, but got {n!r}")
        if smoothing not in ("interpolated", "add-k"):
            raise ValueError(f"smoothing must be 'interpolated' or 'add-k', but got {smoothing!r}")
        if not k > 0:
            raise ValueError(f"k must be positive (add-k smoothing), but got {k!r}")
        self.n, self.smoothing, self.k = int(n), smoothing, float(k)

    def fit(self, text: str) -> CharNGramLanguageModel:
        if not text:
            raise ValueError("fit needs a non-empty training text")
        self.vocabulary_ = sorted(set(text))
        self.counts_ = [defaultdict(Counter) for _ in range(self.n)]  # order j: context -> next
        for t, char in enumerate(text):
            for j in range(min(t, self.n - 1) + 1):
                self.counts_[j][text[t - j:t]][char] += 1
        return self

    def probability(self, char: str, context: str) -> float:
        """P(char | the last n - 1 characters of ``context``)."""
        if not hasattr(self, "counts_"):
            raise RuntimeError("this language model is not fitted yet: call fit(text)")
        context = context[len(context) - self.n + 1:] if self.n > 1 else ""
        size = len(self.vocabulary_) + 1
        unigram = self.counts_[0][""]
        if self.smoothing == "add-k":
            seen = self.counts_[len(context)].get(context, Counter())
            return (seen[char] + self.k) / (sum(seen.values()) + self.k * size)
        p = (unigram[char] + self.k) / (unigram.total() + self.k * size)
        for j in range(1, len(context) + 1):
            seen = self.counts_[j].get(context[len(context) - j:])
            if seen is None:
                break  # an unseen context: every longer one is unseen too
            p = (seen[char] + len(seen) * p) / (seen.total() + len(seen))
        return p

    def bits_per_character(self, text: str) -> float:
        """-mean over t of log2 P(text[t] | text[:t]) (the context restarts with ``text``)."""
        if not text:
            raise ValueError("bits_per_character needs a non-empty text")
        return -sum(math.log2(self.probability(c, text[max(0, t - self.n + 1):t]))
                    for t, c in enumerate(text)) / len(text)

    def distribution(self, context: str) -> dict[str, float]:
        """P(c | context) for every training character c (sums to less than 1 by the share
        kept for unseen characters)."""
        return {c: self.probability(c, context) for c in self.vocabulary_}

    def sample(self, length: int, context: str = "", temperature: float = 1.0,
               rng: np.random.Generator | None = None) -> str:
        """``length`` characters drawn one by one from P(c | context)^(1/temperature),
        renormalised over the training characters."""
        if not temperature > 0:
            raise ValueError(f"temperature must be positive, but got {temperature}")
        rng = rng or np.random.default_rng(0)
        text = context
        for _ in range(length):
            probabilities = np.array(list(self.distribution(text).values())) ** (1 / temperature)
            text += self.vocabulary_[rng.choice(len(self.vocabulary_),
                                                p=probabilities / probabilities.sum())]
        return text[len(context):]
