"""Case: one entry of the gradient-check table (see tinynet/gradcheck_cases/__init__.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Case:
    """``fn(*inputs, **params)`` with ``(arrays, params) = draw(rng)``; ``gradgrad`` says whether
    its second derivatives are checked too."""

    name: str
    fn: Callable
    draw: Callable[[np.random.Generator], tuple]
    gradgrad: bool = True

    def inputs(self, seed: int = 0) -> tuple:
        """(arrays, params) drawn with ``np.random.default_rng(seed)``."""
        return self.draw(np.random.default_rng(seed))

    def make(self, seed: int = 0) -> tuple:
        """(f, tensors): f of the float64 input tensors (which require grad), params bound."""
        from tinynet.tensor import tensor

        arrays, params = self.inputs(seed)
        tensors = [tensor(a, dtype="float64", requires_grad=True) for a in arrays]
        return (lambda *xs: self.fn(*xs, **params)), tensors
