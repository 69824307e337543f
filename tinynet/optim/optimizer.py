"""Optimizer: parameter groups, lazily created per-parameter state, the step loop, state_dict.

The base class owns everything that is the same for every optimizer; a subclass passes its
hyperparameter defaults and writes one method, ``update(param, grad, state, group)``, that changes
one parameter in place on NumPy arrays (DeZero's ``update_one``, chainer's ``update_core_cpu``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from tinynet.autograd import enable_grad
from tinynet.optim.hooks import OptimizerHooks, with_step_hooks
from tinynet.tensor import Tensor

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]] | Iterable[tuple[str, Tensor]]


class Optimizer(OptimizerHooks):
    """Base class of all optimizers.

    ``param_groups`` is a list of dicts; each holds ``"params"`` (a list of tensors) and its own
    copy of every hyperparameter (``"lr"``, ...), so different groups can train at different rates.
    ``state[param]`` is a dict (momentum buffers, step counts, ...) created at the parameter's first
    update. ``step()`` loops over the groups and calls ``update`` for every parameter that has a
    gradient; with ``maximize=True`` in a group the gradient is negated first (gradient ascent).

    Parameters may also be given with their names, as ``model.named_parameters()`` yields them
    (``(name, tensor)`` pairs, in a plain list or in a group's ``"params"``): the group then also
    holds ``"param_names"``, which ``state_dict()`` carries.

    ``step(closure)`` calls the closure (with gradients enabled) before updating, and returns
    what it returned (the loss), as in PyTorch. PyTorch's hooks can be registered around
    ``step``, ``state_dict`` and ``load_state_dict`` (``register_step_pre_hook``, ...; see
    ``tinynet.optim.hooks``).

    Args:
        params: an iterable of tensors, of ``(name, tensor)`` pairs, or of dicts
            ``{"params": [...], "lr": ..., ...}`` that override the defaults for their group.
        defaults: the hyperparameters for groups that do not set them.
    """

    def __init__(self, params: ParamsT, defaults: dict[str, Any]):
        self.check_hyperparameters(defaults)
        self.defaults = dict(defaults)
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Tensor):
            raise TypeError(
                "params must be an iterable of Tensors or of dicts, but got a single Tensor; "
                "wrap it in a list"
            )
        param_groups = list(params)
        if not param_groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def check_hyperparameters(self, group: dict[str, Any]) -> None:
        """Raise ValueError for an invalid hyperparameter; each optimizer overrides this."""

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        """Change ``param`` in place, given its gradient, its state (empty before its first update,
        filled by this method) and its group's hyperparameters."""
        raise NotImplementedError

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters, e.g. a newly unfrozen layer, with its own hyperparameters;
        the ones it does not set come from ``defaults``."""
        if not isinstance(param_group, dict):
            raise TypeError(f"a param group must be a dict, but got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError("a param group must have a 'params' entry")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("the parameters of a group must be ordered (a list), not a set")
        else:
            params = list(params)
        names = None
        if params and all(isinstance(item, tuple) and len(item) == 2 for item in params):
            names = [name for name, _ in params]
            if not all(isinstance(name, str) for name in names):
                raise TypeError("named parameters must be (str, Tensor) pairs")
            params = [param for _, param in params]
        elif any(isinstance(item, tuple) for item in params):
            raise TypeError(
                "a parameter group mixes (name, tensor) pairs with plain tensors; give all its "
                "parameters with names, or none"
            )
        for param in params:
            if not isinstance(param, Tensor):
                raise TypeError(
                    f"optimizer can only optimize Tensors, but got {type(param).__name__}"
                )
            if param.grad_fn is not None:
                raise ValueError("can't optimize a non-leaf Tensor (one computed by an op)")
        if len({id(param) for param in params}) != len(params):
            raise ValueError("a parameter group lists the same parameter twice")
        already_added = {id(param) for group in self.param_groups for param in group["params"]}
        if any(id(param) in already_added for param in params):
            raise ValueError("some parameters appear in more than one parameter group")
        group = {**self.defaults, **param_group, "params": params}
        if names is not None:
            group["param_names"] = names
        if self.param_groups and (("param_names" in group)
                                  != ("param_names" in self.param_groups[0])):
            raise ValueError(
                "all parameter groups must be named, or none: a group of (name, tensor) pairs "
                "cannot join a group of plain tensors"
            )
        self.check_hyperparameters(group)
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: set each ``param.grad`` to None (the default, frees memory), or
        fill it with zeros."""
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is None:
                    continue
                if set_to_none:
                    param.grad = None
                elif param.grad.grad_fn is not None:  # a graph (create_graph=True) may need it
                    param.grad = Tensor._make(np.zeros_like(param.grad.detach().numpy()))
                else:
                    param.grad.detach().numpy().fill(0)
                    param.grad._version += 1

    @with_step_hooks
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; return ``closure()`` if one is given (the
        closure re-evaluates the model and returns the loss, with gradients enabled)."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is None:
                    continue
                grad = param.grad.detach().numpy()
                if group.get("maximize", False):
                    grad = -grad
                state = self.state.setdefault(param, {})
                self.update(param.detach().numpy(), grad, state, group)
                param._version += 1
        return loss

    def state_dict(self) -> dict[str, Any]:
        """A deep copy of the optimizer's state, with parameters referred to by their position in
        the groups (0, 1, ... over all groups in order), as in PyTorch::

            {"state": {index: {"step": ..., "exp_avg": array, ...}},
             "param_groups": [{"lr": ..., ..., "params": [indices]}]}
        """
        return self._run_state_dict_hooks(self._build_state_dict)

    def _build_state_dict(self) -> dict[str, Any]:
        index_of: dict[int, int] = {}
        packed_groups = []
        for group in self.param_groups:
            packed = {key: value for key, value in group.items() if key != "params"}
            packed["params"] = [index_of.setdefault(id(p), len(index_of)) for p in group["params"]]
            packed_groups.append(packed)
        packed_state = {index_of[id(param)]: state for param, state in self.state.items()}
        return copy.deepcopy({"state": packed_state, "param_groups": packed_groups})

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the state saved by ``state_dict()`` onto this optimizer's parameters, matched by
        position. Everything is checked before anything changes: the number of groups, each group's
        size and the shape of every state array. Floating-point state is cast to its parameter's
        dtype. Hyperparameters (lr, ...) come from the saved groups."""
        self._run_load_state_dict_hooks(state_dict, self._load_state_dict)

    def _load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state_dict = copy.deepcopy(state_dict)
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"loaded state dict has {len(saved_groups)} parameter groups, "
                f"but the optimizer has {len(self.param_groups)}"
            )
        param_at: dict[int, Tensor] = {}
        for number, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"parameter group {number} of the loaded state dict has "
                    f"{len(saved['params'])} parameters, but the optimizer's has "
                    f"{len(group['params'])}"
                )
            param_at.update(zip((int(index) for index in saved["params"]), group["params"]))
        new_state = {}
        for index, saved_state in state_dict["state"].items():
            if int(index) not in param_at:
                raise ValueError(f"loaded state refers to parameter {index}, which no group lists")
            param = param_at[int(index)]
            new_state[param] = {
                name: self._state_entry(name, value, param, f"state[{index}][{name!r}]")
                for name, value in saved_state.items()
            }
        self.state = new_state
        self.param_groups = [
            {**saved, "params": group["params"]}
            for saved, group in zip(saved_groups, self.param_groups)
        ]

    def _state_entry(self, name: str, value: Any, param: Tensor, where: str) -> Any:
        """The loaded state entry ``name``, checked against its parameter (shape) and cast to its
        dtype; ``where`` names it in errors."""
        return _match_parameter(value, param, where)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for number, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {number}")
            lines += [
                f"    {key}: {value}" for key, value in sorted(group.items()) if key != "params"
            ]
        return "\n".join(lines + [")"])


def _match_parameter(value: Any, param: Tensor, where: str) -> Any:
    """A loaded state entry, checked against its parameter's shape and cast to its dtype."""
    if not isinstance(value, np.ndarray) or value.ndim == 0:
        return value
    if value.shape != tuple(param.shape):
        raise ValueError(
            f"loaded {where} has shape {value.shape}, but its parameter has shape "
            f"{tuple(param.shape)}"
        )
    if value.dtype.kind == "f":
        return value.astype(param.dtype, copy=False)
    return value


def implementation_flags(
    foreach: bool | None = None,
    capturable: bool = False,
    differentiable: bool = False,
    fused: bool | None = None,
    *,
    accepted: tuple[str, ...] = ("foreach", "capturable", "differentiable"),
) -> dict[str, Any]:
    """PyTorch's implementation switches, checked, as entries for an optimizer's ``defaults``.

    They choose how PyTorch runs the same update, not what it computes, so here:

    * ``foreach`` (None, True, False) and ``fused`` (None, True, False) are accepted and change
      nothing: tinynet updates each parameter with whole-array NumPy operations, which is what
      both ask for on a CPU. As in PyTorch, they cannot both be True.
    * ``capturable=True`` (keep the step count on the GPU for CUDA graph capture) is refused:
      tinynet runs on the CPU only, where PyTorch refuses it too.
    * ``differentiable=True`` (record the update itself in autograd, for meta-learning) is
      refused: tinynet's updates change the parameters' arrays in place, outside the graph.

    ``accepted`` lists the switches the optimizer's PyTorch signature has; only those become
    entries of ``defaults``.
    """
    for name, value in (("foreach", foreach), ("fused", fused)):
        if value is not None and not isinstance(value, bool):
            raise TypeError(f"{name} must be None, True or False, but got {value!r}")
    if foreach and fused:
        raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
    if capturable:
        raise ValueError(
            "capturable=True is not supported: it keeps the optimizer's step count on a GPU for "
            "CUDA graph capture, and tinynet runs on the CPU only (leave capturable=False)"
        )
    if differentiable:
        raise ValueError(
            "differentiable=True is not supported: tinynet's optimizers update the parameters "
            "in place outside autograd, so the update cannot be differentiated (leave "
            "differentiable=False)"
        )
    flags = {"foreach": foreach, "capturable": False, "differentiable": False, "fused": fused}
    return {name: flags[name] for name in accepted}


def check_non_negative(group: dict[str, Any], *names: str) -> None:
    """Raise ValueError unless ``group[name] >= 0`` for each name (NaN fails too)."""
    for name in names:
        if not group[name] >= 0.0:
            raise ValueError(f"Invalid {name} value: {group[name]} (must be >= 0)")


def check_betas(betas: tuple[float, float]) -> None:
    """Raise ValueError unless both Adam-style betas are in [0, 1)."""
    for index, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {index}: {beta} (must be in [0, 1))")
