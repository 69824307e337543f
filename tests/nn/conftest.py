"""Shared helpers for the tests of tinynet.nn: seeded inputs in float64 for gradient checks."""

import numpy as np
import pytest

import tinynet as tn
from tinynet.autograd import gradcheck, gradgradcheck


@pytest.fixture(autouse=True)
def seeded():
    """Every test starts from the same default generator state (initializers, dropout masks)."""
    tn.manual_seed(0)


def float64_leaf(array_or_shape, seed: int = 0, scale: float = 1.0) -> tn.Tensor:
    """A float64 leaf that requires grad: the given values, or normal draws of the given shape."""
    if isinstance(array_or_shape, tuple):
        array = np.random.default_rng(seed).standard_normal(array_or_shape) * scale
    else:
        array = np.asarray(array_or_shape, dtype=np.float64)
    return tn.tensor(array, dtype=tn.float64, requires_grad=True)


def check_gradients(fn, inputs) -> None:
    """First and second derivatives of ``fn`` at ``inputs`` agree with finite differences."""
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)
