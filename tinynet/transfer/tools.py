"""Freezing, unfreezing, replacing a head, learning rates per block and batch-norm statistics kept
fixed: the pieces of fine-tuning a pretrained network.

A frozen parameter (``requires_grad=False``) gets no gradient, so an optimizer skips it: no
update, no weight decay, no optimizer state (Adam's moments are created at a parameter's first
update). An optimizer may hold frozen parameters, as in PyTorch (``optim.Adam(model.parameters())``
after ``freeze(model)`` is accepted and then does nothing); ``trainable_parameters`` and
``discriminative_param_groups``, the helpers that build an optimizer's parameters for fine-tuning,
refuse a model with no trainable parameter instead, since training it would change nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from tinynet import nn
from tinynet.callbacks import Callback

BATCH_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)


def freeze(module: nn.Module) -> nn.Module:
    """``module.requires_grad_(False)``: none of its parameters gets a gradient. Returns it."""
    return _module(module, "freeze").requires_grad_(False)


def unfreeze(module: nn.Module) -> nn.Module:
    """``module.requires_grad_(True)``: every parameter gets gradients again. Returns it."""
    return _module(module, "unfreeze").requires_grad_(True)


def trainable_parameters(module: nn.Module) -> list:
    """The parameters of ``module`` with ``requires_grad=True``, in ``parameters()`` order, to
    give an optimizer. Raises ValueError when there is none (every parameter frozen)."""
    params = [param for param in _module(module, "trainable_parameters").parameters()
              if param.requires_grad]
    if not params:
        raise ValueError(f"{type(module).__name__} has no trainable parameter (every parameter "
                         "has requires_grad=False): unfreeze some before building the optimizer")
    return params


def _module(module, caller: str) -> nn.Module:
    if not isinstance(module, nn.Module):
        raise TypeError(f"{caller} takes an nn.Module, but got {type(module).__name__}")
    return module


def get_submodule(model: nn.Module, name: str) -> nn.Module:
    """The submodule at the dotted path ``name`` ("fc", "classifier.3", "13"); a clear
    AttributeError names the missing part and the children that exist there."""
    module = _module(model, "get_submodule")
    if not isinstance(name, str) or not name:
        raise ValueError(f"a submodule name must be a non-empty dotted path, but got {name!r}")
    path = []
    for part in name.split("."):
        children = dict(module.named_children())
        if part not in children:
            where = ".".join(path) or type(model).__name__
            raise AttributeError(f"{where} has no submodule {part!r}; its children are "
                                 f"{', '.join(children) or 'none'}")
        module = children[part]
        path.append(part)
    return module


def replace_head(model: nn.Module, name: str, new_module: nn.Module) -> nn.Module:
    """Put ``new_module`` in place of the submodule at the dotted path ``name`` of ``model``
    (e.g. the last Linear layer, "13" in a Sequential, "fc" in a ResNet) and return the module it
    replaces. The new module is trainable as it comes; the rest keeps its ``requires_grad``."""
    if not isinstance(new_module, nn.Module):
        raise TypeError(f"the new head must be an nn.Module, but got {type(new_module).__name__}")
    old = get_submodule(model, name)
    parent_name, _, child = name.rpartition(".")
    parent = get_submodule(model, parent_name) if parent_name else model
    setattr(parent, child, new_module)
    return old


def discriminative_param_groups(model: nn.Module, blocks: Sequence, base_lr: float,
                                factor: float = 2.6) -> list[dict]:
    """Optimizer parameter groups with one learning rate per block, smaller towards the input.

    ``blocks`` are submodules of ``model`` (or their dotted names), ordered from the input to
    the output, that together hold every parameter of ``model``. Block i of n gets the rate
    ``base_lr / factor ** (n - 1 - i)``: the last block (the head) ``base_lr``, each block before
    it ``factor`` times less (2.6 as in ULMFiT), since early features are general and need the
    least change. Each group holds all of its block's parameters, frozen ones included (they are
    skipped while frozen and trained once unfrozen, as ``GradualUnfreezing`` does), and says its
    block in ``"name"``. Raises ValueError for a parameter in no block or in two, a block
    without parameters, or a model without any trainable parameter.
    """
    _module(model, "discriminative_param_groups")
    if isinstance(blocks, (str, nn.Module)) or not len(blocks):
        raise ValueError("blocks must be a non-empty sequence of submodules or their names")
    if not (isinstance(base_lr, (int, float)) and base_lr > 0):
        raise ValueError(f"base_lr must be a positive number, but got {base_lr!r}")
    if not (isinstance(factor, (int, float)) and factor > 0):
        raise ValueError(f"factor must be a positive number, but got {factor!r}")
    names = {id(param): name for name, param in model.named_parameters()}
    modules = [get_submodule(model, block) if isinstance(block, str) else block
               for block in blocks]
    groups, owner = [], {}
    for index, (block, module) in enumerate(zip(blocks, modules, strict=True)):
        label = block if isinstance(block, str) else f"block {index}"
        params = list(_module(module, "discriminative_param_groups").parameters())
        if not params:
            raise ValueError(f"{label} ({type(module).__name__}) has no parameter")
        for param in params:
            if id(param) not in names:
                raise ValueError(f"{label} holds a parameter that is not the model's")
            if id(param) in owner:
                raise ValueError(f"parameter {names[id(param)]!r} is in {owner[id(param)]} and "
                                 f"in {label}")
            owner[id(param)] = label
        lr = base_lr / factor ** (len(modules) - 1 - index)
        groups.append({"params": params, "lr": lr, "name": label})
    left = [name for key, name in names.items() if key not in owner]
    if left:
        raise ValueError(f"parameters in no block: {', '.join(left)}; add their module to "
                         "blocks (frozen parameters are simply skipped by the optimizer)")
    if not any(param.requires_grad for group in groups for param in group["params"]):
        raise ValueError(f"{type(model).__name__} has no trainable parameter (every parameter "
                         "has requires_grad=False): unfreeze some before building the optimizer")
    return groups


class FrozenBatchNormStats:
    """The handle ``freeze_batchnorm_stats`` returns: ``remove()`` (or leaving its ``with``
    block) lets the batch norms follow ``train()``/``eval()`` again."""

    def __init__(self, modules, handles):
        self.modules = modules
        self._handles = handles

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.remove()


def _eval_hook(module, args):
    object.__setattr__(module, "training", False)


def freeze_batchnorm_stats(module: nn.Module) -> FrozenBatchNormStats:
    """Keep every BatchNorm1d/2d/3d inside ``module`` in eval mode while the rest trains.

    Such a layer normalizes with its running mean and variance and leaves them unchanged, even
    after ``model.train()`` (a training loop calls it every epoch): a forward pre-hook puts the
    layer in eval mode before each of its forwards. With few labelled samples, batch statistics
    are noisy and would overwrite the pretrained ones. The layers' affine weight and bias still
    train unless frozen too (``freeze``). Returns a handle whose ``remove()`` undoes it.
    """
    norms = [m for m in _module(module, "freeze_batchnorm_stats").modules()
             if isinstance(m, BATCH_NORMS)]
    if not norms:
        raise ValueError(f"{type(module).__name__} has no BatchNorm layer whose statistics "
                         "could be frozen")
    for norm in norms:
        norm.eval()
    return FrozenBatchNormStats(norms, [norm.register_forward_pre_hook(_eval_hook)
                                        for norm in norms])


class GradualUnfreezing(Callback):
    """A callback that unfreezes a pretrained model from the top down (ULMFiT's gradual
    unfreezing): at the start of training only the last of ``blocks`` (ordered from the input
    to the output, submodules or dotted names) trains; after every ``every`` epochs the next
    block down is unfrozen, until all train. Build the optimizer with every block's parameters
    (``discriminative_param_groups`` does) so that an unfrozen block starts being updated;
    frozen parameters get no update and no optimizer state until then. ``unfrozen`` counts the
    blocks that train."""

    def __init__(self, blocks: Sequence, every: int = 1):
        super().__init__()
        if isinstance(blocks, (str, nn.Module)) or not len(blocks):
            raise ValueError("blocks must be a non-empty sequence of submodules or their names")
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be a positive integer, but got {every!r}")
        self.blocks, self.every, self.unfrozen = list(blocks), every, 0
        self._modules: list[nn.Module] = []

    def on_train_begin(self, trainer_state) -> None:
        model = trainer_state["model"]
        self._modules = [get_submodule(model, block) if isinstance(block, str) else block
                         for block in self.blocks]
        for module in self._modules[:-1]:
            freeze(module)
        unfreeze(self._modules[-1])
        self.unfrozen = 1

    def on_epoch_end(self, epoch: int, logs) -> None:
        if (epoch + 1) % self.every == 0 and self.unfrozen < len(self._modules):
            self.unfrozen += 1
            unfreeze(self._modules[-self.unfrozen])
