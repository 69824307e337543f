"""Sequence-to-sequence tasks on characters, generated offline from a seed: date normalisation,
addition as text, reversal and sorting. Each generator returns a list of (source, target)
string pairs; ``make_task`` bundles disjoint train / val / test splits (and a longer test
split, for length generalisation) with character vocabularies and a collate function
(``tinynet.data.datasets.seq2seq_data``).

    date_pairs(2, seed=0)              # [("3rd of March 1998", "1998-03-03"), ...]
    addition_pairs(2, digits=(3, 4))   # [("347+1289", "1636"), ...]
    reversal_pairs(2, lengths=(1, 10)) # [("40972", "27904"), ...]
    sorting_pairs(2, lengths=(1, 10))  # [("40972", "02479"), ...]

The same arguments and seed always give the same pairs (NumPy's ``default_rng(seed)``).
"""

from __future__ import annotations

import datetime

import numpy as np

from tinynet.data.seq2seq_collate import Seq2SeqCollate, build_vocabularies

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DIGITS = "0123456789"
LETTERS = "abcdefghijklmnopqrstuvwxyz"
ALPHABETS = {"digits": DIGITS, "letters": LETTERS}

DATE_FORMATS = {
    "iso_slash": "{year}/{month2}/{day2}",                        # 1998/03/03
    "compact": "{year}{month2}{day2}",                            # 19980303
    "dmy_slash": "{day2}/{month2}/{year2}",                       # 03/03/98
    "dmy_slash_full": "{day2}/{month2}/{year}",                   # 03/03/1998
    "dmy_dot": "{day}.{month}.{year}",                            # 3.3.1998
    "dmy_dash_abbr": "{day}-{month_abbr}-{year2}",                # 3-Mar-98
    "month_day_year": "{month_name} {day}, {year}",               # March 3, 1998
    "abbr_day_year": "{month_abbr} {day} {year}",                 # Mar 3 1998
    "day_month_year": "{day} {month_name} {year}",                # 3 March 1998
    "ordinal_of": "{ordinal} of {month_name} {year}",             # 3rd of March 1998
    "the_ordinal_of": "the {ordinal} of {month_lower}, {year}",   # the 3rd of march, 1998
    "month_ordinal": "{month_lower} {ordinal}, {year}",           # march 3rd, 1998
    "upper": "{month_upper} {day} {year}",                        # MARCH 3 1998
    "weekday": "{weekday}, {month_name} {day}, {year}",           # Tuesday, March 3, 1998
    "weekday_abbr": "{weekday_abbr} {day} {month_abbr} {year}",   # Tue 3 Mar 1998
}
"""The human formats of ``date_pairs``: a name and a template whose fields are ``day`` (3),
``day2`` (03), ``ordinal`` (3rd), ``month`` (3), ``month2`` (03), ``month_name`` (March),
``month_abbr`` (Mar), ``month_lower`` (march), ``month_upper`` (MARCH), ``year`` (1998),
``year2`` (98), ``weekday`` (Tuesday), ``weekday_abbr`` (Tue). Numeric formats put the day
before the month (03/04/98 is the 3rd of April). A two-digit year yy means 19yy for yy >= 50
and 20yy below, so the default years 1950-2049 are read back unambiguously. English names
(not the locale's)."""

FIRST_DATE = datetime.date(1950, 1, 1)
LAST_DATE = datetime.date(2049, 12, 31)


def _check_count(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer of at least {minimum}, but got {value!r}")
    return int(value)


def _check_range(name: str, value, minimum: int) -> tuple[int, int]:
    """An int or a (low, high) pair (inclusive) as a checked (low, high) tuple."""
    pair = (value, value) if isinstance(value, (int, np.integer)) \
        and not isinstance(value, bool) else tuple(value)
    if len(pair) != 2:
        raise ValueError(f"{name} must be an integer or a (low, high) pair, but got {value!r}")
    low, high = (_check_count(name, v, minimum) for v in pair)
    if low > high:
        raise ValueError(f"{name} must have low <= high, but got {value!r}")
    return low, high


def _alphabet(alphabet: str) -> str:
    symbols = ALPHABETS.get(alphabet, alphabet)
    if not isinstance(symbols, str) or not symbols or len(set(symbols)) != len(symbols):
        raise ValueError(f"alphabet must be 'digits', 'letters' or a string of distinct "
                         f"characters, but got {alphabet!r}")
    return symbols


def ordinal(day: int) -> str:
    """1 -> "1st", 2 -> "2nd", 3 -> "3rd", 4 -> "4th", 11 -> "11th", 22 -> "22nd"."""
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def format_date(date: datetime.date, template: str) -> str:
    """``date`` written with a template of ``DATE_FORMATS`` (a name or a template string)."""
    template = DATE_FORMATS.get(template, template)
    month = MONTHS[date.month - 1]
    weekday = WEEKDAYS[date.weekday()]
    return template.format(
        day=date.day, day2=f"{date.day:02d}", ordinal=ordinal(date.day), month=date.month,
        month2=f"{date.month:02d}", month_name=month, month_abbr=month[:3],
        month_lower=month.lower(), month_upper=month.upper(), year=date.year,
        year2=f"{date.year % 100:02d}", weekday=weekday, weekday_abbr=weekday[:3])


def _date_generator(formats=None, first: datetime.date = FIRST_DATE,
                    last: datetime.date = LAST_DATE):
    names = list(DATE_FORMATS) if formats is None else list(formats)
    unknown = [name for name in names if name not in DATE_FORMATS]
    if not names or unknown:
        raise ValueError(f"formats must be names from DATE_FORMATS ({', '.join(DATE_FORMATS)}), "
                         f"but got {formats!r}")
    if last < first:
        raise ValueError(f"the last date {last} is before the first {first}")
    two_digit = any("{year2}" in DATE_FORMATS[name] for name in names)
    if two_digit and (first.year < 1950 or last.year > 2049):
        raise ValueError("two-digit years stand for 1950-2049: with dates outside them, leave "
                         "out the formats with {year2}")
    days = (last - first).days + 1

    def generate(rng: np.random.Generator, n: int) -> list[tuple[str, str]]:
        offsets = rng.integers(0, days, n)
        chosen = rng.integers(0, len(names), n)
        pairs = []
        for offset, which in zip(offsets, chosen):
            date = first + datetime.timedelta(days=int(offset))
            pairs.append((format_date(date, names[which]), date.isoformat()))
        return pairs
    return generate


def date_pairs(n: int, seed: int = 0, formats=None, first: datetime.date = FIRST_DATE,
               last: datetime.date = LAST_DATE) -> list[tuple[str, str]]:
    """``n`` (human date, ISO date) pairs: a day drawn uniformly from ``first``..``last``,
    written in a format drawn uniformly from ``formats`` (names of ``DATE_FORMATS``; None: all
    of them), e.g. ("3rd of March 1998", "1998-03-03"). Targets are always 10 characters."""
    return _date_generator(formats, first, last)(np.random.default_rng(seed),
                                                 _check_count("n", n, 0))


def _number(rng: np.random.Generator, digits: int) -> int:
    return int(rng.integers(0 if digits == 1 else 10 ** (digits - 1), 10 ** digits))


def _addition_generator(digits=(3, 4), reverse_answer: bool = False):
    low, high = _check_range("digits", digits, 1)

    def generate(rng: np.random.Generator, n: int) -> list[tuple[str, str]]:
        pairs = []
        for _ in range(n):
            a, b = (_number(rng, int(rng.integers(low, high + 1))) for _ in range(2))
            answer = str(a + b)
            pairs.append((f"{a}+{b}", answer[::-1] if reverse_answer else answer))
        return pairs
    return generate


def addition_pairs(n: int, digits=(3, 4), seed: int = 0,
                   reverse_answer: bool = False) -> list[tuple[str, str]]:
    """``n`` (sum, answer) pairs such as ("347+1289", "1636"). Each operand's number of digits
    is drawn uniformly from ``digits`` (an int, or an inclusive (low, high) pair), then the
    operand uniformly among the numbers with that many digits (no leading zeros; one digit:
    0-9). ``reverse_answer=True`` writes the answer's digits in reverse ("6361"): the least
    significant digit first, the order in which the carries are computed, which makes the task
    easier for a left-to-right decoder."""
    return _addition_generator(digits, reverse_answer)(np.random.default_rng(seed),
                                                       _check_count("n", n, 0))


def _string_generator(lengths, alphabet, transform):
    low, high = _check_range("lengths", lengths, 1)
    symbols = np.array(list(_alphabet(alphabet)))

    def generate(rng: np.random.Generator, n: int) -> list[tuple[str, str]]:
        pairs = []
        for length in rng.integers(low, high + 1, n):
            source = "".join(symbols[rng.integers(0, len(symbols), int(length))])
            pairs.append((source, transform(source)))
        return pairs
    return generate


def _reverse(text: str) -> str:
    return text[::-1]


def _sort(text: str) -> str:
    return "".join(sorted(text))


def reversal_pairs(n: int, lengths=(1, 10), seed: int = 0,
                   alphabet: str = "digits") -> list[tuple[str, str]]:
    """``n`` (string, reversed string) pairs such as ("40972", "27904"): the length drawn
    uniformly from ``lengths`` (an int, or an inclusive (low, high) pair), each character
    uniformly from ``alphabet`` ("digits", "letters" or a string of distinct characters)."""
    return _string_generator(lengths, alphabet, _reverse)(np.random.default_rng(seed),
                                                          _check_count("n", n, 0))


def sorting_pairs(n: int, lengths=(1, 10), seed: int = 0,
                  alphabet: str = "digits") -> list[tuple[str, str]]:
    """``n`` (string, its characters sorted) pairs such as ("40972", "02479"), drawn as
    ``reversal_pairs``'s; characters sort by code point (digits before letters)."""
    return _string_generator(lengths, alphabet, _sort)(np.random.default_rng(seed),
                                                       _check_count("n", n, 0))


TASKS = ("dates", "addition", "reversal", "sorting")
SPLITS = ("train", "val", "test", "test_long")


def _generator(name: str, options: dict, long: bool):
    """The pair generator of task ``name`` (of the longer test inputs when ``long``) and the
    options it was built with."""
    options = dict(options)
    if name == "dates":
        chosen = {"formats": None, "first": FIRST_DATE, "last": LAST_DATE}
        unknown = sorted(set(options) - set(chosen))
        if unknown:
            raise TypeError(f"make_task('dates'): unexpected options {unknown}")
        chosen.update(options)
        return _date_generator(**chosen), chosen
    if name == "addition":
        digits = _check_range("digits", options.pop("digits", (3, 4)), 1)
        long_digits = options.pop("long_digits", None)
        long_digits = (digits[1] + 1, digits[1] + 2) if long_digits is None else \
            _check_range("long_digits", long_digits, 1)
        reverse_answer = options.pop("reverse_answer", False)
        if options:
            raise TypeError(f"make_task('addition'): unexpected options {sorted(options)}")
        chosen = {"digits": digits, "long_digits": long_digits, "reverse_answer": reverse_answer}
        return _addition_generator(long_digits if long else digits, reverse_answer), chosen
    lengths = _check_range("lengths", options.pop("lengths", (1, 10)), 1)
    long_lengths = options.pop("long_lengths", None)
    long_lengths = (lengths[1] + 1, 2 * lengths[1]) if long_lengths is None else \
        _check_range("long_lengths", long_lengths, 1)
    alphabet = options.pop("alphabet", "digits")
    if options:
        raise TypeError(f"make_task({name!r}): unexpected options {sorted(options)}")
    chosen = {"lengths": lengths, "long_lengths": long_lengths, "alphabet": alphabet}
    transform = _reverse if name == "reversal" else _sort
    return _string_generator(long_lengths if long else lengths, alphabet, transform), chosen


def _distinct_pairs(generate, rng, count: int, seen: set, split: str) -> list[tuple[str, str]]:
    """``count`` pairs whose sources are not in ``seen`` (which they are added to)."""
    pairs, stalled = [], 0
    while len(pairs) < count:
        before = len(pairs)
        for source, target in generate(rng, count - len(pairs)):
            if source not in seen and len(pairs) < count:
                seen.add(source)
                pairs.append((source, target))
        stalled = stalled + 1 if len(pairs) == before else 0
        if stalled == 20:
            raise ValueError(f"make_task: cannot draw {count} distinct sources for the {split} "
                             f"split (found {len(pairs)}): the lengths or digits allow too few "
                             f"different inputs; lower the split sizes or widen the ranges")
    return pairs


class Seq2SeqTask:
    """A sequence-to-sequence task: named splits of (source, target) string pairs, character
    vocabularies over all of them and the collate function to batch them.

    ``splits``: {"train", "val", "test"} drawn with the same options, plus "test_long" (inputs
    longer than in training) for addition and the string tasks; no source appears twice, in
    one split or across splits (so a length with few possible inputs, such as the 10 one-digit
    strings, is rarer than a uniform draw of lengths would make it). ``src_vocab``,
    ``tgt_vocab``: ``CharVocabulary``s with ``<pad>`` 0, ``<unk>`` 1, ``<bos>`` 2, ``<eos>`` 3.
    ``collate``: a ``Seq2SeqCollate`` giving
    ``(src, src_lengths, tgt_in, tgt_out)``. ``options``: the generator options used.
    """

    def __init__(self, name: str, splits: dict, options: dict | None = None):
        self.name, self.splits, self.options = name, dict(splits), dict(options or {})
        self.src_vocab, self.tgt_vocab = build_vocabularies(
            pair for pairs in self.splits.values() for pair in pairs)
        self.collate = Seq2SeqCollate(self.src_vocab, self.tgt_vocab)

    def __getitem__(self, split: str) -> list[tuple[str, str]]:
        if split not in self.splits:
            raise KeyError(f"task {self.name!r} has the splits {', '.join(self.splits)}, not "
                           f"{split!r}")
        return self.splits[split]

    @property
    def pad_index(self) -> int:
        return self.tgt_vocab.pad_index

    @property
    def bos_index(self) -> int:
        return self.tgt_vocab.bos_index

    @property
    def eos_index(self) -> int:
        return self.tgt_vocab.eos_index

    def encode(self, pairs) -> tuple:
        """``collate(pairs)``: ``(src, src_lengths, tgt_in, tgt_out)`` of a list of pairs."""
        return self.collate(list(pairs))

    def batches(self, split: str, batch_size: int, shuffle: bool = False, seed: int = 0):
        """The batches of a split, each ``encode``d, in order or (``shuffle``) in a
        permutation drawn from ``seed``; the last one may be smaller."""
        pairs = self[split]
        order = np.random.default_rng(seed).permutation(len(pairs)) if shuffle \
            else np.arange(len(pairs))
        batch_size = _check_count("batch_size", batch_size, 1)
        for start in range(0, len(pairs), batch_size):
            yield self.encode(pairs[i] for i in order[start:start + batch_size])

    def __repr__(self) -> str:
        sizes = ", ".join(f"{split}={len(pairs)}" for split, pairs in self.splits.items())
        return (f"Seq2SeqTask({self.name!r}, {sizes}, src_vocab={len(self.src_vocab)}, "
                f"tgt_vocab={len(self.tgt_vocab)})")


def make_task(name: str, n_train: int = 10000, n_val: int = 1000, n_test: int = 1000,
              n_test_long: int | None = None, seed: int = 0, **options) -> Seq2SeqTask:
    """Task ``name`` ("dates", "addition", "reversal" or "sorting") with disjoint splits drawn
    from ``seed``: train, val and test (and test_long, ``n_test_long`` pairs, default
    ``n_test``, for all but dates). ``options`` go to the task's generator:

    - dates: ``formats``, ``first``, ``last`` (as ``date_pairs``);
    - addition: ``digits`` (default (3, 4)), ``reverse_answer``, ``long_digits`` for test_long
      (default (high + 1, high + 2));
    - reversal, sorting: ``lengths`` (default (1, 10)), ``alphabet``, ``long_lengths`` for
      test_long (default (high + 1, 2 * high): up to twice the longest training input).
    """
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}: choose one of {', '.join(TASKS)}")
    counts = {"train": n_train, "val": n_val, "test": n_test}
    if name != "dates":
        counts["test_long"] = n_test if n_test_long is None else n_test_long
    elif n_test_long:
        raise ValueError("make_task('dates') has no longer test split: leave n_test_long out")
    counts = {split: _check_count(f"n_{split}", count, 0) for split, count in counts.items()}
    rng = np.random.default_rng(seed)
    generate, chosen = _generator(name, options, long=False)
    seen: set = set()
    splits = {}
    for split, count in counts.items():
        source = _generator(name, options, long=True)[0] if split == "test_long" else generate
        splits[split] = _distinct_pairs(source, rng, count, seen, split)
    return Seq2SeqTask(name, splits, chosen)


__all__ = ["ALPHABETS", "DATE_FORMATS", "FIRST_DATE", "LAST_DATE", "MONTHS", "SPLITS", "TASKS",
           "WEEKDAYS", "Seq2SeqCollate", "Seq2SeqTask", "addition_pairs", "build_vocabularies",
           "date_pairs", "format_date", "make_task", "ordinal", "reversal_pairs",
           "sorting_pairs"]
