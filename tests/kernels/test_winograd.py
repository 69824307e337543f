"""Winograd building blocks: Numba == NumPy reference on drawn shapes, the adjoint identity, the
planes-last transposes, and the errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.kernels.strategies import FLOAT_DTYPES
from tinynet.kernels.winograd import (
    planes_first,
    planes_last,
    tile_transform,
    tile_transform_adjoint,
)


def _random(shape, dtype, seed):
    return np.random.default_rng(seed).uniform(-1, 1, shape).astype(dtype)


@st.composite
def transform_cases(draw):
    """(src shape, matrix shape, step, tiles) with windows that may run past src's end."""
    r, s = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    step, tiles = draw(st.integers(1, 5)), draw(st.integers(1, 4))
    rows = draw(st.integers(1, step * (tiles - 1) + s + 2))
    z, q, b = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 9))
    return (z, q, rows, b), (r, s), step, tiles


def tile_transform_by_loop(src, matrix, step, tiles):
    """The definition, one term at a time."""
    z, q, rows, b = src.shape
    out = np.zeros((z, matrix.shape[0], q, tiles, b))
    for k, l, t in np.ndindex(matrix.shape[0], matrix.shape[1], tiles):
        if step * t + l < rows:
            out[:, k, :, t] += matrix[k, l] * src[:, :, step * t + l]
    return out


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@given(case=transform_cases(), seed=st.integers(0, 2**32 - 1))
@settings(deadline=None)
def test_tile_transform_numba_equals_reference_and_loop(dtype, case, seed):
    src_shape, matrix_shape, step, tiles = case
    src, matrix = _random(src_shape, dtype, seed), _random(matrix_shape, np.float64, seed + 1)
    expected = tile_transform.numpy(src, matrix, step, tiles)
    actual = tile_transform.numba(src, matrix, step, tiles)
    assert actual.dtype == expected.dtype == dtype
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(actual, expected, rtol=tolerance, atol=tolerance)
    np.testing.assert_allclose(expected, tile_transform_by_loop(src, matrix.astype(dtype), step,
                                                                tiles), rtol=tolerance,
                               atol=tolerance)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@given(case=transform_cases(), seed=st.integers(0, 2**32 - 1))
@settings(deadline=None)
def test_tile_transform_adjoint_numba_equals_reference_and_is_the_adjoint(dtype, case, seed):
    src_shape, matrix_shape, step, tiles = case
    src, matrix = _random(src_shape, np.float64, seed), _random(matrix_shape, np.float64, seed + 1)
    z, q, rows, b = src_shape
    out = _random((z, matrix_shape[0], q, tiles, b), dtype, seed + 2)
    expected = tile_transform_adjoint.numpy(out, matrix, step, rows)
    actual = tile_transform_adjoint.numba(out, matrix, step, rows)
    assert actual.dtype == expected.dtype == dtype
    assert actual.shape == src_shape
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(actual, expected, rtol=tolerance, atol=tolerance)
    forward = tile_transform.numpy(src, matrix, step, tiles)  # <T src, out> = <src, Tᵀ out>
    np.testing.assert_allclose(np.sum(forward * out), np.sum(src * expected), rtol=1e-4
                               if dtype == np.float32 else 1e-10)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@given(planes=st.integers(1, 40), height=st.integers(1, 6), width=st.integers(1, 6),
       top=st.integers(0, 3), left=st.integers(0, 3), rows_cut=st.integers(0, 3),
       columns_cut=st.integers(0, 3), seed=st.integers(0, 2**32 - 1))
@settings(deadline=None)
def test_planes_last_and_first_numba_equal_reference_and_invert_each_other(
        dtype, planes, height, width, top, left, rows_cut, columns_cut, seed):
    x = _random((planes, height, width), dtype, seed)
    rows, columns = max(1, top + height - rows_cut), max(1, left + width - columns_cut)
    expected = planes_last.numpy(x, top, left, rows, columns)
    np.testing.assert_array_equal(planes_last.numba(x, top, left, rows, columns), expected)
    whole = planes_last.numba(x, top, left, top + height, left + width)
    np.testing.assert_array_equal(whole[top:, left:], x.transpose(1, 2, 0))
    assert not whole[:top].any() and not whole[:, :left].any()
    for backend in (planes_first.numpy, planes_first.numba):
        np.testing.assert_array_equal(backend(whole, top, left, height, width), x)


def test_bad_arguments_raise_value_errors_naming_them():
    src = np.zeros((1, 1, 4, 3))
    with pytest.raises(ValueError, match="up to 6 x 6"):
        tile_transform.numba(src, np.zeros((7, 3)), 1, 2)
    with pytest.raises(ValueError, match="step"):
        tile_transform.numpy(src, np.zeros((2, 3)), 0, 2)
    with pytest.raises(ValueError, match=r"matrix of shape \(3, 3\)"):
        tile_transform_adjoint.numba(np.zeros((1, 2, 1, 2, 3)), np.zeros((3, 3)), 1, 4)
    with pytest.raises(ValueError, match="outside x of shape"):
        planes_first.numba(np.zeros((3, 3, 2)), 1, 1, 3, 2)
