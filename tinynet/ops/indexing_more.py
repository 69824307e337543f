"""Writing into and reading out of tensors at indices, with PyTorch's names: the scatter family
(scatter, scatter_add, scatter_reduce), the index_* family (index_add, index_fill, index_copy),
masked_scatter, narrow, select, take, take_along_dim, tensor_split, argwhere, and the counting
functions (histc, bincount, searchsorted, bucketize).

The differentiable ones are compositions of indexing's Functions (GetItem, IndexAdd, IndexPut,
Gather, ScatterAdd) and of where, so their gradients and the gradients of those come for free.
Indices are checked first: a float index, an index out of range (the message names the index
and the size) or a shape that does not fit is refused rather than wrapped or clipped.
"""

from __future__ import annotations

import numpy as np

from tinynet import tensor as tensor_module
from tinynet.errors import ArgumentError, DtypeError, ShapeError
from tinynet.ops.dims import normalize_dim
from tinynet.ops.elementwise import add, div, mul, where
from tinynet.ops.indexing import Gather, IndexAdd, ScatterAdd, _gather_positions, getitem, index_put
from tinynet.ops.out import write_out
from tinynet.ops.promotion import to_tensor
from tinynet.ops.shape import expand, reshape


def _make(array):
    return tensor_module.Tensor._make(np.asarray(array))


def _integer_index(index, op_name: str):
    index = to_tensor(index)
    if index.dtype.kind not in "iu":
        raise DtypeError(f"{op_name}(): Expected dtype int64 for index, got {index.dtype}")
    return index


def _check_range(positions: np.ndarray, size: int, dim, op_name: str) -> None:
    if positions.size and (positions.min() < -size or positions.max() >= size):
        bad = positions[(positions < -size) | (positions >= size)].flat[0]
        raise IndexError(f"{op_name}(): index {int(bad)} is out of bounds for dimension {dim} "
                         f"with size {size}")


def _along(axis: int, index) -> tuple:
    return (slice(None),) * axis + (index,)


# The scatter family --------------------------------------------------------------------------
def _scatter_args(input, dim, index, src, op_name):  # noqa: A002
    """(axis, index tensor, src cut to index's shape) after PyTorch's checks: index has input's
    number of dims, no side larger than src's, nor than input's except along dim."""
    axis = normalize_dim(dim, max(input.ndim, 1), op_name)
    index = _integer_index(index, op_name)
    if index.ndim != input.ndim or (src is not None and index.ndim != src.ndim):
        raise ShapeError(f"{op_name}(): index of shape {list(index.shape)} must have as many dims "
                         f"as self (shape {list(input.shape)})" +
                         ("" if src is None else f" and src (shape {list(src.shape)})"))
    for d, size in enumerate(index.shape):
        if (d != axis and size > input.shape[d]) or (src is not None and size > src.shape[d]):
            raise ShapeError(f"{op_name}(): index of shape {list(index.shape)} is larger than "
                             f"self (shape {list(input.shape)}) apart from dim {dim}" +
                             ("" if src is None else f", or than src (shape {list(src.shape)})"))
    _check_range(index._data, input.shape[axis] if input.ndim else 1, dim, op_name)
    index = _make(index._data % max(input.shape[axis] if input.ndim else 1, 1))
    if src is not None and tuple(src.shape) != tuple(index.shape):
        src = getitem(src, tuple(slice(0, size) for size in index.shape))
    return axis, index, src


def _src_tensor(input, src, value, op_name):  # noqa: A002
    if (src is None) == (value is None):
        raise ArgumentError(f"{op_name}(): give exactly one of src (a tensor) and value")
    if src is None or not isinstance(src, tensor_module.Tensor):
        return None, (value if src is None else src)
    if src.dtype != input.dtype:
        raise DtypeError(f"{op_name}(): Expected self.dtype to be equal to src.dtype, got "
                         f"{input.dtype} and {src.dtype}")
    return src, None


def scatter(input, dim, index, src=None, *, value=None, reduce=None, out=None):  # noqa: A002
    """``input`` with ``src[i][j]`` written at ``[index[i][j]][j]`` (dim 0; likewise for other
    dims), or a number ``value`` written at every indexed place. Where an index repeats, which
    write wins is unspecified, as in PyTorch. ``reduce='add'`` or ``'multiply'`` combines instead
    of writing. The gradient reaches ``input`` where nothing was written and ``src`` at the
    entries that index reads (gather of the gradient)."""
    src, number = _src_tensor(input, src, value, "scatter")
    axis, index, src = _scatter_args(input, dim, index, src, "scatter")
    if reduce is not None:
        names = {"add": "sum", "multiply": "prod"}
        if reduce not in names:
            raise ArgumentError(f"scatter(): reduce argument must be either add or multiply, "
                                f"got {reduce!r}")
        if src is None:
            src = _make(np.full(index.shape, number, input.dtype))
        result = scatter_reduce(input, dim, index, src, names[reduce])
    else:
        positions = _gather_positions(index._data, axis)
        written = src if src is not None else _make(np.asarray(number, input.dtype))
        result = index_put(input, positions, written)
    return write_out(result, out, "scatter", input)


def scatter_add(input, dim, index, src, *, out=None):  # noqa: A002 - PyTorch's argument names
    """``input`` with every ``src[i][j]`` added at ``[index[i][j]][j]`` (dim 0; likewise for
    other dims); repeated indices add up. The adjoint of gather."""
    src, _ = _src_tensor(input, src, None, "scatter_add")
    axis, index, src = _scatter_args(input, dim, index, src, "scatter_add")
    result = add(input, ScatterAdd.apply(src, index, dim=axis, shape=input.shape))
    return write_out(result, out, "scatter_add", input)


def _reduce_at(values: np.ndarray, positions: tuple, shape: tuple, reduce: str,
               include: np.ndarray):
    """NumPy: (the reduction of ``values`` at ``positions`` into ``shape``, combined with
    ``include`` where it is given, and how many values each place received)."""
    counts = np.zeros(shape, np.int64)
    np.add.at(counts, positions, 1)
    start = {"sum": 0, "mean": 0, "prod": 1, "amax": -np.inf, "amin": np.inf}[reduce]
    ufunc = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum,
             "amin": np.minimum}[reduce]
    if values.dtype.kind != "f" and reduce in ("amax", "amin"):  # integers have no infinity
        info = np.iinfo(values.dtype)
        start = info.min if reduce == "amax" else info.max
    result = np.full(shape, start, np.float64 if values.dtype.kind == "f" else values.dtype)
    ufunc.at(result, positions, values)
    if include is not None:
        result = ufunc(result, include)
    return result, counts


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True, out=None):  # noqa: A002
    """``input`` with the ``src`` values that ``index`` sends to each place reduced there by
    ``reduce``: 'sum', 'prod', 'mean', 'amax' or 'amin', counting the value already in ``input``
    when ``include_self`` (places that receive nothing keep input's value). Gradients as
    PyTorch's: sum and mean spread evenly, amax and amin go to the values equal to the result
    (split evenly between ties), prod to each factor as the product of the others."""
    if reduce not in ("sum", "prod", "mean", "amax", "amin"):
        raise ArgumentError(f"scatter_reduce(): reduce argument must be one of sum, prod, mean, "
                            f"amax, amin, got {reduce!r}")
    src, _ = _src_tensor(input, src, None, "scatter_reduce")
    axis, index, src = _scatter_args(input, dim, index, src, "scatter_reduce")
    positions = _gather_positions(index._data, axis)
    x, s = input._data, src._data
    received = np.zeros(input.shape, bool)
    received[positions] = True
    totals, counts = _reduce_at(s, positions, input.shape, reduce,
                                x if include_self else None)
    if input.dtype.kind != "f":  # no gradient to carry: the reduction's values
        if reduce == "mean":
            totals = totals // np.maximum(counts + (1 if include_self else 0), 1)
        result = _make(np.where(received, totals, x).astype(input.dtype))
        return write_out(result, out, "scatter_reduce", input)
    scattered = ScatterAdd.apply
    if reduce in ("sum", "mean"):
        result = scattered(src, index, dim=axis, shape=input.shape)
        if include_self:
            result = add(result, input)
        if reduce == "mean":
            divisor = np.maximum(counts + (1 if include_self else 0), 1).astype(input.dtype)
            result = div(result, _make(divisor))
    elif reduce in ("amax", "amin"):
        # the result as a weighted sum of the values equal to it, weights 1/ties (constants)
        winners_src = s == totals[positions]
        winners_self = (x == totals) & received if include_self else np.zeros(x.shape, bool)
        ties = np.zeros(input.shape, np.float64)
        np.add.at(ties, positions, winners_src)
        ties = np.maximum(ties + winners_self, 1)
        src_weight = (winners_src / ties[positions]).astype(s.dtype)
        self_weight = np.where(received, winners_self / ties, 1.0).astype(x.dtype)
        result = add(scattered(mul(src, _make(src_weight)), index, dim=axis, shape=input.shape),
                     mul(input, _make(self_weight)))
    else:  # prod = sign · exp(Σ log|s|), which differentiates (to any order) away from zeros
        if (src.requires_grad or input.requires_grad) and ((s == 0).any() or
                                                           (include_self and (x == 0).any())):
            raise ArgumentError("scatter_reduce(): the gradient of reduce='prod' through a zero "
                                "factor is not supported in tinynet")
        if not (src.requires_grad or input.requires_grad):
            result = _make(totals.astype(input.dtype))
        else:
            from tinynet.ops.elementwise import abs as absolute
            from tinynet.ops.elementwise import exp, log

            logs = scattered(log(absolute(src)), index, dim=axis, shape=input.shape)
            if include_self:
                logs = add(logs, log(absolute(input)))
            result = mul(exp(logs), _make(np.sign(totals).astype(input.dtype)))
    return write_out(where(received, result, input), out, "scatter_reduce", input)


# The index_* family ---------------------------------------------------------------------------
def _index_args(input, dim, index, op_name):  # noqa: A002
    """(axis, positions as a non-negative 1-D array) after checking dtype, dims and range."""
    axis = normalize_dim(dim, max(input.ndim, 1), op_name)
    index = _integer_index(index, op_name)
    if index.ndim > 1:
        raise ShapeError(f"{op_name}(): index must be a vector or a scalar, got shape "
                         f"{list(index.shape)}")
    size = input.shape[axis] if input.ndim else 1
    positions = index._data.reshape(-1)
    _check_range(positions, size, dim, op_name)
    return axis, positions % max(size, 1)


def _source_fits(input, axis, positions, source, op_name):  # noqa: A002
    expected = tuple(input.shape[:axis]) + (positions.size,) + tuple(input.shape[axis + 1:])
    if input.ndim and tuple(source.shape) != expected:
        raise ShapeError(f"{op_name}(): source of shape {list(source.shape)} does not fit: "
                         f"an index of {positions.size} entries along dim {axis} of self (shape "
                         f"{list(input.shape)}) needs a source of shape {list(expected)}")
    if source.dtype != input.dtype:
        raise DtypeError(f"{op_name}(): self ({input.dtype}) and source ({source.dtype}) must "
                         "have the same dtype")
    return source


def index_add(input, dim, index, source, *, alpha=1, out=None):  # noqa: A002
    """``input`` with ``alpha · source`` added at positions ``index`` along ``dim``; the slices
    of repeated indices add up."""
    axis, positions = _index_args(input, dim, index, "index_add")
    source = _source_fits(input, axis, positions, to_tensor(source), "index_add")
    if alpha != 1:
        source = mul(source, alpha)
    if not input.ndim:
        added = reshape(IndexAdd.apply(reshape(source, (-1,)), index=positions, shape=(1,)), ())
    else:
        added = IndexAdd.apply(source, index=_along(axis, positions), shape=input.shape)
    return write_out(add(input, added), out, "index_add", input)


def index_fill(input, dim, index, value):  # noqa: A002
    """``input`` with ``value`` (a number or a 0-d tensor) at positions ``index`` along
    ``dim``."""
    from tinynet.ops.rearrange import masked_fill

    axis, positions = _index_args(input, dim, index, "index_fill")
    mask = np.zeros(input.shape, bool)
    mask[_along(axis, positions) if input.ndim else ()] = True
    return masked_fill(input, mask, value)


def index_copy(input, dim, index, source, *, out=None):  # noqa: A002
    """``input`` with the slices of ``source`` written at positions ``index`` along ``dim``
    (where an index repeats, which slice wins is unspecified, as in PyTorch)."""
    axis, positions = _index_args(input, dim, index, "index_copy")
    source = _source_fits(input, axis, positions, to_tensor(source), "index_copy")
    if not input.ndim:
        return write_out(reshape(index_put(reshape(input, (1,)), positions,
                                           reshape(source, (-1,))), ()), out, "index_copy", input)
    result = index_put(input, _along(axis, positions), source)
    return write_out(result, out, "index_copy", input)


def masked_scatter(input, mask, source):  # noqa: A002
    """``input`` with the places where ``mask`` (bool, broadcastable to input) is True filled,
    in row-major order, with the first elements of ``source``."""
    from tinynet.ops.rearrange import _bool_mask

    condition = _bool_mask(mask, "masked_scatter")
    try:
        condition = np.broadcast_to(condition, input.shape)
    except ValueError:
        raise ShapeError(f"masked_scatter(): mask of shape {list(np.shape(mask))} cannot be "
                         f"broadcast to self's shape {list(input.shape)}") from None
    count = int(condition.sum())
    source = to_tensor(source)
    if source.numel() < count:
        raise ShapeError(f"masked_scatter(): the mask selects {count} places but source has only "
                         f"{source.numel()} elements")
    if source.dtype != input.dtype:
        raise DtypeError(f"masked_scatter(): expected self and source to have the same dtype, "
                         f"got {input.dtype} and {source.dtype}")
    values = getitem(reshape(source, (-1,)), slice(0, count))
    return index_put(input, condition, values)


# Slices and picks -----------------------------------------------------------------------------
def narrow(input, dim, start, length):  # noqa: A002
    """The ``length`` entries of ``input`` from ``start`` along ``dim`` (a view in PyTorch)."""
    axis = normalize_dim(dim, input.ndim, "narrow")
    start = int(start.item() if isinstance(start, tensor_module.Tensor) else start)
    size = input.shape[axis]
    if not -size <= start <= size:
        raise IndexError(f"narrow(): start {start} is out of bounds for dimension {dim} with "
                         f"size {size}")
    start %= max(size, 1) if start < 0 else size + 1
    if length < 0 or start + length > size:
        raise IndexError(f"narrow(): start ({start}) + length ({length}) exceeds dimension size "
                         f"({size}) of dim {dim}")
    return getitem(input, _along(axis, slice(start, start + length)))


def select(input, dim, index):  # noqa: A002
    """``input`` at position ``index`` of ``dim``, that dim removed (``x[:, index]`` for
    dim 1)."""
    axis = normalize_dim(dim, input.ndim, "select")
    index = int(index)
    _check_range(np.array([index]), input.shape[axis], dim, "select")
    return getitem(input, _along(axis, index))


def take(input, index):  # noqa: A002
    """The entries of ``input``, seen as 1-D (row-major), at ``index``; the result has index's
    shape."""
    index = _integer_index(index, "take")
    _check_range(index._data, input.numel(), 0, "take")
    return getitem(reshape(input, (-1,)), index._data)


def take_along_dim(input, indices, dim=None, *, out=None):  # noqa: A002
    """gather along ``dim`` with ``indices`` and ``input`` broadcast against each other in the
    other dims (as NumPy's take_along_axis); with ``dim=None`` both are flattened first."""
    indices = _integer_index(indices, "take_along_dim")
    if dim is None:
        return write_out(take(input, reshape(indices, (-1,))), out, "take_along_dim", input)
    axis = normalize_dim(dim, input.ndim, "take_along_dim")
    if indices.ndim != input.ndim:
        raise ShapeError(f"take_along_dim(): input (shape {list(input.shape)}) and indices (shape "
                         f"{list(indices.shape)}) should have the same number of dimensions")
    _check_range(indices._data, input.shape[axis], dim, "take_along_dim")
    try:
        shape = np.broadcast_shapes(tuple(s for d, s in enumerate(input.shape) if d != axis),
                                    tuple(s for d, s in enumerate(indices.shape) if d != axis))
    except ValueError:
        raise ShapeError(f"take_along_dim(): input of shape {list(input.shape)} and indices of "
                         f"shape {list(indices.shape)} do not broadcast apart from dim "
                         f"{dim}") from None
    shape = list(shape)
    input_shape = tuple(shape[:axis] + [input.shape[axis]] + shape[axis:])
    index_shape = tuple(shape[:axis] + [indices.shape[axis]] + shape[axis:])
    expanded = expand(input, input_shape) if tuple(input.shape) != input_shape else input
    positions = np.broadcast_to(indices._data % max(input.shape[axis], 1), index_shape)
    result = Gather.apply(expanded, _make(np.ascontiguousarray(positions)), dim=axis)
    return write_out(result, out, "take_along_dim", input)


def tensor_split(input, indices_or_sections, dim=0):  # noqa: A002
    """``input`` split along ``dim`` into ``n`` parts as equal as possible (the first
    ``size % n`` one longer) when given an int ``n``, or at the given indices."""
    axis = normalize_dim(dim, input.ndim, "tensor_split")
    size = input.shape[axis]
    sections = indices_or_sections
    if isinstance(sections, tensor_module.Tensor):
        sections = sections.item() if sections.ndim == 0 else sections.tolist()
    if isinstance(sections, (int, np.integer)):
        if sections <= 0:
            raise ArgumentError(f"tensor_split(): number of sections must be larger than 0, got "
                                f"{sections}")
        base, extra = divmod(size, int(sections))
        lengths = [base + (1 if i < extra else 0) for i in range(int(sections))]
        bounds = np.concatenate([[0], np.cumsum(lengths)]).tolist()
    else:
        cuts = [int(i) for i in sections]
        bounds = [0] + cuts + [size]
    return tuple(getitem(input, _along(axis, slice(bounds[i], max(bounds[i], bounds[i + 1]))))
                 for i in range(len(bounds) - 1))


def argwhere(input):  # noqa: A002
    """The indices of ``input``'s nonzero entries, one row each: shape (count, input.ndim)."""
    return _make(np.argwhere(input._data).astype(np.int64))


__all__ = ["scatter", "scatter_add", "scatter_reduce", "index_add", "index_fill", "index_copy",
           "masked_scatter", "narrow", "select", "take", "take_along_dim", "tensor_split",
           "argwhere"]
