"""PyTorch's legacy tensor types, still found in tutorials: ``FloatTensor``, ``DoubleTensor``,
``HalfTensor``, ``LongTensor``, ``IntTensor``, ``ShortTensor``, ``CharTensor``, ``ByteTensor``,
``BoolTensor``.

Each is called as the legacy constructor ``Tensor(...)`` is, with its own dtype:
``LongTensor([1, 2])`` is int64, ``FloatTensor(2, 3)`` a 2x3 float32 tensor (of zeros, where
PyTorch leaves the memory uninitialised), ``FloatTensor()`` empty. ``isinstance(x, FloatTensor)``
is True for a float32 tensor, as in PyTorch. They are not subclasses: what they make is a plain
``Tensor``.
"""

from __future__ import annotations

from tinynet import dtypes
from tinynet.device import check_device
from tinynet.tensor import Tensor, _legacy_array


class _LegacyTensorType(type):
    """The metaclass that makes ``FloatTensor(...)`` build a Tensor and ``isinstance`` check
    the dtype."""

    def __call__(cls, *args, device=None):
        check_device(device)
        array = _legacy_array(args, cls.dtype)
        if array is None:  # FloatTensor(other): other's data, which must have this dtype
            other = args[0]
            if other.dtype != cls.dtype:
                raise TypeError(f"{cls.__name__}(tensor): expected a tensor of dtype "
                                f"{dtypes.dtype_name(cls.dtype)}, got "
                                f"{dtypes.dtype_name(other.dtype)} (use .to(dtype))")
            result = Tensor._make(other._data)
            result._version_counter = other._version_counter
            return result
        return Tensor._make(array)

    def __instancecheck__(cls, instance) -> bool:
        return isinstance(instance, Tensor) and instance.dtype == cls.dtype

    def __repr__(cls) -> str:
        return f"<class 'tinynet.{cls.__name__}'>"


def _legacy_type(name: str, dtype):
    return _LegacyTensorType(name, (), {"dtype": dtype, "__module__": "tinynet",
                                        "__doc__": f"Tensors of dtype {dtypes.dtype_name(dtype)} "
                                                   "(see tinynet.legacy)."})


FloatTensor = _legacy_type("FloatTensor", dtypes.float32)
DoubleTensor = _legacy_type("DoubleTensor", dtypes.float64)
HalfTensor = _legacy_type("HalfTensor", dtypes.float16)
LongTensor = _legacy_type("LongTensor", dtypes.int64)
IntTensor = _legacy_type("IntTensor", dtypes.int32)
ShortTensor = _legacy_type("ShortTensor", dtypes.int16)
CharTensor = _legacy_type("CharTensor", dtypes.int8)
ByteTensor = _legacy_type("ByteTensor", dtypes.uint8)
BoolTensor = _legacy_type("BoolTensor", dtypes.bool)
