"""The Optimizer base class: the step loop, lazy state, zero_grad, closures, param groups,
state_dict and load_state_dict (resume equals an uninterrupted run), invalid params."""

import copy

import numpy as np
import pytest

import tinynet as tn
from tests.optim import reference_rules as rules
from tests.optim.reference_rules import THETA0, run_rule, toy_grad
from tinynet import optim


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
    optimizer = optim.SGD(
        [{"params": [backbone]}, {"params": head, "lr": 0.5, "momentum": 0.9}], lr=0.01
    )
    assert [group["lr"] for group in optimizer.param_groups] == [0.01, 0.5]
    assert optimizer.param_groups[0]["momentum"] == 0.0
    assert optimizer.param_groups[1]["params"][0] is head
    for _ in range(3):
        backbone.grad = tn.tensor(toy_grad(backbone.detach().numpy()))
        head.grad = tn.tensor([2.0])
        optimizer.step()
    np.testing.assert_allclose(backbone.detach().numpy(), run_rule(rules.sgd, {"lr": 0.01}, 3)[-1])
    np.testing.assert_allclose(
        head.detach().numpy(), run_scalar_sgd(1.0, 2.0, lr=0.5, momentum=0.9, steps=3)
    )


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
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01}),
    ("Adadelta", {"lr": 0.5}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True}),
    ("Adam", {"lr": 0.1, "amsgrad": True}),
    ("AdamW", {"lr": 0.1}),
    ("NAdam", {"lr": 0.1}),
]


def two_group_optimizer(name, hyperparameters, values):
    first = tn.tensor(values[0].copy(), requires_grad=True)
    second = tn.tensor(values[1].copy(), requires_grad=True)
    optimizer = getattr(optim, name)(
        [{"params": [first]}, {"params": [second], "lr": hyperparameters["lr"] / 2}],
        **hyperparameters,
    )
    return optimizer, [first, second]


def train(optimizer, params, steps):
    for _ in range(steps):
        for param in params:
            param.grad = tn.tensor(toy_grad(param.detach().numpy()))
        optimizer.step()


def through_a_file(state, folder):
    """``state`` saved with tinynet.save and loaded back."""
    tn.save(state, str(folder / "checkpoint.npz"))
    return tn.load(str(folder / "checkpoint.npz"))


@pytest.mark.parametrize("via_file", [False, True], ids=["in-memory", "tinynet.save"])
@pytest.mark.parametrize(
    "name, hyperparameters", STATE_DICT_CASES, ids=[case[0] for case in STATE_DICT_CASES]
)
def test_state_dict_resume_equals_an_uninterrupted_run(name, hyperparameters, via_file, tmp_path):
    start = [THETA0, 2 * THETA0 - 0.5]
    uninterrupted, params = two_group_optimizer(name, hyperparameters, start)
    train(uninterrupted, params, 7)

    first_half, params = two_group_optimizer(name, hyperparameters, start)
    train(first_half, params, 4)
    saved = first_half.state_dict()
    if via_file:
        saved = through_a_file(saved, tmp_path)
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
    optimizer, params = two_group_optimizer("SGD", {"lr": 0.1, "momentum": 0.9}, [THETA0, THETA0])
    train(optimizer, params, 1)
    saved = optimizer.state_dict()
    assert [group["params"] for group in saved["param_groups"]] == [[0], [1]]
    assert sorted(saved["state"]) == [0, 1]
    np.testing.assert_array_equal(saved["state"][1]["momentum_buffer"], toy_grad(THETA0))
    saved["state"][1]["momentum_buffer"][...] = 0.0
    assert optimizer.state[params[1]]["momentum_buffer"].any()


def test_load_state_dict_rejects_mismatched_groups_and_shapes():
    optimizer, params = two_group_optimizer("Adam", {"lr": 0.1}, [THETA0, THETA0])
    train(optimizer, params, 1)
    saved = optimizer.state_dict()
    single = optim.Adam([tn.tensor(THETA0.copy(), requires_grad=True)])
    with pytest.raises(ValueError, match="2 parameter groups, but the optimizer has 1"):
        single.load_state_dict(saved)
    bigger, _ = two_group_optimizer("Adam", {"lr": 0.1}, [THETA0, THETA0])
    bigger.param_groups[1]["params"].append(tn.tensor([1.0], requires_grad=True))
    with pytest.raises(ValueError, match="group 1 .* 1 parameters, but the optimizer's has 2"):
        bigger.load_state_dict(saved)
    wrong_shape, _ = two_group_optimizer("Adam", {"lr": 0.1}, [THETA0, THETA0[0]])
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
    optimizer, params = two_group_optimizer("SGD", {"lr": 0.1, "momentum": 0.9}, [THETA0, THETA0])
    train(optimizer, params, 1)
    saved = optimizer.state_dict()
    reloaded = copy.deepcopy(saved)
    optimizer.load_state_dict(saved)
    saved["state"][0]["momentum_buffer"][...] = 7.0
    np.testing.assert_array_equal(
        optimizer.state_dict()["state"][0]["momentum_buffer"],
        reloaded["state"][0]["momentum_buffer"],
    )
