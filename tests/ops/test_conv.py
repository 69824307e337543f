"""Convolutions (F.conv1d/2d, F.conv_transpose1d/2d, F.unfold/fold): against direct loops on drawn
configurations under both kernel backends, adjoint identities, dtypes and unbatched inputs,
PyTorch when installed, and the errors for bad arguments."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings

import tinynet as tn
import tinynet.nn.functional as F
import tinynet.ops.conv as conv_ops
from tinynet.ops import conv_winograd
from tests.ops.cases_conv import conv_inputs, conv_transpose_inputs, fold_inputs, unfold_inputs
from tinynet.autograd import gradcheck, gradgradcheck

# the kernel_backend fixture only switches the backend; it is the same for every drawn example
backends = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
RNG = np.random.default_rng(7)


@pytest.fixture(params=["per_sample", "whole_batch"])
def product_form(request, monkeypatch):
    """Runs a test with each im2col form of the convolution products (tinynet/ops/conv.py):
    one BLAS call per sample, or one over the whole batch (chosen by size otherwise, so that the
    small drawn shapes would only ever see the first)."""
    monkeypatch.setattr(conv_ops, "WHOLE_BATCH_MIN_WINDOW",
                        1 if request.param == "whole_batch" else 10**9)
    return request.param


def two_or_more_samples(drawn):
    """The drawn convolution inputs with the batch doubled by a flipped, scaled copy (so that
    samples that were mixed up would give different values)."""
    (x, *others), params = drawn
    return (np.concatenate([x, -0.5 * x[::-1]]), *others), params


def pair(value, dims=2):
    return (value,) * dims if isinstance(value, int) else tuple(value)


def resolve_padding(padding, kernel, dilation):
    """((before, after) per axis) of PyTorch's padding argument, "same" and "valid" included."""
    if padding == "valid":
        return [(0, 0)] * len(kernel)
    if padding == "same":
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return [(total // 2, total - total // 2) for total in totals]
    return [(p, p) for p in pair(padding, len(kernel))]


def direct_conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """y[n, o, p, q] = b[o] + Σ_{c, i, j} w[o, c, i, j] x[n, group(o)·C/groups + c,
    p·sh − top + i·dh, q·sw − left + j·dw], one multiply-add at a time."""
    (sh, sw), (dh, dw) = pair(stride), pair(dilation)
    kernel = weight.shape[2:]
    (top, bottom), (left, right) = resolve_padding(padding, kernel, (dh, dw))
    n, _, height, width = x.shape
    out_channels, group_channels, kh, kw = weight.shape
    out_h = (height + top + bottom - dh * (kh - 1) - 1) // sh + 1
    out_w = (width + left + right - dw * (kw - 1) - 1) // sw + 1
    y = np.zeros((n, out_channels, out_h, out_w))
    per_group = out_channels // groups
    for b, o, p, q, c, i, j in np.ndindex(n, out_channels, out_h, out_w, group_channels, kh, kw):
        row, column = p * sh - top + i * dh, q * sw - left + j * dw
        if 0 <= row < height and 0 <= column < width:
            y[b, o, p, q] += weight[o, c, i, j] * x[b, o // per_group * group_channels + c, row,
                                                    column]
    return y if bias is None else y + bias.reshape(-1, 1, 1)


def direct_conv_transpose2d(y, weight, bias=None, stride=1, padding=0, output_padding=0,
                            groups=1, dilation=1):
    """z[n, c', p·sh − pad + i·dh, q·sw − pad + j·dw] += w[o, c, i, j] y[n, o, p, q] with
    c' = group(o)·C/groups + c, inside the output (H − 1)s − 2p + d(k − 1) + output_padding + 1."""
    (sh, sw), (ph, pw), (dh, dw) = pair(stride), pair(padding), pair(dilation)
    extra_h, extra_w = pair(output_padding)
    n, in_channels, height, width = y.shape
    _, group_channels, kh, kw = weight.shape
    out_h = (height - 1) * sh - 2 * ph + dh * (kh - 1) + extra_h + 1
    out_w = (width - 1) * sw - 2 * pw + dw * (kw - 1) + extra_w + 1
    z = np.zeros((n, group_channels * groups, out_h, out_w))
    per_group = in_channels // groups
    for b, o, p, q, c, i, j in np.ndindex(n, in_channels, height, width, group_channels, kh, kw):
        row, column = p * sh - ph + i * dh, q * sw - pw + j * dw
        if 0 <= row < out_h and 0 <= column < out_w:
            z[b, o // per_group * group_channels + c, row, column] += weight[o, c, i, j] * y[
                b, o, p, q]
    return z if bias is None else z + bias.reshape(-1, 1, 1)


def direct_unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """out[n, (c, i, j), (p, q)] = x[n, c, p·sh − ph + i·dh, q·sw − pw + j·dw] or 0."""
    weight_shape = (1, 1) + pair(kernel_size)
    n, channels = x.shape[:2]
    planes = [direct_conv2d(x[:, c:c + 1], _one_hot_kernel(weight_shape, i, j), None, stride,
                            padding, dilation)
              for c in range(channels) for i in range(weight_shape[2])
              for j in range(weight_shape[3])]
    return np.concatenate(planes, axis=1).reshape(n, len(planes), -1)


def _one_hot_kernel(shape, i, j):
    kernel = np.zeros(shape)
    kernel[0, 0, i, j] = 1.0
    return kernel


def as_tensors(arrays, requires_grad=False):
    return [tn.tensor(a, dtype=tn.float64, requires_grad=requires_grad) for a in arrays]


def as_height_one(arrays):
    return [a[:, :, None, :] for a in arrays[:2]] + list(arrays[2:])


def two_d(params):
    return {key: value if key == "groups" or isinstance(value, str) else (1 if key in (
        "stride", "dilation") else 0, value) for key, value in params.items()}


@backends
@given(drawn=conv_inputs(dims=2).map(two_or_more_samples))
def test_conv2d_matches_direct_loops(kernel_backend, product_form, drawn):
    arrays, params = drawn
    expected = direct_conv2d(*arrays, **params)
    np.testing.assert_allclose(F.conv2d(*as_tensors(arrays), **params).numpy(), expected,
                               rtol=1e-10, atol=1e-12)


@backends
@given(drawn=conv_inputs(dims=1).map(two_or_more_samples))
def test_conv1d_matches_direct_loops(kernel_backend, product_form, drawn):
    arrays, params = drawn
    expected = direct_conv2d(*as_height_one(arrays), **two_d(params))[:, :, 0]
    np.testing.assert_allclose(F.conv1d(*as_tensors(arrays), **params).numpy(), expected,
                               rtol=1e-10, atol=1e-12)


@backends
@given(drawn=conv_transpose_inputs(dims=2).map(two_or_more_samples))
def test_conv_transpose2d_matches_direct_loops(kernel_backend, product_form, drawn):
    arrays, params = drawn
    expected = direct_conv_transpose2d(*arrays, **params)
    np.testing.assert_allclose(F.conv_transpose2d(*as_tensors(arrays), **params).numpy(),
                               expected, rtol=1e-10, atol=1e-12)


@backends
@given(drawn=conv_transpose_inputs(dims=1).map(two_or_more_samples))
def test_conv_transpose1d_matches_direct_loops(kernel_backend, product_form, drawn):
    arrays, params = drawn
    expected = direct_conv_transpose2d(*as_height_one(arrays), **two_d(params))[:, :, 0]
    np.testing.assert_allclose(F.conv_transpose1d(*as_tensors(arrays), **params).numpy(),
                               expected, rtol=1e-10, atol=1e-12)


@backends
@given(drawn=unfold_inputs())
def test_unfold_matches_direct_loops_and_fold_is_its_adjoint(kernel_backend, drawn):
    (x,), params = drawn
    columns = F.unfold(tn.tensor(x), **params).numpy()
    np.testing.assert_allclose(columns, direct_unfold(x, **params), atol=1e-12)
    other = RNG.standard_normal(columns.shape)
    folded = F.fold(tn.tensor(other), x.shape[2:], **params).numpy()
    np.testing.assert_allclose(np.sum(columns * other), np.sum(x * folded), rtol=1e-9)


@backends
@given(drawn=conv_inputs(dims=2).map(two_or_more_samples))
def test_conv_transpose2d_is_the_adjoint_of_conv2d(kernel_backend, product_form, drawn):
    """<conv2d(x, w), v> = <x, conv_transpose2d(v, w)>, output_padding giving back x's size."""
    (x, weight, *_), params = drawn
    kernel, stride, dilation = weight.shape[2:], pair(params["stride"]), pair(params["dilation"])
    sides = resolve_padding(params["padding"], kernel, dilation)
    assume(all(before == after for before, after in sides))  # conv_transpose2d's is symmetric
    padding = [before for before, _ in sides]
    geometry = {"stride": stride, "padding": padding, "dilation": dilation,
                "groups": params["groups"]}
    y = F.conv2d(tn.tensor(x), tn.tensor(weight), **geometry).numpy()
    other = RNG.standard_normal(y.shape)
    extra = [(size + 2 * p - d * (k - 1) - 1) % s for size, k, s, p, d in zip(
        x.shape[2:], kernel, stride, padding, dilation)]
    back = F.conv_transpose2d(tn.tensor(other), tn.tensor(weight), output_padding=extra,
                              **geometry).numpy()
    np.testing.assert_allclose(np.sum(y * other), np.sum(x * back), rtol=1e-9, atol=1e-12)


@backends
@given(drawn=(conv_inputs(dims=2) | conv_transpose_inputs(dims=2)).map(two_or_more_samples))
def test_every_product_form_passes_gradcheck_and_gradgradcheck(product_form, drawn):
    """test_gradients.py checks the convolutions in the form their small shapes choose; this
    checks every form, gradients of every order going through all three conv Functions."""
    arrays, params = drawn
    function = F.conv_transpose2d if "output_padding" in params else F.conv2d
    inputs = [tn.tensor(a, dtype=tn.float64, requires_grad=True) for a in arrays]
    assert gradcheck(lambda *xs: function(*xs, **params), inputs)
    assert gradgradcheck(lambda *xs: function(*xs, **params), inputs)


@pytest.mark.parametrize("function, weight_shape, x_shape", [
    (F.conv2d, (4, 3, 3, 3), (2, 3, 6, 5)),
    (F.conv1d, (4, 3, 3), (2, 3, 7)),
    (F.conv_transpose2d, (3, 4, 3, 3), (2, 3, 4, 5)),
    (F.conv_transpose1d, (3, 4, 3), (2, 3, 7)),
])
def test_float32_stays_float32_and_unbatched_inputs_work(kernel_backend, function, weight_shape,
                                                         x_shape):
    x, weight = RNG.standard_normal(x_shape), RNG.standard_normal(weight_shape)
    expected = function(tn.tensor(x), tn.tensor(weight), padding=1).numpy()
    single = function(tn.tensor(x, dtype=tn.float32), tn.tensor(weight, dtype=tn.float32),
                      padding=1)
    assert single.dtype == np.float32
    np.testing.assert_allclose(single.numpy(), expected, rtol=1e-4, atol=1e-4)
    unbatched = function(tn.tensor(x[1]), tn.tensor(weight), padding=1)
    np.testing.assert_allclose(unbatched.numpy(), expected[1], rtol=1e-12)


def test_gradients_flow_through_the_dual_ops():
    """conv2d's backward is conv_transpose2d and conv2d_weight, whichever gradients it needs."""
    x = tn.tensor(RNG.standard_normal((1, 2, 4, 4)), requires_grad=True)
    weight = tn.tensor(RNG.standard_normal((3, 2, 3, 3)), requires_grad=True)
    y = F.conv2d(x, weight, padding=1)
    grad_x, grad_weight = tn.autograd.grad(y, [x, weight], tn.ones_like(y), create_graph=True)
    assert grad_x.grad_fn.name() == "ConvTranspose2dBackward"
    assert grad_weight.grad_fn.name() == "Conv2dWeightBackward"
    (grad_x.sum() + grad_weight.sum()).backward()
    assert x.grad.shape == x.shape and weight.grad.shape == weight.shape
    for wanted, name in [(x, "ConvTranspose2dBackward"), (weight, "Conv2dWeightBackward")]:
        y = F.conv2d(x if wanted is x else x.detach(), weight if wanted is weight
                     else weight.detach(), padding=1)
        upstream = tn.ones_like(y).requires_grad_()
        (grad,) = tn.autograd.grad(y, [wanted], upstream, create_graph=True)
        assert grad.grad_fn.name() == name


def t64(shape):
    return tn.tensor(np.zeros(shape))


@pytest.mark.parametrize("call, message", [
    (lambda: F.conv2d(t64((1, 3, 2, 5)), t64((4, 3, 3, 3))), r"conv2d: input of shape \[1, 3, 2, 5\] and weight of shape \[4, 3, 3, 3\]: kernel of extent 3 .* larger than the padded input 2"),
    (lambda: F.conv2d(t64((2, 3)), t64((4, 3, 3, 3))), r"expected a 3-D .* or 4-D .* got shape \[2, 3\]"),
    (lambda: F.conv2d(t64((1, 4, 5, 5)), t64((4, 3, 3, 3))), r"input has 4 channels, the weight with groups=1 expects 3"),
    (lambda: F.conv2d(t64((1, 6, 5, 5)), t64((3, 3, 3, 3)), groups=2), r"3 output channels are not divisible by groups=2"),
    (lambda: F.conv2d(t64((1, 3, 5, 5)), t64((4, 3, 3))), r"weight must be a 4-D tensor, got shape \[4, 3, 3\]"),
    (lambda: F.conv2d(t64((1, 3, 5, 5)), t64((4, 3, 3, 3)), t64((3,))), r"bias of shape \[3\] does not fit 4 output channels"),
    (lambda: F.conv2d(t64((1, 3, 5, 5)), t64((4, 3, 3, 3)), stride=2, padding="same"), r"padding='same' needs stride 1"),
    (lambda: F.conv2d(t64((1, 3, 5, 5)), t64((4, 3, 3, 3)), padding="full"), r"padding must be"),
    (lambda: F.conv2d(t64((1, 3, 5, 5)), t64((4, 3, 3, 3)), stride=0), r"stride must be positive"),
    (lambda: F.conv2d(t64((1, 3, 5, 5)), t64((4, 3, 3, 3)), groups=0), r"groups must be a positive int"),
    (lambda: F.conv1d(t64((1, 3, 2)), t64((4, 3, 3))), r"conv1d: input of shape \[1, 3, 2\].*larger than the padded input"),
    (lambda: F.conv_transpose2d(t64((1, 3, 4, 4)), t64((2, 4, 3, 3))), r"the input has 3 channels, the weight expects 2"),
    (lambda: F.conv_transpose2d(t64((1, 3, 4, 4)), t64((3, 4, 3, 3)), groups=2), r"3 input channels are not divisible by groups=2"),
    (lambda: F.conv_transpose2d(t64((1, 3, 4, 4)), t64((3, 4, 3, 3)), stride=2, output_padding=2), r"output_padding \(2, 2\) must be .* smaller than either stride \(2, 2\) or dilation"),
    (lambda: F.conv_transpose1d(t64((1, 3, 1)), t64((3, 4, 1)), padding=1), r"output size .* too small"),
    (lambda: F.unfold(t64((1, 2, 3, 3)), 5), r"unfold: input of shape \[1, 2, 3, 3\].*larger than the padded input"),
    (lambda: F.fold(t64((1, 8, 5)), (3, 3), 2), r"fold: input of shape \[1, 8, 5\] has 5 columns, but output_size \(3, 3\) .* 2 x 2 = 4 windows"),
    (lambda: F.fold(t64((1, 7, 4)), (3, 3), 2), r"dim 1 must be divisible by the kernel's 4 elements"),
])  # fmt: skip
def test_bad_arguments_raise_value_errors_naming_the_shapes(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_mismatched_dtypes_raise_type_error():
    with pytest.raises(TypeError, match="input dtype float32 differs from weight dtype float64"):
        F.conv2d(tn.zeros(1, 1, 3, 3), t64((1, 1, 2, 2)))


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore:Using padding='same'")  # PyTorch's note on its own copy
@backends
@given(drawn=(conv_inputs(dims=2) | conv_inputs(dims=1)).map(two_or_more_samples))
def test_conv_matches_torch(kernel_backend, product_form, drawn):
    torch = pytest.importorskip("torch")
    arrays, params = drawn
    name = "conv2d" if arrays[0].ndim == 4 else "conv1d"
    _compare_with_torch(torch, getattr(F, name), getattr(torch.nn.functional, name), arrays,
                        params)


@pytest.mark.torch
@backends
@given(drawn=(conv_transpose_inputs(dims=2) | conv_transpose_inputs(dims=1)).map(
    two_or_more_samples))
def test_conv_transpose_matches_torch(kernel_backend, product_form, drawn):
    torch = pytest.importorskip("torch")
    arrays, params = drawn
    name = "conv_transpose2d" if arrays[0].ndim == 4 else "conv_transpose1d"
    _compare_with_torch(torch, getattr(F, name), getattr(torch.nn.functional, name), arrays,
                        params)


@pytest.mark.torch
@backends
@given(drawn=unfold_inputs(), folded=fold_inputs())
def test_unfold_and_fold_match_torch(kernel_backend, drawn, folded):
    torch = pytest.importorskip("torch")
    _compare_with_torch(torch, F.unfold, torch.nn.functional.unfold, *drawn)
    _compare_with_torch(torch, F.fold, torch.nn.functional.fold, *folded)


def _compare_with_torch(torch, ours, theirs, arrays, params):
    """Forward and every input's gradient for one random upstream gradient, in float64."""
    inputs = as_tensors(arrays, requires_grad=True)
    their_inputs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, z = ours(*inputs, **params), theirs(*their_inputs, **params)
    np.testing.assert_allclose(y.detach().numpy(), z.detach().numpy(), rtol=1e-10, atol=1e-12)
    upstream = RNG.standard_normal(tuple(z.shape))
    y.backward(tn.tensor(upstream))
    z.backward(torch.tensor(upstream))
    for mine, theirs_ in zip(inputs, their_inputs):
        np.testing.assert_allclose(mine.grad.numpy(), theirs_.grad.numpy(), rtol=1e-10,
                                   atol=1e-12)


def conv_step_results(x, weight, bias, **params):
    """y = conv2d(x, weight, bias) and the gradients of <y, u> for a fixed u."""
    leaves = [tn.tensor(a, requires_grad=True) for a in (x, weight, bias)]
    y = F.conv2d(*leaves, **params)
    upstream = np.random.default_rng(1).standard_normal(y.shape).astype(x.dtype)
    y.backward(tn.tensor(upstream))
    return [y.detach().numpy()] + [leaf.grad.numpy() for leaf in leaves]


@pytest.mark.parametrize("window_form", ["per_sample", "whole_batch"])
def test_float32_step_matches_float64(monkeypatch, window_form):
    monkeypatch.setattr(conv_ops, "WHOLE_BATCH_MIN_WINDOW", 1 if window_form == "whole_batch"
                        else 10**9)
    x = RNG.standard_normal((9, 6, 10, 9))
    weight, bias = RNG.standard_normal((8, 3, 3, 3)), RNG.standard_normal(8)
    params = {"padding": 1, "stride": (1, 2), "groups": 2}
    single = conv_step_results(*(a.astype(np.float32) for a in (x, weight, bias)), **params)
    double = conv_step_results(x, weight, bias, **params)
    for mine, expected in zip(single, double):
        assert mine.dtype == np.float32
        np.testing.assert_allclose(mine, expected, rtol=1e-4, atol=1e-4)


def direct_conv2d_weight(x, y, kernel, padding):
    """w[o, c, i, j] = Σ_{n, p, q} y[n, o, p, q] x[n, c, p − padding + i, q − padding + j]."""
    x_padded = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    out_h, out_w = y.shape[2:]
    return np.stack([[np.einsum("nopq,ncpq->oc", y, x_padded[:, :, i:i + out_h, j:j + out_w])
                      for j in range(kernel)] for i in range(kernel)]).transpose(2, 3, 0, 1)


def concurrent_case_results(x, weight, y):
    """conv2d(x, w), conv_transpose2d(y, w) and conv2d_weight(x, y), the three Functions, on
    tensors that need no graph (grad mode is one process-wide switch, which a backward on
    another thread may turn off)."""
    g = conv_ops.conv_geometry(x.shape[2:], 3, 1, 1, 1)
    x, weight, y = tn.tensor(x), tn.tensor(weight), tn.tensor(y)
    return [F.conv2d(x, weight, padding=1).numpy(),
            F.conv_transpose2d(y, weight, padding=1).numpy(),
            conv_ops.Conv2dWeight.apply(x, y, geometry=g, groups=1).numpy()]


def test_concurrent_convolutions_from_two_user_threads_give_the_right_results():
    """Two user threads, each calling the convolutions on its own data."""
    cases = [(RNG.standard_normal((6, 4, 7, 7)), RNG.standard_normal((5, 4, 3, 3)),
              RNG.standard_normal((6, 5, 7, 7))) for _ in range(2)]
    expected = [[direct_conv2d(x, weight, padding=1),
                 direct_conv_transpose2d(y, weight, padding=1),
                 direct_conv2d_weight(x, y, kernel=3, padding=1)] for x, weight, y in cases]
    errors = []

    def worker(case, want):
        try:
            for _ in range(20):
                for mine, theirs in zip(concurrent_case_results(*case), want):
                    np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-10)
        except Exception as error:  # noqa: BLE001  (reported by the main thread)
            errors.append(error)

    workers = [threading.Thread(target=worker, args=(case, want))
               for case, want in zip(cases, expected)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    assert not errors, errors[0]


@pytest.fixture(params=["per_sample", "whole_batch", "winograd"])
def path(request, monkeypatch):
    """Every convolution of a test on one path (tinynet/ops/conv.py), whatever its size."""
    monkeypatch.setattr(conv_ops, "WHOLE_BATCH_MIN_WINDOW",
                        1 if request.param == "whole_batch" else 10**9)
    monkeypatch.setattr(conv_ops, "WINOGRAD_MIN_CHANNELS",
                        1 if request.param == "winograd" else None)
    monkeypatch.setattr(conv_winograd, "pays", lambda *shape: True)
    return request.param


@pytest.mark.torch
def test_a_small_cnn_step_matches_torch_on_every_path(path):
    """Conv layers of one shape, a transposed conv and relu between them, in float64: the
    forward and every gradient against PyTorch (each layer keeps its own columns or tiles)."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(shape) for shape in
              ((4, 3, 7, 6), (3, 3, 3, 3), (3, 3, 3, 3), (3, 3, 3, 3), (3, 3, 3, 3), (3,))]

    def step(functional, relu, tensors):
        x, w1, w2, w3, w4, bias = tensors
        h = relu(functional.conv2d(x, w1, bias, padding=1))
        h = relu(functional.conv2d(h, w2, None, padding=1))
        h = functional.conv_transpose2d(h, w3, bias, padding=1)
        return functional.conv2d(h, w4, bias, padding=1) * h

    ours = [tn.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y = step(F, tn.relu, ours)
    z = step(torch.nn.functional, torch.relu, theirs)
    upstream = rng.standard_normal(tuple(z.shape))
    y.backward(tn.tensor(upstream))
    z.backward(torch.tensor(upstream))
    np.testing.assert_allclose(y.detach().numpy(), z.detach().numpy(), rtol=1e-10, atol=1e-10)
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), rtol=1e-9,
                                   atol=1e-9)
