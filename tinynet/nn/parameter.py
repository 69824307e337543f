"""Parameter: a Tensor that a Module registers as one of its learnable weights."""

from __future__ import annotations

import numpy as np

from tinynet import dtypes
from tinynet.tensor import Tensor, tensor


class Parameter(Tensor):
    """A leaf Tensor with ``requires_grad=True`` that, assigned to a Module attribute, is registered
    in the module's ``_parameters`` (so ``parameters()``, ``state_dict()`` and optimizers see it).

    ``Parameter(tensor)`` shares ``tensor``'s memory, as in PyTorch. Results of ops on a Parameter
    are plain Tensors. Parameters hash by identity, so they key optimizer state and sets.
    """

    def __init__(self, data=None, requires_grad: bool = True):
        if data is None:
            array = np.zeros((0,), dtypes.default_float_dtype)
        elif isinstance(data, Tensor):
            array = data._data
        else:
            array = tensor(data)._data
        self._setup(array, False, None)
        self.requires_grad = requires_grad

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        # only the data, grad and flag: never the graph bookkeeping (grad accumulator, hooks)
        copied = Parameter(Tensor._make(self._data.copy()), self.requires_grad)
        if self.grad is not None:
            copied.grad = Tensor._make(self.grad._data.copy())
        memo[id(self)] = copied
        return copied
