"""nn.RNN, nn.LSTM, nn.GRU and their cells: against PyTorch in float64 (a state_dict copied both
ways gives the same outputs, final states, input, state and parameter gradients), PyTorch's
parameter names, shapes and initialisation, dropout between layers only, the error cases of
PyTorch's rules, and (without PyTorch) shapes and a small learning task."""

import inspect
import math
import warnings

import numpy as np
import pytest

import tinynet as tn
from tinynet import nn

L, N, IN, H = 4, 2, 3, 5
LAYERS = {"RNN": {}, "RNN_relu": {"nonlinearity": "relu"}, "LSTM": {}, "GRU": {},
          "LSTM_proj": {"proj_size": 2}}


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def build(module_name, **kwargs):
    """The tinynet class name and constructor arguments of a LAYERS entry."""
    extra = dict(LAYERS[module_name])
    extra.update(kwargs)
    return module_name.split("_")[0], extra


def to_torch_state(torch, module):
    return {k: torch.tensor(v.detach().numpy()) for k, v in module.state_dict().items()}


def to_tinynet_state(module):
    return {k: tn.tensor(v.detach().numpy()) for k, v in module.state_dict().items()}


def numpy(t):
    return t.detach().numpy()


def initial_states(rng, name, directions, layers, batched, out_size):
    """Random h_0 (and c_0) of the layer's shapes, as NumPy arrays."""
    batch = (N,) if batched else ()
    shapes = [(directions * layers,) + batch + (out_size,)]
    if name == "LSTM":
        shapes.append((directions * layers,) + batch + (H,))
    return [rng.standard_normal(s) for s in shapes]


def run_both(torch, ours, theirs, x, states, is_lstm):
    """Forward and backward of both modules on the same data: returns (ours, theirs) lists of
    [output, final states..., input grad, state grads...]."""
    results = []
    rng = np.random.default_rng(7)
    weights = None
    for lib, module in ((tn, ours), (torch, theirs)):
        xt = lib.tensor(x, requires_grad=True)
        st = [lib.tensor(s, requires_grad=True) for s in states]
        hx = None if not st else (tuple(st) if is_lstm else st[0])
        output, final = module(xt, hx)
        finals = list(final) if is_lstm else [final]
        if weights is None:
            weights = [rng.standard_normal(tuple(t.shape)) for t in [output] + finals]
        loss = sum((t * lib.tensor(w)).sum() for t, w in zip([output] + finals, weights))
        loss.backward()
        results.append([numpy(output)] + [numpy(f) for f in finals] + [numpy(xt.grad)]
                       + [numpy(s.grad) for s in st])
    return results


@pytest.mark.torch
@pytest.mark.parametrize("name", list(LAYERS))
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("batch_first, batched", [(False, True), (True, True), (False, False),
                                                  (True, False)])
def test_layer_matches_torch(torch, name, num_layers, bidirectional, batch_first, batched):
    cls, kwargs = build(name, num_layers=num_layers, bidirectional=bidirectional,
                        batch_first=batch_first)
    theirs = getattr(torch.nn, cls)(IN, H, **kwargs).double()
    ours = getattr(nn, cls)(IN, H, **kwargs).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [tuple(v.shape) for v in ours.state_dict().values()] == \
        [tuple(v.shape) for v in theirs.state_dict().values()]
    ours.load_state_dict(to_tinynet_state(theirs))
    rng = np.random.default_rng(num_layers + 2 * bidirectional)
    shape = ((N, L) if batch_first else (L, N)) if batched else (L,)
    x = rng.standard_normal(shape + (IN,))
    states = initial_states(rng, cls, 2 if bidirectional else 1, num_layers, batched,
                            kwargs.get("proj_size") or H)
    mine, reference = run_both(torch, ours, theirs, x, states, cls == "LSTM")
    for a, b in zip(mine, reference):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)
    grads = {k: numpy(p.grad) for k, p in ours.named_parameters()}
    for key, parameter in theirs.named_parameters():
        np.testing.assert_allclose(grads[key], numpy(parameter.grad), rtol=1e-10, atol=1e-10,
                                   err_msg=key)


@pytest.mark.torch
@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU", "LSTM_proj"])
def test_state_dict_moves_from_tinynet_to_torch_and_no_hx_means_zeros(torch, name):
    cls, kwargs = build(name, num_layers=2, bidirectional=True)
    ours = getattr(nn, cls)(IN, H, **kwargs).double()
    theirs = getattr(torch.nn, cls)(IN, H, **kwargs).double()
    theirs.load_state_dict(to_torch_state(torch, ours))
    x = np.random.default_rng(1).standard_normal((L, N, IN))
    mine, reference = run_both(torch, ours, theirs, x, [], cls == "LSTM")
    for a, b in zip(mine, reference):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


@pytest.mark.torch
@pytest.mark.parametrize("cls, kwargs", [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}),
                                         ("LSTMCell", {}), ("GRUCell", {}),
                                         ("GRUCell", {"bias": False})])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_hx", [True, False])
def test_cell_matches_torch(torch, cls, kwargs, batched, with_hx):
    theirs = getattr(torch.nn, cls)(IN, H, **kwargs).double()
    ours = getattr(nn, cls)(IN, H, **kwargs).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(to_tinynet_state(theirs))
    rng = np.random.default_rng(3)
    batch = (N,) if batched else ()
    x = rng.standard_normal(batch + (IN,))
    states = [rng.standard_normal(batch + (H,)) for _ in range(2 if cls == "LSTMCell" else 1)]
    results = []
    for lib, module in ((tn, ours), (torch, theirs)):
        xt = lib.tensor(x, requires_grad=True)
        st = [lib.tensor(s, requires_grad=True) for s in states] if with_hx else []
        hx = (tuple(st) if cls == "LSTMCell" else st[0]) if st else None
        out = module(xt, hx)
        outs = list(out) if cls == "LSTMCell" else [out]
        loss = sum((o * lib.tensor(np.linspace(-1, 1, H))).sum() for o in outs)
        loss.backward()
        results.append([numpy(o) for o in outs] + [numpy(xt.grad)]
                       + [numpy(s.grad) for s in st]
                       + [numpy(p.grad) for _, p in module.named_parameters()])
    for a, b in zip(*results):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


@pytest.mark.torch
@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"])
def test_signatures_and_reprs_match_torch(torch, cls):
    ours = getattr(nn, cls)
    if cls.endswith("Cell"):
        def names_and_defaults(fn):
            return [(p.name, p.default) for p in inspect.signature(fn).parameters.values()]
        assert names_and_defaults(ours) == names_and_defaults(getattr(torch.nn, cls))
        assert list(inspect.signature(ours.forward).parameters) == ["self", "input", "hx"]
        args = [(3, 4), (3, 4, False)]
    else:
        args = [(3, 4), (3, 4, 2), (3, 4, 2, True, True, 0.5, True)]
        if cls == "RNN":
            args = [(3, 4), (3, 4, 2, "relu", False, True, 0.5, True)]
    for arguments in args:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert repr(ours(*arguments)) == repr(getattr(torch.nn, cls)(*arguments))


def test_layer_signatures_are_pytorch_documented_ones():
    common = ["input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout",
              "bidirectional"]
    params = {cls: list(inspect.signature(getattr(nn, cls)).parameters)
              for cls in ("RNN", "LSTM", "GRU")}
    assert params["RNN"] == common[:3] + ["nonlinearity"] + common[3:] + ["device", "dtype"]
    assert params["LSTM"] == common + ["proj_size", "device", "dtype"]
    assert params["GRU"] == common + ["device", "dtype"]


@pytest.mark.parametrize("cls, gates", [("RNN", 1), ("LSTM", 4), ("GRU", 3)])
def test_parameters_shapes_and_initialisation_bounds(cls, gates):
    module = getattr(nn, cls)(7, 16, num_layers=2, bidirectional=True)
    bound = 1 / math.sqrt(16)
    names = [n for n, _ in module.named_parameters()]
    assert names[:4] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
    assert names[4:8] == [n + "_reverse" for n in names[:4]]
    assert module.weight_ih_l0.shape == (gates * 16, 7)
    assert module.weight_ih_l1.shape == (gates * 16, 32)
    assert module.weight_hh_l1_reverse.shape == (gates * 16, 16)
    for parameter in module.parameters():
        values = parameter.detach().numpy()
        assert values.min() >= -bound and values.max() <= bound
        assert values.max() - values.min() > bound  # spread over the interval, not constant
    assert [len(ws) for ws in module.all_weights] == [4, 4, 4, 4]
    assert module.all_weights[1][0] is module.weight_ih_l0_reverse
    module.flatten_parameters()
    assert [n for n, _ in getattr(nn, cls)(7, 16, bias=False).named_parameters()] == \
        ["weight_ih_l0", "weight_hh_l0"]


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_output_shapes(cls, batch_first):
    module = getattr(nn, cls)(IN, H, num_layers=3, bidirectional=True, batch_first=batch_first)
    x = tn.randn(*((N, L) if batch_first else (L, N)), IN)
    output, final = module(x)
    assert output.shape == ((N, L) if batch_first else (L, N)) + (2 * H,)
    for state in (final if cls == "LSTM" else (final,)):
        assert state.shape == (6, N, H)
    output, final = module(tn.randn(L, IN))
    assert output.shape == (L, 2 * H)
    assert (final[0] if cls == "LSTM" else final).shape == (6, H)


def test_lstm_projection_shapes():
    module = nn.LSTM(IN, H, num_layers=2, proj_size=2, bidirectional=True)
    assert module.weight_hr_l0.shape == (2, H) and module.weight_hh_l0.shape == (4 * H, 2)
    assert module.weight_ih_l1.shape == (4 * H, 4)
    output, (h, c) = module(tn.randn(L, N, IN))
    assert output.shape == (L, N, 4) and h.shape == (4, N, 2) and c.shape == (4, N, H)


def test_dropout_only_between_layers_and_only_in_training():
    module = nn.GRU(IN, H, num_layers=2, dropout=1.0)
    a, b = tn.randn(L, N, IN), tn.randn(L, N, IN)
    # in training with p = 1, the second layer sees only zeros: its output ignores the input
    np.testing.assert_allclose(module(a)[0].detach().numpy(), module(b)[0].detach().numpy())
    module.eval()
    assert not np.allclose(module(a)[0].detach().numpy(), module(b)[0].detach().numpy())
    one_layer = nn.GRU(IN, H, num_layers=2, dropout=0.0)
    one_layer.load_state_dict(module.state_dict())
    np.testing.assert_allclose(module(a)[0].detach().numpy(),
                               one_layer(a)[0].detach().numpy())


def test_dropout_with_one_layer_warns():
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        nn.LSTM(IN, H, dropout=0.5)


def expect(error, match, fn):
    with pytest.raises(error, match=match):
        fn()


def test_layer_errors():
    lstm, gru = nn.LSTM(IN, H, num_layers=2), nn.GRU(IN, H)
    x = tn.randn(L, N, IN)
    expect(RuntimeError, r"Expected 3, got 6", lambda: lstm(tn.randn(L, N, 6)))
    expect(ValueError, r"input_size. Expected 3, got 6", lambda: gru(tn.randn(L, 6)))
    expect(ValueError, r"2D or 3D, got 4D", lambda: lstm(tn.randn(L, N, IN, 1)))
    expect(RuntimeError, r"batched 3-D input, h_0 should also be 3-D but got 2-D",
           lambda: lstm(x, (tn.zeros(2, H), tn.zeros(2, H))))
    expect(RuntimeError, r"unbatched 2-D input, h_0 should also be 2-D but got 3-D",
           lambda: gru(tn.randn(L, IN), tn.zeros(1, 1, H)))
    expect(RuntimeError, r"Expected h_0 size \(2, 2, 5\), got \[3, 2, 5\]",
           lambda: lstm(x, (tn.zeros(3, N, H), tn.zeros(2, N, H))))
    expect(RuntimeError, r"Expected c_0 size \(2, 2, 5\), got \[2, 2, 4\]",
           lambda: lstm(x, (tn.zeros(2, N, H), tn.zeros(2, N, 4))))
    expect(RuntimeError, r"Expected h_0 size \(1, 2, 5\), got \[1, 3, 5\]",
           lambda: gru(x, tn.zeros(1, 3, H)))
    expect(ValueError, r"input dtype \(float64\) does not match weight dtype \(float32\)",
           lambda: gru(x.double()))
    expect(ValueError, r"h_0 dtype \(float64\)", lambda: gru(x, tn.zeros(1, N, H).double()))
    expect(ValueError, r"tuple \(h_0, c_0\)", lambda: lstm(x, tn.zeros(2, N, H)))
    expect(ValueError, r"sequence length", lambda: gru(tn.randn(0, N, IN)))


def test_constructor_errors():
    expect(ValueError, r"Unknown nonlinearity 'sig'", lambda: nn.RNN(3, 4, nonlinearity="sig"))
    expect(ValueError, r"Unknown nonlinearity", lambda: nn.RNNCell(3, 4, nonlinearity="gelu"))
    expect(ValueError, r"dropout should be a number in range \[0, 1\]",
           lambda: nn.LSTM(3, 4, 2, dropout=1.5))
    expect(ValueError, r"hidden_size must be greater than zero", lambda: nn.GRU(3, 0))
    expect(TypeError, r"hidden_size should be of type int", lambda: nn.GRU(3, 4.0))
    expect(ValueError, r"num_layers must be greater than zero", lambda: nn.RNN(3, 4, 0))
    expect(ValueError, r"proj_size has to be smaller", lambda: nn.LSTM(3, 4, proj_size=4))
    expect(ValueError, r"proj_size should be a positive", lambda: nn.LSTM(3, 4, proj_size=-1))
    expect(ValueError, r"cuda",
           lambda: nn.LSTM(3, 4, device="cuda"))


def test_cell_errors():
    cell = nn.LSTMCell(IN, H)
    x = tn.randn(N, IN)
    expect(RuntimeError, r"inconsistent input_size: got 5, expected 3",
           lambda: cell(tn.randn(N, 5)))
    expect(ValueError, r"Expected input to be 1D or 2D, got 3D", lambda: cell(tn.randn(1, N, IN)))
    expect(RuntimeError, r"expected hx\[0\] of shape \[2, 5\], got \[3, 5\]",
           lambda: cell(x, (tn.zeros(3, H), tn.zeros(3, H))))
    expect(RuntimeError, r"expected hx\[1\] of shape \[2, 5\], got \[2, 4\]",
           lambda: cell(x, (tn.zeros(N, H), tn.zeros(N, 4))))
    expect(RuntimeError, r"batched 2-D input, hx\[0\] should be 2-D but got 1-D",
           lambda: cell(x, (tn.zeros(H), tn.zeros(H))))
    expect(RuntimeError, r"unbatched 1-D input, hx should be 1-D but got 2-D",
           lambda: nn.GRUCell(IN, H)(tn.randn(IN), tn.zeros(1, H)))
    expect(ValueError, r"input dtype \(float64\) does not match weight dtype",
           lambda: nn.RNNCell(IN, H)(x.double()))
    assert nn.RNNCell(IN, H)(tn.randn(0, IN)).shape == (0, H)


def test_cell_shapes_and_bounds():
    for cls, gates in (("RNNCell", 1), ("LSTMCell", 4), ("GRUCell", 3)):
        cell = getattr(nn, cls)(IN, 16)
        assert cell.weight_ih.shape == (gates * 16, IN) and cell.bias_hh.shape == (gates * 16,)
        for parameter in cell.parameters():
            assert np.abs(parameter.detach().numpy()).max() <= 0.25
        out = cell(tn.randn(IN))
        assert (out[0] if cls == "LSTMCell" else out).shape == (16,)


def test_lstm_learns_the_sign_of_a_sequence_sum():
    """An LSTM with a linear read-out learns whether a short sequence sums to a positive number."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (64, 5, 1))
    y = (x.sum(axis=(1, 2)) > 0).astype(np.float64)
    lstm, head = nn.LSTM(1, 8, batch_first=True), nn.Linear(8, 1)
    optimizer = tn.optim.Adam(list(lstm.parameters()) + list(head.parameters()), lr=0.05)
    inputs, targets = tn.tensor(x, dtype=tn.float32), tn.tensor(y, dtype=tn.float32)

    def loss_and_accuracy():
        _, (h, _) = lstm(inputs)
        logits = head(h[-1]).squeeze(1)
        loss = nn.functional.binary_cross_entropy_with_logits(logits, targets)
        accuracy = ((logits.detach().numpy() > 0) == (y > 0)).mean()
        return loss, accuracy

    first_loss, _ = loss_and_accuracy()
    for _ in range(150):
        optimizer.zero_grad()
        loss, accuracy = loss_and_accuracy()
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.5 * first_loss.item()
    assert accuracy >= 0.9
