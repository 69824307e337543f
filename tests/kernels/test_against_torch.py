"""The kernels against PyTorch's CPU functions on drawn geometry (skipped without torch)."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.kernels.strategies import float_arrays, window_cases
from tinynet.kernels import (
    ConvGeometry,
    avg_pool1d_forward,
    avg_pool2d_backward,
    avg_pool2d_forward,
    col2im,
    im2col,
    im2col1d,
    linear_act,
    max_pool1d_forward,
    max_pool2d_backward,
    max_pool2d_forward,
    max_unpool2d,
    use_backend,
)

torch = pytest.importorskip("torch")
F = torch.nn.functional
pytestmark = pytest.mark.torch
BACKENDS = ["numpy", "numba"]


def _random(shape, seed):
    return np.random.default_rng(seed).uniform(-1, 1, shape)


def _torch_pool_args(case):
    return dict(kernel_size=case.kernel_size, stride=case.stride, padding=case.padding,
                ceil_mode=case.ceil_mode)  # fmt: skip


@pytest.mark.parametrize("backend", BACKENDS)
@given(case=window_cases(dims=2), seed=st.integers(0, 2**32 - 1))
@settings(deadline=None)
def test_im2col_is_unfold_and_col2im_is_fold(backend, case, seed):
    g = case.geometry
    x = _random(case.x_shape, seed)
    args = dict(kernel_size=case.kernel_size, dilation=case.dilation, padding=case.padding,
                stride=case.stride)  # fmt: skip
    n, c = x.shape[:2]
    with use_backend(backend):
        cols = im2col(x, g)
        expected = F.unfold(torch.from_numpy(x), **args).numpy()
        np.testing.assert_array_equal(cols.reshape(n, c * g.kh * g.kw, -1), expected)
        y = _random(cols.shape, seed + 1)
        folded = F.fold(torch.from_numpy(y.reshape(expected.shape)), x.shape[2:], **args).numpy()
        np.testing.assert_allclose(col2im(y, g, x.shape), folded, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dims", [1, 2])
@pytest.mark.parametrize("kernel_size", [1, 2, 3, 4])
def test_convolution_with_same_padding_through_im2col(backend, dims, kernel_size):
    # even kernels pad one more at the end: the geometry's per-side padding
    x = _random((2, 3) + (7,) * dims, seed=kernel_size)
    weight = _random((4, 3) + (kernel_size,) * dims, seed=kernel_size + 1)
    build = ConvGeometry.from_shape_1d if dims == 1 else ConvGeometry.from_shape
    g = build(x.shape, kernel_size, padding="same", dilation=2)
    with use_backend(backend):
        cols = im2col1d(x, g) if dims == 1 else im2col(x, g)
    out = np.einsum(
        "ock,nck...->no...", weight.reshape(4, 3, -1), cols.reshape(2, 3, -1, *x.shape[2:])
    )
    convolution = F.conv1d if dims == 1 else F.conv2d
    with warnings.catch_warnings():  # torch warns that even kernels need a padded copy
        warnings.simplefilter("ignore", UserWarning)
        expected = convolution(
            torch.from_numpy(x), torch.from_numpy(weight), padding="same", dilation=2
        )
    np.testing.assert_allclose(out, expected.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
@given(data=st.data(), case=window_cases(dims=2, pooling=True))
@settings(deadline=None)
def test_max_pool2d_with_indices_and_its_gradient(backend, data, case):
    x = data.draw(float_arrays(case.x_shape, np.float64, ties=True), label="x")
    g = case.geometry
    x_torch = torch.from_numpy(x).requires_grad_()
    expected, expected_indices = F.max_pool2d(x_torch, dilation=case.dilation, return_indices=True,
                                              **_torch_pool_args(case))  # fmt: skip
    grad_out = _random(expected.shape, seed=1)
    expected.backward(torch.from_numpy(grad_out))
    with use_backend(backend):
        out, indices = max_pool2d_forward(x, g)
        grad_x = max_pool2d_backward(grad_out, indices, x.shape)
    np.testing.assert_array_equal(out, expected.detach().numpy())
    np.testing.assert_array_equal(indices, expected_indices.numpy())
    np.testing.assert_allclose(grad_x, x_torch.grad.numpy(), rtol=1e-12, atol=1e-12)
    # the aten op: F.max_unpool2d rejects output sizes that pooling with dilation produces
    unpooled = torch.ops.aten.max_unpool2d(expected.detach(), expected_indices, list(x.shape[2:]))
    np.testing.assert_array_equal(max_unpool2d(out, indices, x.shape[2:]), unpooled.numpy())


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("count_include_pad", [True, False])
@given(case=window_cases(dims=2, pooling=True, dilation=False), seed=st.integers(0, 2**32 - 1),
       divisor_override=st.sampled_from([None, None, 2]))  # fmt: skip
@settings(deadline=None)
def test_avg_pool2d_and_its_gradient(backend, count_include_pad, case, seed, divisor_override):
    x = _random(case.x_shape, seed)
    options = dict(count_include_pad=count_include_pad, divisor_override=divisor_override)
    x_torch = torch.from_numpy(x).requires_grad_()
    expected = F.avg_pool2d(x_torch, **_torch_pool_args(case), **options)
    grad_out = _random(expected.shape, seed + 1)
    expected.backward(torch.from_numpy(grad_out))
    with use_backend(backend):
        out = avg_pool2d_forward(x, case.geometry, **options)
        grad_x = avg_pool2d_backward(grad_out, case.geometry, x.shape, **options)
    np.testing.assert_allclose(out, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grad_x, x_torch.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
@given(case=window_cases(dims=1, pooling=True), seed=st.integers(0, 2**32 - 1))
@settings(deadline=None)
def test_1d_pooling(backend, case, seed):
    x = _random(case.x_shape, seed)
    x_torch = torch.from_numpy(x)
    expected, expected_indices = F.max_pool1d(x_torch, dilation=case.dilation, return_indices=True,
                                              **_torch_pool_args(case))  # fmt: skip
    with use_backend(backend):
        out, indices = max_pool1d_forward(x, case.geometry)
        np.testing.assert_array_equal(out, expected.numpy())
        np.testing.assert_array_equal(indices, expected_indices.numpy())
        if case.dilation == 1:
            for count_include_pad in (True, False):
                expected = F.avg_pool1d(x_torch, **_torch_pool_args(case),
                                        count_include_pad=count_include_pad)  # fmt: skip
                out = avg_pool1d_forward(x, case.geometry, count_include_pad)
                np.testing.assert_allclose(out, expected.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_max_pool_nan_and_infinity(backend):
    nan, inf = np.nan, np.inf
    x = np.array([[[[1.0, nan, 2.0, nan, 0.0], [-inf, -inf, -inf, -inf, 3.0]]]])
    expected, expected_indices = F.max_pool2d(torch.from_numpy(x), (2, 3), stride=1,
                                              padding=(1, 1), return_indices=True)  # fmt: skip
    g = ConvGeometry.from_shape(x.shape, (2, 3), stride=1, padding=1, pooling=True)
    with use_backend(backend):
        out, indices = max_pool2d_forward(x, g)
    np.testing.assert_array_equal(out, expected.numpy())
    np.testing.assert_array_equal(indices, expected_indices.numpy())


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("activation", [None, "relu", "sigmoid", "tanh"])
def test_linear_act_is_linear_then_activation(backend, activation):
    x, weight, bias = _random((5, 7), 0), _random((3, 7), 1), _random((3,), 2)
    expected = F.linear(torch.from_numpy(x), torch.from_numpy(weight), torch.from_numpy(bias))
    if activation is not None:
        expected = getattr(torch, activation)(expected)
    with use_backend(backend):
        out = linear_act(x, weight, bias, activation)
    np.testing.assert_allclose(out, expected.numpy(), rtol=1e-12, atol=1e-12)
