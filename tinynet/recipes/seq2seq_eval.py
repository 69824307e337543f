"""What the sequence-to-sequence recipe measures on a trained model, and its figures.

- ``exact_match``: the share of outputs equal to their targets, character for character,
  decoded greedily (``greedy_decode``) or with beam search (``beam_search``): free-running
  decoding, as at test time.
- ``teacher_forced_token_accuracy``: the share of target tokens (the end token included)
  whose argmax is right when the decoder reads the gold prefix. It is high long before the
  exact match is: the gap between the two is the exposure bias made visible (the model has
  only ever been graded on gold prefixes, and one wrong token derails a free-running output).
- ``greedy_token_accuracy``: the same count on the greedy output, position by position.
- ``exact_match_by_length``: the exact match per source length (the length-generalisation
  and bottleneck plot).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np

import tinynet as tn

EVAL_BATCH = 250


def _batches(pairs, size: int = EVAL_BATCH):
    for start in range(0, len(pairs), size):
        yield pairs[start:start + size]


def max_length(pairs) -> int:
    """The decoding budget for ``pairs``: the longest target plus its end token, plus 2."""
    return max(len(target) for _, target in pairs) + 3


def decode(model, task, pairs, beam_width: int = 1) -> list[str]:
    """The model's outputs for the sources of ``pairs`` as text: greedy for ``beam_width`` 1,
    else beam search of that width (length penalty 1)."""
    from tinynet.models import beam_search, greedy_decode

    budget, outputs = max_length(pairs), []
    for chunk in _batches(pairs):
        src, src_lengths, _, _ = task.encode(chunk)
        if beam_width == 1:
            tokens, _ = greedy_decode(model, src, src_lengths, budget, task.bos_index,
                                      task.eos_index, pad_index=task.pad_index)
        else:
            tokens, _ = beam_search(model, src, src_lengths, beam_width, budget,
                                    task.bos_index, task.eos_index, pad_index=task.pad_index)
        outputs += [task.tgt_vocab.decode(row, stop_at_eos=True) for row in tokens.numpy()]
    return outputs


def exact_match(outputs, pairs) -> float:
    return float(np.mean([out == target for out, (_, target) in zip(outputs, pairs)]))


def greedy_token_accuracy(outputs, pairs) -> float:
    """Right tokens of the greedy outputs, position by position over target + end token."""
    right = total = 0
    for out, (_, target) in zip(outputs, pairs):
        gold, said = list(target) + [None], list(out) + [None]
        right += sum(1 for i, token in enumerate(gold) if i < len(said) and said[i] == token)
        total += len(gold)
    return right / total


def teacher_forced_token_accuracy(model, task, pairs) -> float:
    right = total = 0
    was_training = model.training
    model.eval()
    with tn.no_grad():
        for chunk in _batches(pairs):
            src, src_lengths, tgt_in, tgt_out = task.encode(chunk)
            predicted = model(src, src_lengths, tgt_in).logits.numpy().argmax(-1)
            gold = tgt_out.numpy()
            valid = gold != task.pad_index
            right += int((predicted == gold)[valid].sum())
            total += int(valid.sum())
    model.train(was_training)
    return right / total


def exact_match_by_length(outputs, pairs) -> dict[int, list]:
    """{source length: [exact match, count]} over ``pairs``, by increasing length."""
    groups = defaultdict(list)
    for out, (source, target) in zip(outputs, pairs):
        groups[len(source)].append(out == target)
    return {length: [float(np.mean(hits)), len(hits)] for length, hits in sorted(groups.items())}


def summarize(results: dict) -> str:
    """The run's one-line summary (exact match, on longer inputs where the task has them, and
    the teacher-forced token accuracy); also names the extra columns of a summary over seeds
    (``results["summary_columns"]``)."""
    results["summary_columns"] = {
        "teacher_forced_token_accuracy": results["teacher_forced_token_accuracy"],
        "beam_exact_match": results["beam_exact_match"]}
    long = results["test_long_exact_match"]
    return (f"test exact match {100 * results['test_exact_match']:.2f}%"
            + ("" if long is None else f", longer inputs {100 * long:.2f}%")
            + f", teacher-forced token accuracy "
            f"{100 * results['teacher_forced_token_accuracy']:.2f}%")


def _pyplot():
    try:
        import matplotlib
        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    return plt


def plot_attention(model, task, pairs, path: Path, title: str = "") -> bool:
    """Heat maps of the greedy decoder's attention weights for each of ``pairs`` (rows: the
    output characters, columns: the source characters); False without attention or
    matplotlib."""
    from tinynet.models import greedy_decode

    plt = _pyplot()
    if plt is None or getattr(model, "attention", None) is None:
        return False
    src, src_lengths, _, _ = task.encode(pairs)
    tokens, weights = greedy_decode(model, src, src_lengths, max_length(pairs), task.bos_index,
                                    task.eos_index, pad_index=task.pad_index)
    figure, axes = plt.subplots(1, len(pairs), figsize=(3.2 * len(pairs), 3.4), squeeze=False)
    for column, ((source, _), row, attention) in enumerate(zip(pairs, tokens.numpy(),
                                                                weights.numpy())):
        output = task.tgt_vocab.decode(row, stop_at_eos=True)
        steps = len(output) + (1 if len(output) < len(row) else 0)  # the end token's row too
        axis = axes[0, column]
        axis.imshow(attention[:steps, :len(source)], cmap="Greys", vmin=0, vmax=1,
                    aspect="auto")
        axis.set_xticks(range(len(source)), list(source), fontsize=7)
        axis.set_yticks(range(steps), list(output) + ["<eos>"] * (steps - len(output)),
                        fontsize=7)
        axis.set_xlabel("source")
        axis.set_title(source, fontsize=8)
    axes[0, 0].set_ylabel("output")
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return True


def plot_by_length(curves: dict, path: Path, title: str = "", train_max: int | None = None
                   ) -> bool:
    """Exact match against source length, one line per entry of ``curves`` ({label:
    {length: [exact match, count]}}); a dotted line marks the longest training input."""
    plt = _pyplot()
    if plt is None:
        return False
    figure, axis = plt.subplots(figsize=(6, 3.8))
    for label, by_length in curves.items():
        lengths = sorted(int(n) for n in by_length)
        axis.plot(lengths, [by_length[n][0] if n in by_length else by_length[str(n)][0]
                            for n in lengths], marker="o", markersize=3, label=label)
    if train_max is not None:
        axis.axvline(train_max + 0.5, linestyle=":", color="grey", label="longest training input")
    axis.set_xlabel("source length (characters)")
    axis.set_ylabel("exact match (greedy)")
    axis.set_ylim(-0.02, 1.02)
    axis.legend(fontsize=8)
    if title:
        axis.set_title(title)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return True
