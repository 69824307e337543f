"""Activation functions and modules: values against NumPy formulas, first and second derivatives
against finite differences (hypothesis-drawn inputs), stability at ±1e4, the modules' wiring."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinynet as tn
import tinynet.nn.functional as F
from tests.nn.cases_nn import NN_CASES
from tests.nn.conftest import check_gradients
from tests.strategies import arrays, shapes
from tinynet import nn
from tinynet.autograd import gradcheck, gradgradcheck

FEW = settings(max_examples=8, deadline=None)
ERF = np.vectorize(math.erf)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


# name, function, NumPy reference, kinks to keep away from
ACTIVATIONS = [
    ("relu", F.relu, lambda x: np.maximum(x, 0), [0.0]),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.2), lambda x: np.where(x > 0, x, 0.2 * x), [0.0]),
    ("elu", lambda x: F.elu(x, 0.7), lambda x: np.where(x > 0, x, 0.7 * np.expm1(x)), [0.0]),
    (
        "selu",
        F.selu,
        lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x)),
        [0.0],
    ),
    ("gelu", F.gelu, lambda x: 0.5 * x * (1 + ERF(x / math.sqrt(2))), []),
    (
        "gelu_tanh",
        lambda x: F.gelu(x, approximate="tanh"),
        lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))),
        [],
    ),
    ("silu", F.silu, lambda x: x * _sigmoid(x), []),
    ("swish_beta", lambda x: F.silu(x, beta=1.7), lambda x: x * _sigmoid(1.7 * x), []),
    ("sigmoid", F.sigmoid, _sigmoid, []),
    ("tanh", F.tanh, np.tanh, []),
    ("softplus", F.softplus, lambda x: np.log1p(np.exp(x)), []),
    (
        "softplus_beta",
        lambda x: F.softplus(x, beta=2.0, threshold=3.0),
        lambda x: np.where(2 * x > 3, x, np.log1p(np.exp(2 * x)) / 2),
        [1.5],
    ),
    ("hardtanh", lambda x: F.hardtanh(x, -0.5, 1.5), lambda x: np.clip(x, -0.5, 1.5), [-0.5, 1.5]),
    (
        "softmax",
        lambda x: F.softmax(x, -1),
        lambda x: np.exp(x) / np.exp(x).sum(-1, keepdims=True),
        [],
    ),
    (
        "log_softmax",
        lambda x: F.log_softmax(x, 0),
        lambda x: x - np.log(np.exp(x).sum(0, keepdims=True)),
        [],
    ),
    (
        "prelu",
        lambda x: F.prelu(x, tn.tensor(np.array([0.3]))),
        lambda x: np.where(x > 0, x, 0.3 * x),
        [0.0],
    ),
]


def _inputs(avoid):
    return shapes(min_dims=1, max_dims=3).flatmap(lambda shape: arrays(shape, avoid=avoid))


@pytest.mark.parametrize("name, fn, reference, avoid", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
@FEW
@given(data=st.data())
def test_activation_matches_formula_and_finite_differences(name, fn, reference, avoid, data):
    array = data.draw(_inputs(avoid))
    x = tn.tensor(array, requires_grad=True)
    np.testing.assert_allclose(fn(x).detach().numpy(), reference(array), rtol=1e-10, atol=1e-12)
    check_gradients(fn, [x])


@pytest.mark.parametrize("case", NN_CASES, ids=lambda case: case.name)
@FEW
@given(data=st.data())
def test_nn_ops_backward_and_double_backward(case, data):
    arrays_, params = data.draw(case.inputs)
    inputs = [tn.tensor(a, dtype="float64", requires_grad=True) for a in arrays_]
    assert gradcheck(lambda *xs: case.fn(*xs, **params), inputs)
    assert gradgradcheck(lambda *xs: case.fn(*xs, **params), inputs)


def test_prelu_learns_one_slope_per_channel():
    x = tn.tensor(np.random.default_rng(1).standard_normal((2, 3, 2)), requires_grad=True)
    slopes = tn.tensor(np.array([0.1, 0.2, 0.3]), requires_grad=True)
    expected = np.where(
        x.detach().numpy() > 0,
        x.detach().numpy(),
        np.array([0.1, 0.2, 0.3])[None, :, None] * x.detach().numpy(),
    )
    np.testing.assert_allclose(F.prelu(x, slopes).detach().numpy(), expected)
    check_gradients(F.prelu, [x, slopes])
    with pytest.raises(ValueError, match="3 channels"):
        F.prelu(x, tn.ones(2))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, fn, reference, avoid", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_is_finite_for_inputs_of_1e4(name, fn, reference, avoid, dtype):
    x = tn.tensor([-1e4, -30.0, 0.5, 30.0, 1e4], dtype=dtype, requires_grad=True)
    y = fn(x)
    y.backward(tn.ones_like(y))
    assert np.isfinite(y.detach().numpy()).all(), name
    assert np.isfinite(x.grad.numpy()).all(), name
    if name in ("relu", "gelu", "silu", "softplus", "leaky_relu", "elu", "gelu_tanh"):
        assert y.detach().numpy()[-1] == pytest.approx(1e4)


def test_step_is_heaviside_with_zero_gradient():
    x = tn.tensor([-2.0, 0.0, 3.0], requires_grad=True)
    y = F.step(x)
    np.testing.assert_array_equal(y.detach().numpy(), [0.0, 1.0, 1.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0])


def test_softmax_without_dim_warns_and_uses_pytorchs_legacy_choice():
    with pytest.warns(UserWarning, match="dim=X"):
        y = F.softmax(tn.ones(2, 3))
    np.testing.assert_allclose(y.numpy(), np.full((2, 3), 1 / 3), rtol=1e-6)


MODULES = [
    (nn.ReLU(), F.relu, "ReLU()"),
    (nn.LeakyReLU(0.1), lambda x: F.leaky_relu(x, 0.1), "LeakyReLU(negative_slope=0.1)"),
    (nn.ELU(alpha=0.5), lambda x: F.elu(x, 0.5), "ELU(alpha=0.5)"),
    (nn.SELU(), F.selu, "SELU()"),
    (nn.GELU("tanh"), lambda x: F.gelu(x, "tanh"), "GELU(approximate='tanh')"),
    (nn.SiLU(), F.silu, "SiLU()"),
    (nn.SiLU(beta=2.0), lambda x: F.silu(x, beta=2.0), "SiLU(beta=2.0)"),
    (nn.Sigmoid(), F.sigmoid, "Sigmoid()"),
    (nn.Tanh(), F.tanh, "Tanh()"),
    (nn.Softplus(beta=2.0), lambda x: F.softplus(x, 2.0), "Softplus(beta=2.0, threshold=20.0)"),
    (
        nn.Hardtanh(-2.0, 2.0),
        lambda x: F.hardtanh(x, -2.0, 2.0),
        "Hardtanh(min_val=-2.0, max_val=2.0)",
    ),
    (nn.Softmax(dim=1), lambda x: F.softmax(x, 1), "Softmax(dim=1)"),
    (nn.LogSoftmax(dim=0), lambda x: F.log_softmax(x, 0), "LogSoftmax(dim=0)"),
    (nn.Step(), F.step, "Step()"),
]


@pytest.mark.parametrize("module, fn, text", MODULES, ids=[m[2] for m in MODULES])
def test_activation_module_calls_its_function_and_prints_its_arguments(module, fn, text):
    x = tn.randn(3, 4)
    np.testing.assert_array_equal(module(x).numpy(), fn(x).numpy())
    assert repr(module) == text
    assert not list(module.parameters())


def test_prelu_module_has_a_learnable_weight_initialized_to_init():
    module = nn.PReLU(num_parameters=3, init=0.1)
    assert list(module.state_dict()) == ["weight"]
    np.testing.assert_allclose(module.weight.detach().numpy(), [0.1, 0.1, 0.1])
    module(tn.randn(2, 3, 4)).sum().backward()
    assert module.weight.grad.shape == (3,)
