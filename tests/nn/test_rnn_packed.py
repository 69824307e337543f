"""nn.RNN, nn.LSTM and nn.GRU on a PackedSequence: each sequence is run for its own length (its
h_n taken at its own last step, the padding never computed), as PyTorch does."""

import numpy as np
import pytest

import tinynet as tn
from tinynet import nn
from tinynet.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

LENGTHS = [3, 5, 1, 4]  # unsorted: the layers must sort and unsort


def padded_batch(seed=0, size=3):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((max(LENGTHS), len(LENGTHS), size))


def make_layer(kind, **options):
    tn.manual_seed(0)
    return getattr(nn, kind)(3, 4, **options).double()


CONFIGURATIONS = [("RNN", {}), ("RNN", {"nonlinearity": "relu", "num_layers": 2}),
                  ("GRU", {"bidirectional": True}), ("LSTM", {}),
                  ("LSTM", {"num_layers": 2, "bidirectional": True}),
                  ("LSTM", {"proj_size": 2})]


@pytest.mark.parametrize("kind, options", CONFIGURATIONS)
def test_each_packed_sequence_gives_what_it_gives_alone(kind, options):
    layer = make_layer(kind, **options)
    x = tn.tensor(padded_batch(), dtype=tn.float64)
    output, state = layer(pack_padded_sequence(x, LENGTHS, enforce_sorted=False))
    assert isinstance(output, PackedSequence)
    padded, lengths = pad_packed_sequence(output, padding_value=-7.0)
    assert lengths.tolist() == LENGTHS
    h_n = state[0] if kind == "LSTM" else state
    for b, length in enumerate(LENGTHS):
        alone, alone_state = layer(x[:length, b])
        np.testing.assert_allclose(padded[:length, b].detach().numpy(), alone.detach().numpy(), atol=1e-12)
        assert (padded[length:, b].detach().numpy() == -7.0).all()
        alone_h = alone_state[0] if kind == "LSTM" else alone_state
        np.testing.assert_allclose(h_n[:, b].detach().numpy(), alone_h.detach().numpy(), atol=1e-12)


def test_padded_positions_get_no_gradient_and_the_rest_do():
    layer = make_layer("GRU", bidirectional=True)
    x = tn.tensor(padded_batch(), dtype=tn.float64, requires_grad=True)
    output, h_n = layer(pack_padded_sequence(x, LENGTHS, enforce_sorted=False))
    (output.data.sum() + h_n.sum()).backward()
    for b, length in enumerate(LENGTHS):
        assert (x.grad[length:, b].detach().numpy() == 0).all()
        assert (x.grad[:length, b].detach().numpy() != 0).all()


def test_an_initial_state_is_taken_in_the_callers_batch_order():
    layer = make_layer("LSTM")
    x = tn.tensor(padded_batch(), dtype=tn.float64)
    h0 = tn.tensor(np.random.default_rng(1).standard_normal((1, 4, 4)), dtype=tn.float64)
    c0 = tn.tensor(np.random.default_rng(2).standard_normal((1, 4, 4)), dtype=tn.float64)
    _, (h_n, _) = layer(pack_padded_sequence(x, LENGTHS, enforce_sorted=False), (h0, c0))
    for b, length in enumerate(LENGTHS):
        _, (alone, _) = layer(x[:length, b], (h0[:, b], c0[:, b]))
        np.testing.assert_allclose(h_n[:, b].detach().numpy(), alone.detach().numpy(), atol=1e-12)


def test_a_packed_input_of_the_wrong_size_is_refused():
    layer = make_layer("RNN")
    packed = pack_padded_sequence(tn.randn(4, 2, 5, dtype=tn.float64), [4, 2])
    with pytest.raises(RuntimeError, match="input_size=3"):
        layer(packed)
    with pytest.raises(TypeError, match="packed sequences are not supported"):
        nn.PeepholeLSTM(3, 4)(pack_padded_sequence(tn.randn(4, 2, 3), [4, 2]))


@pytest.mark.torch
@pytest.mark.parametrize("kind, options", CONFIGURATIONS)
def test_outputs_states_and_gradients_match_pytorch(kind, options):
    torch = pytest.importorskip("torch")
    layer = make_layer(kind, **options)
    twin = getattr(torch.nn, kind)(3, 4, **options).double()
    twin.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in layer.state_dict().items()})
    array = padded_batch()
    x = tn.tensor(array, dtype=tn.float64, requires_grad=True)
    tx = torch.tensor(array, requires_grad=True)
    output, state = layer(pack_padded_sequence(x, LENGTHS, enforce_sorted=False))
    t_output, t_state = twin(torch.nn.utils.rnn.pack_padded_sequence(tx, LENGTHS,
                                                                     enforce_sorted=False))
    np.testing.assert_allclose(output.data.detach().numpy(), t_output.data.detach().numpy(), atol=1e-10)
    states = state if kind == "LSTM" else (state,)
    t_states = t_state if kind == "LSTM" else (t_state,)
    for mine, theirs in zip(states, t_states):
        np.testing.assert_allclose(mine.detach().numpy(), theirs.detach().numpy(), atol=1e-10)
    (output.data.sum() + sum(s.sum() for s in states)).backward()
    (t_output.data.sum() + sum(s.sum() for s in t_states)).backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), tx.grad.detach().numpy(), atol=1e-10)
    for (name, parameter), t_parameter in zip(layer.named_parameters(), twin.parameters()):
        np.testing.assert_allclose(parameter.grad.detach().numpy(), t_parameter.grad.detach().numpy(), atol=1e-10,
                                   err_msg=name)
