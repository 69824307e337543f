"""Reverse mode: order the graph's nodes from the outputs back to the leaves, then walk them once,
each node turning the gradient of its outputs into gradients of its inputs (the chain rule).

The walk is a loop, not a recursion, so a chain of any length works.
"""

from __future__ import annotations

import numpy as np

from tinynet import tensor as tensor_module
from tinynet.autograd.function import AccumulateGrad, Context, call_backward
from tinynet.autograd.grad_mode import set_grad_enabled
from tinynet.runtime.scope import scope as runtime_scope


def topological_order(roots) -> list:
    """Every node reachable from ``roots``, each before all the nodes it leads to (DFS post-order,
    reversed)."""
    order, visited = [], set()
    stack = [(root, False) for root in roots]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            order.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        for next_node, _ in node.next_functions:
            if next_node is not None and next_node not in visited:
                stack.append((next_node, False))
    order.reverse()
    return order


def _root_node(tensor):
    if not tensor.requires_grad:
        raise RuntimeError(
            "element 0 of tensors does not require grad and does not have a grad_fn: "
            "create the leaves with requires_grad=True, and do not compute under no_grad()"
        )
    if tensor.grad_fn is not None:
        return tensor.grad_fn, tensor._output_nr
    return tensor._grad_accumulator(), 0


def _initial_gradient(tensor, gradient):
    if gradient is None:
        if tensor.numel() != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs; this output has shape "
                f"{list(tensor.shape)}: pass backward(gradient=...) of that shape"
            )
        return tensor_module.Tensor._make(np.ones(tensor.shape, tensor.dtype))
    if not isinstance(gradient, tensor_module.Tensor):
        gradient = tensor_module.tensor(gradient, dtype=tensor.dtype)
    if gradient.shape != tensor.shape:
        raise RuntimeError(
            f"Mismatch in shape: the gradient has shape {list(gradient.shape)} and the output "
            f"has shape {list(tensor.shape)}"
        )
    return gradient


def run_backward(outputs, gradients, retain_graph: bool, create_graph: bool, inputs=None):
    """Backpropagate from ``outputs`` (seeded with ``gradients``).

    With ``inputs=None`` the gradients are accumulated into the leaves' ``.grad``. Otherwise
    nothing is accumulated and the gradient reaching each of ``inputs`` is returned in order
    (None for an input the outputs do not depend on).
    """
    pending: dict = {}
    roots = []
    with set_grad_enabled(create_graph):  # an output given twice: its seeds add up, recorded
        for output, gradient in zip(outputs, gradients):
            node, index = _root_node(output)
            roots.append(node)
            _add_pending(pending, node, index, _initial_gradient(output, gradient), create_graph)

    captured = None
    if inputs is not None:
        captured = {}
        for position, tensor in enumerate(inputs):
            key = (tensor.grad_fn, tensor._output_nr) if tensor.grad_fn is not None else (
                tensor._grad_accumulator(), 0)
            captured.setdefault(key, []).append(position)
        results = [None] * len(inputs)

    with set_grad_enabled(create_graph), runtime_scope():
        for node in topological_order(roots):
            grads = pending.pop(node, None)
            if grads is None:
                continue
            if isinstance(node, AccumulateGrad):
                if captured is None:
                    node.accumulate(grads[0], create_graph)
                else:
                    for position in captured.get((node, 0), ()):
                        results[position] = grads[0]
                continue
            grads = _apply_output_hooks(node, grads)
            if captured is not None:
                for index, grad in enumerate(grads):
                    for position in captured.get((node, index), ()):
                        results[position] = grad
            input_grads = call_backward(node, _materialize(node, grads))
            for (next_node, index), grad in zip(node.next_functions, input_grads):
                if next_node is not None and grad is not None:
                    _add_pending(pending, next_node, index, grad, create_graph)
            if not retain_graph:
                node.release()
    return results if captured is not None else None


def _add_pending(pending, node, index, grad, create_graph=False):
    slots = pending.get(node)
    if slots is None:
        slots = pending[node] = [None] * getattr(node, "num_outputs", 1)
    if slots[index] is None:
        slots[index] = grad
    elif create_graph:
        slots[index] = slots[index] + grad
    else:  # nothing to record: add the arrays (a fresh one, so no gradient is overwritten)
        slots[index] = tensor_module.Tensor._make(slots[index]._data + grad._data)


def _apply_output_hooks(node: Context, grads: list) -> list:
    if not node._output_hooks:
        return grads
    grads = list(grads)
    for index, hooks in node._output_hooks.items():
        if grads[index] is None:
            continue
        for hook in list(hooks.values()):
            replaced = hook(grads[index])
            if replaced is not None:
                grads[index] = replaced
    return grads


def _materialize(node: Context, grads: list) -> list:
    """Outputs that received no gradient get zeros, so backward always sees one per output."""
    if all(grad is not None for grad in grads):
        return grads
    node._check_not_released()
    return [
        grad if grad is not None else tensor_module.Tensor._make(np.zeros_like(meta[1]))
        for grad, meta in zip(grads, node._output_meta)
    ]


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False) -> None:
    """Accumulate d(tensors)/d(leaf) into every leaf's ``.grad``; see ``Tensor.backward``."""
    tensors = as_tuple(tensors)
    grad_tensors = as_tuple(grad_tensors) if grad_tensors is not None else (None,) * len(tensors)
    if retain_graph is None:
        retain_graph = create_graph
    run_backward(tensors, grad_tensors, retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """d(outputs)/d(inputs), returned as a tuple (nothing is accumulated into ``.grad``).

    ``grad_outputs`` is the vector of the vector-Jacobian product (ones for a scalar output).
    With ``create_graph=True`` the result is itself differentiable (gradients of gradients).
    """
    outputs = as_tuple(outputs)
    inputs = as_tuple(inputs)
    for position, tensor in enumerate(inputs):
        if not tensor.requires_grad:
            raise RuntimeError(f"input {position} of grad() does not require grad")
    grad_outputs = as_tuple(grad_outputs) if grad_outputs is not None else (None,) * len(outputs)
    if retain_graph is None:
        retain_graph = create_graph
    results = run_backward(outputs, grad_outputs, retain_graph, create_graph, inputs=inputs)
    for position, result in enumerate(results):
        if result is None and not allow_unused:
            raise RuntimeError(
                f"input {position} of grad() was not used to compute the outputs; "
                "pass allow_unused=True if that is expected"
            )
    if not create_graph:
        results = [None if r is None else r.detach() for r in results]
    return tuple(results)


def as_tuple(value) -> tuple:
    """``value`` as a tuple: a tuple or list element by element, anything else as a 1-tuple."""
    if isinstance(value, (tuple, list)):
        return tuple(value)
    return (value,)
