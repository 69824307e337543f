"""Hook handles and the bookkeeping behind ``Module.register_full_backward_hook``."""

from __future__ import annotations

import itertools

from tinynet.ops.nn_ops import BackwardHook
from tinynet.tensor import Tensor


class RemovableHandle:
    """Returned by every ``register_*_hook``: ``handle.remove()`` unregisters the hook (also usable
    as a context manager)."""

    _ids = itertools.count()

    def __init__(self, registry: dict, key: int):
        self._registry = registry
        self.id = key

    @classmethod
    def add(cls, registry: dict, hook) -> RemovableHandle:
        if not callable(hook):
            raise TypeError(f"a hook must be callable, got {type(hook).__name__}")
        key = next(cls._ids)
        registry[key] = hook
        return cls(registry, key)

    def remove(self) -> None:
        self._registry.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.remove()


class BackwardHookState:
    """One call of a module with full backward hooks.

    An identity op (``BackwardHook``) wraps the outputs: its backward, which runs first, records
    ``grad_output``. Another wraps the inputs that require grad: its backward receives
    ``grad_input``, calls the hooks with both, and passes on what they return. If no input
    requires grad, the hooks run from the outputs' backward with ``grad_input`` all None (as in
    PyTorch).
    """

    def __init__(self, module, hooks: dict):
        self.module = module
        self.hooks = list(hooks.values())
        self.input_positions: list[int] = []  # positions of the tensor arguments
        self.wrapped_inputs: list[int] = []  # indices into input_positions that need grad
        self.grad_output = None

    def wrap_inputs(self, args: tuple) -> tuple:
        self.input_positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        self.wrapped_inputs = [
            k for k, i in enumerate(self.input_positions) if args[i].requires_grad
        ]
        if not self.wrapped_inputs:
            return args
        positions = [self.input_positions[k] for k in self.wrapped_inputs]
        identities = BackwardHook.apply(
            *(args[i] for i in positions), on_backward=self._on_input_grads
        )
        args = list(args)
        for position, identity in zip(positions, identities):
            args[position] = identity
        return tuple(args)

    def wrap_outputs(self, output):
        outputs = (output,) if isinstance(output, Tensor) else output
        if not isinstance(outputs, tuple):
            return output
        self.num_outputs = len(outputs)
        self.output_positions = [
            i for i, o in enumerate(outputs) if isinstance(o, Tensor) and o.requires_grad
        ]
        if not self.output_positions:
            return output
        identities = BackwardHook.apply(
            *(outputs[i] for i in self.output_positions), on_backward=self._on_output_grads
        )
        outputs = list(outputs)
        for position, identity in zip(self.output_positions, identities):
            outputs[position] = identity
        return outputs[0] if isinstance(output, Tensor) else tuple(outputs)

    def _on_output_grads(self, grads):
        grad_output = [None] * self.num_outputs
        for position, grad in zip(self.output_positions, grads):
            grad_output[position] = grad
        self.grad_output = tuple(grad_output)
        if not self.wrapped_inputs:
            self._run_hooks((None,) * len(self.input_positions))

    def _on_input_grads(self, grads):
        grad_input = [None] * len(self.input_positions)
        for k, grad in zip(self.wrapped_inputs, grads):
            grad_input[k] = grad
        grad_input = self._run_hooks(tuple(grad_input))
        return tuple(grad_input[k] for k in self.wrapped_inputs)

    def _run_hooks(self, grad_input: tuple) -> tuple:
        for hook in self.hooks:
            replaced = hook(self.module, grad_input, self.grad_output)
            if replaced is None:
                continue
            replaced = tuple(replaced) if isinstance(replaced, (tuple, list)) else (replaced,)
            if len(replaced) != len(grad_input):
                raise RuntimeError(
                    f"backward hook of {type(self.module).__name__} returned "
                    f"{len(replaced)} gradients, expected {len(grad_input)} "
                    "(one per tensor input)"
                )
            grad_input = replaced
        return grad_input
