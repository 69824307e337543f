"""More math as PyTorch's documentation describes it: tan and the inverse hyperbolic functions,
logit, xlogy, logaddexp, sinc, angle conversion, copysign, fmax/fmin, heaviside, gcd/lcm, bit
shifts, isin, quantiles, NaN-skipping reductions, aminmax, PyTorch's aliases, the in-place
functions of the namespace and the constants. Compared with PyTorch where it is installed
(values, dtypes, float64 gradients); bad input refused with an error naming the problem."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinynet as tn
from tests.ops.test_math_functions import (BOOLS, DIVISORS, INTS, POSITIVE, SPECIAL, UNIT, X,
                                           assert_same, torch_or_skip)

PROBABILITIES = np.array([0.0, 0.1, 0.5, 0.9, 1.0], dtype=np.float32)
WITH_NAN = np.array([[1.0, np.nan, 3.0, 0.5], [np.nan, np.nan, np.nan, np.nan],
                     [2.0, -1.0, 4.0, 0.0]], dtype=np.float32)
ABOVE_ONE = (POSITIVE + 1).astype(np.float32)

CASES = {
    "tan": (lambda m, x: m.tan(x), [X]),
    "tan_int": (lambda m, x: m.tan(x), [INTS]),
    "asinh": (lambda m, x: m.asinh(x), [X]),
    "acosh": (lambda m, x: m.acosh(x), [ABOVE_ONE]),
    "acosh_below_one": (lambda m, x: m.acosh(x), [UNIT]),
    "atanh": (lambda m, x: m.atanh(x), [UNIT]),
    "arcsinh": (lambda m, x: x.arcsinh(), [X]),
    "logit": (lambda m, x: m.logit(x), [PROBABILITIES]),
    "logit_eps": (lambda m, x: m.logit(x, eps=1e-3), [PROBABILITIES]),
    "xlogy": (lambda m, x, y: m.xlogy(x, y), [INTS.astype(np.float32), DIVISORS.astype(
        np.float32)]),
    "xlogy_zero": (lambda m, x: m.xlogy(x * 0, x), [SPECIAL]),
    "xlogy_zeros_and_negatives": (lambda m, x, y: m.xlogy(x, y), [np.float64([0, 0, 7, 2, 0]),
                                                                  np.float64([4, 0, -2, 3, -1])]),
    "logaddexp": (lambda m, x, y: m.logaddexp(x, y), [X, X[::-1].copy()]),
    "logaddexp_large": (lambda m, x: m.logaddexp(x * 1000, x * 999), [X]),
    "logaddexp_special": (lambda m, x: m.logaddexp(x, x), [SPECIAL]),
    "logaddexp2": (lambda m, x, y: m.logaddexp2(x, y), [X, X[::-1].copy()]),
    "sinc": (lambda m, x: m.sinc(x), [np.append(X.ravel(), 0.0).astype(np.float32)]),
    "deg2rad": (lambda m, x: m.deg2rad(x), [INTS]),
    "rad2deg": (lambda m, x: m.rad2deg(x), [X]),
    "signbit": (lambda m, x: m.signbit(x), [SPECIAL]),
    "copysign": (lambda m, x, y: m.copysign(x, y), [SPECIAL, SPECIAL[::-1].copy()]),
    "copysign_int": (lambda m, x: m.copysign(x, -1.0), [INTS]),
    "fmax": (lambda m, x, y: m.fmax(x, y), [SPECIAL, SPECIAL[::-1].copy()]),
    "fmin": (lambda m, x, y: m.fmin(x, y), [SPECIAL, SPECIAL[::-1].copy()]),
    "heaviside": (lambda m, x, v: m.heaviside(x, v), [SPECIAL[:3], np.float32([0.5, 0.5, 0.5])]),
    "gcd": (lambda m, x, y: m.gcd(x, y), [INTS, DIVISORS]),
    "lcm": (lambda m, x, y: m.lcm(x, y), [INTS, DIVISORS]),
    "left_shift": (lambda m, x: m.bitwise_left_shift(x, 2), [INTS]),
    "right_shift_operator": (lambda m, x: x >> 1, [INTS]),
    "left_shift_operator": (lambda m, x: 1 << x.abs(), [INTS]),
    "isin": (lambda m, x, y: m.isin(x, y), [INTS, DIVISORS]),
    "isin_invert": (lambda m, x: m.isin(x, 3, invert=True), [INTS]),
    "quantile": (lambda m, x: m.quantile(x, 0.3), [X]),
    "quantile_dim": (lambda m, x: x.quantile(0.75, dim=1, keepdim=True), [X]),
    "quantile_nan": (lambda m, x: m.quantile(x, 0.5, dim=1), [WITH_NAN]),
    "nanquantile": (lambda m, x: m.nanquantile(x, 0.5, dim=1), [WITH_NAN]),
    "quantile_lower": (lambda m, x: m.quantile(x, 0.4, 0, interpolation="lower"), [X]),
    "quantile_nearest": (lambda m, x: m.quantile(x, 0.5, 1, interpolation="nearest"), [X]),
    "quantile_midpoint": (lambda m, x: m.quantile(x, 0.1, interpolation="midpoint"), [X]),
    "nansum": (lambda m, x: m.nansum(x), [WITH_NAN]),
    "nansum_dim": (lambda m, x: x.nansum(1, keepdim=True), [WITH_NAN]),
    "nanmean": (lambda m, x: m.nanmean(x, 1), [WITH_NAN]),
    "nanmean_no_empty_line": (lambda m, x: m.nanmean(x[::2], 1), [WITH_NAN]),
    "copysign_finite": (lambda m, x, y: m.copysign(x, y), [X, X[::-1].copy() * -1]),
    "nanmean_all": (lambda m, x: x.nanmean(), [WITH_NAN]),
    "aminmax": (lambda m, x: m.aminmax(x), [X]),
    "aminmax_dim": (lambda m, x: x.aminmax(dim=0, keepdim=True), [INTS]),
    "absolute": (lambda m, x: m.absolute(x), [X]),
    "negative": (lambda m, x: x.negative(), [INTS]),
    "multiply": (lambda m, x, y: m.multiply(x, y), [INTS, DIVISORS]),
    "divide": (lambda m, x, y: m.divide(x, y), [INTS, DIVISORS]),
    "divide_floor": (lambda m, x, y: x.divide(y, rounding_mode="floor"), [INTS, DIVISORS]),
    "true_divide": (lambda m, x, y: m.true_divide(x, y), [INTS, DIVISORS]),
    "subtract": (lambda m, x, y: m.subtract(x, y, alpha=2), [INTS, DIVISORS]),
    "greater": (lambda m, x, y: m.greater(x, y), [INTS, DIVISORS]),
    "less_equal": (lambda m, x, y: x.less_equal(y), [INTS, DIVISORS]),
    "not_equal": (lambda m, x: m.not_equal(x, 3), [INTS]),
    "isreal": (lambda m, x: m.isreal(x), [BOOLS]),
    "heaviside_int": (lambda m, x, v: m.heaviside(x, v), [INTS, DIVISORS]),
    "xlogy_wider_other": (lambda m, x, y: m.xlogy(x, y), [X, POSITIVE.astype(np.float64)]),
    "copysign_wider_other": (lambda m, x, y: m.copysign(x, y), [X, X.astype(np.float64) - 0.5]),
    "floor_divide_inexact_quotient": (lambda m, x, y: m.floor_divide(x, y), [
        np.float64([1.5, -2.5, 7.0, 0.3]), np.float64([0.1, 0.3, -2.0, 0.1])]),
    "floor_divide_large_ints": (lambda m, x: m.floor_divide(x, 3), [np.int64([2**40 + 1, -7])]),
}


@pytest.mark.parametrize("name", CASES)
def test_matches_pytorch(name):
    torch = torch_or_skip()
    function, arrays = CASES[name]
    ours = function(tn, *[tn.tensor(a) for a in arrays])
    theirs = function(torch, *[torch.tensor(a) for a in arrays])
    assert_same(ours, theirs, atol=1e-5)


GRADIENT_CASES = ["xlogy_zeros_and_negatives", "tan", "asinh", "acosh", "atanh", "logit_eps",
                  "xlogy", "logaddexp", "logaddexp2", "sinc", "rad2deg", "copysign_finite", "fmax",
                  "quantile", "quantile_dim", "nanquantile", "nansum_dim", "nanmean_no_empty_line",
                  "aminmax", "absolute"]


@pytest.mark.parametrize("name", GRADIENT_CASES)
def test_gradients_match_pytorch(name):
    torch = torch_or_skip()
    function, arrays = CASES[name]
    arrays = [a.astype(np.float64) for a in arrays]
    ours = [tn.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]

    def total(module, inputs):
        outputs = function(module, *inputs)
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        return sum((o * module.tensor(np.resize(np.linspace(0.5, 1.5, 7), o.shape))).nansum()
                   for o in outputs)

    total(tn, ours).backward()
    total(torch, theirs).backward()
    for a, b in zip(ours, theirs):
        # an input the result does not depend on (copysign's other) gets None, PyTorch zeros
        ours_grad = np.zeros(a.shape) if a.grad is None else a.grad.numpy()
        np.testing.assert_allclose(ours_grad, b.grad.numpy(), atol=1e-10, rtol=1e-8)


def test_xlogy_gradient_at_zero_is_where_pytorch_sends_it():
    """dz/dx = ln y, 0 where x = 0 and y ≤ 0; dz/dy = x/y (0/0 at x = y = 0, as PyTorch)."""
    x = tn.tensor([0.0, 2.0], dtype=tn.float64, requires_grad=True)
    y = tn.tensor([0.0, 3.0], dtype=tn.float64, requires_grad=True)
    tn.xlogy(x, y).sum().backward()
    assert x.grad.tolist() == [0.0, pytest.approx(math.log(3.0))]
    assert math.isnan(y.grad.tolist()[0]) and y.grad.tolist()[1] == pytest.approx(2.0 / 3.0)


def test_logaddexp_does_not_overflow():
    big = tn.tensor([1000.0, -1000.0], dtype=tn.float64)
    assert tn.logaddexp(big, big).tolist() == pytest.approx([1000.0 + math.log(2),
                                                             -1000.0 + math.log(2)])


def test_quantile_of_a_vector_of_q_puts_q_first():
    x = tn.arange(10.0)
    q = tn.tensor([0.0, 0.5, 1.0], dtype=tn.float64)
    assert tn.quantile(x, q).tolist() == [0.0, 4.5, 9.0]
    assert tn.quantile(x.reshape(2, 5), q, dim=1).shape == (3, 2)


def test_in_place_namespace_functions_write_into_the_tensor():
    x = tn.tensor([-1.0, 0.0, 2.0])
    assert tn.sigmoid_(x) is x and x.tolist() == pytest.approx([1 / (1 + math.e), 0.5,
                                                                1 / (1 + math.exp(-2))])
    y = tn.tensor([-2.0, 3.0])
    tn.clamp_(y, min=0)
    tn.relu_(y)
    assert y.tolist() == [0.0, 3.0]
    z = tn.tensor([1.26])
    tn.round_(z, decimals=1)
    assert z.tolist() == pytest.approx([1.3])


def test_constants_and_questions():
    assert tn.pi == math.pi and tn.e == math.e and tn.inf == math.inf and math.isnan(tn.nan)
    assert tn.is_nonzero(tn.tensor([2])) is True and tn.is_nonzero(tn.tensor(0.0)) is False
    assert tn.is_same_size(tn.ones(2, 3), tn.zeros(2, 3))
    assert tn.is_signed(tn.ones(1)) and not tn.is_signed(tn.ones(1, dtype=tn.uint8))
    assert tn.is_complex(tn.ones(1)) is False
    x = tn.ones(3, 1)
    assert x[:, tn.newaxis].shape == (3, 1, 1)


def test_errors_name_the_problem():
    with pytest.raises(RuntimeError, match="ambiguous"):
        tn.is_nonzero(tn.ones(2))
    with pytest.raises(RuntimeError, match="floating point"):
        tn.logaddexp(tn.tensor([1]), tn.tensor([2]))
    with pytest.raises(RuntimeError, match="integer or bool"):
        tn.gcd(tn.tensor([1.0]), tn.tensor([2]))
    with pytest.raises(RuntimeError, match="integer or bool"):
        tn.tensor([1.0]) << 1
    with pytest.raises(RuntimeError, match="same dtype"):
        tn.heaviside(tn.tensor([1.0]), tn.tensor([1]))
    with pytest.raises(RuntimeError, match=r"\[0, 1\]"):
        tn.quantile(tn.ones(3), 1.5)
    with pytest.raises(RuntimeError, match="interpolation"):
        tn.quantile(tn.ones(3), 0.5, interpolation="cubic")
    with pytest.raises(RuntimeError, match="floating point"):
        tn.quantile(tn.tensor([1, 2]), 0.5)
    with pytest.raises(RuntimeError, match="empty"):
        tn.aminmax(tn.ones(0))
    with pytest.raises(RuntimeError, match="bool"):
        tn.floor(tn.tensor([True]))
    with pytest.raises(RuntimeError, match="bool"):
        tn.bitwise_left_shift(tn.tensor([True]), tn.tensor([True]))
    with pytest.raises(RuntimeError, match="floating point"):
        tn.logaddexp2(tn.tensor([1]), tn.tensor([2]))
