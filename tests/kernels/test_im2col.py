"""im2col / col2im: Numba == NumPy reference on drawn geometry, a direct loop, the adjoint."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.kernels.strategies import FLOAT_DTYPES, window_cases
from tinynet.kernels import (
    ConvGeometry,
    batch_col2im,
    batch_im2col,
    col2im,
    col2im1d,
    im2col,
    im2col1d,
    use_backend,
)


def _random(shape, dtype, seed):
    return np.random.default_rng(seed).uniform(-1, 1, shape).astype(dtype)


def im2col_by_loop(x, g):
    """The definition, one element at a time."""
    n, c = x.shape[:2]
    cols = np.zeros((n, c, g.kh, g.kw, g.out_h, g.out_w), x.dtype)
    for i in range(g.kh):
        for j in range(g.kw):
            for oh in range(g.out_h):
                for ow in range(g.out_w):
                    row = oh * g.sh - g.pad_top + i * g.dh
                    column = ow * g.sw - g.pad_left + j * g.dw
                    if 0 <= row < g.in_h and 0 <= column < g.in_w:
                        cols[:, :, i, j, oh, ow] = x[:, :, row, column]
    return cols


geometries = st.one_of(window_cases(dims=2), window_cases(dims=2, pooling=True))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@given(case=geometries, seed=st.integers(0, 2**32 - 1))
@settings(deadline=None)
def test_im2col_numba_equals_reference_and_loop(dtype, case, seed):
    x = _random(case.x_shape, dtype, seed)
    expected = im2col.numpy(x, case.geometry)
    actual = im2col.numba(x, case.geometry)
    assert actual.dtype == expected.dtype == dtype
    np.testing.assert_array_equal(actual, expected)
    np.testing.assert_array_equal(expected, im2col_by_loop(x, case.geometry))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@given(case=geometries, seed=st.integers(0, 2**32 - 1))
@settings(deadline=None)
def test_col2im_numba_equals_reference_and_is_the_adjoint(dtype, case, seed):
    g = case.geometry
    x = _random(case.x_shape, dtype, seed)
    cols = _random(case.x_shape[:2] + (g.kh, g.kw, g.out_h, g.out_w), dtype, seed + 1)
    expected = col2im.numpy(cols, g, x.shape)
    actual = col2im.numba(cols, g, x.shape)
    assert actual.dtype == expected.dtype == dtype
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(actual, expected, rtol=tolerance, atol=tolerance)
    # <im2col(x), cols> == <x, col2im(cols)>
    left = np.vdot(im2col(x, g).astype(np.float64), cols)
    right = np.vdot(x.astype(np.float64), actual)
    np.testing.assert_allclose(left, right, rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@given(case=geometries, seed=st.integers(0, 2**32 - 1))
@settings(deadline=None)
def test_batch_im2col_numba_equals_reference_and_is_im2col_with_the_batch_axis_moved(
    dtype, case, seed
):
    x = _random(case.x_shape, dtype, seed)
    expected = batch_im2col.numpy(x, case.geometry)
    actual = batch_im2col.numba(x, case.geometry)
    assert actual.dtype == expected.dtype == dtype
    np.testing.assert_array_equal(actual, expected)
    # cols[c, i, j, n, oh, ow] = im2col's cols[n, c, i, j, oh, ow]
    by_loop = im2col_by_loop(x, case.geometry).transpose(1, 2, 3, 0, 4, 5)
    np.testing.assert_array_equal(expected, by_loop)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@given(case=geometries, seed=st.integers(0, 2**32 - 1))
@settings(deadline=None)
def test_batch_col2im_numba_equals_reference_and_is_the_adjoint(dtype, case, seed):
    g = case.geometry
    x = _random(case.x_shape, dtype, seed)
    n, c = case.x_shape[:2]
    cols = _random((c, g.kh, g.kw, n, g.out_h, g.out_w), dtype, seed + 1)
    expected = batch_col2im.numpy(cols, g, x.shape)
    actual = batch_col2im.numba(cols, g, x.shape)
    assert actual.dtype == expected.dtype == dtype
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(actual, expected, rtol=tolerance, atol=tolerance)
    # the same sums as col2im of the same values in im2col's layout
    unbatched = np.ascontiguousarray(cols.transpose(3, 0, 1, 2, 4, 5))
    np.testing.assert_allclose(expected, col2im.numpy(unbatched, g, x.shape), rtol=tolerance,
                               atol=tolerance)
    # <batch_im2col(x), cols> == <x, batch_col2im(cols)>
    left = np.vdot(batch_im2col(x, g).astype(np.float64), cols)
    right = np.vdot(x.astype(np.float64), actual)
    np.testing.assert_allclose(left, right, rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@given(case=window_cases(dims=1, pooling=True), seed=st.integers(0, 2**32 - 1))
@settings(deadline=None)
def test_1d_wrappers_are_the_2d_kernels_on_height_one_planes(backend, case, seed):
    g = case.geometry
    x = _random(case.x_shape, np.float64, seed)
    n, c = x.shape[:2]
    with use_backend(backend):
        cols = im2col1d(x, g)
        assert cols.shape == (n, c, g.kw, g.out_w)
        np.testing.assert_array_equal(cols, im2col_by_loop(x[:, :, None], g)[:, :, 0, :, 0])
        y = _random(cols.shape, np.float64, seed + 1)
        back = col2im1d(y, g, x.shape)
        assert back.shape == x.shape
        np.testing.assert_allclose(np.vdot(cols, y), np.vdot(x, back), rtol=1e-12)


def test_small_example_by_hand():
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    g = ConvGeometry.from_shape(x.shape, 2, stride=1, padding=0)
    cols = im2col(x, g)
    # kernel offset (0, 0) sees the top-left 2x2 corner of every window position
    np.testing.assert_array_equal(cols[0, 0, 0, 0], [[0, 1], [3, 4]])
    np.testing.assert_array_equal(cols[0, 0, 1, 1], [[4, 5], [7, 8]])
    # col2im of ones counts how many windows cover each element
    counts = col2im(np.ones_like(cols), g, x.shape)
    np.testing.assert_array_equal(counts[0, 0], [[1, 2, 1], [2, 4, 2], [1, 2, 1]])


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_padding_and_ceil_overhang_read_as_zero(backend):
    x = np.ones((1, 1, 3, 3), np.float32)
    g = ConvGeometry.from_shape(x.shape, 2, stride=2, padding=1, ceil_mode=True, pooling=True)
    assert (g.out_h, g.out_w) == (2, 2)
    with use_backend(backend):
        cols = im2col(x, g)
    # the first window covers one input element, the last (1, 1) window covers four
    np.testing.assert_array_equal(cols.sum(axis=(2, 3))[0, 0], [[1, 2], [2, 4]])


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_non_contiguous_input(backend):
    x = np.random.default_rng(0).normal(size=(2, 6, 5, 3)).transpose(0, 3, 2, 1)
    g = ConvGeometry.from_shape(x.shape, 3, padding=1)
    with use_backend(backend):
        np.testing.assert_array_equal(im2col(x, g), im2col_by_loop(x, g))
        np.testing.assert_array_equal(batch_im2col(x, g),
                                      im2col_by_loop(x, g).transpose(1, 2, 3, 0, 4, 5))


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_shape_errors_name_the_shapes(backend):
    g = ConvGeometry.from_shape((2, 3, 5, 5), 3)
    with use_backend(backend):
        with pytest.raises(ValueError, match=r"input of shape \(2, 3, 5, 4\)"):
            im2col(np.zeros((2, 3, 5, 4)), g)
        with pytest.raises(
            ValueError, match=r"cols of shape \(2, 3, 3, 3, 3, 2\).*\(2, 3, 3, 3, 3, 3\)"
        ):
            col2im(np.zeros((2, 3, 3, 3, 3, 2)), g, (2, 3, 5, 5))
        with pytest.raises(ValueError, match=r"x_shape of shape \(2, 3, 5\)"):
            col2im(np.zeros((2, 3, 3, 3, 3, 3)), g, (2, 3, 5))
        with pytest.raises(ValueError, match=r"input of shape \(2, 3, 5, 4\)"):
            batch_im2col(np.zeros((2, 3, 5, 4)), g)
        with pytest.raises(
            ValueError, match=r"cols of shape \(2, 3, 3, 3, 3, 3\).*\(3, 3, 3, 2, 3, 3\)"
        ):
            batch_col2im(np.zeros((2, 3, 3, 3, 3, 3)), g, (2, 3, 5, 5))


def test_the_convolution_kernels_agree_with_the_reference_on_two_threads():
    """User threads may run convolutions at once: the kernels give the reference's results when
    run concurrently."""
    from concurrent.futures import ThreadPoolExecutor

    g = ConvGeometry.from_shape((3, 4, 9, 8), 3, stride=(1, 2), padding=1, dilation=(2, 1))
    inputs = [_random((3, 4, 9, 8), np.float32, seed) for seed in range(8)]

    def both(x):
        cols = batch_im2col.numba(x, g)
        return cols, batch_col2im.numba(cols, g, x.shape), col2im.numba(im2col.numba(x, g), g,
                                                                         x.shape)

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(both, inputs * 4))
    for x, (cols, back, back_per_sample) in zip(inputs * 4, results):
        np.testing.assert_array_equal(cols, batch_im2col.numpy(x, g))
        np.testing.assert_allclose(back, batch_col2im.numpy(cols, g, x.shape), rtol=1e-5,
                                   atol=1e-5)
        np.testing.assert_allclose(back_per_sample, col2im.numpy(im2col.numpy(x, g), g, x.shape),
                                   rtol=1e-5, atol=1e-5)

