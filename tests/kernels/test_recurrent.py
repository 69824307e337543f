"""Recurrent gate kernels: each Numba twin equals its NumPy reference (float32 and float64, drawn
batch and hidden sizes), and the references agree with the step formulas written out directly."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.kernels.strategies import FLOAT_DTYPES
from tinynet.kernels import recurrent as k

TOLERANCE = {np.float32: 2e-5, np.float64: 1e-12}


def _arrays(rng, dtype, *shapes, scale=2.0):
    return [(scale * rng.standard_normal(shape)).astype(dtype) for shape in shapes]


def _twins(kernel, inputs, output_shapes, dtype):
    """Run kernel.numpy and kernel.numba on the same inputs; return both sets of outputs."""
    results = []
    for implementation in (kernel.numpy, kernel.numba):
        outputs = [np.full(shape, np.nan, dtype) for shape in output_shapes]
        implementation(*inputs, *outputs)
        results.append(outputs)
    return results


sizes = st.tuples(st.integers(1, 5), st.integers(1, 7), st.integers(0, 2**16))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@settings(max_examples=20, deadline=None)
@given(sizes=sizes)
def test_lstm_twins_agree(dtype, sizes):
    n, h, seed = sizes
    rng = np.random.default_rng(seed)
    gx, hh, c_prev = _arrays(rng, dtype, (n, 4 * h), (n, 4 * h), (n, h))
    (b,) = _arrays(rng, dtype, (4 * h,))
    reference, twin = _twins(k.lstm_forward_step, (gx, hh, b, c_prev),
                             [(n, 4 * h), (n, h), (n, h)], dtype)
    for a, c in zip(reference, twin):
        np.testing.assert_allclose(c, a, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])
    gates, c, _ = reference
    dh, dc_next = _arrays(rng, dtype, (n, h), (n, h))
    reference, twin = _twins(k.lstm_backward_step, (dh, dc_next, gates, c, c_prev),
                             [(n, 4 * h), (n, h)], dtype)
    for a, c in zip(reference, twin):
        np.testing.assert_allclose(c, a, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@settings(max_examples=20, deadline=None)
@given(sizes=sizes)
def test_gru_twins_agree(dtype, sizes):
    n, h, seed = sizes
    rng = np.random.default_rng(seed)
    gx, hh, h_prev = _arrays(rng, dtype, (n, 3 * h), (n, 3 * h), (n, h))
    (b,) = _arrays(rng, dtype, (3 * h,))
    reference, twin = _twins(k.gru_forward_step, (gx, hh, b, h_prev), [(n, 4 * h), (n, h)],
                             dtype)
    for a, c in zip(reference, twin):
        np.testing.assert_allclose(c, a, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])
    (dh,) = _arrays(rng, dtype, (n, h))
    reference, twin = _twins(k.gru_backward_step, (dh, reference[0], h_prev),
                             [(n, 3 * h), (n, 3 * h), (n, h)], dtype)
    for a, c in zip(reference, twin):
        np.testing.assert_allclose(c, a, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("relu", [False, True])
@settings(max_examples=20, deadline=None)
@given(sizes=sizes)
def test_rnn_twins_agree(dtype, relu, sizes):
    n, h, seed = sizes
    rng = np.random.default_rng(seed)
    gx, hh, dh = _arrays(rng, dtype, (n, h), (n, h), (n, h))
    (b,) = _arrays(rng, dtype, (h,))
    reference, twin = _twins(k.rnn_forward_step, (gx, hh, b, relu), [(n, h)], dtype)
    np.testing.assert_allclose(twin[0], reference[0], rtol=TOLERANCE[dtype],
                               atol=TOLERANCE[dtype])
    reference, twin = _twins(k.rnn_backward_step, (dh, reference[0], relu), [(n, h)], dtype)
    np.testing.assert_allclose(twin[0], reference[0], rtol=TOLERANCE[dtype],
                               atol=TOLERANCE[dtype])


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


def test_lstm_reference_follows_the_formulas():
    rng = np.random.default_rng(0)
    n, h = 3, 4
    gx, hh, c_prev = _arrays(rng, np.float64, (n, 4 * h), (n, 4 * h), (n, h))
    (b,) = _arrays(rng, np.float64, (4 * h,))
    gates, c, h_out = np.empty((n, 4 * h)), np.empty((n, h)), np.empty((n, h))
    k.lstm_forward_step.numpy(gx, hh, b, c_prev, gates, c, h_out)
    a_i, a_f, a_g, a_o = np.split(gx + hh + b, 4, axis=1)
    i, f, g, o = _sigmoid(a_i), _sigmoid(a_f), np.tanh(a_g), _sigmoid(a_o)
    np.testing.assert_allclose(gates, np.concatenate([i, f, g, o], 1), rtol=1e-14)
    np.testing.assert_allclose(c, f * c_prev + i * g, rtol=1e-14)
    np.testing.assert_allclose(h_out, o * np.tanh(f * c_prev + i * g), rtol=1e-14)


def test_gru_reference_follows_the_formulas():
    rng = np.random.default_rng(1)
    n, h = 3, 4
    gx, hh, h_prev = _arrays(rng, np.float64, (n, 3 * h), (n, 3 * h), (n, h))
    (b,) = _arrays(rng, np.float64, (3 * h,))
    saved, h_out = np.empty((n, 4 * h)), np.empty((n, h))
    k.gru_forward_step.numpy(gx, hh, b, h_prev, saved, h_out)
    x_r, x_z, x_n = np.split(gx, 3, axis=1)
    h_r, h_z, h_n = np.split(hh + b, 3, axis=1)
    r, z = _sigmoid(x_r + h_r), _sigmoid(x_z + h_z)
    n_gate = np.tanh(x_n + r * h_n)
    np.testing.assert_allclose(h_out, (1 - z) * n_gate + z * h_prev, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(saved, np.concatenate([r, z, n_gate, h_n], 1), rtol=1e-13)


def test_lstm_backward_reference_is_the_derivative():
    """The backward reference against central differences of the forward reference."""
    rng = np.random.default_rng(2)
    n, h = 2, 3
    gx, c_prev = _arrays(rng, np.float64, (n, 4 * h), (n, h), scale=1.0)
    hh, b = np.zeros((n, 4 * h)), np.zeros(4 * h)
    dh, dc_next = _arrays(rng, np.float64, (n, h), (n, h))

    def loss(gx_value, c_value):
        gates, c, h_out = np.empty((n, 4 * h)), np.empty((n, h)), np.empty((n, h))
        k.lstm_forward_step.numpy(gx_value, hh, b, c_value, gates, c, h_out)
        return (dh * h_out).sum() + (dc_next * c).sum(), gates, c

    _, gates, c = loss(gx, c_prev)
    da, dc_prev = np.empty((n, 4 * h)), np.empty((n, h))
    k.lstm_backward_step.numpy(dh, dc_next, gates, c, c_prev, da, dc_prev)
    for value, analytic in ((gx, da), (c_prev, dc_prev)):
        numeric = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            step = np.zeros_like(value)
            step[index] = 1e-6
            plus = loss(gx + step, c_prev)[0] if value is gx else loss(gx, c_prev + step)[0]
            minus = loss(gx - step, c_prev)[0] if value is gx else loss(gx, c_prev - step)[0]
            numeric[index] = (plus - minus) / 2e-6
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)
