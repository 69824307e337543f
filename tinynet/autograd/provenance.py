"""Which module made each graph node: the module-call stack, and the per-node records that
``gradcheck_model`` takes.

Every ``Module.__call__`` pushes a *frame* (the module and the frame of the module that called it)
for the length of its forward, and every op that records a graph node stores the innermost frame
on its node (``ctx.module_frame``). The dotted path (``encoder.layers.2.attn``) is worked out only
when someone asks (``module_path``): each module is named by the attribute under which its caller
registered it, so the paths are those of ``named_modules()`` of the outermost module called. A
module that its caller did not register (one built inside ``forward``) is shown as ``<ClassName>``.

The cost is a tuple per module call and one attribute per recorded op; nothing is computed or
kept for ops outside a module or under ``no_grad``.

The state is per thread, like the grad mode: a model running in another thread does not tag this
thread's nodes.
"""

from __future__ import annotations

import threading

import numpy as np


class _ThreadState(threading.local):
    frame = None  # the innermost module call being run: (module, parent frame), or None
    recorder = None  # a CallRecorder while gradcheck_model records a forward pass


state = _ThreadState()


def module_path(frame) -> str | None:
    """The dotted path of the module of ``frame`` below the outermost module called: "" for
    the outermost module itself, None for no frame (an op run outside every module)."""
    if frame is None:
        return None
    names = []
    while frame[1] is not None:
        module, parent = frame
        names.append(_child_name(parent[0], module))
        frame = parent
    return ".".join(reversed(names))


def _child_name(parent, child) -> str:
    for name, module in parent._modules.items():
        if module is child:
            return name
    for name, module in parent.named_modules():  # a module that calls a grandchild directly
        if module is child and name:
            return name
    return f"<{type(child).__name__}>"


def frame_module(frame):
    """The Module of ``frame`` (None for no frame)."""
    return None if frame is None else frame[0]


class CallRecorder:
    """Collects, in creation order, every graph node recorded while it is active, with copies of
    the node's floating-point input and output arrays (copies, because a later in-place op may
    write into an output), and every Module called (``modules``, by id)."""

    def __init__(self):
        self.calls: list = []
        self.modules: dict = {}

    def record(self, ctx, arrays, outputs) -> None:
        inputs = tuple(a.copy() if _is_float_array(a) else None for a in arrays)
        results = tuple(o._data.copy() if o._data.dtype.kind == "f" else None for o in outputs)
        self.calls.append((ctx, inputs, results))

    def __enter__(self):
        self.previous = state.recorder
        state.recorder = self
        return self

    def __exit__(self, *exc_info):
        state.recorder = self.previous
        return False


def _is_float_array(value) -> bool:
    return isinstance(value, np.ndarray) and value.dtype.kind == "f"
