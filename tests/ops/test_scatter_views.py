"""Writing parts of tensors out of place (index_put, put, select/slice/diagonal_scatter),
splitting (hsplit, vsplit, dsplit), broadcasting, block_diag, combinations, triangle indices,
addr, inner and the log-determinants, as PyTorch's documentation describes them: the same code
on tinynet and PyTorch (where installed) gives the same values, dtypes and float64 gradients;
bad input is refused with an error naming the problem."""

from __future__ import annotations

import numpy as np
import pytest

import tinynet as tn
from tests.ops.compare_torch import compare
from tinynet.errors import ShapeError

RNG = np.random.default_rng(0)


def rand(*shape):
    return RNG.standard_normal(shape)


def test_index_put_and_put_match_torch():
    rows, cols = np.array([0, 2, 0]), np.array([1, 1, 1])
    compare(lambda m, x, v: (m.index_put(x, (m.tensor(rows), m.tensor(cols)), v, accumulate=True),
                             x.index_put((m.tensor([1]),), v[:1].reshape(1, 1))), rand(3, 2),
            rand(3))
    compare(lambda m, x, v: (x * 1).index_put_((m.tensor([2, 0]),), v), rand(3, 2), rand(2))
    compare(lambda m, x, s: (m.put(x, m.tensor([0, 5, 5]), s, accumulate=True),
                             x.put(m.tensor([[1, 4]]), s[:2])), rand(2, 3), rand(3))
    compare(lambda m, x, s: (x * 1).put_(m.tensor([3]), s), rand(2, 3), rand(1))
    with pytest.raises(IndexError, match="index 6 is out of bounds"):
        tn.zeros(2, 3).put(tn.tensor([6]), tn.ones(1))
    with pytest.raises(ShapeError, match="same number of elements"):
        tn.zeros(2, 3).put(tn.tensor([1, 2]), tn.ones(1))


def test_select_slice_diagonal_scatter_match_torch():
    compare(lambda m, x, s: (m.select_scatter(x, s, 0, 1), x.select_scatter(s, 0, -1)),
            rand(3, 2), rand(2))
    compare(lambda m, x, s: (m.slice_scatter(x, s, 1, 0, 4, 2), x.slice_scatter(s, dim=1,
                                                                                  start=1, step=2)),
            rand(3, 4), rand(3, 2))
    compare(lambda m, x, s: (m.diagonal_scatter(x, s[:2], 1), x.diagonal_scatter(s, 1, 1, 0)),
            rand(4, 3), rand(3))
    with pytest.raises(ShapeError, match="does not fit"):
        tn.slice_scatter(tn.zeros(3, 4), tn.zeros(3, 3), 1, 0, 4, 2)
    with pytest.raises(ShapeError, match="does not fit"):
        tn.diagonal_scatter(tn.zeros(3, 3), tn.zeros(2))


def test_block_diag_diagflat_addr_inner_match_torch():
    compare(lambda m, a, b, c: m.block_diag(a, b, c), rand(2, 2), rand(3), np.array(5.0))
    compare(lambda m, a: (m.diagflat(a), a.diagflat(-1)), rand(2, 2))
    compare(lambda m, x, a, b: (m.addr(x, a, b, beta=0.5, alpha=2), x.addr(a, b)), rand(2, 3),
            rand(2), rand(3))
    compare(lambda m, a, b: (m.inner(a, b), a.inner(b), m.inner(a, b[0, 0])), rand(2, 3),
            rand(4, 3))


def test_splits_match_torch():
    compare(lambda m, x: (*m.hsplit(x, 2), *x.vsplit([1]), *m.dsplit(x, [1, 3])), rand(2, 4, 4))
    compare(lambda m, x: m.hsplit(x, 3), rand(6))
    with pytest.raises(ValueError, match="not divisible"):
        tn.hsplit(tn.zeros(2, 5), 2)
    with pytest.raises(ShapeError, match="at least 3 dimensions"):
        tn.dsplit(tn.zeros(2, 2), 2)


def test_broadcasting_and_concatenation_match_torch():
    compare(lambda m, a, b: (m.broadcast_to(a, (2, 3, 3)), a.broadcast_to((3, 3)),
                             *m.broadcast_tensors(a, b)), rand(1, 3), rand(2, 1, 1))
    assert tn.broadcast_shapes((2, 1), (3,), 1) == (2, 3)
    assert isinstance(tn.broadcast_shapes((2, 1)), tn.Size)
    with pytest.raises(RuntimeError, match="Shape mismatch"):
        tn.broadcast_shapes((2,), (3,))
    compare(lambda m, a, b: (m.concat([a, b], 1), m.concatenate((a, b), axis=0)), rand(2, 2),
            rand(2, 2))


def test_combinations_flips_and_triangle_indices_match_torch():
    compare(lambda m, x: (m.combinations(x), m.combinations(x, 3),
                          m.combinations(x, with_replacement=True)), rand(4))
    compare(lambda m, x: (m.fliplr(x), m.flipud(x), x.fliplr()), rand(2, 3))
    compare(lambda m: (m.tril_indices(3, 4), m.tril_indices(4, 3, -1), m.triu_indices(3, 3, 1),
                       m.triu_indices(3, 4, -1, dtype=m.int32)))


def test_log_determinants_match_torch():
    a = rand(2, 3, 3) + 3 * np.eye(3)
    compare(lambda m, a: (m.logdet(a), a.logdet(), *m.linalg.slogdet(a), *a.slogdet(),
                          m.slogdet(a).logabsdet), a, atol=1e-8)
    result = tn.linalg.slogdet(tn.tensor([[0.0, 2.0], [3.0, 0.0]]))
    assert result.sign.item() == -1.0 and result.logabsdet.item() == pytest.approx(np.log(6))


def test_repeat_interleave_rot90_unflatten_ravel_msort_match_torch():
    compare(lambda m, x: (m.repeat_interleave(x, 2), x.repeat_interleave(3, dim=1),
                          x.repeat_interleave(m.tensor([1, 0, 2]), dim=1),
                          m.repeat_interleave(x, m.tensor([2, 1]), 0, output_size=3)),
            rand(2, 3))
    compare(lambda m, c: m.repeat_interleave(c), np.array([2, 0, 3]))
    compare(lambda m, x: tuple(m.rot90(x, k, d) for k in range(-1, 5)
                               for d in [(0, 1), (1, 2), (2, 0)]) + (x.rot90(),), rand(2, 3, 4))
    compare(lambda m, x: (m.unflatten(x, 1, (2, 3)), x.unflatten(-1, (3, -1)), m.ravel(x.T),
                          x.reshape_as(x.T), m.msort(x[0]), x.msort()), rand(2, 6))
    with pytest.raises(ShapeError, match="same size as input"):
        tn.repeat_interleave(tn.zeros(3), tn.tensor([1, 2]))
    with pytest.raises(ShapeError, match="don't multiply up"):
        tn.unflatten(tn.zeros(2, 6), 1, (4, 2))


@pytest.mark.parametrize("shape, wrap", [((3, 3), False), ((7, 3), False), ((7, 3), True),
                                         ((3, 5), True), ((2, 2, 2), False)])
def test_fill_diagonal_matches_torch(shape, wrap):
    compare(lambda m, x: (x * 1).fill_diagonal_(-5.0, wrap), rand(*shape))


def test_in_place_dim_swaps_and_fused_products_match_torch():
    compare(lambda m, x: ((x * 1).swapaxes_(0, 1), (x * 1).swapdims_(1, 0),
                          (x * 1).transpose_(0, 1)), rand(2, 3))
    compare(lambda m, x, a, b: (x * 1).addmv_(a, b), rand(2), rand(2, 3), rand(3))
    compare(lambda m, x, a, b: (x * 1).addr_(a, b, alpha=2), rand(2, 3), rand(2), rand(3))
    compare(lambda m, x, a, b: (x * 1).addbmm_(a, b, beta=0.5), rand(2, 4), rand(3, 2, 1),
            rand(3, 1, 4))
