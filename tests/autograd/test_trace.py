"""trace(loss): one row per node in backward's order, with module, shapes, incoming gradient,
local rule and summed broadcast axes; nothing accumulated."""

from __future__ import annotations

import numpy as np
import pytest

import tinynet as tn
import tinynet.nn.functional as F
from tinynet import nn
from tinynet.autograd import Trace, TraceRow, trace


def leaf(values):
    return tn.tensor(values, dtype=tn.float64, requires_grad=True)


def test_rows_follow_backward_order_with_incoming_gradients():
    x = leaf([[1.0, -2.0, 0.5], [0.3, 0.1, -1.0]])
    w = leaf([0.5, -1.0, 2.0])
    b = leaf([0.1, 0.2, 0.3])
    loss = (x * w + b).tanh().sum()
    result = trace(loss)
    assert isinstance(result, Trace) and all(isinstance(r, TraceRow) for r in result.rows)
    assert [r.op for r in result.rows[:4]] == ["Sum", "Tanh", "Add", "Mul"]
    assert [r.op for r in result.rows[4:]] == ["AccumulateGrad"] * 3
    assert [r.step for r in result.rows] == list(range(7))
    total, tanh, add, mul = result.rows[:4]
    assert total.output_shape == () and total.grad_norm == pytest.approx(1.0)
    assert tanh.grad_shape == (2, 3) and tanh.grad_norm == pytest.approx(np.sqrt(6))
    t = np.tanh(x.detach().numpy() * w.detach().numpy() + b.detach().numpy())
    assert add.grad_norm == pytest.approx(np.linalg.norm(1 - t ** 2))
    assert mul.input_shapes == ((2, 3), (3,))


def test_broadcast_axes_of_a_bias_added_to_an_image_batch():
    x = tn.randn(4, 3, 5, 5, dtype=tn.float64)
    bias = leaf(np.zeros((3, 1, 1)))
    result = trace((x + bias).square().sum())
    add = next(r for r in result.rows if r.op == "Add")
    assert add.summed_axes == (None, (0, 2, 3))  # no gradient goes to x
    assert "input 1 (shape [3, 1, 1]): summed over axes (0, 2, 3)" in add.summed_text()
    assert "summed over axes (0, 2, 3)" in str(result)


def test_broadcast_axes_of_a_leading_and_a_middle_axis():
    a = leaf(np.ones((2, 1, 4)))
    b = leaf(np.ones((3, 1)))
    row = trace((a * b).sum()).rows[1]
    assert row.op == "Mul" and row.summed_axes == ((1,), (0, 2))


def test_convolution_and_linear_biases_are_summed_over_their_batch_axes():
    tn.manual_seed(0)
    conv, fc = nn.Conv2d(2, 3, 3, padding=1), nn.Linear(48, 2)
    model = nn.Sequential(conv, nn.ReLU(), nn.Flatten(), fc)
    loss = F.cross_entropy(model(tn.randn(4, 2, 4, 4)), tn.tensor([0, 1, 1, 0]))
    rows = trace(loss, params=dict(model.named_parameters())).rows
    conv_row = next(r for r in rows if r.op == "Conv2d")
    linear_row = next(r for r in rows if r.op == "Linear")
    assert conv_row.module_path == "0" and linear_row.module_path == "3"
    assert conv_row.summed_axes[2] == (0, 2, 3)
    assert linear_row.summed_axes[2] == (0,)
    assert conv_row.summed_axes[1] == () and linear_row.summed_axes[0] == ()
    leaves = {r.module_path: r for r in rows if r.op == "AccumulateGrad"}
    assert set(leaves) == {"0.weight", "0.bias", "3.weight", "3.bias"}
    assert leaves["0.bias"].output_shape == (3,)


def test_trace_changes_no_grad_and_backward_still_works_afterwards():
    w = leaf([0.5, -1.0, 2.0])
    seen = []
    w.register_hook(lambda g: seen.append(g))
    loss = (w.exp() * w).sum()
    trace(loss)
    assert w.grad is None and seen == []
    loss.backward()
    np.testing.assert_allclose(w.grad.numpy(), np.exp([0.5, -1.0, 2.0]) * (np.array([0.5, -1.0,
                                                                                      2.0]) + 1))


def test_module_backward_hooks_are_not_called_and_their_gradients_pass_through():
    layer = nn.Linear(3, 2).double()
    calls = []
    layer.register_full_backward_hook(lambda *args: calls.append(args))
    x = leaf(np.ones((4, 3)))
    rows = trace(layer(x).sum()).rows
    assert calls == []
    assert any(r.op == "Linear" for r in rows)


def test_rows_name_the_module_path_of_nested_modules():
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)

        def forward(self, x):
            return self.fc(x).tanh()

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList([Block(), Block()])

        def forward(self, x):
            for block in self.blocks:
                x = block(x)
            return x * 2

    loss = Net()(tn.randn(2, 3)).sum()
    rows = [r for r in trace(loss).rows if r.op != "AccumulateGrad"]
    assert [(r.op, r.module_path) for r in rows] == [
        ("Sum", None), ("Mul", ""), ("Tanh", "blocks.1"), ("Linear", "blocks.1.fc"),
        ("Tanh", "blocks.0"), ("Linear", "blocks.0.fc")]
    assert rows[0].module == "-" and rows[1].module == "(Net)"


def test_local_rules_come_from_the_ops_docstrings():
    tn.manual_seed(0)
    x = tn.randn(2, 2, 4, 4, dtype=tn.float64, requires_grad=True)
    w = tn.randn(3, 2, 3, 3, dtype=tn.float64, requires_grad=True)
    h = F.conv2d(x, w).relu().tanh().sigmoid().exp().log().flatten(1)
    h = F.linear(h, tn.randn(5, 12, dtype=tn.float64)) @ tn.randn(5, 2, dtype=tn.float64)
    loss = (h * h.expand(3, 2, 2)).mean()
    rows = {r.op: r.rule for r in trace(loss).rows}
    assert rows["Tanh"] == "y = tanh x. dy/dx = 1 − y²."
    for op in ("Conv2d", "ReLU", "Tanh", "Sigmoid", "Exp", "Log", "Linear", "MatMul", "Mul",
               "Sum", "Div", "BroadcastTo"):
        assert "=" in rows[op] and "d" in rows[op].split("=", 1)[1], op


def test_table_text_and_html():
    x = leaf([[1.0, 2.0]])
    result = trace((x * leaf([3.0, 4.0])).sum())
    text = str(result)
    assert text.splitlines()[0].split() == ["#", "op", "module", "output", "grad", "in", "|grad|",
                                            "local", "rule", "summed"]
    assert "Mul" in text and "summed over axes (0,)" in text and len(text.splitlines()) == 2 + 4
    assert "dz/dx = y, dz/dy = x." in text  # the table shows the derivative part of the rule
    assert result.rows[1].derivative == "dz/dx = y, dz/dy = x."
    html = result._repr_html_()
    assert html.startswith("<table>") and html.count("<tr>") == 1 + 4 and "&lt;" not in html


def test_bad_inputs_are_refused():
    with pytest.raises(TypeError, match="loss must be a Tensor"):
        trace(1.0)
    with pytest.raises(ValueError, match="no grad_fn"):
        trace(leaf([1.0]))
    y = leaf([1.0, 2.0]) * 2
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        trace(y)
    assert len(trace(y, tn.ones(2, dtype=tn.float64))) == 2
    loss = y.sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        trace(loss)
