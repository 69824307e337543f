"""Initializers: sample statistics against the formulas in their docstrings, bounds, fans,
repeatability under manual_seed, and the layers' default initialization."""

import math

import numpy as np
import pytest

import tinynet as tn
from tinynet import nn
from tinynet.nn import init

SHAPE = (300, 200)  # fan_in 200, fan_out 300: 60 000 draws, so variances are within ~1.5 %
FAN_IN, FAN_OUT = 200, 300


def draws(fn, shape=SHAPE, **kwargs):
    tensor = tn.empty(*shape, dtype="float64")
    assert fn(tensor, **kwargs) is tensor
    return tensor.numpy()


def assert_variance(values, expected, tolerance=0.05):
    assert abs(values.mean()) < 4 * math.sqrt(expected / values.size)
    assert values.var() == pytest.approx(expected, rel=tolerance)


def test_calculate_gain_matches_pytorchs_table():
    assert init.calculate_gain("linear") == init.calculate_gain("conv2d") == 1.0
    assert init.calculate_gain("sigmoid") == 1.0
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01**2)))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="unsupported nonlinearity"):
        init.calculate_gain("swish")


def test_fans_count_the_receptive_field():
    assert init._calculate_fan_in_and_fan_out(tn.empty(8, 3, 5, 5)) == (75, 200)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(tn.empty(4))


def test_uniform_and_normal():
    values = draws(init.uniform_, a=-2.0, b=4.0)
    assert values.min() >= -2 and values.max() < 4
    assert values.mean() == pytest.approx(1.0, abs=0.03)
    assert_variance(draws(init.normal_, std=0.5), 0.25)
    assert (draws(init.constant_, val=0.3) == 0.3).all()
    assert (draws(init.zeros_) == 0).all() and (draws(init.ones_) == 1).all()


def test_xavier_variance_is_gain_squared_times_two_over_fan_sum():
    expected = 2.0 / (FAN_IN + FAN_OUT)
    uniform = draws(init.xavier_uniform_, gain=1.5)
    assert np.abs(uniform).max() <= 1.5 * math.sqrt(6 / (FAN_IN + FAN_OUT))
    assert_variance(uniform, 1.5**2 * expected)
    assert_variance(draws(init.xavier_normal_), expected)


@pytest.mark.parametrize("mode, fan", [("fan_in", FAN_IN), ("fan_out", FAN_OUT)])
def test_kaiming_variance_is_gain_squared_over_fan(mode, fan):
    uniform = draws(init.kaiming_uniform_, mode=mode, nonlinearity="relu")
    assert np.abs(uniform).max() <= math.sqrt(6 / fan)
    assert_variance(uniform, 2.0 / fan)
    assert_variance(draws(init.kaiming_normal_, a=0.3, mode=mode), 2 / (1 + 0.09) / fan)


def test_pytorchs_layer_default_is_uniform_with_bound_one_over_sqrt_fan_in():
    layer = nn.Linear(FAN_IN, 400)
    bound = 1 / math.sqrt(FAN_IN)
    for values in (layer.weight.detach().numpy(), layer.bias.detach().numpy()):
        assert np.abs(values).max() <= bound
        assert np.abs(values).max() > 0.95 * bound
    assert_variance(layer.weight.detach().numpy(), bound**2 / 3)


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (3, 2, 2)])
def test_orthogonal_rows_or_columns_are_orthonormal_times_gain(shape):
    matrix = draws(init.orthogonal_, shape=shape, gain=2.0).reshape(shape[0], -1)
    if matrix.shape[0] <= matrix.shape[1]:
        np.testing.assert_allclose(matrix @ matrix.T, 4 * np.eye(matrix.shape[0]), atol=1e-12)
    else:
        np.testing.assert_allclose(matrix.T @ matrix, 4 * np.eye(matrix.shape[1]), atol=1e-12)


def _truncated_normal_moments(mean, std, a, b):
    """Mean and variance of N(mean, std²) conditioned on [a, b] (textbook formulas)."""
    alpha, beta = (a - mean) / std, (b - mean) / std
    pdf = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    cdf = lambda z: 0.5 * (1 + math.erf(z / math.sqrt(2)))
    mass = cdf(beta) - cdf(alpha)
    shift = (pdf(alpha) - pdf(beta)) / mass
    variance = 1 + (alpha * pdf(alpha) - beta * pdf(beta)) / mass - shift**2
    return mean + std * shift, std**2 * variance


@pytest.mark.parametrize(
    "mean, std, a, b", [(0.0, 1.0, -2.0, 2.0), (0.5, 0.2, 0.0, 0.6), (0.0, 1.0, 1.5, 3.0)]
)
def test_trunc_normal_stays_in_bounds_with_the_truncated_moments(mean, std, a, b):
    values = draws(init.trunc_normal_, mean=mean, std=std, a=a, b=b)
    assert values.min() >= a and values.max() <= b
    expected_mean, expected_variance = _truncated_normal_moments(mean, std, a, b)
    assert values.mean() == pytest.approx(
        expected_mean, abs=4 * math.sqrt(expected_variance / values.size)
    )
    assert values.var() == pytest.approx(expected_variance, rel=0.05)


def test_initialization_repeats_under_manual_seed_and_follows_a_given_generator():
    tn.manual_seed(3)
    first = nn.Linear(4, 4).weight.detach().numpy().copy()
    tn.manual_seed(3)
    np.testing.assert_array_equal(nn.Linear(4, 4).weight.detach().numpy(), first)
    one, two = tn.empty(3, 3), tn.empty(3, 3)
    init.normal_(one, generator=tn.Generator(5))
    init.normal_(two, generator=tn.Generator(5))
    np.testing.assert_array_equal(one.numpy(), two.numpy())


def test_initializers_write_in_place_and_bump_the_version():
    layer = nn.Linear(3, 3)
    version = layer.weight._version
    data = layer.weight._data
    init.xavier_uniform_(layer.weight)
    assert layer.weight._data is data and layer.weight._version == version + 1
    assert layer.weight.requires_grad and layer.weight.is_leaf
