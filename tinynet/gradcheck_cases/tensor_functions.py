"""Cases of the tensor functions: ordering (sort, topk), picking and masking (index_select,
masked_fill, masked_select, unbind, tril, triu, flip, roll, repeat), products (mm, bmm, t),
norms, cumsum, cumprod, lerp, and the in-place forms that are recorded in the graph.
"""

from __future__ import annotations

import numpy as np

import tinynet as tn
from tinynet.gradcheck_cases import draw as d
from tinynet.gradcheck_cases.case import Case


def distinct_with_dim(rng):
    """Values without ties (sort and topk have no derivative where two are equal) and a dim."""
    x, dim = d.array_and_dim(rng, distinct_values=True, allow_tuple=False, allow_none=False)
    return (x,), {"dim": dim}


def sort_inputs(rng):
    (x,), params = distinct_with_dim(rng)
    return (x,), {**params, "descending": bool(rng.integers(2))}


def topk_inputs(rng):
    (x,), params = distinct_with_dim(rng)
    k = d.integer(rng, 0, x.shape[params["dim"]])
    return (x,), {**params, "k": k, "largest": bool(rng.integers(2))}


def cumprod_zeros_inputs(rng):
    """Some entries exactly 0 (cumprod's gradient through a zero needs the exact products); the
    others in [0.5, 1.5) in either sign."""
    (x,), params = distinct_with_dim(rng)
    x = np.sign(x) * rng.uniform(0.5, 1.5, x.shape) * (rng.random(x.shape) < 0.7)
    return (x,), params


def matrix_pair(batched):
    def draw(rng):
        n, k, m = (d.integer(rng, 1, 3) for _ in range(3))
        batch = (d.integer(rng, 1, 3),) if batched else ()
        return (d.array(rng, batch + (n, k)), d.array(rng, batch + (k, m))), {}
    return draw


def norm_inputs(rng):
    """An array away from 0 (|x| has a kink there) and a p with a dim argument."""
    x, dim = d.array_and_dim(rng, allow_tuple=True, allow_none=True)
    x = np.where(np.abs(x) < 0.1, 0.5, x)
    p = d.choice(rng, [2, 1, 3, 1.5, "fro"])
    return (x,), {"p": p, "dim": dim, "keepdim": bool(rng.integers(2))}


def max_norm_inputs(rng):
    x, dim = d.array_and_dim(rng, distinct_values=True, allow_tuple=False, allow_none=False)
    return (x + 0.05,), {"ord": d.choice(rng, [np.inf, -np.inf]), "dim": dim}


def matrix_norm_inputs(rng):
    shape = d.shape(rng, min_dims=2, max_dims=3, min_side=1, max_side=3)
    x = d.array(rng, shape, avoid=(0.0,), gap=0.1)  # away from |x|'s kink; sums untied
    return (x,), {"ord": d.choice(rng, ["fro", 1, -1, np.inf, -np.inf])}


def index_select_inputs(rng):
    x, dim = d.array_and_dim(rng, allow_tuple=False, allow_none=False)
    index = rng.integers(0, x.shape[dim], d.integer(rng, 0, 5))
    return (x,), {"dim": dim, "index": index}


def mask_inputs(rng):
    shape = d.shape(rng, min_dims=1)
    mask_shape = shape[d.integer(rng, 0, len(shape)):]  # broadcasts to the input's shape
    return (d.array(rng, shape),), {"mask": rng.random(mask_shape) < 0.5}


def masked_fill_tensor_inputs(rng):
    (x,), params = mask_inputs(rng)
    return (x, d.array(rng, ())), params


def triangle_inputs(rng):
    shape = d.shape(rng, min_dims=2, max_dims=3)
    return (d.array(rng, shape),), {"diagonal": d.integer(rng, -2, 2)}


def flip_inputs(rng):
    shape = d.shape(rng, min_dims=1)
    dims = tuple(int(i) for i in rng.permutation(len(shape))[:d.integer(rng, 1, len(shape))])
    return (d.array(rng, shape),), {"dims": dims}


def roll_inputs(rng):
    shape = d.shape(rng, min_dims=1)
    if rng.random() < 0.3:
        return (d.array(rng, shape),), {"shifts": d.integer(rng, -5, 5), "dims": None}
    dims = tuple(int(i) for i in rng.permutation(len(shape))[:d.integer(rng, 1, len(shape))])
    shifts = tuple(d.integer(rng, -5, 5) for _ in dims)
    return (d.array(rng, shape),), {"shifts": shifts, "dims": dims}


def repeat_inputs(rng):
    shape = d.shape(rng, max_dims=2, max_side=3)
    repeats = tuple(d.integer(rng, 1, 3) for _ in range(len(shape) + d.integer(rng, 0, 1)))
    return (d.array(rng, shape),), {"repeats": repeats}


def lerp_inputs(rng):
    start, end = d.broadcastable_pair(rng)
    if rng.random() < 0.5:
        return (start, end), {"weight": float(rng.uniform(-1, 2))}
    return (start, end, d.array(rng, start.shape[-1:] if start.ndim else ())), {}


def copy_inputs(rng):
    shape = d.shape(rng, min_dims=1)
    return (d.array(rng, shape), d.array(rng, shape[d.integer(rng, 0, len(shape)):])), {}


def _copied(x, source):
    target = x * 2.0  # not a leaf: an in-place op on it is recorded
    target.copy_(source)
    return target * x


def _filled(x, mask):
    target = x * 1.0
    target.masked_fill_(tn.tensor(mask), -1.0)
    return target * x


def _unsqueezed(x):
    target = x * 3.0
    target.unsqueeze_(0)
    return target


TENSOR_FUNCTION_CASES = [
    Case("sort", lambda x, dim, descending: x.sort(dim, descending).values, sort_inputs),
    Case("topk", lambda x, dim, k, largest: tn.topk(x, k, dim, largest).values, topk_inputs),
    Case("mm", tn.mm, matrix_pair(batched=False)),
    Case("bmm", tn.bmm, matrix_pair(batched=True)),
    Case("t", lambda x: x.t(), lambda rng: ((d.array(rng, d.shape(rng, max_dims=2)),), {})),
    Case("norm", lambda x, p, dim, keepdim: x.norm(p, dim, keepdim), norm_inputs),
    Case("vector_norm_inf", lambda x, ord, dim: tn.linalg.vector_norm(x, ord, dim),
         max_norm_inputs),
    Case("matrix_norm", lambda x, ord: tn.linalg.matrix_norm(x, ord), matrix_norm_inputs),
    Case("cumsum", lambda x, dim: x.cumsum(dim), distinct_with_dim),
    Case("cumprod", lambda x, dim: x.cumprod(dim), distinct_with_dim),
    Case("cumprod_with_zeros", lambda x, dim: tn.cumprod(x, dim), cumprod_zeros_inputs),
    Case("index_select", lambda x, dim, index: tn.index_select(x, dim, tn.tensor(index)),
         index_select_inputs),
    Case("masked_fill", lambda x, mask: x.masked_fill(tn.tensor(mask), 0.5), mask_inputs),
    Case("masked_fill_tensor_value", lambda x, value, mask: x.masked_fill(tn.tensor(mask), value),
         masked_fill_tensor_inputs),
    Case("masked_select", lambda x, mask: x.masked_select(tn.tensor(mask)), mask_inputs),
    Case("unbind", lambda x, dim: x.unbind(dim), distinct_with_dim),
    Case("tril", lambda x, diagonal: x.tril(diagonal), triangle_inputs),
    Case("triu", lambda x, diagonal: tn.triu(x, diagonal), triangle_inputs),
    Case("flip", lambda x, dims: x.flip(dims), flip_inputs),
    Case("roll", lambda x, shifts, dims: x.roll(shifts, dims), roll_inputs),
    Case("repeat", lambda x, repeats: x.repeat(*repeats), repeat_inputs),
    Case("lerp", lambda *xs, **params: tn.lerp(*xs, **params), lerp_inputs),
    Case("copy_", _copied, copy_inputs),
    Case("masked_fill_", _filled, mask_inputs),
    Case("unsqueeze_", _unsqueezed, lambda rng: ((d.array(rng, d.shape(rng)),), {})),
]
