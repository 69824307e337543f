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

Loading refuses a file whose compressed members would expand to more than ``max_expanded_bytes``
(default ``MAX_EXPANDED_BYTES``, 256 MiB; ``tinynet.save`` writes uncompressed members, which
this does not count): the sizes are read from the zip directory before anything is inflated, so
a small file that would inflate to gigabytes costs nothing to refuse.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import zipfile

import numpy as np

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
        raise TypeError(
            f"tinynet.save: cannot save {type(value).__name__} at {where}; "
            "checkpoints hold tensors, arrays, numbers, strings, None, and dicts, "
            "lists and tuples of them"
        )


def save(obj, f) -> None:
    """Write ``obj`` (tensors, arrays, numbers, strings, None, nested in dicts with str or int
    keys, lists and tuples — a state_dict or an optimizer's state_dict) to the path ``f``,
    atomically. The file is an .npz whatever its name."""
    encoder = _Encoder()
    structure = {
        "format": "tinynet",
        "version": FORMAT_VERSION,
        "object": encoder.encode(obj, "the top level"),
    }
    arrays = dict(encoder.arrays)
    arrays[STRUCTURE_KEY] = np.frombuffer(json.dumps(structure).encode("utf-8"), dtype=np.uint8)
    path = _path_of(f, "save")
    target = os.path.realpath(path)  # through symbolic links, as open() writes
    folder, name = os.path.split(target)
    _remove_stale_temporaries(folder, name)
    temporary = None
    try:
        descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.{os.getpid()}.",
                                                 suffix=".tmp")
        with os.fdopen(descriptor, "wb") as file:
            np.savez(file, **arrays)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, _file_mode(target))
        os.replace(temporary, target)
    except BaseException as error:
        if temporary is not None and os.path.exists(temporary):
            os.remove(temporary)
        if isinstance(error, OSError) and error.errno is not None:
            raise type(error)(error.errno, f"tinynet.save: cannot write {path}: "
                                           f"{error.strerror}") from None
        raise
    _sync_folder(folder)


def _remove_stale_temporaries(folder: str, name: str) -> None:
    """Delete the temporary files that saves to ``name`` left in ``folder`` when their process
    was killed (their PID, in the file name, no longer runs). POSIX only: elsewhere a PID cannot
    be probed without side effects, and they stay."""
    if os.name != "posix":
        return
    pattern = re.compile(re.escape(f".{name}.") + r"(\d+)\.[^.]+\.tmp\Z")
    try:
        entries = os.listdir(folder)
    except OSError:
        return
    for entry in entries:
        match = pattern.match(entry)
        if match is None or int(match.group(1)) == os.getpid():
            continue
        try:
            os.kill(int(match.group(1)), 0)
        except ProcessLookupError:
            try:
                os.remove(os.path.join(folder, entry))
            except OSError:
                pass
        except (PermissionError, OverflowError):  # alive under another user / not a PID
            continue


def _path_of(f, caller: str) -> str:
    try:
        return os.fspath(f)
    except TypeError:
        raise TypeError(
            f"tinynet.{caller} needs a file path (str or PathLike), got {type(f).__name__}"
        ) from None


def _file_mode(path: str) -> int:
    """The permissions a plain open() would give (mkstemp makes its files owner-only), or those of
    the file being replaced."""
    if os.path.exists(path):
        return os.stat(path).st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _sync_folder(folder: str) -> None:
    """Make the rename itself durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


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
                tensor = Tensor(self._array(body))
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


def _check_expansion(path: str, limit: int | None) -> None:
    """Refuse ``path`` when its compressed members would expand beyond ``limit`` bytes, judged
    from the sizes in the zip directory, before any member is inflated."""
    if limit is None:
        return
    with zipfile.ZipFile(path) as archive:
        expanded = sum(info.file_size for info in archive.infolist()
                       if info.compress_type != zipfile.ZIP_STORED)
    if expanded > limit:
        raise CheckpointError(
            f"tinynet.load: {path} holds compressed members that would expand to {expanded:,} "
            f"bytes, beyond the limit of {limit:,} (pass max_expanded_bytes=... to load a larger "
            "file you trust)"
        )


def _read_arrays(path: str) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as archive:
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


def load(f, max_expanded_bytes: int | None = MAX_EXPANDED_BYTES):
    """Read what ``tinynet.save`` wrote to the path ``f``: tensors come back as Tensors (with
    their requires_grad), arrays as arrays. Raises ``CheckpointError`` (a ValueError) naming the
    path for a file that is not a tinynet checkpoint, is truncated or corrupt, contains anything
    but plain arrays (it is read with ``allow_pickle=False``: nothing in the file is ever
    executed), or whose compressed members would expand beyond ``max_expanded_bytes`` (None: no
    limit)."""
    path = _path_of(f, "load")
    with open(path, "rb") as file:
        magic = file.read(4)
    if magic != b"PK\x03\x04":  # every .npz is a zip archive
        kind = " but a pickle" if magic[:1] == b"\x80" else ""
        raise CheckpointError(
            f"tinynet.load: {path} is not a tinynet checkpoint (not an .npz archive{kind})"
        )
    try:
        _check_expansion(path, max_expanded_bytes)
        arrays = _read_arrays(path)
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
