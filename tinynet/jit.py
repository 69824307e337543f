"""``tinynet.jit``: PyTorch's TorchScript entry points, answered by doing nothing.

tinynet has no compiler: a model runs as the Python it is written in. ``script`` and ``trace``
return the function or module they are given, unchanged, so that code which scripts or traces a
model before using it runs the model as it is.
"""

from __future__ import annotations


def script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    """``obj`` itself (a function or a Module): tinynet compiles nothing."""
    return obj


def trace(func, example_inputs=None, optimize=None, check_trace=True, check_inputs=None,
          check_tolerance=1e-05, strict=True, _force_outplace=False, _module_class=None,
          _compilation_unit=None, example_kwarg_inputs=None, _store_inputs=True):
    """``func`` itself: tinynet records no trace (the example inputs are not run)."""
    return func


def ignore(drop=False, **kwargs):
    """As a decorator, the function unchanged (there is no compiler to hide it from)."""
    if callable(drop):
        return drop
    return lambda fn: fn


def unused(fn):
    return fn


def export(fn):
    return fn


def compile(model=None, *, fullgraph=False, dynamic=None, backend=None, mode=None,  # noqa: A001
            options=None, name=None, disable=False, recompile_limit=None,
            isolate_recompiles=False, shapes_spec=None):
    """PyTorch's ``torch.compile``: ``model`` itself (a function or a Module), since tinynet has
    no compiler; without ``model``, a decorator that returns what it decorates
    (``@torch.compile(mode="max-autotune")``). The options are accepted and change nothing."""
    if model is None:
        return lambda fn: fn
    return model
