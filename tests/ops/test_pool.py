"""Pooling and resampling (F.max_pool1d/2d, F.avg_pool1d/2d, F.max_unpool2d,
F.adaptive_avg_pool2d, F.interpolate): against direct loops on drawn configurations under both
kernel backends, the scatter/gather adjoint pair, PyTorch when installed, and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import tinynet as tn
import tinynet.nn.functional as F
from tests.ops.cases_conv import adaptive_inputs, interpolate_inputs, max_unpool_inputs, pool_inputs
from tinynet.ops.pool import PlaneGather, PlaneScatterAdd

backends = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
RNG = np.random.default_rng(11)


def pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def window_starts(size, kernel, stride, padding, dilation, ceil_mode):
    """The first (padded) position of every window along one axis, PyTorch's output size rule."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    count = (-(-span // stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (count - 1) * stride >= size + padding:
        count -= 1
    return [p * stride - padding for p in range(count)]


def direct_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                  kind="max", count_include_pad=True, divisor_override=None):
    """max: the first maximum of each window in row-major order and its flat index r·W + s;
    avg: the window's sum over its input elements / its size clipped to the padded input
    (or only its input elements, or divisor_override)."""
    (kh, kw), (ph, pw), (dh, dw) = pair(kernel_size), pair(padding), pair(dilation)
    sh, sw = pair(stride if stride is not None else kernel_size)
    n, channels, height, width = x.shape
    rows = window_starts(height, kh, sh, ph, dh, ceil_mode)
    columns = window_starts(width, kw, sw, pw, dw, ceil_mode)
    values = np.zeros((n, channels, len(rows), len(columns)))
    indices = np.zeros(values.shape, np.int64)
    for b, c, p, q in np.ndindex(values.shape):
        inside = [(rows[p] + i * dh, columns[q] + j * dw) for i in range(kh) for j in range(kw)]
        inside = [(r, s) for r, s in inside if 0 <= r < height and 0 <= s < width]
        window = [x[b, c, r, s] for r, s in inside]
        if kind == "max":
            best = int(np.argmax(window))
            values[b, c, p, q] = window[best]
            indices[b, c, p, q] = inside[best][0] * width + inside[best][1]
            continue
        bottom, right = min(rows[p] + kh, height + ph), min(columns[q] + kw, width + pw)
        with_padding = (bottom - rows[p]) * (right - columns[q])
        divisor = divisor_override or (with_padding if count_include_pad else len(window))
        values[b, c, p, q] = sum(window) / divisor
    return values, indices


def _call(function, x, params):
    return function(tn.tensor(x, requires_grad=True), **params)


@backends
@given(drawn=pool_inputs(dims=2, kind="max"))
def test_max_pool2d_matches_direct_loops(kernel_backend, drawn):
    (x,), params = drawn
    result = _call(F.max_pool2d, x, {**params, "return_indices": True})
    expected_values, expected_indices = direct_pool2d(
        x, **{k: v for k, v in params.items() if k != "return_indices"})
    np.testing.assert_array_equal(result[0].detach().numpy(), expected_values)
    np.testing.assert_array_equal(result[1].numpy(), expected_indices)


@backends
@given(drawn=pool_inputs(dims=2, kind="avg"))
def test_avg_pool2d_matches_direct_loops(kernel_backend, drawn):
    (x,), params = drawn
    expected, _ = direct_pool2d(x, kind="avg", **params)
    np.testing.assert_allclose(_call(F.avg_pool2d, x, params).detach().numpy(), expected,
                               rtol=1e-12, atol=1e-12)


@backends
@given(drawn=pool_inputs(dims=1, kind="max") | pool_inputs(dims=1, kind="avg"))
def test_pool1d_is_pool2d_on_height_one_planes(kernel_backend, drawn):
    (x,), params = drawn
    kind = "max" if "dilation" in params else "avg"
    planes = {key: value if isinstance(value, bool) else (0 if key == "padding" else 1, value)
              for key, value in params.items()}
    if kind == "max":
        ours = F.max_pool1d(tn.tensor(x), **{**params, "return_indices": True})
        theirs = F.max_pool2d(tn.tensor(x[:, :, None]), **{**planes, "return_indices": True})
        for mine, expected in zip(ours, theirs):
            np.testing.assert_array_equal(mine.numpy(), expected.numpy()[:, :, 0])
    else:
        ours = F.avg_pool1d(tn.tensor(x), **params)
        theirs = F.avg_pool2d(tn.tensor(x[:, :, None]), **planes)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy()[:, :, 0])


@backends
@given(drawn=pool_inputs(dims=2, kind="max"))
def test_max_pool2d_backward_sends_each_gradient_to_its_maximum(kernel_backend, drawn):
    (x,), params = drawn
    x_tensor = tn.tensor(x, requires_grad=True)
    values, indices = F.max_pool2d(x_tensor, **{**params, "return_indices": True})
    upstream = RNG.standard_normal(values.shape)
    values.backward(tn.tensor(upstream))
    expected = np.zeros(x.shape).reshape(x.shape[0], x.shape[1], -1)
    for b, c, p, q in np.ndindex(values.shape):
        expected[b, c, indices.numpy()[b, c, p, q]] += upstream[b, c, p, q]
    np.testing.assert_allclose(x_tensor.grad.numpy(), expected.reshape(x.shape), atol=1e-12)


@backends
@given(drawn=max_unpool_inputs())
def test_plane_scatter_add_and_gather_are_adjoint_and_unpool_inverts_pooling(kernel_backend,
                                                                            drawn):
    (x,), params = drawn
    indices = params["indices"]
    shape = x.shape[:2] + (2 * x.shape[2], 2 * x.shape[3])
    other = RNG.standard_normal(shape)
    scattered = PlaneScatterAdd.apply(tn.tensor(x), indices=indices, shape=shape).numpy()
    gathered = PlaneGather.apply(tn.tensor(other), indices=indices).numpy()
    np.testing.assert_allclose(np.sum(scattered * other), np.sum(x * gathered), rtol=1e-10)
    unpooled = F.max_unpool2d(tn.tensor(x), tn.tensor(indices), 2).numpy()
    np.testing.assert_array_equal(unpooled, scattered)  # no repeated index: the same
    chosen = PlaneScatterAdd.apply(tn.ones(*x.shape, dtype=tn.float64), indices=indices,
                                   shape=shape).numpy() > 0
    repooled = F.max_pool2d(tn.tensor(np.where(chosen, unpooled, -np.inf)), 2)
    np.testing.assert_array_equal(repooled.numpy(), x)


def direct_adaptive_avg_pool2d(x, output_size):
    height, width = x.shape[2:]
    out_h, out_w = (s if o is None else o for o, s in zip(output_size, (height, width)))
    y = np.zeros(x.shape[:2] + (out_h, out_w))
    for i, j in np.ndindex(out_h, out_w):
        rows = slice(i * height // out_h, math.ceil((i + 1) * height / out_h))
        columns = slice(j * width // out_w, math.ceil((j + 1) * width / out_w))
        y[:, :, i, j] = x[:, :, rows, columns].mean(axis=(2, 3))
    return y


@backends
@given(drawn=adaptive_inputs())
def test_adaptive_avg_pool2d_matches_direct_loops(kernel_backend, drawn):
    (x,), params = drawn
    np.testing.assert_allclose(F.adaptive_avg_pool2d(tn.tensor(x), **params).numpy(),
                               direct_adaptive_avg_pool2d(x, params["output_size"]), rtol=1e-12)


def test_interpolate_nearest_repeats_pixels():
    x = np.arange(6.0).reshape(1, 1, 2, 3)
    doubled = F.interpolate(tn.tensor(x), scale_factor=2).numpy()
    np.testing.assert_array_equal(doubled, x.repeat(2, axis=2).repeat(2, axis=3))
    np.testing.assert_array_equal(F.interpolate(tn.tensor(x), size=(2, 3)).numpy(), x)
    np.testing.assert_array_equal(F.interpolate(tn.tensor(x[:, :, 0]), size=2).numpy(),
                                  [[[0.0, 1.0]]])


@pytest.mark.parametrize("function, shape", [
    (F.max_pool2d, (3, 6, 6)), (F.avg_pool2d, (3, 6, 6)), (F.max_pool1d, (3, 8)),
    (F.avg_pool1d, (3, 8)),
])  # fmt: skip
def test_float32_stays_float32_and_unbatched_inputs_work(kernel_backend, function, shape):
    x = RNG.standard_normal((2,) + shape)
    batched = function(tn.tensor(x), 2).numpy()
    single = function(tn.tensor(x, dtype=tn.float32), 2)
    assert single.dtype == np.float32
    np.testing.assert_allclose(single.numpy(), batched, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(function(tn.tensor(x[1]), 2).numpy(), batched[1], rtol=1e-12)


def t64(shape):
    return tn.tensor(np.zeros(shape))


@pytest.mark.parametrize("call, message", [
    (lambda: F.max_pool2d(t64((1, 1, 4, 4)), 2, padding=2), r"max_pool2d: input of shape \[1, 1, 4, 4\]: pooling padding must be at most half the kernel size"),
    (lambda: F.max_pool2d(t64((1, 1, 4)), 2), r"output size 0 is too small"),
    (lambda: F.max_pool2d(t64((4,)), 2), r"expected a 3-D \(C, H, W\) or 4-D \(N, C, H, W\) input, got shape \[4\]"),
    (lambda: F.max_pool1d(t64((1, 2, 3, 4)), 2), r"expected a 2-D \(C, L\) or 3-D \(N, C, L\) input"),
    (lambda: F.avg_pool2d(t64((1, 1, 2, 2)), 3), r"avg_pool2d: input of shape \[1, 1, 2, 2\]: output size 0"),
    (lambda: F.avg_pool2d(t64((1, 1, 4, 4)), 2, divisor_override=0), r"divisor_override must be a nonzero int"),
    (lambda: F.max_unpool2d(t64((1, 1, 2, 2)), tn.zeros(1, 1, 2, 2, dtype=tn.int64), 2, output_size=(6, 4)), r"output_size \(6, 4\) must be within the stride \(2, 2\) of \(4, 4\)"),
    (lambda: F.max_unpool2d(t64((1, 1, 2, 2)), tn.zeros(1, 1, 2, 1, dtype=tn.int64), 2), r"indices must be an integer tensor of the input's shape \[1, 1, 2, 2\]"),
    (lambda: F.max_unpool2d(t64((1, 1, 2, 2)), tn.full((1, 1, 2, 2), 16, dtype=tn.int64), 2), r"index 16 is out of range"),
    (lambda: F.adaptive_avg_pool2d(t64((1, 1, 4, 4)), (2, 2, 2)), r"output_size must be an int or a pair"),
    (lambda: F.adaptive_avg_pool2d(t64((1, 1, 4, 4)), 0), r"output_size \(0, 0\) must be positive"),
    (lambda: F.interpolate(t64((1, 1, 4, 4))), r"exactly one of size and scale_factor"),
    (lambda: F.interpolate(t64((1, 1, 4, 4)), size=2, scale_factor=2), r"exactly one of size and scale_factor"),
    (lambda: F.interpolate(t64((1, 1, 4, 4)), size=(2, 2, 2)), r"size must be an int or a tuple of 2 ints"),
    (lambda: F.interpolate(t64((4, 4)), size=2), r"expected a 3-D, 4-D or 5-D input"),
    (lambda: F.interpolate(t64((1, 1, 4, 4)), scale_factor=2, align_corners=True), r"align_corners"),
    (lambda: F.interpolate(t64((1, 1, 4, 4)), scale_factor=0.1), r"output size \(0, 0\) must be positive"),
])  # fmt: skip
def test_bad_arguments_raise_value_errors_naming_the_shapes(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_unknown_interpolation_modes_are_refused():
    with pytest.raises(ValueError, match="mode must be one of"):
        F.interpolate(t64((1, 1, 4, 4)), scale_factor=2, mode="lanczos")


@pytest.mark.torch
@backends
@given(drawn=pool_inputs(dims=2, kind="max") | pool_inputs(dims=1, kind="max"))
def test_max_pool_values_indices_and_gradients_match_torch(kernel_backend, drawn):
    torch = pytest.importorskip("torch")
    (x,), params = drawn
    name = "max_pool2d" if x.ndim == 4 else "max_pool1d"
    params = {**params, "return_indices": True}
    ours, theirs = _compare_with_torch(torch, getattr(F, name), getattr(torch.nn.functional, name),
                                       x, params)
    np.testing.assert_array_equal(ours[1].numpy(), theirs[1].numpy())


@pytest.mark.torch
@backends
@given(drawn=pool_inputs(dims=2, kind="avg") | pool_inputs(dims=1, kind="avg"))
def test_avg_pool_matches_torch(kernel_backend, drawn):
    torch = pytest.importorskip("torch")
    (x,), params = drawn
    name = "avg_pool2d" if x.ndim == 4 else "avg_pool1d"
    _compare_with_torch(torch, getattr(F, name), getattr(torch.nn.functional, name), x, params)


@pytest.mark.torch
@backends
@given(drawn=max_unpool_inputs())
def test_max_unpool2d_matches_torch(kernel_backend, drawn):
    torch = pytest.importorskip("torch")
    (x,), params = drawn
    indices = params.pop("indices")

    def ours(x, **params):
        return F.max_unpool2d(x, tn.tensor(indices), **params)

    def theirs(x, **params):
        return torch.nn.functional.max_unpool2d(x, torch.tensor(indices), **params)

    _compare_with_torch(torch, ours, theirs, x, params)


@pytest.mark.torch
@backends
@given(drawn=adaptive_inputs())
def test_adaptive_avg_pool2d_matches_torch(kernel_backend, drawn):
    torch = pytest.importorskip("torch")
    (x,), params = drawn
    _compare_with_torch(torch, F.adaptive_avg_pool2d, torch.nn.functional.adaptive_avg_pool2d,
                        x, params)


@pytest.mark.torch
@given(drawn=interpolate_inputs())
def test_interpolate_nearest_matches_torch(drawn):
    torch = pytest.importorskip("torch")
    (x,), params = drawn
    _compare_with_torch(torch, F.interpolate, torch.nn.functional.interpolate, x, params)


@pytest.mark.torch
@pytest.mark.parametrize("size, factor", [(7, 1.3), (10, 0.7), (9, 2.9), (6, 1.0 / 3),
                                          (5, 1.1), (13, 1.7)])
def test_interpolate_nearest_indices_match_torch_for_awkward_factors(size, factor):
    torch = pytest.importorskip("torch")
    x = np.arange(size, dtype=np.float32).reshape(1, 1, size)
    for recompute in (None, True):
        ours = F.interpolate(tn.tensor(x), scale_factor=factor,
                             recompute_scale_factor=recompute).numpy()
        theirs = torch.nn.functional.interpolate(torch.tensor(x), scale_factor=factor,
                                                 recompute_scale_factor=recompute).numpy()
        np.testing.assert_array_equal(ours, theirs)


def _compare_with_torch(torch, ours, theirs, x, params):
    """Forward values (the first output when there are two) and the input gradient."""
    mine, their_x = tn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, z = ours(mine, **params), theirs(their_x, **params)
    y_values, z_values = (y[0], z[0]) if isinstance(y, tuple) else (y, z)
    np.testing.assert_allclose(y_values.detach().numpy(), z_values.detach().numpy(), rtol=1e-12,
                               atol=1e-12)
    upstream = RNG.standard_normal(tuple(z_values.shape))
    y_values.backward(tn.tensor(upstream))
    z_values.backward(torch.tensor(upstream))
    np.testing.assert_allclose(mine.grad.numpy(), their_x.grad.numpy(), rtol=1e-12, atol=1e-12)
    return y, z
