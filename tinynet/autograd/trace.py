"""trace(loss): the backward pass, one annotated row per node, in the order backward visits them.

Each row says which op the node belongs to, which module created it, the shape of its output, the
gradient that arrives there (shape and norm), the op's local rule (the formula line of its
Function's docstring) and, per input, the axes over which the gradient was summed on its way back
to that input: the axes along which the input had been broadcast. A bias added to an (N, C, H, W)
activation reads "summed over axes (0, 2, 3)".

How it is done: ``trace`` runs its own copy of the engine's walk (``engine.run_backward``): the same
order, the same backward methods, but with the backward pass recorded (as ``create_graph=True``
does) so that the op that produced each input gradient can be looked at; a gradient whose last op
was a sum of the incoming gradient (``Sum`` or ``SumTo``) tells which axes were summed. Nothing is
accumulated: no ``.grad`` changes, tensor hooks and module backward hooks are not called, and the
graph is kept, so ``loss.backward()`` works afterwards as if ``trace`` had not run.
"""

from __future__ import annotations

import dataclasses
import html
import inspect
import re

import numpy as np

from tinynet import tensor as tensor_module
from tinynet.autograd.engine import _add_pending, _initial_gradient, _materialize, topological_order
from tinynet.autograd.function import AccumulateGrad, call_backward
from tinynet.autograd.grad_mode import enable_grad

_DERIVATIVE = re.compile(r"(?:^|[\s.(])(d[^\s=,\[]*(?:\[[^\]]*\])?\s=\s)")


@dataclasses.dataclass
class TraceRow:
    """One node of the backward pass.

    ``summed_axes`` has one entry per input of the op: the axes of the incoming gradient that
    were summed to make that input's gradient (a tuple, possibly empty), or None where no
    gradient goes to that input. For a leaf (``op`` "AccumulateGrad") it is empty."""

    step: int
    op: str
    node: str
    module_path: str | None
    module_type: str | None
    output_shapes: tuple
    grad_shapes: tuple
    grad_norm: float
    rule: str
    input_shapes: tuple
    summed_axes: tuple

    @property
    def derivative(self) -> str:
        """The derivative part of ``rule`` (from its first ``dx = ``, ``dy/dx = ``...), or ""
        if the rule has none. The printed table shows this part."""
        found = _DERIVATIVE.search(self.rule)
        return self.rule[found.start(1):] if found else ""

    @property
    def output_shape(self) -> tuple:
        return self.output_shapes[0]

    @property
    def grad_shape(self) -> tuple | None:
        return self.grad_shapes[0]

    @property
    def module(self) -> str:
        """The module column as printed: the path, ``(ClassName)`` for the outermost module
        called, ``-`` outside every module."""
        if self.module_path is None:
            return "-"
        return self.module_path or f"({self.module_type})"

    def summed_text(self) -> str:
        """``input 2 (shape [C]): summed over axes (0, 2, 3)`` for every input whose gradient
        was summed, joined by "; "."""
        parts = []
        for index, axes in enumerate(self.summed_axes):
            if axes:
                shape = list(self.input_shapes[index]) if self.input_shapes[index] is not None else "?"
                parts.append(f"input {index} (shape {shape}): summed over axes {axes}")
        return "; ".join(parts)


class Trace:
    """The rows of a backward pass (``rows``, a list of TraceRow), printable as a table."""

    columns = ("#", "op", "module", "output", "grad in", "|grad|", "local rule", "summed")

    def __init__(self, rows: list):
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def __getitem__(self, index):
        return self.rows[index]

    def _cells(self, rule_width: int | None):
        for row in self.rows:
            rule = row.rule
            if rule_width is not None:
                rule = row.derivative or rule
                if len(rule) > rule_width:
                    rule = rule[: rule_width - 1] + "…"
            yield [str(row.step), row.op, row.module, _shape_text(row.output_shapes),
                   _shape_text(row.grad_shapes), f"{row.grad_norm:.4g}", rule, row.summed_text()]

    def __str__(self) -> str:
        rows = list(self._cells(rule_width=56))
        widths = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(self.columns)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(self.columns, widths)).rstrip()]
        lines.append("  ".join("-" * w for w in widths))
        lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Trace of {len(self.rows)} backward steps>\n{self}"

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>"
            for cells in self._cells(rule_width=None))
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _shape_text(shapes) -> str:
    return ", ".join("-" if s is None else str(list(s)) for s in shapes)


def local_rule(function) -> str:
    """The local rule of an op: the first paragraph of its Function's docstring, on one line
    (every op's docstring opens with its forward formula and its derivative)."""
    doc = inspect.getdoc(function) or ""
    if function.__doc__ is None or doc == inspect.getdoc(_base_function()):
        return ""
    paragraph = doc.split("\n\n", 1)[0]
    return " ".join(paragraph.split())


def _base_function():
    from tinynet.autograd.function import Function

    return Function


def trace(loss, gradient=None, *, params=None) -> Trace:
    """Walk the backward pass of ``loss`` without changing any ``.grad``, and return a Trace:
    one row per node, in the order backward visits them (see the module's docstring).

    ``gradient`` seeds a non-scalar ``loss`` (as in ``loss.backward(gradient)``). ``params``,
    e.g. ``dict(model.named_parameters())``, names the leaves: their rows' module column shows
    the parameter's name. The graph must not have been freed by a backward without
    ``retain_graph=True``; it is kept, so ``loss.backward()`` works afterwards.
    """
    if not isinstance(loss, tensor_module.Tensor):
        raise TypeError(f"trace: loss must be a Tensor, got {type(loss).__name__}")
    if loss.grad_fn is None:
        raise ValueError("trace: loss has no grad_fn (it is a leaf or was computed without "
                         "recording a graph): there is no backward pass to trace")
    leaf_names = {id(t): name for name, t in (params or {}).items()}
    root = loss.grad_fn
    pending: dict = {}
    rows: list = []
    with enable_grad():
        _add_pending(pending, root, loss._output_nr, _initial_gradient(loss, gradient), True)
        for node in topological_order([root]):
            grads = pending.pop(node, None)
            if grads is None:
                continue
            if isinstance(node, AccumulateGrad):
                rows.append(_leaf_row(len(rows), node, grads[0], leaf_names))
                continue
            if getattr(node.function, "passes_gradients_through", False):
                input_grads = tuple(grads)  # a hook node: identity, hooks not called
            else:
                input_grads = call_backward(node, _materialize(node, grads))
            rows.append(_node_row(len(rows), node, grads, input_grads))
            for (next_node, index), grad in zip(node.next_functions, input_grads):
                if next_node is not None and grad is not None:
                    _add_pending(pending, next_node, index, grad, True)
    return Trace(rows)


def _norm(grads) -> float:
    return float(np.sqrt(sum(np.sum(np.square(g._data, dtype=np.float64))
                             for g in grads if g is not None)))


def _leaf_row(step, node, grad, leaf_names) -> TraceRow:
    leaf = node.variable
    name = leaf_names.get(id(leaf))
    return TraceRow(step=step, op="AccumulateGrad", node="AccumulateGrad",
                    module_path=name, module_type="leaf", output_shapes=(tuple(leaf.shape),),
                    grad_shapes=(tuple(grad.shape),), grad_norm=_norm([grad]),
                    rule="x.grad += dx (a leaf: the gradient is accumulated)",
                    input_shapes=(), summed_axes=())


def _node_row(step, node, grads, input_grads) -> TraceRow:
    incoming = {id(g.grad_fn) for g in grads if g is not None and g.grad_fn is not None}
    module = node.module
    output_shapes = tuple(tuple(meta[1].shape) for meta in node._output_meta)
    summed = tuple(
        None if grad is None else _summed_axes(grad, incoming, output_shapes)
        for grad in (list(input_grads) + [None] * len(node.next_functions))[: len(node.next_functions)]
    )
    return TraceRow(
        step=step, op=node.function.__name__, node=node.name(), module_path=node.module_path,
        module_type=None if module is None else type(module).__name__,
        output_shapes=output_shapes,
        grad_shapes=tuple(None if g is None else tuple(g.shape) for g in grads),
        grad_norm=_norm(grads), rule=local_rule(node.function),
        input_shapes=node.input_shapes, summed_axes=summed)


def _summed_axes(grad, incoming, output_shapes) -> tuple:
    """The axes summed by the op that produced ``grad``, when that op is a sum that this node's
    backward ran (not one that produced the incoming gradient): a SumTo (the adjoint of a
    broadcast), or a Sum of an array shaped like the node's output."""
    node = grad.grad_fn
    if node is None or id(node) in incoming or not hasattr(node, "function"):
        return ()
    name = node.function.__name__
    if name == "SumTo":
        return broadcast_axes(tuple(grad.shape), node.input_shape)
    if name == "Sum" and node.input_shape in output_shapes:
        return tuple(sorted(node.axes))
    return ()


def broadcast_axes(shape: tuple, target: tuple) -> tuple:
    """The axes of ``target`` along which an array of ``shape`` is broadcast to reach it: the
    leading axes it lacks and the axes where it has size 1 and ``target`` does not. These are the
    axes over which the gradient of a broadcast is summed."""
    shape, target = tuple(shape), tuple(target)
    leading = len(target) - len(shape)
    return tuple(range(leading)) + tuple(
        leading + i for i, size in enumerate(shape)
        if size == 1 and target[leading + i] != 1)
