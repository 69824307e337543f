"""The safetensors file format, read and written with NumPy alone: no pickle, no code run.

A file is: 8 bytes, the little-endian unsigned length N of the header; N bytes of UTF-8 JSON,
``{name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...}`` with an optional
``"__metadata__"`` dict of strings; then the data, each tensor's bytes little-endian and
row-major at [begin, end) of that buffer, the tensors covering it exactly. The names and
signatures follow ``safetensors.numpy`` (``save_file``, ``load_file``, ``save``, ``load``).

BF16 tensors are read into float32 (NumPy has no bfloat16; every bfloat16 value is exact in
float32); writing accepts the dtypes of ``DTYPES`` only.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping

import numpy as np

DTYPES = {
    "F64": np.float64, "F32": np.float32, "F16": np.float16,
    "I64": np.int64, "I32": np.int32, "I16": np.int16, "I8": np.int8,
    "U64": np.uint64, "U32": np.uint32, "U16": np.uint16, "U8": np.uint8, "BOOL": np.bool_,
}
CODES = {np.dtype(dtype): code for code, dtype in DTYPES.items()}
MAX_HEADER = 100_000_000  # the safetensors library's bound on the header's length


class SafetensorError(ValueError):
    """A file or buffer that is not valid safetensors (the message says what is wrong)."""


def save(tensor_dict: Mapping[str, np.ndarray], metadata: Mapping[str, str] | None = None
         ) -> bytes:
    """The safetensors bytes of ``tensor_dict`` (names to arrays), with ``metadata`` (strings to
    strings) in the header. Tensors are stored in name order, the header padded with spaces
    to a multiple of 8 bytes so that the data is aligned."""
    if not isinstance(tensor_dict, Mapping):
        raise TypeError(f"tensor_dict must map names to arrays, but got "
                        f"{type(tensor_dict).__name__}")
    header, chunks, offset = {}, [], 0
    if metadata is not None:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise TypeError("metadata must map strings to strings")
        header["__metadata__"] = dict(metadata)
    for name in sorted(tensor_dict):
        if not isinstance(name, str) or name == "__metadata__":
            raise ValueError(f"invalid tensor name {name!r}")
        array = np.asarray(tensor_dict[name])
        if array.dtype not in CODES:
            raise ValueError(f"tensor {name!r} has dtype {array.dtype}, which safetensors cannot "
                             f"hold here; the dtypes: {', '.join(str(np.dtype(d)) for d in DTYPES.values())}")
        data = np.asarray(array, dtype=array.dtype.newbyteorder("<")).tobytes(order="C")
        header[name] = {"dtype": CODES[array.dtype], "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-(8 + len(text)) % 8)
    return len(text).to_bytes(8, "little") + text + b"".join(chunks)


def save_file(tensor_dict: Mapping[str, np.ndarray], filename: str | os.PathLike,
              metadata: Mapping[str, str] | None = None) -> None:
    """Write ``save(tensor_dict, metadata)`` to ``filename``."""
    data = save(tensor_dict, metadata)
    with open(filename, "wb") as file:
        file.write(data)


def load(data: bytes) -> dict[str, np.ndarray]:
    """The arrays held by safetensors bytes ``data`` (each a copy, native byte order)."""
    return _parse(bytes(data), "the buffer")[0]


def load_file(filename: str | os.PathLike) -> dict[str, np.ndarray]:
    """The arrays held by the safetensors file ``filename``."""
    with open(filename, "rb") as file:
        return _parse(file.read(), str(filename))[0]


def read_metadata(filename: str | os.PathLike) -> dict[str, str]:
    """The ``__metadata__`` of a safetensors file (empty when it has none)."""
    with open(filename, "rb") as file:
        return _parse(file.read(), str(filename))[1]


def _parse(data: bytes, where: str) -> tuple[dict, dict]:
    if len(data) < 8:
        raise SafetensorError(f"{where} is not safetensors: {len(data)} bytes, fewer than the "
                              "8 of the header length")
    size = int.from_bytes(data[:8], "little")
    if size > MAX_HEADER or 8 + size > len(data):
        raise SafetensorError(f"{where} is not safetensors: a header of {size} bytes does not "
                              f"fit in {len(data)} bytes")
    try:
        header = json.loads(data[8:8 + size].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SafetensorError(f"{where} is not safetensors: its header is not JSON ({error})"
                              ) from None
    if not isinstance(header, dict):
        raise SafetensorError(f"{where}: the header must be a JSON object")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict):
        raise SafetensorError(f"{where}: __metadata__ must be an object of strings")
    buffer = memoryview(data)[8 + size:]
    arrays, spans = {}, []
    for name, info in header.items():
        if not (isinstance(info, dict) and {"dtype", "shape", "data_offsets"} <= set(info)):
            raise SafetensorError(f"{where}: tensor {name!r} needs dtype, shape and data_offsets")
        code, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
        if code == "BF16":
            dtype = np.dtype("<u2")
        elif code in DTYPES:
            dtype = np.dtype(DTYPES[code]).newbyteorder("<")
        else:
            raise SafetensorError(f"{where}: tensor {name!r} has dtype {code!r}, which tinynet "
                                  f"does not read (it reads BF16, {', '.join(DTYPES)})")
        if not (isinstance(shape, list) and all(type(n) is int and n >= 0 for n in shape)):
            raise SafetensorError(f"{where}: tensor {name!r} has an invalid shape {shape!r}")
        if not (isinstance(offsets, list) and len(offsets) == 2
                and all(type(n) is int for n in offsets) and 0 <= offsets[0] <= offsets[1]
                <= len(buffer)):
            raise SafetensorError(f"{where}: tensor {name!r} has data_offsets {offsets!r} "
                                  f"outside the {len(buffer)} bytes of data")
        begin, end = offsets
        if end - begin != math.prod(shape) * dtype.itemsize:
            raise SafetensorError(f"{where}: tensor {name!r} of shape {shape} and dtype {code} "
                                  f"needs {math.prod(shape) * dtype.itemsize} bytes, but its "
                                  f"offsets span {end - begin}")
        array = np.frombuffer(buffer[begin:end], dtype=dtype).reshape(shape)
        if code == "BF16":
            array = (array.astype(np.uint32) << 16).view(np.float32)
        arrays[name] = array.astype(array.dtype.newbyteorder("="), copy=True)
        spans.append((begin, end, name))
    position = 0
    for begin, end, name in sorted(spans):
        if begin != position:
            raise SafetensorError(f"{where}: the data of tensor {name!r} starts at byte {begin}, "
                                  f"not {position} (tensors overlap or leave a gap)")
        position = end
    if position != len(buffer):
        raise SafetensorError(f"{where}: the tensors cover {position} of the {len(buffer)} bytes "
                              "of data")
    return arrays, metadata
