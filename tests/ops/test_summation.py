"""sum_axes (the batch axis summed first) gives np.sum's values, shapes and dtypes."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tests.strategies import array_and_dim
from tinynet.ops.dims import normalize_dims
from tinynet.ops.summation import sum_axes


@given(drawn=array_and_dim(min_dims=1, max_dims=4), keepdims=st.booleans(),
       transposed=st.booleans(), float32=st.booleans())
def test_sum_axes_matches_numpy(drawn, keepdims, transposed, float32):
    array, dim = drawn
    array = array.astype(np.float32) if float32 else array
    if transposed:
        array = array.T
    axes = normalize_dims(dim, array.ndim)
    result = sum_axes(array, axes, keepdims)
    expected = np.sum(array, axis=axes, keepdims=keepdims)
    assert result.shape == expected.shape and result.dtype == expected.dtype
    np.testing.assert_allclose(result, expected, rtol=1e-5 if float32 else 1e-12, atol=1e-5)


def test_sum_axes_on_a_batch_of_channels():
    x = np.random.default_rng(0).standard_normal((64, 32, 8, 8)).astype(np.float32)
    np.testing.assert_allclose(sum_axes(x, (0, 2, 3)), x.astype(np.float64).sum((0, 2, 3)),
                               rtol=1e-5)
