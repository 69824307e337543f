"""Padded and packed batches of variable-length sequences (PyTorch's ``nn.utils.rnn``).

A padded batch holds B sequences of lengths L_b in one tensor of shape (T, B, *) (or (B, T, *)
with ``batch_first=True``), T = max L_b, the positions t ≥ L_b filled with a padding value.
A packed batch drops the padding: with the sequences sorted by decreasing length, ``data`` of
shape (Σ L_b, *) holds them time-major, step t giving the rows of the
``batch_sizes[t] = #{b : L_b > t}`` sequences still running, in sorted order::

    sequences "abc", "de", "f"  ->  data = a d f b e c,  batch_sizes = [3, 2, 1]

so a recurrent layer runs step t on the first ``batch_sizes[t]`` rows of its state only
(``tinynet.nn.utils._packed_steps`` has that loop). ``sorted_indices[i]`` is the position in the
caller's batch of the i-th sequence in sorted order (None when the batch came sorted) and
``unsorted_indices`` its inverse, which puts outputs back in the caller's order.

Every function here is integer indexing and concatenation of tensors, so gradients flow
between ``data`` and the padded tensor, and padded positions get a zero gradient.

tinynet differs from PyTorch on purpose in three places: lengths longer than the padded tensor are
refused (PyTorch reads past the end of the tensor); with ``enforce_sorted=False`` sequences of
equal length keep their order (PyTorch's order among ties is unspecified); ``unpad_sequence``
leaves its input as it is (PyTorch's transposes it in place when ``batch_first`` is False).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np

from tinynet import dtypes, ops
from tinynet.errors import ArgumentError, ShapeError
from tinynet.tensor import Tensor

__all__ = [
    "PackedSequence",
    "invert_permutation",
    "pack_padded_sequence",
    "pack_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpack_sequence",
    "unpad_sequence",
]


def _int64_tensor(array) -> Tensor:
    return Tensor._make(np.ascontiguousarray(array, dtype=np.int64))


def _index_array(values, name: str) -> np.ndarray:
    """``values`` (a tensor, array or list of integers) as a 1-D int64 array."""
    array = values.detach().numpy() if isinstance(values, Tensor) else np.asarray(values)
    if array.ndim != 1:
        raise ShapeError(f"'{name}' must be 1-D (one entry per sequence), but has shape "
                         f"{list(array.shape)}")
    if array.size and not (np.issubdtype(array.dtype, np.integer)
                           or np.issubdtype(array.dtype, np.floating)):
        raise ArgumentError(f"'{name}' must hold integers, but has dtype {array.dtype}")
    return array.astype(np.int64)


class _Fields(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(_Fields):
    """A packed batch of variable-length sequences: the tuple (data, batch_sizes, sorted_indices,
    unsorted_indices) described in this module's docstring.

    ``data``: (Σ L_b, *), any dtype. ``batch_sizes``: int64 (T,), batch_sizes[t] = #{b : L_b > t}.
    ``sorted_indices``, ``unsorted_indices``: int64 (B,) permutations, inverse to each other, or
    None. Build it with ``pack_padded_sequence`` or ``pack_sequence``; ``PackedSequence(data,
    batch_sizes, sorted_indices)`` and ``PackedSequence((data, batch_sizes))`` also work, and
    ``unsorted_indices`` is computed from ``sorted_indices`` when not given. ``.to()``,
    ``.double()``, ``.float()`` and the other casts change ``data`` only (the index tensors stay
    int64). ``pin_memory()`` returns the packed sequence itself and ``is_pinned()`` is False:
    pinned memory speeds copies to a GPU, which tinynet does not use.
    """

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if batch_sizes is None:
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise ArgumentError("PackedSequence expects data and batch_sizes, or one "
                                    "(data, batch_sizes) pair")
            data, batch_sizes = data
        if not isinstance(batch_sizes, Tensor):
            batch_sizes = _int64_tensor(_index_array(batch_sizes, "batch_sizes"))
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def _with_data(self, data) -> PackedSequence:
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def to(self, *args, **kwargs) -> PackedSequence:
        """``data.to(*args, **kwargs)`` in a packed sequence: itself when ``data`` does not
        change."""
        return self._with_data(self.data.to(*args, **kwargs))

    def cpu(self, *args, **kwargs) -> PackedSequence:
        """Itself: tinynet's tensors live on the CPU."""
        return self._with_data(self.data.cpu(*args, **kwargs))

    def cuda(self, *args, **kwargs) -> PackedSequence:
        """Refused as ``Tensor.cuda`` refuses it: tinynet runs on the CPU only."""
        return self._with_data(self.data.cuda(*args, **kwargs))

    def double(self) -> PackedSequence:
        return self.to(dtype=dtypes.float64)

    def float(self) -> PackedSequence:
        return self.to(dtype=dtypes.float32)

    def half(self) -> PackedSequence:
        return self.to(dtype=dtypes.float16)

    def long(self) -> PackedSequence:
        return self.to(dtype=dtypes.int64)

    def int(self) -> PackedSequence:
        return self.to(dtype=dtypes.int32)

    def short(self) -> PackedSequence:
        return self.to(dtype=dtypes.int16)

    def char(self) -> PackedSequence:
        return self.to(dtype=dtypes.int8)

    def byte(self) -> PackedSequence:
        return self.to(dtype=dtypes.uint8)

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda

    def is_pinned(self) -> bool:
        return False

    def pin_memory(self) -> PackedSequence:
        return self


def invert_permutation(permutation):
    """The inverse of a permutation of 0..n-1: ``inverse[permutation[i]] = i`` (None for None).
    Turns ``sorted_indices`` into ``unsorted_indices`` and back. Shape (n,), the dtype of
    ``permutation`` for a tensor, int64 otherwise."""
    if permutation is None:
        return None
    array = _index_array(permutation, "permutation")
    if not np.array_equal(np.sort(array), np.arange(array.size)):
        raise ArgumentError(f"invert_permutation expects a permutation of 0..{array.size - 1}, "
                            f"but got {array.tolist()}")
    inverse = np.empty_like(array)
    inverse[array] = np.arange(array.size)
    if isinstance(permutation, Tensor) and permutation.dtype != dtypes.int64:
        return Tensor._make(inverse.astype(permutation.dtype))
    return _int64_tensor(inverse)


def _packed_positions(batch_sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(step, position in the sorted batch) of every row of packed data, each (Σ batch_sizes,)."""
    steps = np.repeat(np.arange(batch_sizes.size), batch_sizes)
    starts = np.cumsum(batch_sizes) - batch_sizes
    return steps, np.arange(steps.size) - np.repeat(starts, batch_sizes)


def _check_lengths(lengths: np.ndarray, batch: int, total: int) -> None:
    if lengths.size != batch:
        raise ShapeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                         f"{lengths.size} (batch_size={batch})")
    if batch == 0:
        raise ArgumentError("Cannot pack empty tensors: the batch holds no sequences")
    if (lengths <= 0).any():
        raise ArgumentError("Length of all samples has to be greater than 0, but found an element "
                            f"in 'lengths' that is <= 0: lengths {lengths.tolist()}")
    if (lengths > total).any():
        raise ArgumentError(f"lengths {lengths.tolist()} include one longer than the padded "
                            f"sequences (length {total})")


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch: input (T, B, *) (or (B, T, *) with ``batch_first``) and the B
    ``lengths`` (a list or an integer tensor) -> a PackedSequence whose data (Σ L_b, *) holds
    input[t, b] for t < L_b, time-major in the order of decreasing length.

    ``enforce_sorted=True``: the lengths must already decrease (``sorted_indices`` is None);
    ``False``: the batch is sorted here (stably) and ``sorted_indices`` records the order.
    Positions at or after a sequence's length are left out and get no gradient. Lengths must be
    between 1 and T, one per sequence, and the batch not empty.
    """
    if not isinstance(input, Tensor):
        raise ArgumentError(f"pack_padded_sequence expects a Tensor input, but got "
                            f"{type(input).__name__}")
    if input.ndim < 2:
        raise ShapeError(f"pack_padded_sequence expects input of at least 2 dims ((T, B, *), or "
                         f"(B, T, *) with batch_first=True), but got shape {list(input.shape)}")
    lengths = _index_array(lengths, "lengths")
    batch, total = (input.shape[0], input.shape[1]) if batch_first else input.shape[1::-1]
    _check_lengths(lengths, batch, total)
    if enforce_sorted:
        if (np.diff(lengths) > 0).any():
            raise ArgumentError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                f"exportability. Got lengths {lengths.tolist()}")
        order, sorted_indices = np.arange(batch), None
    else:
        order = np.argsort(-lengths, kind="stable")
        sorted_indices = _int64_tensor(order)
    sorted_lengths = lengths[order]
    batch_sizes = (sorted_lengths[None, :] > np.arange(sorted_lengths[0])[:, None]).sum(axis=1)
    steps, positions = _packed_positions(batch_sizes)
    rows = order[positions]
    data = input[rows, steps] if batch_first else input[steps, rows]
    return PackedSequence(data, _int64_tensor(batch_sizes), sorted_indices, None)


def _batch_sizes_of(sequence) -> np.ndarray:
    if not hasattr(sequence, "batch_sizes") or not hasattr(sequence, "data"):
        raise ArgumentError(f"expected a PackedSequence, but got {type(sequence).__name__}")
    batch_sizes = _index_array(sequence.batch_sizes, "batch_sizes")
    if batch_sizes.size and ((batch_sizes <= 0).any() or (np.diff(batch_sizes) > 0).any()):
        raise ArgumentError(f"batch_sizes must be positive and non-increasing, but are "
                            f"{batch_sizes.tolist()}")
    if batch_sizes.sum() != sequence.data.shape[0]:
        raise ShapeError(f"a packed sequence with batch_sizes {batch_sizes.tolist()} needs "
                         f"{batch_sizes.sum()} rows of data, but data has shape "
                         f"{list(sequence.data.shape)}")
    return batch_sizes


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Undo ``pack_padded_sequence``: (padded, lengths), padded of shape (T, B, *) (or (B, T, *)
    with ``batch_first``), the positions after each sequence's length set to ``padding_value``,
    the sequences back in the order they had before packing; lengths int64 (B,).

    T is the longest length, or ``total_length`` when given (ValueError if it is shorter).
    """
    batch_sizes = _batch_sizes_of(sequence)
    data = sequence.data
    steps = batch_sizes.size
    if total_length is not None:
        if total_length < steps:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in "
                f"input, but got total_length={total_length} and max sequence length being "
                f"{steps}")
        steps = int(total_length)
    batch = int(batch_sizes[0]) if batch_sizes.size else 0
    lengths = (batch_sizes[None, :] > np.arange(batch)[:, None]).sum(axis=1)
    rows = data.shape[0]
    where = np.full((steps, batch), rows)  # row of data at (t, b); ``rows`` for padding
    where[_packed_positions(batch_sizes)] = np.arange(rows)
    if sequence.unsorted_indices is not None:
        unsorted = _index_array(sequence.unsorted_indices, "unsorted_indices")
        where, lengths = where[:, unsorted], lengths[unsorted]
    if batch_first:
        where = where.T
    if (where < rows).all():
        return data[where], _int64_tensor(lengths)
    padding = np.full((1, *data.shape[1:]), padding_value, dtype=data.dtype)
    return ops.cat([data, Tensor._make(padding)])[where], _int64_tensor(lengths)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack sequences of shapes (L_b, *) into one (T, B, *) tensor (or (B, T, *) with
    ``batch_first``), T = max L_b, each padded with ``padding_value`` on the right (or on the left
    with ``padding_side='left'``). A tensor is taken as the sequences along its first dim. The
    result has the first sequence's dtype; the trailing dims must agree."""
    if isinstance(sequences, Tensor):
        sequences = sequences.unbind(0)
    elif not isinstance(sequences, Iterable):
        raise ArgumentError("pad_sequence: Expected iterable for input sequences, but got arg of "
                            f"type: {type(sequences)}")
    sequences = tuple(sequences)
    if not sequences:
        raise ArgumentError("pad_sequence received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise ArgumentError(f"Expected padding_side to be one of left or right, but got "
                            f"{padding_side}.")
    for index, sequence in enumerate(sequences):
        if not isinstance(sequence, Tensor):
            raise ArgumentError(f"pad_sequence expects Tensors, but sequence {index} is "
                                f"{type(sequence).__name__}")
        if sequence.ndim == 0:
            raise ShapeError(f"pad_sequence: sequence {index} is 0-dim; each sequence needs a "
                             "first dim, its length")
        if sequence.shape[1:] != sequences[0].shape[1:]:
            raise ShapeError(f"pad_sequence: the sequences must agree after their first dim, but "
                             f"sequence 0 has shape {list(sequences[0].shape)} and sequence "
                             f"{index} has shape {list(sequence.shape)}")
    dtype = sequences[0].dtype
    sequences = [s if s.dtype == dtype else s.to(dtype) for s in sequences]
    lengths = np.array([s.shape[0] for s in sequences])
    total, rows = int(lengths.max()), int(lengths.sum())
    where = np.full((len(sequences), total), rows)  # row of the joined sequences; ``rows`` pads
    for b, (start, length) in enumerate(zip(np.cumsum(lengths) - lengths, lengths)):
        first = 0 if padding_side == "right" else total - length
        where[b, first:first + length] = np.arange(start, start + length)
    if not batch_first:
        where = where.T
    padding = np.full((1, *sequences[0].shape[1:]), padding_value, dtype=dtype)
    return ops.cat([*sequences, Tensor._make(padding)])[where]


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """Undo ``pad_sequence`` (right padding): the list of the B sequences padded[:L_b, b]
    (padded[b, :L_b] with ``batch_first``), each (L_b, *). ``padded_sequences`` is left as it
    is."""
    if not isinstance(padded_sequences, Tensor) or padded_sequences.ndim < 2:
        raise ShapeError("unpad_sequence expects a padded Tensor of at least 2 dims ((T, B, *), "
                         "or (B, T, *) with batch_first=True)")
    lengths = _index_array(lengths, "lengths")
    shape = padded_sequences.shape
    batch, total = (shape[0], shape[1]) if batch_first else (shape[1], shape[0])
    if lengths.size != batch:
        raise ShapeError(f"unpad_sequence got {lengths.size} lengths for a batch of {batch}")
    if ((lengths < 0) | (lengths > total)).any():
        raise ArgumentError(f"unpad_sequence: lengths {lengths.tolist()} must lie between 0 and "
                            f"the padded length {total}")
    if batch_first:
        return [padded_sequences[b, :length] for b, length in enumerate(lengths.tolist())]
    return [padded_sequences[:length, b] for b, length in enumerate(lengths.tolist())]


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of sequences of shapes (L_b, *): ``pack_padded_sequence(pad_sequence(
    sequences), lengths, enforce_sorted=enforce_sorted)``. With ``enforce_sorted=True`` the
    lengths must decrease."""
    sequences = list(sequences) if isinstance(sequences, Iterable) else sequences
    padded = pad_sequence(sequences)
    lengths = [sequence.shape[0] for sequence in sequences]
    return pack_padded_sequence(padded, lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """Undo ``pack_sequence``: the list of the sequences, each (L_b, *), in the order they had
    before packing."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
