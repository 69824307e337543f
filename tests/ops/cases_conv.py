"""The convolution and pooling cases of tinynet/gradcheck_cases/conv.py as hypothesis strategies
of (arrays, params), for the forward tests of test_conv.py and test_pool.py."""

from __future__ import annotations

from tests.ops.case_strategies import drawn
from tinynet.gradcheck_cases import conv


def conv_inputs(dims=2):
    return drawn(conv.conv_inputs, dims=dims)


def conv_transpose_inputs(dims=2):
    return drawn(conv.conv_transpose_inputs, dims=dims)


def unfold_inputs():
    return drawn(conv.unfold_inputs)


def fold_inputs():
    return drawn(conv.fold_inputs)


def pool_inputs(dims=2, kind="max"):
    return drawn(conv.pool_inputs, dims=dims, kind=kind)


def max_unpool_inputs():
    return drawn(conv.max_unpool_inputs)


def adaptive_inputs():
    return drawn(conv.adaptive_inputs)


def interpolate_inputs():
    return drawn(conv.interpolate_inputs)
