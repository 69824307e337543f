"""The further activations (functions and modules) against PyTorch in float64: values and
gradients, the in-place forms, RReLU's training and evaluation slopes, gumbel_softmax's samples,
signatures and reprs, and the errors on bad arguments."""

import inspect

import numpy as np
import pytest

import tinynet as tn
import tinynet.nn.functional as F
from tinynet import nn

RNG = np.random.default_rng(3)
X = RNG.uniform(-6, 6, (3, 4, 2))


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


# function name, keyword arguments
FUNCTIONS = [
    ("relu6", {}), ("hardsigmoid", {}), ("hardswish", {}), ("hardshrink", {}),
    ("hardshrink", {"lambd": 1.5}), ("softshrink", {}), ("softshrink", {"lambd": 2.0}),
    ("logsigmoid", {}), ("mish", {}), ("softsign", {}), ("tanhshrink", {}),
    ("celu", {}), ("celu", {"alpha": 0.4}), ("threshold", {"threshold": 0.5, "value": -3.0}),
    ("glu", {}), ("glu", {"dim": 1}), ("softmin", {"dim": 0}), ("softmin", {"dim": -1}),
    ("rrelu", {"lower": 0.1, "upper": 0.3}), ("elu", {"alpha": 0.5}), ("selu", {}),
    ("hardtanh", {"min_val": -2.0, "max_val": 3.0}), ("leaky_relu", {"negative_slope": 0.2}),
]


@pytest.mark.torch
@pytest.mark.parametrize("name, kwargs", FUNCTIONS)
def test_function_matches_torch_in_value_and_gradient(torch, name, kwargs):
    x, y = tn.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    ours, theirs = getattr(F, name)(x, **kwargs), getattr(torch.nn.functional, name)(y, **kwargs)
    # PyTorch takes some scalar constants (1/6, 1/α) in float32: agreement to 1e-6 there
    rtol = 1e-6 if name in ("hardsigmoid", "hardswish", "celu") else 1e-10
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol,
                               atol=1e-12)
    upstream = RNG.standard_normal(ours.shape)
    ours.backward(tn.tensor(upstream))
    theirs.backward(torch.tensor(upstream))
    np.testing.assert_allclose(x.grad.numpy(), y.grad.numpy(), rtol=rtol, atol=1e-12)


# module name, constructor arguments
MODULES = [
    ("ReLU6", ()), ("Hardsigmoid", ()), ("Hardswish", ()), ("Mish", ()), ("CELU", (0.5,)),
    ("Threshold", (0.1, 20.0)), ("GLU", (0,)), ("Hardshrink", (0.7,)), ("Softshrink", (0.7,)),
    ("LogSigmoid", ()), ("Softsign", ()), ("Tanhshrink", ()), ("Softmin", (1,)),
    ("Softmax2d", ()), ("RReLU", (0.2, 0.4)),
]


@pytest.mark.torch
@pytest.mark.parametrize("name, args", MODULES)
def test_module_matches_torch_in_value_repr_and_signature(torch, name, args):
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    x = X[:2].reshape(2, 4, 2)  # even along dim 0 for GLU(0)
    ours.eval(), theirs.eval()
    np.testing.assert_allclose(ours(tn.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy(),
                               rtol=1e-12, atol=1e-12)
    assert repr(ours) == repr(theirs)
    init = getattr(torch.nn, name).__init__
    if "args" not in inspect.signature(init).parameters:
        assert (inspect.signature(getattr(nn, name).__init__).parameters.keys()
                == inspect.signature(init).parameters.keys())


@pytest.mark.torch
def test_function_signatures_match_torch(torch):
    for name in ["relu6", "hardsigmoid", "hardswish", "mish", "glu", "celu", "threshold",
                 "rrelu", "softmin", "softmax", "log_softmax", "gumbel_softmax", "softsign",
                 "tanhshrink", "relu", "elu", "leaky_relu", "hardtanh", "selu"]:
        theirs = inspect.signature(getattr(torch.nn.functional, name))
        ours = inspect.signature(getattr(F, name))
        assert [(p.name, p.kind, p.default) for p in ours.parameters.values()] == [
            (p.name, p.kind, p.default) for p in theirs.parameters.values()], name


@pytest.mark.parametrize("name, kwargs", [
    ("relu_", {}), ("elu_", {"alpha": 0.5}), ("leaky_relu_", {"negative_slope": 0.3}),
    ("hardtanh_", {"min_val": -0.5, "max_val": 2.0}), ("celu_", {"alpha": 2.0}), ("selu_", {}),
    ("rrelu_", {}), ("threshold_", {"threshold": 0.0, "value": 7.0}),
])
def test_inplace_forms_write_into_the_input_and_return_it(name, kwargs):
    x = tn.tensor(X.copy())
    expected = getattr(F, name[:-1])(tn.tensor(X.copy()), **kwargs).numpy()
    result = getattr(F, name)(x, **kwargs)
    assert result is x
    np.testing.assert_allclose(x.numpy(), expected)


def test_inplace_module_writes_into_its_input_and_gradients_flow_through_it():
    leaf = tn.tensor(X, requires_grad=True)
    hidden = leaf * 2.0
    out = nn.ReLU6(inplace=True)(hidden)
    assert out is hidden
    out.sum().backward()
    np.testing.assert_allclose(leaf.grad.numpy(), np.where((2 * X > 0) & (2 * X < 6), 2.0, 0.0))


def test_inplace_on_a_leaf_that_requires_grad_is_refused():
    with pytest.raises(RuntimeError, match="leaf"):
        F.relu_(tn.tensor(X, requires_grad=True))


def test_rrelu_draws_slopes_between_lower_and_upper_in_training_and_uses_the_mean_in_eval():
    x = tn.tensor(-np.ones(10000))
    slopes = -F.rrelu(x, 0.1, 0.5, training=True).numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.5 and slopes.std() > 0.1
    assert abs(slopes.mean() - 0.3) < 0.01
    np.testing.assert_allclose(F.rrelu(x, 0.1, 0.5).numpy(), -0.3)
    module = nn.RReLU(0.1, 0.5)
    assert np.unique(module(x).numpy()).size > 100
    np.testing.assert_allclose(module.eval()(x).numpy(), -0.3)


def test_gumbel_softmax_soft_samples_are_distributions_that_favour_the_large_logits():
    logits = tn.tensor(np.log(np.array([[0.1, 0.2, 0.7]] * 4000)))
    soft = F.gumbel_softmax(logits, tau=0.5).numpy()
    np.testing.assert_allclose(soft.sum(-1), 1.0)
    # the Gumbel-max trick: the argmax of logits + Gumbel noise is distributed as softmax(logits)
    frequencies = np.bincount(soft.argmax(-1), minlength=3) / 4000
    np.testing.assert_allclose(frequencies, [0.1, 0.2, 0.7], atol=0.03)


def test_gumbel_softmax_hard_is_one_hot_with_the_soft_gradient():
    logits = tn.tensor(RNG.standard_normal((5, 4)), requires_grad=True)
    tn.manual_seed(1)
    hard = F.gumbel_softmax(logits, hard=True, dim=-1)
    tn.manual_seed(1)
    soft = F.gumbel_softmax(logits, dim=-1)
    assert set(np.unique(hard.detach().numpy())) == {0.0, 1.0}
    np.testing.assert_array_equal(hard.detach().numpy().argmax(-1),
                                  soft.detach().numpy().argmax(-1))
    weights = tn.tensor(RNG.standard_normal((5, 4)))
    (hard_grad,) = tn.autograd.grad((hard * weights).sum(), [logits])
    (soft_grad,) = tn.autograd.grad((soft * weights).sum(), [logits])
    np.testing.assert_allclose(hard_grad.numpy(), soft_grad.numpy(), atol=1e-6)


def test_softmax_without_dim_warns_and_picks_pytorchs_dim():
    x = tn.tensor(X)
    with pytest.warns(UserWarning, match="Implicit dimension"):
        y = F.softmin(x)
    np.testing.assert_allclose(y.numpy().sum(0), 1.0)  # dim 0 for a 3-D input


@pytest.mark.parametrize("call, match", [
    (lambda: F.glu(tn.tensor(np.ones((3, 5)))), "even"),
    (lambda: F.glu(tn.tensor(1.0)), "scalar"),
    (lambda: F.rrelu(tn.tensor(X), 0.5, 0.1), "lower"),
    (lambda: F.hardshrink(tn.tensor(X), -1.0), "lambd"),
    (lambda: F.softshrink(tn.tensor(X), -1.0), "lambd"),
    (lambda: F.celu(tn.tensor(X), 0.0), "alpha"),
    (lambda: F.gumbel_softmax(tn.tensor(X), tau=0.0), "tau"),
    (lambda: nn.Softmax2d()(tn.tensor(np.ones((2, 3)))), "3-D"),
])
def test_bad_arguments_are_refused_with_a_message_naming_them(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_hardtanh_accepts_pytorchs_deprecated_keywords_with_a_warning():
    with pytest.warns(FutureWarning, match="min_value"):
        module = nn.Hardtanh(min_value=-2.0)
    assert module.min_val == -2.0


def test_a_network_with_inplace_activations_has_the_gradients_of_one_without():
    def build(inplace):
        tn.manual_seed(4)
        return nn.Sequential(nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3), nn.ReLU(inplace=inplace),
                             nn.Flatten(), nn.Linear(12, 4), nn.LeakyReLU(0.1, inplace=inplace),
                             nn.Hardtanh(inplace=inplace), nn.Linear(4, 1),
                             nn.ELU(inplace=inplace))
    x = RNG.standard_normal((5, 2, 4, 4))
    grads = []
    for inplace in (False, True):
        model = build(inplace).double()
        model(tn.tensor(x)).sum().backward()
        grads.append([p.grad.numpy() for p in model.parameters()])
    for plain, inplace in zip(*grads):
        np.testing.assert_allclose(inplace, plain, rtol=1e-12)
