"""Saving and loading a Module's state: which tensors ``state_dict`` holds, and how
``load_state_dict`` checks a whole checkpoint before it writes anything."""

from __future__ import annotations

import itertools
from collections import namedtuple

import numpy as np

from tinynet.tensor import Tensor

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


def load_into(module, state_dict, strict: bool = True) -> IncompatibleKeys:
    """``module.load_state_dict(state_dict, strict)``: see there."""
    targets = module.state_dict(keep_vars=True)
    missing = [key for key in targets if key not in state_dict]
    unexpected = [key for key in state_dict if key not in targets]
    problems = []
    for key, target in targets.items():
        if key in state_dict:
            problem = _load_problem(state_dict[key], target)
            if problem:
                problems.append(f"{key}: {problem}")
    if problems or (strict and (missing or unexpected)):
        lines = [f"Error(s) in loading state_dict for {type(module).__name__}:"]
        if missing:
            lines.append("Missing key(s): " + ", ".join(repr(k) for k in missing))
        if unexpected:
            lines.append("Unexpected key(s): " + ", ".join(repr(k) for k in unexpected))
        lines += ["Mismatched " + problem for problem in problems]
        raise RuntimeError("\n\t".join(lines))
    for key, target in targets.items():
        if key in state_dict:
            np.copyto(target._data, _array_of(state_dict[key]), casting="unsafe")
            target._version += 1
    return IncompatibleKeys(missing, unexpected)


def saved_members(module):
    """What ``state_dict`` saves of one module: its parameters, then its persistent buffers."""
    buffers = (
        (name, buffer)
        for name, buffer in module._buffers.items()
        if name not in module._non_persistent_buffers
    )
    return itertools.chain(module._parameters.items(), buffers)


def _array_of(value) -> np.ndarray | None:
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, (np.ndarray, np.generic)):
        return np.asarray(value)
    return None


def _load_problem(value, target: Tensor) -> str | None:
    """Why ``value`` cannot be copied into ``target``, or None if it can."""
    array = _array_of(value)
    if array is None:
        return f"expected a Tensor or an array, got {type(value).__name__}"
    if array.shape != target.shape:
        return f"shape {list(array.shape)} in the checkpoint, {list(target.shape)} in the model"
    if not np.can_cast(array.dtype, target.dtype, casting="same_kind"):
        return f"dtype {array.dtype} in the checkpoint cannot be cast to {target.dtype}"
    return None
