"""ConvGeometry: the output-size formula, "same"/"valid" padding, 1-D geometry and its errors."""

import numpy as np
import pytest
from hypothesis import given, settings

from tests.kernels.strategies import window_cases
from tinynet.kernels.geometry import ConvGeometry, output_size


def _count_windows(size, kernel, stride, before, after, dilation, ceil_mode):
    """Count window starts 0, stride, 2*stride, ... one by one. Floor mode keeps the windows that
    fit in the padded input; ceil mode keeps each window whose predecessor left part of the padded
    input uncovered, as long as it starts inside the input or the leading padding (PyTorch)."""
    padded = before + size + after
    extent = dilation * (kernel - 1) + 1
    starts = range(0, padded, stride)
    if not ceil_mode:
        return sum(start + extent <= padded for start in starts)
    return sum(start - stride + extent < padded and start < before + size for start in starts)


@pytest.mark.parametrize("ceil_mode", [False, True])
def test_output_size_matches_counting_windows(ceil_mode):
    for size in range(1, 9):
        for kernel in range(1, 5):
            for stride in range(1, 4):
                for pad in range(0, kernel // 2 + 1):
                    for dilation in (1, 2):
                        args = (size, kernel, stride, pad, pad, dilation, ceil_mode)
                        if dilation * (kernel - 1) + 1 > size + 2 * pad:
                            continue
                        assert output_size(*args) == _count_windows(*args), args


def test_ceil_mode_keeps_a_last_window_that_starts_in_the_input():
    # 5 elements, kernel 2, stride 2: floor gives 2 windows, ceil adds the one starting at 4.
    assert output_size(5, 2, 2) == 2
    assert output_size(5, 2, 2, ceil_mode=True) == 3
    # With padding 1 the third window would start in the trailing padding only: dropped.
    assert output_size(5, 2, 2, 1, 1, ceil_mode=True) == 3
    assert output_size(4, 2, 2, 1, 1, ceil_mode=True) == 3
    assert output_size(4, 3, 2, 1, 1, ceil_mode=True) == 3


@given(case=window_cases(dims=2, pooling=True))
@settings(deadline=None)
def test_drawn_geometry_is_consistent_with_its_arguments(case):
    g = case.geometry
    assert (g.in_h, g.in_w) == case.x_shape[2:]
    assert (g.kh, g.kw) == case.kernel_size and (g.sh, g.sw) == case.stride
    assert g.pad_h == (case.padding[0],) * 2 and g.pad_w == (case.padding[1],) * 2
    # the last window starts inside the input or the leading padding
    assert (g.out_h - 1) * g.sh < g.pad_top + g.in_h
    assert (g.out_w - 1) * g.sw < g.pad_left + g.in_w
    if not case.ceil_mode:
        assert g.overhang_h == g.overhang_w == 0


@pytest.mark.parametrize("kernel_size", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("dilation", [1, 2])
def test_same_padding_keeps_the_size_and_puts_the_odd_pad_last(kernel_size, dilation):
    g = ConvGeometry.from_shape((1, 1, 6, 7), kernel_size, padding="same", dilation=dilation)
    assert (g.out_h, g.out_w) == (6, 7)
    total = dilation * (kernel_size - 1)
    assert g.pad_h == g.pad_w == (total // 2, total - total // 2)


def test_valid_padding_is_zero_padding():
    g = ConvGeometry.from_shape((1, 1, 6, 7), 3, padding="valid")
    assert (g.pad_h, g.pad_w, g.out_h, g.out_w) == ((0, 0), (0, 0), 4, 5)


def test_padding_forms():
    g = ConvGeometry.from_shape((2, 3, 8, 8), (3, 5), padding=(1, 2))
    assert (g.pad_h, g.pad_w) == ((1, 1), (2, 2))
    g = ConvGeometry.from_shape((2, 3, 8, 8), 3, padding=((0, 1), (2, 0)))
    assert (g.pad_top, g.pad_bottom, g.pad_left, g.pad_right) == (0, 1, 2, 0)
    assert (g.out_h, g.out_w) == (7, 8)


def test_stride_none_means_stride_equal_to_the_kernel():
    g = ConvGeometry.from_shape((1, 1, 6, 6), (2, 3), stride=None, pooling=True)
    assert (g.sh, g.sw, g.out_h, g.out_w) == (2, 3, 3, 2)


def test_1d_geometry_is_a_height_one_plane():
    g = ConvGeometry.from_shape_1d((4, 3, 10), 3, stride=2, padding=1, dilation=2)
    assert (g.kh, g.sh, g.dh, g.pad_h, g.in_h, g.out_h) == (1, 1, 1, (0, 0), 1, 1)
    assert (g.kw, g.sw, g.dw, g.pad_w, g.in_w) == (3, 2, 2, (1, 1), 10)
    assert g.out_w == output_size(10, 3, 2, 1, 1, 2)
    same = ConvGeometry.from_shape_1d((1, 1, 5), 4, padding="same")
    assert (same.pad_w, same.out_w) == ((1, 2), 5)


def test_check_input_and_output_name_the_shapes():
    g = ConvGeometry.from_shape((2, 3, 5, 5), 3)
    g.check_input((2, 3, 5, 5))
    with pytest.raises(ValueError, match=r"\(2, 3, 5, 6\).*\(n, c, 5, 5\)"):
        g.check_input((2, 3, 5, 6))
    with pytest.raises(ValueError, match=r"\(3, 5, 5\)"):
        g.check_input((3, 5, 5))
    with pytest.raises(ValueError, match=r"grad_output.*\(n, c, 3, 3\)"):
        g.check_output((2, 3, 3, 4))


BAD_GEOMETRY = [
    # (input shape, keyword arguments, words the message must contain)
    ((1, 1, 4, 4), dict(kernel_size=5), r"extent 5.*padded input 4"),
    ((1, 1, 4, 4), dict(kernel_size=3, dilation=2), r"extent 5 \(kernel_size 3, dilation 2\)"),
    ((1, 1, 4, 4), dict(kernel_size=3, stride=0), r"stride must be positive, got \(0, 0\)"),
    ((1, 1, 4, 4), dict(kernel_size=0), r"kernel_size must be positive"),
    ((1, 1, 4, 4), dict(kernel_size=3, dilation=(1, 0)), r"dilation must be positive"),
    ((1, 1, 4, 4), dict(kernel_size=3, padding=-1), r"padding must be nonnegative"),
    ((1, 1, 4, 4), dict(kernel_size=2, padding=2, pooling=True), r"at most half the kernel"),
    ((1, 1, 4, 4), dict(kernel_size=3, padding="full"), r"'valid' or 'same'.*'full'"),
    ((1, 1, 4, 4), dict(kernel_size=3, padding="same", stride=2), r"'same' needs stride 1"),
    ((1, 1, 4, 4), dict(kernel_size=2, padding="same", pooling=True), r"an int or pairs"),
    ((1, 1, 4, 4), dict(kernel_size=2, ceil_mode=True), r"ceil_mode is a pooling option"),
    ((1, 1, 4, 4), dict(kernel_size=(1, 2, 3)), r"kernel_size must be an int or a pair"),
    ((1, 1, 4, 4), dict(kernel_size=2.0), r"kernel_size must be an int or a pair"),
    ((4,), dict(kernel_size=1), r"at least 2 dims"),
    ((1, 1, 3, 3), dict(kernel_size=5, pooling=True), r"output size -1 is too small"),
    # in 1 element, kernel 2 with dilation 2 and padding 1: the window [-1, 1] misses the input
    (
        (1, 1, 1, 1),
        dict(kernel_size=2, dilation=2, padding=1, pooling=True),
        r"entirely in the padding",
    ),
]


@pytest.mark.parametrize("shape, kwargs, message", BAD_GEOMETRY)
def test_bad_geometry_raises_a_value_error_naming_the_values(shape, kwargs, message):
    with pytest.raises(ValueError, match=message):
        ConvGeometry.from_shape(shape, **kwargs)


def test_pooling_windows_may_overhang_the_input_with_ceil_mode():
    # PyTorch accepts a kernel of 3 over 2 elements with ceil_mode: one clipped window.
    g = ConvGeometry.from_shape((1, 1, 2, 2), 3, stride=2, ceil_mode=True, pooling=True)
    assert (g.out_h, g.out_w, g.overhang_h, g.overhang_w) == (1, 1, 1, 1)


def test_geometry_is_frozen_and_hashable():
    g = ConvGeometry.from_shape((1, 1, 4, 4), 2)
    with pytest.raises(AttributeError):
        g.kh = 3
    assert g == ConvGeometry.from_shape(np.array([1, 1, 4, 4]), (2, 2))
    assert hash(g) == hash(ConvGeometry.from_shape((1, 1, 4, 4), 2))
