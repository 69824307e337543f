"""tinynet.viz.draw_graph: the DOT text of known graphs (nodes, labels, edges), and rendering with
Graphviz when it is there and with matplotlib when it is not."""

import re
import sys
import types

import numpy as np
import pytest

import tinynet as tn
from tinynet import nn
from tinynet.autograd import Function
from tinynet.viz import draw_graph

NODE = re.compile(r'^\t(n\d+) \[label="(.*)", fillcolor=(\w+)\]$')
EDGE = re.compile(r"^\t(n\d+) -> (n\d+)(?: \[(.*)\])?$")


def parse(source):
    """({id: (label, colour)}, [(source label, target label, attributes)]) from DOT text."""
    nodes, edges = {}, []
    for line in source.splitlines():
        if match := NODE.match(line):
            nodes[match[1]] = (match[2], match[3])
        elif match := EDGE.match(line):
            edges.append((match[1], match[2], match[3] or ""))
    return nodes, [(nodes[a][0], nodes[b][0], attributes) for a, b, attributes in edges]


def test_dot_of_a_known_small_graph_with_named_parameters():
    x = tn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = tn.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = (x * w).tanh().sum()
    graph = draw_graph(y, params={"x": x, "w": w})
    nodes, edges = parse(graph.source)
    assert graph.source.startswith("digraph {\n") and graph.source.endswith("}\n")
    assert sorted(nodes.values()) == sorted([
        (r"output\n()", "palegreen"), (r"SumBackward\n()", "lightgrey"),
        (r"TanhBackward\n(3,)", "lightgrey"), (r"MulBackward\n(3,)", "lightgrey"),
        (r"x\n(3,)", "lightblue"), (r"w\n(3,)", "lightblue")])
    assert sorted(edges) == sorted([
        (r"SumBackward\n()", r"output\n()", ""), (r"TanhBackward\n(3,)", r"SumBackward\n()", ""),
        (r"MulBackward\n(3,)", r"TanhBackward\n(3,)", ""), (r"x\n(3,)", r"MulBackward\n(3,)", ""),
        (r"w\n(3,)", r"MulBackward\n(3,)", "")])
    assert [node.kind for node in graph.nodes].count("leaf") == 2
    assert len(graph.edges) == 5


def test_unnamed_leaves_are_labelled_by_shape_and_shapes_can_be_hidden():
    x = tn.ones(2, 3, requires_grad=True)
    y = (x * 2.0).sum()
    labels = {label for label, _ in parse(draw_graph(y).source)[0].values()}
    assert labels == {r"output\n()", r"SumBackward\n()", r"MulBackward\n(2, 3)", r"(2, 3)"}
    bare = {label for label, _ in parse(draw_graph(y, show_shapes=False).source)[0].values()}
    assert bare == {"output", "SumBackward", "MulBackward", "leaf"}


def test_a_linear_layer_names_its_parameters_and_shows_saved_arrays():
    tn.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
    y = model(tn.randn(2, 3)).sum()
    nodes, edges = parse(draw_graph(y, params=dict(model.named_parameters())).source)
    labels = {label for label, _ in nodes.values()}
    assert {r"0.weight\n(4, 3)", r"0.bias\n(4,)"} <= labels
    saved = [(a, b, attributes) for a, b, attributes in edges if attributes == "style=dashed"]
    assert saved == [(r"positive\n(2, 4)", r"ReLUBackward\n(2, 4)", "style=dashed")]
    assert nodes[next(k for k, v in nodes.items() if v[0].startswith("positive"))][1] == "orange"
    hidden = parse(draw_graph(y, show_saved=False).source)[1]
    assert all(attributes != "style=dashed" for _, _, attributes in hidden)


def test_a_shared_subgraph_is_drawn_once_with_one_edge_per_use():
    x = tn.tensor([0.5, 1.5], requires_grad=True)
    a = x * x  # x used twice by one op
    y = (a + a.exp()).sum()  # a used twice, once through exp
    nodes, edges = parse(draw_graph(y, show_saved=False).source)
    labels = [label for label, _ in nodes.values()]
    assert labels.count(r"MulBackward\n(2,)") == 1 and labels.count(r"(2,)") == 1
    assert edges.count((r"(2,)", r"MulBackward\n(2,)", "")) == 2
    assert edges.count((r"MulBackward\n(2,)", r"AddBackward\n(2,)", "")) == 1
    assert edges.count((r"MulBackward\n(2,)", r"ExpBackward\n(2,)", "")) == 1
    assert len(nodes) == 6 and len(edges) == 7


class SplitHalves(Function):
    """Two outputs: the first and second half of a vector."""

    @staticmethod
    def forward(ctx, x):
        half = x.shape[0] // 2
        return x[:half].copy(), x[half:].copy()

    @staticmethod
    def backward(ctx, grad_first, grad_second):
        return tn.cat([grad_first, grad_second])


def test_a_multi_output_node_labels_the_output_each_arrow_carries():
    x = tn.arange(4.0).requires_grad_()
    first, second = SplitHalves.apply(x)
    y = first.sum() * 2.0 + second.mean()
    nodes, edges = parse(draw_graph(y).source)
    assert [label for label, _ in nodes.values()].count(r"SplitHalvesBackward\n(2,) (2,)") == 1
    carried = sorted(attributes for a, _, attributes in edges if a.startswith("SplitHalves"))
    assert carried == ['label="out 0"', 'label="out 1"']
    graph = draw_graph([first, second])
    nodes, edges = parse(graph.source)
    assert sorted(b for _, b, _ in edges if b.startswith("output")) == [
        r"output 0\n(2,)", r"output 1\n(2,)"]


def test_a_leaf_and_a_constant_are_graphs_of_one_or_two_nodes():
    leaf = tn.zeros(3, requires_grad=True)
    nodes, edges = parse(draw_graph(leaf, params={"bias": leaf}).source)
    assert sorted(label for label, _ in nodes.values()) == [r"bias\n(3,)", r"output\n(3,)"]
    assert edges == [(r"bias\n(3,)", r"output\n(3,)", "")]
    nodes, edges = parse(draw_graph(tn.zeros(2)).source)
    assert list(nodes.values()) == [(r"output\n(2,)", "palegreen")] and edges == []


def test_after_backward_the_freed_saved_arrays_and_shapes_are_not_shown():
    x = tn.ones(2, 2, requires_grad=True)
    y = x.relu().sum()
    y.backward()
    labels = {label for label, _ in parse(draw_graph(y).source)[0].values()}
    assert labels == {r"output\n()", "SumBackward", "ReLUBackward", r"(2, 2)"}


def test_bad_input_is_refused_with_a_clear_error():
    x = tn.ones(2, requires_grad=True)
    with pytest.raises(TypeError, match="item 0 is a ndarray"):
        draw_graph(np.ones(2))
    with pytest.raises(TypeError, match="dict of name -> Tensor"):
        draw_graph(x.sum(), params=[x])
    with pytest.raises(TypeError, match=r"params\['w'\] is a list"):
        draw_graph(x.sum(), params={"w": [1.0]})
    with pytest.raises(ValueError, match="format must be one of svg, png, pdf"):
        draw_graph(x.sum(), format="jpg")
    with pytest.raises(ValueError, match="at least one tensor"):
        draw_graph([])


@pytest.fixture
def no_graphviz(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)  # `import graphviz` raises ImportError


def test_without_graphviz_rendering_falls_back_to_matplotlib(no_graphviz, tmp_path):
    pytest.importorskip("matplotlib")
    x = tn.ones(2, 3, requires_grad=True)
    graph = draw_graph((x * x).sum(), params={"x": x})
    svg = graph.render(tmp_path / "graph.svg")
    text = (tmp_path / "graph.svg").read_text()
    assert svg == str(tmp_path / "graph.svg") and "<svg" in text and "Matplotlib" in text
    assert "MulBackward" in text and "x" in text
    graph.render(tmp_path / "graph.png", format="png")
    assert (tmp_path / "graph.png").read_bytes().startswith(b"\x89PNG")
    assert graph._repr_png_().startswith(b"\x89PNG") and "<svg" in graph._repr_svg_()
    draw_graph((x * x).sum(), format="png", filename=tmp_path / "direct.png")
    assert (tmp_path / "direct.png").read_bytes().startswith(b"\x89PNG")


def fake_graphviz(calls, missing_binary=False):
    module = types.ModuleType("graphviz")

    class ExecutableNotFound(RuntimeError):
        pass

    class Source:
        def __init__(self, source):
            calls.append(source)

        def pipe(self, format):
            if missing_binary:
                raise ExecutableNotFound("failed to execute 'dot'")
            return f"<graphviz {format}>".encode()

    module.Source, module.ExecutableNotFound = Source, ExecutableNotFound
    return module


def test_with_graphviz_its_rendering_of_the_dot_source_is_written(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setitem(sys.modules, "graphviz", fake_graphviz(calls))
    graph = draw_graph((tn.ones(2, requires_grad=True) * 3.0).sum())
    graph.render(tmp_path / "g.png", format="png")
    assert (tmp_path / "g.png").read_bytes() == b"<graphviz png>"
    assert calls == [graph.source]


def test_graphviz_without_its_dot_program_falls_back_to_matplotlib(monkeypatch, tmp_path):
    pytest.importorskip("matplotlib")
    calls = []
    monkeypatch.setitem(sys.modules, "graphviz", fake_graphviz(calls, missing_binary=True))
    graph = draw_graph((tn.ones(2, requires_grad=True) * 3.0).sum())
    assert graph.pipe("png").startswith(b"\x89PNG") and calls == [graph.source]


def test_the_fallback_layout_puts_outputs_on_top_and_leaves_below_their_ops():
    from tinynet.viz import layout

    x = tn.ones(2, requires_grad=True)
    graph = draw_graph((x * x).exp().sum(), params={"x": x})
    placed, width, height = layout.positions(graph.data)
    y_of = {node.label.split("\n")[0]: placed[node.id][1] for node in graph.nodes}
    assert (y_of["output"] > y_of["SumBackward"] > y_of["ExpBackward"] > y_of["MulBackward"]
            > y_of["x"])
    assert all(0 < px < width and 0 < py < height for px, py in placed.values())


def test_tinynet_viz_is_reachable_as_an_attribute():
    assert tn.viz.draw_graph is draw_graph
