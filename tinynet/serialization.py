"""tinynet.save / tinynet.load: checkpoints that cannot carry code.

A checkpoint is a NumPy ``.npz`` (a zip of ``.npy`` arrays): every tensor or array is one member,
and one more member, ``__tinynet_structure__``, holds the nesting (dicts, lists, tuples, numbers,
strings, None) as JSON that names the array members. Loading uses ``np.load(allow_pickle=False)``
and ``json``, neither of which can run code, so a file crafted with a pickle inside is refused,
not executed (``torch.load`` without ``weights_only=True`` would unpickle it).

Saving is atomic: the file is written under a temporary name in the same folder
(``.NAME.PID.XXXX.tmp``), flushed to disk (fsync), then renamed over the target (``os.replace``),
so a crash or error mid-save leaves the previous checkpoint intact; the next save to the same path
removes the temporary files of saves whose process is gone (POSIX). Saving through a symbolic
link writes to the file it points to, as ``open(path, "wb")`` does.

``f`` may also be a binary file object (``io.BytesIO``, a file opened with "wb" or "rb"), as with
PyTorch: ``save`` writes the whole checkpoint with one ``f.write`` (there is no atomic rename for a
stream), ``load`` reads from the current position to the end. PyTorch's other arguments are
accepted as ``tinynet.serialization_options`` describes: ``weights_only`` whatever its value (this
loader never runs code from a file), ``map_location`` for the CPU (another device is refused),
``pickle_module`` only as the standard one.

Loading refuses a file whose compressed members would expand to more than ``max_expanded_bytes``
(default ``MAX_EXPANDED_BYTES``, 256 MiB; ``tinynet.save`` writes uncompressed members, which
this does not count): the sizes are read from the zip directory before anything is inflated, so
a small file that would inflate to gigabytes costs nothing to refuse.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import tempfile
import zipfile
from typing import Any

import numpy as np

from tinynet.atomic_file import file_mode, remove_stale_temporaries, sync_folder
from tinynet.serialization_options import (
    check_load_options,
    check_save_options,
    tensor_mapper,
)
from tinynet.tensor import Tensor

STRUCTURE_KEY = "__tinynet_structure__"
FORMAT_VERSION = 1
MAX_EXPANDED_BYTES = 256 * 2**20


class _Encoder:
    """Turns a nested object into a JSON-able structure plus named arrays."""

    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}

    def _array(self, array: np.ndarray) -> str:
        if array.dtype.kind not in "biufc":
            raise TypeError(
                f"tinynet.save: cannot save an array of dtype {array.dtype} (only "
                "booleans and numbers)"
            )
        name = f"array_{len(self.arrays)}"
        self.arrays[name] = array
        return name

    def encode(self, value, where: str):
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, np.generic):  # before float: np.float64 is a float subclass
            return {"numpy_scalar": self._array(np.asarray(value))}
        if isinstance(value, int):
            return {"int": str(value)}
        if isinstance(value, float):
            return {"float": repr(value)}  # repr round-trips, including nan and inf
        if isinstance(value, Tensor):
            return {"tensor": self._array(value._data), "requires_grad": value.requires_grad}
        if isinstance(value, np.ndarray):
            return {"ndarray": self._array(value)}
        if isinstance(value, dict):
            items = []
            for key, item in value.items():
                if not isinstance(key, (str, int)) or isinstance(key, bool):
                    raise TypeError(
                        f"tinynet.save: dict keys must be str or int, got "
                        f"{type(key).__name__} key {key!r} at {where}"
                    )
                items.append([self.encode(key, where), self.encode(item, f"{where}[{key!r}]")])
            return {"dict": items}
        if isinstance(value, (list, tuple)):
            kind = "list" if isinstance(value, list) else "tuple"
            return {kind: [self.encode(item, f"{where}[{i}]") for i, item in enumerate(value)]}
        hint = (f"; save its state_dict() instead (tinynet does not pickle whole objects), "
                f"and load it into a new {type(value).__name__} with load_state_dict()"
                if callable(getattr(value, "state_dict", None)) else "")
        raise TypeError(
            f"tinynet.save: cannot save {type(value).__name__} at {where}; "
            "checkpoints hold tensors, arrays, numbers, strings, None, and dicts, "
            f"lists and tuples of them{hint}"
        )


def save(
    obj: object,
    f,
    pickle_module: Any = pickle,
    pickle_protocol: int = 2,
    _use_new_zipfile_serialization: bool = True,
    _disable_byteorder_record: bool = False,
) -> None:
    """Write ``obj`` (tensors, arrays, numbers, strings, None, nested in dicts with str or int
    keys, lists and tuples — a state_dict or an optimizer's state_dict) to ``f``: a path (str or
    os.PathLike), written atomically, or a binary file object, written with one ``f.write``. The
    file is an .npz whatever its name. ``pickle_module`` must be the standard one (nothing is
    pickled); ``pickle_protocol`` and the two underscored flags are accepted and change nothing."""
    check_save_options(pickle_module, pickle_protocol, _use_new_zipfile_serialization,
                       _disable_byteorder_record)
    encoder = _Encoder()
    structure = {
        "format": "tinynet",
        "version": FORMAT_VERSION,
        "object": encoder.encode(obj, "the top level"),
    }
    arrays = dict(encoder.arrays)
    arrays[STRUCTURE_KEY] = np.frombuffer(json.dumps(structure).encode("utf-8"), dtype=np.uint8)
    if hasattr(f, "write"):
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        try:
            f.write(buffer.getvalue())
        except TypeError:
            raise TypeError(
                "tinynet.save needs a binary file object (opened with 'wb'), got a text one"
            ) from None
        if hasattr(f, "flush"):
            f.flush()
        return
    path = _path_of(f, "save")
    target = os.path.realpath(path)  # through symbolic links, as open() writes
    folder, name = os.path.split(target)
    remove_stale_temporaries(folder, name)
    temporary = None
    try:
        descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.{os.getpid()}.",
                                                 suffix=".tmp")
        with os.fdopen(descriptor, "wb") as file:
            np.savez(file, **arrays)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, file_mode(target))
        os.replace(temporary, target)
    except BaseException as error:
        if temporary is not None and os.path.exists(temporary):
            os.remove(temporary)
        if isinstance(error, OSError) and error.errno is not None:
            raise type(error)(error.errno, f"tinynet.save: cannot write {path}: "
                                           f"{error.strerror}") from None
        raise
    sync_folder(folder)


def _path_of(f, caller: str) -> str:
    try:
        return os.fspath(f)
    except TypeError:
        raise TypeError(
            f"tinynet.{caller} needs a file path (str or PathLike) or a binary file object, "
            f"got {type(f).__name__}"
        ) from None


class CheckpointError(ValueError):
    """A file that ``tinynet.load`` cannot read: not a tinynet checkpoint, truncated, corrupt,
    or holding something other than plain arrays (such as a pickle)."""


class _Decoder:
    """Rebuilds the object from the structure and the arrays it names."""

    def __init__(self, arrays, path):
        self.arrays = arrays
        self.path = path

    def _array(self, name) -> np.ndarray:
        if not isinstance(name, str) or name not in self.arrays:
            raise CheckpointError(f"tinynet.load: {self.path} refers to a missing array {name!r}")
        return self.arrays[name]

    def decode(self, node):
        if node is None or isinstance(node, (bool, str)):
            return node
        if isinstance(node, dict) and len(node) >= 1:
            kind = next(iter(node))
            body = node[kind]
            if kind == "int":
                return int(body)
            if kind == "float":
                return float(body)
            if kind == "tensor":
                tensor = Tensor._make(np.array(self._array(body)))
                if node.get("requires_grad"):
                    tensor.requires_grad_(True)
                return tensor
            if kind == "ndarray":
                return self._array(body).copy()
            if kind == "numpy_scalar":
                return self._array(body)[()]
            if kind == "dict":
                return {self.decode(key): self.decode(value) for key, value in body}
            if kind == "list":
                return [self.decode(item) for item in body]
            if kind == "tuple":
                return tuple(self.decode(item) for item in body)
        raise CheckpointError(
            f"tinynet.load: {self.path} has an unreadable structure entry {str(node)[:80]!r}"
        )


def _check_expansion(source, path: str, limit: int | None) -> None:
    """Refuse ``source`` (named ``path``) when its compressed members would expand beyond ``limit``
    bytes, judged from the sizes in the zip directory, before any member is inflated."""
    if limit is None:
        return
    with zipfile.ZipFile(source) as archive:
        expanded = sum(info.file_size for info in archive.infolist()
                       if info.compress_type != zipfile.ZIP_STORED)
    if expanded > limit:
        raise CheckpointError(
            f"tinynet.load: {path} holds compressed members that would expand to {expanded:,} "
            f"bytes, beyond the limit of {limit:,} (pass max_expanded_bytes=... to load a larger "
            "file you trust)"
        )


def _read_arrays(source, path: str) -> dict[str, np.ndarray]:
    with zipfile.ZipFile(source) as archive:
        if any(name.endswith("data.pkl") for name in archive.namelist()):
            raise CheckpointError(
                f"tinynet.load: {path} is a PyTorch checkpoint (written by torch.save), which "
                "tinynet cannot read: its contents are pickled. Load it with torch and save the "
                "arrays with tinynet.save (e.g. {name: tinynet.tensor(t.numpy()) for name, t in "
                "state_dict.items()})"
            )
    if isinstance(source, io.BytesIO):
        source.seek(0)
    with np.load(source, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    for name, array in arrays.items():
        if not isinstance(array, np.ndarray) or array.dtype.kind not in "biufc":
            raise CheckpointError(
                f"tinynet.load: {path} has a member {name!r} that is not a plain numeric array"
            )
    if STRUCTURE_KEY not in arrays:
        raise CheckpointError(
            f"tinynet.load: {path} is not a tinynet checkpoint (it has no {STRUCTURE_KEY} entry)"
        )
    return arrays


def load(
    f,
    map_location: Any = None,
    pickle_module: Any = None,
    *,
    weights_only: bool | None = None,
    mmap: bool | None = None,
    max_expanded_bytes: int | None = MAX_EXPANDED_BYTES,
    **pickle_load_args: Any,
):
    """Read what ``tinynet.save`` wrote to ``f`` (a path, or a binary file object read from its
    current position): tensors come back as Tensors (with their requires_grad), arrays as
    arrays. Raises ``CheckpointError`` (a ValueError) naming the file for one that is not a
    tinynet checkpoint, is truncated or corrupt, contains anything but plain arrays (it is read
    with ``allow_pickle=False``: nothing in the file is ever executed), or whose compressed
    members would expand beyond ``max_expanded_bytes`` (None: no limit; a tinynet argument).

    PyTorch's arguments: ``weights_only`` is accepted whatever its value (nothing from the file
    is ever run, which is what ``weights_only=True`` asks for); ``map_location`` may be None,
    "cpu", a CPU device, a dict whose values are CPU devices, or a callable applied to each
    tensor as ``map_location(tensor, "cpu")`` (another device is refused: tinynet runs on the CPU
    only); ``pickle_module`` must be None or the standard ``pickle``; ``mmap`` is accepted for a
    path (the file is read into memory either way); the Unpickler's keyword arguments
    (``encoding``, ...) are accepted and change nothing."""
    is_file_object = hasattr(f, "read")
    check_load_options(pickle_module, weights_only, mmap, pickle_load_args, not is_file_object)
    mapper = tensor_mapper(map_location)
    if is_file_object:
        data = f.read()
        if not isinstance(data, bytes):
            raise TypeError(
                "tinynet.load needs a binary file object (opened with 'rb'), got a text one"
            )
        path = getattr(f, "name", None)
        path = f"the file object {path}" if isinstance(path, str) else "the file object"
        loaded = _load_archive(io.BytesIO(data), path, max_expanded_bytes)
    else:
        path = _path_of(f, "load")
        loaded = _load_archive(path, path, max_expanded_bytes)
    return loaded if mapper is None else _map_tensors(loaded, mapper)


def _map_tensors(value, mapper):
    """``value`` with every Tensor replaced by ``mapper(tensor, "cpu")`` (which must give a
    Tensor), through dicts, lists and tuples."""
    if isinstance(value, Tensor):
        mapped = mapper(value, "cpu")
        if not isinstance(mapped, Tensor):
            raise TypeError(
                f"tinynet.load: the map_location callable must return a Tensor, got "
                f"{type(mapped).__name__}"
            )
        return mapped
    if isinstance(value, dict):
        return {key: _map_tensors(item, mapper) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_map_tensors(item, mapper) for item in value)
    return value


def _load_archive(source, path: str, max_expanded_bytes: int | None):
    """The object in the checkpoint ``source`` (a file path or a BytesIO), named ``path`` in
    errors."""
    if isinstance(source, io.BytesIO):
        magic = source.getvalue()[:4]
    else:
        with open(source, "rb") as file:
            magic = file.read(4)
    if magic != b"PK\x03\x04":  # every .npz is a zip archive
        kind = " but a pickle" if magic[:1] == b"\x80" else ""
        raise CheckpointError(
            f"tinynet.load: {path} is not a tinynet checkpoint (not an .npz archive{kind})"
        )
    try:
        _check_expansion(source, path, max_expanded_bytes)
        arrays = _read_arrays(source, path)
        structure = json.loads(arrays.pop(STRUCTURE_KEY).tobytes().decode("utf-8"))
    except CheckpointError:
        raise
    except ValueError as error:
        if "pickle" in str(error):
            raise CheckpointError(
                f"tinynet.load: {path} contains pickled Python objects, which "
                "tinynet refuses to load (unpickling can run any code)"
            ) from None
        raise CheckpointError(f"tinynet.load: {path} is corrupt ({error})") from None
    except Exception as error:  # noqa: BLE001 - zip, zlib and .npy header parsing each raise
        # their own errors (BadZipFile, EOFError, zlib.error, SyntaxError, ...) for a damaged file
        raise CheckpointError(
            f"tinynet.load: {path} is truncated or corrupt ({type(error).__name__}: {error})"
        ) from None
    if not isinstance(structure, dict) or structure.get("format") != "tinynet":
        raise CheckpointError(f"tinynet.load: {path} is not a tinynet checkpoint")
    if structure.get("version") != FORMAT_VERSION:
        raise CheckpointError(
            f"tinynet.load: {path} has format version "
            f"{structure.get('version')}, this tinynet reads {FORMAT_VERSION}"
        )
    try:
        return _Decoder(arrays, path).decode(structure.get("object"))
    except CheckpointError:
        raise
    except (ValueError, TypeError, KeyError) as error:
        raise CheckpointError(f"tinynet.load: {path} has a damaged structure ({error})") from None


# PyTorch's allow-list for unpickling: accepted, since tinynet's loader never unpickles anything ---
_safe_globals: list = []


def add_safe_globals(safe_globals: list) -> None:
    """Record ``safe_globals`` as PyTorch's ``add_safe_globals`` does. tinynet's checkpoints hold
    arrays and plain values only and its loader never unpickles anything, so the list allows
    nothing more; it is kept so that ``get_safe_globals`` answers as in PyTorch."""
    if not isinstance(safe_globals, (list, tuple)):
        raise TypeError(f"add_safe_globals: expected a list of classes or functions, got "
                        f"{type(safe_globals).__name__}")
    _safe_globals.extend(safe_globals)


def get_safe_globals() -> list:
    return list(_safe_globals)


def clear_safe_globals() -> None:
    _safe_globals.clear()


class safe_globals:  # noqa: N801 - PyTorch's name
    """``with safe_globals([...]):`` adds the globals for the block only (see ``add_safe_globals``:
    tinynet's loader unpickles nothing, so the block loads exactly as it would without it)."""

    def __init__(self, safe_globals: list):
        self.safe_globals = safe_globals

    def __enter__(self):
        self._saved = get_safe_globals()
        add_safe_globals(self.safe_globals)
        return self

    def __exit__(self, *exc_info) -> None:
        _safe_globals[:] = self._saved
