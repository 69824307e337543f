"""Surnames by country, the classic character-RNN classification task, from real names.

The ``names-dataset`` package (``pip install tinynet[names]``) ships the first and last names of
Facebook users of 105 countries with each name's popularity rank per country. Its tables take
seconds and about a gigabyte to load, so the subset is derived once and cached as a small CSV
(``data_home()/names_by_country-<key>.csv``, a few hundred kilobytes); later loads read the CSV
and need neither the package nor the memory.

Selection rule (``build_names_table``):

1. Countries: ``DEFAULT_COUNTRIES``, one country per language of the classic PyTorch
   char-RNN tutorial's data where the package has it (Arabic: Egypt; no Vietnam; Scotland is part
   of Great Britain) plus Turkey and India: 18 countries with distinct naming traditions.
2. For each country, its ``pool`` best-ranked last names (the package's ``get_top_names``).
3. Each name is written in ASCII letters (``ascii_letters``: accents dropped, ß -> ss, ł -> l,
   ø -> o, æ -> ae, ...; lowercase); names with a character that is not a Latin letter
   (another script, spaces, hyphens, digits) or shorter than two letters are left out.
4. A name in several countries' pools belongs to the country where it ranks best (Murphy: Ireland,
   Smith: Great Britain); ties go to the country listed first.
5. Each country keeps its ``per_country`` best-ranked names (every class the same size); a
   country with fewer is an error that names it.

Splits (``load_names``): each country's names are shuffled with ``seed`` and cut 80/10/10 into
train, validation and test, so every split is balanced too.
"""

from __future__ import annotations

import csv
import hashlib
import os
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from tinynet.data.dataset import Dataset
from tinynet.data.datasets.base import data_home
from tinynet.tensor import Tensor

DEFAULT_COUNTRIES = ("CN", "CZ", "DE", "EG", "ES", "FR", "GB", "GR", "IE", "IN", "IT", "JP",
                     "KR", "NL", "PL", "PT", "RU", "TR")
COUNTRY_NAMES = {
    "CN": "China", "CZ": "Czechia", "DE": "Germany", "EG": "Egypt", "ES": "Spain",
    "FR": "France", "GB": "United Kingdom", "GR": "Greece", "IE": "Ireland", "IN": "India",
    "IT": "Italy", "JP": "Japan", "KR": "South Korea", "NL": "Netherlands", "PL": "Poland",
    "PT": "Portugal", "RU": "Russia", "TR": "Turkey",
}
PER_COUNTRY = 900
POOL = 5000
SPLITS = {"train": (0.0, 0.8), "val": (0.8, 0.9), "test": (0.9, 1.0)}
ALPHABET = "abcdefghijklmnopqrstuvwxyz"

_LETTERS_WITHOUT_DECOMPOSITION = str.maketrans({
    "ß": "ss", "ẞ": "SS", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE",
    "œ": "oe", "Œ": "OE", "đ": "d", "Đ": "D", "ı": "i", "þ": "th", "Þ": "TH", "ð": "d",
    "Ð": "D", "ħ": "h", "Ħ": "H",
})


def ascii_letters(name: str) -> str | None:
    """``name`` in lowercase ASCII letters (Müller -> muller, Wójcik -> wojcik, Groß -> gross),
    or None when it has a character that is not a Latin letter or fewer than two letters."""
    if not name or not all(unicodedata.name(c, "").startswith("LATIN") for c in name):
        return None
    decomposed = unicodedata.normalize("NFKD", name.translate(_LETTERS_WITHOUT_DECOMPOSITION))
    letters = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    if len(letters) < 2 or not all(c in ALPHABET for c in letters):
        return None
    return letters


def select_names(ranked: dict[str, Sequence[str]], countries: Sequence[str] = DEFAULT_COUNTRIES,
                 per_country: int = PER_COUNTRY, pool: int = POOL) -> list[tuple[str, str]]:
    """Steps 2-5 of the selection rule on ``ranked`` (country code -> names, most common first):
    ``(name, country)`` pairs, ``per_country`` for each country, countries in the given order,
    names by rank."""
    best: dict[str, tuple[int, int]] = {}  # ascii name -> (rank, country position)
    for position, country in enumerate(countries):
        if country not in ranked:
            raise ValueError(f"country {country!r} is not in the names data; it has "
                             f"{', '.join(sorted(ranked))}")
        for rank, raw in enumerate(ranked[country][:pool]):
            name = ascii_letters(raw)
            if name is not None and (rank, position) < best.get(name, (pool, len(countries))):
                best[name] = (rank, position)
    chosen = []
    for position, country in enumerate(countries):
        names = sorted((rank, name) for name, (rank, owner) in best.items() if owner == position)
        if len(names) < per_country:
            raise ValueError(f"country {country!r} has only {len(names)} usable names among its "
                             f"{pool} most common; ask for per_country <= {len(names)} or a "
                             f"larger pool")
        chosen += [(name, country) for _, name in names[:per_country]]
    return chosen


def _ranked_last_names(pool: int) -> dict[str, list[str]]:
    """Every country's ``pool`` most common last names from the names-dataset package (loads its
    last-name table only: a few seconds and about a gigabyte, once)."""
    try:
        from names_dataset import NameDataset
    except ImportError as error:
        raise ImportError("the names-by-country data is derived from the names-dataset package: "
                          "install it with `pip install tinynet[names]` (or `pip install "
                          "names-dataset`)") from error
    table = NameDataset(load_first_names=False, load_last_names=True)
    return table.get_top_names(n=pool, use_first_names=False)


def cache_path(countries: Sequence[str] = DEFAULT_COUNTRIES, per_country: int = PER_COUNTRY,
               pool: int = POOL, root: str | Path | None = None) -> Path:
    """Where the table selected with these arguments is cached (the key hashes them)."""
    key = hashlib.sha1(f"{','.join(countries)}|{per_country}|{pool}".encode()).hexdigest()[:10]
    folder = Path(root).expanduser() if root is not None else data_home()
    return folder / f"names_by_country-{key}.csv"


def build_names_table(countries: Sequence[str] = DEFAULT_COUNTRIES,
                      per_country: int = PER_COUNTRY, pool: int = POOL,
                      root: str | Path | None = None) -> Path:
    """Select the names (module docstring) and write them to ``cache_path(...)`` as CSV rows
    ``name,country`` through a temporary file (a reader never sees half a table)."""
    rows = select_names(_ranked_last_names(pool), countries, per_country, pool)
    path = cache_path(countries, per_country, pool, root)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.stem}.{os.getpid()}.tmp")
    with open(temporary, "w", newline="", encoding="ascii") as file:
        writer = csv.writer(file)
        writer.writerow(["name", "country"])
        writer.writerows(rows)
    os.replace(temporary, path)
    return path


def load_names(split: str = "train", countries: Sequence[str] = DEFAULT_COUNTRIES,
               per_country: int = PER_COUNTRY, pool: int = POOL, seed: int = 0,
               root: str | Path | None = None) -> tuple[list[str], np.ndarray, list[str]]:
    """``(names, labels, classes)`` of one split ("train", "val" or "test"): lowercase ASCII
    names, int64 labels indexing ``classes`` (the country codes, in ``countries`` order). The
    first call builds the cache (``build_names_table``); later calls only read it."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, but got {split!r}")
    countries = tuple(countries)
    path = cache_path(countries, per_country, pool, root)
    if not path.exists():
        build_names_table(countries, per_country, pool, root)
    with open(path, newline="", encoding="ascii") as file:
        rows = list(csv.reader(file))[1:]
    start, stop = SPLITS[split]
    names, labels = [], []
    for label, country in enumerate(countries):
        own = [name for name, owner in rows if owner == country]
        order = np.random.default_rng([seed, label]).permutation(len(own))
        low, high = round(start * len(own)), round(stop * len(own))
        names += [own[i] for i in order[low:high]]
        labels += [label] * (high - low)
    return names, np.array(labels, dtype=np.int64), list(countries)


class NamesByCountry(Dataset):
    """Surname -> country: ``dataset[i] == (characters, label)``, characters an int64 (L,) tensor
    of ``vocab`` indices (one per letter, no padding: batch with ``text.PadCollate``), label an
    int64 scalar indexing ``classes`` (country codes; ``country_names`` in English).

    ``vocab`` is the same for every split: ``<pad>`` 0, ``<unk>`` 1, ``<bos>`` 2, ``<eos>`` 3,
    then a..z. ``.names`` holds the strings and ``.targets`` the labels. Sizes with the defaults:
    12,960 train, 1,620 val and 1,620 test names, 18 balanced classes.
    """

    def __init__(self, split: str = "train", countries: Sequence[str] = DEFAULT_COUNTRIES,
                 per_country: int = PER_COUNTRY, pool: int = POOL, seed: int = 0,
                 root: str | Path | None = None):
        from tinynet.data.text import BOS, EOS, CharVocabulary

        self.names, self.targets, self.classes = load_names(split, countries, per_country, pool,
                                                            seed, root)
        self.country_names = [COUNTRY_NAMES.get(code, code) for code in self.classes]
        self.vocab = CharVocabulary([ALPHABET], bos_token=BOS, eos_token=EOS)
        self.lengths = [len(name) for name in self.names]

    def __len__(self) -> int:
        return len(self.names)

    def __getitem__(self, index):
        characters = np.array(self.vocab.encode(self.names[index]), dtype=np.int64)
        return Tensor._make(characters), Tensor._make(np.asarray(self.targets[index]))

    def __repr__(self) -> str:
        return f"NamesByCountry(names={len(self)}, countries={len(self.classes)})"
