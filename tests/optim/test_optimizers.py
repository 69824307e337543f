"""Optimizers: update rules against hand-written formulas and torch.optim, param groups,
state_dict resume, convergence, errors."""

import copy

import numpy as np
import pytest

import tinynet as tn
from tests.optim import reference_rules as rules
from tinynet import optim

THETA0 = np.array([[1.0, -2.0, 0.3], [-0.7, 0.9, 1.2]])
TARGET = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]])
CURVATURE = np.array([[1.0, 2.0, 0.5], [3.0, 1.5, 0.8]])


def toy_grad(theta):
    """The gradient of a small non-quadratic problem: Σ c·(θ − t)²/2 + 0.3·θ⁴/4."""
    return CURVATURE * (theta - TARGET) + 0.3 * theta**3


# (id, tinynet/torch class name, hand-written rule, hyperparameters)
CASES = [
    ("sgd", "SGD", rules.sgd, dict(lr=0.1)),
    ("sgd-momentum", "SGD", rules.sgd, dict(lr=0.1, momentum=0.9)),
    ("sgd-dampening-decay", "SGD", rules.sgd,
     dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.1)),
    ("sgd-nesterov", "SGD", rules.sgd, dict(lr=0.1, momentum=0.8, nesterov=True, weight_decay=0.01)),
    ("sgd-maximize", "SGD", rules.sgd, dict(lr=0.05, momentum=0.5, maximize=True)),
    ("adagrad", "Adagrad", rules.adagrad, dict(lr=0.1)),
    ("adagrad-all", "Adagrad", rules.adagrad,
     dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.5, eps=1e-6)),
    ("adadelta", "Adadelta", rules.adadelta, dict()),
    ("adadelta-all", "Adadelta", rules.adadelta, dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1)),
    ("rmsprop", "RMSprop", rules.rmsprop, dict()),
    ("rmsprop-momentum", "RMSprop", rules.rmsprop, dict(lr=0.01, alpha=0.9, momentum=0.5)),
    ("rmsprop-centered", "RMSprop", rules.rmsprop, dict(centered=True, weight_decay=0.1)),
    ("rmsprop-centered-momentum", "RMSprop", rules.rmsprop,
     dict(lr=0.02, centered=True, momentum=0.9, eps=1e-3, maximize=True)),
    ("adam", "Adam", rules.adam, dict(lr=0.1)),
    ("adam-decay", "Adam", rules.adam, dict(lr=0.05, betas=(0.8, 0.9), weight_decay=0.1)),
    ("adam-amsgrad", "Adam", rules.adam, dict(lr=0.1, amsgrad=True, eps=1e-3)),
    ("adam-decoupled", "Adam", rules.adam,
     dict(lr=0.1, weight_decay=0.1, decoupled_weight_decay=True)),
    ("adamw", "AdamW", rules.adamw, dict(lr=0.1)),
    ("adamw-amsgrad", "AdamW", rules.adamw, dict(lr=0.05, weight_decay=0.5, amsgrad=True)),
    ("nadam", "NAdam", rules.nadam, dict(lr=0.1)),
    ("nadam-decay", "NAdam", rules.nadam, dict(lr=0.05, momentum_decay=0.01, weight_decay=0.1)),
    ("nadam-decoupled", "NAdam", rules.nadam,
     dict(lr=0.05, betas=(0.85, 0.99), weight_decay=0.1, decoupled_weight_decay=True)),
]
CASE_IDS = [case[0] for case in CASES]
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


def run_rule(rule, hyperparameters, steps=STEPS):
    theta, state, trajectory = THETA0.copy(), {}, []
    for _ in range(steps):
        theta = rule(theta, toy_grad(theta), state, **hyperparameters)
        trajectory.append(theta)
    return np.array(trajectory)


@pytest.mark.parametrize("case_id, name, rule, hyperparameters", CASES, ids=CASE_IDS)
def test_update_matches_the_rule_written_by_hand(case_id, name, rule, hyperparameters):
    np.testing.assert_allclose(run_tinynet(name, hyperparameters), run_rule(rule, hyperparameters),
                               rtol=1e-10, atol=1e-12)


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
@pytest.mark.parametrize("case_id, name, rule, hyperparameters", CASES, ids=CASE_IDS)
def test_update_matches_torch_optim(torch_float64, case_id, name, rule, hyperparameters):
    torch = torch_float64
    param = torch.tensor(THETA0, requires_grad=True)
    optimizer = getattr(torch.optim, name)([param], **hyperparameters)
    expected = []
    for _ in range(STEPS):
        param.grad = torch.tensor(toy_grad(param.detach().numpy()))
        optimizer.step()
        expected.append(param.detach().numpy().copy())
    np.testing.assert_allclose(run_tinynet(name, hyperparameters), np.array(expected),
                               rtol=1e-12, atol=1e-14)


@pytest.mark.torch
@pytest.mark.parametrize("name", ["SGD", "Adagrad", "Adadelta", "RMSprop", "Adam", "AdamW",
                                  "NAdam"])
def test_defaults_match_torch(name):
    torch = pytest.importorskip("torch")
    ours = getattr(optim, name)([tn.tensor([1.0], requires_grad=True)]).defaults
    theirs = getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)]).defaults
    assert {key: theirs[key] for key in ours} == ours


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["SGD", "Adam", "NAdam", "RMSprop"])
def test_parameters_keep_their_dtype(name, dtype):
    trajectory = run_tinynet(name, dict(lr=0.01, weight_decay=0.1), steps=2, dtype=dtype)
    assert trajectory.dtype == dtype


def test_nadam_alias():
    assert optim.Nadam is optim.NAdam


def test_parameters_without_grad_are_skipped_and_state_is_lazy():
    used, unused = tn.tensor([1.0, 2.0], requires_grad=True), tn.tensor([3.0], requires_grad=True)
    optimizer = optim.Adam([used, unused], lr=0.1)
    assert optimizer.state == {}
    (used * used).sum().backward()
    optimizer.step()
    assert list(optimizer.state) == [used]
    assert optimizer.state[used]["step"] == 1
    np.testing.assert_array_equal(unused.detach().numpy(), [3.0])


def test_step_bumps_the_version_so_a_stale_graph_cannot_backpropagate():
    param = tn.tensor([1.0, 2.0], requires_grad=True)
    loss = (param * param).sum()
    loss.backward(retain_graph=True)
    optim.SGD([param], lr=0.1).step()
    with pytest.raises(RuntimeError):
        loss.backward()


def test_zero_grad():
    param = tn.tensor([1.0, 2.0], requires_grad=True)
    optimizer = optim.SGD([param], lr=0.1)
    (param * 3.0).sum().backward()
    optimizer.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(param.grad.numpy(), [0.0, 0.0])
    optimizer.zero_grad()
    assert param.grad is None


def test_step_with_closure_returns_the_loss():
    param = tn.tensor([1.0, -1.0], requires_grad=True)
    optimizer = optim.SGD([param], lr=0.25)

    def closure():
        optimizer.zero_grad()
        loss = (param * param).sum()
        loss.backward()
        return loss

    with tn.no_grad():
        loss = optimizer.step(closure)
    assert loss.item() == 2.0
    np.testing.assert_allclose(param.detach().numpy(), [0.5, -0.5])


def test_param_groups_have_their_own_hyperparameters():
    backbone = tn.tensor(THETA0.copy(), requires_grad=True)
    head = tn.tensor([1.0], requires_grad=True)
    optimizer = optim.SGD([{"params": [backbone]}, {"params": head, "lr": 0.5, "momentum": 0.9}],
                          lr=0.01)
    assert [group["lr"] for group in optimizer.param_groups] == [0.01, 0.5]
    assert optimizer.param_groups[0]["momentum"] == 0.0
    assert optimizer.param_groups[1]["params"][0] is head
    for _ in range(3):
        backbone.grad = tn.tensor(toy_grad(backbone.detach().numpy()))
        head.grad = tn.tensor([2.0])
        optimizer.step()
    np.testing.assert_allclose(backbone.detach().numpy(), run_rule(rules.sgd, dict(lr=0.01), 3)[-1])
    np.testing.assert_allclose(head.detach().numpy(),
                               run_scalar_sgd(1.0, 2.0, lr=0.5, momentum=0.9, steps=3))


def run_scalar_sgd(theta, grad, steps, **hyperparameters):
    state = {}
    for _ in range(steps):
        theta = rules.sgd(np.array([theta]), np.array([grad]), state, **hyperparameters)[0]
    return [theta]


def test_add_param_group():
    first, second = tn.tensor([1.0], requires_grad=True), tn.tensor([2.0], requires_grad=True)
    optimizer = optim.Adam([first], lr=0.1)
    optimizer.add_param_group({"params": [second], "betas": (0.5, 0.6)})
    group = optimizer.param_groups[1]
    assert group["lr"] == 0.1 and group["betas"] == (0.5, 0.6) and group["eps"] == 1e-8
    with pytest.raises(ValueError, match="more than one parameter group"):
        optimizer.add_param_group({"params": [first]})
    with pytest.raises(ValueError, match="lr"):
        optimizer.add_param_group({"params": [tn.tensor([0.0], requires_grad=True)], "lr": -1.0})


STATE_DICT_CASES = [
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01)),
    ("Adadelta", dict(lr=0.5)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True)),
    ("Adam", dict(lr=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.1)),
    ("NAdam", dict(lr=0.1)),
]


def two_group_optimizer(name, hyperparameters, values):
    first = tn.tensor(values[0].copy(), requires_grad=True)
    second = tn.tensor(values[1].copy(), requires_grad=True)
    optimizer = getattr(optim, name)(
        [{"params": [first]}, {"params": [second], "lr": hyperparameters["lr"] / 2}],
        **hyperparameters)
    return optimizer, [first, second]


def train(optimizer, params, steps):
    for _ in range(steps):
        for param in params:
            param.grad = tn.tensor(toy_grad(param.detach().numpy()))
        optimizer.step()


@pytest.mark.parametrize("name, hyperparameters", STATE_DICT_CASES,
                         ids=[case[0] for case in STATE_DICT_CASES])
def test_state_dict_resume_equals_an_uninterrupted_run(name, hyperparameters):
    start = [THETA0, 2 * THETA0 - 0.5]
    uninterrupted, params = two_group_optimizer(name, hyperparameters, start)
    train(uninterrupted, params, 7)

    first_half, params = two_group_optimizer(name, hyperparameters, start)
    train(first_half, params, 4)
    saved = first_half.state_dict()
    checkpoint = [param.detach().numpy().copy() for param in params]
    train(first_half, params, 2)  # must not leak into the saved state (a deep copy)

    resumed, resumed_params = two_group_optimizer(name, dict(hyperparameters, lr=123.0), checkpoint)
    resumed.load_state_dict(saved)
    assert resumed.param_groups[0]["lr"] == hyperparameters["lr"]
    train(resumed, resumed_params, 3)
    expected_params = [param for group in uninterrupted.param_groups for param in group["params"]]
    for ours, expected in zip(resumed_params, expected_params):
        np.testing.assert_array_equal(ours.detach().numpy(), expected.detach().numpy())


def test_state_dict_refers_to_parameters_by_position():
    optimizer, params = two_group_optimizer("SGD", dict(lr=0.1, momentum=0.9), [THETA0, THETA0])
    train(optimizer, params, 1)
    saved = optimizer.state_dict()
    assert [group["params"] for group in saved["param_groups"]] == [[0], [1]]
    assert sorted(saved["state"]) == [0, 1]
    np.testing.assert_array_equal(saved["state"][1]["momentum_buffer"], toy_grad(THETA0))
    saved["state"][1]["momentum_buffer"][...] = 0.0
    assert optimizer.state[params[1]]["momentum_buffer"].any()


def test_load_state_dict_rejects_mismatched_groups_and_shapes():
    optimizer, params = two_group_optimizer("Adam", dict(lr=0.1), [THETA0, THETA0])
    train(optimizer, params, 1)
    saved = optimizer.state_dict()
    single = optim.Adam([tn.tensor(THETA0.copy(), requires_grad=True)])
    with pytest.raises(ValueError, match="2 parameter groups, but the optimizer has 1"):
        single.load_state_dict(saved)
    bigger, _ = two_group_optimizer("Adam", dict(lr=0.1), [THETA0, THETA0])
    bigger.param_groups[1]["params"].append(tn.tensor([1.0], requires_grad=True))
    with pytest.raises(ValueError, match="group 1 .* 1 parameters, but the optimizer's has 2"):
        bigger.load_state_dict(saved)
    wrong_shape, _ = two_group_optimizer("Adam", dict(lr=0.1), [THETA0, THETA0[0]])
    with pytest.raises(ValueError, match="shape"):
        wrong_shape.load_state_dict(saved)
    assert wrong_shape.state == {}  # nothing was written before the error


def test_load_state_dict_casts_state_to_the_parameter_dtype():
    source = optim.Adam([tn.tensor(THETA0.copy(), requires_grad=True)], lr=0.1)
    train(source, source.param_groups[0]["params"], 1)
    target_param = tn.tensor(THETA0.astype(np.float32), requires_grad=True)
    target = optim.Adam([target_param])
    target.load_state_dict(source.state_dict())
    assert target.state[target_param]["exp_avg"].dtype == np.float32
    assert target.state[target_param]["step"] == 1


def test_repr_lists_the_groups():
    text = repr(optim.SGD([tn.tensor([1.0], requires_grad=True)], lr=0.5))
    assert text.startswith("SGD (") and "Parameter Group 0" in text and "lr: 0.5" in text


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


CONVERGENCE_CASES = [
    ("SGD", dict(lr=0.3), dict(lr=1e-3, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True), dict(lr=1e-3, momentum=0.9, nesterov=True)),
    ("Adagrad", dict(lr=1.0), dict(lr=0.5)),
    ("Adadelta", dict(lr=10.0), dict(lr=10.0)),
    ("RMSprop", dict(lr=0.01), dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5), dict(lr=0.003, momentum=0.5)),
    ("Adam", dict(lr=0.1), dict(lr=0.05)),
    ("Adam", dict(lr=0.1, amsgrad=True), dict(lr=0.05, amsgrad=True)),
    ("AdamW", dict(lr=0.1, weight_decay=0.0), dict(lr=0.05, weight_decay=1e-4)),
    ("NAdam", dict(lr=0.1), dict(lr=0.05)),
]


@pytest.mark.parametrize("name, quadratic_settings, rosenbrock_settings", CONVERGENCE_CASES,
                         ids=[f"{case[0]}-{index}" for index, case in enumerate(CONVERGENCE_CASES)])
def test_convergence(name, quadratic_settings, rosenbrock_settings):
    start = [3.0, 2.0, -1.0]
    found = minimize(name, quadratic_settings, quadratic, start, 1000)
    np.testing.assert_allclose(found, MINIMUM, atol=1e-3)

    start = np.array([-1.5, 2.0])
    end = minimize(name, rosenbrock_settings, rosenbrock, start, 500)
    start_value = rosenbrock(tn.tensor(start)).item()
    assert rosenbrock(tn.tensor(end)).item() < 0.35 * start_value
    assert np.linalg.norm(end - 1.0) < np.linalg.norm(start - 1.0)


ALL_OPTIMIZERS = ["SGD", "Adagrad", "Adadelta", "RMSprop", "Adam", "AdamW", "NAdam"]
INVALID_SETTINGS = [
    *[(name, dict(lr=-0.1), "lr.*-0.1") for name in ALL_OPTIMIZERS],
    *[(name, dict(weight_decay=-1e-4), "weight_decay.*-0.0001") for name in ALL_OPTIMIZERS],
    ("SGD", dict(momentum=-0.5), "momentum.*-0.5"),
    ("SGD", dict(nesterov=True), "Nesterov momentum requires a momentum"),
    ("SGD", dict(nesterov=True, momentum=0.9, dampening=0.1), "zero dampening"),
    ("Adagrad", dict(lr_decay=-1.0), "lr_decay"),
    ("Adagrad", dict(initial_accumulator_value=-1.0), "initial_accumulator_value"),
    ("Adagrad", dict(eps=-1.0), "eps"),
    ("Adadelta", dict(rho=1.5), "rho.*1.5"),
    ("RMSprop", dict(alpha=-0.1), "alpha"),
    ("RMSprop", dict(momentum=-0.1), "momentum"),
    ("Adam", dict(betas=(1.0, 0.999)), "beta parameter at index 0: 1.0"),
    ("AdamW", dict(betas=(0.9, -0.1)), "beta parameter at index 1: -0.1"),
    ("NAdam", dict(momentum_decay=-0.1), "momentum_decay"),
    ("Adam", dict(eps=-1e-8), "eps"),
    ("Adam", dict(lr=float("nan")), "lr.*nan"),
]


@pytest.mark.parametrize("name, settings, message", INVALID_SETTINGS,
                         ids=[f"{case[0]}-{'-'.join(case[1])}" for case in INVALID_SETTINGS])
def test_invalid_hyperparameters_raise_value_error(name, settings, message):
    with pytest.raises(ValueError, match=message):
        getattr(optim, name)([tn.tensor([1.0], requires_grad=True)], **settings)


def test_invalid_params():
    param = tn.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([])
    with pytest.raises(TypeError, match="single Tensor"):
        optim.SGD(param)
    with pytest.raises(TypeError, match="ordered"):
        optim.SGD([{"params": {param}}])
    with pytest.raises(TypeError, match="only optimize Tensors"):
        optim.SGD([np.zeros(3)])
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([param * 2])
    with pytest.raises(ValueError, match="twice"):
        optim.SGD([param, param])


def test_state_dict_copy_is_independent():
    optimizer, params = two_group_optimizer("SGD", dict(lr=0.1, momentum=0.9), [THETA0, THETA0])
    train(optimizer, params, 1)
    saved = optimizer.state_dict()
    reloaded = copy.deepcopy(saved)
    optimizer.load_state_dict(saved)
    saved["state"][0]["momentum_buffer"][...] = 7.0
    np.testing.assert_array_equal(optimizer.state_dict()["state"][0]["momentum_buffer"],
                                  reloaded["state"][0]["momentum_buffer"])
