"""The character GPT's recipe (``char-gpt``): a decoder-only Transformer (``tinynet.models.gpt``)
trained to predict the next character on the char-lm recipe's corpus and split, scored in held-out
bits per character beside an LSTM (the char-lm recipe's model and settings, trained in the same
run for the same number of epochs) and the best-order n-gram baseline, with samples at two
temperatures with top-k, and the speed of generation with and without the key-value cache.

    tinynet train char-gpt                         # the standard library's docstrings
    tinynet train char-gpt --text-file book.txt    # any UTF-8 text file
    tinynet train char-gpt --model-arg rotary=True --model-arg positional=none

Text, split and vocabulary are the char-lm recipe's (``split_text``: the last 10% held out; the
training side's characters plus <unk>). Training: the text laid out as ``batch_size`` streams
(``batchify``) cut into sequences of the model's ``block_size`` characters, each sequence a
separate example (no state is carried); every epoch starts the cut at a random offset below
``block_size`` and visits the sequences in a random order (both from the seed). Adam with the
learning rate annealed to 0 (cosine) and the gradient norm clipped at 1, as char-lm; the last
epoch is kept.

Held-out bits per character: -mean log2 P(next character). The GPT reads the held-out text in
windows of ``block_size`` characters that overlap by half, and each character after the first
window is scored in a window where it has at least ``block_size / 2`` characters of context.
The LSTM reads it as char-lm does (16 streams, the state carried). The n-gram baseline is
char-lm's (Witten-Bell, orders 1..7, the best order chosen on the held-out text itself).

Generation speed: from the text's first character, ``block_size - 1`` new characters (the longest
generation the cache serves), with and without the cache, the same generator seed (the samples
must agree); the best of ``SPEED_REPEATS`` timings of each, as characters per second.

With the environment variable CI set, the defaults are a short form (1 epoch, 20,000 characters).
"""

from __future__ import annotations

import math
import os
import time

import numpy as np

import tinynet as tn
from tinynet.recipes.char_lm import (
    LN2,
    SAMPLE_LENGTH,
    TEMPERATURES,
    _optimizer,
    _read_text,
    _step,
    ngram_orders,
    stream_bits_per_character,
    train_epoch,
)
from tinynet.recipes.common import Recipe, Run

DEFAULTS = {
    "stdlib": {"epochs": 10, "batch_size": 32, "lr": 2e-3, "max_chars": 250_000},
    "text-file": {"epochs": 10, "batch_size": 32, "lr": 2e-3, "max_chars": 250_000,
                  "text_file": None},
}
CI_DEFAULTS = {"epochs": 1, "max_chars": 20_000}
DATASETS = tuple(DEFAULTS)
TOP_K = 10                    # samples draw from the 10 likeliest characters
SPEED_REPEATS = 3
LSTM = {"lr": 3e-3, "bptt": 64}   # the char-lm recipe's defaults for its LSTM


def defaults(dataset: str) -> dict:
    options = dict(DEFAULTS[dataset])
    if os.environ.get("CI"):
        options.update(CI_DEFAULTS)
    return options


def _build(run: Run, vocab_size: int):
    from tinynet.models import MODELS

    try:
        return MODELS["char-gpt"]((), vocab_size, **run.model_args)
    except (TypeError, ValueError) as error:
        raise ValueError(f"the char-gpt model cannot be built with {run.model_args}: "
                         f"{error}") from None


def gpt_epoch(model, streams: np.ndarray, rng: np.random.Generator, optimizer, scheduler) -> float:
    """One pass over ``streams`` (int64 (N, L)) in sequences of ``model.block_size`` starting at
    a random offset, in a random order: the mean training loss in bits per character."""
    from tinynet.nn import functional as F

    model.train()
    length = model.block_size
    offset = int(rng.integers(0, max(1, min(length, streams.shape[1] - length - 1))))
    starts = list(range(offset, streams.shape[1] - length, length))
    total, count = 0.0, 0
    for start in rng.permutation(starts):
        inputs = tn.tensor(streams[:, start:start + length], dtype=tn.int64)
        targets = tn.tensor(streams[:, start + 1:start + length + 1], dtype=tn.int64)
        logits = model(inputs)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
        _step(model, optimizer, scheduler, loss)
        total += loss.item() * targets.numel()
        count += targets.numel()
    return total / count / LN2


def steps_per_epoch(streams: np.ndarray, length: int) -> int:
    return max(1, math.ceil((streams.shape[1] - length - 1) / length))


def window_bits_per_character(model, indices, batch_size: int = 32) -> float:
    """-mean log2 P(x_t | context) over ``indices`` (t >= 1), read in windows of
    ``model.block_size`` that overlap by half: each target scored once, in the first window that
    gives it at least half a block of context (the first window's targets with what they have)."""
    from tinynet.nn import functional as F

    values = np.asarray(indices, dtype=np.int64)
    length = min(model.block_size, len(values) - 1)
    if length < 1:
        raise ValueError("the held-out text needs at least 2 characters")
    stride = max(1, length // 2)
    starts = list(range(0, len(values) - 1 - length, stride)) + [len(values) - 1 - length]
    scored_until, windows = 0, []       # (start, first scored position within the window)
    for start in starts:
        first = max(0, scored_until - start)
        if first < length:
            windows.append((start, first))
        scored_until = start + length
    model.eval()
    total, count = 0.0, 0
    with tn.no_grad():
        for begin in range(0, len(windows), batch_size):
            chosen = windows[begin:begin + batch_size]
            inputs = tn.tensor(np.stack([values[s:s + length] for s, _ in chosen]))
            targets = np.stack([values[s + 1:s + length + 1] for s, _ in chosen])
            logits = model(inputs)
            losses = F.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                     tn.tensor(targets.reshape(-1)), reduction="none")
            keep = (np.arange(length)[None, :] >= np.array([f for _, f in chosen])[:, None])
            total += float((losses.numpy().reshape(len(chosen), length) * keep).sum())
            count += int(keep.sum())
    return total / count / LN2


def generation_speed(model, prompt: list[int], seed: int) -> dict:
    """Characters per second of ``model.generate`` with and without the cache, ``block_size - 1``
    new characters from ``prompt`` (best of ``SPEED_REPEATS``); the two samples must agree."""
    new = max(1, model.block_size - len(prompt))
    idx = tn.tensor([prompt], dtype=tn.int64)
    seconds, drawn = {}, {}
    for use_cache in (True, False):
        times = []
        for _ in range(SPEED_REPEATS):
            start = time.perf_counter()
            out = model.generate(idx, new, temperature=1.0, top_k=TOP_K, use_cache=use_cache,
                                 generator=tn.Generator(seed))
            times.append(time.perf_counter() - start)
        seconds[use_cache], drawn[use_cache] = min(times), out.tolist()
    return {"new_tokens": new, "same_samples": drawn[True] == drawn[False],
            "cached_chars_per_second": new / seconds[True],
            "uncached_chars_per_second": new / seconds[False],
            "speedup": seconds[False] / seconds[True]}


def _lstm_baseline(run: Run, vocab, train_indices, val_indices) -> float:
    """The char-lm recipe's LSTM (its model and settings), trained for this run's epochs."""
    from tinynet.data.datasets.text_corpus import batchify
    from tinynet.models import MODELS

    tn.manual_seed(run.seed)
    model = MODELS["char-lm"]((), len(vocab))
    streams = batchify(train_indices, run.options["batch_size"])
    bptt = min(LSTM["bptt"], streams.shape[1] - 1)
    optimizer = tn.optim.Adam(model.parameters(), lr=LSTM["lr"])
    steps = math.ceil((streams.shape[1] - 1) / bptt) * run.options["epochs"]
    scheduler = tn.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(steps, 1))
    for _ in range(run.options["epochs"]):
        train_epoch(model, streams, bptt, optimizer, scheduler)
    return stream_bits_per_character(model, val_indices)


def run(run: Run) -> dict:
    from tinynet.data.datasets.text_corpus import batchify, split_text
    from tinynet.data.text import CharVocabulary

    options = run.options
    train_text, val_text = split_text(_read_text(run))
    vocab = CharVocabulary([train_text], pad_token=None, unk_token="<unk>")
    train_indices, val_indices = vocab.encode(train_text), vocab.encode(val_text)
    model = _build(run, len(vocab))
    streams = batchify(train_indices, options["batch_size"]).numpy()
    if streams.shape[1] < model.block_size + 2:
        raise ValueError(f"{len(train_text)} training characters make streams of "
                         f"{streams.shape[1]} characters: too few for the block size "
                         f"{model.block_size}; use a longer text or a smaller --batch-size or "
                         f"block_size")
    optimizer, scheduler = _optimizer(run, model, steps_per_epoch(streams, model.block_size)
                                      * options["epochs"])
    run.say(f"training char-gpt on {run.dataset}: {len(train_text):,} training and "
            f"{len(val_text):,} held-out characters, {len(vocab)} symbols; "
            f"{options['batch_size']} streams in sequences of {model.block_size}; "
            f"{sum(p.numel() for p in model.parameters()):,} parameters")

    def one_epoch(epoch: int) -> dict:
        rng = np.random.default_rng([run.seed, epoch])
        return {"bits_per_character": gpt_epoch(model, streams, rng, optimizer, scheduler),
                "val_bits_per_character": window_bits_per_character(model, val_indices)}

    history = run.epochs(one_epoch)
    val_bpc = (history["val_bits_per_character"][-1] if len(history)
               else window_bits_per_character(model, val_indices))
    train_seconds = run.train_seconds
    run.say("training the LSTM baseline (char-lm's model and settings) ...")
    lstm_bpc = _lstm_baseline(run, vocab, train_indices, val_indices)
    orders = ngram_orders(train_text, lambda ngram: ngram.bits_per_character(val_text))
    best_n = min(orders, key=orders.get)

    prompt = vocab.encode(train_text[:1])
    generator = tn.Generator(run.seed)
    samples = {}
    for temperature in TEMPERATURES:
        drawn = model.generate(tn.tensor([prompt], dtype=tn.int64), SAMPLE_LENGTH,
                               temperature=temperature, top_k=min(TOP_K, len(vocab)),
                               generator=generator)[0, len(prompt):]
        samples[str(temperature)] = train_text[:1] + vocab.decode(drawn, skip_specials=False)
    for temperature, text in samples.items():
        run.say(f"--- sample at temperature {temperature}, top-k {TOP_K} ---\n{text}\n")
    (run.folder / "samples.txt").write_text("".join(
        f"--- temperature {t}, top-k {TOP_K} ---\n{text}\n\n" for t, text in samples.items()),
        encoding="utf-8")
    speed = generation_speed(model, prompt, run.seed)
    run.say(f"generation: {speed['cached_chars_per_second']:.0f} characters/s with the "
            f"key-value cache, {speed['uncached_chars_per_second']:.0f} without "
            f"({speed['speedup']:.2f}x; same samples: {speed['same_samples']})")
    run.train_seconds = train_seconds
    results = {"test_bits_per_character": val_bpc,
               "lstm": {"test_bits_per_character": lstm_bpc, **LSTM},
               "ngram": {"n": best_n, "val_bits_per_character": orders[best_n],
                         "by_order": orders},
               "samples": samples, "top_k": TOP_K, "generation": speed,
               "parameters": sum(p.numel() for p in model.parameters()),
               "block_size": model.block_size,
               "corpus": {"train_chars": len(train_text), "val_chars": len(val_text),
                          "vocab_size": len(vocab), "text_file": options.get("text_file")}}
    return run.finish(model, history, results,
                      f"held-out bits per character: {val_bpc:.3f} (GPT) vs {lstm_bpc:.3f} "
                      f"(LSTM) vs {orders[best_n]:.3f} ({best_n}-gram)")


def details(runs: list[dict], page=None) -> str:
    """The results page's details: GPT, LSTM and n-gram per seed, generation speed, then the
    first seed's samples."""
    from tinynet.report import markdown_table

    first = runs[0]
    rows = [[m["settings"]["seed"], f"{m['test_bits_per_character']:.3f}",
             f"{m['lstm']['test_bits_per_character']:.3f}",
             f"{m['ngram']['val_bits_per_character']:.3f} (n={m['ngram']['n']})",
             f"{m['parameters']:,}"] for m in runs]
    body = ("Held-out bits per character (lower is better) on the same split; the LSTM is the "
            "char-lm recipe's model and settings trained in the same run for the same number "
            "of epochs:\n\n" + markdown_table(
                ["seed", "GPT bits/char", "LSTM bits/char", "n-gram (best order)",
                 "GPT parameters"], rows))
    speed_rows = [[m["settings"]["seed"], m["generation"]["new_tokens"],
                   f"{m['generation']['cached_chars_per_second']:.0f}",
                   f"{m['generation']['uncached_chars_per_second']:.0f}",
                   f"{m['generation']['speedup']:.2f}x",
                   "yes" if m["generation"]["same_samples"] else "NO"] for m in runs]
    body += ("\n\nGeneration of one sample from one character (batch 1, top-k "
             f"{first['top_k']}), best of {SPEED_REPEATS} timings:\n\n" + markdown_table(
                 ["seed", "new characters", "chars/s with KV cache", "chars/s without",
                  "speed-up", "same samples"], speed_rows))
    settings = first["settings"]
    body += (f"\n\nModel arguments: {settings['model_args'] or 'the defaults'}; block size "
             f"{first['block_size']}.")
    for temperature, text in first["samples"].items():
        body += (f"\n\nSample of the first seed's model at temperature {temperature}, top-k "
                 f"{first['top_k']}:\n\n```text\n{text}\n```")
    return body + "\n"


RECIPE = Recipe("char-gpt", run, defaults, "stdlib", "test_bits_per_character",
                datasets=DATASETS, details=details)
