"""tinynet.diagnostics.precision_report: float32 against float64, layer by layer. It names a naive
softmax that overflows, stays small on a plain MLP, and leaves the user's model as it was."""

import math

import numpy as np
import pytest

import tinynet as tn
from tinynet import nn
from tinynet.diagnostics import precision_report, relative_error


class NaiveSoftmax(nn.Module):
    """softmax without subtracting the maximum: exp overflows float32 above logits of about 88."""

    def forward(self, x):
        e = x.exp()
        return e / e.sum(dim=-1, keepdim=True)


def squared_error(probabilities, targets):
    return ((probabilities - nn.functional.one_hot(targets, 5).float()) ** 2).sum(dim=1).mean()


def data(seed=0):
    tn.manual_seed(seed)
    return tn.randn(16, 4), tn.randint(0, 5, (16,))


def test_a_naive_softmax_with_large_logits_is_named_as_the_worst_layer():
    x, y = data()
    model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 5), NaiveSoftmax())
    with tn.no_grad():
        model[2].weight.mul_(200.0)  # logits in the hundreds: exp(100) is inf in float32
    report = precision_report(model, squared_error, (x, y))
    rows = {row.name: row for row in report.rows}
    assert report.worst_layer == "3" and report.worst.type == "NaiveSoftmax"
    assert math.isinf(rows["3"].activation_error)
    assert rows["0"].activation_error < 1e-5 and rows["2"].activation_error < 1e-5
    text = str(report)
    assert "worst layer: 3 (NaiveSoftmax)" in text
    assert text.splitlines()[3].split()[:2] == ["3", "NaiveSoftmax"]  # sorted worst first


def test_the_same_model_with_small_logits_is_healthy():
    x, y = data()
    model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 5), NaiveSoftmax())
    report = precision_report(model, squared_error, (x, y))
    assert all(row.error < 1e-5 for row in report.rows)


def test_a_plain_mlp_shows_errors_of_float32_rounding_only():
    x, y = data(1)
    model = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(),
                          nn.Linear(32, 5))
    report = precision_report(model, nn.CrossEntropyLoss(), (x, y))
    assert {row.name for row in report.rows} == {"", "0", "1", "2", "3", "4"}
    for row in report.rows:
        assert 0 < row.activation_error < 1e-5
        assert row.gradient_error is None or 0 < row.gradient_error < 1e-5
    assert set(report.parameter_errors) == {f"{i}.{kind}" for i in (0, 2, 4)
                                            for kind in ("weight", "bias")}
    assert all(error < 1e-5 for error in report.parameter_errors.values())
    assert report.loss_error < 1e-5 and abs(report.loss32 - report.loss64) < 1e-5


def test_the_float64_pass_matches_a_float64_computation_of_the_same_weights():
    x, y = data(2)
    model = nn.Linear(4, 5)
    report = precision_report(model, nn.CrossEntropyLoss(), (x, y))
    reference = nn.Linear(4, 5).double()
    reference.load_state_dict({k: v.double() for k, v in model.state_dict().items()})
    expected = nn.CrossEntropyLoss()(reference(x.double()), y).item()
    assert report.loss64 == pytest.approx(expected, rel=1e-14)


def test_the_users_model_is_left_exactly_as_it_was():
    x, y = data(3)
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Dropout(0.5), nn.Linear(8, 5))
    model.double()
    model[0].weight.grad = tn.ones(8, 4, dtype=tn.float64)
    calls = []
    model[0].register_forward_hook(lambda module, args, output: calls.append(1))
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    dtypes_before = {k: v.dtype for k, v in model.state_dict().items()}
    tn.manual_seed(5)
    expected_draw = tn.rand(3).tolist()
    tn.manual_seed(5)
    report = precision_report(model, nn.CrossEntropyLoss(), (x, y))
    assert tn.rand(3).tolist() == expected_draw  # the global random state is untouched
    after = model.state_dict()
    assert all(np.array_equal(before[k], after[k].numpy()) for k in before)
    assert {k: v.dtype for k, v in after.items()} == dtypes_before
    assert model[0].weight.grad.tolist() == tn.ones(8, 4).tolist() and model[3].weight.grad is None
    assert model.training and calls == [] and tn.get_default_dtype() == tn.float32
    assert report.rows  # dropout: the same mask in both passes, so errors stay small
    assert all(row.error < 1e-4 for row in report.rows)


def test_inputs_alone_and_several_inputs():
    class Pair(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(3, 2), nn.Linear(3, 2)

        def forward(self, u, v):
            return self.a(u) * self.b(v)

    report = precision_report(Pair(), lambda out: out.pow(2).sum(),
                              ((tn.randn(4, 3), tn.randn(4, 3)), None))
    assert {row.name for row in report.rows} == {"", "a", "b"}
    report = precision_report(nn.Linear(3, 2), lambda out: out.sum(), tn.randn(4, 3))
    assert report.worst_layer == "" and report.rows[0].gradient_error < 1e-5


def test_relative_error():
    assert relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert relative_error(np.array([3.0, 4.0]), np.array([3.0, 4.5])) == pytest.approx(
        0.5 / math.hypot(3.0, 4.5))
    assert relative_error(np.array([np.inf]), np.array([1e40])) == math.inf
    assert relative_error(np.array([np.nan]), np.array([np.nan])) == 0.0
    assert relative_error(np.zeros(2), np.zeros(2)) == 0.0
    with pytest.raises(ValueError, match="cannot compare 2 values with 3"):
        relative_error(np.zeros(2), np.zeros(3))


def test_bad_input_is_refused_by_name():
    x, y = data()
    model = nn.Linear(4, 5)
    with pytest.raises(TypeError, match="tinynet.nn.Module"):
        precision_report(lambda t: t, nn.CrossEntropyLoss(), (x, y))
    with pytest.raises(TypeError, match="loss_fn must be callable"):
        precision_report(model, "cross_entropy", (x, y))
    with pytest.raises(TypeError, match="a sequence of 3 items"):
        precision_report(model, nn.CrossEntropyLoss(), (x, y, y))
    with pytest.raises(TypeError, match="batch must be a Tensor"):
        precision_report(model, nn.CrossEntropyLoss(), x.numpy())
    with pytest.raises(ValueError, match=r"scalar Tensor; it returned \[16, 5\]"):
        precision_report(model, lambda out, t: out, (x, y))
