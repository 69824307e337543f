"""The switch that says whether ops record a graph: no_grad, enable_grad, set_grad_enabled.

It is per thread, as in PyTorch: a ``no_grad`` block in one thread (an evaluation loop, an
optimizer step) leaves the graphs that another thread records alone, and a new thread starts
with recording on."""

from __future__ import annotations

import functools
import threading


class _ThreadGradMode(threading.local):
    enabled = True  # each thread sees this default until it sets its own


_GradMode = _ThreadGradMode()


def is_grad_enabled() -> bool:
    return _GradMode.enabled


class set_grad_enabled:
    """Context manager (and decorator) that turns graph recording on or off, then restores it."""

    def __init__(self, mode: bool = True):
        self.mode = bool(mode)
        self.previous = _GradMode.enabled
        _GradMode.enabled = self.mode  # takes effect at once when called as a function, as in PyTorch

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        _GradMode.enabled = self.previous
        return False

    def __call__(self, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with type(self)(self.mode):
                return function(*args, **kwargs)

        _GradMode.enabled = self.previous
        return wrapper


class _GradModeContext:
    """Base of no_grad/enable_grad: usable as ``with no_grad():`` and as ``@no_grad()``."""

    mode = True

    def __enter__(self):
        self.previous = _GradMode.enabled
        _GradMode.enabled = self.mode
        return self

    def __exit__(self, *exc_info):
        _GradMode.enabled = self.previous
        return False

    def __call__(self, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with type(self)():
                return function(*args, **kwargs)

        return wrapper


class no_grad(_GradModeContext):
    """Ops run inside record no graph: for evaluation and for optimizer updates."""

    mode = False


class enable_grad(_GradModeContext):
    """Turns recording back on inside a ``no_grad`` block."""

    mode = True
