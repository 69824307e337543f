"""Winograd tile transforms: Numba == NumPy reference == a loop over the definition on drawn
shapes, matrices, steps and paddings, the adjoint identity, and the errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.kernels.strategies import FLOAT_DTYPES
from tinynet.kernels.winograd import winograd_image, winograd_tiles


def _random(shape, dtype, seed):
    return np.random.default_rng(seed).uniform(-1, 1, shape).astype(dtype)


def _matrix(shape, seed):
    """A drawn matrix with about 40% zeros: the Numba twins combine only a row's nonzero
    entries, so rows with none, one or several of them (F(4x4, 3x3)'s have 1-5) all occur."""
    rng = np.random.default_rng(seed)
    return np.where(rng.random(shape) < 0.4, 0.0, rng.uniform(-1, 1, shape))


@st.composite
def tile_cases(draw):
    """(x shape, matrix shape, step, pad_top, pad_left, tiles_h, tiles_w): windows may reach past
    the image or miss parts of it, planes span one or more of the kernels' plane blocks."""
    r, s = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    step = draw(st.integers(1, 5))
    tiles_h, tiles_w = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    height, width = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    planes = draw(st.sampled_from([1, 2, 3, 7, 31, 33, 300]))
    return ((planes, height, width), (r, s), step, draw(st.integers(0, 3)),
            draw(st.integers(0, 3)), tiles_h, tiles_w)


def tiles_by_loop(x, matrix, step, pad_top, pad_left, tiles_h, tiles_w):
    """The definition, one term at a time."""
    planes, height, width = x.shape
    r, s = matrix.shape
    out = np.zeros((r * r, tiles_h * tiles_w, planes))
    for k1, k2, l1, l2, ty, tx in np.ndindex(r, r, s, s, tiles_h, tiles_w):
        i, j = step * ty + l1 - pad_top, step * tx + l2 - pad_left
        if 0 <= i < height and 0 <= j < width:
            out[k1 * r + k2, ty * tiles_w + tx] += matrix[k1, l1] * matrix[k2, l2] * x[:, i, j]
    return out


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@given(case=tile_cases(), seed=st.integers(0, 2**32 - 1))
@settings(deadline=None, max_examples=60)
def test_winograd_tiles_numba_equals_reference_and_loop(dtype, case, seed):
    x_shape, matrix_shape, *geometry = case
    x, matrix = _random(x_shape, dtype, seed), _matrix(matrix_shape, seed + 1)
    expected = winograd_tiles.numpy(x, matrix, *geometry)
    actual = winograd_tiles.numba(x, matrix, *geometry)
    assert actual.dtype == expected.dtype == dtype
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(actual, expected, rtol=tolerance, atol=tolerance)
    np.testing.assert_allclose(expected, tiles_by_loop(x, matrix.astype(dtype), *geometry),
                               rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@given(case=tile_cases(), seed=st.integers(0, 2**32 - 1))
@settings(deadline=None, max_examples=60)
def test_winograd_image_numba_equals_reference_and_is_the_adjoint(dtype, case, seed):
    (planes, height, width), (r, s), step, pad_top, pad_left, tiles_h, tiles_w = case
    matrix = _matrix((r, s), seed + 1)
    tiles = _random((r * r, tiles_h * tiles_w, planes), dtype, seed)
    arguments = (matrix, step, pad_top, pad_left, height, width, tiles_h, tiles_w)
    expected = winograd_image.numpy(tiles, *arguments)
    actual = winograd_image.numba(tiles, *arguments)
    assert actual.dtype == expected.dtype == dtype
    assert actual.shape == (planes, height, width)
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(actual, expected, rtol=tolerance, atol=tolerance)
    x = _random((planes, height, width), np.float64, seed + 2)  # <T x, t> = <x, Tᵀ t>
    forward = winograd_tiles.numpy(x, matrix, step, pad_top, pad_left, tiles_h, tiles_w)
    np.testing.assert_allclose(np.sum(forward * tiles), np.sum(x * expected),
                               rtol=1e-4 if dtype == np.float32 else 1e-10, atol=1e-6)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize("planes", [5, 40])  # the Numba twin's remainder planes, its groups
def test_winograd_image_writes_into_out_every_element(backend, planes):
    """`out` starts as garbage (NaN): the elements no window reaches (2 x 2 windows of 4 x 4
    every 4, one row of padding: rows 7-8 and column 8) must be written with 0, as in a new
    array."""
    tiles = _random((36, 4, planes), np.float32, 0)
    arguments = (np.eye(6)[:, :4] + 0.5, 4, 1, 0, 9, 9, 2, 2)
    expected = getattr(winograd_image, backend)(tiles, *arguments)
    out = np.full((planes, 9, 9), np.nan, np.float32)
    assert getattr(winograd_image, backend)(tiles, *arguments, out=out) is out
    np.testing.assert_array_equal(out, expected)
    assert not expected[:, 7:, :].any() and not expected[:, :, 8:].any()
    assert expected[:, 6, :8].all()


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize(("call", "message"), [
    (lambda k: k.winograd_tiles(np.zeros((2, 5, 5)), np.zeros((7, 3)), 1, 0, 0, 2, 2),
     "up to 6 x 6|"),
    (lambda k: k.winograd_tiles(np.zeros((2, 5, 5)), np.zeros((2, 3)), 0, 0, 0, 2, 2),
     "step must be a positive int"),
    (lambda k: k.winograd_tiles(np.zeros((2, 5, 5)), np.eye(6), 4, -1, 0, 2, 2),
     "pad_top must be a non-negative int"),
    (lambda k: k.winograd_tiles(np.zeros((2, 5, 5)), np.eye(6), 4, 0, 0, 0, 2),
     "tiles_h must be a positive int"),
    (lambda k: k.winograd_tiles(np.zeros((5, 5)), np.eye(6), 4, 0, 0, 1, 1),
     r"x must be a 3-D float32 or float64 array, got shape \(5, 5\)"),
    (lambda k: k.winograd_tiles(np.zeros((2, 5, 5), np.int64), np.eye(6), 4, 0, 0, 1, 1),
     "dtype int64"),
    (lambda k: k.winograd_tiles(np.zeros((2, 5, 5), np.float16), np.eye(6), 4, 0, 0, 1, 1),
     "dtype float16"),
    (lambda k: k.winograd_tiles(np.zeros((2, 5, 5)), np.ones(6), 4, 0, 0, 1, 1),
     "matrix must be 2-D"),
    (lambda k: k.winograd_image(np.zeros((36, 4, 2)), np.zeros((6, 6)), 4, 0, 0, 5, 5, 1, 2),
     r"tiles of shape \(36, 4, 2\) do not match"),
    (lambda k: k.winograd_image(np.zeros((36, 4, 3, 2)), np.eye(6), 4, 0, 0, 8, 8, 2, 2),
     r"tiles must be a 3-D float32 or float64 array, got shape \(36, 4, 3, 2\)"),
    (lambda k: k.winograd_image(np.zeros((36, 4, 2)), np.eye(6), 4, 0, 0, -1, 8, 2, 2),
     "height must be a positive int"),
    (lambda k: k.winograd_image(np.zeros((36, 4, 2)), np.eye(6), 4, 0, -2, 8, 8, 2, 2),
     "pad_left must be a non-negative int"),
    (lambda k: k.winograd_image(np.zeros((36, 0, 2)), np.zeros((6, 6)), 4, 0, 0, 5, 5, 0, 2),
     "tiles_h must be a positive int"),
    (lambda k: k.winograd_image(np.zeros((36, 4, 2)), np.eye(6), 4, 0, 0, 8, 8, 2, 2,
                                out=np.zeros((2, 8, 7))),
     r"out must be a C-contiguous array of shape \(2, 8, 8\) and dtype float64, got shape "
     r"\(2, 8, 7\)"),
    (lambda k: k.winograd_image(np.zeros((36, 4, 2)), np.eye(6), 4, 0, 0, 8, 8, 2, 2,
                                out=np.zeros((2, 8, 8), np.float32)),
     "dtype float32"),
    (lambda k: k.winograd_image(np.zeros((36, 4, 2)), np.eye(6), 4, 0, 0, 8, 8, 2, 2,
                                out=np.zeros((2, 8, 16))[:, :, ::2]),
     "C-contiguous False"),
])
def test_bad_arguments_raise_value_errors_naming_them(backend, call, message):
    kernels = type("Backend", (), {name: staticmethod(getattr(kernel, backend))
                                   for name, kernel in (("winograd_tiles", winograd_tiles),
                                                        ("winograd_image", winograd_image))})
    if message.endswith("|"):  # a limit of the Numba twin only
        if backend == "numpy":
            pytest.skip("a limit of the Numba twin only (the reference takes any matrix)")
        message = message[:-1]
    with pytest.raises(ValueError, match=message):
        call(kernels)
