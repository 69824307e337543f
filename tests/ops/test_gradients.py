"""Every case of the table tinynet.gradcheck_cases: backward against finite differences
(gradcheck) and double backward (gradgradcheck), at seeds that hypothesis chooses (seed 0, the one
``tinynet gradcheck`` uses, always among them; a failing seed S is rerun with
``tinynet gradcheck NAME --seed S``); and a check that together the cases reach every Function in
tinynet.ops."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import numpy as np
import pytest
from hypothesis import example, given

import tinynet as tn
import tinynet.ops
from tests.ops.case_strategies import seeds
from tinynet.autograd import Function, gradcheck, gradgradcheck
from tinynet.gradcheck_cases import CASES

# Functions whose gradient a finite-difference check cannot see, each with the test that checks it.
CHECKED_ELSEWHERE = {
    "Cast": "tests/ops/test_forward.py::test_cast_between_floats_passes_gradient_back",
}


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
@given(seed=seeds)
@example(seed=0)
def test_backward_matches_finite_differences(case, seed):
    assert gradcheck(*case.make(seed))


@pytest.mark.parametrize("case", [c for c in CASES if c.gradgrad], ids=lambda case: case.name)
@given(seed=seeds)
@example(seed=0)
def test_double_backward_matches_finite_differences(case, seed):
    assert gradgradcheck(*case.make(seed))


def test_case_names_are_unique():
    names = [case.name for case in CASES]
    assert sorted(n for n in set(names) if names.count(n) > 1) == []


def test_a_seed_draws_the_same_inputs_every_time():
    for case in CASES:
        (first, first_params), (second, second_params) = case.inputs(5), case.inputs(5)
        assert all(np.array_equal(a, b) for a, b in zip(first, second)), case.name
        assert repr(first_params) == repr(second_params), case.name


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
    """Function classes a case's forward and its recorded backward pass use, over a few seeds."""
    reached = set()
    for seed in range(4):
        fn, inputs = case.make(seed)
        outputs = fn(*inputs)
        outputs = [o for o in (outputs if isinstance(outputs, tuple) else (outputs,))
                   if o.requires_grad]
        reached |= _function_classes(outputs)
        if outputs:
            grads = tn.autograd.grad(outputs, inputs,
                                     [tn.ones_like(o, requires_grad=True) for o in outputs],
                                     create_graph=True, allow_unused=True)
            reached |= _function_classes([g for g in grads if g is not None and g.requires_grad])
    return reached


def _functions_in_ops() -> set:
    """Every Function class defined in a module of the tinynet.ops package."""
    modules = [importlib.import_module(info.name) for info in
               pkgutil.walk_packages(tinynet.ops.__path__, "tinynet.ops.")]
    return {obj for module in modules for obj in vars(module).values()
            if inspect.isclass(obj) and issubclass(obj, Function) and obj is not Function
            and obj.__module__ == module.__name__}


def test_every_function_in_ops_has_a_case():
    functions = _functions_in_ops()
    assert {"Add", "Sum", "Reshape", "GetItem", "MatMul"} <= {f.__name__ for f in functions}
    reached = set().union(*(_reached_by(case) for case in CASES))
    missing = sorted(f.__name__ for f in functions - reached if f.__name__ not in CHECKED_ELSEWHERE)
    assert not missing, f"Functions with no case reaching them: {missing}"


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
