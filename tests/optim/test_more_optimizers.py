"""Adamax, ASGD, Rprop, RAdam and LBFGS: update rules written by hand and against torch.optim
step by step; PyTorch's signatures and defaults for every optimizer; the implementation switches
(foreach, fused, capturable, differentiable); SparseAdam refused; named parameters; closures;
state_dict round trips."""

import inspect

import numpy as np
import pytest

import tinynet as tn
from tests.optim.reference_rules import THETA0, run_rule, toy_grad
from tinynet import optim
from tinynet.optim.lbfgs import _cubic_interpolate, _strong_wolfe

# ---- the update rules, written by hand in float64 NumPy (textbook forms) ----


def adamax(theta, grad, state, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
           maximize=False):
    g = (-grad if maximize else grad) + weight_decay * theta
    t = state["t"] = state.get("t", 0) + 1
    m = state["m"] = betas[0] * state.get("m", 0.0) + (1 - betas[0]) * g
    u = state["u"] = np.maximum(betas[1] * state.get("u", 0.0), np.abs(g) + eps)
    return theta - lr / (1 - betas[0] ** t) * m / u


def asgd(theta, grad, state, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0.0,
         maximize=False):
    g = (-grad if maximize else grad) + weight_decay * theta
    t = state["t"] = state.get("t", 0) + 1
    eta = lr / (1 + lambd * lr * (t - 1)) ** alpha  # the step size at step t
    return theta * (1 - lambd * eta) - eta * g


def rprop(theta, grad, state, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), maximize=False):
    g = -grad if maximize else grad
    previous = state.get("previous", np.zeros_like(theta))
    delta = state.get("delta", np.full_like(theta, lr))
    product = g * previous
    delta = np.clip(np.where(product > 0, delta * etas[1],
                             np.where(product < 0, delta * etas[0], delta)), *step_sizes)
    g = np.where(product < 0, 0.0, g)
    state["previous"], state["delta"] = g, delta
    return theta - np.sign(g) * delta


def radam(theta, grad, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
          decoupled_weight_decay=False, maximize=False):
    g = -grad if maximize else grad
    if decoupled_weight_decay:
        theta = theta * (1 - lr * weight_decay)
    else:
        g = g + weight_decay * theta
    beta1, beta2 = betas
    t = state["t"] = state.get("t", 0) + 1
    m = state["m"] = beta1 * state.get("m", 0.0) + (1 - beta1) * g
    v = state["v"] = beta2 * state.get("v", 0.0) + (1 - beta2) * g * g
    m_hat = m / (1 - beta1**t)
    rho_inf = 2 / (1 - beta2) - 1
    rho = rho_inf - 2 * t * beta2**t / (1 - beta2**t)
    if rho <= 5:
        return theta - lr * m_hat
    r = np.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
    v_hat = v / (1 - beta2**t)
    return theta - lr * m_hat * r / (np.sqrt(v_hat) + eps / np.sqrt(1 - beta2**t))


RULES = {"Adamax": adamax, "ASGD": asgd, "Rprop": rprop, "RAdam": radam}


def case(case_id, name, **hyperparameters):
    return pytest.param(name, hyperparameters, id=case_id)


CASES = [
    case("adamax", "Adamax", lr=0.1),
    case("adamax-all", "Adamax", lr=0.05, betas=(0.8, 0.9), eps=1e-3, weight_decay=0.1,
         maximize=True),
    case("asgd", "ASGD", lr=0.05),
    case("asgd-all", "ASGD", lr=0.05, lambd=0.01, alpha=0.5, t0=3, weight_decay=0.1),
    case("rprop", "Rprop"),
    case("rprop-all", "Rprop", lr=0.1, etas=(0.3, 1.5), step_sizes=(0.01, 0.2), maximize=True),
    case("radam", "RAdam", lr=0.1),
    case("radam-rectified-early", "RAdam", lr=0.05, betas=(0.5, 0.6), weight_decay=0.1),
    case("radam-decoupled", "RAdam", lr=0.05, betas=(0.7, 0.8), weight_decay=0.1,
         decoupled_weight_decay=True),
]  # fmt: skip
STEPS = 12


def run_tinynet(name, hyperparameters, steps=STEPS):
    param = tn.tensor(THETA0.copy(), requires_grad=True)
    optimizer = getattr(optim, name)([param], **hyperparameters)
    trajectory = []
    for _ in range(steps):
        param.grad = tn.tensor(toy_grad(param.detach().numpy()))
        optimizer.step()
        trajectory.append(param.detach().numpy().copy())
    return np.array(trajectory), optimizer, param


@pytest.mark.parametrize("name, hyperparameters", CASES)
def test_update_matches_the_rule_written_by_hand(name, hyperparameters):
    ours, _, _ = run_tinynet(name, hyperparameters)
    expected = run_rule(RULES[name], hyperparameters, STEPS)
    np.testing.assert_allclose(ours, expected, rtol=1e-10, atol=1e-12)


def test_asgd_keeps_the_average_of_the_iterates_after_t0():
    trajectory, optimizer, param = run_tinynet("ASGD", {"lr": 0.05, "t0": 4})
    # step t uses μ = 1/max(1, t − 1 − t0): the average is the iterate up to step t0 + 2 = 6,
    # then the running mean of the iterates from step 6 on
    expected = trajectory[5:].mean(axis=0)
    np.testing.assert_allclose(optimizer.state[param]["ax"], expected, rtol=1e-12)


@pytest.fixture
def torch64():
    torch = pytest.importorskip("torch")
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch
    torch.set_default_dtype(previous)


@pytest.mark.torch
@pytest.mark.parametrize("name, hyperparameters", CASES)
def test_update_matches_torch_optim(torch64, name, hyperparameters):
    torch = torch64
    param = torch.tensor(THETA0.copy(), requires_grad=True)
    optimizer = getattr(torch.optim, name)([param], **hyperparameters)
    expected = []
    for _ in range(STEPS):
        param.grad = torch.tensor(toy_grad(param.detach().numpy()))
        optimizer.step()
        expected.append(param.detach().numpy().copy())
    ours, _, _ = run_tinynet(name, hyperparameters)
    np.testing.assert_allclose(ours, np.array(expected), rtol=1e-12, atol=1e-14)


ALL_OPTIMIZERS = ["SGD", "Adam", "AdamW", "Adagrad", "Adadelta", "RMSprop", "NAdam", "Adamax",
                  "ASGD", "Rprop", "RAdam", "LBFGS", "SparseAdam", "Adafactor", "Muon"]


@pytest.mark.torch
@pytest.mark.parametrize("name", ALL_OPTIMIZERS)
def test_signature_matches_torch(name):
    torch = pytest.importorskip("torch")

    def described(cls):
        return [(p.name, p.kind, p.default) for p in inspect.signature(cls).parameters.values()]

    assert described(getattr(optim, name)) == described(getattr(torch.optim, name))


@pytest.mark.torch
@pytest.mark.parametrize("name", [name for name in ALL_OPTIMIZERS if name != "SparseAdam"])
def test_defaults_match_torch(name):
    torch = pytest.importorskip("torch")
    ours = getattr(optim, name)([tn.tensor([[1.0]], requires_grad=True)]).defaults
    theirs = getattr(torch.optim, name)([torch.zeros(1, 1, requires_grad=True)]).defaults
    assert ours == theirs


FLAGGED = [name for name in ALL_OPTIMIZERS if name not in ("LBFGS", "SparseAdam")]


@pytest.mark.parametrize("name", FLAGGED)
def test_foreach_and_fused_are_accepted_and_change_nothing(name):
    parameters = inspect.signature(getattr(optim, name)).parameters
    plain, _, _ = run_tinynet(name, {"lr": 0.01}, steps=3)
    for flag in ("foreach", "fused"):
        if flag in parameters:
            for value in (True, False):
                flagged, optimizer, _ = run_tinynet(name, {"lr": 0.01, flag: value}, steps=3)
                np.testing.assert_array_equal(flagged, plain)
                assert optimizer.defaults[flag] is value
    if "fused" in parameters:
        with pytest.raises(RuntimeError, match="cannot be `True` together"):
            getattr(optim, name)([tn.tensor([[1.0]], requires_grad=True)], foreach=True,
                                 fused=True)


@pytest.mark.parametrize("name", FLAGGED)
@pytest.mark.parametrize("flag, message", [("capturable", "CPU only"),
                                           ("differentiable", "outside autograd")])
def test_capturable_and_differentiable_are_refused_clearly(name, flag, message):
    if flag not in inspect.signature(getattr(optim, name)).parameters:
        pytest.skip(f"{name} has no {flag} argument in PyTorch either")
    with pytest.raises(ValueError, match=f"{flag}=True is not supported.*{message}"):
        getattr(optim, name)([tn.tensor([1.0], requires_grad=True)], **{flag: True})
    getattr(optim, name)([tn.tensor([1.0], requires_grad=True)], **{flag: False})


def test_sparse_adam_is_refused_clearly():
    with pytest.raises(RuntimeError, match="no sparse gradients.*use optim.Adam"):
        optim.SparseAdam([tn.tensor([1.0], requires_grad=True)])


INVALID = [
    ("Adamax", {"betas": (1.0, 0.9)}, "beta parameter at index 0"),
    ("Adamax", {"eps": -1.0}, "eps"),
    ("ASGD", {"lr": -0.1}, "lr"),
    ("ASGD", {"weight_decay": -0.1}, "weight_decay"),
    ("Rprop", {"etas": (1.5, 1.2)}, "eta values"),
    ("Rprop", {"step_sizes": (1.0, 0.1)}, "step_sizes"),
    ("RAdam", {"betas": (0.9, 1.0)}, "beta parameter at index 1"),
    ("LBFGS", {"lr": -1.0}, "learning rate"),
    ("LBFGS", {"line_search_fn": "armijo"}, "strong_wolfe"),
]


@pytest.mark.parametrize("name, settings, message", INVALID)
def test_invalid_hyperparameters(name, settings, message):
    with pytest.raises(ValueError, match=message):
        getattr(optim, name)([tn.tensor([1.0], requires_grad=True)], **settings)


@pytest.mark.parametrize("name", [name for name in ALL_OPTIMIZERS if name != "SparseAdam"])
def test_step_with_a_closure_returns_its_loss_and_updates(name):
    param = tn.tensor([[1.0, -2.0]], requires_grad=True)
    optimizer = getattr(optim, name)([param], lr=0.1)
    calls = []

    def closure():
        optimizer.zero_grad()
        loss = (param * param).sum()
        loss.backward()
        calls.append(loss.item())
        return loss

    loss = optimizer.step(closure)
    assert loss.item() == 5.0 == calls[0]
    assert (param * param).sum().item() < 5.0


@pytest.mark.parametrize("name", [name for name in ALL_OPTIMIZERS if name != "SparseAdam"])
def test_state_dict_resume_equals_an_uninterrupted_run(name, tmp_path):
    def make(start):
        param = tn.tensor(start.copy(), requires_grad=True)
        return param, getattr(optim, name)([param], lr=0.05)

    def closure_for(param, optimizer):
        def closure():
            optimizer.zero_grad()
            param.grad = tn.tensor(toy_grad(param.detach().numpy()))
            return tn.tensor(float((param.detach().numpy() ** 2).sum()))

        return closure

    def train(param, optimizer, steps):
        for _ in range(steps):
            optimizer.step(closure_for(param, optimizer))

    param, optimizer = make(THETA0)
    train(param, optimizer, 5)
    expected = param.detach().numpy().copy()

    param, optimizer = make(THETA0)
    train(param, optimizer, 3)
    tn.save(optimizer.state_dict(), str(tmp_path / "state.pt"))
    resumed_param, resumed = make(param.detach().numpy())
    resumed.load_state_dict(tn.load(str(tmp_path / "state.pt")))
    train(resumed_param, resumed, 2)
    np.testing.assert_array_equal(resumed_param.detach().numpy(), expected)


def test_named_parameters_are_kept_as_param_names():
    model = tn.nn.Linear(3, 2)
    optimizer = optim.SGD(model.named_parameters(), lr=0.1)
    state = optimizer.state_dict()
    assert state["param_groups"][0]["param_names"] == ["weight", "bias"]
    assert state["param_groups"][0]["params"] == [0, 1]
    assert optimizer.param_groups[0]["params"] == [model.weight, model.bias]
    with pytest.raises(ValueError, match="named, or none"):
        optimizer.add_param_group({"params": [tn.tensor([1.0], requires_grad=True)]})
    with pytest.raises(TypeError, match="mixes"):
        optim.SGD([("w", model.weight), model.bias])


@pytest.mark.torch
def test_named_parameters_state_dict_matches_torch():
    torch = pytest.importorskip("torch")
    theirs = torch.optim.Adam(torch.nn.Linear(3, 2).named_parameters()).state_dict()
    ours = optim.Adam(tn.nn.Linear(3, 2).named_parameters()).state_dict()
    assert ours == theirs


# ---- LBFGS ----


def rosenbrock(p):
    x, y = p[0::2], p[1::2]
    return ((1 - x) ** 2 + 100 * (y - x * x) ** 2).sum()


def quartic_bowl(p):
    """A smooth, strictly convex function with minimum at (1, -2, 0.5, 3)."""
    d = p - tn.tensor([1.0, -2.0, 0.5, 3.0])
    return (tn.tensor([1.0, 3.0, 0.5, 2.0]) * d * d).sum() + 0.1 * (d**4).sum()


def run_lbfgs(lib, optimizer_class, function, start, steps, **settings):
    param = lib.tensor(start.copy(), requires_grad=True)
    optimizer = optimizer_class([param], **settings)
    losses = []

    def closure():
        optimizer.zero_grad()
        loss = function(param)
        loss.backward()
        return loss

    for _ in range(steps):
        losses.append(float(optimizer.step(closure).detach()))
    return param.detach().numpy(), losses, optimizer.state[param]


LBFGS_SETTINGS = [
    {},
    {"line_search_fn": "strong_wolfe"},
    {"lr": 0.5, "history_size": 3, "max_iter": 7},
    {"line_search_fn": "strong_wolfe", "history_size": 2, "max_iter": 30, "max_eval": 12},
    {"max_iter": 4, "tolerance_change": 1e-3},
]


@pytest.mark.torch
@pytest.mark.parametrize("settings", LBFGS_SETTINGS)
def test_lbfgs_matches_torch(torch64, settings):
    torch = torch64
    start = np.array([-1.5, 2.0, 0.3, -0.5])
    ours, our_losses, our_state = run_lbfgs(tn, optim.LBFGS, rosenbrock, start, 2, **settings)
    theirs, their_losses, their_state = run_lbfgs(
        torch, torch.optim.LBFGS, rosenbrock, start, 2, **settings
    )
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(our_losses, their_losses, rtol=1e-9)
    assert our_state["func_evals"] == their_state["func_evals"]
    assert our_state["n_iter"] == their_state["n_iter"]


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_minimizes_a_convex_function(line_search_fn):
    start = np.zeros(4)
    found, losses, _ = run_lbfgs(tn, optim.LBFGS, quartic_bowl, start, 5,
                                 line_search_fn=line_search_fn)
    np.testing.assert_allclose(found, [1.0, -2.0, 0.5, 3.0], atol=1e-4)
    assert losses == sorted(losses, reverse=True)


def test_lbfgs_with_strong_wolfe_solves_rosenbrock():
    found, _, state = run_lbfgs(tn, optim.LBFGS, rosenbrock, np.array([-1.5, 2.0]), 10,
                                line_search_fn="strong_wolfe")
    np.testing.assert_allclose(found, [1.0, 1.0], atol=1e-4)
    assert state["func_evals"] < 250


def test_lbfgs_stops_at_once_when_the_gradient_is_zero():
    minimum = np.array([1.0, -2.0, 0.5, 3.0])
    found, losses, state = run_lbfgs(tn, optim.LBFGS, quartic_bowl, minimum, 1)
    assert losses == [0.0] and state["func_evals"] == 1 and state["n_iter"] == 0
    np.testing.assert_array_equal(found, minimum)


def test_lbfgs_converges_to_rounding_on_a_quadratic_when_the_tolerances_allow():
    """On a quadratic ½xᵀAx the (s, y) pairs recover A⁻¹ along the directions explored, so
    L-BFGS converges superlinearly; with the tolerances at zero it reaches the minimum to
    rounding error within a few tens of evaluations."""
    a = np.diag([1.0, 2.0, 4.0])
    param = tn.tensor(np.array([1.0, 1.0, 1.0]), requires_grad=True)
    optimizer = optim.LBFGS([param], max_iter=50, tolerance_grad=1e-13, tolerance_change=0.0,
                            line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        loss = 0.5 * (param * (tn.tensor(a) @ param)).sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    np.testing.assert_allclose(param.detach().numpy(), 0.0, atol=1e-12)
    assert optimizer.state[param]["func_evals"] < 40


def test_cubic_interpolation_finds_the_minimum_of_a_cubic():
    def f(x):
        return x**3 - 3 * x  # local minimum at x = 1

    def df(x):
        return 3 * x**2 - 3

    assert _cubic_interpolate(0.0, f(0.0), df(0.0), 2.0, f(2.0), df(2.0)) == pytest.approx(1.0)
    assert _cubic_interpolate(2.0, f(2.0), df(2.0), 0.0, f(0.0), df(0.0)) == pytest.approx(1.0)
    # clamped to the bounds
    assert _cubic_interpolate(0.0, f(0.0), df(0.0), 2.0, f(2.0), df(2.0), bounds=(1.5, 3)) == 1.5
    # no real minimizer (d1² < g1·g2): the midpoint of the bounds
    assert _cubic_interpolate(0.0, 0.0, 1.0, 1.0, 5 / 3, 4.0) == 0.5


def test_strong_wolfe_returns_a_step_that_satisfies_both_conditions():
    def phi(x):
        return float(np.sum(x**4 - 3 * x**2 + x)), 4 * x**3 - 6 * x + 1

    x = np.array([0.2, -0.1])
    f, g = phi(x)
    d = -g
    gtd = g.dot(d)

    def obj_func(x0, t, d):
        return phi(x0 + t * d)

    f_new, g_new, t, evals = _strong_wolfe(obj_func, x, 1.0, d, f, g, gtd)
    assert f_new <= f + 1e-4 * t * gtd
    assert abs(g_new.dot(d)) <= -0.9 * gtd
    assert f_new == phi(x + t * d)[0] and evals >= 1


def test_lbfgs_refuses_groups_and_a_missing_closure():
    a, b = tn.tensor([1.0], requires_grad=True), tn.tensor([2.0], requires_grad=True)
    with pytest.raises(ValueError, match="per-parameter options"):
        optim.LBFGS([{"params": [a]}, {"params": [b]}])
    optimizer = optim.LBFGS([a])
    with pytest.raises(ValueError, match="per-parameter options"):
        optimizer.add_param_group({"params": [b]})
    with pytest.raises(TypeError, match="closure"):
        optimizer.step(None)


def test_lbfgs_state_dict_is_checked_against_the_parameters():
    param = tn.tensor(np.zeros(4), requires_grad=True)
    optimizer = optim.LBFGS([param])

    def closure():
        optimizer.zero_grad()
        loss = quartic_bowl(param)
        loss.backward()
        return loss

    optimizer.step(closure)
    saved = optimizer.state_dict()
    other = optim.LBFGS([tn.tensor(np.zeros(5), requires_grad=True)])
    with pytest.raises(ValueError, match="hold 5 elements"):
        other.load_state_dict(saved)


# ---- hooks ----


@pytest.mark.parametrize("name", ["SGD", "Adam", "LBFGS"])
def test_step_hooks_run_around_every_optimizers_step(name):
    param = tn.tensor([1.0, -2.0], requires_grad=True)
    optimizer = getattr(optim, name)([param], lr=0.1)
    calls = []

    def closure():
        optimizer.zero_grad()
        loss = (param * param).sum()
        loss.backward()
        calls.append("closure")
        return loss

    pre = optimizer.register_step_pre_hook(
        lambda opt, args, kwargs: calls.append(("pre", opt is optimizer, args)))
    optimizer.register_step_post_hook(lambda opt, args, kwargs: calls.append("post"))
    optimizer.step(closure)
    assert calls[0] == ("pre", True, (closure,)) and calls[-1] == "post"
    assert calls.count("post") == 1
    pre.remove()
    calls.clear()
    optimizer.step(closure)
    assert calls[0] == "closure" and calls[-1] == "post"


def test_a_step_pre_hook_can_replace_the_arguments():
    param = tn.tensor([1.0], requires_grad=True)
    optimizer = optim.SGD([param], lr=0.5)
    param.grad = tn.tensor([1.0])

    def closure():
        return "replaced"

    optimizer.register_step_pre_hook(lambda opt, args, kwargs: ((closure,), {}))
    assert optimizer.step() == "replaced"
    optimizer.register_step_pre_hook(lambda opt, args, kwargs: "nonsense")
    with pytest.raises(RuntimeError, match="must return None or a tuple"):
        optimizer.step()


def test_a_subclass_calling_super_step_runs_the_hooks_once():
    class Logged(optim.SGD):
        def step(self, closure=None):
            return super().step(closure)

    param = tn.tensor([1.0], requires_grad=True)
    param.grad = tn.tensor([1.0])
    optimizer = Logged([param], lr=0.5)
    calls = []
    optimizer.register_step_post_hook(lambda opt, args, kwargs: calls.append("post"))
    optimizer.step()
    assert calls == ["post"] and param.item() == 0.5


def test_state_dict_hooks():
    param = tn.tensor([1.0], requires_grad=True)
    optimizer = optim.SGD([param], lr=0.5)
    calls = []
    optimizer.register_state_dict_pre_hook(lambda opt: calls.append("pre"))
    optimizer.register_state_dict_post_hook(lambda opt, state: {**state, "extra": 1})
    optimizer.register_state_dict_post_hook(lambda opt, state: calls.append("first"),
                                            prepend=True)
    state = optimizer.state_dict()
    assert state["extra"] == 1 and calls == ["pre", "first"]

    def strip_extra(opt, state):
        return {key: value for key, value in state.items() if key != "extra"}

    optimizer.register_load_state_dict_pre_hook(strip_extra)
    optimizer.register_load_state_dict_post_hook(lambda opt: calls.append("loaded"))
    state["param_groups"][0]["lr"] = 0.25
    optimizer.load_state_dict(state)
    assert optimizer.param_groups[0]["lr"] == 0.25 and calls[-1] == "loaded"


@pytest.mark.torch
def test_hook_registration_signatures_match_torch():
    torch = pytest.importorskip("torch")
    for name in ["register_step_pre_hook", "register_step_post_hook",
                 "register_state_dict_pre_hook", "register_state_dict_post_hook",
                 "register_load_state_dict_pre_hook", "register_load_state_dict_post_hook"]:
        ours = inspect.signature(getattr(optim.Optimizer, name)).parameters
        theirs = inspect.signature(getattr(torch.optim.Optimizer, name)).parameters
        assert [(p.name, p.default) for p in ours.values()] == [
            (p.name, p.default) for p in theirs.values()
        ]


# ---- Adafactor and Muon ----


def adafactor_by_hand(theta, grads, lr=1e-2, beta2_decay=-0.8, eps2=1e-3):
    """Adafactor on a matrix, written out: factored row/column second moments."""
    rows, columns = np.zeros((theta.shape[0], 1)), np.zeros((1, theta.shape[1]))
    eps1 = np.finfo(theta.dtype).eps
    for t, g in enumerate(grads, start=1):
        weight = t**beta2_decay
        alpha = max(eps2, np.sqrt(np.mean(theta**2))) * min(lr, 1 / np.sqrt(t))
        rows = (1 - weight) * rows + weight * np.mean(g**2, axis=1, keepdims=True)
        columns = (1 - weight) * columns + weight * np.mean(g**2, axis=0, keepdims=True)
        v = rows * columns / max(rows.mean(), eps1)
        u = g / np.sqrt(np.maximum(v, eps1**2))
        theta = theta - alpha / max(1.0, np.sqrt(np.mean(u**2))) * u
    return theta


def test_adafactor_matches_the_rule_written_by_hand():
    rng = np.random.default_rng(3)
    grads = rng.normal(size=(6, 3, 4))
    param = tn.tensor(rng.normal(size=(3, 4)), requires_grad=True)
    start = param.detach().numpy().copy()
    optimizer = optim.Adafactor([param])
    for g in grads:
        param.grad = tn.tensor(g)
        optimizer.step()
    np.testing.assert_allclose(param.detach().numpy(), adafactor_by_hand(start, grads),
                               rtol=1e-12)
    assert optimizer.state[param]["row_var"].shape == (3, 1)
    assert optimizer.state[param]["col_var"].shape == (1, 4)


@pytest.mark.torch
@pytest.mark.parametrize(
    "shape, settings",
    [((3, 4), {}), ((5,), {"lr": 0.05, "weight_decay": 0.1, "d": 1.5, "eps": (1e-20, 1e-2),
                           "beta2_decay": -0.5, "maximize": True}),
     ((2, 3, 4), {}), ((), {})],
    ids=["matrix", "vector-all", "batch-of-matrices", "scalar"],
)  # fmt: skip
def test_adafactor_matches_torch(torch64, shape, settings):
    torch = torch64
    rng = np.random.default_rng(1)
    start = rng.normal(size=shape)
    ours, theirs = tn.tensor(start.copy(), requires_grad=True), torch.tensor(start.copy(),
                                                                            requires_grad=True)
    our_optimizer = optim.Adafactor([ours], **settings)
    their_optimizer = torch.optim.Adafactor([theirs], **settings)
    for _ in range(8):
        grad = rng.normal(size=shape)
        ours.grad, theirs.grad = tn.tensor(grad), torch.tensor(grad)
        our_optimizer.step()
        their_optimizer.step()
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12,
                               atol=1e-14)


def test_newton_schulz_moves_every_singular_value_towards_one():
    from tinynet.optim.muon import DEFAULT_NS_COEFFICIENTS, zeropower_via_newtonschulz

    rng = np.random.default_rng(0)
    for shape in [(4, 7), (7, 4), (5, 5)]:
        matrix = rng.normal(size=shape) @ np.diag(np.logspace(-1, 1, shape[1]))
        result = zeropower_via_newtonschulz(matrix, DEFAULT_NS_COEFFICIENTS, 5, 1e-7)
        singular_values = np.linalg.svd(result, compute_uv=False)
        assert result.shape == shape
        assert singular_values.min() > 0.3 and singular_values.max() < 1.3
        u, _, vt = np.linalg.svd(matrix, full_matrices=False)
        projected = u.T @ result @ vt.T  # diagonal: the same singular vectors, U·diag(s′)·Vᵀ
        np.testing.assert_allclose(projected - np.diag(np.diag(projected)), 0.0, atol=1e-8)


@pytest.mark.torch
@pytest.mark.parametrize("shape, settings", [((3, 5), {}), ((6, 2), {
    "nesterov": False, "adjust_lr_fn": "match_rms_adamw", "lr": 0.02})])
def test_muon_matches_torch_to_bfloat16_precision(torch64, shape, settings):
    torch = torch64
    rng = np.random.default_rng(2)
    start = rng.normal(size=shape)
    ours, theirs = tn.tensor(start.copy(), requires_grad=True), torch.tensor(start.copy(),
                                                                            requires_grad=True)
    our_optimizer, their_optimizer = optim.Muon([ours], **settings), torch.optim.Muon([theirs],
                                                                                   **settings)
    for _ in range(5):
        grad = rng.normal(size=shape)
        ours.grad, theirs.grad = tn.tensor(grad), torch.tensor(grad)
        our_optimizer.step()
        their_optimizer.step()
    moved = np.abs(theirs.detach().numpy() - start).max()
    # PyTorch orthogonalizes in bfloat16 (8 bits of mantissa): agree to about 1% of the step
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), atol=0.02 * moved)


def test_muon_refuses_parameters_that_are_not_matrices():
    with pytest.raises(ValueError, match="only supports 2D parameters.*AdamW"):
        optim.Muon([tn.zeros(3, requires_grad=True)])
    with pytest.raises(ValueError, match="not supported"):
        optim.Muon([tn.zeros(2, 2, requires_grad=True)], adjust_lr_fn="other")



def test_adafactor_state_is_checked_against_the_parameter_on_load():
    def trained(shape):
        param = tn.tensor(np.ones(shape), requires_grad=True)
        optimizer = optim.Adafactor([param])
        param.grad = tn.tensor(np.ones(shape))
        optimizer.step()
        return optimizer

    saved = trained((2, 3)).state_dict()
    with pytest.raises(ValueError, match="row_var.*needs \\(4, 1\\)"):
        optim.Adafactor([tn.zeros(4, 3, requires_grad=True)]).load_state_dict(saved)
