"""How a tensor prints: PyTorch's format, computed on the NumPy array.

``tensor([[0.1000, 0.2000], ...])``: floats with ``precision`` digits (4), right-aligned to the
widest value; floats that are all whole numbers as ``1.``; scientific notation when the nonzero
magnitudes span more than 1000x, exceed 1e8 or fall under 1e-4; rows wrapped at ``linewidth``
(80) characters; tensors of more than ``threshold`` (1000) elements summarised with ``...``
keeping ``edgeitems`` (3) at each end of every dimension. Then the suffixes: ``dtype=`` when the
dtype is not the default float dtype, int64 or bool (and always for an empty tensor that is not of
the default float dtype), ``size=`` for an empty tensor that is not 1-d, and ``grad_fn=<...>`` or
``requires_grad=True``.

Differences from PyTorch, on purpose: dtypes print as ``tinynet.float64`` (tinynet names itself);
graph nodes print under tinynet's names, ``<MulBackward>`` where PyTorch prints
``<MulBackward0>`` (PyTorch's digit numbers the overloads of its generated code, which tinynet
does not have).
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import asdict, dataclass

import numpy as np

from tinynet import dtypes


@dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = _PrintOptions()
_PROFILES = {"default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80),
             "full": (4, math.inf, 3, 80)}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None) -> None:
    """Set how tensors print (PyTorch's options and meanings).

    ``precision``: digits after the decimal point; ``threshold``: number of elements above which
    a tensor is summarised; ``edgeitems``: items kept at each end when summarising;
    ``linewidth``: characters per line; ``profile``: "default", "short" or "full" (never
    summarise), applied first; ``sci_mode``: True or False forces scientific notation on or off,
    None (the default) chooses it from the values. The options are tinynet's own (NumPy's are not
    touched) and last until changed.
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {sorted(_PROFILES)}, "
                             f"got {profile!r}")
        (PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems,
         PRINT_OPTS.linewidth) = _PROFILES[profile]
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict:
    """The current print options as a dict (the keyword names of ``set_printoptions``)."""
    return asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Print with ``kwargs`` (as ``set_printoptions``) inside a ``with`` block, then restore."""
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**saved)


class _Formatter:
    """The width and notation shared by every element of one tensor (PyTorch's rules)."""

    def __init__(self, values: np.ndarray):
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = values.reshape(-1)
        precision = PRINT_OPTS.precision
        if not self.floating:
            for value in flat.tolist():
                self.max_width = max(self.max_width, len(str(value)))
            return
        finite = flat[np.isfinite(flat) & (flat != 0)].astype(np.float64)
        if finite.size == 0:
            return
        magnitudes = np.abs(finite)
        smallest, largest = magnitudes.min(), magnitudes.max()
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = bool(largest / smallest > 1000.0 or largest > 1.0e8
                                 or smallest < 1.0e-4)
        else:
            self.sci_mode = PRINT_OPTS.sci_mode
        for value in finite.tolist():
            if self.sci_mode:
                width = len(f"{value:.{precision}e}")
            elif self.int_mode:
                width = len(f"{value:.0f}") + 1
            else:
                width = len(f"{value:.{precision}f}")
            self.max_width = max(self.max_width, width)

    def format(self, value) -> str:
        precision = PRINT_OPTS.precision
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.max_width}.{precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if not (math.isinf(value) or math.isnan(value)):
                text += "."
        else:
            text = f"{value:.{precision}f}"
        return " " * (self.max_width - len(text)) + text


def _summarized(array: np.ndarray) -> np.ndarray:
    """The elements that a summarised print shows (the ends of every dimension)."""
    edge = PRINT_OPTS.edgeitems
    if array.ndim == 0:
        return array
    if array.ndim > 1 and not edge:
        return array.reshape((0,) * array.ndim)
    if array.shape[0] > 2 * edge:
        array = np.concatenate([array[:edge], array[-edge:]])
    if array.ndim == 1:
        return array
    return np.stack([_summarized(row) for row in array])


def _vector(array, indent, summarize, formatter) -> str:
    element_length = formatter.max_width + 2
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / element_length))
    edge = PRINT_OPTS.edgeitems
    if summarize and not edge:
        data = ["..."]
    elif summarize and array.shape[0] > 2 * edge:
        data = ([formatter.format(v) for v in array[:edge].tolist()] + [" ..."]
                + [formatter.format(v) for v in array[-edge:].tolist()])
    else:
        data = [formatter.format(v) for v in array.tolist()]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(array, indent, summarize, formatter) -> str:
    if array.ndim == 0:
        return formatter.format(array.item())
    if array.ndim == 1:
        return _vector(array, indent, summarize, formatter)
    edge = PRINT_OPTS.edgeitems
    if summarize and array.shape[0] > 2 * edge:
        rows = ([_nested(array[i], indent + 1, summarize, formatter) for i in range(edge)]
                + ["..."]
                + [_nested(array[i], indent + 1, summarize, formatter)
                   for i in range(len(array) - edge, len(array))])
    else:
        rows = [_nested(row, indent + 1, summarize, formatter) for row in array]
    return "[" + ("," + "\n" * (array.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def array_str(array: np.ndarray, indent: int) -> str:
    """The bracketed body of a tensor's print (what follows ``tensor(``)."""
    if array.size == 0:
        return "[]"
    summarize = array.size > PRINT_OPTS.threshold
    formatter = _Formatter(_summarized(array) if summarize else array)
    return _nested(array, indent, summarize, formatter)


def _with_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    pieces = [text]
    last_line_length = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_length + len(suffix) + 2 > PRINT_OPTS.linewidth:
            pieces.append(",\n" + " " * indent + suffix)
            last_line_length = indent + len(suffix)
        else:
            pieces.append(", " + suffix)
            last_line_length += len(suffix) + 2
    pieces.append(")")
    return "".join(pieces)


def tensor_repr(tensor, prefix: str = "tensor(") -> str:
    """``repr(tensor)`` as PyTorch writes it (see the module docstring)."""
    array = tensor._data
    indent = len(prefix)
    suffixes = []
    default = dtypes.default_float_dtype
    if array.size == 0:
        if array.ndim != 1:
            suffixes.append(f"size={tuple(array.shape)}")
        if array.dtype != default:
            suffixes.append(f"dtype={dtypes.dtype_name(array.dtype)}")
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(f"size={tuple(array.shape)}")
        if array.dtype not in (default, dtypes.int64, dtypes.bool):
            suffixes.append(f"dtype={dtypes.dtype_name(array.dtype)}")
    body = array_str(array, indent)
    if tensor.grad_fn is not None:
        suffixes.append(f"grad_fn=<{tensor.grad_fn.name()}>")
    elif tensor.requires_grad:
        suffixes.append("requires_grad=True")
    return _with_suffixes(prefix + body, suffixes, indent)
