"""Professor forcing (Lamb et al., 2016, "Professor Forcing: A New Algorithm for Training
Recurrent Networks"): make the decoder behave the same whether it reads gold tokens or its own.

Teacher forcing trains the decoder on gold prefixes only; at test time it reads its own
predictions, and its hidden states drift into regions it never trained in (the exposure bias).
Professor forcing runs the decoder twice on each batch, teacher-forced and free-running, and
trains a discriminator to tell the two hidden-state sequences apart. The decoder gets, beside
its usual teacher-forced loss, the loss of *fooling* the discriminator: its free-running hidden
sequence should look teacher-forced. So the decoder is pulled towards free-running dynamics
that match the ones it learns under teacher forcing, a GAN-style game on the hidden states.

Gradient routing (the point where an implementation goes wrong):
- the discriminator's loss reads *detached* hidden sequences: it trains the discriminator only;
- the fooling loss reads the free-running hidden sequence *through* a discriminator whose
  parameters are frozen for that pass: it trains the decoder (and encoder) only;
- the teacher-forced cross-entropy trains the decoder as usual.
The three add up to one loss; one ``backward()`` gives every parameter the gradient of its own
terms, so one optimizer (or one per side) can step them together. Clip the two sides'
gradients separately (or not at all): one norm over both lets the discriminator's gradient
shrink the decoder's step, and the other way round.

Accuracy gates. Lamb et al. train the discriminator only while its accuracy is below 99%, and
let its signal (the fooling term) reach the generator only while its accuracy is above 75%: a
discriminator near chance has nothing to teach the decoder yet and would only add noise to the
teacher-forced loss, and one that is always right gives no useful gradient and would run
away. tinynet does the same with a *running* accuracy, an exponential moving average over the
training batches of the share of sequences the discriminator labels right (``momentum`` the
weight of the old value, starting from chance, 0.5), and gates each batch on the running
accuracy of the batches before it: the fooling term is in the loss only when that is above
``fool_above`` (default 0.75), the discriminator's loss only when it is below
``discriminator_below`` (default 0.99). So at the start the discriminator trains and the
decoder is not yet fooled.
"""

from __future__ import annotations

import contextlib
import numbers
from typing import NamedTuple

import tinynet as tn
from tinynet import nn
from tinynet.nn import functional as F
from tinynet.train_strategies.forcing import FreeRunning


class HiddenDiscriminator(nn.Module):
    """A decoder's hidden-state sequence (B, T, hidden_size) -> one logit per sequence (B,),
    positive for "teacher-forced", negative for "free-running".

    ``kind="gru"``: a GRU of ``width`` units reads the sequence; ``kind="mlp"``: each step
    goes through Linear(hidden_size, width) and tanh. Either way the step features are averaged
    over the valid steps (``mask`` (B, T) bool, True where the step is part of the target; None:
    every step) and read out by Linear(width, width) -> ReLU -> Linear(width, 1).
    """

    def __init__(self, hidden_size: int, width: int = 64, kind: str = "gru"):
        super().__init__()
        if kind not in ("gru", "mlp"):
            raise ValueError(f"kind must be 'gru' or 'mlp', but got {kind!r}")
        self.kind = kind
        if kind == "gru":
            self.rnn = nn.GRU(hidden_size, width, batch_first=True)
        else:
            self.step = nn.Linear(hidden_size, width)
        self.readout = nn.Sequential(nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 1))

    def forward(self, hiddens, mask=None):
        if hiddens.dim() != 3:
            raise ValueError(f"hiddens must be (batch, steps, hidden_size), but got shape "
                             f"{list(hiddens.shape)}")
        features = self.rnn(hiddens)[0] if self.kind == "gru" else tn.tanh(self.step(hiddens))
        if mask is None:
            pooled = features.mean(dim=1)
        else:
            if tuple(mask.shape) != tuple(hiddens.shape[:2]):
                raise ValueError(f"mask must be (batch, steps) = {list(hiddens.shape[:2])}, but "
                                 f"got shape {list(mask.shape)}")
            weights = mask.to(features.dtype).unsqueeze(-1)
            pooled = (features * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)
        return self.readout(pooled).squeeze(-1)


@contextlib.contextmanager
def frozen(module: nn.Module):
    """Inside the block, ``module``'s parameters do not require grad (so an op on them builds
    no path back to them); their flags are restored afterwards."""
    parameters = list(module.parameters())
    flags = [p.requires_grad for p in parameters]
    try:
        for p in parameters:
            p.requires_grad_(False)
        yield module
    finally:
        for p, flag in zip(parameters, flags):
            p.requires_grad_(flag)


class ProfessorLosses(NamedTuple):
    """The terms of one professor-forcing step (scalars; ``total`` is what to backpropagate)."""

    total: object            # nll [+ fool_weight * fool] [+ discriminator], as the gates say
    nll: object              # the teacher-forced loss (loss_fn)
    fool: object             # BCE(D(free-running hiddens), "teacher-forced"), D frozen
    discriminator: object    # mean BCE of D on both runs' detached hiddens
    discriminator_accuracy: float  # share of the 2B sequences D labels right
    teacher: object          # the teacher-forced Seq2SeqOutput
    free: object             # the free-running Seq2SeqOutput
    fooling: bool            # whether the fooling term is in total (running accuracy > fool_above)
    discriminator_trained: bool  # whether D's loss is in total (running acc. < discriminator_below)


class ProfessorForcing:
    """The professor-forcing objective for a seq2seq model with the ``(src, src_lengths,
    tgt_in, input_policy)`` forward (see the package docstring for the gradient routing).

    ``losses(model, src, src_lengths, tgt_in, tgt_out, loss_fn, mask)`` runs the model
    teacher-forced and free-running (``free_running``: the input policy of the second run,
    default ``FreeRunning()``, the argmax) and returns ``ProfessorLosses``:

    - nll = loss_fn(teacher-forced logits (B*T, V), tgt_out (B*T,));
    - discriminator = (BCE(D(h_teacher.detach()), 1) + BCE(D(h_free.detach()), 0)) / 2;
    - fool = BCE(D_frozen(h_free), 1), Lamb et al.'s C_f (their optional C_t, pulling the
      teacher-forced run towards the free-running one, is left out);
    - total = nll + [fooling] fool_weight * fool + [discriminator_trained] discriminator,
      where fooling = running_accuracy > fool_above and discriminator_trained =
      running_accuracy < discriminator_below (the gates of the package docstring), both read
      before this batch's accuracy updates running_accuracy = momentum * running_accuracy +
      (1 - momentum) * discriminator_accuracy.

    The terms left out of ``total`` are still returned (for logging); they give no gradient.
    ``mask`` (B, T) bool marks the target's valid steps for the discriminator (default: where
    tgt_out differs from loss_fn's ignore_index when it has one, else every step).
    """

    def __init__(self, discriminator: nn.Module, fool_weight: float = 1.0, free_running=None,
                 fool_above: float = 0.75, discriminator_below: float = 0.99,
                 momentum: float = 0.9):
        if not isinstance(discriminator, nn.Module):
            raise TypeError(f"discriminator must be a Module, but got {type(discriminator)}")
        if (isinstance(fool_weight, bool) or not isinstance(fool_weight, numbers.Real)
                or not fool_weight >= 0):
            raise ValueError(f"fool_weight must be a non-negative number, but got {fool_weight!r}")
        for name, value in (("fool_above", fool_above),
                            ("discriminator_below", discriminator_below),
                            ("momentum", momentum)):
            if (isinstance(value, bool) or not isinstance(value, numbers.Real)
                    or not 0 <= value <= 1):
                raise ValueError(f"{name} must be a number in [0, 1], but got {value!r}")
        if momentum == 1:
            raise ValueError("momentum must be below 1: at 1 the running accuracy never moves")
        self.discriminator, self.fool_weight = discriminator, float(fool_weight)
        self.free_running = FreeRunning() if free_running is None else free_running
        self.fool_above, self.discriminator_below = float(fool_above), float(discriminator_below)
        self.momentum = float(momentum)
        self.running_accuracy = 0.5

    def losses(self, model, src, src_lengths, tgt_in, tgt_out, loss_fn, mask=None
               ) -> ProfessorLosses:
        teacher = model(src, src_lengths, tgt_in)
        free = model(src, src_lengths, tgt_in, input_policy=self.free_running)
        if teacher.hiddens is None or free.hiddens is None:
            raise ValueError("professor forcing needs the decoder's hidden states: the model's "
                             "output must carry hiddens (B, T, H)")
        vocab = teacher.logits.shape[-1]
        nll = loss_fn(teacher.logits.reshape(-1, vocab), tgt_out.reshape(-1))
        if mask is None and getattr(loss_fn, "ignore_index", None) is not None:
            mask = tgt_out != loss_fn.ignore_index
        batch = teacher.hiddens.shape[0]
        ones, zeros = tn.ones(batch), tn.zeros(batch)
        d_teacher = self.discriminator(teacher.hiddens.detach(), mask)
        d_free = self.discriminator(free.hiddens.detach(), mask)
        discriminator = (F.binary_cross_entropy_with_logits(d_teacher, ones)
                         + F.binary_cross_entropy_with_logits(d_free, zeros)) / 2
        with frozen(self.discriminator):
            fool = F.binary_cross_entropy_with_logits(self.discriminator(free.hiddens, mask),
                                                      ones)
        correct = (d_teacher.detach() > 0).sum().item() + (d_free.detach() <= 0).sum().item()
        accuracy = correct / (2 * batch)
        fooling = self.running_accuracy > self.fool_above
        trained = self.running_accuracy < self.discriminator_below
        total = nll
        if fooling:
            total = total + self.fool_weight * fool
        if trained:
            total = total + discriminator
        self.running_accuracy = (self.momentum * self.running_accuracy
                                 + (1 - self.momentum) * accuracy)
        return ProfessorLosses(total, nll, fool, discriminator, accuracy, teacher, free,
                               fooling, trained)

    def __repr__(self) -> str:
        return (f"ProfessorForcing(fool_weight={self.fool_weight}, "
                f"free_running={self.free_running!r}, fool_above={self.fool_above}, "
                f"discriminator_below={self.discriminator_below}, momentum={self.momentum})")
