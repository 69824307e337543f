"""The everyday math functions (rounding, logs, inverse trigonometry, remainders, logical and
bitwise ops, closeness, prod, median, mode, kthvalue, cummax, logcumsumexp, diff ...) as PyTorch's
documentation describes them: values, dtypes (floor keeps an integer dtype, true division and the
transcendental functions make integers float32, comparisons give bool), named results, in-place
forms, and bad input refused with an error naming the problem. Where PyTorch is installed, values
and float64 gradients are compared with its own on the same inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinynet as tn

RNG = np.random.default_rng(0)
X = (RNG.standard_normal((3, 4)) * 2).astype(np.float32)
POSITIVE = RNG.uniform(0.1, 3, (3, 4)).astype(np.float32)
UNIT = RNG.uniform(-0.95, 0.95, (3, 4)).astype(np.float32)
INTS = np.array([[5, -5, 7, 0], [3, -3, 8, -8]], dtype=np.int64)
DIVISORS = np.array([[3, 3, -2, 4], [-2, 2, 3, 5]], dtype=np.int64)
BOOLS = np.array([[True, False, True, False], [True, True, False, False]])
SPECIAL = np.array([1.5, -2.5, 0.5, np.nan, np.inf, -np.inf, -0.0, 2.0], dtype=np.float32)
REPEATS = np.array([[3, 1, 1, 3, 2], [2, 2, 0, 0, 4]], dtype=np.int64)


def torch_or_skip():
    return pytest.importorskip("torch")


def assert_same(ours, theirs, atol=1e-6):
    """Same type of result, shape, dtype and values (NaN where the other has NaN)."""
    if isinstance(theirs, (tuple, list)):
        assert len(ours) == len(theirs)
        if hasattr(theirs, "_fields"):
            assert ours._fields == theirs._fields
        for a, b in zip(ours, theirs):
            assert_same(a, b, atol)
        return
    if isinstance(theirs, bool):
        assert ours is theirs
        return
    expected, actual = theirs.detach().numpy(), ours.detach().numpy()
    assert actual.shape == expected.shape
    assert str(actual.dtype) == str(expected.dtype).replace("torch.", "")
    np.testing.assert_allclose(actual, expected, atol=atol, rtol=1e-5, equal_nan=True)


# name: (function of (module, *tensors), input arrays)
CASES = {
    "floor": (lambda m, x: m.floor(x), [SPECIAL]),
    "floor_int": (lambda m, x: m.floor(x), [INTS]),
    "ceil": (lambda m, x: m.ceil(x), [SPECIAL]),
    "ceil_int": (lambda m, x: x.ceil(), [INTS]),
    "round": (lambda m, x: m.round(x), [SPECIAL]),
    "round_decimals": (lambda m, x: m.round(x, decimals=2), [X]),
    "round_negative_decimals": (lambda m, x: m.round(x * 100, decimals=-1), [X]),
    "round_int": (lambda m, x: x.round(), [INTS]),
    "trunc": (lambda m, x: m.trunc(x), [SPECIAL]),
    "fix": (lambda m, x: m.fix(x), [X]),
    "frac": (lambda m, x: m.frac(x), [X]),
    "sign": (lambda m, x: m.sign(x), [SPECIAL]),
    "sign_int": (lambda m, x: m.sign(x), [INTS]),
    "sign_bool": (lambda m, x: m.sign(x), [BOOLS]),
    "sgn": (lambda m, x: m.sgn(x), [X]),
    "reciprocal": (lambda m, x: m.reciprocal(x), [X]),
    "reciprocal_int": (lambda m, x: m.reciprocal(x), [DIVISORS]),
    "rsqrt": (lambda m, x: m.rsqrt(x), [POSITIVE]),
    "square": (lambda m, x: m.square(x), [X]),
    "square_int": (lambda m, x: m.square(x), [INTS]),
    "log1p": (lambda m, x: m.log1p(x), [POSITIVE]),
    "expm1": (lambda m, x: m.expm1(x), [X]),
    "log2": (lambda m, x: m.log2(x), [POSITIVE]),
    "log2_int": (lambda m, x: m.log2(x), [np.array([1, 2, 8, 1024])]),
    "log10": (lambda m, x: m.log10(x), [POSITIVE]),
    "exp2": (lambda m, x: m.exp2(x), [X]),
    "exp2_int": (lambda m, x: m.exp2(x), [INTS]),
    "sinh": (lambda m, x: m.sinh(x), [X]),
    "cosh": (lambda m, x: m.cosh(x), [X]),
    "asin": (lambda m, x: m.asin(x), [UNIT]),
    "acos": (lambda m, x: m.acos(x), [UNIT]),
    "atan": (lambda m, x: m.atan(x), [X]),
    "arcsin": (lambda m, x: m.arcsin(x), [UNIT]),
    "arctan": (lambda m, x: x.arctan(), [X]),
    "asin_out_of_domain": (lambda m, x: m.asin(x * 3), [UNIT]),
    "erf": (lambda m, x: m.erf(x), [X]),
    "erfinv": (lambda m, x: m.erfinv(x), [UNIT]),
    "erfinv_edges": (lambda m, x: m.erfinv(x), [np.array([-1, 1, 0, 1.5, np.nan, 1e-7, 0.999999],
                                                         dtype=np.float32)]),
    "positive": (lambda m, x: m.positive(x), [X]),
    "nan_to_num": (lambda m, x: m.nan_to_num(x), [SPECIAL]),
    "nan_to_num_values": (lambda m, x: m.nan_to_num(x, nan=1.0, posinf=9.0, neginf=-9.0),
                          [SPECIAL]),
    "isnan": (lambda m, x: m.isnan(x), [SPECIAL]),
    "isinf": (lambda m, x: m.isinf(x), [SPECIAL]),
    "isposinf": (lambda m, x: m.isposinf(x), [SPECIAL]),
    "isneginf": (lambda m, x: x.isneginf(), [SPECIAL]),
    "isfinite": (lambda m, x: m.isfinite(x), [SPECIAL]),
    "isfinite_int": (lambda m, x: m.isfinite(x), [INTS]),
    "logical_not": (lambda m, x: m.logical_not(x), [SPECIAL]),
    "atan2": (lambda m, y, x: m.atan2(y, x), [X, X[::-1].copy()]),
    "atan2_int": (lambda m, y, x: m.atan2(y, x), [INTS, DIVISORS]),
    "arctan2": (lambda m, y, x: m.arctan2(y, x[0]), [X, X]),
    "fmod": (lambda m, x: m.fmod(x, 1.5), [X]),
    "fmod_int": (lambda m, x, y: m.fmod(x, y), [INTS, DIVISORS]),
    "remainder": (lambda m, x: m.remainder(x, -1.5), [X]),
    "remainder_int": (lambda m, x, y: m.remainder(x, y), [INTS, DIVISORS]),
    "mod_operator": (lambda m, x, y: x % y, [INTS, DIVISORS]),
    "floor_divide": (lambda m, x, y: m.floor_divide(x, y), [INTS, DIVISORS]),
    "floordiv_operator": (lambda m, x: x // 0.7, [X]),
    "hypot": (lambda m, x, y: m.hypot(x, y), [X, POSITIVE]),
    "float_power": (lambda m, x: m.float_power(x, 2), [INTS]),
    "float_power_tensor": (lambda m, x, y: m.float_power(x, y), [POSITIVE, X]),
    "logical_and": (lambda m, x, y: m.logical_and(x, y), [X[:2], INTS.astype(np.float32)]),
    "logical_or": (lambda m, x, y: m.logical_or(x, y), [BOOLS, INTS]),
    "logical_xor": (lambda m, x, y: m.logical_xor(x, y), [BOOLS, BOOLS[::-1].copy()]),
    "bitwise_and": (lambda m, x, y: m.bitwise_and(x, y), [INTS, DIVISORS]),
    "bitwise_or": (lambda m, x, y: x | y, [INTS, DIVISORS]),
    "bitwise_xor": (lambda m, x, y: m.bitwise_xor(x, y), [BOOLS, BOOLS[::-1].copy()]),
    "bitwise_not": (lambda m, x: m.bitwise_not(x), [INTS]),
    "invert_bool": (lambda m, x: ~x, [BOOLS]),
    "and_bool": (lambda m, x, y: x & y, [BOOLS, BOOLS[::-1].copy()]),
    "clip": (lambda m, x: m.clip(x, -1, 0.5), [X]),
    "clamp_min": (lambda m, x: m.clamp_min(x, 0.2), [X]),
    "clamp_max": (lambda m, x: x.clamp_max(0.2), [X]),
    "isclose": (lambda m, x: m.isclose(x, x + 1e-6), [SPECIAL]),
    "isclose_equal_nan": (lambda m, x: m.isclose(x, x, equal_nan=True), [SPECIAL]),
    "isclose_tolerances": (lambda m, x: x.isclose(x + 0.01, rtol=0, atol=0.02), [X]),
    "prod": (lambda m, x: m.prod(x), [X]),
    "prod_dim": (lambda m, x: m.prod(x, 1, keepdim=True), [X]),
    "prod_int": (lambda m, x: m.prod(x, 0), [INTS]),
    "prod_bool": (lambda m, x: m.prod(x), [BOOLS]),
    "prod_dtype": (lambda m, x: m.prod(x, dtype=m.float64), [INTS]),
    "prod_empty": (lambda m, x: m.prod(x[:, :0], 1), [X]),
    "median": (lambda m, x: m.median(x), [X]),
    "median_even_count": (lambda m, x: m.median(x[:, :2]), [X]),
    "median_dim": (lambda m, x: m.median(x, 1), [X]),
    "median_keepdim": (lambda m, x: x.median(0, keepdim=True), [X]),
    "median_nan": (lambda m, x: m.median(x, 0), [SPECIAL]),
    "median_nan_all": (lambda m, x: m.median(x), [SPECIAL]),
    "nanmedian": (lambda m, x: m.nanmedian(x), [SPECIAL]),
    "nanmedian_dim": (lambda m, x: m.nanmedian(x.reshape(2, 4), 1), [SPECIAL]),
    "mode": (lambda m, x: m.mode(x), [REPEATS]),
    "mode_dim0": (lambda m, x: m.mode(x, 0, keepdim=True), [REPEATS]),
    "mode_float": (lambda m, x: x.mode(), [X]),
    "kthvalue": (lambda m, x: m.kthvalue(x, 2), [X]),
    "kthvalue_dim": (lambda m, x: x.kthvalue(3, 0, True), [X]),
    "count_nonzero": (lambda m, x: m.count_nonzero(x), [INTS]),
    "count_nonzero_dims": (lambda m, x: m.count_nonzero(x, dim=(0, 1)), [BOOLS]),
    "count_nonzero_dim": (lambda m, x: x.count_nonzero(0), [INTS]),
    "std_mean": (lambda m, x: m.std_mean(x), [X]),
    "std_mean_dim": (lambda m, x: m.std_mean(x, 1, keepdim=True), [X]),
    "var_mean": (lambda m, x: m.var_mean(x, (0, 1), correction=0), [X]),
    "var_mean_no_correction": (lambda m, x: m.var_mean(x, 0, correction=0, keepdim=True), [X]),
    "logcumsumexp": (lambda m, x: m.logcumsumexp(x, 1), [X]),
    "logcumsumexp_large": (lambda m, x: m.logcumsumexp(x * 1000, 0), [X]),
    "logcumsumexp_neg_inf": (lambda m, x: m.logcumsumexp(x, 0), [SPECIAL[5:6].repeat(3)]),
    "cummax": (lambda m, x: m.cummax(x, 1), [X]),
    "cummax_ties": (lambda m, x: m.cummax(x, 1), [REPEATS]),
    "cummax_nan": (lambda m, x: m.cummax(x, 0), [SPECIAL]),
    "cummin": (lambda m, x: x.cummin(0), [REPEATS]),
    "cummin_nan": (lambda m, x: m.cummin(x, 0), [SPECIAL]),
    "diff": (lambda m, x: m.diff(x), [X]),
    "diff_n_dim": (lambda m, x: m.diff(x, n=2, dim=0), [X]),
    "diff_prepend_append": (lambda m, x: x.diff(dim=1, prepend=x[:, :1], append=x), [X]),
    "diff_bool": (lambda m, x: m.diff(x), [BOOLS]),
    "diff_int_n_too_large": (lambda m, x: m.diff(x, n=5), [INTS]),
}


@pytest.mark.parametrize("name", CASES)
def test_matches_pytorch(name):
    torch = torch_or_skip()
    function, arrays = CASES[name]
    ours = function(tn, *[tn.tensor(a) for a in arrays])
    theirs = function(torch, *[torch.tensor(a) for a in arrays])
    assert_same(ours, theirs)


# Differentiable cases, float64, compared with PyTorch's gradients
GRADIENT_CASES = {
    name: CASES[name] for name in [
        "floor", "round", "frac", "sign", "reciprocal", "rsqrt", "square", "log1p", "expm1",
        "log2", "log10", "exp2", "sinh", "cosh", "asin", "acos", "atan", "erf", "erfinv",
        "nan_to_num", "atan2", "fmod", "remainder", "hypot", "float_power_tensor", "clip",
        "clamp_min", "prod", "prod_dim", "median", "median_dim", "kthvalue", "mode_float",
        "std_mean_dim", "var_mean", "logcumsumexp", "cummax", "diff_n_dim",
        "diff_prepend_append"]
}


def _finite(array):
    return np.nan_to_num(array.astype(np.float64), nan=0.5, posinf=3.0, neginf=-3.0)


@pytest.mark.parametrize("name", GRADIENT_CASES)
def test_gradients_match_pytorch(name):
    torch = torch_or_skip()
    function, arrays = GRADIENT_CASES[name]
    arrays = [_finite(a) for a in arrays]
    ours = [tn.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]

    def total(module, inputs):
        outputs = function(module, *inputs)
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        weights = np.linspace(0.5, 1.5, 7)
        return sum((o * module.tensor(np.resize(weights, o.shape))).sum() for o in outputs
                   if o.dtype in (module.float64,))

    total(tn, ours).backward()
    total(torch, theirs).backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=1e-10, rtol=1e-8)


# Documented values, without PyTorch --------------------------------------------------------------
def test_rounding_keeps_integer_dtype_and_gives_zero_gradient():
    ints = tn.tensor([1, -2, 3])
    assert tn.floor(ints).dtype == tn.int64 and tn.floor(ints).tolist() == [1, -2, 3]
    x = tn.tensor([1.7, -1.2, 2.5], requires_grad=True)
    y = tn.floor(x)
    assert y.tolist() == [1.0, -2.0, 2.0] and y.requires_grad
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


def test_round_takes_halves_to_even_and_decimals():
    assert tn.round(tn.tensor([0.5, 1.5, 2.5, -0.5])).tolist() == [0.0, 2.0, 2.0, -0.0]
    assert tn.round(tn.tensor([1.2345, 1234.5]), decimals=2).tolist() == pytest.approx(
        [1.23, 1234.5])
    assert tn.round(tn.tensor([1234.5]), decimals=-2).tolist() == [1200.0]


def test_true_division_promotes_and_comparisons_give_bool():
    ints = tn.tensor([1, 2, 4])
    assert tn.reciprocal(ints).dtype == tn.float32
    assert tn.reciprocal(ints).tolist() == [1.0, 0.5, 0.25]
    assert tn.log2(ints).tolist() == [0.0, 1.0, 2.0]
    assert tn.isnan(ints).dtype == tn.bool
    assert tn.isclose(ints, ints).dtype == tn.bool


def test_erfinv_inverts_erf_to_float64_precision():
    y = np.linspace(-0.999999, 0.999999, 2001)
    x = tn.erfinv(tn.tensor(y, dtype=tn.float64))
    assert np.abs(tn.erf(x).numpy() - y).max() < 1e-15
    assert tn.erfinv(tn.tensor([0.5], dtype=tn.float64)).item() == pytest.approx(
        0.4769362762044699, abs=1e-16)
    assert tn.erfinv(tn.tensor([1.0, -1.0])).tolist() == [math.inf, -math.inf]
    assert math.isnan(tn.erfinv(tn.tensor([1.5])).item())


def test_fmod_and_remainder_take_their_signs_from_dividend_and_divisor():
    x = tn.tensor([-3.0, -2.0, -1.0, 1.0, 2.0, 3.0])
    assert tn.fmod(x, 2).tolist() == [-1.0, -0.0, -1.0, 1.0, 0.0, 1.0]
    assert tn.remainder(x, 2).tolist() == [1.0, 0.0, 1.0, 1.0, 0.0, 1.0]
    assert tn.remainder(tn.tensor([5, -5]), 3).tolist() == [2, 1]
    assert tn.floor_divide(tn.tensor([5, -5]), 3).tolist() == [1, -2]


def test_median_is_the_lower_median_and_returns_named_values_and_indices():
    x = tn.tensor([[4.0, 1.0, 3.0, 2.0], [0.0, 9.0, 8.0, 7.0]])
    assert tn.median(tn.tensor([4.0, 1.0, 3.0, 2.0])).item() == 2.0
    values, indices = tn.median(x, dim=1)
    assert values.tolist() == [2.0, 7.0] and indices.tolist() == [3, 3]
    result = x.median(1, keepdim=True)
    assert result.values.shape == (2, 1) and result.indices.dtype == tn.int64


def test_kthvalue_mode_cummax_name_their_results():
    x = tn.tensor([1.0, 3.0, 3.0, 2.0, 3.0])
    assert tn.kthvalue(x, 2).values.item() == 2.0 and tn.kthvalue(x, 2).indices.item() == 3
    assert tn.mode(x).values.item() == 3.0 and tn.mode(x).indices.item() == 4
    assert tn.cummax(x, 0).indices.tolist() == [0, 1, 2, 2, 4]
    assert tn.cummin(x, 0).values.tolist() == [1.0] * 5
    assert type(tn.cummax(x, 0)).__name__ == "cummax"


def test_prod_gradient_with_a_zero_is_the_product_of_the_others():
    x = tn.tensor([2.0, 0.0, 3.0], requires_grad=True)
    x.prod().backward()
    assert x.grad.tolist() == [0.0, 6.0, 0.0]


def test_logcumsumexp_does_not_overflow():
    x = tn.tensor([1000.0, 1000.0, -1000.0], dtype=tn.float64)
    expected = [1000.0, 1000.0 + math.log(2), 1000.0 + math.log(2)]
    assert tn.logcumsumexp(x, 0).tolist() == pytest.approx(expected)


def test_diff_of_bool_is_xor_and_prepend_joins_first():
    assert tn.diff(tn.tensor([True, False, False])).tolist() == [True, False]
    assert tn.diff(tn.tensor([1, 4, 9]), prepend=tn.tensor([0])).tolist() == [1, 3, 5]


def test_allclose_equal_return_python_bools():
    x = tn.tensor([1.0, 2.0])
    assert tn.allclose(x, x + 1e-9) is True and tn.allclose(x, x + 1) is False
    assert tn.equal(x, tn.tensor([1.0, 2.0])) is True
    assert tn.equal(x, tn.tensor([[1.0, 2.0]])) is False
    assert x.allclose(x) is True


def test_in_place_forms_write_into_the_tensor():
    x = tn.tensor([1.7, -1.2, 0.25])
    assert x.floor_() is x and x.tolist() == [1.0, -2.0, 0.0]
    y = tn.tensor([0.25, 4.0])
    y.log2_()
    assert y.tolist() == [-2.0, 2.0]
    z = tn.tensor([5, 6])
    z %= 4
    assert z.tolist() == [1, 2]
    flags = tn.tensor([True, False])
    flags.logical_not_()
    assert flags.tolist() == [False, True]
    w = tn.tensor([1.234567])
    w.round_(decimals=2)
    assert w.tolist() == pytest.approx([1.23])


def test_in_place_form_is_recorded_in_the_graph():
    x = tn.tensor([0.5, 1.0], dtype=tn.float64, requires_grad=True)
    y = x * 1.0
    y.expm1_()
    y.sum().backward()
    assert x.grad.tolist() == pytest.approx(np.exp([0.5, 1.0]).tolist())


def test_out_argument_is_written():
    out = tn.empty(3)
    result = tn.atan2(tn.tensor([1.0, 0.0, -1.0]), tn.tensor([0.0, 1.0, 0.0]), out=out)
    assert result is out
    assert out.tolist() == pytest.approx([math.pi / 2, 0.0, -math.pi / 2])


# Errors ------------------------------------------------------------------------------------------
def test_bitwise_ops_refuse_floats():
    with pytest.raises(RuntimeError, match="integer or bool"):
        tn.bitwise_and(tn.tensor([1.0]), tn.tensor([1.0]))
    with pytest.raises(TypeError, match="integer or bool"):
        tn.bitwise_not(tn.tensor([1.0]))
    with pytest.raises(RuntimeError, match="integer or bool"):
        tn.tensor([1, 2]) | 1.5


def test_integer_division_by_zero_is_refused():
    for function in (tn.fmod, tn.remainder, tn.floor_divide):
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            function(tn.tensor([3]), tn.tensor([0]))
    assert tn.fmod(tn.tensor([3.0]), 0).isnan().item()


def test_dtype_errors_name_the_problem():
    with pytest.raises(RuntimeError, match="floating point"):
        tn.frac(tn.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="floating point"):
        tn.hypot(tn.tensor([3]), tn.tensor([4]))
    with pytest.raises(RuntimeError, match="did not match"):
        tn.isclose(tn.tensor([1]), tn.tensor([1.0]))
    with pytest.raises(RuntimeError, match="bool"):
        tn.positive(tn.tensor([True]))
    with pytest.raises(RuntimeError, match="floating point"):
        tn.logcumsumexp(tn.tensor([1, 2]), 0)


def test_argument_errors_name_the_problem():
    x = tn.tensor([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(RuntimeError, match="out of range"):
        tn.kthvalue(x, 3, 1)
    with pytest.raises(IndexError, match="out of range"):
        tn.median(x, 2)
    with pytest.raises(RuntimeError, match="empty"):
        tn.median(x[:, :0], 1)
    with pytest.raises(RuntimeError, match="at least one-dimensional"):
        tn.diff(tn.tensor(1.0))
    with pytest.raises(RuntimeError, match="non-negative"):
        tn.diff(x, n=-1)
    with pytest.raises(RuntimeError, match="cannot be broadcast"):
        tn.atan2(tn.ones(2), tn.ones(3))
    with pytest.raises(RuntimeError, match="float64"):
        tn.ones(2).float_power_(2)
