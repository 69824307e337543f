"""Cases of the indexing, dims, diagonal, product and linear-algebra functions: the scatter and
index_* families, masked_scatter, narrow, select, take, take_along_dim, tensor_split, movedim,
tile, the stacks, meshgrid, diagonals, einsum (the Einsum Function over several equations),
tensordot, kron, cross, cdist, the addmm family, and linalg inv, det, solve (Functions).
"""

from __future__ import annotations

import numpy as np

import tinynet as tn
from tinynet.gradcheck_cases import draw as d
from tinynet.gradcheck_cases.case import Case


def _scatter_index(rng, shape, dim, unique):
    """An index for scatter into ``shape`` along ``dim``: as many dims, sides no larger;
    distinct along ``dim`` when ``unique`` (a repeated write has no derivative to check)."""
    index_shape = list(shape)
    index_shape[dim] = d.integer(rng, 1, shape[dim])
    if not unique:
        return rng.integers(0, shape[dim], index_shape)
    index = np.argsort(rng.random([shape[dim]] + index_shape[:dim] + index_shape[dim + 1:]), 0)
    return np.moveaxis(index[:index_shape[dim]], 0, dim)


def scatter_inputs(unique=True, distinct=False):
    def draw(rng):
        shape = d.shape(rng, min_dims=1, max_dims=3)
        dim = d.integer(rng, 0, len(shape) - 1)
        index = _scatter_index(rng, shape, dim, unique)
        src_shape = tuple(s + d.integer(rng, 0, 1) for s in index.shape)  # src may be larger
        values = d.distinct if distinct else d.array
        x, src = values(rng, shape), values(rng, src_shape) + (0.123 if distinct else 0.0)
        return (x, src), {"dim": dim, "index": index}
    return draw


def scatter_reduce_inputs(reduce):
    def draw(rng):
        (x, src), params = scatter_inputs(unique=False, distinct=reduce in ("amax", "amin"))(rng)
        if reduce == "prod":  # away from zero, where the gradient is refused
            x, src = np.where(np.abs(x) < 0.3, 0.5, x), np.where(np.abs(src) < 0.3, -0.5, src)
        return (x, src), {**params, "include_self": bool(rng.integers(2))}
    return draw


def index_inputs(unique):
    def draw(rng):
        shape = d.shape(rng, min_dims=1, max_dims=3)
        dim = d.integer(rng, 0, len(shape) - 1)
        count = d.integer(rng, 1, shape[dim]) if unique else d.integer(rng, 1, 5)
        index = (rng.permutation(shape[dim])[:count] if unique
                 else rng.integers(0, shape[dim], count))
        source_shape = list(shape)
        source_shape[dim] = count
        return (d.array(rng, shape), d.array(rng, tuple(source_shape))), {"dim": dim,
                                                                          "index": index}
    return draw


def masked_scatter_inputs(rng):
    shape = d.shape(rng, min_dims=1)
    mask = rng.random(shape[d.integer(rng, 0, len(shape)):]) < 0.5
    return (d.array(rng, shape), d.array(rng, (int(np.prod(shape)) + 1,))), {"mask": mask}


def narrow_inputs(rng):
    x, dim = d.array_and_dim(rng, allow_tuple=False, allow_none=False)
    start = d.integer(rng, 0, x.shape[dim] - 1)
    return (x,), {"dim": dim, "start": start, "length": d.integer(rng, 0, x.shape[dim] - start)}


def take_along_inputs(rng):
    x, dim = d.array_and_dim(rng, allow_tuple=False, allow_none=True)
    if dim is None:
        return (x,), {"indices": rng.integers(0, x.size, d.integer(rng, 1, 5)), "dim": None}
    shape = [1 if rng.random() < 0.3 else s for s in x.shape]
    shape[dim] = d.integer(rng, 1, 4)
    return (x,), {"indices": rng.integers(0, x.shape[dim], shape), "dim": dim}


def matrices(batch_dims=0, square=True, n=None):
    def draw(rng):
        size = n or d.integer(rng, 1, 3)
        batch = tuple(d.integer(rng, 1, 2) for _ in range(batch_dims))
        a = d.array(rng, batch + (size, size if square else d.integer(rng, 1, 3)))
        return (a + 3 * np.eye(size) if square else a,), {}
    return draw


def well_conditioned(rng, batch=()):
    size = d.integer(rng, 1, 3)
    return d.array(rng, batch + (size, size), -1, 1) + 3 * np.eye(size)


def solve_inputs(rng):
    batch = (d.integer(rng, 1, 2),) if rng.random() < 0.5 else ()
    a = well_conditioned(rng, batch)
    if rng.random() < 0.3:
        return (a, d.array(rng, batch + (a.shape[-1],))), {"left": True}
    left = bool(rng.integers(2))
    k = d.integer(rng, 1, 3)
    b_shape = (a.shape[-1], k) if left else (k, a.shape[-1])
    return (a, d.array(rng, b_shape)), {"left": left}


EINSUM_EQUATIONS = [("ij,jk->ik", [(2, 3), (3, 4)]), ("ii->i", [(3, 3)]), ("ii", [(3, 3)]),
                    ("ij->", [(2, 3)]), ("i,j->ij", [(2,), (3,)]), ("bij,bjk->bik",
                    [(2, 2, 3), (2, 3, 2)]), ("...ij,...jk", [(2, 1, 3), (3, 2)]),
                    ("ij,ij->i", [(2, 3), (1, 3)]), ("iij,jk->ik", [(2, 2, 3), (3, 2)]),
                    ("abc,cd,de->ae", [(2, 2, 3), (3, 2), (2, 2)])]


def einsum_inputs(rng):
    equation, shapes = d.choice(rng, EINSUM_EQUATIONS)
    return tuple(d.array(rng, s) for s in shapes), {"equation": equation}


def tensordot_inputs(rng):
    if rng.random() < 0.5:
        return (d.array(rng, (2, 3, 4)), d.array(rng, (3, 4, 2))), {"dims": 2}
    return (d.array(rng, (2, 3, 4)), d.array(rng, (4, 2, 3))), {"dims": ([1, 2], [2, 0])}


def cross_inputs(rng):
    shape = (d.integer(rng, 1, 3), 3)
    return (d.array(rng, shape), d.array(rng, shape[1:])), {}


def cdist_inputs(rng):
    m = d.integer(rng, 1, 3)
    return (d.array(rng, (d.integer(rng, 1, 3), m)), d.array(rng, (d.integer(rng, 1, 3), m))), \
        {"p": d.choice(rng, [2.0, 1.0, 3.0])}


def addmm_inputs(rng):
    n, k, m = (d.integer(rng, 1, 3) for _ in range(3))
    return (d.array(rng, (m,)), d.array(rng, (n, k)), d.array(rng, (k, m))), \
        {"beta": d.choice(rng, [1, 0.5, 0]), "alpha": d.choice(rng, [1, -2.0])}


def addc_inputs(rng):
    x, y = d.broadcastable_pair(rng)
    return (x, y, d.array(rng, y.shape, 0.5, 2.0)), {"value": d.choice(rng, [1, 0.5, -3])}


def _in_place(method):
    def run(x, *others, **params):
        target = x * 1.0  # not a leaf: the in-place op is recorded
        getattr(target, method)(*others, **params)
        return target * x
    return run


def _index(params):
    return {**params, "index": tn.tensor(params["index"])}


INDEXING_MORE_CASES = [
    Case("scatter", lambda x, s, dim, index: tn.scatter(x, dim, tn.tensor(index), s),
         scatter_inputs()),
    Case("scatter_value", lambda x, s, dim, index: x.scatter(dim, tn.tensor(index), value=1.5)
         * s.sum(), scatter_inputs()),
    Case("scatter_add_checked", lambda x, s, dim, index: tn.scatter_add(
        x, dim, tn.tensor(index), s), scatter_inputs(unique=False)),
    Case("scatter_add_", lambda x, s, dim, index: _in_place("scatter_add_")(
        x, dim, tn.tensor(index), s), scatter_inputs(unique=False)),
    *[Case(f"scatter_reduce_{r}", lambda x, s, dim, index, include_self, r=r: tn.scatter_reduce(
        x, dim, tn.tensor(index), s, r, include_self=include_self), scatter_reduce_inputs(r))
      for r in ("sum", "mean", "amax", "amin", "prod")],
    Case("index_add", lambda x, s, dim, index: tn.index_add(x, dim, tn.tensor(index), s,
                                                            alpha=-2.0), index_inputs(False)),
    Case("index_copy", lambda x, s, dim, index: x.index_copy(dim, tn.tensor(index), s),
         index_inputs(True)),
    Case("index_fill", lambda x, s, dim, index: tn.index_fill(x, dim, tn.tensor(index), -1.0)
         * s.sum(), index_inputs(True)),
    Case("masked_scatter", lambda x, s, mask: x.masked_scatter(tn.tensor(mask), s),
         masked_scatter_inputs),
    Case("narrow", lambda x, dim, start, length: x.narrow(dim, start, length), narrow_inputs),
    Case("select", lambda x, dim: tn.select(x, dim, -1), lambda rng: (
        (d.array(rng, d.shape(rng, 1)),), {"dim": 0})),
    Case("take", lambda x, index: tn.take(x, tn.tensor(index)), lambda rng: (
        (d.array(rng, (2, 3)),), {"index": rng.integers(0, 6, (2, 2))})),
    Case("take_along_dim", lambda x, indices, dim: tn.take_along_dim(x, tn.tensor(indices), dim),
         take_along_inputs),
    Case("tensor_split", lambda x, dim: tn.tensor_split(x, 2, dim), lambda rng: (
        (d.array(rng, d.shape(rng, 1)),), {"dim": 0})),
    Case("movedim", lambda x: tn.movedim(x, (0, 1), (2, 0)), lambda rng: (
        (d.array(rng, (2, 3, 4)),), {})),
    Case("tile", lambda x: x.tile((2, 1, 2)), lambda rng: ((d.array(rng, (2, 3)),), {})),
    Case("hstack_vstack", lambda a, b: tn.hstack([a, b]).sum() * tn.vstack([a, b])
         + tn.dstack([a, b]).sum() + tn.column_stack([a, b]).sum(),
         lambda rng: ((d.array(rng, (3,)), d.array(rng, (3,))), {})),
    Case("meshgrid", lambda a, b: tn.meshgrid(a, b, indexing="xy"), lambda rng: (
        (d.array(rng, (2,)), d.array(rng, (3,))), {})),
    Case("cartesian_prod", tn.cartesian_prod, lambda rng: (
        (d.array(rng, (2,)), d.array(rng, (3,))), {})),
    Case("diag", lambda x: tn.diag(x, 1), lambda rng: (
        (d.array(rng, d.shape(rng, 1, 2, 1, 3)),), {})),
    Case("diag_embed", lambda x: tn.diag_embed(x, -1, 0, 2), lambda rng: (
        (d.array(rng, (2, 3)),), {})),
    Case("diagonal", lambda x: x.diagonal(1, -1, 0), lambda rng: ((d.array(rng, (3, 2, 4)),), {})),
    Case("trace", tn.trace, lambda rng: ((d.array(rng, (3, 2)),), {})),
    Case("outer_dot_mv", lambda a, b, m: tn.outer(a, b).sum() * tn.dot(a, a) + tn.mv(m, b),
         lambda rng: ((d.array(rng, (2,)), d.array(rng, (3,)), d.array(rng, (2, 3))), {})),
    Case("kron", tn.kron, lambda rng: ((d.array(rng, (2, 3)), d.array(rng, (2, 1, 2))), {})),
    Case("cross", lambda a, b: tn.cross(a, b, dim=-1), cross_inputs),
    Case("cdist", lambda a, b, p: tn.cdist(a, b, p), cdist_inputs),
    Case("matrix_power", lambda a: tn.matrix_power(a, 3) + tn.matrix_power(a, -2),
         matrices(batch_dims=1)),
    Case("addmm", lambda x, a, b, beta, alpha: tn.addmm(x, a, b, beta=beta, alpha=alpha),
         addmm_inputs),
    Case("baddbmm", lambda x, a, b: tn.baddbmm(x, a, b, beta=0.5, alpha=2.0) + tn.addbmm(
        x[0], a, b), lambda rng: ((d.array(rng, (2, 2, 3)), d.array(rng, (2, 2, 4)),
                                   d.array(rng, (2, 4, 3))), {})),
    Case("addcmul", lambda x, a, b, value: tn.addcmul(x, a, b, value=value), addc_inputs),
    Case("addcdiv_", lambda x, a, b: _in_place("addcdiv_")(x, a, b, value=-0.5), lambda rng: (
        (d.array(rng, (2, 3)), d.array(rng, (3,)), d.array(rng, (2, 3), 0.5, 2.0)), {})),
    Case("einsum", lambda *xs, equation: tn.einsum(equation, *xs), einsum_inputs),
    Case("tensordot", lambda a, b, dims: tn.tensordot(a, b, dims), tensordot_inputs),
    Case("linalg_inv", tn.linalg.inv, matrices(batch_dims=1)),
    Case("linalg_det", tn.linalg.det, lambda rng: ((well_conditioned(rng, (2,)),), {})),
    Case("linalg_solve", lambda a, b, left: tn.linalg.solve(a, b, left=left), solve_inputs),
    Case("linalg_vecdot_cross", lambda a, b: tn.linalg.vecdot(a, b) * tn.linalg.cross(a, b).sum(),
         lambda rng: ((d.array(rng, (2, 3)), d.array(rng, (2, 3))), {})),
    Case("index_put_accumulate", lambda x, v: tn.index_put(
        x, (tn.tensor([0, 2, 0]), tn.tensor([1, 1, 1])), v, accumulate=True),
        lambda rng: ((d.array(rng, (3, 2)), d.array(rng, (3,))), {})),
    Case("put_", lambda x, s: _in_place("put_")(x, tn.tensor([3, 0]), s), lambda rng: (
        (d.array(rng, (2, 3)), d.array(rng, (2,))), {})),
    Case("slice_select_diagonal_scatter", lambda x, s: tn.slice_scatter(x, s, 1, 0, 4, 2)
         + tn.select_scatter(x, s[:, 0], 1, 1) + tn.diagonal_scatter(x, s[:, 1], 1),
         lambda rng: ((d.array(rng, (3, 4)), d.array(rng, (3, 2))), {})),
    Case("block_diag", tn.block_diag, lambda rng: (
        (d.array(rng, (2, 2)), d.array(rng, (3,)), d.array(rng, ())), {})),
    Case("addr_inner", lambda x, a, b: tn.addr(x, a, b, beta=0.5) + tn.inner(x, x).sum(),
         lambda rng: ((d.array(rng, (2, 3)), d.array(rng, (2,)), d.array(rng, (3,))), {})),
    Case("combinations", lambda x: tn.combinations(x, 2, with_replacement=True), lambda rng: (
        (d.array(rng, (3,)),), {})),
    Case("slogdet", lambda a: tn.linalg.slogdet(a).logabsdet, lambda rng: (
        (well_conditioned(rng, (2,)),), {})),
    Case("repeat_interleave_rot90", lambda x: x.repeat_interleave(tn.tensor([2, 0, 1]), dim=1)
         .sum() * tn.rot90(x, 3).unflatten(0, (1, 3)), lambda rng: ((d.array(rng, (2, 3)),), {})),
]
