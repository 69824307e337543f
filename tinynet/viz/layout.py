"""A matplotlib drawing of a graph for machines without Graphviz: a layered layout.

Each node sits in the row of its longest path to an output (outputs on top, leaves at the
bottom, as Graphviz's ``rankdir=BT`` draws them); within a row the nodes are ordered by the mean
position of the nodes they feed (one top-down pass of the barycentre heuristic, which removes most
crossings of a backward graph), and spread evenly.
"""

from __future__ import annotations

import io

from tinynet.viz.graph import COLORS, GraphData

_BOX_WIDTH = 1.9  # inches per node of the widest row
_ROW_HEIGHT = 0.95  # inches per row


def layers(graph: GraphData) -> dict:
    """Node id -> row: 0 for the outputs, 1 + the largest row of the nodes it feeds otherwise."""
    consumers = {node.id: [] for node in graph.nodes}
    for edge in graph.edges:
        consumers[edge.source].append(edge.target)
    row: dict = {}

    def depth(start):  # iterative: a graph may be thousands of nodes deep
        stack = [start]
        while stack:
            node = stack[-1]
            pending = [c for c in consumers[node] if c not in row]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            row[node] = 1 + max((row[c] for c in consumers[node]), default=-1)

    for node in graph.nodes:
        if node.id not in row:
            depth(node.id)
    return row


def positions(graph: GraphData) -> tuple[dict, float, float]:
    """(node id -> (x, y) in inches, y growing upwards from the leaves; width; height)."""
    row = layers(graph)
    rows: dict = {}
    for node in graph.nodes:
        rows.setdefault(row[node.id], []).append(node.id)
    consumers = {node.id: [] for node in graph.nodes}
    for edge in graph.edges:
        consumers[edge.source].append(edge.target)
    width = max(len(members) for members in rows.values()) * _BOX_WIDTH
    bottom = max(rows)
    placed: dict = {}
    for level in sorted(rows):
        members = rows[level]
        if level > 0:
            order = {node_id: index for index, node_id in enumerate(members)}
            members = sorted(members, key=lambda n: (
                sum(placed[c][0] for c in consumers[n]) / max(len(consumers[n]), 1), order[n]))
        step = width / len(members)
        for index, node_id in enumerate(members):
            placed[node_id] = ((index + 0.5) * step, (bottom - level + 0.5) * _ROW_HEIGHT)
    return placed, width, (bottom + 1) * _ROW_HEIGHT


def draw(graph: GraphData):
    """A matplotlib Figure of the graph (made without pyplot, so no global figure is created)."""
    from matplotlib.figure import Figure

    placed, width, height = positions(graph)
    figure = Figure(figsize=(width, height))
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, width)
    axes.set_ylim(0, height)
    axes.axis("off")
    boxes = {}
    for node in graph.nodes:
        x, y = placed[node.id]
        boxes[node.id] = axes.text(
            x, y, node.label, ha="center", va="center", fontsize=8, zorder=2,
            bbox={"boxstyle": "round,pad=0.3", "facecolor": COLORS[node.kind],
                  "edgecolor": "black"})
    for edge in graph.edges:
        # an arrow that skips rows bends, so that it does not run behind the boxes between
        skips = abs(placed[edge.target][1] - placed[edge.source][1]) > 1.5 * _ROW_HEIGHT
        axes.annotate(
            "", xy=placed[edge.target], xytext=placed[edge.source], zorder=1,
            arrowprops={"arrowstyle": "->", "linestyle": "--" if edge.dashed else "-",
                        "patchA": boxes[edge.source], "patchB": boxes[edge.target],
                        "color": "dimgray",
                        "connectionstyle": f"arc3,rad={0.35 if skips else 0.0}"})
        if edge.label:
            (x0, y0), (x1, y1) = placed[edge.source], placed[edge.target]
            axes.text((x0 + x1) / 2, (y0 + y1) / 2, edge.label, fontsize=7, ha="left",
                      color="dimgray")
    return figure


def render_bytes(graph: GraphData, format: str) -> bytes:
    """The matplotlib drawing saved in ``format`` ("svg", "png" or "pdf"); an SVG keeps its labels
    as text (searchable, small) rather than glyph outlines."""
    import matplotlib

    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):  # scoped to this call
        draw(graph).savefig(buffer, format=format)
    return buffer.getvalue()
