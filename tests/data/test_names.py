"""Names by country: the selection rule on a small table, the cache, and the real subset."""

import numpy as np
import pytest

from tinynet.data import DataLoader
from tinynet.data.datasets import names as names_module
from tinynet.data.datasets.names import (NamesByCountry, ascii_letters, cache_path, load_names,
                                         select_names)
from tinynet.data.text import PadCollate

SMALL = {
    "IE": ["Murphy", "Kelly", "Smith", "Ó Briain", "O'Brien", "Walsh", "Byrne", "Ryan"],
    "GB": ["Smith", "Jones", "Murphy", "Williams", "Brown", "Taylor", "Davies", "Evans"],
    "DE": ["Müller", "Schmidt", "Muller", "Weiß", "Groß", "Х", "Fischer", "Meyer", "Wagner"],
}


def test_ascii_letters_normalises_latin_names_and_rejects_the_rest():
    assert ascii_letters("Müller") == "muller" and ascii_letters("Wójcik") == "wojcik"
    assert ascii_letters("Groß") == "gross" and ascii_letters("Łukasz") == "lukasz"
    assert ascii_letters("Yılmaz") == "yilmaz" and ascii_letters("Søren") == "soren"
    for rejected in ("Иванов", "O'Brien", "De Jong", "A", "", "محمد", "X2"):
        assert ascii_letters(rejected) is None


def test_select_names_assigns_shared_names_to_the_best_rank_and_balances():
    rows = select_names(SMALL, countries=("IE", "GB", "DE"), per_country=4, pool=8)
    by_country = {c: [n for n, owner in rows if owner == c] for c in ("IE", "GB", "DE")}
    assert by_country["IE"] == ["murphy", "kelly", "walsh", "byrne"]  # smith ranks 1st in GB
    assert by_country["GB"] == ["smith", "jones", "williams", "brown"]  # murphy: IE ranks it 1st
    assert by_country["DE"] == ["muller", "schmidt", "weiss", "gross"]  # Muller merged with Müller
    assert len({n for n, _ in rows}) == len(rows) == 12
    with pytest.raises(ValueError, match="'IE' has only 5 usable names"):  # 2 not Latin letters
        select_names(SMALL, countries=("IE", "GB", "DE"), per_country=6, pool=8)
    with pytest.raises(ValueError, match="'XX' is not in the names data"):
        select_names(SMALL, countries=("XX",), per_country=1)


def test_table_is_built_once_and_split_80_10_10(tmp_path, monkeypatch):
    calls = []

    def fake_table(pool):
        calls.append(pool)
        return {c: [f"{c.lower()}{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(60)]
                for c in ("AA", "BB")}

    monkeypatch.setattr(names_module, "_ranked_last_names", fake_table)
    arguments = {"countries": ("AA", "BB"), "per_country": 50, "pool": 60, "root": tmp_path}
    splits = {s: load_names(s, **arguments) for s in ("train", "val", "test")}
    assert calls == [60] and cache_path(("AA", "BB"), 50, 60, tmp_path).exists()
    assert [len(splits[s][0]) for s in ("train", "val", "test")] == [80, 10, 10]
    assert np.bincount(splits["val"][1]).tolist() == [5, 5] and splits["val"][2] == ["AA", "BB"]
    everything = [n for s in splits.values() for n in s[0]]
    assert len(set(everything)) == 100  # disjoint splits covering the selection
    again = load_names("val", **arguments)
    assert calls == [60] and again[0] == splits["val"][0]  # read from the cache, same order
    assert load_names("val", seed=1, **arguments)[0] != splits["val"][0]
    dataset = NamesByCountry("test", **arguments)
    characters, label = dataset[0]
    assert characters.dtype == np.int64 and label.dtype == np.int64
    assert dataset.vocab.decode(characters) == dataset.names[0]
    with pytest.raises(ValueError, match="split"):
        load_names("validation", **arguments)


def test_missing_package_names_the_extra(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "names_dataset", None)  # import fails
    with pytest.raises(ImportError, match=r"tinynet\[names\]"):
        load_names(countries=("AA",), per_country=1, pool=2, root=tmp_path)


def test_real_names_subset_is_balanced_and_cached():
    """Reads the cache under data_home(); the first run on a machine builds it from the
    names-dataset package (seconds, about a gigabyte, once)."""
    if not cache_path().exists():
        pytest.importorskip("names_dataset")
    train, val, test = (NamesByCountry(split) for split in ("train", "val", "test"))
    assert (len(train), len(val), len(test)) == (12960, 1620, 1620)
    assert len(train.classes) == 18 and np.bincount(test.targets).tolist() == [90] * 18
    assert not set(train.names) & set(test.names)
    assert all(set(name) <= set("abcdefghijklmnopqrstuvwxyz") for name in train.names)
    ireland, britain = train.classes.index("IE"), train.classes.index("GB")
    everything = {n: t for d in (train, val, test) for n, t in zip(d.names, d.targets)}
    assert everything["murphy"] == ireland and everything["smith"] == britain
    padded, lengths, labels = next(iter(DataLoader(
        train, batch_size=16, collate_fn=PadCollate(padding_value=train.vocab.pad_index))))
    assert padded.shape == (16, int(lengths.max())) and labels.shape == (16,)
