"""Containers: Sequential (a pipeline), ModuleList and ModuleDict (registered collections of
modules), ParameterList and ParameterDict (registered collections of parameters)."""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping

from tinynet.nn.module import Module
from tinynet.nn.parameter import Parameter
from tinynet.tensor import Tensor


def _checked_index(container: Module, index: int) -> int:
    """``index`` (negative counts from the end) as a position in ``container``."""
    size = len(container)
    index = operator.index(index)
    if not -size <= index < size:
        raise IndexError(
            f"index {index} is out of range for {type(container).__name__} of length {size}"
        )
    return index % size


class Sequential(Module):
    """Calls its modules in order, each on the previous one's output. Built from modules
    (named "0", "1", ...) or from one OrderedDict of names to modules; state_dict keys are
    ``0.weight``, ``1.bias``, ... as in PyTorch."""

    def __init__(self, *args: Module | OrderedDict):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for index, module in enumerate(args):
                self.add_module(str(index), module)

    def forward(self, input):
        for module in self._modules.values():
            input = module(input)
        return input

    def _index(self, index: int) -> int:
        return _checked_index(self, index)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return type(self)(OrderedDict(list(self._modules.items())[index]))
        return list(self._modules.values())[self._index(index)]

    def __setitem__(self, index: int, module: Module) -> None:
        name = list(self._modules)[self._index(index)]
        setattr(self, name, module)

    def __delitem__(self, index) -> None:
        names = list(self._modules)
        chosen = names[index] if isinstance(index, slice) else [names[self._index(index)]]
        for name in chosen:
            delattr(self, name)
        # renumber, so that the keys stay "0", "1", ... like PyTorch's
        modules = list(self._modules.values())
        for name in list(self._modules):
            delattr(self, name)
        for position, module in enumerate(modules):
            self.add_module(str(position), module)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> Sequential:
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> Sequential:
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> Sequential:
        modules = list(self._modules.values())
        modules.insert(index, module)
        for name in list(self._modules):
            delattr(self, name)
        for position, item in enumerate(modules):
            self.add_module(str(position), item)
        return self


class ModuleList(Module):
    """A list of modules whose parameters are registered (a plain Python list would hide them
    from ``parameters()`` and ``state_dict()``). Keys are "0", "1", ..."""

    def __init__(self, modules: Iterable[Module] | None = None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def _index(self, index: int) -> int:
        return _checked_index(self, index)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return type(self)(list(self._modules.values())[index])
        return self._modules[str(self._index(index))]

    def __setitem__(self, index: int, module: Module) -> None:
        setattr(self, str(self._index(index)), module)

    def __delitem__(self, index) -> None:
        modules = list(self._modules.values())
        del modules[index if isinstance(index, slice) else self._index(index)]
        for name in list(self._modules):
            delattr(self, name)
        self.extend(modules)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __iadd__(self, modules: Iterable[Module]):
        return self.extend(modules)

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        if isinstance(modules, Module) or not isinstance(modules, Iterable):
            raise TypeError(
                f"ModuleList.extend should be called with an iterable of modules, "
                f"got {type(modules).__name__}"
            )
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        modules = list(self._modules.values())
        modules.insert(index, module)
        for name in list(self._modules):
            delattr(self, name)
        self.extend(modules)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(
            "ModuleList has no forward(): iterate over it and call each module"
        )


class ModuleDict(Module):
    """A dict of modules whose parameters are registered, in insertion order; keys are the
    state_dict prefixes."""

    def __init__(self, modules: Mapping[str, Module] | Iterable | None = None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: str) -> bool:
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def items(self):
        return self._modules.items()

    def values(self):
        return self._modules.values()

    def pop(self, key: str) -> Module:
        module = self._modules[key]
        delattr(self, key)
        return module

    def clear(self) -> None:
        for key in list(self._modules):
            delattr(self, key)

    def update(self, modules: Mapping[str, Module] | Iterable) -> None:
        pairs = modules.items() if isinstance(modules, Mapping) else modules
        for key, module in pairs:
            self[key] = module

    def forward(self, *args, **kwargs):
        raise NotImplementedError(
            "ModuleDict has no forward(): look modules up by key and call them"
        )


def _as_parameter(value):
    """Tensors become Parameters (as in PyTorch's ParameterList/ParameterDict); anything else is
    kept as it is."""
    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        return Parameter(value)
    return value


class ParameterList(Module):
    """A list of Parameters registered under the names "0", "1", ... (so ``parameters()``,
    ``state_dict()`` and optimizers see them); plain tensors assigned to it become Parameters.
    Not callable: it holds parameters for a module's own forward."""

    def __init__(self, values: Iterable | None = None):
        super().__init__()
        self._size = 0
        if values is not None:
            self += values

    def _index(self, index: int) -> int:
        return _checked_index(self, index)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return ParameterList([self[i] for i in range(len(self))[index]])
        return getattr(self, str(self._index(index)))

    def __setitem__(self, index: int, value) -> None:
        setattr(self, str(self._index(index)), _as_parameter(value))

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator:
        return iter(self[i] for i in range(len(self)))

    def __iadd__(self, values: Iterable):
        return self.extend(values)

    def __dir__(self):
        return [key for key in super().__dir__() if not key.isdigit()]

    def append(self, value) -> ParameterList:
        self._size += 1
        self[self._size - 1] = value
        return self

    def extend(self, values: Iterable) -> ParameterList:
        if isinstance(values, (Tensor, str)) or not isinstance(values, Iterable):
            raise TypeError(f"ParameterList.extend should be called with an iterable, but got "
                            f"{type(values).__name__}")
        for value in values:
            self.append(value)
        return self

    def __call__(self, *args, **kwargs):
        raise RuntimeError("ParameterList should not be called.")

    def extra_repr(self) -> str:
        lines = []
        for i, value in enumerate(self):
            if isinstance(value, Tensor):
                kind = "Parameter" if isinstance(value, Parameter) else "Tensor"
                size = "x".join(str(s) for s in value.shape)
                lines.append(f"({i}): {kind} containing: [{value.dtype} of size {size}]")
            else:
                lines.append(f"({i}): Object of type: {type(value).__name__}")
        return "\n".join(lines)


class ParameterDict(Module):
    """An ordered dict of Parameters registered under their (string) keys; plain tensors assigned
    to it become Parameters. Not callable."""

    def __init__(self, parameters=None):
        super().__init__()
        self._keys: dict = {}
        if parameters is not None:
            self.update(parameters)

    @staticmethod
    def _key(key) -> str:
        if not isinstance(key, str):
            raise TypeError(f"ParameterDict keys must be strings, got {type(key).__name__}")
        return key

    def __getitem__(self, key: str):
        if key not in self._keys:
            raise KeyError(key)
        return getattr(self, self._key(key))

    def __setitem__(self, key: str, value) -> None:
        self._keys[self._key(key)] = None
        setattr(self, key, _as_parameter(value))

    def __delitem__(self, key: str) -> None:
        del self._keys[key]
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __reversed__(self) -> Iterator[str]:
        return reversed(list(self._keys))

    def __contains__(self, key) -> bool:
        return key in self._keys

    def keys(self):
        return self._keys.keys()

    def items(self):
        return [(key, self[key]) for key in self._keys]

    def values(self):
        return [self[key] for key in self._keys]

    def get(self, key: str, default=None):
        if key in self._keys:
            return self[key]
        return default

    def setdefault(self, key: str, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def pop(self, key: str):
        value = self[key]
        del self[key]
        return value

    def popitem(self):
        if not self._keys:
            raise KeyError("popitem(): ParameterDict is empty")
        key = list(self._keys)[-1]
        return key, self.pop(key)

    def clear(self) -> None:
        for key in list(self._keys):
            del self[key]

    def copy(self) -> ParameterDict:
        return ParameterDict(self.items())

    def fromkeys(self, keys: Iterable[str], default=None) -> ParameterDict:
        return ParameterDict((key, default) for key in keys)

    def update(self, parameters) -> None:
        if isinstance(parameters, (Mapping, ParameterDict)):
            pairs = parameters.items()
        elif isinstance(parameters, Iterable) and not isinstance(parameters, (str, Tensor)):
            pairs = list(parameters)
            for j, pair in enumerate(pairs):
                if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                    raise ValueError(f"ParameterDict update sequence element #{j} should be a "
                                     f"(key, value) pair")
        else:
            raise TypeError(f"ParameterDict.update should be called with an iterable of "
                            f"key/value pairs, but got {type(parameters).__name__}")
        for key, value in pairs:
            self[key] = value

    def __or__(self, other: ParameterDict) -> ParameterDict:
        merged = self.copy()
        merged.update(other)
        return merged

    def __ior__(self, other):
        self.update(other)
        return self

    def __call__(self, *args, **kwargs):
        raise RuntimeError("ParameterDict should not be called.")

    def extra_repr(self) -> str:
        lines = []
        for key, value in self.items():
            if isinstance(value, Tensor):
                size = "x".join(str(s) for s in value.shape)
                lines.append(f"({key}): Parameter containing: [{value.dtype} of size {size}]")
            else:
                lines.append(f"({key}): Object of type: {type(value).__name__}")
        return "\n".join(lines)
