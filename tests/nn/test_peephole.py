"""nn.PeepholeLSTM and nn.PeepholeLSTMCell (not in PyTorch): the equations of the docstring
(against a NumPy reference, and against the same equations written in PyTorch for the
gradients), nn.LSTM exactly when the peepholes are zero, the parameter names, shapes and
initialisation, the layer as its cell stepped over time, and the error cases."""

import inspect
import math

import numpy as np
import pytest

import tinynet as tn
from tinynet import nn

L, N, IN, H = 5, 3, 2, 4


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def reference(x, h, c, params, suffix=""):
    """The docstring's equations on arrays for one layer: x (L, N, IN) -> outputs, h, c."""
    w_ih, w_hh = params["weight_ih" + suffix], params["weight_hh" + suffix]
    b = params["bias_ih" + suffix] + params["bias_hh" + suffix]
    v_i, v_f, v_o = (params[name + suffix] for name in ("weight_ci", "weight_cf", "weight_co"))
    outputs = []
    for x_t in x:
        i, f, g, o = np.split(x_t @ w_ih.T + h @ w_hh.T + b, 4, axis=-1)
        i, f = sigmoid(i + v_i * c), sigmoid(f + v_f * c)
        c = f * c + i * np.tanh(g)
        h = sigmoid(o + v_o * c) * np.tanh(c)
        outputs.append(h)
    return np.stack(outputs), h, c


def arrays(module):
    return {name: p.detach().numpy() for name, p in module.named_parameters()}


def test_layer_computes_the_documented_equations():
    layer = nn.PeepholeLSTM(IN, H).double()
    rng = np.random.default_rng(0)
    x, h0, c0 = rng.standard_normal((L, N, IN)), rng.standard_normal((N, H)), rng.standard_normal((N, H))
    output, (h_n, c_n) = layer(tn.tensor(x), (tn.tensor(h0[None]), tn.tensor(c0[None])))
    expected = reference(x, h0, c0, {k[:-3]: v for k, v in arrays(layer).items()})
    for ours, theirs in zip((output, h_n[0], c_n[0]), expected):
        np.testing.assert_allclose(ours.detach().numpy(), theirs, rtol=1e-12, atol=1e-12)


def test_the_output_gate_sees_the_new_cell_state_and_the_others_the_old():
    cell = nn.PeepholeLSTMCell(1, 1, bias=False).double()
    with tn.no_grad():
        cell.weight_ih.zero_()
        cell.weight_hh.zero_()
        cell.weight_ci.fill_(1.0)
        cell.weight_cf.fill_(2.0)
        cell.weight_co.fill_(3.0)
    c0 = 0.5
    h, c = cell(tn.zeros(1, dtype=tn.float64), (tn.zeros(1, dtype=tn.float64),
                                                 tn.full((1,), c0, dtype=tn.float64)))
    c_new = sigmoid(2.0 * c0) * c0 + sigmoid(1.0 * c0) * np.tanh(0.0)
    assert c.item() == pytest.approx(c_new, rel=1e-14)
    assert h.item() == pytest.approx(sigmoid(3.0 * c_new) * np.tanh(c_new), rel=1e-14)


@pytest.mark.parametrize("kwargs", [{}, {"num_layers": 2, "bidirectional": True},
                                    {"batch_first": True, "bias": False}])
def test_with_zero_peepholes_the_layer_is_nn_lstm(kwargs):
    lstm = nn.LSTM(IN, H, **kwargs).double()
    peephole = nn.PeepholeLSTM(IN, H, **kwargs).double()
    missing, unexpected = peephole.load_state_dict(lstm.state_dict(), strict=False)
    assert unexpected == [] and all(name.startswith("weight_c") for name in missing)
    assert len(missing) == 3 * len(peephole.all_weights)
    with tn.no_grad():
        for name in missing:
            getattr(peephole, name).zero_()
    x = tn.randn(N, L, IN, dtype=tn.float64) if kwargs.get("batch_first") else \
        tn.randn(L, N, IN, dtype=tn.float64)
    results = []
    for module in (lstm, peephole):
        xi = x.detach().requires_grad_(True)
        output, (h_n, c_n) = module(xi)
        (output.sin().sum() + h_n.sum() + (2 * c_n).sum()).backward()
        grads = {n: p.grad.numpy() for n, p in module.named_parameters() if n in lstm.state_dict()}
        results.append((output.detach().numpy(), h_n.detach().numpy(), c_n.detach().numpy(),
                        xi.grad.numpy(), grads))
    for ours, theirs in zip(results[1][:4], results[0][:4]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)
    for name, grad in results[0][4].items():
        np.testing.assert_allclose(results[1][4][name], grad, rtol=1e-12, atol=1e-14)


def test_with_zero_peepholes_the_cell_is_nn_lstmcell():
    lstm = nn.LSTMCell(IN, H).double()
    cell = nn.PeepholeLSTMCell(IN, H).double()
    cell.load_state_dict(lstm.state_dict(), strict=False)
    with tn.no_grad():
        for name in ("weight_ci", "weight_cf", "weight_co"):
            getattr(cell, name).zero_()
    x, h, c = (tn.randn(N, k, dtype=tn.float64) for k in (IN, H, H))
    for ours, theirs in zip(cell(x, (h, c)), lstm(x, (h, c))):
        np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())


def test_one_layer_is_its_cell_stepped_over_time_unbatched_too():
    layer = nn.PeepholeLSTM(IN, H).double()
    cell = nn.PeepholeLSTMCell(IN, H).double()
    cell.load_state_dict({k[:-3]: v for k, v in layer.state_dict().items()})
    x = tn.randn(L, IN, dtype=tn.float64)
    output, (h_n, c_n) = layer(x)
    h = c = tn.zeros(H, dtype=tn.float64)
    for t in range(L):
        h, c = cell(x[t], (h, c))
        np.testing.assert_allclose(output[t].detach().numpy(), h.detach().numpy(), rtol=1e-14)
    assert h_n.shape == (1, H) and c_n.shape == (1, H)
    np.testing.assert_allclose(c_n[0].detach().numpy(), c.detach().numpy(), rtol=1e-14)


def test_gradients_match_the_equations_written_in_pytorch():
    torch = pytest.importorskip("torch")
    layer = nn.PeepholeLSTM(IN, H, bidirectional=True).double()
    x = np.random.default_rng(1).standard_normal((L, N, IN))
    xt = tn.tensor(x, requires_grad=True)
    output, (_h_n, c_n) = layer(xt)
    (output.tanh().sum() + c_n.sum()).backward()

    params = {n: torch.tensor(v, requires_grad=True) for n, v in arrays(layer).items()}
    x_torch = torch.tensor(x, requires_grad=True)
    outputs, finals = [], []
    for suffix, reverse in (("_l0", False), ("_l0_reverse", True)):
        p = {name: params[name + suffix] for name in
             ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_ci", "weight_cf", "weight_co")}
        h = c = torch.zeros(N, H, dtype=torch.float64)
        steps = [None] * L
        for t in (range(L - 1, -1, -1) if reverse else range(L)):
            gates = x_torch[t] @ p["weight_ih"].T + p["bias_ih"] + h @ p["weight_hh"].T + p["bias_hh"]
            i, f, g, o = gates.chunk(4, -1)
            c = torch.sigmoid(f + p["weight_cf"] * c) * c + torch.sigmoid(i + p["weight_ci"] * c) * torch.tanh(g)
            h = torch.sigmoid(o + p["weight_co"] * c) * torch.tanh(c)
            steps[t] = h
        outputs.append(torch.stack(steps))
        finals.append(c)
    expected = torch.cat(outputs, -1)
    (expected.tanh().sum() + sum(c.sum() for c in finals)).backward()
    np.testing.assert_allclose(output.detach().numpy(), expected.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(xt.grad.numpy(), x_torch.grad.numpy(), rtol=1e-10, atol=1e-12)
    for name, parameter in layer.named_parameters():
        np.testing.assert_allclose(parameter.grad.numpy(), params[name].grad.numpy(),
                                   rtol=1e-10, atol=1e-12, err_msg=name)


def test_parameter_names_shapes_and_initialisation():
    layer = nn.PeepholeLSTM(IN, 16, num_layers=2, bidirectional=True)
    shapes = {n: tuple(p.shape) for n, p in layer.named_parameters()}
    assert shapes["weight_ih_l0"] == (64, IN) and shapes["weight_ih_l1_reverse"] == (64, 32)
    assert shapes["weight_hh_l1"] == (64, 16) and shapes["bias_hh_l0_reverse"] == (64,)
    for stem in ("weight_ci", "weight_cf", "weight_co"):
        for suffix in ("_l0", "_l0_reverse", "_l1", "_l1_reverse"):
            assert shapes[stem + suffix] == (16,)
    assert len(shapes) == 4 * 7
    assert [len(group) for group in layer.all_weights] == [7] * 4
    bound = 1 / math.sqrt(16)
    values = np.concatenate([p.detach().numpy().ravel() for p in layer.parameters()])
    assert values.min() >= -bound and values.max() <= bound and values.std() > bound / 3
    cell = nn.PeepholeLSTMCell(IN, 16, bias=False)
    assert [n for n, _ in cell.named_parameters()] == [
        "weight_ih", "weight_hh", "weight_ci", "weight_cf", "weight_co"]


def test_arguments_are_nn_lstms_without_proj_size():
    lstm = inspect.signature(nn.LSTM).parameters
    ours = inspect.signature(nn.PeepholeLSTM).parameters
    assert list(ours) == [name for name in lstm if name != "proj_size"]
    assert all(ours[name].default == lstm[name].default for name in ours)
    assert inspect.signature(nn.PeepholeLSTMCell) == inspect.signature(nn.LSTMCell)
    with pytest.raises(TypeError, match="proj_size"):
        nn.PeepholeLSTM(IN, H, proj_size=2)


def test_learns_to_carry_a_sign_over_steps():
    tn.manual_seed(0)
    layer, head = nn.PeepholeLSTM(1, 8, batch_first=True), nn.Linear(8, 1)
    rng = np.random.default_rng(0)
    signs = rng.choice([-1.0, 1.0], (64, 1))
    x = np.concatenate([signs[:, :, None], np.zeros((64, 6, 1))], axis=1).astype(np.float32)
    x, y = tn.tensor(x), tn.tensor(signs.astype(np.float32))
    optimizer = tn.optim.Adam([*layer.parameters(), *head.parameters()], lr=0.05)
    for _ in range(60):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(head(layer(x)[0][:, -1]), y)
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.05


def test_errors_name_the_problem():
    layer = nn.PeepholeLSTM(IN, H)
    with pytest.raises(Exception, match="input_size"):
        layer(tn.randn(L, N, IN + 1))
    with pytest.raises(Exception, match="h_0"):
        layer(tn.randn(L, N, IN), (tn.zeros(1, N + 1, H), tn.zeros(1, N, H)))
    with pytest.raises(Exception, match="tuple"):
        layer(tn.randn(L, N, IN), tn.zeros(1, N, H))
    with pytest.raises(TypeError, match="packed sequences are not supported"):
        layer(nn.utils.rnn.pack_sequence([tn.randn(3, IN), tn.randn(2, IN)]))
    cell = nn.PeepholeLSTMCell(IN, H)
    with pytest.raises(Exception, match="tuple"):
        cell(tn.randn(N, IN), tn.zeros(N, H))
    with pytest.raises(Exception, match="input_size"):
        cell(tn.randn(N, IN + 1))
    with pytest.raises(Exception, match="dtype"):
        cell(tn.randn(N, IN, dtype=tn.float64))


def test_with_zero_peepholes_it_gives_pytorchs_lstm_outputs_from_its_state_dict():
    torch = pytest.importorskip("torch")
    theirs = torch.nn.LSTM(IN, H, num_layers=2, batch_first=True).double()
    ours = nn.PeepholeLSTM(IN, H, num_layers=2, batch_first=True).double()
    state = {k: tn.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()}
    state.update({name: tn.zeros(H, dtype=tn.float64) for name, _ in ours.named_parameters()
                  if name.startswith("weight_c")})
    ours.load_state_dict(state)
    x = np.random.default_rng(2).standard_normal((N, L, IN))
    output, (h_n, c_n) = ours(tn.tensor(x))
    expected, (h_expected, c_expected) = theirs(torch.tensor(x))
    for mine, reference in ((output, expected), (h_n, h_expected), (c_n, c_expected)):
        np.testing.assert_allclose(mine.detach().numpy(), reference.detach().numpy(),
                                   rtol=1e-10, atol=1e-12)
