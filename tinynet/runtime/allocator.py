"""The memory of tinynet's arrays: inside tinynet's work (``runtime.scope``), NumPy allocates
array data through a caching allocator that keeps the large blocks it is given back and hands
them out again, instead of giving them back to the operating system.

Why: a training step allocates and frees the same large arrays every step (activations, their
gradients, the convolutions' column and tile arrays). glibc's malloc gives large freed blocks
back to the operating system, so that the next step faults every page of them in again: a
U-Net epoch takes about 1.5x as long without the reuse (``python benchmarks/models.py --case
unet:shapes``, then again with ``--workspace-limit 0``).

How, without changing anything for other code: NumPy (NEP 49) lets a library install its own
allocator for the current context only (``PyDataMem_SetHandler`` sets a context variable, so other
threads and code outside the scope keep NumPy's default). An array remembers the allocator that
made it, so its memory comes back here when it is freed, wherever that happens. The four C
functions are Numba ``cfunc``s, compiled on the first scope and cached on disk, as the kernels
are.

The cache: a block of at least ``MIN_BYTES`` is rounded up to a size class (within 1/16 of its
size) and, when freed, kept in a table of at most ``SLOTS`` blocks and ``get_workspace_limit()``
bytes; a request takes the block freed last whose class is at least its own and at most 1.5 times
it (the memory most likely still in the CPU's caches, as malloc's own reuse would give). When a
freed block would pass the limit, the blocks kept longest are released first. Each block starts
with a header holding its class, so a block is always reused for requests that fit in it, whatever
size NumPy reports when it frees it. Smaller blocks go straight to malloc, which keeps and reuses
them anyway.

The allocator is off where it cannot be built (not CPython on Linux or macOS, NumPy < 1.22, or a
Python without the GIL: it relies on NumPy calling it with the GIL held) and when the environment
sets TINYNET_ALLOCATOR=0; then ``scope`` only sets the BLAS's thread count.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

import numpy as np

MIN_BYTES = 1 << 16
SLOTS = 512
HEADER = 16  # bytes before each block's data: its size class (16 keeps malloc's alignment)
DEFAULT_LIMIT = 256 << 20
# The table, an int64 array: these fields (the counters, then the C library's functions'
# addresses), then the sizes and the addresses of the kept blocks (SLOTS each)
LIMIT, KEPT_BYTES, KEPT, HITS, MISSES, MALLOC, CALLOC, REALLOC, FREE, MEMSET = range(10)
FIELDS = 16
STATE_LENGTH = FIELDS + 2 * SLOTS
_SET_HANDLER_INDEX = 304  # PyDataMem_SetHandler in NumPy's C-API table (numpy/__multiarray_api.h)

# Once built: the capsule, the table as an array, NumPy's setter, shrink_to. Before: at most
# the limit the user set ("limit"), or that building failed ("failed").
_built: dict = {}


def _libc():
    """The C library's malloc, calloc, realloc, free and memset, as ctypes functions on void*."""
    library = ctypes.CDLL(ctypes.util.find_library("c") if sys.platform == "darwin" else None)
    pointer, size = ctypes.c_void_p, ctypes.c_size_t
    signatures = {"malloc": (pointer, [size]), "calloc": (pointer, [size, size]),
                  "realloc": (pointer, [pointer, size]), "free": (None, [pointer]),
                  "memset": (pointer, [pointer, ctypes.c_int, size])}
    functions = {}
    for name, (restype, argtypes) in signatures.items():
        function = getattr(library, name)
        function.restype, function.argtypes = restype, argtypes
        functions[name] = function
    return functions


class _Allocator(ctypes.Structure):
    _fields_ = [("ctx", ctypes.c_void_p), ("malloc", ctypes.c_void_p), ("calloc", ctypes.c_void_p),
                ("realloc", ctypes.c_void_p), ("free", ctypes.c_void_p)]


class _Handler(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char * 127), ("version", ctypes.c_uint8),
                ("allocator", _Allocator)]


def available() -> bool:
    """Whether this Python and NumPy can take tinynet's allocator."""
    gil_enabled = getattr(sys, "_is_gil_enabled", lambda: True)()
    major, minor = (int(part) for part in np.__version__.split(".")[:2])
    return (sys.implementation.name == "cpython" and sys.platform in ("linux", "darwin")
            and gil_enabled and (major, minor) >= (1, 22)
            and os.environ.get("TINYNET_ALLOCATOR", "1") != "0")


def _build() -> None:
    """Compile the functions and make the handler capsule, once. The handler, its table and the
    capsule's name live in C memory that is never freed: arrays made by the allocator may be freed
    at any time, up to the interpreter's last moment, and they find all three there."""
    from tinynet.runtime import allocator_functions as compiled

    functions = (compiled.handler_malloc, compiled.handler_calloc, compiled.handler_realloc,
                 compiled.handler_free)
    libc = _libc()
    table_address = libc["calloc"](STATE_LENGTH, 8)
    handler_address = libc["calloc"](1, ctypes.sizeof(_Handler))
    name_address = libc["calloc"](16, 1)
    if not (table_address and handler_address and name_address):
        raise MemoryError("tinynet's allocator: no memory for its table")
    table = np.ctypeslib.as_array(ctypes.cast(table_address, ctypes.POINTER(ctypes.c_int64)),
                                  (STATE_LENGTH,))
    table[LIMIT] = _built.get("limit", DEFAULT_LIMIT)
    for field, name in ((MALLOC, "malloc"), (CALLOC, "calloc"), (REALLOC, "realloc"),
                        (FREE, "free"), (MEMSET, "memset")):
        table[field] = ctypes.cast(libc[name], ctypes.c_void_p).value
    handler = _Handler.from_address(handler_address)
    handler.name, handler.version = b"tinynet_caching_allocator", 1
    handler.allocator = _Allocator(table_address, *(function.address for function in functions))
    ctypes.memmove(name_address, b"mem_handler", len(b"mem_handler"))
    for function in functions:  # the compiled code must outlive every array it made
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(function))

    new_capsule = ctypes.pythonapi.PyCapsule_New
    new_capsule.restype = ctypes.py_object
    new_capsule.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
    get_pointer.restype = ctypes.c_void_p
    get_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
    multiarray = getattr(np, "_core", None) or np.core
    api = ctypes.cast(get_pointer(multiarray._multiarray_umath._ARRAY_API, None),
                      ctypes.POINTER(ctypes.c_void_p))
    set_handler = ctypes.PYFUNCTYPE(ctypes.py_object, ctypes.py_object)(api[_SET_HANDLER_INDEX])
    _built.update(capsule=new_capsule(handler_address, name_address, None), table=table,
                  set_handler=set_handler, shrink_to=compiled.shrink_to)


def install():
    """Make tinynet's allocator NumPy's allocator in the current context; return what
    ``restore`` needs to put the previous one back (None when the allocator is off)."""
    if "capsule" not in _built:
        if _built.get("failed") or not available():
            return None
        try:
            _build()
        except Exception:  # noqa: BLE001 - any failure leaves NumPy's own allocator in place
            _built["failed"] = True
            return None
    return _built["set_handler"](_built["capsule"])


def restore(previous) -> None:
    """Put back the allocator that ``install`` replaced."""
    if previous is not None:
        _built["set_handler"](previous)


def statistics() -> dict:
    """The cache's counters: kept blocks and bytes, and requests served from it or not."""
    if "table" not in _built:
        return {"kept": 0, "kept_bytes": 0, "hits": 0, "misses": 0}
    table = _built["table"]
    return {"kept": int(table[KEPT]), "kept_bytes": int(table[KEPT_BYTES]),
            "hits": int(table[HITS]), "misses": int(table[MISSES])}


def workspace_bytes() -> int:
    """Bytes of freed array memory tinynet keeps for reuse now."""
    return statistics()["kept_bytes"]


def get_workspace_limit() -> int:
    """The most bytes of freed array memory tinynet keeps for reuse."""
    return int(_built["table"][LIMIT]) if "table" in _built else _built.get("limit",
                                                                            DEFAULT_LIMIT)


def set_workspace_limit(nbytes: int) -> None:
    """Keep at most ``nbytes`` bytes of freed array memory for reuse (0: keep none); what is kept
    beyond the new limit is given back now."""
    if isinstance(nbytes, bool) or not isinstance(nbytes, (int, np.integer)) or nbytes < 0:
        raise ValueError(f"set_workspace_limit: expected a number of bytes >= 0, got {nbytes!r}")
    _built["limit"] = int(nbytes)
    if "table" in _built:
        _built["shrink_to"](_built["table"], int(nbytes))


def clear_workspace() -> None:
    """Give back every block of freed array memory kept for reuse (the limit stays)."""
    if "table" in _built:
        limit = int(_built["table"][LIMIT])
        _built["shrink_to"](_built["table"], 0)
        _built["table"][LIMIT] = limit
