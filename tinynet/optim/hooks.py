"""The hooks an optimizer runs around ``step``, ``state_dict`` and ``load_state_dict``, with
PyTorch's registration methods and calling conventions."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from tinynet.nn.hooks import RemovableHandle
from tinynet.runtime.scope import scope as runtime_scope


def _register(registry: dict, hook: Callable, prepend: bool) -> RemovableHandle:
    handle = RemovableHandle.add(registry, hook)
    if prepend:  # move it to the front, keeping the others' order
        others = {key: value for key, value in registry.items() if key != handle.id}
        registry.clear()
        registry[handle.id] = hook
        registry.update(others)
    return handle


def with_step_hooks(step: Callable) -> Callable:
    """Wrap an optimizer's ``step`` so that it runs the step hooks: each pre-hook is called as
    ``hook(optimizer, args, kwargs)`` and may return replacement ``(args, kwargs)``; each post-hook
    as ``hook(optimizer, args, kwargs)`` after the step."""

    @functools.wraps(step)
    def step_with_hooks(self, *args, **kwargs):
        if self.__dict__.get("_running_step_hooks"):  # a subclass's step calling super().step()
            return step(self, *args, **kwargs)
        self.__dict__["_running_step_hooks"] = True
        try:
            with runtime_scope():
                return _run_step(self, step, args, kwargs)
        finally:
            self.__dict__["_running_step_hooks"] = False

    step_with_hooks._wrapped_with_hooks = True
    return step_with_hooks


def _run_step(self, step: Callable, args: tuple, kwargs: dict):
    """The pre-hooks, the step itself, then the post-hooks."""
    for hook in list(self._hooks("_optimizer_step_pre_hooks").values()):
        result = hook(self, args, kwargs)
        if result is None:
            continue
        if not (isinstance(result, tuple) and len(result) == 2):
            raise RuntimeError(
                "an optimizer step pre-hook must return None or a tuple (new_args, new_kwargs), "
                f"but got {result!r}"
            )
        args, kwargs = result
    output = step(self, *args, **kwargs)
    for hook in list(self._hooks("_optimizer_step_post_hooks").values()):
        hook(self, args, kwargs)
    return output


class OptimizerHooks:
    """PyTorch's optimizer hooks. Every subclass's ``step`` is wrapped to run the step hooks
    (``with_step_hooks``); ``state_dict`` and ``load_state_dict`` call ``_run_state_dict_hooks``
    and ``_run_load_state_dict_hooks``. Each ``register_*`` returns a handle whose ``remove()``
    unregisters the hook; ``prepend=True`` runs it before those already registered."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "_wrapped_with_hooks", False):
            cls.step = with_step_hooks(step)

    def _hooks(self, name: str) -> dict:
        registry = self.__dict__.get(name)
        if registry is None:
            registry = self.__dict__[name] = {}
        return registry

    def register_step_pre_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(optimizer, args, kwargs) -> None or (new_args, new_kwargs)``, before ``step``."""
        return _register(self._hooks("_optimizer_step_pre_hooks"), hook, False)

    def register_step_post_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(optimizer, args, kwargs) -> None``, after ``step``."""
        return _register(self._hooks("_optimizer_step_post_hooks"), hook, False)

    def register_state_dict_pre_hook(self, hook: Callable, prepend: bool = False
                                     ) -> RemovableHandle:
        """``hook(optimizer) -> None``, before ``state_dict`` builds the dict."""
        return _register(self._hooks("_optimizer_state_dict_pre_hooks"), hook, prepend)

    def register_state_dict_post_hook(self, hook: Callable, prepend: bool = False
                                      ) -> RemovableHandle:
        """``hook(optimizer, state_dict) -> None or a replacement state_dict``, after."""
        return _register(self._hooks("_optimizer_state_dict_post_hooks"), hook, prepend)

    def register_load_state_dict_pre_hook(self, hook: Callable, prepend: bool = False
                                          ) -> RemovableHandle:
        """``hook(optimizer, state_dict) -> None or a replacement state_dict``, before loading."""
        return _register(self._hooks("_optimizer_load_state_dict_pre_hooks"), hook, prepend)

    def register_load_state_dict_post_hook(self, hook: Callable, prepend: bool = False
                                           ) -> RemovableHandle:
        """``hook(optimizer) -> None``, after ``load_state_dict``."""
        return _register(self._hooks("_optimizer_load_state_dict_post_hooks"), hook, prepend)

    def _run_state_dict_hooks(self, build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        for hook in list(self._hooks("_optimizer_state_dict_pre_hooks").values()):
            hook(self)
        state_dict = build()
        for hook in list(self._hooks("_optimizer_state_dict_post_hooks").values()):
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        return state_dict

    def _run_load_state_dict_hooks(self, state_dict: dict[str, Any],
                                   load: Callable[[dict[str, Any]], None]) -> None:
        for hook in list(self._hooks("_optimizer_load_state_dict_pre_hooks").values()):
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        load(state_dict)
        for hook in list(self._hooks("_optimizer_load_state_dict_post_hooks").values()):
            hook(self)
