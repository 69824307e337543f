"""Each optimizer's update rule: against the formula written by hand, against torch.optim,
convergence on a convex quadratic and progress on Rosenbrock, invalid hyperparameters."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import tinynet as tn
from tests.optim import reference_rules as rules
from tests.optim.reference_rules import THETA0, run_rule, toy_grad
from tinynet import optim

RULES = {
    "SGD": rules.sgd, "Adagrad": rules.adagrad, "Adadelta": rules.adadelta,
    "RMSprop": rules.rmsprop, "Adam": rules.adam, "AdamW": rules.adamw, "NAdam": rules.nadam,
}  # fmt: skip


def case(case_id, name, **hyperparameters):
    return pytest.param(name, hyperparameters, id=case_id)


CASES = [
    case("sgd", "SGD", lr=0.1),
    case("sgd-momentum", "SGD", lr=0.1, momentum=0.9),
    case("sgd-dampening-decay", "SGD", lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.1),
    case("sgd-nesterov", "SGD", lr=0.1, momentum=0.8, nesterov=True, weight_decay=0.01),
    case("sgd-maximize", "SGD", lr=0.05, momentum=0.5, maximize=True),
    case("adagrad", "Adagrad", lr=0.1),
    case("adagrad-all", "Adagrad", lr=0.1, lr_decay=0.05, weight_decay=0.1,
         initial_accumulator_value=0.5, eps=1e-6),
    case("adadelta", "Adadelta"),
    case("adadelta-all", "Adadelta", lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1),
    case("rmsprop", "RMSprop"),
    case("rmsprop-momentum", "RMSprop", lr=0.01, alpha=0.9, momentum=0.5),
    case("rmsprop-centered", "RMSprop", centered=True, weight_decay=0.1),
    case("rmsprop-centered-momentum", "RMSprop", lr=0.02, centered=True, momentum=0.9, eps=1e-3,
         maximize=True),
    case("adam", "Adam", lr=0.1),
    case("adam-decay", "Adam", lr=0.05, betas=(0.8, 0.9), weight_decay=0.1),
    case("adam-amsgrad", "Adam", lr=0.1, amsgrad=True, eps=1e-3),
    case("adam-decoupled", "Adam", lr=0.1, weight_decay=0.1, decoupled_weight_decay=True),
    case("adamw", "AdamW", lr=0.1),
    case("adamw-amsgrad", "AdamW", lr=0.05, weight_decay=0.5, amsgrad=True),
    case("nadam", "NAdam", lr=0.1),
    case("nadam-decay", "NAdam", lr=0.05, momentum_decay=0.01, weight_decay=0.1),
    case("nadam-decoupled", "NAdam", lr=0.05, betas=(0.85, 0.99), weight_decay=0.1,
         decoupled_weight_decay=True),
]  # fmt: skip
STEPS = 6


def run_tinynet(name, hyperparameters, steps=STEPS, dtype=np.float64):
    param = tn.tensor(THETA0.astype(dtype), requires_grad=True)
    optimizer = getattr(optim, name)([param], **hyperparameters)
    trajectory = []
    for _ in range(steps):
        param.grad = tn.tensor(toy_grad(param.detach().numpy()).astype(dtype))
        optimizer.step()
        trajectory.append(param.detach().numpy().copy())
    return np.array(trajectory)


@pytest.mark.parametrize("name, hyperparameters", CASES)
def test_update_matches_the_rule_written_by_hand(name, hyperparameters):
    np.testing.assert_allclose(
        run_tinynet(name, hyperparameters),
        run_rule(RULES[name], hyperparameters, STEPS),
        rtol=1e-10,
        atol=1e-12,
    )


@pytest.fixture
def torch_float64():
    """torch with float64 as the default dtype, so its scalar state (step, NAdam's μ product) is
    float64 too; restored afterwards."""
    torch = pytest.importorskip("torch")
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch
    torch.set_default_dtype(previous)


@pytest.mark.torch
@pytest.mark.parametrize("name, hyperparameters", CASES)
def test_update_matches_torch_optim(torch_float64, name, hyperparameters):
    torch = torch_float64
    param = torch.tensor(THETA0, requires_grad=True)
    optimizer = getattr(torch.optim, name)([param], **hyperparameters)
    expected = []
    for _ in range(STEPS):
        param.grad = torch.tensor(toy_grad(param.detach().numpy()))
        optimizer.step()
        expected.append(param.detach().numpy().copy())
    np.testing.assert_allclose(
        run_tinynet(name, hyperparameters), np.array(expected), rtol=1e-12, atol=1e-14
    )


@pytest.mark.torch
@pytest.mark.parametrize("name", list(RULES))
def test_defaults_match_torch(name):
    torch = pytest.importorskip("torch")
    ours = getattr(optim, name)([tn.tensor([1.0], requires_grad=True)]).defaults
    theirs = getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)]).defaults
    assert {key: theirs[key] for key in ours} == ours


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["SGD", "Adam", "NAdam", "RMSprop"])
def test_parameters_keep_their_dtype(name, dtype):
    trajectory = run_tinynet(name, {"lr": 0.01, "weight_decay": 0.1}, steps=2, dtype=dtype)
    assert trajectory.dtype == dtype


def test_nadam_alias():
    assert optim.Nadam is optim.NAdam


A_DIAGONAL = np.array([1.0, 4.0, 0.25])
MINIMUM = np.array([1.0, -2.0, 0.5])


def quadratic(x):
    """½ Σ a·(x − m)², convex, minimum 0 at m; condition number 16."""
    difference = x - tn.tensor(MINIMUM)
    return (tn.tensor(A_DIAGONAL) * difference * difference).sum() * 0.5


def rosenbrock(p):
    """(1 − x)² + 100·(y − x²)², minimum 0 at (1, 1) at the end of a curved valley."""
    x, y = p[0], p[1]
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def minimize(name, hyperparameters, function, start, steps):
    param = tn.tensor(np.array(start), requires_grad=True)
    optimizer = getattr(optim, name)([param], **hyperparameters)
    for _ in range(steps):
        optimizer.zero_grad()
        function(param).backward()
        optimizer.step()
    return param.detach().numpy()


# (name, settings on the quadratic, settings on Rosenbrock)
CONVERGENCE_CASES = [
    ("SGD", {"lr": 0.3}, {"lr": 1e-3, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True},
     {"lr": 1e-3, "momentum": 0.9, "nesterov": True}),
    ("Adagrad", {"lr": 1.0}, {"lr": 0.5}),
    ("Adadelta", {"lr": 10.0}, {"lr": 10.0}),
    ("RMSprop", {"lr": 0.01}, {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5}, {"lr": 0.003, "momentum": 0.5}),
    ("Adam", {"lr": 0.1}, {"lr": 0.05}),
    ("Adam", {"lr": 0.1, "amsgrad": True}, {"lr": 0.05, "amsgrad": True}),
    ("AdamW", {"lr": 0.1, "weight_decay": 0.0}, {"lr": 0.05, "weight_decay": 1e-4}),
    ("NAdam", {"lr": 0.1}, {"lr": 0.05}),
]  # fmt: skip


@pytest.mark.parametrize(
    "name, quadratic_settings, rosenbrock_settings",
    CONVERGENCE_CASES,
    ids=[f"{case[0]}-{index}" for index, case in enumerate(CONVERGENCE_CASES)],
)
def test_convergence(name, quadratic_settings, rosenbrock_settings):
    found = minimize(name, quadratic_settings, quadratic, [3.0, 2.0, -1.0], 1000)
    np.testing.assert_allclose(found, MINIMUM, atol=1e-3)

    start = np.array([-1.5, 2.0])
    end = minimize(name, rosenbrock_settings, rosenbrock, start, 500)
    assert rosenbrock(tn.tensor(end)).item() < 0.35 * rosenbrock(tn.tensor(start)).item()
    assert np.linalg.norm(end - 1.0) < np.linalg.norm(start - 1.0)


INVALID_SETTINGS = [
    *[(name, {"lr": -0.1}, "lr.*-0.1") for name in RULES],
    *[(name, {"weight_decay": -1e-4}, "weight_decay.*-0.0001") for name in RULES],
    ("SGD", {"momentum": -0.5}, "momentum.*-0.5"),
    ("SGD", {"nesterov": True}, "Nesterov momentum requires a momentum"),
    ("SGD", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "zero dampening"),
    ("Adagrad", {"lr_decay": -1.0}, "lr_decay"),
    ("Adagrad", {"initial_accumulator_value": -1.0}, "initial_accumulator_value"),
    ("Adagrad", {"eps": -1.0}, "eps"),
    ("Adadelta", {"rho": 1.5}, "rho.*1.5"),
    ("RMSprop", {"alpha": -0.1}, "alpha"),
    ("RMSprop", {"momentum": -0.1}, "momentum"),
    ("Adam", {"betas": (1.0, 0.999)}, "beta parameter at index 0: 1.0"),
    ("AdamW", {"betas": (0.9, -0.1)}, "beta parameter at index 1: -0.1"),
    ("NAdam", {"momentum_decay": -0.1}, "momentum_decay"),
    ("Adam", {"eps": -1e-8}, "eps"),
    ("Adam", {"lr": float("nan")}, "lr.*nan"),
]


@pytest.mark.parametrize(
    "name, settings, message",
    INVALID_SETTINGS,
    ids=[f"{case[0]}-{'-'.join(case[1])}" for case in INVALID_SETTINGS],
)
def test_invalid_hyperparameters_raise_value_error(name, settings, message):
    with pytest.raises(ValueError, match=message):
        getattr(optim, name)([tn.tensor([1.0], requires_grad=True)], **settings)


HYPERPARAMETER_STRATEGIES = {
    "SGD": st.fixed_dictionaries(
        {"lr": st.floats(0.0, 0.5), "momentum": st.sampled_from([0.0, 0.5, 0.9]),
         "dampening": st.floats(0.0, 0.9), "weight_decay": st.floats(0.0, 0.2),
         "maximize": st.booleans()}
    ),
    "Adagrad": st.fixed_dictionaries(
        {"lr": st.floats(0.0, 0.5), "lr_decay": st.floats(0.0, 0.2),
         "weight_decay": st.floats(0.0, 0.2), "initial_accumulator_value": st.floats(0.0, 1.0),
         "eps": st.floats(1e-10, 1e-3)}
    ),
    "Adadelta": st.fixed_dictionaries(
        {"lr": st.floats(0.0, 2.0), "rho": st.floats(0.0, 1.0), "eps": st.floats(1e-8, 1e-3),
         "weight_decay": st.floats(0.0, 0.2)}
    ),
    "RMSprop": st.fixed_dictionaries(
        {"lr": st.floats(0.0, 0.1), "alpha": st.floats(0.5, 0.999), "eps": st.floats(1e-8, 1e-3),
         "momentum": st.sampled_from([0.0, 0.9]), "centered": st.booleans(),
         "weight_decay": st.floats(0.0, 0.2)}
    ),
    "Adam": st.fixed_dictionaries(
        {"lr": st.floats(0.0, 0.5), "betas": st.tuples(st.floats(0.0, 0.99), st.floats(0.0, 0.999)),
         "eps": st.floats(1e-8, 1e-3), "weight_decay": st.floats(0.0, 0.2),
         "amsgrad": st.booleans(), "decoupled_weight_decay": st.booleans()}
    ),
    "NAdam": st.fixed_dictionaries(
        {"lr": st.floats(0.0, 0.5), "betas": st.tuples(st.floats(0.0, 0.99), st.floats(0.0, 0.999)),
         "eps": st.floats(1e-8, 1e-3), "weight_decay": st.floats(0.0, 0.2),
         "momentum_decay": st.floats(0.0, 0.1), "decoupled_weight_decay": st.booleans()}
    ),
}  # fmt: skip


@pytest.mark.torch
@pytest.mark.parametrize("name", list(HYPERPARAMETER_STRATEGIES))
@given(data=st.data())
def test_random_hyperparameters_match_torch(name, data):
    torch = pytest.importorskip("torch")
    hyperparameters = data.draw(HYPERPARAMETER_STRATEGIES[name], label="hyperparameters")
    grads = data.draw(arrays(np.float64, (3, 4), elements=st.floats(-10, 10)), label="gradient")
    start = data.draw(arrays(np.float64, 4, elements=st.floats(-3, 3)), label="start")
    ours = tn.tensor(start.copy(), requires_grad=True)
    theirs = torch.tensor(start.copy(), requires_grad=True)
    our_optimizer = getattr(optim, name)([ours], **hyperparameters)
    their_optimizer = getattr(torch.optim, name)([theirs], **hyperparameters)
    previous_dtype = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        for grad in grads:
            ours.grad, theirs.grad = tn.tensor(grad), torch.tensor(grad)
            our_optimizer.step()
            their_optimizer.step()
    finally:
        torch.set_default_dtype(previous_dtype)
    np.testing.assert_allclose(
        ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12
    )
