"""Every op's backward against finite differences (gradcheck) and its double backward
(gradgradcheck), on hypothesis-drawn shapes, broadcasting patterns, dims and indices."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinynet as tn
import tinynet.ops
from tests.nn.cases_nn import NN_CASES
from tests.ops.cases_conv import CONV_CASES
from tests.ops.cases_core import CORE_CASES
from tinynet.autograd import Function, gradcheck, gradgradcheck

OP_CASES = CORE_CASES + NN_CASES + CONV_CASES

# Functions whose gradient a finite-difference check cannot see, each with the test that checks it.
CHECKED_ELSEWHERE = {
    "Cast": "tests/ops/test_forward.py::test_cast_between_floats_passes_gradient_back",
}


def as_inputs(arrays):
    return [tn.tensor(a, dtype=tn.float64, requires_grad=True) for a in arrays]


@pytest.mark.parametrize("case", OP_CASES, ids=lambda case: case.name)
@given(data=st.data())
def test_backward_matches_finite_differences(case, data):
    arrays, params = data.draw(case.inputs)
    assert gradcheck(lambda *xs: case.fn(*xs, **params), as_inputs(arrays))


@pytest.mark.parametrize("case", [c for c in OP_CASES if c.gradgrad], ids=lambda case: case.name)
@given(data=st.data())
def test_double_backward_matches_finite_differences(case, data):
    arrays, params = data.draw(case.inputs)
    assert gradgradcheck(lambda *xs: case.fn(*xs, **params), as_inputs(arrays))


def _function_classes(output_tensors) -> set:
    """The Function classes of every node in the graphs behind ``output_tensors``."""
    seen, stack, found = set(), [t.grad_fn for t in output_tensors if t.grad_fn], set()
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        if hasattr(node, "function"):
            found.add(node.function)
        stack.extend(next_node for next_node, _ in node.next_functions)
    return found


def _reached_by(case) -> set:
    """Function classes a case's forward and its recorded backward pass use."""
    reached = set()
    for _ in range(4):
        with warnings.catch_warnings():  # .example() warns that it is meant for interactive use
            warnings.simplefilter("ignore")
            arrays, params = case.inputs.example()
        inputs = as_inputs(arrays)
        outputs = case.fn(*inputs, **params)
        outputs = [o for o in (outputs if isinstance(outputs, tuple) else (outputs,))
                   if o.requires_grad]
        reached |= _function_classes(outputs)
        if outputs:
            grads = tn.autograd.grad(outputs, inputs, [tn.ones_like(o, requires_grad=True) for o in outputs],
                                     create_graph=True, allow_unused=True)
            reached |= _function_classes([g for g in grads if g is not None and g.requires_grad])
    return reached


def test_every_function_in_ops_has_a_case():
    functions = {
        obj for module in vars(tinynet.ops).values() if inspect.ismodule(module)
        for obj in vars(module).values()
        if inspect.isclass(obj) and issubclass(obj, Function) and obj is not Function
        and obj.__module__.startswith("tinynet.ops")
    }
    reached = set().union(*(_reached_by(case) for case in OP_CASES))
    missing = sorted(f.__name__ for f in functions - reached if f.__name__ not in CHECKED_ELSEWHERE)
    assert not missing, f"Functions with no OpCase reaching them: {missing}"


def test_gradcheck_catches_a_backward_that_ignores_its_incoming_gradient():
    class Square(Function):
        @staticmethod
        def forward(ctx, x):
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.inputs
            return 2 * x  # wrong: forgot "grad *"

    x = tn.tensor(np.linspace(-1, 1, 5), dtype=tn.float64, requires_grad=True)
    with pytest.raises(tn.autograd.GradcheckError, match=r"input 0 .* element"):
        gradcheck(Square.apply, [x])
