"""Function, the base of every differentiable op, and the graph nodes it leaves behind.

Calling ``SomeFunction.apply(*inputs, **params)`` runs ``forward`` on NumPy arrays and wraps the
result in a Tensor. When grad mode is on and an input requires grad, the call also leaves a node in
the graph: the ``ctx`` that ``forward`` filled in, which becomes the output's ``grad_fn``. Later,
``backward(ctx, grad)`` receives the gradient of the output(s) as Tensors and returns one gradient
per input, written with tensor ops, so that the same code gives higher-order derivatives.

Differences from PyTorch, on purpose: ``forward`` receives and returns ``np.ndarray`` (it is where
the numerics live; backward is where the graph lives). ``ctx.save_for_backward`` takes arrays and
``ctx.saved_tensors`` returns Tensors: an array that is one of the inputs or the output comes back as
that Tensor (graph attached, version checked), any other array as a constant Tensor.
"""

from __future__ import annotations

import weakref

import numpy as np

from tinynet.autograd import anomaly
from tinynet.autograd.grad_mode import is_grad_enabled
from tinynet.autograd.provenance import frame_module, module_path
from tinynet.autograd.provenance import state as provenance
from tinynet import tensor as tensor_module

_CORE_SLOTS = frozenset({"function", "next_functions", "needs_input_grad", "num_outputs",
                          "_released", "_output_hooks", "_pre_hooks", "module_frame"})


class Node:
    """A vertex of the backward graph: knows its successors (``next_functions``)."""

    next_functions: tuple = ()

    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self):#x}>"


class AccumulateGrad(Node):
    """The graph's sink for a leaf tensor: adds the arriving gradient into ``tensor.grad``."""

    def __init__(self, variable):
        self.variable = variable

    def accumulate(self, grad, create_graph: bool) -> None:
        variable = self.variable
        for hook in (variable._hooks or {}).values():
            replaced = hook(grad)
            if replaced is not None:
                grad = replaced
        if variable.grad is None:
            # a copy, so that no two leaves (nor the graph) share one gradient array
            variable.grad = grad if create_graph else tensor_module.Tensor._make(grad._data.copy())
        elif create_graph or variable.grad.grad_fn is not None:
            variable.grad = variable.grad + grad
        else:
            variable.grad._data = variable.grad._data + grad._data


class Context(Node):
    """The node an op leaves in the graph (its ``grad_fn``), and the ``ctx`` its methods receive.

    Attributes: ``inputs`` (the input Tensors, version checked), ``output`` (the output Tensor),
    ``needs_input_grad`` (one bool per input), ``next_functions`` ((node, output index) per input),
    plus whatever ``forward`` stores on it. Everything but the graph structure is freed after
    backward unless ``retain_graph=True``.
    """

    _released = False
    _output_hooks = None
    _pre_hooks = None
    module_frame = None  # the call of the Module whose forward ran this op (see provenance)
    num_outputs = 1
    next_functions = ()
    needs_input_grad = ()

    def __init__(self, function, args=None):
        self.function = function
        if args is None:  # no graph is being recorded: forward only stores attributes on ctx
            return
        Tensor = tensor_module.Tensor
        versions, needs, next_functions = [], [], []
        for a in args:
            if isinstance(a, Tensor):
                versions.append(a._version_counter[0])
                if a._requires_grad:
                    needs.append(True)
                    next_functions.append((a.grad_fn or a._grad_accumulator(), a._output_nr))
                    continue
            else:
                versions.append(None)
            needs.append(False)
            next_functions.append((None, 0))
        self._inputs = args
        self._input_versions = versions
        self.needs_input_grad = tuple(needs)
        self.next_functions = tuple(next_functions)

    def name(self) -> str:
        return f"{self.function.__name__}Backward"

    @property
    def module_path(self) -> str | None:
        """The dotted path of the module whose forward ran this op (``encoder.layers.2.attn``;
        "" for the outermost module called), or None for an op run outside every module."""
        return module_path(self.module_frame)

    @property
    def module(self):
        """The Module whose forward ran this op, or None."""
        return frame_module(self.module_frame)

    # Saved values ------------------------------------------------------------------------------
    @property
    def inputs(self) -> tuple:
        """The input Tensors (None and constants kept as given), checked for in-place changes."""
        self._check_not_released()
        for argument, version in zip(self._inputs, self._input_versions):
            if version is not None:
                self._check_version(argument, version)
        return self._inputs

    @property
    def input_shapes(self) -> tuple:
        return tuple(getattr(a, "shape", None) for a in self._inputs)

    @property
    def output(self):
        """The (first) output Tensor; rebuilt from the saved array if the caller dropped it."""
        self._check_not_released()
        return self._output_tensor(0)

    @property
    def outputs(self) -> tuple:
        self._check_not_released()
        return tuple(self._output_tensor(i) for i in range(self.num_outputs))

    def _output_tensor(self, index):
        reference, data, version_counter, version = self._output_meta[index]
        output = reference()
        if output is None:
            output = tensor_module.Tensor._make(data, requires_grad=True, grad_fn=self)
            output._output_nr = index
            output._version_counter = version_counter
        self._check_version(output, version)
        return output

    def save_for_backward(self, *values) -> None:
        """Keep ``values`` (arrays, Tensors or None) for backward; read them as ``saved_tensors``."""
        self._saved = values

    @property
    def saved_tensors(self) -> tuple:
        self._check_not_released()
        saved = getattr(self, "_saved", ())
        result = []
        for value in saved:
            result.append(self._as_saved_tensor(value))
        return tuple(result)

    def _as_saved_tensor(self, value):
        if value is None or isinstance(value, tensor_module.Tensor):
            return value
        for argument, version in zip(self._inputs, self._input_versions):
            if isinstance(argument, tensor_module.Tensor) and argument._data is value:
                self._check_version(argument, version)
                return argument
        for index, meta in enumerate(self._output_meta):
            if meta[1] is value:
                return self._output_tensor(index)
        return tensor_module.Tensor._make(np.asarray(value))

    def _check_version(self, tensor, expected):
        if tensor._version_counter[0] != expected:
            op_name = tensor._version_counter[1] if len(tensor._version_counter) > 1 else None
            modified_by = f"the in-place operation {op_name}" if op_name else "an in-place operation"
            raise RuntimeError(
                f"one of the tensors needed to compute the gradient of {self.name()} was modified "
                f"by {modified_by} after the forward pass: a tensor of shape {list(tensor.shape)} "
                f"is at version {tensor._version_counter[0]}, expected version {expected}. "
                "Use an out-of-place op (x = x + y rather than x.add_(y)) or .clone() it first."
            )

    def _check_not_released(self):
        if self._released:
            raise RuntimeError(
                f"Trying to backward through the graph a second time (or to use the saved values "
                f"of {self.name()} after they were freed). The saved arrays are freed after "
                "backward; pass retain_graph=True to the first backward() if you need a second."
            )

    def release(self) -> None:
        """Free everything backward needed, keeping only the graph's structure."""
        for key in list(self.__dict__):
            if key not in _CORE_SLOTS:
                del self.__dict__[key]
        self._released = True

    # Hooks on this node's outputs (register_hook / retain_grad of non-leaf tensors) ----------
    def _add_output_hook(self, index, key, hook):
        if self._output_hooks is None:
            self._output_hooks = {}
        self._output_hooks.setdefault(index, {})[key] = hook

    def _remove_output_hook(self, index, key):
        if self._output_hooks and index in self._output_hooks:
            self._output_hooks[index].pop(key, None)


class Function:
    """Base of differentiable ops. Subclass with static ``forward(ctx, *arrays, **params)`` and
    ``backward(ctx, *grads)``; call with ``YourFunction.apply(*tensors, **params)``."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("a Function subclass must define forward(ctx, ...)")

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError("a Function subclass must define backward(ctx, grad)")

    @classmethod
    def apply(cls, *args, **kwargs):
        Tensor = tensor_module.Tensor
        requires_grad = False
        arrays = []
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a._data)
                if a._requires_grad:
                    requires_grad = True
            else:
                arrays.append(a)
        record = requires_grad and is_grad_enabled()
        ctx = Context(cls, args) if record else Context(cls)
        raw = cls.forward(ctx, *arrays, **kwargs)

        multiple = type(raw) is tuple
        outputs = []
        for index, value in enumerate(raw if multiple else (raw,)):
            data = value if type(value) is np.ndarray else np.asarray(value)
            differentiable = record and data.dtype.kind == "f"
            output = Tensor._make(data, differentiable, ctx if differentiable else None)
            output._output_nr = index
            if data.base is not None:
                _mark_if_view(output, args)
            outputs.append(output)
        if record:
            ctx.num_outputs = len(outputs)
            ctx._output_meta = [(weakref.ref(o), o._data, o._version_counter, 0) for o in outputs]
            ctx.module_frame = provenance.frame
            if provenance.recorder is not None:
                provenance.recorder.record(ctx, arrays, outputs)
        if anomaly.checks_forward():
            anomaly.check_forward(cls.__name__, outputs)
        return tuple(outputs) if multiple else outputs[0]


def _mark_if_view(output, args) -> None:
    """A NumPy view of an input (reshape, permute, basic slicing, expand) shares the input's memory:
    it shares its version counter too, so that an in-place change through either is seen."""
    for a in args:
        if isinstance(a, tensor_module.Tensor) and np.may_share_memory(output._data, a._data):
            output._version_counter = a._version_counter
            output._base = a if a._base is None else a._base
            return


def call_backward(ctx: Context, grads: list) -> tuple:
    """Run ``ctx``'s backward on the output gradients and check what it returns."""
    ctx._check_not_released()
    if anomaly.is_enabled():
        with anomaly.backward_scope():
            result = ctx.function.backward(ctx, *grads)
    else:
        result = ctx.function.backward(ctx, *grads)
    if not isinstance(result, tuple):
        result = (result,)
    if len(result) < len(ctx.next_functions):
        raise RuntimeError(
            f"{ctx.name()} returned {len(result)} gradients, expected {len(ctx.next_functions)} "
            "(one per input of forward, None for inputs without a gradient)"
        )
    checked = []
    for index, (grad, needs) in enumerate(zip(result, ctx.needs_input_grad)):
        if grad is None or not needs:
            checked.append(None)
            continue
        if not isinstance(grad, tensor_module.Tensor):
            grad = tensor_module.Tensor._make(np.asarray(grad))
        expected = ctx._inputs[index]
        if grad._data.shape != expected._data.shape:
            raise RuntimeError(
                f"{ctx.name()} returned a gradient of shape {list(grad.shape)} for input {index}, "
                f"whose shape is {list(expected.shape)}"
            )
        if grad._data.dtype != expected._data.dtype:
            grad = grad.to(expected._data.dtype)
        checked.append(grad)
    if anomaly.is_enabled():
        anomaly.check_backward(ctx.name(), checked)
    return tuple(checked)
