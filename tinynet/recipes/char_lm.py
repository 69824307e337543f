"""The character language model's recipe (``char-lm``): Embedding -> LSTM -> Linear trained to
predict the next character, scored in bits per character on held-out text against a smoothed
character n-gram model fitted on the same training text, with samples at two temperatures.

    tinynet train char-lm                          # the standard library's docstrings
    tinynet train char-lm --text-file book.txt     # any UTF-8 text file
    tinynet train char-lm --dataset names          # surnames, conditioned on the country

Both train with Adam, the learning rate annealed to 0 over the run (cosine), the gradient norm
clipped at ``CLIP``; the last epoch is kept (nothing is chosen on the held-out text). The
headline, ``test_bits_per_character``, is -mean log2 P(next character) on held-out text.

Text (``stdlib``, ``text-file``): the first ``max_chars`` characters (whole docstrings for
stdlib), the last 10% held out (``split_text``), the vocabulary the training side's characters
plus ``<unk>`` (held-out characters never seen in training count as <unk> for the network; the
n-gram model gives them its unseen-character share). Training is truncated backpropagation
through time: the text is laid out as ``batch_size`` parallel streams, read ``bptt`` characters
at a time, the hidden state carried from one chunk to the next but detached (``train_epoch``).
The n-gram baseline (``CharNGramLanguageModel``, Witten-Bell) is scored at orders
1..``NGRAM_ORDERS`` and the best order is reported: chosen on the held-out text itself, which
favours the baseline. The n-gram reads the held-out text as one stream, the network as
``EVAL_STREAMS`` streams (each starts without context: a negligible share of the characters).
Samples: ``SAMPLE_LENGTH`` characters after the text's first character, at each temperature.

Names (``names``): ``NamesByCountry``'s splits (train; validation for the per-epoch curve; test
for the result), each name read as <bos> name <eos>, the country given to the network with
every character (``condition_mode`` "concat", see ``tinynet.models.char_lm``). Bits per
character count each letter and the end (the first letter is predicted from <bos> and the
country). The baselines, on the same test names: one n-gram model per country (the same
information as the network's condition) and one for all countries, each at its best order.
Samples: ``NAMES_PER_COUNTRY`` names per country at each temperature.
"""

from __future__ import annotations

import math

import numpy as np

import tinynet as tn
from tinynet.recipes.common import Recipe, Run

DEFAULTS = {
    "stdlib": {"epochs": 10, "batch_size": 32, "lr": 3e-3, "bptt": 64, "max_chars": 250_000},
    "text-file": {"epochs": 10, "batch_size": 32, "lr": 3e-3, "bptt": 64, "max_chars": 250_000,
                  "text_file": None},
    "names": {"epochs": 8, "batch_size": 64, "lr": 3e-3},
}
DATASETS = tuple(DEFAULTS)
CLIP = 1.0                    # max global gradient norm (tinynet.nn.utils.clip_grad_norm_)
NGRAM_ORDERS = 7              # the n-gram baseline is scored for n = 1..7
TEMPERATURES = (0.5, 1.0)
SAMPLE_LENGTH = 300           # characters per text sample
NAMES_PER_COUNTRY = 5         # samples per country and temperature
EVAL_STREAMS = 16
LN2 = math.log(2)


def defaults(dataset: str) -> dict:
    return dict(DEFAULTS[dataset])


def _optimizer(run: Run, model, steps: int):
    optimizer = tn.optim.Adam(model.parameters(), lr=run.options["lr"])
    return optimizer, tn.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(steps, 1))


def _step(model, optimizer, scheduler, loss) -> None:
    optimizer.zero_grad()
    loss.backward()
    tn.nn.utils.clip_grad_norm_(model.parameters(), CLIP)  # exploding gradients stay bounded
    optimizer.step()
    scheduler.step()


def _build(run: Run, vocab_size: int, num_conditions: int = 0):
    from tinynet.models import MODELS

    if "num_conditions" in run.model_args:
        raise ValueError("the char-lm recipe sets num_conditions from the dataset (the number "
                         "of countries for names); leave it out of --model-arg")
    try:
        return MODELS["char-lm"]((), vocab_size, **run.model_args, num_conditions=num_conditions)
    except (TypeError, ValueError) as error:
        raise ValueError(f"the char-lm model cannot be built with {run.model_args}: "
                         f"{error}") from None


# --- text: truncated backpropagation through time ----------------------------------------------

def _read_text(run: Run) -> str:
    from tinynet.data.datasets.text_corpus import read_text_file, stdlib_docstrings

    if run.dataset == "stdlib":
        return stdlib_docstrings(max_chars=run.options["max_chars"])
    return read_text_file(run.options["text_file"], max_chars=run.options["max_chars"])


def train_epoch(model, streams, bptt: int, optimizer, scheduler) -> float:
    """One pass of truncated BPTT over ``streams`` (int64 (N, L), see ``batchify``): the mean
    training loss in bits per character."""
    from tinynet.data.datasets.text_corpus import bptt_chunks
    from tinynet.models.char_lm import detach_state
    from tinynet.nn import functional as F

    model.train()
    state, total, count = None, 0.0, 0
    for inputs, targets in bptt_chunks(streams, bptt):
        # Truncated BPTT. The state keeps its values (the model remembers the text so far), but
        # detach_state -- h.detach(), and c.detach() for an LSTM -- cuts the graph behind it:
        # this chunk's backward stops at its first step instead of running back to the start
        # of the text, so each step costs the same and memory stays bounded.
        state = detach_state(state)
        logits, state = model(inputs, state)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
        _step(model, optimizer, scheduler, loss)
        total += loss.item() * targets.numel()
        count += targets.numel()
    return total / count / LN2


def stream_bits_per_character(model, indices, streams: int = EVAL_STREAMS,
                              chunk: int = 256) -> float:
    """-mean log2 P(x_t | x_<t) of the model over ``indices`` read as ``streams`` parallel
    streams, the state carried from chunk to chunk (no gradients)."""
    from tinynet.data.datasets.text_corpus import batchify, bptt_chunks
    from tinynet.nn import functional as F

    model.eval()
    batched = batchify(indices, max(1, min(streams, len(indices) // 2)))
    state, total, count = None, 0.0, 0
    with tn.no_grad():
        for inputs, targets in bptt_chunks(batched, chunk):
            logits, state = model(inputs, state)
            total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                                     reduction="sum").item()
            count += targets.numel()
    return total / count / LN2


def ngram_orders(train_text: str, bits, orders: int = NGRAM_ORDERS) -> dict[int, float]:
    """{n: bits(model)} for Witten-Bell n-gram models of orders 1..``orders`` fitted on
    ``train_text`` (counted once: the order-n model uses the first n tables of the largest)."""
    from tinynet.data.ngram import CharNGramLanguageModel

    largest = CharNGramLanguageModel(orders).fit(train_text)
    scores = {}
    for n in range(1, orders + 1):
        model = CharNGramLanguageModel(n)
        model.vocabulary_, model.counts_ = largest.vocabulary_, largest.counts_[:n]
        scores[n] = bits(model)
    return scores


def run_text(run: Run) -> dict:
    from tinynet.data.datasets.text_corpus import batchify, split_text
    from tinynet.data.text import CharVocabulary
    from tinynet.models.char_lm import sample

    options = run.options
    train_text, val_text = split_text(_read_text(run))
    vocab = CharVocabulary([train_text], pad_token=None, unk_token="<unk>")
    streams = batchify(vocab.encode(train_text), options["batch_size"])
    if streams.shape[1] < options["bptt"] + 1:
        raise ValueError(f"{len(train_text)} training characters make streams of "
                         f"{streams.shape[1]} characters: fewer than --bptt {options['bptt']}; "
                         f"use a longer text or a smaller --batch-size or --bptt")
    val_indices = vocab.encode(val_text)
    model = _build(run, len(vocab))
    steps = math.ceil((streams.shape[1] - 1) / options["bptt"])
    optimizer, scheduler = _optimizer(run, model, steps * options["epochs"])
    run.say(f"training char-lm on {run.dataset}: {len(train_text):,} training and "
            f"{len(val_text):,} held-out characters, {len(vocab)} symbols; "
            f"{options['batch_size']} streams x {streams.shape[1]:,} characters in chunks of "
            f"{options['bptt']}; {sum(p.numel() for p in model.parameters()):,} parameters")

    def one_epoch(epoch: int) -> dict:
        return {"bits_per_character": train_epoch(model, streams, options["bptt"], optimizer,
                                                  scheduler),
                "val_bits_per_character": stream_bits_per_character(model, val_indices)}

    history = run.epochs(one_epoch)
    val_bpc = (history["val_bits_per_character"][-1] if len(history)
               else stream_bits_per_character(model, val_indices))
    orders = ngram_orders(train_text, lambda ngram: ngram.bits_per_character(val_text))
    best_n = min(orders, key=orders.get)
    generator = tn.Generator(run.seed)
    prompt = vocab.encode(train_text[:1])
    samples = {}
    for temperature in TEMPERATURES:
        drawn = sample(model, 1, SAMPLE_LENGTH, temperature=temperature, start=prompt,
                       generator=generator)[0]
        samples[str(temperature)] = train_text[:1] + vocab.decode(drawn, skip_specials=False)
    for temperature, text in samples.items():
        run.say(f"--- sample at temperature {temperature} ---\n{text}\n")
    (run.folder / "samples.txt").write_text("".join(
        f"--- temperature {t} ---\n{text}\n\n" for t, text in samples.items()), encoding="utf-8")
    results = {"test_bits_per_character": val_bpc,
               "ngram": {"n": best_n, "val_bits_per_character": orders[best_n],
                         "by_order": orders},
               "samples": samples,
               "corpus": {"train_chars": len(train_text), "val_chars": len(val_text),
                          "vocab_size": len(vocab),
                          "text_file": options.get("text_file")}}
    return run.finish(model, history, results,
                      f"held-out bits per character: {val_bpc:.3f} (LSTM) vs "
                      f"{orders[best_n]:.3f} ({best_n}-gram)")


# --- names: conditioned on the country ---------------------------------------------------------

def _name_batch(vocab, names, labels):
    from tinynet.data.text import pad_sequences

    inputs, _ = pad_sequences([vocab.encode(n, add_bos=True) for n in names], vocab.pad_index)
    targets, _ = pad_sequences([vocab.encode(n, add_eos=True) for n in names], vocab.pad_index)
    return inputs, targets, tn.tensor(np.asarray(labels), dtype=tn.int64)


def names_bits_per_character(model, vocab, names, labels, batch_size: int = 512) -> float:
    """-mean log2 P over every letter and end of ``names`` (padding left out)."""
    from tinynet.nn import functional as F

    model.eval()
    total, count = 0.0, 0
    with tn.no_grad():
        for start in range(0, len(names), batch_size):
            inputs, targets, condition = _name_batch(vocab, names[start:start + batch_size],
                                                     labels[start:start + batch_size])
            logits, _ = model(inputs, None, condition)
            total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                                     ignore_index=vocab.pad_index, reduction="sum").item()
            count += sum(len(n) + 1 for n in names[start:start + batch_size])
    return total / count / LN2


def ngram_names_bits(ngram, names) -> tuple[float, int]:
    """(total bits, characters) of an n-gram model over ``names``, each read as START name END
    with the context restarting at START (the END counts, START is given)."""
    from tinynet.data.ngram import END, START

    bits = 0.0
    for name in names:
        text = START + name + END
        bits -= sum(math.log2(ngram.probability(text[t], text[max(0, t - ngram.n + 1):t]))
                    for t in range(1, len(text)))
    return bits, sum(len(n) + 1 for n in names)


def names_baselines(train, val) -> dict:
    """Best-order n-gram bits per character on the held-out names ``val``: one model per country
    (``per_country``) and one for all (``unconditioned``)."""
    from tinynet.data.ngram import END, START

    def joined(names):
        return "".join(START + n + END for n in names)

    def by_country(names, labels):
        return {c: [n for n, label in zip(names, labels) if label == c] for c in set(labels)}

    train_by, val_by = by_country(*train), by_country(*val)
    per_country = {n: 0.0 for n in range(1, NGRAM_ORDERS + 1)}
    for country, names in val_by.items():
        scores = ngram_orders(joined(train_by[country]),
                              lambda m, names=names: ngram_names_bits(m, names)[0])
        for n, bits in scores.items():
            per_country[n] += bits
    characters = sum(len(n) + 1 for n in val[0])
    per_country = {n: bits / characters for n, bits in per_country.items()}
    unconditioned = ngram_orders(joined(train[0]),
                                 lambda m: ngram_names_bits(m, val[0])[0] / characters)
    result = {}
    for key, scores in (("per_country", per_country), ("unconditioned", unconditioned)):
        n = min(scores, key=scores.get)
        result[key] = {"n": n, "val_bits_per_character": scores[n], "by_order": scores}
    return result


def run_names(run: Run) -> dict:
    from tinynet.data.datasets.names import COUNTRY_NAMES, NamesByCountry
    from tinynet.models.char_lm import sample
    from tinynet.nn import functional as F

    sets = [NamesByCountry(split) for split in ("train", "val", "test")]
    train, val, test = ((s.names, s.targets.tolist()) for s in sets)
    vocab, classes = sets[0].vocab, sets[0].classes
    model = _build(run, len(vocab), len(classes))
    batch_size = run.options["batch_size"]
    steps = math.ceil(len(train[0]) / batch_size)
    optimizer, scheduler = _optimizer(run, model, steps * run.options["epochs"])
    run.say(f"training char-lm on names: {len(train[0]):,} training and {len(val[0]):,} "
            f"validation names of {len(classes)} countries; "
            f"{sum(p.numel() for p in model.parameters()):,} parameters")

    def one_epoch(epoch: int) -> dict:
        model.train()
        order = np.random.default_rng([run.seed, epoch]).permutation(len(train[0]))
        total, count = 0.0, 0
        for start in range(0, len(order), batch_size):
            chosen = order[start:start + batch_size]
            inputs, targets, condition = _name_batch(vocab, [train[0][i] for i in chosen],
                                                     [train[1][i] for i in chosen])
            logits, _ = model(inputs, None, condition)
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                                   ignore_index=vocab.pad_index)
            _step(model, optimizer, scheduler, loss)
            letters = sum(len(train[0][i]) + 1 for i in chosen)
            total, count = total + loss.item() * letters, count + letters
        return {"bits_per_character": total / count / LN2,
                "val_bits_per_character": names_bits_per_character(model, vocab, *val)}

    history = run.epochs(one_epoch)
    test_bpc = names_bits_per_character(model, vocab, *test)
    baselines = names_baselines(train, test)
    generator = tn.Generator(run.seed)
    condition = tn.tensor(np.repeat(np.arange(len(classes)), NAMES_PER_COUNTRY), dtype=tn.int64)
    samples = {}
    for temperature in TEMPERATURES:
        drawn = sample(model, len(classes) * NAMES_PER_COUNTRY, 20, temperature=temperature,
                       bos_index=vocab.bos_index, eos_index=vocab.eos_index,
                       condition=condition, generator=generator)
        samples[str(temperature)] = {
            code: [vocab.decode(d).capitalize()
                   for d in drawn[i * NAMES_PER_COUNTRY:(i + 1) * NAMES_PER_COUNTRY]]
            for i, code in enumerate(classes)}
    lines = [f"{COUNTRY_NAMES.get(code, code):15s} " + "  |  ".join(
        ", ".join(samples[str(t)][code]) for t in TEMPERATURES) for code in classes]
    text = f"country         temperature {' | '.join(map(str, TEMPERATURES))}\n" + "\n".join(lines)
    run.say(text)
    (run.folder / "samples.txt").write_text(text + "\n", encoding="utf-8")
    per_country = baselines["per_country"]
    return run.finish(model, history, {"test_bits_per_character": test_bpc, "ngram": baselines,
                                       "samples": samples},
                      f"test bits per character: {test_bpc:.3f} (LSTM, conditioned) vs "
                      f"{per_country['val_bits_per_character']:.3f} ({per_country['n']}-gram per "
                      f"country)")


def run(run: Run) -> dict:
    return run_names(run) if run.dataset == "names" else run_text(run)


def details(runs: list[dict], page=None) -> str:
    """The results page's details: the network against the n-gram baselines per seed, then the
    first seed's samples."""
    from tinynet.report import markdown_table

    names = runs[0]["dataset"] == "names"
    keys = ["per_country", "unconditioned"] if names else [None]

    def baseline(metrics, key):
        entry = metrics["ngram"][key] if key else metrics["ngram"]
        return f"{entry['val_bits_per_character']:.3f} (n={entry['n']})"

    headers = ["seed", "char-lm bits/char"] + (
        ["n-gram per country", "n-gram, all countries"] if names else ["n-gram (best order)"])
    rows = [[m["settings"]["seed"], f"{m['test_bits_per_character']:.3f}",
             *(baseline(m, key) for key in keys)] for m in runs]
    first = runs[0]
    body = "Held-out bits per character (lower is better):\n\n" + markdown_table(headers, rows)
    if names:
        body += ("\n\nNames sampled per country by the first seed's model (5 per country at each "
                 "temperature):\n\n")
        body += markdown_table(["country", *(f"temperature {t}" for t in TEMPERATURES)],
                               [[code, *(", ".join(first["samples"][str(t)][code])
                                         for t in TEMPERATURES)]
                                for code in first["samples"][str(TEMPERATURES[0])]])
    else:
        for temperature, text in first["samples"].items():
            body += (f"\n\nSample of the first seed's model at temperature {temperature}:\n\n"
                     f"```text\n{text}\n```")
    return body + "\n"


RECIPE = Recipe("char-lm", run, defaults, "stdlib", "test_bits_per_character", datasets=DATASETS,
                details=details)
