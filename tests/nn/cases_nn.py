"""OpCases for the Functions in tinynet/ops/nn_ops.py, in the format of tests/ops/cases_core.py,
so that the op table (and its completeness test) can include them: ``CORE_CASES + NN_CASES``.
tests/nn/test_activations.py and test_losses.py run them too."""

from __future__ import annotations

from hypothesis import strategies as st

from tests.ops.cases_core import OpCase, no_params
from tests.strategies import arrays, shapes, unary
from tinynet.ops import nn_ops


@st.composite
def probabilities_and_targets(draw):
    """(x, y) of one shape: x in (0, 1) away from the clamped ends, y in [0, 1]."""
    shape = draw(shapes(max_dims=2))
    return draw(arrays(shape, 0.05, 0.95)), draw(arrays(shape, 0.0, 1.0))


def identity_with_backward_hook(x):
    """The op modules wrap around inputs and outputs for full backward hooks."""
    (y,) = nn_ops.BackwardHook.apply(x, on_backward=lambda grads: None)
    return y * 1.0


NN_CASES = [
    OpCase("softplus", nn_ops.softplus, no_params(unary(low=-20.0, high=20.0))),
    OpCase("erf", nn_ops.erf, no_params(unary())),
    OpCase("step", nn_ops.step, no_params(unary(avoid=[0.0]))),
    OpCase(
        "binary_cross_entropy", nn_ops.binary_cross_entropy, no_params(probabilities_and_targets())
    ),
    OpCase("backward_hook", identity_with_backward_hook, no_params(unary())),
]
