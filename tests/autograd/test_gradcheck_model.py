"""gradcheck_model: passes correct models, and for a planted wrong backward names exactly that
Function and the module that created it."""

from __future__ import annotations

import re

import numpy as np
import pytest

import tinynet as tn
import tinynet.nn.functional as F
from tinynet import nn
from tinynet.autograd import Function, GradcheckError, GradcheckReport, gradcheck_model


class WrongScale(Function):
    """y = 2x.   dy/dx = 2 (the backward below wrongly uses 3: the planted fault)."""

    @staticmethod
    def forward(ctx, x):
        return 2 * x

    @staticmethod
    def backward(ctx, grad):
        return grad * 3


class WrongSecondInput(Function):
    """z = x · y.   dz/dx = y (right), dz/dy = x (the backward below forgets the incoming grad)."""

    @staticmethod
    def forward(ctx, x, y):
        return x * y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.inputs
        return grad * y, x


class Attention(nn.Module):
    def __init__(self, width, fault=None):
        super().__init__()
        self.query = nn.Linear(width, width)
        self.key = nn.Linear(width, width)
        self.fault = fault

    def forward(self, x):
        q, k = self.query(x), self.key(x)
        if self.fault == "scale":
            q = WrongScale.apply(q)
        elif self.fault == "second":
            q = WrongSecondInput.apply(q, k)
        weights = (q @ k.transpose(0, 1) / 2.0).softmax(-1)
        return weights @ x


class Block(nn.Module):
    def __init__(self, width, fault=None):
        super().__init__()
        self.attn = Attention(width, fault)
        self.ff = nn.Sequential(nn.Linear(width, width), nn.ReLU(), nn.ReLU(), nn.Tanh())

    def forward(self, x):
        return self.ff(self.attn(x)) + x


class Encoder(nn.Module):
    def __init__(self, width, depth, fault_at, fault):
        super().__init__()
        self.layers = nn.ModuleList(
            [Block(width, fault if i == fault_at else None) for i in range(depth)])

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class Model(nn.Module):
    def __init__(self, fault_at=None, fault="scale", width=6, depth=4):
        super().__init__()
        self.encoder = Encoder(width, depth, fault_at, fault)
        self.head = nn.Linear(width, 3)

    def forward(self, x):
        return self.head(self.encoder(x))


def setup(fault_at=None, fault="scale", seed=0):
    tn.manual_seed(seed)
    model = Model(fault_at, fault)
    x = tn.randn(5, 6, requires_grad=True)
    y = tn.tensor([0, 1, 2, 0, 1])
    return model, x, y, (lambda: F.cross_entropy(model(x), y))


@pytest.mark.parametrize("fault_at", [0, 2, 3])
def test_planted_fault_is_named_with_its_module_path_and_nothing_else(fault_at):
    model, x, _, fn = setup(fault_at)
    report = gradcheck_model(fn, [*model.parameters(), x])
    assert isinstance(report, GradcheckReport)
    assert not report.passed and not bool(report)
    culprit = report.culprit
    assert culprit.op == "WrongScale"
    assert culprit.module_path == f"encoder.layers.{fault_at}.attn"
    assert culprit.input_shapes == ((5, 6),) and culprit.output_shapes == ((5, 6),)
    assert not culprit.passed and abs(culprit.analytic - culprit.numerical) > 1e-3
    text = str(report)
    assert "WrongScale" in text and f"encoder.layers.{fault_at}.attn" in text
    assert re.findall(r"\b(?:encoder[\w.]*|head|query|key|ff[\w.]*)", text) == [
        f"encoder.layers.{fault_at}.attn"]
    for op in ("Linear", "MatMul", "Softmax", "ReLU", "Tanh", "NllLoss"):
        assert op not in text


def test_fault_in_the_gradient_of_one_input_of_two_is_found():
    model, x, _, fn = setup(1, fault="second")
    report = gradcheck_model(fn, [*model.parameters(), x])
    assert (report.culprit.op, report.culprit.module_path) == (
        "WrongSecondInput", "encoder.layers.1.attn")


def test_module_backward_hooks_do_not_hide_the_fault_and_the_step_is_the_trace_row():
    model, x, _, fn = setup(2)
    calls = []
    model.encoder.layers[2].register_full_backward_hook(lambda *args: calls.append(1))
    report = gradcheck_model(fn, [*model.parameters(), x])
    assert (report.culprit.op, report.culprit.module_path) == ("WrongScale",
                                                               "encoder.layers.2.attn")
    assert calls == [1]  # from the one real backward; the node checks do not call hooks
    row = tn.autograd.trace(fn()).rows[report.culprit.step]
    assert (row.op, row.module_path) == ("WrongScale", "encoder.layers.2.attn")


def test_correct_model_passes_and_the_report_says_so():
    model, x, _, fn = setup(None)
    report = gradcheck_model(fn, [*model.parameters(), x], directions=4)
    assert report.passed and report.culprit is None
    assert len(report.directions) == 4 and all(d.passed for d in report.directions)
    assert "passed" in str(report)


def test_checking_only_some_tensors_below_the_fault_still_finds_it():
    model, x, _, fn = setup(2)
    x.requires_grad_(False)
    arrays = {id(t): t._data for t in [*model.parameters(), x]}
    report = gradcheck_model(fn, list(model.encoder.layers[0].parameters()))
    assert (report.culprit.op, report.culprit.module_path) == ("WrongScale",
                                                               "encoder.layers.2.attn")
    # the tensors fn() reads besides the checked ones ran in float64 too, and are restored
    assert all(t._data is arrays[id(t)] and t.dtype == tn.float32 for t in [*model.parameters(), x])


def test_tensors_above_the_fault_do_not_see_it():
    model, _, _, fn = setup(2)
    assert gradcheck_model(fn, list(model.head.parameters())).passed


class Recurrent(nn.Module):
    def __init__(self, kind):
        super().__init__()
        self.rnn = getattr(nn, kind)(3, 4, num_layers=2, batch_first=True, bidirectional=True)
        self.head = nn.Linear(8, 1)

    def forward(self, x):
        output, _ = self.rnn(x)
        return self.head(output[:, -1]).sum()


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_fused_recurrent_layers_pass(kind):
    tn.manual_seed(1)
    model = Recurrent(kind)
    x = tn.randn(2, 5, 3, requires_grad=True)
    report = gradcheck_model(lambda: model(x), [*model.parameters(), x])
    assert report.passed, str(report)


def test_convolutional_model_with_batch_norm_and_pooling_passes():
    tn.manual_seed(2)
    model = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(12, 2))
    x = tn.randn(3, 2, 4, 4)
    report = gradcheck_model(lambda: (model(x) ** 2).mean(), list(model.parameters()))
    assert report.passed, str(report)


def test_tensors_are_restored_and_grads_left_alone():
    model, x, _, fn = setup(2)
    params = list(model.parameters())
    arrays = [p._data for p in params]
    copies = [a.copy() for a in arrays]
    params[0].grad = tn.ones(params[0].shape)
    gradcheck_model(fn, [*params, x])
    for p, array, copy in zip(params, arrays, copies):
        assert p._data is array and p.dtype == tn.float32
        np.testing.assert_array_equal(p.detach().numpy(), copy)
    np.testing.assert_array_equal(params[0].grad.numpy(), np.ones(params[0].shape))
    assert all(p.grad is None for p in params[1:]) and x.grad is None


def test_tensors_are_restored_when_fn_raises():
    w = tn.randn(3, requires_grad=True)
    array = w._data
    calls = []

    def fn():
        calls.append(1)
        if len(calls) > 2:
            raise ArithmeticError("boom")
        return (w * w).sum()

    with pytest.raises(ArithmeticError, match="boom"):
        gradcheck_model(fn, [w])
    assert w._data is array and w.dtype == tn.float32


def test_raise_on_failure_raises_the_report_text():
    model, x, _, fn = setup(3)
    with pytest.raises(GradcheckError, match=r"WrongScale[\s\S]*encoder\.layers\.3\.attn") as info:
        gradcheck_model(fn, [*model.parameters(), x], raise_on_failure=True)
    assert info.value.report.culprit.op == "WrongScale"


def test_a_detached_value_is_reported_as_skipped_not_blamed_on_an_op():
    w = tn.tensor([0.5, -1.0, 2.0], requires_grad=True)
    report = gradcheck_model(lambda: (w * w.detach().exp()).sum(), [w])
    assert not report.passed and report.culprit is None
    assert "detached" in str(report)


def test_fn_that_does_not_return_a_scalar_tensor_is_refused():
    w = tn.randn(3, requires_grad=True)
    with pytest.raises(TypeError, match="scalar Tensor, got float"):
        gradcheck_model(lambda: 1.0, [w])
    with pytest.raises(ValueError, match=r"scalar, got shape \[3\]"):
        gradcheck_model(lambda: w * 2, [w])


def test_tensors_that_cannot_be_checked_are_refused_by_position():
    w = tn.randn(3, requires_grad=True)
    with pytest.raises(ValueError, match=r"tensors\[1\] \(shape \[2\]\) does not require grad"):
        gradcheck_model(lambda: w.sum(), [w, tn.randn(2)])
    with pytest.raises(TypeError, match=r"tensors\[0\] is a ndarray"):
        gradcheck_model(lambda: w.sum(), [np.ones(3)])
    with pytest.raises(ValueError, match="no tensors"):
        gradcheck_model(lambda: w.sum(), [])
    with pytest.raises(ValueError, match="directions must be at least 1"):
        gradcheck_model(lambda: w.sum(), [w], directions=0)


def test_fn_not_depending_on_the_tensors_or_not_repeatable_is_refused():
    w = tn.randn(3, requires_grad=True)
    with pytest.raises(ValueError, match="does not require grad"):
        gradcheck_model(lambda: tn.ones(3).sum(), [w])
    dropout = nn.Dropout(0.5)
    with pytest.raises(ValueError, match=r"same value each time.*eval\(\)"):
        gradcheck_model(lambda: dropout(w.expand(50, 3)).sum(), [w])
