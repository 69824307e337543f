"""Pooling kernels: Numba == NumPy reference on drawn geometry, both against a direct loop,
the adjoint identity of average pooling, unpooling, 1-D wrappers and errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.kernels.strategies import FLOAT_DTYPES, float_arrays, window_cases
from tinynet.kernels import (
    ConvGeometry,
    avg_pool1d_backward,
    avg_pool1d_forward,
    avg_pool2d_backward,
    avg_pool2d_forward,
    max_pool1d_backward,
    max_pool1d_forward,
    max_pool2d_backward,
    max_pool2d_forward,
    max_unpool1d,
    max_unpool2d,
    use_backend,
)


def _window_positions(g, oh, ow):
    """The (row, column) input positions of window (oh, ow), in row-major window order, without
    padding; and the window's size clipped to the padded input (avg_pool's count_include_pad)."""
    rows = [oh * g.sh - g.pad_top + i * g.dh for i in range(g.kh)]
    columns = [ow * g.sw - g.pad_left + j * g.dw for j in range(g.kw)]
    inside = [(r, s) for r in rows for s in columns if 0 <= r < g.in_h and 0 <= s < g.in_w]
    padded_rows = sum(-g.pad_top <= r < g.in_h + g.pad_bottom for r in rows)
    padded_columns = sum(-g.pad_left <= s < g.in_w + g.pad_right for s in columns)
    return inside, padded_rows * padded_columns


def max_pool_by_loop(x, g):
    """PyTorch's scan: first input element, then any strictly larger one or any NaN."""
    n, c = x.shape[:2]
    out = np.zeros((n, c, g.out_h, g.out_w), x.dtype)
    indices = np.zeros(out.shape, np.int64)
    for b in range(n):
        for ch in range(c):
            for oh in range(g.out_h):
                for ow in range(g.out_w):
                    best = None
                    for r, s in _window_positions(g, oh, ow)[0]:
                        value = x[b, ch, r, s]
                        if best is None or value > best or np.isnan(value):
                            best, indices[b, ch, oh, ow] = value, r * g.in_w + s
                    out[b, ch, oh, ow] = best
    return out, indices


def avg_pool_by_loop(x, g, count_include_pad=True, divisor_override=None):
    out = np.zeros(x.shape[:2] + (g.out_h, g.out_w), np.float64)
    for oh in range(g.out_h):
        for ow in range(g.out_w):
            inside, padded_size = _window_positions(g, oh, ow)
            divisor = divisor_override or (padded_size if count_include_pad else len(inside))
            out[:, :, oh, ow] = sum(x[:, :, r, s] for r, s in inside) / divisor
    return out


def _random(shape, dtype, seed):
    return np.random.default_rng(seed).uniform(-1, 1, shape).astype(dtype)


def _tolerance(dtype):
    return dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@given(data=st.data(), case=window_cases(dims=2, pooling=True))
@settings(deadline=None)
def test_max_pool_numba_equals_reference_and_loop(dtype, data, case):
    # small integers make ties common, so the choice among equal maxima is tested too
    x = data.draw(float_arrays(case.x_shape, dtype, ties=True), label="x")
    g = case.geometry
    out, indices = max_pool2d_forward.numpy(x, g)
    out_numba, indices_numba = max_pool2d_forward.numba(x, g)
    assert out.dtype == out_numba.dtype == dtype
    assert indices.dtype == indices_numba.dtype == np.int64
    np.testing.assert_array_equal(out_numba, out)
    np.testing.assert_array_equal(indices_numba, indices)
    out_loop, indices_loop = max_pool_by_loop(x, g)
    np.testing.assert_array_equal(out, out_loop)
    np.testing.assert_array_equal(indices, indices_loop)

    grad_out = _random(out.shape, dtype, seed=0)
    grad_x = max_pool2d_backward.numpy(grad_out, indices, x.shape)
    grad_x_numba = max_pool2d_backward.numba(grad_out, indices, x.shape)
    assert grad_x.dtype == grad_x_numba.dtype == dtype
    np.testing.assert_allclose(grad_x_numba, grad_x, **_tolerance(dtype))
    # the backward is the adjoint of "gather x at the indices"
    gathered = np.take_along_axis(
        x.reshape(x.shape[:2] + (-1,)), indices.reshape(out.shape[:2] + (-1,)), 2
    )
    np.testing.assert_allclose(np.vdot(gathered, grad_out), np.vdot(x, grad_x), **_tolerance(dtype))


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_max_pool_nan_and_infinity_follow_pytorch(backend):
    nan, inf = np.nan, np.inf
    x = np.array([[[[1.0, nan, 2.0, nan], [-inf, -inf, -inf, -inf]]]])
    g = ConvGeometry.from_shape(x.shape, (1, 3), stride=1, padding=(0, 1), pooling=True)
    out, indices = getattr(max_pool2d_forward, backend)(x, g)
    # a window with NaN returns NaN at its last NaN; an all -inf window returns its first element
    np.testing.assert_array_equal(out[0, 0], [[nan, nan, nan, nan], [-inf, -inf, -inf, -inf]])
    np.testing.assert_array_equal(indices[0, 0], [[1, 1, 3, 3], [4, 4, 5, 6]])


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("count_include_pad", [True, False])
@given(case=window_cases(dims=2, pooling=True, dilation=False), seed=st.integers(0, 2**32 - 1),
       divisor_override=st.sampled_from([None, None, 1, 3]))  # fmt: skip
@settings(deadline=None)
def test_avg_pool_numba_equals_reference_and_loop(
    dtype, count_include_pad, case, seed, divisor_override
):
    g = case.geometry
    x = _random(case.x_shape, dtype, seed)
    options = dict(count_include_pad=count_include_pad, divisor_override=divisor_override)
    out = avg_pool2d_forward.numpy(x, g, **options)
    out_numba = avg_pool2d_forward.numba(x, g, **options)
    assert out.dtype == out_numba.dtype == dtype
    np.testing.assert_allclose(out_numba, out, **_tolerance(dtype))
    np.testing.assert_allclose(out, avg_pool_by_loop(x, g, **options), **_tolerance(dtype))

    grad_out = _random(out.shape, dtype, seed + 1)
    grad_x = avg_pool2d_backward.numpy(grad_out, g, x.shape, **options)
    grad_x_numba = avg_pool2d_backward.numba(grad_out, g, x.shape, **options)
    assert grad_x.dtype == grad_x_numba.dtype == dtype
    np.testing.assert_allclose(grad_x_numba, grad_x, **_tolerance(dtype))
    # average pooling is linear; its backward is its adjoint: <pool(x), y> == <x, pool^T(y)>
    np.testing.assert_allclose(np.vdot(out, grad_out), np.vdot(x, grad_x), **_tolerance(dtype))


def test_avg_pool_divisor_by_hand():
    # 5 elements, kernel 3, stride 2, padding 1, ceil_mode: windows [-1, 1], [1, 3], [3, 5]
    x = np.ones((1, 1, 1, 5))
    g = ConvGeometry.from_shape(x.shape, (1, 3), (1, 2), (0, 1), ceil_mode=True, pooling=True)
    np.testing.assert_allclose(avg_pool2d_forward(x, g)[0, 0, 0], [2 / 3, 1, 2 / 3])
    np.testing.assert_allclose(
        avg_pool2d_forward(x, g, count_include_pad=False)[0, 0, 0], [1, 1, 1]
    )
    # 4 elements: the last window [3, 5] holds input 3, padding 4 and the ceil overhang 5
    x = np.ones((1, 1, 1, 4))
    g = ConvGeometry.from_shape(x.shape, (1, 3), (1, 2), (0, 1), ceil_mode=True, pooling=True)
    np.testing.assert_allclose(avg_pool2d_forward(x, g)[0, 0, 0], [2 / 3, 1, 1 / 2])


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@given(case=window_cases(dims=2, pooling=True), seed=st.integers(0, 2**32 - 1))
@settings(deadline=None)
def test_unpool_puts_the_maxima_back(backend, case, seed):
    x = _random(case.x_shape, np.float64, seed)
    out, indices = getattr(max_pool2d_forward, backend)(x, case.geometry)
    restored = max_unpool2d(out, indices, x.shape[2:])
    assert restored.shape == x.shape and restored.dtype == x.dtype
    planes = x.shape[:2] + (-1,)
    flat_indices = indices.reshape(planes)
    np.testing.assert_array_equal(
        np.take_along_axis(restored.reshape(planes), flat_indices, 2), out.reshape(planes)
    )
    chosen = np.zeros(restored.reshape(planes).shape, bool)
    np.put_along_axis(chosen, flat_indices, True, axis=2)
    assert not restored.reshape(planes)[~chosen].any()


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@given(case=window_cases(dims=1, pooling=True), seed=st.integers(0, 2**32 - 1))
@settings(deadline=None)
def test_1d_wrappers_are_the_2d_kernels_on_height_one_planes(backend, case, seed):
    with use_backend(backend):
        _check_1d_wrappers(case, seed)


def _check_1d_wrappers(case, seed):
    g = case.geometry
    x = _random(case.x_shape, np.float64, seed)
    x_plane = x[:, :, None, :]
    out, indices = max_pool1d_forward(x, g)
    expected_out, expected_indices = max_pool_by_loop(x_plane, g)
    np.testing.assert_array_equal(out, expected_out[:, :, 0])
    np.testing.assert_array_equal(indices, expected_indices[:, :, 0])
    grad_out = _random(out.shape, np.float64, seed + 1)
    grad_x = max_pool1d_backward(grad_out, indices, x.shape)
    assert grad_x.shape == x.shape
    np.testing.assert_allclose(np.vdot(out, grad_out), np.vdot(x, grad_x), rtol=1e-12)
    restored = max_unpool1d(out, indices, x.shape[2])
    assert restored.shape == x.shape

    if g.dw == 1:
        for count_include_pad in (True, False):
            average = avg_pool1d_forward(x, g, count_include_pad)
            expected = avg_pool_by_loop(x_plane, g, count_include_pad)[:, :, 0]
            np.testing.assert_allclose(average, expected, rtol=1e-12)
            grad_x = avg_pool1d_backward(grad_out, g, x.shape, count_include_pad)
            np.testing.assert_allclose(np.vdot(average, grad_out), np.vdot(x, grad_x), rtol=1e-12)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_pooling_errors_name_the_problem(backend):
    g = ConvGeometry.from_shape((1, 2, 4, 4), 2, pooling=True)
    dilated = ConvGeometry.from_shape((1, 2, 4, 4), 2, dilation=2, pooling=True)
    x = np.zeros((1, 2, 4, 4))
    grad_out = np.zeros((1, 2, 2, 2))
    indices = np.zeros((1, 2, 2, 2), np.int64)
    with pytest.raises(ValueError, match=r"input of shape \(1, 2, 4, 5\)"):
        getattr(max_pool2d_forward, backend)(np.zeros((1, 2, 4, 5)), g)
    with pytest.raises(ValueError, match="no dilation"):
        getattr(avg_pool2d_forward, backend)(x, dilated)
    with pytest.raises(ValueError, match="no dilation"):
        getattr(avg_pool2d_backward, backend)(np.zeros((1, 2, 2, 2)), dilated, x.shape)
    with pytest.raises(ValueError, match="divisor_override must not be zero"):
        getattr(avg_pool2d_forward, backend)(x, g, divisor_override=0)
    with pytest.raises(ValueError, match=r"grad_output of shape \(1, 2, 3, 2\)"):
        getattr(avg_pool2d_backward, backend)(np.zeros((1, 2, 3, 2)), g, x.shape)
    with pytest.raises(ValueError, match="index 16 is out of range for planes of 4x4"):
        getattr(max_pool2d_backward, backend)(grad_out, indices + 16, x.shape)
    with pytest.raises(ValueError, match=r"one shape.*\(1, 2, 2, 2\), \(1, 2, 2, 1\)"):
        getattr(max_pool2d_backward, backend)(grad_out, indices[..., :1], x.shape)
    with pytest.raises(ValueError, match="index -1 is out of range"):
        max_unpool2d(grad_out, indices - 1, (4, 4))
    with pytest.raises(ValueError, match=r"input of shape \(1, 2, 4, 4\) is not \(n, c, l\)"):
        max_pool1d_forward(x, g)
