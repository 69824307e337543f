"""Weight averaging (PyTorch's ``torch.optim.swa_utils``): a running average of a model's weights
over training, either equal-weight (stochastic weight averaging, SWA) or exponential (EMA), the
learning-rate schedule SWA trains with, and the pass that recomputes batch-norm statistics for the
averaged weights."""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from tinynet.autograd import no_grad
from tinynet.nn.module import Module
from tinynet.nn.normalization import _BatchNorm
from tinynet.optim.lr_scheduler.base import LRScheduler
from tinynet.optim.lr_scheduler.cyclic import _per_group
from tinynet.optim.optimizer import Optimizer
from tinynet.tensor import Tensor

__all__ = ["SWALR", "AveragedModel", "get_ema_avg_fn", "get_ema_multi_avg_fn",
           "get_swa_avg_fn", "get_swa_multi_avg_fn", "update_bn"]


def _check_cpu(device) -> None:
    if device is None:
        return
    name = f"cuda:{device}" if isinstance(device, int) else str(device)
    if name.split(":")[0] != "cpu":
        raise RuntimeError(f"tinynet runs on the CPU only, so device={name!r} cannot be used")


def _write(target: Tensor, value) -> None:
    """Overwrite ``target``'s elements in place (cast to its dtype), outside autograd."""
    array = value._data if isinstance(value, Tensor) else np.asarray(value)
    target._data[...] = array.astype(target.dtype, copy=False)
    target._version += 1


def get_ema_multi_avg_fn(decay: float = 0.999):
    """An in-place EMA over lists of tensors: ema ← decay·ema + (1 − decay)·current."""
    if decay < 0.0 or decay > 1.0:
        raise ValueError(
            f"Invalid decay value {decay} provided. Please provide a value in [0,1] range."
        )

    def ema_update(ema_param_list, current_param_list, _) -> None:
        for ema, current in zip(ema_param_list, current_param_list):
            _write(ema, ema._data * decay + current._data * (1 - decay))

    return ema_update


def get_swa_multi_avg_fn():
    """An in-place equal-weight average over lists of tensors, after n models were averaged:
    avg ← avg + (current − avg)/(n + 1)."""

    def swa_update(averaged_param_list, current_param_list, num_averaged) -> None:
        n = int(num_averaged._data if isinstance(num_averaged, Tensor) else num_averaged)
        for averaged, current in zip(averaged_param_list, current_param_list):
            _write(averaged, averaged._data + (current._data - averaged._data) / (n + 1))

    return swa_update


def get_ema_avg_fn(decay: float = 0.999):
    """EMA of one tensor, returned: decay·ema + (1 − decay)·current."""
    if decay < 0.0 or decay > 1.0:
        raise ValueError(
            f"Invalid decay value {decay} provided. Please provide a value in [0,1] range."
        )

    def ema_update(ema_param: Tensor, current_param: Tensor, num_averaged) -> Tensor:
        return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn():
    """Equal-weight average of one tensor, returned: avg + (current − avg)/(n + 1)."""

    def swa_update(averaged_param: Tensor, current_param: Tensor, num_averaged) -> Tensor:
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


class AveragedModel(Module):
    """A copy of ``model`` whose parameters are the average of the models given to
    ``update_parameters`` so far: the first call copies them, call n + 1 applies ``avg_fn``
    (per tensor, returning the new average) or ``multi_avg_fn`` (on the lists, in place), by
    default the equal-weight average avg ← avg + (current − avg)/(n + 1) (SWA). With
    ``use_buffers=True`` the buffers (batch-norm statistics) are averaged too; otherwise they are
    copied from the model at each update. ``n_averaged`` counts the updates (a buffer).
    Calling the AveragedModel calls its copy of the model.

    Args:
        model: the model to average (deep-copied).
        device: None or "cpu" (tinynet runs on the CPU only; another device is refused).
        avg_fn: ``avg_fn(averaged, current, n_averaged) -> new averaged`` for each tensor.
        multi_avg_fn: ``multi_avg_fn(averaged_list, current_list, n_averaged)``, in place;
            only one of the two may be given (``get_ema_multi_avg_fn()`` for an EMA).
        use_buffers: average the buffers as well as the parameters.
    """

    def __init__(
        self,
        model: Module,
        device=None,
        avg_fn: Callable | None = None,
        multi_avg_fn: Callable | None = None,
        use_buffers=False,
    ):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        _check_cpu(device)
        self.module = copy.deepcopy(model)
        self.register_buffer("n_averaged", Tensor._make(np.array(0, dtype=np.int64)))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def update_parameters(self, model: Module) -> None:
        """Fold ``model``'s current weights into the average."""
        if self.use_buffers:
            ours = list(itertools.chain(self.module.parameters(), self.module.buffers()))
            theirs = list(itertools.chain(model.parameters(), model.buffers()))
        else:
            ours, theirs = list(self.module.parameters()), list(model.parameters())
        pairs = list(zip(ours, theirs))
        n_averaged = int(self.n_averaged._data)
        with no_grad():
            if n_averaged == 0:
                for averaged, current in pairs:
                    _write(averaged, current.detach())
            elif self.avg_fn is not None:
                for averaged, current in pairs:
                    _write(averaged, self.avg_fn(averaged.detach(), current.detach(),
                                                 self.n_averaged))
            else:
                multi_avg_fn = self.multi_avg_fn or get_swa_multi_avg_fn()
                multi_avg_fn([a.detach() for a, _ in pairs], [c.detach() for _, c in pairs],
                             self.n_averaged)
            if not self.use_buffers:
                for ours_buffer, their_buffer in zip(self.module.buffers(), model.buffers()):
                    _write(ours_buffer, their_buffer.detach())
        self.n_averaged._data += 1
        self.n_averaged._version += 1


def update_bn(loader: Iterable[Any], model: Module, device=None) -> None:
    """Recompute the running statistics of every batch-norm layer of ``model`` with one pass over
    ``loader`` (batches, or (input, ...) tuples whose first element goes to the model), as a
    cumulative average (momentum None during the pass); what the averaged weights of an
    AveragedModel need, since averaging weights does not average their statistics. The layers'
    momenta and the model's train/eval mode are restored afterwards."""
    _check_cpu(device)
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    with no_grad():
        for batch in loader:
            if isinstance(batch, (list, tuple)):
                batch = batch[0]
            model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's learning rate to ``swa_lr`` over ``anneal_epochs`` steps, then hold
    it (the schedule of SWA's averaging phase). With α_t = f(min(1, t/anneal_epochs)), f the
    cosine (1 − cos πu)/2 or linear u ramp, and lr₀ the learning rate when the annealing starts,
    lr_t = α_t·swa_lr + (1 − α_t)·lr₀, written as PyTorch writes it (chainable: lr₀ is recovered
    from the current lr at each step).

    Args:
        optimizer: the optimizer whose learning rates to set.
        swa_lr: the learning rate to anneal to, or one per param group.
        anneal_epochs: steps of annealing, an int ≥ 0 (default 10).
        anneal_strategy: "cos" (default) or "linear".
        last_epoch: the index of the last step (default -1: start).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        swa_lr: float,
        anneal_epochs=10,
        anneal_strategy: str = "cos",
        last_epoch=-1,
    ):
        for value, group in zip(_per_group("swa_lr", optimizer, swa_lr), optimizer.param_groups):
            group["swa_lr"] = value
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}"
            )
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self._anneal_strategy = anneal_strategy
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    def anneal_func(self, t: float) -> float:
        if self._anneal_strategy == "cos":
            return (1 - math.cos(math.pi * t)) / 2
        return t

    @staticmethod
    def _get_initial_lr(lr: float, swa_lr: float, alpha: float) -> float:
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self) -> list[float]:
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        previous_alpha = self.anneal_func(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        previous_lrs = [
            self._get_initial_lr(group["lr"], group["swa_lr"], previous_alpha)
            for group in self.optimizer.param_groups
        ]
        alpha = self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))
        return [
            group["swa_lr"] * alpha + lr * (1 - alpha)
            for group, lr in zip(self.optimizer.param_groups, previous_lrs)
        ]
