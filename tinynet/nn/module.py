"""Module: the base class of layers and models.

A Module owns Parameters, buffers (tensors that are state but not learned, e.g. running means)
and child Modules, each registered by plain attribute assignment (``self.fc = Linear(2, 3)``).
Everything else — ``parameters()``, ``state_dict()``, ``train()``, ``to(dtype)`` — walks that tree.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable, Iterator

import numpy as np

from tinynet import dtypes
from tinynet.autograd.grad_mode import is_grad_enabled
from tinynet.autograd.provenance import state as provenance
from tinynet.nn.hooks import BackwardHookState, RemovableHandle
from tinynet.nn.parameter import Parameter
from tinynet.nn.state_dict import IncompatibleKeys, load_into, saved_members
from tinynet.runtime.scope import scope as runtime_scope
from tinynet.tensor import Tensor


class Module:
    """Base class of every layer: subclass it, assign Parameters and sub-Modules in ``__init__``
    (after ``super().__init__()``), and write ``forward``. Call the module, not ``forward``, so
    that hooks run."""

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_backward_hooks", OrderedDict())

    def forward(self, *args, **kwargs):
        raise NotImplementedError(
            f"{type(self).__name__} has no forward(); define it in the subclass"
        )

    # Registration ------------------------------------------------------------------------------
    def __setattr__(self, name: str, value) -> None:
        """Register Parameters, Modules and (already registered) buffers, then store normally."""
        if "_parameters" not in self.__dict__:
            if isinstance(value, (Parameter, Module)):
                raise AttributeError(
                    f"cannot assign {type(value).__name__} {name!r} before "
                    f"Module.__init__() call: call super().__init__() first"
                )
            object.__setattr__(self, name, value)
            return
        parameters, buffers, modules = self._parameters, self._buffers, self._modules
        if isinstance(value, Parameter):
            self._forget(name, keep=parameters)  # a replaced parameter keeps its place
            parameters[name] = value
        elif isinstance(value, Module):
            self._forget(name, keep=modules)  # a replaced child keeps its place (Sequential)
            modules[name] = value
        elif getattr(value, "_is_buffer", False):  # an nn.Buffer: registered as a buffer
            self.register_buffer(name, value, getattr(value, "persistent", True))
            return
        elif name in parameters:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as parameter {name!r} "
                    "(a Parameter or None is expected)"
                )
            parameters[name] = None
        elif name in modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as child module {name!r} "
                    "(a Module or None is expected)"
                )
            modules[name] = None
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign {type(value).__name__} as buffer {name!r} "
                    "(a Tensor or None is expected)"
                )
            buffers[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._forget(name)
        object.__delattr__(self, name)

    def _forget(self, name: str, keep: dict | None = None) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            if registry is not keep:
                registry.pop(name, None)
        self._non_persistent_buffers.discard(name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        self._check_new_name(name, "parameter", "_parameters")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot register {type(param).__name__} as parameter {name!r} "
                "(a Parameter or None is expected)"
            )
        self._forget(name)
        self._parameters[name] = param
        object.__setattr__(self, name, param)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Register ``tensor`` as state that is saved (``persistent``) but not learned."""
        self._check_new_name(name, "buffer", "_buffers")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot register {type(tensor).__name__} as buffer {name!r} "
                "(a Tensor or None is expected)"
            )
        self._forget(name)
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent_buffers.add(name)
        object.__setattr__(self, name, tensor)

    def add_module(self, name: str, module: Module | None) -> None:
        self._check_new_name(name, "module", "_modules")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._forget(name)
        self._modules[name] = module
        object.__setattr__(self, name, module)

    register_module = add_module

    def _check_new_name(self, name, kind, registry) -> None:
        """A name may be registered again as the same kind, never over another attribute."""
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot register a {kind} before Module.__init__() call")
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"{kind} name must be a non-empty string without '.', got {name!r}")
        if hasattr(self, name) and name not in getattr(self, registry):
            raise KeyError(f"attribute {name!r} already exists")

    def get_submodule(self, target: str) -> Module:
        module = self
        for part in target.split(".") if target else []:
            if part not in module._modules or module._modules[part] is None:
                raise AttributeError(
                    f"{type(module).__name__} has no submodule {part!r} (looking up {target!r})"
                )
            module = module._modules[part]
        return module

    # Walking the tree --------------------------------------------------------------------------
    def named_modules(
        self, memo: set | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """(dotted name, module) for this module and every descendant, depth first."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                child_prefix = f"{prefix}.{name}" if prefix else name
                yield from child.named_modules(memo, child_prefix, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        return (module for _, module in self.named_modules())

    def named_children(self) -> Iterator[tuple[str, Module]]:
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator[Module]:
        return (child for _, child in self.named_children())

    def _named_members(
        self,
        members_of: Callable,
        prefix: str = "",
        recurse: bool = True,
        remove_duplicate: bool = True,
    ) -> Iterator[tuple[str, Tensor]]:
        """(dotted name, tensor) for the members ``members_of(module)`` lists, over this module
        (and its descendants if ``recurse``), skipping None and (if asked) repeats."""
        seen = set()
        modules = (
            self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
            if recurse
            else [(prefix, self)]
        )
        for module_prefix, module in modules:
            for name, member in members_of(module):
                if member is None or (remove_duplicate and id(member) in seen):
                    continue
                seen.add(id(member))
                yield (f"{module_prefix}.{name}" if module_prefix else name), member

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        return self._named_members(
            lambda module: module._parameters.items(), prefix, recurse, remove_duplicate
        )

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        return (param for _, param in self.named_parameters(recurse=recurse))

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        return self._named_members(
            lambda module: module._buffers.items(), prefix, recurse, remove_duplicate
        )

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        return (buffer for _, buffer in self.named_buffers(recurse=recurse))

    # State -------------------------------------------------------------------------------------
    def state_dict(
        self, destination=None, prefix: str = "", keep_vars: bool = False
    ) -> OrderedDict:
        """Parameters and persistent buffers by dotted name (PyTorch's keys: ``0.weight``,
        ``bn.running_mean``), shared tensors under every name. The values share memory with the
        module but are detached (``keep_vars=True`` gives the Parameters themselves)."""
        destination = OrderedDict() if destination is None else destination
        for name, tensor in self._named_members(saved_members, prefix, remove_duplicate=False):
            destination[name] = tensor if keep_vars else tensor.detach()
        return destination

    def load_state_dict(self, state_dict, strict: bool = True) -> IncompatibleKeys:
        """Copy ``state_dict``'s tensors into this module's parameters and buffers, in place.

        Every key, shape and dtype is checked first: if any key is missing or unexpected (with
        ``strict``), any shape differs or a dtype cannot be cast (a float into an integer buffer),
        one RuntimeError names all of them and nothing is written. Returns the missing and
        unexpected keys (both empty after a strict load).
        """
        return load_into(self, state_dict, strict)

    # Modes and conversions ---------------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        if not isinstance(mode, bool):
            # a ValueError, as PyTorch raises
            raise ValueError(f"training mode is expected to be a bool, got {mode!r}")  # noqa: TRY004
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set ``requires_grad`` on every parameter (``False`` freezes the module)."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        for param in self.parameters():
            if param.grad is None:
                continue
            if set_to_none:
                param.grad = None
            else:
                param.grad = Tensor._make(np.zeros_like(param.grad._data))

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call ``fn`` on every descendant, then on this module (e.g. a custom initializer)."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def to(self, *args, **kwargs) -> Module:
        """Convert every floating-point parameter and buffer to ``dtype``, in place (the same
        Parameter objects, so an optimizer built before still holds them), with the argument
        forms of ``Tensor.to``: ``to(dtype)``, ``to(device)``, ``to(device, dtype)``,
        ``to(tensor)``, and the keywords ``device``, ``dtype``, ``non_blocking``. Integer buffers
        such as ``num_batches_tracked`` keep their dtype. The device may only be the CPU (any
        other is refused by name)."""
        from tinynet.tensor_conversions import _parse_to

        dtype, _ = _parse_to(args, dict(kwargs))
        if dtype is None:
            return self
        dtype = dtypes.as_dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"nn.Module.to only accepts floating point dtypes, but got desired "
                            f"dtype={dtypes.dtype_name(dtype)}")
        return self._cast_floats(dtype)

    def _cast_floats(self, dtype) -> Module:
        tensors = itertools.chain(self.parameters(), self.buffers())
        for tensor in tensors:
            if tensor.dtype.kind == "f" and tensor.dtype != dtype:
                tensor._data = tensor._data.astype(dtype)
                tensor._version += 1
                if tensor.grad is not None:
                    tensor.grad = Tensor._make(tensor.grad._data.astype(dtype))
        return self

    def float(self) -> Module:
        return self.to(dtypes.float32)

    def double(self) -> Module:
        return self.to(dtypes.float64)

    def half(self) -> Module:
        return self.to(dtypes.float16)

    def type(self, dst_type) -> Module:
        """Every parameter and buffer in ``dst_type`` (a dtype or a legacy type such as
        ``FloatTensor``), integer buffers included, as PyTorch's ``Module.type``."""
        if hasattr(dst_type, "dtype") and isinstance(dst_type, type):
            dst_type = dst_type.dtype
        dtype = dtypes.as_dtype(dst_type)
        for tensor in itertools.chain(self.parameters(), self.buffers()):
            if tensor.dtype != dtype:
                tensor._data = tensor._data.astype(dtype)
                tensor._version += 1
        return self

    def cpu(self) -> Module:
        """The module itself: its tensors are on the CPU already."""
        return self

    def cuda(self, device=None) -> Module:
        """Refused: tinynet runs on the CPU only."""
        from tinynet.device import CPUOnlyError

        raise CPUOnlyError("Module.cuda(): tinynet runs on the CPU only (no CUDA device); use "
                           "model.to(device) with device 'cpu'")

    # Calling and hooks -------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        """Run ``forward`` with the hooks; the graph nodes it records remember this module
        (``grad_fn.module_path``)."""
        caller = provenance.frame
        provenance.frame = (self, caller)
        if provenance.recorder is not None:
            provenance.recorder.modules[id(self)] = self
        try:
            if caller is None:  # the outermost module call: tinynet's runtime settings apply
                with runtime_scope():
                    return self._call_with_hooks(args, kwargs)
            return self._call_with_hooks(args, kwargs)
        finally:
            provenance.frame = caller

    def _call_with_hooks(self, args, kwargs):
        if not (self._forward_pre_hooks or self._backward_hooks or self._forward_hooks):
            return self.forward(*args, **kwargs)
        for hook in list(self._forward_pre_hooks.values()):
            replaced = hook(self, args)
            if replaced is not None:
                args = replaced if isinstance(replaced, tuple) else (replaced,)
        backward_state = None
        if self._backward_hooks and is_grad_enabled():
            backward_state = BackwardHookState(self, self._backward_hooks)
            args = backward_state.wrap_inputs(args)
        output = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            replaced = hook(self, args, output)
            if replaced is not None:
                output = replaced
        if backward_state is not None:
            output = backward_state.wrap_outputs(output)
        return output

    def register_forward_pre_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(module, args)`` runs before ``forward``; returning a value replaces ``args``."""
        return RemovableHandle.add(self._forward_pre_hooks, hook)

    def register_forward_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(module, args, output)`` runs after ``forward``; a returned value replaces
        ``output``."""
        return RemovableHandle.add(self._forward_hooks, hook)

    def register_full_backward_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(module, grad_input, grad_output)`` runs when the gradients with respect to the
        module's tensor inputs are computed: ``grad_output`` holds the gradients of the outputs,
        ``grad_input`` those of the positional tensor inputs (None where an input needs none).
        Returning a tuple replaces ``grad_input``. The gradients are Tensors; do not change them
        in place."""
        return RemovableHandle.add(self._backward_hooks, hook)

    # Printing ----------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The constructor arguments to show inside ``Name(...)``; layers override it."""
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        extra_lines = self.extra_repr().split("\n") if self.extra_repr() else []
        child_lines = [
            f"({name}): " + repr(child).replace("\n", "\n  ")
            for name, child in self._modules.items()
        ]
        if len(extra_lines) == 1 and not child_lines:
            return f"{self._get_name()}({extra_lines[0]})"
        lines = extra_lines + child_lines
        body = "\n  " + "\n  ".join(lines) + "\n" if lines else ""
        return f"{self._get_name()}({body})"
