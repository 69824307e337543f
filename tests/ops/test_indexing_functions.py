"""The indexing, dims, diagonal, counting and product functions and their Tensor methods, as
PyTorch's documentation describes them: the same code run on tinynet and on PyTorch (where it is
installed) gives the same values, dtypes and float64 gradients; bad input is refused with an
error naming the index and size, the dtype, or the shapes."""

from __future__ import annotations

import numpy as np
import pytest

import tinynet as tn
from tests.ops.compare_torch import compare
from tinynet.errors import DtypeError, ShapeError

RNG = np.random.default_rng(0)


def rand(*shape):
    return RNG.standard_normal(shape)


# Creation like a tensor ---------------------------------------------------------------------
def test_new_tensors_take_the_dtype_of_self_unless_given():
    x = tn.zeros(2, dtype=tn.float64)
    assert x.new_ones(2, 3).dtype == tn.float64 and x.new_ones((2, 3)).shape == (2, 3)
    assert x.new_zeros((4,), dtype=tn.int64).dtype == tn.int64
    full = x.new_full((2, 2), 7)
    assert full.dtype == tn.float64 and full.tolist() == [[7.0, 7.0], [7.0, 7.0]]
    assert x.new_empty(3).shape == (3,)
    made = x.new_tensor([1, 2], requires_grad=True)
    assert made.dtype == tn.float64 and made.requires_grad and made.is_leaf
    assert x.new_ones(2, device="cpu").device == tn.device("cpu")


def test_new_tensor_copies_and_detaches_a_tensor():
    source = tn.tensor([1.0, 2.0], requires_grad=True)
    copy = source.new_tensor(source)
    assert not copy.requires_grad
    copy[0] = 5.0
    assert source.tolist() == [1.0, 2.0]


def test_type_as():
    assert tn.tensor([1, 2]).type_as(tn.zeros(1)).dtype == tn.float32
    x = tn.zeros(2)
    assert x.type_as(tn.zeros(1)) is x


def test_new_methods_match_torch():
    compare(lambda m, x: (x.new_ones(2, 3), x.new_zeros((1,)), x.new_full((2,), 3.5),
                          x.new_tensor([[1, 2]]), x.new_ones(2, dtype=m.int64)),
            rand(2).astype(np.float32), grad=False)


# The scatter family -------------------------------------------------------------------------
SCATTER_INDEX = np.array([[0, 1, 2, 0], [2, 0, 1, 1]])


def test_scatter_example_from_the_documentation():
    src = tn.arange(1, 11).reshape((2, 5))
    index = tn.tensor([[0, 1, 2, 0]])
    result = tn.zeros(3, 5, dtype=src.dtype).scatter_(0, index, src)
    assert result.tolist() == [[1, 0, 0, 4, 0], [0, 2, 0, 0, 0], [0, 0, 3, 0, 0]]


def test_scatter_src_value_and_reduce_match_torch():
    unique = np.array([[0, 1, 2, 0], [1, 2, 0, 2]])
    compare(lambda m, x, s: m.scatter(x, 0, m.tensor(unique), s), rand(3, 4), rand(2, 4))
    compare(lambda m, x, s: m.scatter(x, 0, m.tensor(unique), s), rand(3, 4), rand(3, 5),
            grad=False)  # a src larger than index: PyTorch's own backward fails on it
    compare(lambda m, x: x.scatter(1, m.tensor([[1], [0], [3]]), value=2.5), rand(3, 4))
    compare(lambda m, x, s: x.scatter(0, m.tensor(SCATTER_INDEX), s, reduce="add"),
            rand(3, 4), rand(2, 4), grad=False)
    compare(lambda m, x, s: x.scatter(0, m.tensor(SCATTER_INDEX), s, reduce="multiply"),
            rand(3, 4), rand(2, 4), grad=False)


def test_scatter_add_matches_torch_with_repeated_indices():
    compare(lambda m, x, s: m.scatter_add(x, 0, m.tensor(SCATTER_INDEX), s), rand(3, 4),
            rand(2, 4))
    compare(lambda m, x, s: m.scatter_add(x, 0, m.tensor(SCATTER_INDEX), s), rand(3, 4),
            rand(2, 5), grad=False)  # a src larger than index: PyTorch's own backward fails
    compare(lambda m, x, s: (x * 1).scatter_add_(1, m.tensor(SCATTER_INDEX), s), rand(2, 3),
            rand(2, 4))


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_matches_torch(reduce, include_self):
    index = np.array([0, 1, 0, 1, 2, 1])
    src = np.array([1.0, 2.0, 3.0, -4.0, 5.0, 6.5])
    compare(lambda m, x, s: m.scatter_reduce(x, 0, m.tensor(index), s, reduce,
                                             include_self=include_self),
            np.array([1.5, -2.0, 3.0, 4.0]), src)
    compare(lambda m, x, s: x.scatter_reduce(0, m.tensor(index), s, reduce,
                                             include_self=include_self),
            np.array([5, 1, 2, 3]), np.array([1, 2, 3, 4, 5, 6]))


def test_scatter_refuses_bad_indices():
    x = tn.zeros(3, 4)
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 0 with size 3"):
        x.scatter(0, tn.tensor([[3, 0]]), tn.ones(1, 2))
    with pytest.raises(DtypeError, match="int64"):
        x.scatter_add(0, tn.tensor([[0.0]]), tn.ones(1, 1))
    with pytest.raises(ShapeError, match="as many dims"):
        x.scatter_add(0, tn.tensor([0, 1]), tn.ones(2))
    with pytest.raises(ShapeError, match="larger"):
        x.scatter_add(0, tn.tensor([[0, 1]]), tn.ones(1, 1))
    with pytest.raises(RuntimeError):  # PyTorch code catches the shape error as RuntimeError
        x.scatter_add(0, tn.tensor([0, 1]), tn.ones(2))
    with pytest.raises(DtypeError, match="src.dtype"):
        x.scatter(0, tn.tensor([[0]]), tn.ones(1, 1, dtype=tn.float64))
    with pytest.raises(ValueError, match="reduce"):
        x.scatter_reduce(0, tn.tensor([[0]]), tn.ones(1, 1), "median")


# The index_* family -------------------------------------------------------------------------
def test_index_add_copy_fill_match_torch():
    index = np.array([0, 4, 2, 0])
    compare(lambda m, x, s: m.index_add(x, 0, m.tensor(index), s, alpha=-2), rand(5, 3),
            rand(4, 3))
    compare(lambda m, x, s: x.index_add(1, m.tensor([2, 0]), s), rand(2, 3), rand(2, 2))
    compare(lambda m, x, s: (x * 1).index_add_(0, m.tensor(index), s), rand(5), rand(4))
    compare(lambda m, x, s: x.index_copy(0, m.tensor([4, 0, 2]), s), rand(5, 3), rand(3, 3))
    compare(lambda m, x, s: (x * 1).index_copy_(1, m.tensor([1]), s), rand(2, 3), rand(2, 1))
    compare(lambda m, x: m.index_fill(x, 1, m.tensor([0, 2]), -1.0), rand(2, 3))
    compare(lambda m, x, v: x.index_fill(0, m.tensor([1]), v), rand(2, 3), np.array(4.0))


def test_index_family_refuses_bad_indices():
    x = tn.zeros(3, 4)
    with pytest.raises(IndexError, match="index 4 is out of bounds for dimension 1 with size 4"):
        x.index_add(1, tn.tensor([4]), tn.ones(3, 1))
    with pytest.raises(DtypeError, match="float"):
        x.index_copy(0, tn.tensor([0.0]), tn.ones(1, 4))
    with pytest.raises(DtypeError, match="same dtype"):
        x.index_add(0, tn.tensor([0]), tn.ones(1, 4, dtype=tn.float64))
    with pytest.raises(ShapeError, match=r"needs a source of shape \[3, 2\]"):
        x.index_add(1, tn.tensor([0, 1]), tn.ones(3, 3))


def test_masked_scatter_matches_torch():
    mask = np.array([[True, False, True], [False, True, False]])
    compare(lambda m, x, s: x.masked_scatter(m.tensor(mask), s), rand(2, 3), rand(5))
    compare(lambda m, x, s: (x * 1).masked_scatter_(m.tensor([True, False, True]), s),
            rand(2, 3), rand(2, 3))
    with pytest.raises(ShapeError, match="selects 4 places but source has only 3"):
        tn.zeros(2, 2).masked_scatter(tn.ones(2, 2, dtype=tn.bool), tn.ones(3))


# Reading and splitting ----------------------------------------------------------------------
def test_narrow_select_take_match_torch():
    compare(lambda m, x: (m.narrow(x, 1, 1, 2), x.narrow(0, -2, 1), x.narrow(1, m.tensor(0), 3)),
            rand(3, 4))
    compare(lambda m, x: (m.select(x, 1, -1), x.select(0, 2)), rand(3, 4))
    compare(lambda m, x: m.take(x, m.tensor([[0, 11], [5, 5]])), rand(3, 4))
    with pytest.raises(IndexError, match="index 12 is out of bounds"):
        tn.take(tn.zeros(3, 4), tn.tensor([12]))
    with pytest.raises(IndexError, match="exceeds dimension size"):
        tn.zeros(3).narrow(0, 2, 2)
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 0 with size 3"):
        tn.zeros(3, 2).select(0, 3)


def test_take_along_dim_matches_torch():
    x = rand(3, 4)
    compare(lambda m, x: m.take_along_dim(x, m.argsort(x, 1), 1), x)
    compare(lambda m, x: m.take_along_dim(x, m.tensor([[0, 2, 1, 1]]), 0), x)
    compare(lambda m, x: m.take_along_dim(x, m.tensor([3, 0])), x)
    compare(lambda m, x: x.take_along_dim(m.tensor([[1], [0], [3]]), dim=1), x)


def test_tensor_split_matches_torch():
    compare(lambda m, x: m.tensor_split(x, 3), rand(7, 2))
    compare(lambda m, x: x.tensor_split([1, 4], dim=1), rand(2, 6))
    compare(lambda m, x: m.tensor_split(x, (2, 1, 9)), rand(5))
    compare(lambda m, x: m.tensor_split(x, m.tensor(2), dim=0), rand(5))


def test_argwhere_histc_bincount_match_torch():
    compare(lambda m, x: (m.argwhere(x), x.argwhere()), np.array([[1, 0, 3], [0, 0, 2]]))
    compare(lambda m, x: (m.histc(x, bins=4, min=0, max=3), x.histc(5)),
            np.array([1.0, 2.0, 1.0, 2.5, 7.0, -1.0]).astype(np.float32), grad=False)
    compare(lambda m, x: (m.bincount(x), x.bincount(minlength=8)), np.array([4, 3, 6, 3, 4]))
    compare(lambda m, x, w: m.bincount(x, w), np.array([0, 1, 1, 3]),
            np.array([0.5, 1.0, 2.0, 4.0]), grad=False)
    compare(lambda m, x, w: m.bincount(x, weights=w), np.array([0, 1, 1, 3]),
            np.array([0.5, 1.0, 2.0, 4.0], np.float32), grad=False)
    with pytest.raises(ValueError, match="non-negative"):
        tn.bincount(tn.tensor([1, -1]))
    with pytest.raises(DtypeError, match="integer"):
        tn.bincount(tn.tensor([1.0]))


def test_searchsorted_and_bucketize_match_torch():
    sequence = np.array([[1, 3, 5, 7, 9], [2, 4, 6, 8, 10]])
    values = np.array([[3, 6, 9], [3, 6, 9]])
    compare(lambda m, s, v: (m.searchsorted(s, v), m.searchsorted(s, v, right=True),
                             m.searchsorted(s, v, side="right"),
                             m.searchsorted(s[0], v, out_int32=True)), sequence, values)
    compare(lambda m, s: m.searchsorted(s, 5), sequence[0])
    compare(lambda m, s, v: m.searchsorted(s, v, sorter=m.argsort(s)), np.array([5, 1, 3]),
            np.array([2, 4]))
    boundaries = np.array([1, 3, 5, 7, 9])
    compare(lambda m, v, b: (m.bucketize(v, b), m.bucketize(v, b, right=True)),
            np.array([[3, 6, 9], [3, 6, 9]]), boundaries)
    with pytest.raises(ValueError, match="opposites"):
        tn.searchsorted(tn.tensor([1, 2]), tn.tensor([1]), right=True, side="left")


# Dims, stacks, grids, diagonals -------------------------------------------------------------
def test_movedim_swapaxes_tile_match_torch():
    x = rand(2, 3, 4)
    compare(lambda m, x: (m.movedim(x, 0, -1), m.moveaxis(x, (0, 1), (2, 0)),
                          x.movedim((2,), (0,))), x)
    compare(lambda m, x: (m.swapaxes(x, 0, 2), x.swapdims(1, -1), m.swapdims(x, 0, 1)), x)
    compare(lambda m, x: (m.tile(x, (2,)), x.tile(2, 1, 1, 2), x.tile((1, 2))), rand(2, 3))
    with pytest.raises(ValueError, match="same number of dims"):
        tn.movedim(tn.zeros(2, 3), (0, 1), 0)


def test_stacks_match_torch():
    for shapes in [((3,), (2,)), ((2, 3), (2, 1))]:
        compare(lambda m, a, b: m.hstack([a, b]), rand(*shapes[0]), rand(*shapes[1]))
    compare(lambda m, a, b: (m.vstack((a, b)), m.dstack([a, b]), m.column_stack([a, b]),
                             m.row_stack([a, b])), rand(3), rand(3))
    compare(lambda m, a, b: (m.vstack([a, b]), m.dstack([a, b]), m.column_stack([a, b])),
            rand(2, 3), rand(2, 3))
    compare(lambda m, a: m.atleast_2d(a) + m.atleast_3d(a).sum() + m.atleast_1d(a), rand())


@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid_and_cartesian_prod_match_torch(indexing):
    compare(lambda m, a, b, c: m.meshgrid(a, b, c, indexing=indexing), rand(2), rand(3), rand(4))
    compare(lambda m, a, b: m.meshgrid([a, b], indexing=indexing), rand(2), rand(3))
    compare(lambda m, a, b: m.cartesian_prod(a, b), rand(2), rand(3))
    with pytest.warns(UserWarning, match="indexing"):
        tn.meshgrid(tn.zeros(2), tn.zeros(3))


def test_diagonals_and_trace_match_torch():
    compare(lambda m, x: (m.diag(x), m.diag(x, 1), x.diag(-2)), rand(3))
    compare(lambda m, x: (m.diag(x), m.diag(x, 1), x.diag(-2), m.trace(x), x.trace()), rand(3, 4))
    compare(lambda m, x: (m.diagonal(x), x.diagonal(1, 2, 0), m.diagonal(x, -1, -1, -2)),
            rand(2, 3, 4))
    compare(lambda m, x: (m.diag_embed(x), x.diag_embed(1, 0, 2), m.diag_embed(x, -2)),
            rand(2, 3))
    compare(lambda m, x: m.trace(x), np.arange(9).reshape(3, 3))
    with pytest.raises(ShapeError, match="1-D or 2-D"):
        tn.diag(tn.zeros(2, 2, 2))


# Products ------------------------------------------------------------------------------------
def test_outer_dot_mv_kron_match_torch():
    compare(lambda m, a, b: (m.outer(a, b), m.ger(a, b), a.outer(b)), rand(3), rand(2))
    compare(lambda m, a, b: (m.dot(a, b), a.dot(b), m.vdot(a, b)), rand(3), rand(3))
    compare(lambda m, a, b: (m.mv(a, b), a.mv(b)), rand(2, 3), rand(3))
    compare(lambda m, a, b: (m.kron(a, b), a.kron(b)), rand(2, 3), rand(3, 1, 2))
    with pytest.raises(ShapeError, match="same number of elements"):
        tn.dot(tn.zeros(2), tn.zeros(3))
    with pytest.raises(DtypeError, match="same dtype"):
        tn.dot(tn.zeros(2), tn.zeros(2, dtype=tn.float64))


def test_cross_and_cdist_match_torch():
    compare(lambda m, a, b: (m.cross(a, b, dim=1), a.cross(b, dim=-1)), rand(4, 3), rand(4, 3))
    compare(lambda m, a, b: m.linalg.cross(a, b), rand(2, 3), rand(1, 3))
    with pytest.warns(UserWarning, match="dim"):
        tn.cross(tn.zeros(3, 2), tn.zeros(3, 2))
    with pytest.raises(ShapeError, match="size 3"):
        tn.cross(tn.zeros(2, 2), tn.zeros(2, 2), dim=1)
    for p in (2.0, 1.0, 3.0, 0.5):
        compare(lambda m, a, b, p=p: m.cdist(a, b, p=p), rand(4, 3), rand(5, 3))
    compare(lambda m, a, b: m.cdist(a, b), rand(2, 4, 3), rand(2, 1, 3))


def test_cdist_gradient_at_zero_distance_is_zero():
    x = tn.tensor([[1.0, 2.0]], requires_grad=True)
    tn.cdist(x, tn.tensor([[1.0, 2.0]])).sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0]]


def test_fused_products_match_torch():
    compare(lambda m, x, a, b: (m.addmm(x, a, b), x.addmm(a, b, beta=0.5, alpha=2),
                                m.addmm(x, a, b, beta=0)), rand(4), rand(3, 2), rand(2, 4))
    compare(lambda m, x, a, b: (m.addmv(x, a, b, alpha=-1), x.addmv(a, b)), rand(3), rand(3, 2),
            rand(2))
    compare(lambda m, x, a, b: (m.baddbmm(x, a, b, beta=2), m.addbmm(x[0], a, b)),
            rand(2, 3, 4), rand(2, 3, 2), rand(2, 2, 4))
    compare(lambda m, x, a, b: (m.addcmul(x, a, b, value=0.5), m.addcdiv(x, a, b, value=-2),
                                (x * 1).addcmul_(a, b), (x * 1).addcdiv_(a, b, value=3)),
            rand(2, 3), rand(3), rand(2, 3) + 4)
    with pytest.raises(ShapeError, match="cannot be broadcast"):
        tn.addmm(tn.zeros(3), tn.zeros(2, 2), tn.zeros(2, 2))


def test_addmm_with_beta_zero_ignores_nan_in_input():
    result = tn.addmm(tn.tensor([float("nan")]), tn.ones(1, 2), tn.ones(2, 1), beta=0)
    assert result.tolist() == [[2.0]]


def test_matrix_power_matches_torch():
    a = rand(2, 3, 3) + 3 * np.eye(3)
    compare(lambda m, a: (m.matrix_power(a, 0), m.matrix_power(a, 1), a.matrix_power(5),
                          m.matrix_power(a, -3)), a, atol=1e-8)


@pytest.mark.parametrize("equation, shapes", [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]), ("ij->", [(2, 3)]), ("i,j->ij", [(2,), (3,)]), ("ba", [(2, 3)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]), ("...ij,...jk", [(2, 1, 3), (3, 2)]),
    ("...ij->...ji", [(2, 2, 3)]), ("ij,ij->i", [(2, 3), (1, 3)]), ("i i j , j k -> i k",
    [(2, 2, 3), (3, 2)]), ("abc,cd,de->ae", [(2, 2, 3), (3, 2), (2, 2)]),
    ("b...,b...->b", [(2, 3), (2, 3)]), ("i,i->", [(3,), (3,)]), ("iij->ij", [(2, 2, 3)]),
])
def test_einsum_matches_torch(equation, shapes):
    compare(lambda m, *xs: m.einsum(equation, *xs), *[rand(*s) for s in shapes])
    compare(lambda m, *xs: m.einsum(equation, list(xs)), *[rand(*s) for s in shapes])


def test_einsum_refuses_bad_equations():
    with pytest.raises(ShapeError, match="does not match"):
        tn.einsum("ij,jk", tn.zeros(2, 3), tn.zeros(2, 3))
    with pytest.raises(ShapeError, match="do not fit"):
        tn.einsum("ijk", tn.zeros(2, 3))
    with pytest.raises(ValueError, match="2 operands"):
        tn.einsum("ij,jk", tn.zeros(2, 3))
    with pytest.raises(ValueError, match="does not appear"):
        tn.einsum("ij->k", tn.zeros(2, 3))


def test_tensordot_matches_torch():
    a, b = rand(2, 3, 4), rand(3, 4, 2)
    compare(lambda m, a, b: (m.tensordot(a, b), m.tensordot(a, b, dims=0).sum(),
                             m.tensordot(a, b, dims=([1, 2], [0, 1])),
                             m.tensordot(a, b, ([0], [2]))), a, b)
    with pytest.raises(ShapeError, match="contracted dimensions need to match"):
        tn.tensordot(tn.zeros(2, 3), tn.zeros(2, 3), dims=1)


# out=, in-place forms ------------------------------------------------------------------------
def test_out_argument_matches_torch():
    def with_out(m, x, a, b):
        results = [m.zeros(1, dtype=x.dtype) for _ in range(5)]
        m.index_add(x, 0, m.tensor([1, 0]), a, out=results[0])
        m.addmm(x, a, b, out=results[1])
        m.kron(a, b, out=results[2])
        m.diag(x, out=results[3])
        m.hstack([a, b], out=results[4])
        return results

    with pytest.warns(UserWarning, match="resized"):
        compare(with_out, rand(2, 2), rand(2, 2), rand(2, 2), grad=False)


def test_out_is_refused_when_an_operand_requires_grad():
    x = tn.zeros(2, 2, requires_grad=True)
    with pytest.raises(RuntimeError, match="out="):
        tn.addmm(x, tn.ones(2, 2), tn.ones(2, 2), out=tn.zeros(2, 2))


def test_in_place_forms_write_into_the_tensor_and_bump_its_version():
    x = tn.zeros(3, 2)
    version = x._version
    assert x.index_add_(0, tn.tensor([2]), tn.ones(1, 2)) is x
    assert x.tolist() == [[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]] and x._version > version
    x.scatter_(1, tn.tensor([[1], [0], [0]]), value=5.0)
    assert x.tolist() == [[0.0, 5.0], [5.0, 0.0], [5.0, 1.0]]
    leaf = tn.zeros(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        leaf.index_copy_(0, tn.tensor([0]), tn.ones(1))
