"""The one switch that chooses how every kernel runs: "numba" (compiled, the default) or "numpy"
(the readable reference). The environment variable TINYNET_KERNEL_BACKEND sets it at import time.

This module imports neither NumPy nor Numba: choosing a backend compiles nothing.
"""

import functools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

BACKENDS = ("numba", "numpy")
ENV_VAR = "TINYNET_KERNEL_BACKEND"


def _checked(name: str, source: str = "backend") -> str:
    if name not in BACKENDS:
        raise ValueError(f"unknown kernel {source} {name!r}; expected one of {', '.join(BACKENDS)}")
    return name


_backend = _checked(os.environ.get(ENV_VAR, "numba"), source=f"backend in ${ENV_VAR}")


def set_backend(name: str) -> None:
    """Make every kernel run its `name` implementation ("numba" or "numpy") from now on."""
    global _backend
    _backend = _checked(name)


def get_backend() -> str:
    """The name of the backend the kernels use now: "numba" or "numpy"."""
    return _backend


@contextmanager
def use_backend(name: str) -> Iterator[None]:
    """Run the body of a `with` block under backend `name`, then restore the previous one."""
    previous = get_backend()
    set_backend(name)
    try:
        yield
    finally:
        set_backend(previous)


def dispatch(*, numpy: Callable, numba: Callable) -> Callable:
    """One kernel with two implementations of the same signature.

    Returns a function that calls `numpy(...)` or `numba(...)` according to the backend at call time
    (not at definition time, so `set_backend` affects kernels that were already imported). The two
    implementations stay reachable as the attributes `.numpy` and `.numba`, which tests compare.
    The kernel is named after the reference without its suffix (`im2col_numpy` -> `im2col`) and
    carries its docstring, which is the specification.
    """
    implementations = {"numpy": numpy, "numba": numba}

    @functools.wraps(numpy)
    def kernel(*args, **kwargs):
        return implementations[_backend](*args, **kwargs)

    kernel.__name__ = kernel.__qualname__ = numpy.__name__.removesuffix("_numpy")
    kernel.numpy = numpy
    kernel.numba = numba
    return kernel
