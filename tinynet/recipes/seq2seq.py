"""The sequence-to-sequence recipe (``seq2seq``): a GRU encoder-decoder (``tinynet.models.
Seq2Seq``) trained on a character task with one of the training strategies of
``tinynet.train_strategies``, then measured (``tinynet.recipes.seq2seq_eval``).

    tinynet train seq2seq --task dates                          # Bahdanau attention, teacher forcing
    tinynet train seq2seq --task addition --attention none      # the fixed context vector
    tinynet train seq2seq --task reversal --strategy scheduled --label-smoothing 0.1

Tasks (``make_task``, generated from the fixed data seed ``DATA_SEED`` so every run sees the
same pairs; ``SIZES`` examples per split): dates (human formats -> ISO), addition (3-4 digit
operands; the answer's digits reversed, least significant first, the order in which the
carries are computed: ``TASK_OPTIONS``; test_long: 5-6 digit operands), reversal and sorting
(1-10 digits; test_long: 11-20). The run's seed sets the initialization and the batch order.

The model: ``Seq2Seq`` with a GRU, 32-dimensional embeddings and 64 hidden units
(``MODEL_DEFAULTS``); for addition 128 units and a bidirectional encoder, whose backward
direction tells each digit its place value, counted from the end of its operand
(``TASK_MODEL_DEFAULTS``). ``--model-arg`` overrides any of them.

Strategies (``--strategy``), all with Adam, the learning rate annealed to 0 over the run
(cosine), the gradient norm clipped at ``CLIP``, the loss ``CrossEntropyLoss(ignore_index=pad,
label_smoothing=...)``:

- ``teacher``: teacher forcing, the decoder reads the gold previous token;
- ``free``: free running, it reads its own previous argmax from the first step on;
- ``scheduled``: scheduled sampling, per token, with the inverse-sigmoid decay
  eps_i = k / (k + exp(i / k)) over optimizer steps i, k chosen so that eps falls through 1/2
  halfway through training (k log k = half the steps);
- ``curriculum``: a staged curriculum over the first half of the epochs (``STAGES`` stages,
  each adding harder examples), each staged epoch's batches in easy-to-hard order, then the
  whole set shuffled. Difficulty: the target's length; for dates, whose targets all have 10
  characters, the source's length;
- ``professor``: professor forcing, a GRU discriminator over the decoder's hidden states
  (``HiddenDiscriminator``), trained by the same optimizer, with ``ProfessorForcing``'s
  accuracy gates at Lamb et al.'s values (the discriminator trains while its running accuracy
  is below 99%, the decoder gets the fooling term while it is above 75%); the model's and the
  discriminator's gradient norms are clipped at ``CLIP`` each, separately.

Each epoch logs the training loss and the greedy exact match on (at most ``VAL_EVAL``)
validation pairs; training stops early when that is 100%. The last epoch is kept. metrics.json
holds ``test_exact_match`` (greedy, the headline), ``test_long_exact_match`` (longer inputs;
None for dates), ``teacher_forced_token_accuracy`` and ``greedy_token_accuracy`` (the exposure
bias gap), ``epochs_to_90`` (the first epoch, counted from 1, whose validation exact match
reaches 90%; None if none does), ``beam_exact_match`` and ``beam_gain`` (width ``BEAM_WIDTH``
minus greedy), ``exact_match_by_length``; figures ``attention.png`` (heat maps of a few test
pairs, with attention) and ``length.png`` (exact match against source length).

With the environment variable CI set, the splits shrink to ``CI_SIZES`` (the test suite's short
form); the epochs stay the given ones.
"""

from __future__ import annotations

import math
import os

import numpy as np

import tinynet as tn
from tinynet.recipes import seq2seq_eval as evaluate
from tinynet.recipes.common import Recipe, Run

TASKS = ("dates", "addition", "reversal", "sorting")
DEFAULTS = {
    "dates": {"epochs": 12, "batch_size": 64, "lr": 3e-3},
    "addition": {"epochs": 20, "batch_size": 64, "lr": 3e-3},
    "reversal": {"epochs": 12, "batch_size": 64, "lr": 3e-3},
    "sorting": {"epochs": 12, "batch_size": 64, "lr": 3e-3},
}
COMMON_DEFAULTS = {"attention": "bahdanau", "strategy": "teacher", "label_smoothing": 0.0}
MODEL_DEFAULTS = {"embed_dim": 32, "hidden_size": 64}
TASK_MODEL_DEFAULTS = {"addition": {"hidden_size": 128, "bidirectional_encoder": True}}
TASK_OPTIONS = {"addition": {"reverse_answer": True}}
SIZES = {"dates": (10000, 1000, 1000), "addition": (20000, 1000, 1000),
         "reversal": (10000, 1000, 1000), "sorting": (10000, 1000, 1000)}
CI_SIZES = (300, 60, 60)
DATA_SEED = 0
CLIP = 1.0
STAGES = 3
VAL_EVAL = 500
BEAM_WIDTH = 4
ATTENTION_EXAMPLES = 4


def defaults(dataset: str) -> dict:
    return {**DEFAULTS[dataset], **COMMON_DEFAULTS}


def make_task(name: str):
    """The task's pairs (``SIZES``, or ``CI_SIZES`` under CI) from ``DATA_SEED``."""
    from tinynet.data.datasets.seq2seq_tasks import make_task as make

    n_train, n_val, n_test = CI_SIZES if os.environ.get("CI") else SIZES[name]
    return make(name, n_train=n_train, n_val=n_val, n_test=n_test, seed=DATA_SEED,
                **TASK_OPTIONS.get(name, {}))


def build(run: Run, task):
    from tinynet.models import Seq2Seq

    if "attention" in run.model_args:
        raise ValueError("the seq2seq recipe sets the attention from --attention; leave it out "
                         "of --model-arg")
    attention = None if run.options["attention"] == "none" else run.options["attention"]
    try:
        return Seq2Seq(len(task.src_vocab), len(task.tgt_vocab), attention=attention,
                       **{**MODEL_DEFAULTS, **TASK_MODEL_DEFAULTS.get(task.name, {}),
                          **run.model_args})
    except (TypeError, ValueError) as error:
        raise ValueError(f"the seq2seq model cannot be built with {run.model_args}: "
                         f"{error}") from None


def inverse_sigmoid_k(half_step: float) -> float:
    """The k >= 1 of eps_i = k / (k + exp(i / k)) with eps = 1/2 at i = half_step, i.e.
    k log k = half_step (bisection)."""
    low, high = 1.0, max(2.0, half_step)
    for _ in range(100):
        middle = (low + high) / 2
        low, high = (middle, high) if middle * math.log(middle) < half_step else (low, middle)
    return (low + high) / 2


class Trainer:
    """The per-batch step of each strategy, sharing the optimizer, the loss and the clipping."""

    def __init__(self, run: Run, model, task, steps: int):
        from tinynet import nn
        from tinynet.train_strategies import (
            FreeRunning,
            HiddenDiscriminator,
            ProfessorForcing,
            ScheduledSampling,
            inverse_sigmoid_decay,
        )

        self.model, self.task, self.strategy = model, task, run.options["strategy"]
        self.loss_fn = nn.CrossEntropyLoss(ignore_index=task.pad_index,
                                           label_smoothing=run.options["label_smoothing"])
        generator = tn.Generator(run.seed)
        self.policy, self.professor = None, None
        parameters = list(model.parameters())
        if self.strategy == "free":
            self.policy = FreeRunning(generator=generator)
        elif self.strategy == "scheduled":
            k = inverse_sigmoid_k(steps / 2)
            self.policy = ScheduledSampling(inverse_sigmoid_decay(k), generator=generator)
        elif self.strategy == "professor":
            self.professor = ProfessorForcing(HiddenDiscriminator(model.hidden_size))
            parameters += list(self.professor.discriminator.parameters())
        self.parameters = parameters
        self.clip_groups = [list(model.parameters())]  # each clipped to CLIP on its own
        if self.professor is not None:
            self.clip_groups.append(list(self.professor.discriminator.parameters()))
        self.optimizer = tn.optim.Adam(parameters, lr=run.options["lr"])
        self.scheduler = tn.optim.lr_scheduler.CosineAnnealingLR(self.optimizer,
                                                                 T_max=max(steps, 1))

    def step(self, batch) -> dict:
        src, src_lengths, tgt_in, tgt_out = batch
        logs = {}
        if self.professor is not None:
            terms = self.professor.losses(self.model, src, src_lengths, tgt_in, tgt_out,
                                          self.loss_fn)
            loss, total = terms.nll, terms.total
            logs = {"fool": terms.fool.item(), "d_accuracy": terms.discriminator_accuracy,
                    "fooling": float(terms.fooling),
                    "d_trained": float(terms.discriminator_trained)}
        else:
            logits = self.model(src, src_lengths, tgt_in, input_policy=self.policy).logits
            loss = total = self.loss_fn(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1))
        self.optimizer.zero_grad()
        total.backward()
        for group in self.clip_groups:
            tn.nn.utils.clip_grad_norm_(group, CLIP)
        self.optimizer.step()
        self.scheduler.step()
        if self.strategy == "scheduled":
            logs["tf_probability"] = self.policy.probability
            self.policy.step()
        return {"loss": loss.item(), **logs}


def _difficulties(task) -> np.ndarray:
    from tinynet.train_strategies import difficulties, target_length

    measure = (lambda pair: len(pair[0])) if task.name == "dates" else target_length
    return difficulties(task["train"], measure)


def _epoch_batches(run: Run, task, epoch: int, staged):
    """The batches of one epoch: shuffled pairs, or the curriculum's stage in easy-to-hard
    order while it lasts."""
    from tinynet.data import DataLoader
    from tinynet.train_strategies import CurriculumBatchSampler

    pairs, size = task["train"], run.options["batch_size"]
    generator = tn.Generator(run.seed * 100003 + epoch)
    if staged is not None and epoch < staged[0].epochs:
        curriculum, values = staged
        chosen = curriculum.indices(epoch)
        sampler = CurriculumBatchSampler(values[chosen], size, generator=generator)
        subset = [pairs[i] for i in chosen]
        return DataLoader(subset, batch_sampler=sampler, collate_fn=task.collate)
    return DataLoader(pairs, size, shuffle=True, generator=generator, collate_fn=task.collate)


def run(run: Run) -> dict:
    from tinynet.train_strategies import StagedCurriculum

    task = make_task(run.dataset)
    model = build(run, task)
    epochs = run.options["epochs"]
    staged = None
    if run.options["strategy"] == "curriculum":
        values = _difficulties(task)
        staged = (StagedCurriculum(values, STAGES, max(1, epochs // (2 * STAGES))), values)
    steps = sum(len(_epoch_batches(run, task, epoch, staged)) for epoch in range(epochs))
    trainer = Trainer(run, model, task, steps)
    val = task["val"][:VAL_EVAL]
    run.say(f"{task!r}; {sum(p.numel() for p in model.parameters())} parameters; strategy "
            f"{run.options['strategy']}, attention {run.options['attention']}")

    def one_epoch(epoch: int) -> dict:
        model.train()
        totals: dict = {}
        batches = _epoch_batches(run, task, epoch, staged)
        for batch in batches:
            for name, value in trainer.step(batch).items():
                totals[name] = totals.get(name, 0.0) + value
        logs = {name: value / len(batches) for name, value in totals.items()}
        logs["val_exact_match"] = evaluate.exact_match(evaluate.decode(model, task, val), val)
        return logs

    history = run.epochs(one_epoch, until=lambda logs: logs["val_exact_match"] == 1.0)
    model.eval()
    results = measure_model(model, task)
    curve = history["val_exact_match"] if len(history) else []
    reached = [epoch + 1 for epoch, value in enumerate(curve) if value >= 0.9]
    results["epochs_to_90"] = reached[0] if reached else None
    results.update(strategy=run.options["strategy"], attention=run.options["attention"],
                   label_smoothing=run.options["label_smoothing"], task=task.name,
                   parameters=sum(p.numel() for p in model.parameters()))
    figures = []
    if evaluate.plot_attention(model, task, task["test"][:ATTENTION_EXAMPLES],
                               run.folder / "attention.png",
                               f"{task.name}: attention of the greedy decoder"):
        figures.append("attention.png")
    train_max = max(len(source) for source, _ in task["train"])
    if evaluate.plot_by_length({run.options["attention"]: results["exact_match_by_length"]},
                               run.folder / "length.png", f"{task.name}: exact match by length",
                               train_max):
        figures.append("length.png")
    results["figures"] = figures
    return run.finish(model, history, results, evaluate.summarize(results))


def measure_model(model, task) -> dict:
    """The test measurements of a trained model (the module docstring's list)."""
    test = task["test"]
    greedy = evaluate.decode(model, task, test)
    beam = evaluate.decode(model, task, test, BEAM_WIDTH)
    results = {
        "test_exact_match": evaluate.exact_match(greedy, test),
        "teacher_forced_token_accuracy": evaluate.teacher_forced_token_accuracy(model, task,
                                                                                test),
        "greedy_token_accuracy": evaluate.greedy_token_accuracy(greedy, test),
        "beam_exact_match": evaluate.exact_match(beam, test),
        "test_long_exact_match": None,
        "examples": [[source, target, out] for (source, target), out in zip(test[:8], greedy)],
    }
    results["beam_gain"] = results["beam_exact_match"] - results["test_exact_match"]
    by_length_pairs, by_length_outputs = list(test), list(greedy)
    if "test_long" in task.splits:
        long = task["test_long"]
        long_greedy = evaluate.decode(model, task, long)
        results["test_long_exact_match"] = evaluate.exact_match(long_greedy, long)
        by_length_pairs += long
        by_length_outputs += long_greedy
    results["exact_match_by_length"] = evaluate.exact_match_by_length(by_length_outputs,
                                                                      by_length_pairs)
    return results


RECIPE = Recipe("seq2seq", run, defaults, "dates", "test_exact_match", datasets=TASKS)
