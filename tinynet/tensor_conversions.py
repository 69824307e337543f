"""The conversion methods of Tensor: device and dtype moves (``to``, ``cpu``, ``double`` ...),
leaving tinynet (``numpy``, ``item``, ``tolist``, ``float(t)``, format specs) and the questions a
tensor answers about its storage (``device``, ``element_size``, ``dim`` ...).

Kept apart from tensor.py (the data and autograd state) and tensor_methods.py (the ops);
``Tensor`` inherits them.
"""

from __future__ import annotations

import numpy as np

from tinynet import dtypes
from tinynet.device import CPU, CPUOnlyError, check_device, is_device_like


def _parse_to(args, kwargs):
    """(device, dtype, copy) from the argument forms of ``Tensor.to``: ``to(dtype)``,
    ``to(device, dtype)``, ``to(other)``, each followed by ``non_blocking`` and ``copy``, and
    their keyword forms."""
    from tinynet.tensor import Tensor

    device = kwargs.pop("device", None)
    dtype = kwargs.pop("dtype", None)
    kwargs.pop("non_blocking", None)  # transfers are synchronous on the CPU: nothing to wait for
    copy = kwargs.pop("copy", False)
    kwargs.pop("memory_format", None)  # tinynet's tensors are dense and row-major
    if kwargs:
        raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
    args = list(args)
    if args and isinstance(args[0], Tensor):
        other = args.pop(0)
        device, dtype = CPU, other.dtype
    elif args and (is_device_like(args[0])
                   or isinstance(args[0], int) and not isinstance(args[0], bool)):
        device = args.pop(0)
        if args and not isinstance(args[0], bool):
            dtype = args.pop(0)
    elif args and args[0] is not None and not isinstance(args[0], bool):
        dtype = args.pop(0)
    if args:  # non_blocking, then copy
        args.pop(0)
    if args:
        copy = args.pop(0)
    if args:
        raise TypeError(f"to() got {len(args)} positional arguments too many")
    check_device(device)
    if dtype is not None:
        try:
            dtypes.as_dtype(dtype)
        except TypeError:
            raise TypeError(f"to(): {dtype!r} is neither a device (such as 'cpu') nor a dtype "
                            "(such as tinynet.float64)") from None
    return dtype, bool(copy)


class ConversionError(ValueError, RuntimeError):
    """A tensor of several elements asked for one number (PyTorch raises RuntimeError)."""


class TensorConversions:
    __slots__ = ()

    # Devices -----------------------------------------------------------------------------------
    @property
    def device(self):
        """``device(type='cpu')``: every tinynet tensor lives on the CPU."""
        return CPU

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def is_cpu(self) -> bool:
        return True

    @property
    def is_meta(self) -> bool:
        return False

    def get_device(self) -> int:
        """-1, PyTorch's answer for a CPU tensor."""
        return -1

    def to(self, *args, **kwargs):
        """This tensor on ``device`` in ``dtype``: ``to(dtype)``, ``to(device)``,
        ``to(device, dtype)``, ``to(other)`` (other's dtype and device), each taking
        ``non_blocking`` and ``copy``. It is the tensor itself when nothing changes (unless
        ``copy=True``); a dtype change between floats is differentiable. Only the CPU is a
        device here (``"cuda"`` and the other devices are refused by name); ``non_blocking`` has
        nothing to overlap on the CPU and is accepted."""
        from tinynet.ops.cast import cast

        dtype, copy = _parse_to(args, dict(kwargs))
        result = self if dtype is None else cast(self, dtypes.as_dtype(dtype))
        return result.clone() if copy and result is self else result

    def cpu(self, memory_format=None):
        """The tensor itself: it is on the CPU already."""
        return self

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        """Refused: tinynet runs on the CPU only."""
        raise CPUOnlyError("cuda(): tinynet runs on the CPU only (no CUDA device); keep the "
                           "tensor where it is, or use .to(device) with device 'cpu'")

    # Dtypes ------------------------------------------------------------------------------------
    def type(self, dtype=None, non_blocking=False, **kwargs):
        """With no argument, the legacy type name: ``'tinynet.FloatTensor'`` for float32
        (PyTorch writes ``'torch.FloatTensor'``). With a dtype, a legacy type or its name
        (``'torch.LongTensor'`` or ``'tinynet.LongTensor'``), the tensor in that dtype."""
        if dtype is None:
            return "tinynet." + dtypes.legacy_type_name(self.dtype)
        if isinstance(dtype, str) and dtypes.dtype_of_legacy_name(dtype) is not None:
            dtype = dtypes.dtype_of_legacy_name(dtype)
        elif hasattr(dtype, "dtype") and isinstance(dtype, type):  # FloatTensor and friends
            dtype = dtype.dtype
        return self.to(dtypes.as_dtype(dtype))

    def float(self, memory_format=None):
        return self.to(dtypes.float32)

    def double(self, memory_format=None):
        return self.to(dtypes.float64)

    def half(self, memory_format=None):
        return self.to(dtypes.float16)

    def long(self, memory_format=None):
        return self.to(dtypes.int64)

    def int(self, memory_format=None):
        return self.to(dtypes.int32)

    def short(self, memory_format=None):
        return self.to(dtypes.int16)

    def char(self, memory_format=None):
        return self.to(dtypes.int8)

    def byte(self, memory_format=None):
        return self.to(dtypes.uint8)

    def bool(self, memory_format=None):
        return self.to(dtypes.bool)

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def element_size(self) -> int:
        """Bytes per element (4 for float32)."""
        return self._data.itemsize

    def data_ptr(self) -> int:
        """The address of the first element (as NumPy reports it)."""
        return self._data.__array_interface__["data"][0]

    # Shape questions ---------------------------------------------------------------------------
    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    def numel(self) -> int:
        return self._data.size

    nelement = numel

    # Leaving tinynet ---------------------------------------------------------------------------
    def numpy(self, *, force=False) -> np.ndarray:
        """The underlying array, not a copy (writes show through, as in PyTorch). Refused for a
        tensor that requires grad, whose values the graph may still need, unless ``force=True``
        (which is ``detach().numpy()``, sharing memory as PyTorch's does on the CPU)."""
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        return self._data

    def item(self):
        """The single element as a Python number."""
        if self._data.size != 1:
            raise ConversionError(f"a Tensor with {self._data.size} elements cannot be "
                                  f"converted to Scalar (only one element tensors can be "
                                  f"converted to Python scalars; this one has shape "
                                  f"{list(self._data.shape)})")
        return self._data.item()

    def tolist(self):
        """The values as (nested) Python lists of Python numbers; a number for a 0-d tensor."""
        return self._data.tolist()

    def _one_element(self, what: str):
        if self._data.size != 1:
            raise ValueError(f"only one element tensors can be converted to Python scalars "
                             f"({what} of a tensor of shape {list(self._data.shape)})")
        return self._data.item()

    def __float__(self) -> float:
        return float(self._one_element("float()"))

    def __int__(self) -> int:
        return int(self._one_element("int()"))

    def __complex__(self) -> complex:
        return complex(self._one_element("complex()"))

    def __format__(self, format_spec: str) -> str:
        """A 0-d tensor formats as its number (``f"{loss:.4f}"``); any other tensor only with an
        empty spec, as its print."""
        if self._data.ndim == 0:
            return format(self._data.item(), format_spec)
        if format_spec:
            raise TypeError(f"unsupported format string {format_spec!r} passed to "
                            f"Tensor.__format__ (a tensor of shape {list(self._data.shape)}; "
                            "only 0-d tensors take a format spec: use .item())")
        return str(self)
