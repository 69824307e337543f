"""Devices: tinynet computes on the CPU, and speaks PyTorch's device vocabulary so that PyTorch
code runs unchanged.

``tinynet.device("cpu")`` is the one device a tensor can live on. A device object for any other
type PyTorch knows (``"cuda"``, ``"cuda:0"``, ``"mps"``, ``"meta"``, ``"xla"`` ...) can be built, as
in a PyTorch build without that backend, but placing a tensor there (``x.to("cuda")``,
``torch.zeros(2, device="cuda")``, ``model.cuda()``) raises an error that names the device and
says that tinynet runs on the CPU only. Code that picks its device with
``"cuda" if torch.cuda.is_available() else "cpu"`` therefore picks the CPU.
"""

from __future__ import annotations

import builtins

from tinynet.errors import CPUOnlyError

# The device types PyTorch's parser accepts; any other name is not a device at all.
_KNOWN_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve",
                "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
                "privateuseone")


class device:  # noqa: N801 - PyTorch's name
    """A device: ``device("cpu")``, ``device("cuda:1")``, ``device("cuda", 1)`` or a device.

    ``type`` is the device type and ``index`` its number (None when not given). It prints as
    PyTorch's does: ``repr`` gives ``device(type='cpu')`` and ``str`` gives ``cpu``. As in PyTorch,
    a device equals another device of the same type and index, not a string (compare
    ``x.device.type == "cpu"``). Used as a context manager, ``device("cpu")`` does nothing (every
    tensor is made on the CPU) and any other device is refused.
    """

    __slots__ = ("_type", "_index")

    def __init__(self, type, index: int | None = None):  # noqa: A002 - PyTorch's name
        if isinstance(type, device):
            if index is not None:
                raise TypeError("device(device, index): the index is given by the device already")
            self._type, self._index = type.type, type.index
            return
        if isinstance(type, int) and not isinstance(type, bool):
            raise CPUOnlyError(f"device({type}) names the accelerator device {type}; tinynet "
                               "runs on the CPU only (use device('cpu'))")
        if not isinstance(type, str):
            raise TypeError(f"device(): expected a string such as 'cpu', got "
                            f"{builtins.type(type).__name__}")
        name, colon, number = type.partition(":")
        if name not in _KNOWN_TYPES:
            raise RuntimeError(f"device {type!r}: expected one of {', '.join(_KNOWN_TYPES)} "
                               "at the start of the device string")
        if colon:
            if index is not None:
                raise RuntimeError(f"device({type!r}, {index}): the type string already names "
                                   "an index")
            if not number.isdigit():
                raise RuntimeError(f"device {type!r}: the index after ':' must be a "
                                   "non-negative integer")
            index = int(number)
        if index is not None:
            if isinstance(index, bool) or not isinstance(index, int) or index < 0:
                raise RuntimeError(f"device index must be a non-negative integer, got {index!r}")
        self._type, self._index = name, index

    @property
    def type(self) -> str:  # noqa: A003
        return self._type

    @property
    def index(self) -> int | None:
        return self._index

    def __str__(self) -> str:
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __repr__(self) -> str:
        if self._index is None:
            return f"device(type='{self._type}')"
        return f"device(type='{self._type}', index={self._index})"

    def __eq__(self, other) -> bool:
        if not isinstance(other, device):
            return NotImplemented
        return (self._type, self._index) == (other._type, other._index)

    def __hash__(self) -> int:
        return hash((self._type, self._index))

    def __reduce__(self):
        return (device, (self._type, self._index))

    def __enter__(self) -> device:
        check_device(self)
        return self

    def __exit__(self, *exc_info) -> None:
        return None


CPU = device("cpu")


def as_device(value) -> device:
    """The device named by ``value`` (a device, a string such as ``"cpu"``, or None for the CPU),
    refusing any device but the CPU."""
    if value is None:
        return CPU
    check_device(value)
    return CPU


def check_device(value) -> None:
    """Raise ``CPUOnlyError`` unless ``value`` names the CPU (``"cpu"``, ``"cpu:0"``, a cpu
    device); None stands for the default device, the CPU."""
    if value is None:
        return
    if isinstance(value, str) or isinstance(value, int) and not isinstance(value, bool):
        value = device(value)
    if not isinstance(value, device):
        raise TypeError(f"expected a device (such as 'cpu' or tinynet.device('cpu')), got "
                        f"{builtins.type(value).__name__}")
    if value.type != "cpu":
        raise CPUOnlyError(f"device '{value}' is not available: tinynet runs on the CPU only "
                           "(use 'cpu'; torch.cuda.is_available() is False here)")


def is_device_like(value) -> bool:
    """Whether ``value`` is meant as a device: a device, or a string naming a known device type."""
    if isinstance(value, device):
        return True
    return isinstance(value, str) and value.partition(":")[0] in _KNOWN_TYPES


def get_default_device() -> device:
    """The device new tensors are made on: always ``device(type='cpu')``."""
    return CPU


def set_default_device(device) -> None:  # noqa: A002 - PyTorch's argument name
    """Accept ``"cpu"`` (or None), the only device tinynet has; refuse any other device."""
    check_device(device)


class layout:  # noqa: N801 - PyTorch's name
    """A memory layout; tinynet's tensors are dense NumPy arrays, so ``strided`` is the only one."""

    __slots__ = ("_name",)

    def __init__(self, name: str):
        self._name = name

    def __repr__(self) -> str:
        return f"tinynet.{self._name}"


strided = layout("strided")


def check_layout(value) -> None:
    if value is not None and value is not strided and str(value) not in ("torch.strided",
                                                                          "strided"):
        raise RuntimeError(f"layout {value}: tinynet has dense (strided) tensors only")
