"""The tensor functions (sort, topk, norm, masked_fill, repeat, roll, cumsum, unique, ...), as
PyTorch's documentation describes them: values, dtypes, named results, keyword names, and bad
input refused with an error naming the problem. Where PyTorch is installed the results are
compared with its own on the same inputs, gradients included."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinynet as tn

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4)).astype(np.float32)


def torch_or_skip():
    return pytest.importorskip("torch")


def both(function, *arrays, **params):
    """(tinynet result, torch result) of ``function(module, *tensors, **params)``."""
    torch = torch_or_skip()
    ours = function(tn, *[tn.tensor(a) for a in arrays], **params)
    theirs = function(torch, *[torch.tensor(a) for a in arrays], **params)
    return ours, theirs


def assert_same(ours, theirs, atol=1e-6):
    if isinstance(theirs, (tuple, list)):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert_same(a, b, atol)
        return
    expected = theirs.detach().numpy()
    actual = ours.detach().numpy()
    assert actual.shape == expected.shape
    assert str(actual.dtype) == str(expected.dtype).replace("torch.", "")
    np.testing.assert_allclose(actual, expected, atol=atol, rtol=1e-5)


CASES = {
    "sort": lambda m, x: m.sort(x, dim=0, descending=True),
    "sort_stable": lambda m, x: m.sort((x > 0).long(), stable=True),
    "argsort": lambda m, x: m.argsort(x, dim=1),
    "topk": lambda m, x: m.topk(x, 2),
    "topk_smallest": lambda m, x: m.topk(x, 3, dim=0, largest=False),
    "t": lambda m, x: m.t(x),
    "mm": lambda m, x: m.mm(x, x.t()),
    "bmm": lambda m, x: m.bmm(x.unsqueeze(0), x.t().unsqueeze(0)),
    "norm": lambda m, x: m.norm(x),
    "norm_p1_dim": lambda m, x: m.norm(x, p=1, dim=1, keepdim=True),
    "norm_p3": lambda m, x: x.norm(3, dim=0),
    "norm_inf": lambda m, x: x.norm(float("inf")),
    "linalg_norm": lambda m, x: m.linalg.norm(x),
    "linalg_norm_matrix_1": lambda m, x: m.linalg.norm(x, ord=1),
    "linalg_norm_matrix_inf": lambda m, x: m.linalg.norm(x, ord=float("inf")),
    "vector_norm": lambda m, x: m.linalg.vector_norm(x, ord=0.5, dim=(0, 1)),
    "matrix_norm_neg_inf": lambda m, x: m.linalg.matrix_norm(x, ord=-float("inf")),
    "masked_fill": lambda m, x: x.masked_fill(x > 0, -1.0),
    "masked_fill_row_mask": lambda m, x: m.masked_fill(x, m.tensor([True, False, True, False]),
                                                       m.tensor(7.0)),
    "index_select": lambda m, x: m.index_select(x, 1, m.tensor([3, 0, 0])),
    "view_as": lambda m, x: x.view_as(m.zeros(2, 6)),
    "expand_as": lambda m, x: x[:1].expand_as(x),
    "repeat": lambda m, x: x.repeat(2, 1, 3),
    "flip": lambda m, x: m.flip(x, (0, 1)),
    "flip_method_varargs": lambda m, x: x.flip(1),
    "roll": lambda m, x: m.roll(x, 1),
    "roll_dims": lambda m, x: m.roll(x, shifts=(1, -5), dims=(0, 1)),
    "cumsum": lambda m, x: m.cumsum(x, dim=1),
    "cumsum_int": lambda m, x: m.cumsum((x > 0).long(), 0),
    "cumprod": lambda m, x: m.cumprod(x, dim=0),
    "cumprod_int": lambda m, x: x.long().cumprod(1),
    "tril": lambda m, x: m.tril(x),
    "triu_diagonal": lambda m, x: m.triu(x, diagonal=1),
    "tril_negative": lambda m, x: x.tril(-1),
    "nonzero": lambda m, x: m.nonzero(x > 0),
    "nonzero_tuple": lambda m, x: m.nonzero(x > 0, as_tuple=True),
    "unique": lambda m, x: m.unique((x > 0).long() + (x > 1).long(), return_inverse=True,
                                     return_counts=True),
    "unique_dim": lambda m, x: m.unique(m.cat([x, x]) > 0, dim=0, return_inverse=True),
    "all": lambda m, x: m.all(x > -1),
    "any_dim": lambda m, x: m.any(x > 1, dim=1),
    "all_keepdim": lambda m, x: (x > 0).all(dim=0, keepdim=True),
    "masked_select": lambda m, x: m.masked_select(x, x > 0),
    "masked_select_broadcast": lambda m, x: x.masked_select(m.tensor([True, False, False, True])),
    "unbind": lambda m, x: m.unbind(x, dim=1),
    "lerp_scalar": lambda m, x: m.lerp(x, m.zeros(4), 0.25),
    "lerp_tensor": lambda m, x: x.lerp(m.ones(3, 1), m.tensor([0.0, 0.5, 1.0, 2.0])),
    "where_one_argument": lambda m, x: m.where(x > 0),
    "div_floor": lambda m, x: m.div(x, 0.3, rounding_mode="floor"),
    "div_trunc_int": lambda m, x: m.div(m.tensor([7, -7]), 2, rounding_mode="trunc"),
    "sum_dtype": lambda m, x: m.sum(x, dim=0, dtype=m.float64),
    "amax_default": lambda m, x: m.amax(x),
}


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(CASES))
def test_agrees_with_pytorch(name):
    ours, theirs = both(CASES[name], X)
    assert_same(ours, theirs)


GRADIENT_CASES = {
    "sort": lambda m, x: m.sort(x, dim=1).values * m.arange(4.0),
    "topk": lambda m, x: m.topk(x, 2, dim=0).values.sum(0) * m.arange(4.0),
    "norm": lambda m, x: m.norm(x, dim=1),
    "norm_p3": lambda m, x: x.norm(3),
    "norm_of_zeros": lambda m, x: (x * 0).norm(),
    "masked_fill": lambda m, x: x.masked_fill(x > 0, 2.0) * x,
    "index_select": lambda m, x: m.index_select(x, 0, m.tensor([2, 2, 0])),
    "repeat": lambda m, x: x.repeat(2, 3) * m.arange(72.0).reshape(6, 12),
    "roll": lambda m, x: m.roll(x, (1, 2), (0, 1)) * m.arange(12.0).reshape(3, 4),
    "cumsum": lambda m, x: m.cumsum(x, 1) * x,
    "cumprod": lambda m, x: m.cumprod(x, 1) * x,
    "cumprod_through_zeros": lambda m, x: m.cumprod(x.masked_fill(x.abs() < 0.5, 0.0), 1)
    * m.arange(12.0).reshape(3, 4),
    "tril": lambda m, x: m.tril(x, 1) * 3,
    "masked_select": lambda m, x: m.masked_select(x, x > 0) ** 2,
    "unbind": lambda m, x: m.unbind(x)[1] * 2,
    "lerp": lambda m, x: m.lerp(x, x * x, 0.3),
    "flip": lambda m, x: x.flip(0) * m.arange(12.0).reshape(3, 4),
    "max_all": lambda m, x: x.max(),
}


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(GRADIENT_CASES))
def test_gradients_agree_with_pytorch(name):
    torch = torch_or_skip()
    ours = tn.tensor(X, requires_grad=True)
    theirs = torch.tensor(X, requires_grad=True)
    GRADIENT_CASES[name](tn, ours).sum().backward()
    GRADIENT_CASES[name](torch, theirs).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), atol=1e-5)


def test_topk_and_sort_return_named_tuples():
    x = tn.tensor([1.0, 3.0, 2.0])
    values, indices = tn.topk(x, 2)
    assert type(tn.topk(x, 2)).__name__ == "topk" and tn.topk(x, 2).values.tolist() == [3.0, 2.0]
    assert indices.tolist() == [1, 2] and indices.dtype == tn.int64
    result = x.sort(descending=True)
    assert type(result).__name__ == "sort"
    assert result.values.tolist() == [3.0, 2.0, 1.0] and result.indices.tolist() == [1, 2, 0]


def test_sort_puts_nan_last_ascending_and_first_descending():
    x = tn.tensor([2.0, math.nan, 1.0])
    assert x.sort().indices.tolist() == [2, 0, 1]
    assert x.sort(descending=True).indices.tolist() == [1, 0, 2]


def test_stable_sort_keeps_equal_elements_in_their_order():
    x = tn.tensor([1, 0, 1, 0, 1])
    assert tn.sort(x, stable=True).indices.tolist() == [1, 3, 0, 2, 4]
    assert tn.sort(x, descending=True, stable=True).indices.tolist() == [0, 2, 4, 1, 3]


def test_norm_of_zero_vector_has_zero_gradient():
    x = tn.zeros(3, requires_grad=True)
    x.norm().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


def test_cumsum_of_bools_counts_in_int64():
    assert tn.cumsum(tn.tensor([True, False, True]), 0).tolist() == [1, 1, 2]
    assert tn.cumsum(tn.tensor([True, False]), 0).dtype == tn.int64


def test_repeat_and_flip_values():
    x = tn.tensor([[1, 2], [3, 4]])
    assert x.repeat(1, 2).tolist() == [[1, 2, 1, 2], [3, 4, 3, 4]]
    assert x.repeat(2, 1, 1).shape == (2, 2, 2)
    assert x.flip(0, 1).tolist() == [[4, 3], [2, 1]] and x.flip([1]).tolist() == [[2, 1], [4, 3]]


def test_like_functions_take_shape_and_dtype():
    x = tn.zeros(2, 3, dtype=tn.float64)
    for function in (tn.rand_like, tn.randn_like, tn.empty_like, tn.zeros_like, tn.ones_like):
        made = function(x)
        assert made.shape == (2, 3) and made.dtype == tn.float64
        assert function(x, dtype=tn.float32).dtype == tn.float32
        assert function(x, requires_grad=True).requires_grad
    assert tn.full_like(x, 7, dtype=tn.int64).tolist() == [[7, 7, 7], [7, 7, 7]]
    integers = tn.randint_like(tn.zeros(50, dtype=tn.int64), 3, 6)
    assert integers.dtype == tn.int64 and set(integers.tolist()) <= {3, 4, 5}
    assert set(tn.randint_like(x, 2).tolist()[0]) <= {0.0, 1.0}
    values = tn.rand_like(tn.zeros(1000))
    assert 0 <= values.min().item() and values.max().item() < 1


def test_like_functions_refuse_what_they_cannot_make():
    with pytest.raises(TypeError, match="floating point"):
        tn.rand_like(tn.zeros(2, dtype=tn.int64))
    with pytest.raises(RuntimeError, match="CPU only"):
        tn.randn_like(tn.zeros(2), device="cuda")
    with pytest.raises(ValueError, match="high"):
        tn.randint_like(tn.zeros(2), 5, 5)
    assert tn.zeros_like(tn.zeros(2), device="cpu").shape == (2,)


def test_rand_like_repeats_under_manual_seed():
    tn.manual_seed(3)
    first = tn.rand_like(tn.zeros(4)).tolist()
    tn.manual_seed(3)
    assert tn.rand_like(tn.zeros(4)).tolist() == first


def test_multinomial_draws_by_weight():
    tn.manual_seed(0)
    draws = tn.multinomial(tn.tensor([0.0, 1.0, 3.0]), 4000, replacement=True)
    assert draws.dtype == tn.int64 and draws.shape == (4000,)
    counts = np.bincount(draws.numpy(), minlength=3)
    assert counts[0] == 0 and 0.70 < counts[2] / 4000 < 0.80
    rows = tn.tensor([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]]).multinomial(2)
    assert rows.shape == (2, 2)
    assert sorted(rows[0].tolist()) == [0, 1] and sorted(rows[1].tolist()) == [1, 2]
    generator = tn.Generator(5)
    first = tn.multinomial(tn.ones(10), 3, generator=generator).tolist()
    assert tn.multinomial(tn.ones(10), 3, generator=tn.Generator(5)).tolist() == first


def test_multinomial_refuses_bad_weights():
    with pytest.raises(RuntimeError, match="without replacement"):
        tn.multinomial(tn.tensor([0.1, 0.9]), 3)
    with pytest.raises(RuntimeError, match="element < 0"):
        tn.multinomial(tn.tensor([-0.1, 0.9]), 1)
    with pytest.raises(RuntimeError, match="1 or 2 dim"):
        tn.multinomial(tn.ones(2, 2, 2), 1)


@pytest.mark.parametrize("call, error, words", [
    (lambda: tn.t(tn.ones(2, 2, 2)), RuntimeError, "<= 2 dimensions"),
    (lambda: tn.mm(tn.ones(2, 2, 2), tn.ones(2, 2)), RuntimeError, "matrices"),
    (lambda: tn.bmm(tn.ones(2, 2), tn.ones(2, 2)), RuntimeError, "3-D"),
    (lambda: tn.topk(tn.ones(3), 4), RuntimeError, "k=4 out of range"),
    (lambda: tn.masked_fill(tn.ones(3), tn.tensor([1, 0, 1]), 0.0), RuntimeError, "boolean"),
    (lambda: tn.ones(3).masked_fill(tn.tensor([True, False]), 0.0), RuntimeError, r"\[2\]"),
    (lambda: tn.ones(3).masked_fill(tn.tensor([True, False, True]), tn.ones(2)), RuntimeError,
     "0-dimensional"),
    (lambda: tn.index_select(tn.ones(3), 0, tn.tensor([3])), IndexError, "out of range"),
    (lambda: tn.index_select(tn.ones(3), 0, tn.tensor([0.0])), TypeError, "integer"),
    (lambda: tn.ones(2, 2).repeat(2), RuntimeError, "smaller than"),
    (lambda: tn.roll(tn.ones(3), (1, 2), 0), RuntimeError, "same length"),
    (lambda: tn.tril(tn.ones(3)), RuntimeError, "at least 2 dimensions"),
    (lambda: tn.norm(tn.ones(2, 2), p="nuc"), RuntimeError, "singular values"),
    (lambda: tn.linalg.matrix_norm(tn.ones(2, 2), ord=2), RuntimeError, "singular values"),
    (lambda: tn.norm(tn.tensor([1, 2])), TypeError, "floating point"),
    (lambda: tn.cumsum(tn.ones(3), 1), IndexError, "out of range"),
    (lambda: tn.masked_select(tn.ones(3), tn.tensor([True, False])), RuntimeError, "broadcast"),
])
def test_bad_arguments_are_refused_with_a_clear_message(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_keyword_names_are_pytorchs():
    x, y = tn.ones(2, 2), tn.full((2, 2), 2.0)
    assert tn.matmul(input=x, other=y).tolist() == [[4.0, 4.0], [4.0, 4.0]]
    assert tn.add(input=x, other=y, alpha=3).tolist() == [[7.0, 7.0], [7.0, 7.0]]
    assert tn.sub(x, y, alpha=0.5).tolist() == [[0.0, 0.0], [0.0, 0.0]]
    assert tn.sum(input=x, dim=0, keepdim=True, dtype=tn.float64).dtype == tn.float64
    assert tn.cat(tensors=[x, y], dim=1).shape == (2, 4)
    assert tn.stack(tensors=[x, y], dim=0).shape == (2, 2, 2)
    assert tn.mean(input=x, dim=1).tolist() == [1.0, 1.0]
    assert tn.clamp(input=y, max=1.5).tolist() == [[1.5, 1.5], [1.5, 1.5]]
    assert tn.where(condition=x > 0, input=x, other=y).tolist() == [[1.0, 1.0], [1.0, 1.0]]
    assert tn.exp(input=tn.zeros(1)).tolist() == [1.0]
    assert tn.softmax(x, dim=1, dtype=tn.float64).dtype == tn.float64
    assert tn.gather(input=x, dim=0, index=tn.tensor([[0, 1]])).tolist() == [[1.0, 1.0]]
    assert x.add(y, alpha=2).tolist() == [[5.0, 5.0], [5.0, 5.0]]


def _documented_parameters(torch_function) -> tuple:
    """(positional names, keyword-only names) from the first line of a PyTorch docstring, which
    states the signature of its built-in functions (inspect cannot see them)."""
    first_line = torch_function.__doc__.strip().split("\n")[0].split(" -> ")[0]
    inside = first_line[first_line.index("(") + 1:first_line.rindex(")")]
    positional, keyword_only, seen_star = [], [], False
    for part in inside.split(","):
        name = part.split("=")[0].split(":")[0].strip().lstrip("\\")
        if name == "*":
            seen_star = True
        elif name:
            (keyword_only if seen_star else positional).append(name)
    return positional, keyword_only


@pytest.mark.torch
@pytest.mark.parametrize("name", [
    "topk", "sort", "argsort", "t", "mm", "bmm", "index_select", "flip", "roll", "cumsum",
    "cumprod", "tril", "triu", "nonzero", "masked_select", "unbind", "lerp", "add", "sub", "mul",
    "div", "matmul", "cat", "stack", "amax", "gather", "where", "clamp", "exp", "softmax", "logsumexp", "unique",
    "transpose", "unsqueeze", "flatten", "pow", "maximum", "eq", "rand_like", "randn_like",
    "empty_like", "zeros_like", "ones_like", "full_like", "multinomial", "randint_like"])
def test_signature_matches_pytorchs_documented_one(name):
    import inspect

    torch = torch_or_skip()
    positional, keyword_only = _documented_parameters(getattr(torch, name))
    parameters = inspect.signature(getattr(tn, name)).parameters.values()
    ours_positional = [p.name for p in parameters if p.kind == p.POSITIONAL_OR_KEYWORD]
    ours_keyword_only = {p.name for p in parameters if p.kind == p.KEYWORD_ONLY}
    assert ours_positional == positional
    assert set(keyword_only) <= ours_keyword_only
