"""Moving, stacking and tiling dims, grids, and diagonals: movedim (moveaxis), swapaxes
(swapdims), hstack, vstack, dstack, column_stack, atleast_1d/2d/3d, tile, meshgrid,
cartesian_prod, diag, diag_embed, diagonal, trace. All are compositions of permute, reshape,
expand, cat, indexing and sum, so they are differentiable to any order.
"""

from __future__ import annotations

import warnings

import numpy as np

from tinynet import tensor as tensor_module
from tinynet.errors import ArgumentError, ShapeError
from tinynet.ops.dims import normalize_dim
from tinynet.ops.indexing import IndexAdd, getitem
from tinynet.ops.out import write_out
from tinynet.ops.rearrange import repeat
from tinynet.ops.reduction import sum as _sum
from tinynet.ops.shape import _cat, expand, permute, reshape, stack, transpose


def movedim(input, source, destination):  # noqa: A002 - PyTorch's argument names
    """``input`` with the dims ``source`` (an int or a sequence) moved to the places
    ``destination``; the other dims keep their order."""
    sources = (source,) if isinstance(source, int) else tuple(source)
    targets = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(sources) != len(targets):
        raise ArgumentError(f"movedim(): Invalid source or destination dims: source "
                            f"({list(sources)} dims) should contain the same number of dims as "
                            f"destination ({list(targets)} dims)")
    sources = [normalize_dim(d, input.ndim, "movedim") for d in sources]
    targets = [normalize_dim(d, input.ndim, "movedim") for d in targets]
    if len(set(sources)) != len(sources) or len(set(targets)) != len(targets):
        raise ArgumentError(f"movedim(): repeated dim in source {list(sources)} or destination "
                            f"{list(targets)}")
    rest = iter(d for d in range(input.ndim) if d not in sources)
    placed = dict(zip(targets, sources))
    order = [placed[i] if i in placed else next(rest) for i in range(input.ndim)]
    return permute(input, order)


moveaxis = movedim


def swapaxes(input, axis0, axis1):  # noqa: A002
    """``transpose(input, axis0, axis1)`` under NumPy's name."""
    return transpose(input, axis0, axis1)


def swapdims(input, dim0, dim1):  # noqa: A002
    """``transpose(input, dim0, dim1)``."""
    return transpose(input, dim0, dim1)


def atleast_1d(*tensors):
    """Each tensor with at least 1 dim (a 0-d one becomes shape (1,))."""
    return _atleast(tensors, 1)


def atleast_2d(*tensors):
    """Each tensor with at least 2 dims: a 0-d one as (1, 1), a 1-D one of n as (1, n)."""
    return _atleast(tensors, 2)


def atleast_3d(*tensors):
    """Each tensor with at least 3 dims: 0-d as (1, 1, 1), (n,) as (1, n, 1), (m, n) as
    (m, n, 1)."""
    return _atleast(tensors, 3)


def _at_least(x, ndim):
    if x.ndim >= ndim:
        return x
    shapes = {1: {0: (1,)},
              2: {0: (1, 1), 1: (1,) + tuple(x.shape)},
              3: {0: (1, 1, 1), 1: (1,) + tuple(x.shape) + (1,), 2: tuple(x.shape) + (1,)}}
    return reshape(x, shapes[ndim][x.ndim])


def _atleast(tensors, ndim):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(_at_least(t, ndim) for t in tensors[0])
    if len(tensors) == 1:
        return _at_least(tensors[0], ndim)
    return tuple(_at_least(t, ndim) for t in tensors)


def _tensors(tensors, op_name):
    tensors = list(tensors)
    if not tensors:
        raise ArgumentError(f"{op_name}(): expects a non-empty sequence of tensors")
    return tensors


def hstack(tensors, *, out=None):
    """Stacked in sequence horizontally: 1-D tensors joined end to end, others along dim 1."""
    tensors = [_at_least(t, 1) for t in _tensors(tensors, "hstack")]
    result = _cat(tensors, 0 if tensors[0].ndim == 1 else 1)
    return write_out(result, out, "hstack", *tensors)


def vstack(tensors, *, out=None):
    """Stacked vertically: each made at least 2-D (a vector as a row), joined along dim 0."""
    tensors = [_at_least(t, 2) for t in _tensors(tensors, "vstack")]
    return write_out(_cat(tensors, 0), out, "vstack", *tensors)


row_stack = vstack


def dstack(tensors, *, out=None):
    """Stacked depthwise: each made at least 3-D, joined along dim 2."""
    tensors = [_at_least(t, 3) for t in _tensors(tensors, "dstack")]
    return write_out(_cat(tensors, 2), out, "dstack", *tensors)


def column_stack(tensors, *, out=None):
    """Vectors (and 0-d tensors) as columns, matrices as they are, joined along dim 1."""
    tensors = [reshape(t, (t.numel(), 1)) if t.ndim <= 1 else t
               for t in _tensors(tensors, "column_stack")]
    return write_out(_cat(tensors, 1), out, "column_stack", *tensors)


def tile(input, dims):  # noqa: A002
    """``input`` repeated ``dims[i]`` times along dim i; with fewer dims than input has, the
    missing ones are 1 at the front (so tile((2,)) on a matrix repeats its columns)."""
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    dims = (1,) * (input.ndim - len(dims)) + dims
    return repeat(input, *dims)


def meshgrid(*tensors, indexing=None):
    """Coordinate grids from N 1-D tensors (or 0-d, as length 1): the i-th output holds the
    i-th tensor's values varied along its own dim. ``indexing='ij'`` gives outputs of shape
    (len0, len1, ...); ``'xy'`` swaps the first two dims (Cartesian, as NumPy's default).
    Without ``indexing``, 'ij' with PyTorch's warning that the default will change."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ArgumentError(f"meshgrid(): indexing must be one of 'xy' or 'ij', got "
                            f"{indexing!r}")
    if not tensors:
        raise ArgumentError("meshgrid(): expects a non-empty list of tensors")
    for t in tensors:
        if t.ndim > 1:
            raise ShapeError(f"meshgrid(): expects 0-d or 1-d tensors, got shape "
                             f"{list(t.shape)}")
    vectors = [reshape(t, (-1,)) for t in tensors]
    shape = tuple(v.shape[0] for v in vectors)
    grids = []
    for i, v in enumerate(vectors):
        view = [1] * len(vectors)
        view[i] = v.shape[0]
        grids.append(expand(reshape(v, tuple(view)), shape))
    if indexing == "xy" and len(vectors) >= 2:  # the first two dims swapped
        grids = [transpose(g, 0, 1) for g in grids]
    return tuple(grids)


def cartesian_prod(*tensors):
    """The Cartesian product of 1-D tensors: every combination as one row, in row-major order
    (as itertools.product); one tensor is returned as it is."""
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([reshape(g, (-1,)) for g in grids], 1)


def _diagonal_index(rows: int, cols: int, offset: int):
    length = max(0, min(rows, cols - offset) if offset >= 0 else min(rows + offset, cols))
    start_row, start_col = (0, offset) if offset >= 0 else (-offset, 0)
    return np.arange(length) + start_row, np.arange(length) + start_col


def diagonal(input, offset=0, dim1=0, dim2=1):  # noqa: A002
    """The diagonal of the 2-D slices over ``dim1`` and ``dim2`` (entry (i, i + offset)),
    those dims removed and the diagonal appended as the last dim."""
    a = normalize_dim(dim1, input.ndim, "diagonal")
    b = normalize_dim(dim2, input.ndim, "diagonal")
    if a == b:
        raise ArgumentError(f"diagonal(): dimensions cannot be identical {dim1}, {dim2}")
    rows, cols = _diagonal_index(input.shape[a], input.shape[b], offset)
    moved = movedim(input, (a, b), (-2, -1))
    return getitem(moved, (Ellipsis, rows, cols))


def diag_embed(input, offset=0, dim1=-2, dim2=-1):  # noqa: A002
    """Matrices whose diagonal (entry (i, i + offset) of the dims ``dim1``, ``dim2`` of the
    result) holds the last dim of ``input``; zeros elsewhere."""
    ndim = input.ndim + 1
    a, b = normalize_dim(dim1, ndim, "diag_embed"), normalize_dim(dim2, ndim, "diag_embed")
    if a == b:
        raise ArgumentError(f"diag_embed(): diagonal dimensions cannot be identical {dim1}, "
                            f"{dim2}")
    n = input.shape[-1] + abs(offset)
    rows, cols = _diagonal_index(n, n, offset)
    embedded = IndexAdd.apply(input, index=(Ellipsis, rows, cols),
                              shape=tuple(input.shape[:-1]) + (n, n))
    return movedim(embedded, (-2, -1), (a, b))


def diag(input, diagonal=0, *, out=None):  # noqa: A002
    """For a vector: the square matrix with it on diagonal ``diagonal``. For a matrix: its
    diagonal ``diagonal`` as a vector."""
    if input.ndim == 1:
        result = diag_embed(input, diagonal)
    elif input.ndim == 2:
        result = globals()["diagonal"](input, diagonal)
    else:
        raise ShapeError(f"diag(): expects a 1-D or 2-D tensor, got shape {list(input.shape)}")
    return write_out(result, out, "diag", input)


def trace(input):  # noqa: A002
    """The sum of the main diagonal of a matrix."""
    if input.ndim != 2:
        raise ShapeError(f"trace(): expected a matrix, got shape {list(input.shape)}")
    result = _sum(diagonal(input))
    if input.dtype.kind in "iub":
        result = result.to(np.int64) if result.dtype != np.int64 else result
    return result


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):  # noqa: A002
    """Each element (each slice along ``dim``) repeated ``repeats`` times in place, e.g.
    [1, 2] with 2 repeats gives [1, 1, 2, 2]; ``repeats`` an int or a tensor of one count per
    element; with ``dim=None`` the input is flattened first. Given only a tensor of counts,
    the indices 0, 1, ... repeated by them."""
    if repeats is None:  # repeat_interleave(counts)
        counts = input._data
        return tensor_module.Tensor._make(np.repeat(np.arange(counts.size), counts))
    if dim is None:
        input, axis = reshape(input, (-1,)), 0  # noqa: A001
    else:
        axis = normalize_dim(dim, input.ndim, "repeat_interleave")
    counts = repeats._data if isinstance(repeats, tensor_module.Tensor) else np.asarray(repeats)
    size = input.shape[axis] if input.ndim else 1
    if counts.ndim and counts.size not in (1, size):
        raise ShapeError(f"repeat_interleave(): repeats must have the same size as input along "
                         f"dim {dim} ({size}), got {counts.size}")
    if (counts < 0).any():
        raise ArgumentError("repeat_interleave(): repeats can not be negative")
    positions = np.repeat(np.arange(size), np.broadcast_to(counts.reshape(-1), (size,)))
    if output_size is not None and output_size != positions.size:
        raise ShapeError(f"repeat_interleave(): output_size {output_size} differs from the "
                         f"repeated size {positions.size}")
    if not input.ndim:
        input = reshape(input, (1,))  # noqa: A001
    return getitem(input, (slice(None),) * axis + (positions,))


def rot90(input, k=1, dims=(0, 1)):  # noqa: A002
    """``input`` rotated by k·90° in the plane of ``dims``, from the first dim towards the
    second."""
    if len(dims) != 2:
        raise ArgumentError(f"rot90(): expected total rotation dims == 2, but got {len(dims)}")
    a, b = (normalize_dim(d, input.ndim, "rot90") for d in dims)
    if a == b:
        raise ArgumentError(f"rot90(): expected rotation dims to be different, got {dims}")
    from tinynet.ops.rearrange import flip

    k %= 4
    if k == 1:
        return transpose(flip(input, (b,)), a, b)
    if k == 2:
        return flip(input, (a, b))
    if k == 3:
        return transpose(flip(input, (a,)), a, b)
    return input


def unflatten(input, dim, sizes):  # noqa: A002
    """``input`` with dim ``dim`` split into dims of ``sizes`` (one of them may be -1)."""
    axis = normalize_dim(dim, input.ndim, "unflatten")
    sizes = tuple(sizes)
    known = int(np.prod([s for s in sizes if s != -1]))
    if (-1 not in sizes and known != input.shape[axis]) or (
            -1 in sizes and (known == 0 or input.shape[axis] % known)):
        raise ShapeError(f"unflatten(): provided sizes {list(sizes)} don't multiply up to the "
                         f"size of dim {dim} ({input.shape[axis]}) in the input tensor")
    return reshape(input, tuple(input.shape[:axis]) + sizes + tuple(input.shape[axis + 1:]))


def ravel(input):  # noqa: A002
    """``input`` flattened to one dim (row-major)."""
    return reshape(input, (-1,))


def msort(input, *, out=None):  # noqa: A002
    """``input`` sorted along its first dim, ascending."""
    from tinynet.ops.sorting import sort

    return write_out(sort(input, 0).values, out, "msort", input)


__all__ = ["movedim", "moveaxis", "swapaxes", "swapdims", "atleast_1d", "atleast_2d",
           "atleast_3d", "hstack", "vstack", "row_stack", "dstack", "column_stack", "tile",
           "meshgrid", "cartesian_prod", "diagonal", "diag_embed", "diag", "trace",
           "repeat_interleave", "rot90", "unflatten", "ravel", "msort"]
