"""Drawing the backward graph: ``draw_graph(loss, params=dict(model.named_parameters()))``.

The graph is always available as Graphviz DOT text (``.source``), made by tinynet itself. Rendering
it to SVG, PNG or PDF uses the ``graphviz`` Python package and its ``dot`` program when both are
installed, and a matplotlib drawing (a simple layered layout) otherwise.
"""

from __future__ import annotations

from tinynet.tensor import Tensor
from tinynet.viz import layout
from tinynet.viz.graph import GraphData, GraphEdge, GraphNode, collect, to_dot

__all__ = ["Graph", "draw_graph"]

FORMATS = ("svg", "png", "pdf")


def draw_graph(tensor, params=None, show_saved=True, show_shapes=True, format=None,
               filename=None):
    """The graph that produced ``tensor`` (a Tensor, or a list or tuple of them), as a ``Graph``.

    Nodes: one per op (its backward node's name, ``MulBackward``, and its output shape), one per
    leaf tensor that requires grad (named by ``params``, a dict name -> Tensor such as
    ``dict(model.named_parameters())``, and its shape), one per array an op kept for its backward
    when ``show_saved`` (dashed arrows; backward frees them unless it ran with
    ``retain_graph=True``), and one per output. Arrows follow ``next_functions``, drawn in the
    forward direction (input -> op -> output); an arrow leaving an op with several outputs names the
    output it carries ("out 1"). A node reached by several paths is drawn once.

    With ``filename``, the drawing is also written there in ``format`` (default "svg").
    Differs from torchviz's ``make_dot`` (the PyTorch-side tool): the result is a tinynet ``Graph``
    whose DOT text needs no Graphviz.
    """
    outputs = tuple(tensor) if isinstance(tensor, (list, tuple)) else (tensor,)
    if not outputs:
        raise ValueError("draw_graph needs at least one tensor")
    for position, value in enumerate(outputs):
        if not isinstance(value, Tensor):
            raise TypeError(f"draw_graph draws Tensors; item {position} is a "
                            f"{type(value).__name__}")
    graph = Graph(collect(outputs, params, show_saved, show_shapes), format or "svg")
    if filename is not None:
        graph.render(filename, format=format or "svg")
    return graph


class Graph:
    """A drawn graph: ``source`` (DOT text), ``nodes`` and ``edges`` (the same, as data),
    ``render(filename, format)``, and rich display in a notebook."""

    def __init__(self, data: GraphData, format: str = "svg"):
        _check_format(format)
        self.data = data
        self.format = format
        self.source = to_dot(data)

    @property
    def nodes(self) -> list[GraphNode]:
        return self.data.nodes

    @property
    def edges(self) -> list[GraphEdge]:
        return self.data.edges

    def pipe(self, format=None) -> bytes:
        """The drawing as bytes in ``format`` ("svg", "png" or "pdf"): Graphviz's when it is
        installed, matplotlib's otherwise."""
        format = format or self.format
        _check_format(format)
        drawn = _graphviz_bytes(self.source, format)
        return drawn if drawn is not None else layout.render_bytes(self.data, format)

    def render(self, filename, format=None) -> str:
        """Write the drawing to ``filename`` (used as given) in ``format``; returns the path."""
        data = self.pipe(format)
        path = str(filename)
        with open(path, "wb") as file:
            file.write(data)
        return path

    def _repr_svg_(self) -> str:
        return self.pipe("svg").decode("utf-8")

    def _repr_png_(self) -> bytes:
        return self.pipe("png")

    def __str__(self) -> str:
        return self.source

    def __repr__(self) -> str:
        return f"<tinynet.viz.Graph: {len(self.nodes)} nodes, {len(self.edges)} edges>"


def _check_format(format) -> None:
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}; got {format!r}")


def _graphviz_bytes(source: str, format: str):
    """Graphviz's rendering, or None when the package or its ``dot`` program is missing."""
    try:
        import graphviz
    except ImportError:
        return None
    not_found = getattr(graphviz, "ExecutableNotFound", OSError)
    try:
        return graphviz.Source(source).pipe(format=format)
    except not_found:
        return None
