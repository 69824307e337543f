"""Size: the type of ``Tensor.shape`` and ``Tensor.size()``, a tuple of ints as PyTorch's
``torch.Size``.

It is a ``tuple`` subclass, so everything a tuple does works (indexing, unpacking, ``==`` with a
tuple, ``len``, passing it to NumPy); slicing it or adding a tuple to it gives a Size again, and
``numel()`` is the product of the sizes. It prints as ``tinynet.Size([2, 3])``: PyTorch prints
``torch.Size([2, 3])``, and tinynet names itself, as it does in ``dtype=tinynet.float64``.
"""

from __future__ import annotations

import math
import operator


class Size(tuple):
    """``Size(iterable_of_ints)``: the sizes of a tensor's dimensions."""

    __slots__ = ()

    def __new__(cls, sizes=()):
        values = []
        for position, value in enumerate(sizes):
            try:
                values.append(operator.index(value))
            except TypeError:
                raise TypeError(f"Size() takes an iterable of 'int' (item {position} is "
                                f"'{type(value).__name__}')") from None
        return super().__new__(cls, values)

    def numel(self) -> int:
        """The number of elements of a tensor of this size (1 for ``Size([])``)."""
        return math.prod(self)

    def __getitem__(self, key):
        result = super().__getitem__(key)
        return tuple.__new__(Size, result) if isinstance(key, slice) else result

    def __add__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(self, other))

    def __repr__(self) -> str:
        return f"tinynet.Size({list(self)})"

    __str__ = __repr__

    def __reduce__(self):
        return (Size, (tuple(self),))


def shape_of(array) -> Size:
    """The Size of a NumPy array's shape (its entries are ints already, so no check)."""
    return tuple.__new__(Size, array.shape)
