"""3x3 convolutions by Winograd's F(4x4, 3x3) (tinynet/ops/conv_winograd.py): the forward, the
input and the weight gradient against direct loops on drawn shapes and paddings under both kernel
backends, gradcheck and gradgradcheck, the float32 rounding, and which convolutions take it."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tinynet as tn
import tinynet.nn.functional as F
import tinynet.ops.conv as conv_ops
from tests.ops.test_conv import direct_conv2d, direct_conv2d_weight, direct_conv_transpose2d
from tinynet.autograd import gradcheck, gradgradcheck
from tinynet.ops import conv_winograd

backends = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None,
                    max_examples=30)


@pytest.fixture
def winograd_calls(monkeypatch):
    """Winograd for every eligible convolution, however few channels; counts the calls."""
    calls = []
    for name in ("convolve", "transpose_convolve", "weight_gradient"):
        original = getattr(conv_winograd, name)

        def counted(*args, original=original, name=name, **kwargs):
            calls.append(name)
            return original(*args, **kwargs)

        monkeypatch.setattr(conv_winograd, name, counted)
    monkeypatch.setattr(conv_ops, "WINOGRAD_MIN_CHANNELS", 1)
    monkeypatch.setattr(conv_winograd, "pays", lambda *shape: True)
    return calls


@backends
@given(n=st.integers(1, 3), channels=st.integers(1, 3), out_channels=st.integers(1, 3),
       height=st.integers(1, 10), width=st.integers(1, 10), padding=st.integers(0, 3),
       seed=st.integers(0, 2**32 - 1))
def test_forward_and_both_gradients_match_direct_loops(kernel_backend, winograd_calls, n,
                                                      channels, out_channels, height, width,
                                                      padding, seed):
    height, width = max(height, 3 - 2 * padding), max(width, 3 - 2 * padding)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, channels, height, width))
    weight, bias = rng.standard_normal((out_channels, channels, 3, 3)), rng.standard_normal(
        out_channels)
    leaves = [tn.tensor(a, requires_grad=True) for a in (x, weight, bias)]
    y = F.conv2d(*leaves, padding=padding)
    upstream = rng.standard_normal(y.shape)
    y.backward(tn.tensor(upstream))
    assert sorted(set(winograd_calls)) == ["convolve", "transpose_convolve", "weight_gradient"]
    np.testing.assert_allclose(y.detach().numpy(), direct_conv2d(x, weight, bias, padding=padding),
                               rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(leaves[0].grad.numpy(),
                               direct_conv_transpose2d(upstream, weight, padding=padding),
                               rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(leaves[1].grad.numpy(),
                               direct_conv2d_weight(x, upstream, 3, padding), rtol=1e-10,
                               atol=1e-10)
    np.testing.assert_allclose(leaves[2].grad.numpy(), upstream.sum((0, 2, 3)), rtol=1e-10)


def test_conv_transpose2d_takes_it_too_and_matches_direct_loops(winograd_calls):
    rng = np.random.default_rng(3)
    y, weight = rng.standard_normal((2, 3, 6, 5)), rng.standard_normal((3, 2, 3, 3))
    z = F.conv_transpose2d(tn.tensor(y), tn.tensor(weight), padding=1).numpy()
    assert winograd_calls == ["transpose_convolve"]
    np.testing.assert_allclose(z, direct_conv_transpose2d(y, weight, padding=1), rtol=1e-10,
                               atol=1e-10)


def test_gradcheck_and_gradgradcheck(winograd_calls):
    rng = np.random.default_rng(4)
    x = tn.tensor(rng.standard_normal((2, 2, 5, 6)), requires_grad=True)
    weight = tn.tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True)
    bias = tn.tensor(rng.standard_normal(3), requires_grad=True)

    def conv(*inputs):
        return F.conv2d(*inputs, padding=1)

    assert gradcheck(conv, (x, weight, bias))
    assert gradgradcheck(conv, (x, weight, bias))
    assert "weight_gradient" in winograd_calls


def test_default_rule_and_the_switch(monkeypatch):
    g = conv_ops.conv_geometry((9, 9), 3, 1, 1, 1)
    assert conv_ops.WINOGRAD_MIN_CHANNELS == 16
    assert conv_ops.winograd(g, (16, 16, 3, 3), 1, 16)
    assert not conv_ops.winograd(g, (16, 15, 3, 3), 1, 16)
    monkeypatch.setattr(conv_ops, "WINOGRAD_MIN_CHANNELS", None)
    assert not conv_ops.winograd(g, (64, 64, 3, 3), 1, 16)


@pytest.mark.parametrize("winograd_forward", [False, True])
def test_a_backward_under_another_rule_reads_the_forward_s_columns_right(
        monkeypatch, winograd_forward):
    """The forward keeps Winograd tiles or im2col columns; the weight gradient computed after
    the rule changed must still read them as what they are."""
    monkeypatch.setattr(conv_winograd, "pays", lambda *shape: True)
    rng = np.random.default_rng(5)
    x, weight = rng.standard_normal((3, 2, 6, 5)), rng.standard_normal((4, 2, 3, 3))
    upstream = rng.standard_normal((3, 4, 6, 5))
    monkeypatch.setattr(conv_ops, "WINOGRAD_MIN_CHANNELS", 1 if winograd_forward else None)
    leaves = [tn.tensor(a, requires_grad=True) for a in (x, weight)]
    y = F.conv2d(*leaves, padding=1)
    monkeypatch.setattr(conv_ops, "WINOGRAD_MIN_CHANNELS", None if winograd_forward else 1)
    y.backward(tn.tensor(upstream))
    np.testing.assert_allclose(leaves[1].grad.numpy(), direct_conv2d_weight(x, upstream, 3, 1),
                               rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(leaves[0].grad.numpy(),
                               direct_conv_transpose2d(upstream, weight, padding=1), rtol=1e-10,
                               atol=1e-10)


def test_both_gradients_share_one_transform_of_the_upstream_gradient(winograd_calls,
                                                                    monkeypatch):
    transforms = []
    original = conv_winograd.transform_output_adjoint

    def counted(*args, **kwargs):
        transforms.append(args[0].shape)
        return original(*args, **kwargs)

    monkeypatch.setattr(conv_winograd, "transform_output_adjoint", counted)
    rng = np.random.default_rng(6)
    x, weight = rng.standard_normal((4, 2, 5, 6)), rng.standard_normal((3, 2, 3, 3))
    leaves = [tn.tensor(a, requires_grad=True) for a in (x, weight)]
    y = F.conv2d(*leaves, padding=1)
    upstream = rng.standard_normal(y.shape)
    y.backward(tn.tensor(upstream))
    assert transforms == [upstream.shape]
    np.testing.assert_allclose(leaves[1].grad.numpy(), direct_conv2d_weight(x, upstream, 3, 1),
                               rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(leaves[0].grad.numpy(),
                               direct_conv_transpose2d(upstream, weight, padding=1), rtol=1e-10,
                               atol=1e-10)


def conv_step(x, weight, upstream, padding, winograd_min_channels):
    """(y, dx, dw) of conv2d(x, weight, padding) for the upstream gradient, with
    WINOGRAD_MIN_CHANNELS set as given (None: im2col throughout)."""
    previous = conv_ops.WINOGRAD_MIN_CHANNELS
    conv_ops.WINOGRAD_MIN_CHANNELS = winograd_min_channels
    try:
        leaves = [tn.tensor(a, requires_grad=True) for a in (x, weight)]
        y = F.conv2d(*leaves, padding=padding)
        y.backward(tn.tensor(upstream))
    finally:
        conv_ops.WINOGRAD_MIN_CHANNELS = previous
    return y.detach().numpy(), leaves[0].grad.numpy(), leaves[1].grad.numpy()


def test_float32_stays_float32_within_the_stated_rounding():
    """16x16x16x16 -> 32 (256 planes: the default rule takes it), unit-normal inputs and upstream
    gradient, 0.1·normal weights: the largest errors of y, dx and dw relative to the largest
    value stay under 2e-5 (the bound the module docstring states)."""
    rng = np.random.default_rng(0)
    x, upstream = rng.standard_normal((16, 16, 16, 16)), rng.standard_normal((16, 32, 16, 16))
    weight = 0.1 * rng.standard_normal((32, 16, 3, 3))
    exact = conv_step(x, weight, upstream, 1, None)
    calls = []
    original = conv_winograd.convolve
    conv_winograd.convolve = lambda *args, **kwargs: calls.append(1) or original(*args, **kwargs)
    try:
        rounded = conv_step(*(a.astype(np.float32) for a in (x, weight, upstream)), 1, 16)
    finally:
        conv_winograd.convolve = original
    assert calls == [1]
    for mine, theirs in zip(rounded, exact):
        assert mine.dtype == np.float32
        assert np.abs(mine - theirs).max() < 2e-5 * np.abs(theirs).max()


@backends
@given(padding=st.one_of(st.tuples(st.integers(0, 3), st.integers(0, 3)), st.just("same")),
       n=st.integers(1, 3), channels=st.sampled_from([2, 100]), height=st.integers(1, 9),
       width=st.integers(1, 9), seed=st.integers(0, 2**32 - 1))
def test_matches_the_im2col_form_for_unequal_padding_and_many_planes(
        kernel_backend, winograd_calls, padding, n, channels, height, width, seed):
    """Rows and columns padded differently, "same", and 100-300 planes (more than one of the
    Numba kernels' plane blocks), float64, against the im2col form (tested against direct loops
    in test_conv.py)."""
    pad_h, pad_w = (1, 1) if padding == "same" else padding
    height, width = max(height, 3 - 2 * pad_h), max(width, 3 - 2 * pad_w)
    rng = np.random.default_rng(seed)
    x, weight = rng.standard_normal((n, channels, height, width)), rng.standard_normal(
        (3, channels, 3, 3))
    upstream = rng.standard_normal((n, 3, height + 2 * pad_h - 2, width + 2 * pad_w - 2))
    mine = conv_step(x, weight, upstream, padding, 1)
    assert "convolve" in winograd_calls
    for got, expected in zip(mine, conv_step(x, weight, upstream, padding, None)):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize(("arguments", "takes_it"), [
    ({"weight": (16, 16, 3, 3)}, True),
    ({"weight": (16, 15, 3, 3)}, False),  # below WINOGRAD_MIN_CHANNELS
    ({"weight": (16, 16, 3, 3), "stride": 2}, False),
    ({"weight": (16, 16, 3, 3), "dilation": 2}, False),
    ({"weight": (16, 16, 5, 5)}, False),
    ({"weight": (16, 16, 3, 3), "size": 5}, False),  # 5x5 output: 39% of its tiles used
    ({"weight": (16, 16, 3, 3), "size": 6}, True),   # 6x6: 56%
    ({"weight": (16, 16, 3, 3), "size": 3}, False),  # smaller than a tile
    ({"weight": (16, 16, 3, 3), "n": 15}, False),    # 240 planes < MIN_PLANES
    ({"weight": (128, 128, 3, 3), "n": 4, "size": 16}, False),  # 64 tile rows < 128 channels
    ({"weight": (128, 128, 3, 3), "n": 8, "size": 16}, True),   # 128 tile rows
])
def test_which_convolutions_take_it(arguments, takes_it):
    weight_shape, size = arguments.pop("weight"), arguments.pop("size", 9)
    g = conv_ops.conv_geometry((size, size), weight_shape[2:], arguments.get("stride", 1), 1,
                               arguments.get("dilation", 1))
    assert conv_ops.winograd(g, weight_shape, 1, arguments.get("n", 16)) is takes_it


def test_groups_never_take_it():
    g = conv_ops.conv_geometry((9, 9), 3, 1, 1, 1)
    assert not conv_ops.winograd(g, (32, 16, 3, 3), 2, 64)
