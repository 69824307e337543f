"""Data types: tinynet's dtypes are NumPy dtype objects, named as in PyTorch.

``tinynet.float32 == np.dtype("float32")``, so a dtype can be handed to NumPy unchanged.
Inference follows PyTorch: Python floats (and lists of them) become float32, Python ints int64,
Python bools bool, and a NumPy array keeps its dtype.
"""

from __future__ import annotations

import builtins

import numpy as np

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
float16 = np.dtype(np.float16)
int8 = np.dtype(np.int8)
int16 = np.dtype(np.int16)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
bool = np.dtype(np.bool_)  # noqa: A001 - PyTorch's name

float = float32  # noqa: A001 - torch.float is float32
double = float64
long = int64
half = float16
short = int16
int = int32  # noqa: A001 - torch.int is int32

default_float_dtype = float32

_BY_NAME = {
    "float32": float32, "float": float32, "float64": float64, "double": float64,
    "float16": float16, "half": float16, "int32": int32, "int": int32, "int64": int64,
    "long": int64, "uint8": uint8, "bool": bool, "int8": int8, "int16": int16, "short": int16,
}


def as_dtype(dtype) -> np.dtype:
    """The NumPy dtype for ``dtype`` given as a tinynet/NumPy dtype, a name, or a Python type."""
    if isinstance(dtype, np.dtype):
        return dtype
    if isinstance(dtype, str):
        name = dtype.removeprefix("tinynet.").removeprefix("torch.")
        if name not in _BY_NAME:
            raise TypeError(f"unknown dtype {dtype!r}; expected one of {sorted(_BY_NAME)}")
        return _BY_NAME[name]
    if dtype is builtins.float:
        return default_float_dtype
    if dtype is builtins.bool:
        return bool
    if dtype is builtins.int:
        return int64
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"unknown dtype {dtype!r}") from None



def is_floating(dtype: np.dtype) -> bool:
    return dtype.kind == "f"


def dtype_name(dtype: np.dtype) -> str:
    """'tinynet.float32' for float32, as PyTorch prints 'torch.float32'."""
    return f"tinynet.{dtype.name if dtype != bool else 'bool'}"


def promote_types(a: np.dtype, b: np.dtype) -> np.dtype:
    """The result dtype of a binary op between tensors, as in PyTorch: floats win over integers
    (int64 with float32 gives float32, unlike NumPy's float64); otherwise the wider type."""
    if a == b:
        return a
    if is_floating(a) and not is_floating(b):
        return a
    if is_floating(b) and not is_floating(a):
        return b
    return np.promote_types(a, b)


def scalar_result_dtype(tensor_dtype: np.dtype, scalar) -> np.dtype:
    """The result dtype of an op between a tensor and a Python scalar (PyTorch: a scalar never
    widens a tensor of its own kind; a float scalar turns an integer tensor into float32)."""
    if isinstance(scalar, (builtins.float, np.floating)) and not is_floating(tensor_dtype):
        return default_float_dtype
    if (isinstance(scalar, (builtins.int, np.integer))
            and not isinstance(scalar, (builtins.bool, np.bool_))):
        if tensor_dtype == bool:
            return int64
    return tensor_dtype


def get_default_dtype() -> np.dtype:
    """The dtype of float tensors made from Python numbers and of the float creation functions
    (``zeros``, ``rand`` ...): float32 unless ``set_default_dtype`` changed it."""
    return default_float_dtype


def set_default_dtype(d, /) -> None:
    """Make ``d`` (float32, float64 or float16) the default float dtype, as PyTorch's
    ``set_default_dtype``: tensors made from Python floats and the float creation functions use it
    from then on. Integer dtypes are refused. This is state of the process, changed only here."""
    global default_float_dtype
    dtype = as_dtype(d)
    if dtype.kind != "f":
        raise TypeError(f"only floating-point types are supported as the default type, got "
                        f"{dtype_name(dtype)}")
    default_float_dtype = dtype


_LEGACY_NAMES = {float32: "FloatTensor", float64: "DoubleTensor", float16: "HalfTensor",
                 int64: "LongTensor", int32: "IntTensor", int16: "ShortTensor",
                 int8: "CharTensor", uint8: "ByteTensor", bool: "BoolTensor"}


def legacy_type_name(dtype: np.dtype) -> str:
    """'FloatTensor' for float32, 'LongTensor' for int64 ... (PyTorch's legacy tensor types)."""
    return _LEGACY_NAMES[dtype]


def dtype_of_legacy_name(name: str) -> np.dtype | None:
    """float32 for 'torch.FloatTensor', 'tinynet.FloatTensor' or 'FloatTensor'; None otherwise."""
    name = name.removeprefix("tinynet.").removeprefix("torch.")
    for dtype, legacy in _LEGACY_NAMES.items():
        if legacy == name:
            return dtype
    return None
