"""The backward graph of a tensor as plain data: nodes (ops, leaves, saved arrays, outputs) and
edges, collected once by walking ``grad_fn.next_functions``, and written as Graphviz DOT text.

Edges run the way the data flowed in the forward pass (an input into the op that used it, an op
into the output), so with ``rankdir=BT`` the leaves sit at the bottom and the output at the top.
Every node of the graph appears once, however many paths reach it (a shared subgraph is drawn
once, with one edge per use).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from tinynet.autograd.function import AccumulateGrad, Context
from tinynet.tensor import Tensor

# Fill colours per kind of node (X11 names that Graphviz and matplotlib both know)
COLORS = {"op": "lightgrey", "leaf": "lightblue", "saved": "orange", "output": "palegreen"}
_CORE_ATTRIBUTES = frozenset({"function", "next_functions", "needs_input_grad", "num_outputs",
                              "_inputs", "_input_versions", "_output_meta", "_saved", "_released",
                              "_output_hooks", "_pre_hooks"})


@dataclass
class GraphNode:
    """One box of the drawing: ``kind`` is "op", "leaf", "saved" or "output"."""

    id: str
    kind: str
    label: str


@dataclass
class GraphEdge:
    """An arrow from ``source`` to ``target`` (ids); ``label`` names the output of a multi-output
    op that the arrow carries ("" otherwise); saved arrays get dashed arrows."""

    source: str
    target: str
    label: str = ""
    dashed: bool = False


@dataclass
class GraphData:
    nodes: list = field(default_factory=list)
    edges: list = field(default_factory=list)


def format_shape(shape) -> str:
    """(2, 3) as PyTorch prints a shape's tuple; () for a scalar."""
    shape = tuple(int(s) for s in shape)
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _join(*lines) -> str:
    return "\n".join(line for line in lines if line)


def collect(outputs, params=None, show_saved=True, show_shapes=True) -> GraphData:
    """Walk the graph behind ``outputs`` (Tensors) breadth first; see ``draw_graph``."""
    names = _parameter_names(params)
    graph = GraphData()
    ids: dict = {}  # node object (or id of a leaf tensor) -> graph id

    def add(key, kind, label):
        ids[key] = f"n{len(graph.nodes)}"
        graph.nodes.append(GraphNode(ids[key], kind, label))
        return ids[key]

    def node_id(node):
        """The id of an autograd node, added (with the label it deserves) on first sight."""
        key = ("leaf", id(node.variable)) if isinstance(node, AccumulateGrad) else node
        if key in ids:
            return ids[key], False
        if isinstance(node, AccumulateGrad):
            return add(key, "leaf", _leaf_label(node.variable, names, show_shapes)), False
        return add(key, "op", _op_label(node, show_shapes)), True

    queue = deque()
    several = len(outputs) > 1
    for position, tensor in enumerate(outputs):
        title = f"output {position}" if several else "output"
        out_id = add(("output", position), "output",
                     _join(title, format_shape(tensor.shape) if show_shapes else ""))
        if tensor.grad_fn is not None:
            source, new = node_id(tensor.grad_fn)
            graph.edges.append(GraphEdge(source, out_id, _output_label(tensor.grad_fn,
                                                                       tensor._output_nr)))
            if new:
                queue.append(tensor.grad_fn)
        elif tensor.requires_grad:
            source, _ = node_id(tensor._grad_accumulator())
            graph.edges.append(GraphEdge(source, out_id))

    while queue:
        node = queue.popleft()
        target = ids[node]
        if show_saved and isinstance(node, Context):
            for name, value in _saved_arrays(node):
                label = _join(name, format_shape(value.shape) if show_shapes else "")
                graph.edges.append(GraphEdge(add(("saved", id(node), name), "saved", label),
                                             target, dashed=True))
        for next_node, index in node.next_functions:
            if next_node is None:
                continue
            source, new = node_id(next_node)
            graph.edges.append(GraphEdge(source, target, _output_label(next_node, index)))
            if new:
                queue.append(next_node)
    return graph


def _parameter_names(params) -> dict:
    if params is None:
        return {}
    if not hasattr(params, "items"):
        raise TypeError(
            f"params must be a dict of name -> Tensor, such as dict(model.named_parameters()); "
            f"got {type(params).__name__}"
        )
    names = {}
    for name, value in params.items():
        if not isinstance(value, Tensor):
            raise TypeError(f"params[{name!r}] is a {type(value).__name__}, not a Tensor")
        names.setdefault(id(value), str(name))
    return names


def _leaf_label(tensor, names, show_shapes) -> str:
    shape = format_shape(tensor.shape) if show_shapes else ""
    return _join(names.get(id(tensor), ""), shape) or "leaf"


def _op_label(node, show_shapes) -> str:
    """The op's node name, and the shape of each output while the graph still holds them (backward
    frees them unless retain_graph=True)."""
    shapes = ""
    meta = node.__dict__.get("_output_meta")
    if show_shapes and meta:
        shapes = " ".join(format_shape(entry[1].shape) for entry in meta)
    return _join(node.name(), shapes)


def _output_label(node, index) -> str:
    return f"out {index}" if getattr(node, "num_outputs", 1) > 1 else ""


def _saved_arrays(node) -> list:
    """(name, array) for what the op kept for its backward beyond its inputs and outputs: the values
    given to save_for_backward and the arrays stored on ctx (a ReLU's mask ...). Empty once
    backward freed them."""
    found = []
    for position, value in enumerate(node.__dict__.get("_saved", ()) or ()):
        if isinstance(value, (np.ndarray, Tensor)):
            found.append((f"saved {position}", value))
    for name, value in node.__dict__.items():
        if name not in _CORE_ATTRIBUTES and isinstance(value, (np.ndarray, Tensor)):
            found.append((name, value))
    return found


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(graph: GraphData) -> str:
    """Graphviz DOT source: one line per node (label, fill colour), one per edge."""
    lines = ["digraph {", "\tgraph [rankdir=BT]",
             '\tnode [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10]']
    for node in graph.nodes:
        lines.append(f"\t{node.id} [label={_quote(node.label)}, fillcolor={COLORS[node.kind]}]")
    for edge in graph.edges:
        attributes = []
        if edge.label:
            attributes.append(f"label={_quote(edge.label)}")
        if edge.dashed:
            attributes.append("style=dashed")
        suffix = f" [{', '.join(attributes)}]" if attributes else ""
        lines.append(f"\t{edge.source} -> {edge.target}{suffix}")
    lines.append("}")
    return "\n".join(lines) + "\n"
