"""The Transformer sequence-to-sequence recipe (``seq2seq-transformer``): a
``tinynet.models.Seq2SeqTransformer`` trained on the seq2seq recipe's tasks (the same pairs,
``tinynet.recipes.seq2seq.make_task``) and measured the same way
(``tinynet.recipes.seq2seq.measure_model``), so the two families compare row by row.

    tinynet train seq2seq-transformer --task dates
    tinynet train seq2seq-transformer --task addition --model-arg num_encoder_layers=3

The model: d_model 64, 4 heads, 2 encoder and 2 decoder layers, feed-forward 256, dropout 0.1
(``MODEL_DEFAULTS``); for addition the layer norms come first (``norm_first``), without dropout,
for 50 epochs: post-norm with dropout stays near 0% exact match there in 20 epochs
(``TASK_MODEL_DEFAULTS``). ``--model-arg`` overrides any argument of ``Seq2SeqTransformer``.
Training: teacher forcing, ``CrossEntropyLoss(ignore_index=pad, label_smoothing=0.1)``, Adam
with β = (0.9, 0.98) and eps 1e-9, the gradient norm clipped at ``CLIP``, and the original
paper's schedule (a ``LambdaLR``) over optimizer steps s = 1, 2, ...:

    lr_s = lr · d_model^-0.5 · min(s^-0.5, s · warmup^-1.5)

a linear warm-up over ``WARMUP`` steps to its peak lr · (d_model · warmup)^-0.5, then a decay as
1/sqrt(s); ``--lr`` is the factor in front (the paper's is 1). Each epoch logs the training loss
and the greedy exact match on (at most ``VAL_EVAL``) validation pairs; training stops early when
that is 100%. metrics.json holds what the seq2seq recipe's does (``test_exact_match``, the
headline, ``test_long_exact_match``, the token accuracies, beam search, exact match by length,
``epochs_to_90``) and the figure ``attention.png``: each head's attention to the source in the
last decoder layer, for a few test pairs decoded greedily.

With the environment variable CI set, the splits shrink to the seq2seq recipe's ``CI_SIZES``.
"""

from __future__ import annotations

import numpy as np

import tinynet as tn
from tinynet.recipes import seq2seq
from tinynet.recipes import seq2seq_eval as evaluate
from tinynet.recipes.common import Recipe, Run

DEFAULTS = {"dates": {"epochs": 10, "batch_size": 64},
            "addition": {"epochs": 50, "batch_size": 64},
            "reversal": {"epochs": 10, "batch_size": 64},
            "sorting": {"epochs": 10, "batch_size": 64}}
COMMON_DEFAULTS = {"lr": 1.0, "label_smoothing": 0.1}
MODEL_DEFAULTS = {"d_model": 64, "nhead": 4, "num_encoder_layers": 2, "num_decoder_layers": 2,
                  "dim_feedforward": 256, "dropout": 0.1}
TASK_MODEL_DEFAULTS = {"addition": {"norm_first": True, "dropout": 0.0}}
WARMUP = 400
CLIP = 1.0
ATTENTION_EXAMPLES = 2


def defaults(dataset: str) -> dict:
    return {**DEFAULTS[dataset], **COMMON_DEFAULTS}


def noam_lambda(d_model: int, warmup: int):
    """The factor of the paper's schedule at scheduler step i (optimizer step s = i + 1):
    d_model^-0.5 · min(s^-0.5, s · warmup^-1.5)."""
    def factor(step: int) -> float:
        s = step + 1
        return d_model ** -0.5 * min(s ** -0.5, s * warmup ** -1.5)
    return factor


def build(run: Run, task):
    from tinynet.models import Seq2SeqTransformer

    args = {**MODEL_DEFAULTS, **TASK_MODEL_DEFAULTS.get(task.name, {}), **run.model_args}
    longest = max(max(len(source), len(target) + 1)
                  for split in task.splits for source, target in task[split])
    args.setdefault("max_len", max(256, longest + 8))
    try:
        return Seq2SeqTransformer(len(task.src_vocab), len(task.tgt_vocab), **args)
    except (TypeError, ValueError) as error:
        raise ValueError(f"the seq2seq-transformer model cannot be built with "
                         f"{run.model_args}: {error}") from None


def plot_heads(model, task, pairs, path, title: str = "") -> bool:
    """One heat map per (pair, head): the last decoder layer's attention weights to the source
    (rows: the greedy output characters and the end token, columns: the source characters)."""
    from tinynet.models import greedy_decode

    plt = evaluate._pyplot()
    if plt is None:
        return False
    src, src_lengths, _, _ = task.encode(pairs)
    tokens, _ = greedy_decode(model, src, src_lengths, evaluate.max_length(pairs),
                              task.bos_index, task.eos_index, pad_index=task.pad_index)
    was_training = model.training
    model.eval()
    with tn.no_grad():
        tgt_in = tn.tensor(np.concatenate([np.full((len(pairs), 1), task.bos_index),
                                           tokens.numpy()[:, :-1]], axis=1))
        maps = model.cross_attention(src, src_lengths, tgt_in).numpy()
    model.train(was_training)
    heads = maps.shape[1]
    figure, axes = plt.subplots(len(pairs), heads, figsize=(2.6 * heads, 2.9 * len(pairs)),
                                squeeze=False)
    for row, ((source, _), generated) in enumerate(zip(pairs, tokens.numpy())):
        output = task.tgt_vocab.decode(generated, stop_at_eos=True)
        steps = len(output) + (1 if len(output) < len(generated) else 0)
        labels = list(output) + ["<eos>"] * (steps - len(output))
        for head in range(heads):
            axis = axes[row, head]
            axis.imshow(maps[row, head, :steps, :len(source)], cmap="Greys", vmin=0, vmax=1,
                        aspect="auto")
            axis.set_xticks(range(len(source)), list(source), fontsize=6)
            axis.set_yticks(range(steps), labels, fontsize=6)
            axis.set_title(f"head {head}", fontsize=8)
        axes[row, 0].set_ylabel(source, fontsize=7)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return True


def run(run: Run) -> dict:
    from tinynet import nn
    from tinynet.data import DataLoader

    task = seq2seq.make_task(run.dataset)
    model = build(run, task)
    loss_fn = nn.CrossEntropyLoss(ignore_index=task.pad_index,
                                  label_smoothing=run.options["label_smoothing"])
    optimizer = tn.optim.Adam(model.parameters(), lr=run.options["lr"], betas=(0.9, 0.98),
                              eps=1e-9)
    scheduler = tn.optim.lr_scheduler.LambdaLR(optimizer, noam_lambda(model.d_model, WARMUP))
    parameters = list(model.parameters())
    val = task["val"][:seq2seq.VAL_EVAL]
    run.say(f"{task!r}; {sum(p.numel() for p in parameters)} parameters; warm-up {WARMUP} "
            f"steps, label smoothing {run.options['label_smoothing']}")

    def one_epoch(epoch: int) -> dict:
        model.train()
        total, count = 0.0, 0
        loader = DataLoader(task["train"], run.options["batch_size"], shuffle=True,
                            generator=tn.Generator(run.seed * 100003 + epoch),
                            collate_fn=task.collate)
        for src, src_lengths, tgt_in, tgt_out in loader:
            logits = model(src, src_lengths, tgt_in).logits
            loss = loss_fn(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            tn.nn.utils.clip_grad_norm_(parameters, CLIP)
            optimizer.step()
            scheduler.step()
            total, count = total + loss.item(), count + 1
        return {"loss": total / count, "lr": optimizer.param_groups[0]["lr"],
                "val_exact_match": evaluate.exact_match(evaluate.decode(model, task, val), val)}

    history = run.epochs(one_epoch, until=lambda logs: logs["val_exact_match"] == 1.0)
    model.eval()
    results = seq2seq.measure_model(model, task)
    curve = history["val_exact_match"] if len(history) else []
    reached = [epoch + 1 for epoch, value in enumerate(curve) if value >= 0.9]
    results["epochs_to_90"] = reached[0] if reached else None
    results.update(label_smoothing=run.options["label_smoothing"], warmup=WARMUP,
                   task=task.name, parameters=sum(p.numel() for p in parameters))
    figures = []
    if plot_heads(model, task, task["test"][:ATTENTION_EXAMPLES], run.folder / "attention.png",
                  f"{task.name}: last decoder layer's attention to the source, per head"):
        figures.append("attention.png")
    results["figures"] = figures
    return run.finish(model, history, results, evaluate.summarize(results))


RECIPE = Recipe("seq2seq", run, defaults, "dates", "test_exact_match", datasets=seq2seq.TASKS)
