"""The fused recurrence (one op per layer and direction, the layers' default) against the composed
step-by-step form (``fused = False``) in float64: outputs, final states, and the gradients of the
input, the initial states and every parameter agree to 1e-10, over the configurations of
test_rnn.py; second and third derivatives too; and the float32 path runs."""

import numpy as np
import pytest

import tinynet as tn
from tinynet import nn
from tinynet.ops.recurrent import FusedRecurrent, recurrent_direction

L, N, IN, H = 4, 2, 3, 5
KINDS = {"RNN": ("RNN", {}), "RNN_relu": ("RNN", {"nonlinearity": "relu"}),
         "LSTM": ("LSTM", {}), "GRU": ("GRU", {})}
CONFIGS = [{}, {"num_layers": 2}, {"bidirectional": True}, {"batch_first": True},
           {"bias": False}, {"num_layers": 2, "bidirectional": True, "batch_first": True}]


def run(module, fused, x, hx):
    """Outputs and gradients (input, states, parameters) of one pass with ``fused`` set."""
    module.fused = fused
    module.zero_grad()
    x = x.detach().requires_grad_()
    states = None
    if hx is not None:
        states = tuple(s.detach().requires_grad_() for s in hx)
    out, final = module(x, None if states is None else states if len(states) == 2 else states[0])
    finals = final if isinstance(final, tuple) else (final,)
    rng = np.random.default_rng(1)
    loss = (out * tn.tensor(rng.standard_normal(out.shape))).sum()
    for state in finals:
        loss = loss + (state * tn.tensor(rng.standard_normal(state.shape))).sum()
    loss.backward()
    grads = [x.grad] + ([s.grad for s in states] if states else [])
    grads += [p.grad for p in module.parameters()]
    return [out, *finals], grads


def assert_close(first, second):
    for a, b in zip(first, second):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10,
                                   atol=1e-10)


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: ",".join(c) or "default")
@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("with_state", [False, True])
def test_fused_equals_composed(kind, config, with_state):
    name, extra = KINDS[kind]
    tn.manual_seed(0)
    module = getattr(nn, name)(IN, H, **extra, **config).double()
    rng = np.random.default_rng(0)
    shape = (N, L, IN) if config.get("batch_first") else (L, N, IN)
    x = tn.tensor(rng.standard_normal(shape))
    hx = None
    if with_state:
        layers = config.get("num_layers", 1) * (2 if config.get("bidirectional") else 1)
        count = 2 if name == "LSTM" else 1
        hx = tuple(tn.tensor(rng.standard_normal((layers, N, H))) for _ in range(count))
    fused_out, fused_grads = run(module, True, x, hx)
    composed_out, composed_grads = run(module, False, x, hx)
    assert_close(fused_out, composed_out)
    assert len(fused_grads) == len(composed_grads)
    assert all(g is not None for g in fused_grads)
    assert_close(fused_grads, composed_grads)


@pytest.mark.parametrize("kind", list(KINDS))
def test_fused_unbatched_equals_composed(kind):
    name, extra = KINDS[kind]
    module = getattr(nn, name)(IN, H, **extra).double()
    x = tn.tensor(np.random.default_rng(3).standard_normal((L, IN)))
    fused_out, fused_grads = run(module, True, x, None)
    composed_out, composed_grads = run(module, False, x, None)
    assert_close(fused_out, composed_out)
    assert_close(fused_grads, composed_grads)


def test_the_layers_use_one_fused_op_per_layer_and_direction():
    module = nn.LSTM(IN, H, num_layers=2, bidirectional=True).double()
    out, _ = module(tn.tensor(np.zeros((L, N, IN)), requires_grad=True))
    seen, stack, fused = set(), [out.grad_fn], 0
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        fused += getattr(node, "function", None) is FusedRecurrent
        stack.extend(next_node for next_node, _ in node.next_functions)
    assert fused == 4


@pytest.mark.parametrize("mode", ["RNN_TANH", "LSTM", "GRU"])
@pytest.mark.parametrize("reverse", [False, True])
def test_higher_derivatives_equal_the_composed_ones(mode, reverse):
    """First derivatives recorded with create_graph, then second and third derivatives, of the
    fused and the composed forms, from the same inputs."""
    rows = {"RNN_TANH": 1, "LSTM": 4, "GRU": 3}[mode] * 2
    rng = np.random.default_rng(4)
    arrays = [rng.uniform(-1, 1, shape) for shape in
              [(3, 2, rows), (2, 2), (2, 2), (rows, 2), (rows,)]]

    def derivatives(fused):
        gx, h0, c0, w, b = [tn.tensor(a, requires_grad=True) for a in arrays]
        output, h_n, c_n = recurrent_direction(mode, gx, h0, c0 if mode == "LSTM" else None, w,
                                               b, reverse, fused=fused)
        total = (output ** 2).sum() + (h_n * 3).sum() + (0 if c_n is None else (c_n ** 2).sum())
        first = tn.autograd.grad(total, [gx, w], create_graph=True)
        second = tn.autograd.grad((first[0] ** 2).sum() + (first[1] ** 2).sum(), [gx, h0, w, b],
                                  create_graph=True)
        third = tn.autograd.grad((second[1] * second[2].sum()).sum(), [w, b], allow_unused=True)
        return [*first, *second, *third]

    assert_close(derivatives(True), derivatives(False))


def test_float32_fused_runs_and_agrees_with_float64():
    module = nn.GRU(IN, H)
    x = np.random.default_rng(5).standard_normal((L, N, IN))
    out32, _ = module(tn.tensor(x.astype(np.float32)))
    out64, _ = module.double()(tn.tensor(x))
    assert out32.dtype == tn.float32
    np.testing.assert_allclose(out32.detach().numpy(), out64.detach().numpy(), atol=1e-5)


def test_unknown_mode_is_refused():
    x = tn.zeros(2, 1, 1)
    with pytest.raises(ValueError, match="unknown mode 'LSTMP'"):
        recurrent_direction("LSTMP", x, tn.zeros(1, 1), None, tn.zeros(1, 1), None)


def test_operands_that_do_not_fit_are_refused():
    gx, h0, w = tn.zeros(3, 2, 8), tn.zeros(2, 2), tn.zeros(8, 2)
    with pytest.raises(ValueError, match=r"w_hh should have shape \[8, 2\]"):
        recurrent_direction("LSTM", gx, h0, h0, tn.zeros(6, 2), None)
    with pytest.raises(ValueError, match=r"gates_x should have shape \[3, 2, 6\]"):
        recurrent_direction("GRU", gx, h0, None, w, None)
    with pytest.raises(ValueError, match="the LSTM needs c_0"):
        recurrent_direction("LSTM", gx, h0, None, w, None)
    with pytest.raises(TypeError, match="w_hh dtype"):
        recurrent_direction("LSTM", gx, h0, h0, w.double(), None)
