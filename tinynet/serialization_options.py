"""The arguments of ``torch.save``/``torch.load`` that tinynet's checkpoints accept, checked.

tinynet's checkpoint format (see ``tinynet.serialization``) has no pickles and no devices, so most
of these arguments have nothing to configure: the ones whose meaning carries over are honoured,
the ones that change nothing are accepted and documented, and the ones that cannot be honoured
(a device other than the CPU, a pickle module other than the standard one) are refused with a
message that says why.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

# What torch.load passes on to pickle's Unpickler; tinynet never unpickles, so they change nothing.
UNPICKLER_ARGUMENTS = frozenset({"encoding", "errors", "fix_imports", "buffers"})


def check_pickle_module(pickle_module: Any, caller: str) -> None:
    """Accept None or the standard ``pickle`` module (PyTorch's defaults); refuse any other
    (dill, cloudpickle, ...): tinynet's checkpoints are never pickled, so another module could
    not be used as the caller expects."""
    if pickle_module is None or pickle_module is pickle:
        return
    name = getattr(pickle_module, "__name__", type(pickle_module).__name__)
    raise ValueError(
        f"tinynet.{caller}: pickle_module={name} is not supported: tinynet's checkpoints hold "
        "arrays and JSON, never pickles, so no pickle module is used (leave pickle_module at its "
        "default)"
    )


def check_save_options(pickle_module, pickle_protocol, use_new_zipfile, disable_byteorder) -> None:
    """``pickle_protocol`` (an int), ``_use_new_zipfile_serialization`` and
    ``_disable_byteorder_record`` (bools) are accepted and change nothing: the file is always
    tinynet's zip of .npy members, which record their byte order."""
    check_pickle_module(pickle_module, "save")
    if not isinstance(pickle_protocol, int) or isinstance(pickle_protocol, bool):
        raise TypeError(f"tinynet.save: pickle_protocol must be an int, got {pickle_protocol!r}")
    for name, value in (("_use_new_zipfile_serialization", use_new_zipfile),
                        ("_disable_byteorder_record", disable_byteorder)):
        if not isinstance(value, bool):
            raise TypeError(f"tinynet.save: {name} must be True or False, got {value!r}")


def check_load_options(pickle_module, weights_only, mmap, pickle_load_args: dict,
                       is_path: bool) -> None:
    """``weights_only`` (None, True, False) is accepted whatever its value: tinynet's loader
    never runs code from a file, which is what ``weights_only=True`` asks of PyTorch's.
    ``mmap`` (None, True, False) is accepted for a path (as in PyTorch, not for a file object);
    the arrays are read into memory either way, with the same values. The Unpickler's keyword
    arguments (``encoding``, ...) are accepted and change nothing; any other keyword is refused."""
    check_pickle_module(pickle_module, "load")
    for name, value in (("weights_only", weights_only), ("mmap", mmap)):
        if value is not None and not isinstance(value, bool):
            raise TypeError(f"tinynet.load: {name} must be None, True or False, got {value!r}")
    if mmap and not is_path:
        raise ValueError("tinynet.load: f must be a file path in order to use the mmap argument")
    unknown = sorted(set(pickle_load_args) - UNPICKLER_ARGUMENTS)
    if unknown:
        raise TypeError(
            f"tinynet.load got unexpected keyword argument(s) {', '.join(unknown)} (it takes "
            f"map_location, pickle_module, weights_only, mmap, max_expanded_bytes and the "
            f"Unpickler's {', '.join(sorted(UNPICKLER_ARGUMENTS))})"
        )


def _check_device(device: Any, where: str) -> None:
    """Accept "cpu", "cpu:N" or a device object whose type is cpu; refuse any other device."""
    name = device if isinstance(device, str) else str(device)
    if not isinstance(device, str) and not hasattr(device, "type"):
        raise TypeError(
            f"tinynet.load: {where} must be a device name or a device, got "
            f"{type(device).__name__}"
        )
    if name.split(":")[0] != "cpu":
        raise RuntimeError(
            f"tinynet.load: {where}={name!r} cannot be honoured: tinynet runs on the CPU only, "
            "so tensors are always loaded to 'cpu' (pass map_location='cpu', or leave it out)"
        )


def tensor_mapper(map_location: Any) -> Callable | None:
    """What ``map_location`` asks of the loaded tensors, checked: None for nothing to do (None,
    a CPU device, a dict mapping locations to CPU devices), or the user's callable, called as
    ``map_location(tensor, "cpu")`` for each loaded tensor (PyTorch calls it with each storage
    and its location; every location here is "cpu"), whose result replaces the tensor."""
    if map_location is None:
        return None
    if isinstance(map_location, dict):
        for source, target in map_location.items():
            _check_device(target, f"map_location[{source!r}]")
        return None
    if isinstance(map_location, str) or hasattr(map_location, "type"):
        _check_device(map_location, "map_location")
        return None
    if callable(map_location):
        return map_location
    raise TypeError(
        "tinynet.load: map_location must be None, a device name, a device, a dict or a "
        f"callable, got {type(map_location).__name__}"
    )
