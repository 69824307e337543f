"""Collation: how a DataLoader turns a list of samples into a batch, with PyTorch's rules.

``default_collate`` is the DataLoader's ``collate_fn`` when it batches (``batch_size`` or a
``batch_sampler``); ``default_convert`` when it does not (``batch_size=None``).
"""

from __future__ import annotations

import collections.abc
import copy

import numpy as np

from tinynet.tensor import Tensor

_NON_NUMERIC_KINDS = "OSUV"  # object, bytes, str, void arrays: no tensor holds them


def _type_name(obj) -> str:
    kind = type(obj)
    if isinstance(obj, Tensor):
        return "Tensor"
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"


def _check_same_kind(batch: list, kind: type, what: str, path: str) -> None:
    """Every element must be a ``kind`` like the first: a mix (a Tensor next to a NumPy array)
    has no single rule, so name the first element that differs, its position and the field."""
    for position, element in enumerate(batch):
        if not isinstance(element, kind):
            field = f" at field {path} of the samples" if path else ""
            raise TypeError(f"default_collate: batch element {position} is a "
                            f"{_type_name(element)} but element 0 is a {what}{field}; every sample "
                            f"must give the same type in the same place (convert them in the "
                            f"dataset, e.g. with tinynet.from_numpy, or pass a collate_fn)")


def _stack(tensors: list[Tensor]) -> Tensor:
    shapes = {t.shape for t in tensors}
    if len(shapes) != 1:
        raise RuntimeError(f"default_collate: stack expects each tensor to be equal size, but got "
                           f"shapes {sorted(list(s) for s in shapes)}; pad them (e.g. "
                           f"tinynet.data.text.pad_sequences) or pass a collate_fn")
    dtypes = {t.dtype for t in tensors}
    if len(dtypes) != 1:
        raise TypeError(f"default_collate: the tensors of a batch must share a dtype, but got "
                        f"{sorted(str(d) for d in dtypes)}")
    if any(t.requires_grad for t in tensors):
        from tinynet.ops import stack

        return stack(tensors)
    return Tensor._make(np.stack([t.numpy() for t in tensors]))


def _rebuilt(sample, fields: dict):
    """A mapping of ``sample``'s type holding ``fields``: a copy updated in place when the type is
    mutable (it may carry more than its items), else the type built from a dict, else a dict."""
    try:
        if isinstance(sample, collections.abc.MutableMapping):
            clone = copy.copy(sample)
            clone.update(fields)
            return clone
        return type(sample)(fields)
    except TypeError:
        return fields


def default_collate(batch: list):
    """Merge a list of samples into a batch, with PyTorch's rules.

    Tensors and NumPy arrays of shape S become one tensor of shape (B, *S); Python floats a float64
    tensor (B,), ints an int64 tensor (B,) (float64 if floats are among them), bools a bool tensor,
    NumPy scalars a tensor of their dtype; strings and bytes stay a list; dicts, tuples and lists
    are collated field by field (a tuple or list of fields gives a list of batches, a namedtuple
    keeps its type, a mapping its type). Every sample must have the same type at each place: a
    Tensor in one sample and a NumPy array in another is a TypeError naming both, the sample and the
    field.
    """
    return _collate(batch, "")


def _collate(batch: list, path: str):
    """default_collate on ``batch``, the values at field ``path`` of the samples ("" at the top,
    "[0]['x']" inside), for messages."""
    if not isinstance(batch, collections.abc.Sequence) or isinstance(batch, (str, bytes)):
        raise TypeError(f"default_collate: expected a list of samples, got {_type_name(batch)}")
    if not batch:
        raise ValueError("default_collate: the batch is empty (no samples to merge)")
    first = batch[0]
    if isinstance(first, Tensor):
        _check_same_kind(batch, Tensor, "Tensor", path)
        return _stack(batch)
    if isinstance(first, np.ndarray):
        _check_same_kind(batch, np.ndarray, "numpy.ndarray", path)
        if first.dtype.kind in _NON_NUMERIC_KINDS:
            raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, "
                            f"dicts or lists; found numpy arrays of dtype {first.dtype}")
        return _stack([Tensor._make(np.asarray(a)) for a in batch])
    if isinstance(first, np.generic) and first.dtype.kind not in _NON_NUMERIC_KINDS:
        _check_same_kind(batch, (np.generic, int, float), "NumPy scalar", path)
        return Tensor._make(np.array(batch))
    if isinstance(first, bool):
        return Tensor._make(np.array(batch, dtype=np.bool_))
    if isinstance(first, (int, float)):
        _check_same_kind(batch, (int, float, np.number), type(first).__name__, path)
        integers = all(isinstance(x, (int, np.integer)) for x in batch)
        return Tensor._make(np.array(batch, dtype=np.int64 if integers else np.float64))
    if isinstance(first, (str, bytes)):
        return list(batch)
    if isinstance(first, collections.abc.Mapping):
        _check_same_kind(batch, collections.abc.Mapping, "mapping", path)
        return _rebuilt(first, {key: _collate([sample[key] for sample in batch],
                                              f"{path}[{key!r}]") for key in first})
    if isinstance(first, tuple) and hasattr(first, "_fields"):
        return type(first)(*(_collate(list(field), f"{path}.{name}")
                             for name, field in zip(first._fields, zip(*batch))))
    if isinstance(first, collections.abc.Sequence):
        _check_same_kind(batch, collections.abc.Sequence, type(first).__name__, path)
        if any(len(sample) != len(first) for sample in batch):
            raise RuntimeError("default_collate: each element in list of batch should be of "
                               f"equal size, but got lengths {[len(s) for s in batch]}")
        return [_collate(list(field), f"{path}[{i}]") for i, field in enumerate(zip(*batch))]
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts "
                    f"or lists; found {_type_name(first)}")


def default_convert(data):
    """What a DataLoader without batching (``batch_size=None``) does to each sample: NumPy arrays
    and scalars of numbers become tensors (sharing memory), inside dicts, namedtuples, tuples and
    lists too (a tuple becomes a list, as in PyTorch); anything else is returned as it is."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, (np.ndarray, np.generic)):
        if data.dtype.kind in _NON_NUMERIC_KINDS:
            return data
        return Tensor._make(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        return _rebuilt(data, {key: default_convert(data[key]) for key in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        converted = [default_convert(d) for d in data]
        return converted if isinstance(data, list) else _same_sequence(data, converted)
    return data


def _same_sequence(data, converted: list):
    try:
        return type(data)(converted)
    except TypeError:
        return converted
