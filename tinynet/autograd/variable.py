"""``Variable``: the wrapper older PyTorch code puts around tensors, which PyTorch keeps as a
no-op now that every tensor takes part in autograd."""

from __future__ import annotations

import warnings

from tinynet import tensor as tensor_module


class _VariableMeta(type):
    def __instancecheck__(cls, instance) -> bool:
        return isinstance(instance, tensor_module.Tensor)


class Variable(metaclass=_VariableMeta):
    """``Variable(tensor, requires_grad=False)``: a tensor sharing ``tensor``'s data, outside any
    graph, that requires grad if asked (as PyTorch's ``Variable`` today). Every tensor is an
    instance of ``Variable``. ``volatile`` is ignored with a warning, as in PyTorch."""

    def __new__(cls, data, requires_grad=False, volatile=False):
        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with "
                          "tinynet.no_grad():` instead.", UserWarning, stacklevel=2)
        if not isinstance(data, tensor_module.Tensor):
            raise TypeError(f"Variable(data): data must be a Tensor, got {type(data).__name__}")
        result = data.detach()
        result.requires_grad = requires_grad
        return result
