"""How many threads tinynet's own work uses, and the BLAS's thread count around its products.

``set_num_threads(n)`` / ``get_num_threads()`` as in PyTorch: the default is one thread per
physical core (TINYNET_NUM_THREADS overrides it at import). What the count governs is tinynet's
matrix products (MatMul, Linear, the convolutions' products, all through ``matmul``): a product
of at least PRODUCT_GRAIN multiply-adds runs with the BLAS on ``get_num_threads()`` threads,
a smaller one on one thread, as PyTorch's intra-op pool runs work below its grain size on the
calling thread. Why one thread for small products: a threaded OpenBLAS product leaves its
threads spinning for a while, and on a machine with few cores they take the core from the
Python thread that drives the next layers; when other processes keep the cores busy, each
threaded product also waits for its second thread to get a core.

Nothing here changes the process for code outside tinynet: the BLAS's count is set only around
a product where it differs, and put back after it; inside ``runtime.scope`` (a module call, a
backward pass, an optimizer step) it is set only where it must change, and put back when the
scope ends. Each BLAS count is process-wide, so the one
limitation is this: a NumPy product that another Python thread makes while a tinynet product
runs sees tinynet's count. A lock and a nesting count keep concurrent tinynet products (two user
threads training at once) consistent: the counts recorded before the first change are the ones
put back when the last scope closes. Without threadpoolctl the BLAS is left alone.
"""

from __future__ import annotations

import os
import threading

import numpy as np

# Multiply-adds from which a product runs on get_num_threads() threads: from a 512^3 product (2 ms
# on one core) a second thread nearly halves the time; below it the gain is small, and a BLAS
# thread that has to wait for a core busy with other work costs far more than the product.
PRODUCT_GRAIN = 2**27
ENV_VAR = "TINYNET_NUM_THREADS"


def physical_cores() -> int:
    """The cores this process may run on, counting a core's hardware threads once: the CPU
    affinity count divided by the threads per core (/sys topology), at least 1."""
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    logical = len(cpus) or os.cpu_count() or 1
    siblings = 1
    if cpus:
        path = f"/sys/devices/system/cpu/cpu{cpus[0]}/topology/thread_siblings_list"
        try:
            with open(path) as file:
                siblings = sum(_range_length(part) for part in file.read().strip().split(","))
        except (OSError, ValueError):
            siblings = 1
    return max(1, logical // max(siblings, 1))


def _range_length(part: str) -> int:
    """Length of one item of a Linux CPU list: "3" -> 1, "0-3" -> 4."""
    first, _, last = part.partition("-")
    return int(last or first) - int(first) + 1


def _default_threads() -> int:
    text = os.environ.get(ENV_VAR, "").strip()
    if not text:
        return physical_cores()
    try:
        return _checked(int(text))
    except ValueError:
        raise ValueError(f"{ENV_VAR}={os.environ[ENV_VAR]!r} is not a positive number of "
                         "threads") from None


def _checked(threads) -> int:
    if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
        raise ValueError(f"set_num_threads: expected a positive int, got {threads!r}")
    return threads


_threads = _default_threads()


def set_num_threads(threads: int) -> None:
    """Let tinynet's products of at least PRODUCT_GRAIN multiply-adds use ``threads`` BLAS
    threads (``torch.set_num_threads``); smaller ones stay on one."""
    global _threads
    _threads = _checked(threads)


def get_num_threads() -> int:
    """The thread count for tinynet's large products: set_num_threads's, else TINYNET_NUM_THREADS,
    else one per physical core."""
    return _threads


_lock = threading.Lock()
# libraries: [(get, set)] per BLAS library; open: scopes open now; outside: each library's count
# before the first change in the open scopes; current: the count set last (None: nothing changed)
_blas = {"libraries": None, "open": 0, "outside": [], "current": None}


def _libraries() -> list:
    """[(get, set)] of each loaded BLAS library's thread count, found once through threadpoolctl
    (on the first product, not at import). ``set`` is the controller's direct C setter: its
    public set_num_threads obeys only the first Python thread that ever set a limit."""
    if _blas["libraries"] is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            _blas["libraries"] = []
        else:
            controllers = ThreadpoolController().select(user_api="blas").lib_controllers
            _blas["libraries"] = [
                (library.get_num_threads,
                 getattr(library, "_real_set_num_threads", library.set_num_threads))
                for library in controllers]
    return _blas["libraries"]


def _count_for(multiply_adds: int) -> int:
    """The BLAS thread count for a product of ``multiply_adds``: get_num_threads() from
    PRODUCT_GRAIN, else one."""
    return _threads if multiply_adds >= PRODUCT_GRAIN else 1


class blas_threads:
    """A context: the body's BLAS calls on get_num_threads() threads if ``multiply_adds`` (the
    product's size) is at least PRODUCT_GRAIN, else on one. Outside a ``hold``, each library's
    count is put back after, where it was changed; inside one, the count is only set where it
    differs from the last one set, and ``release`` puts it back. (A class, not a generator: it runs
    around every product.)"""

    __slots__ = ("count", "held")

    def __init__(self, multiply_adds: int):
        self.count = _count_for(multiply_adds)

    def __enter__(self) -> None:
        self.held = _holding.count > 0
        with _lock:
            if not self.held:
                _blas["open"] += 1
            if _blas["current"] != self.count:
                try:
                    _set(self.count)
                except BaseException:
                    if not self.held:
                        _leave()
                    raise

    def __exit__(self, *exception) -> None:
        if not self.held:
            with _lock:
                _leave()


class _Holding(threading.local):
    count = 0


_holding = _Holding()


def hold() -> None:
    """Open a scope in which this thread's products set the BLAS's count only when it must
    change; ``release`` closes it and puts back the counts found before the first change."""
    with _lock:
        _blas["open"] += 1
    _holding.count += 1


def release() -> None:
    """Close the scope ``hold`` opened."""
    _holding.count -= 1
    with _lock:
        _leave()


def _set(count: int) -> None:
    """Set every library's count to ``count`` (under _lock, in an open scope); the first change in
    the open scopes records each library's count first, to be put back when the last closes."""
    libraries = _libraries()
    if _blas["current"] is None:  # nothing changed yet: the libraries are at their own counts
        _blas["outside"] = [get() for get, _ in libraries]  # one C call each
        for (_, set_threads), outside in zip(libraries, _blas["outside"]):
            if outside != count:
                set_threads(count)
    else:
        for _, set_threads in libraries:
            set_threads(count)
    _blas["current"] = count


def _leave() -> None:
    """One scope fewer (under _lock); the last to close puts back the counts recorded before the
    first change, where they differ from the count set last."""
    _blas["open"] -= 1
    if not _blas["open"] and _blas["current"] is not None:
        for (_, set_threads), count in zip(_libraries(), _blas["outside"]):
            if count != _blas["current"]:
                set_threads(count)
        _blas["current"] = None


def matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """np.matmul(a, b, out=out) with the BLAS's thread count chosen by the product's size
    (blas_threads): batch · m · k · n multiply-adds for (..., m, k) @ (..., k, n)."""
    multiply_adds = a.size * (b.shape[-1] if b.ndim > 1 else 1)  # for a batch of a's shape
    if b.ndim > 2 and b.shape[:-2] != a.shape[:-2]:  # b broadcast over a batch of its own
        multiply_adds = max(multiply_adds, b.size * (a.shape[-2] if a.ndim > 1 else 1))
    count = _count_for(multiply_adds)
    if _holding.count and _blas["current"] == count:  # in a scope, with the count it needs
        return np.matmul(a, b, out=out)
    with blas_threads(multiply_adds):
        return np.matmul(a, b, out=out)
