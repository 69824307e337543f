"""matmul and linear_act: Numba == NumPy reference, dtypes kept, the dispatch rule, errors."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.kernels.strategies import FLOAT_DTYPES
from tinynet.kernels import linear_act, matmul, use_backend
from tinynet.kernels.matmul import (
    SMALL_MATRIX_MAX_MULTIPLY_ADDS,
    SMALL_MATRIX_MIN_BATCH,
    is_many_small_matmuls,
)


def _random(shape, dtype, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, shape).astype(dtype)


def _tolerance(dtype):
    return dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@given(batch=st.sampled_from([(1024,), (1100,), (32, 33), (2, 4, 130)]), m=st.integers(0, 6),
       k=st.integers(0, 6), n=st.integers(0, 6))  # fmt: skip
@settings(deadline=None)
def test_many_small_matmuls_numba_equals_reference(dtype, batch, m, k, n):
    a, b = _random(batch + (m, k), dtype, 1), _random(batch + (k, n), dtype, 2)
    expected = matmul.numpy(a, b)
    actual = matmul.numba(a, b)
    assert actual.dtype == expected.dtype == dtype
    assert actual.shape == expected.shape == batch + (m, n)
    np.testing.assert_allclose(actual, expected, **_tolerance(dtype))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize(
    "a_shape, b_shape",
    [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((5, 3), (3, 4)), ((100, 4, 4), (4, 4)),
     ((1, 4, 4), (100, 4, 4)), ((100, 8, 8), (100, 8, 8)), ((64, 1, 300), (64, 300, 1))],
)  # fmt: skip
def test_other_shapes_go_to_numpy_with_its_broadcasting(dtype, a_shape, b_shape):
    a, b = _random(a_shape, dtype, 1), _random(b_shape, dtype, 2)
    assert not is_many_small_matmuls(a, b)
    with use_backend("numba"):
        actual = matmul(a, b)
    assert actual.dtype == dtype
    np.testing.assert_allclose(actual, np.matmul(a, b), **_tolerance(dtype))


def test_the_dispatch_rule_follows_the_measured_thresholds():
    small = round(SMALL_MATRIX_MAX_MULTIPLY_ADDS ** (1 / 3))
    a = np.zeros((SMALL_MATRIX_MIN_BATCH, small, small))
    assert is_many_small_matmuls(a, a)
    assert not is_many_small_matmuls(a[1:], a[1:])  # too few
    bigger = np.zeros((SMALL_MATRIX_MIN_BATCH, small + 1, small + 1))
    assert not is_many_small_matmuls(bigger, bigger)  # too much work per matrix
    assert not is_many_small_matmuls(a, a.astype(np.float32))  # mixed dtypes: NumPy promotes
    assert not is_many_small_matmuls(a.astype(np.int64), a.astype(np.int64))
    assert not is_many_small_matmuls(a, a[:, :, :2].copy().transpose(0, 2, 1)[:, :1])


def test_non_contiguous_small_matmuls():
    a = _random((2, 1200, 2), np.float64).transpose(1, 2, 0)  # (1200, 2, 2), strided
    b = _random((1200, 2, 4), np.float64)[:, :, ::-2]
    assert is_many_small_matmuls(a, b)
    np.testing.assert_allclose(matmul.numba(a, b), np.matmul(a, b), rtol=1e-12)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_mismatched_shapes_raise_numpys_error(backend):
    with use_backend(backend), pytest.raises(ValueError):
        matmul(np.zeros((100, 2, 3)), np.zeros((100, 2, 3)))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("activation", [None, "relu", "sigmoid", "tanh"])
@pytest.mark.parametrize("x_shape", [(7,), (5, 7), (2, 3, 7)])
@pytest.mark.parametrize("with_bias", [True, False])
def test_linear_act_numba_equals_reference(dtype, activation, x_shape, with_bias):
    x, weight = _random(x_shape, dtype, 1), _random((4, 7), dtype, 2)
    bias = _random((4,), dtype, 3) if with_bias else None
    expected = linear_act.numpy(x, weight, bias, activation)
    actual = linear_act.numba(x, weight, bias, activation)
    assert actual.dtype == expected.dtype == dtype
    assert actual.shape == x_shape[:-1] + (4,)
    np.testing.assert_allclose(actual, expected, **_tolerance(dtype))
    by_formula = x @ weight.T + (0 if bias is None else bias)
    by_formula = {
        None: by_formula,
        "relu": np.maximum(by_formula, 0),
        "sigmoid": 1 / (1 + np.exp(-by_formula)),
        "tanh": np.tanh(by_formula),
    }[activation]
    np.testing.assert_allclose(expected, by_formula, **_tolerance(dtype))


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_sigmoid_is_stable_for_huge_logits(backend, dtype):
    x = np.array([[1.0], [-1.0]], dtype)
    weight = np.array([[1e4], [-1e4], [0.0]], dtype)
    with use_backend(backend), warnings.catch_warnings():
        warnings.simplefilter("error")
        out = linear_act(x, weight, None, "sigmoid")
    np.testing.assert_array_equal(out, np.array([[1, 0, 0.5], [0, 1, 0.5]], dtype))


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize("activation", [None, "relu", "sigmoid", "tanh"])
def test_linear_act_writes_into_out_also_a_block_of_columns(backend, activation):
    """out= (Linear's blocks on the pool): the values of the call without it, written into the
    given array, here every other column of a wider one, and nothing else of it touched."""
    rng = np.random.default_rng(3)
    x, weight, bias = rng.standard_normal((5, 4)), rng.standard_normal((3, 4)), rng.standard_normal(3)
    wide = np.full((5, 6), 7.0)
    with use_backend(backend):
        expected = linear_act(x, weight, bias, activation)
        returned = linear_act(x, weight, bias, activation, out=wide[:, ::2])
    np.testing.assert_allclose(wide[:, ::2], expected, rtol=1e-12, atol=1e-12)
    assert np.shares_memory(returned, wide)
    np.testing.assert_array_equal(wide[:, 1::2], 7.0)
    # (2, 3, 4) input into a view whose rows cannot be merged into one (6, 3) view
    x3 = rng.standard_normal((2, 3, 4))
    block = np.full((2, 4, 6), 7.0)
    with use_backend(backend):
        expected = linear_act(x3, weight, bias, activation)
        linear_act(x3, weight, bias, activation, out=block[:, :3, ::2])
    np.testing.assert_allclose(block[:, :3, ::2], expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(block[:, 3], 7.0)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_unknown_activation_names_the_allowed_ones(backend):
    with use_backend(backend), pytest.raises(ValueError, match=r"'gelu'.*'relu', 'sigmoid'"):
        linear_act(np.zeros((2, 3)), np.zeros((4, 3)), None, "gelu")
