"""nn.utils.rnn.pad_sequence: against PyTorch in float64 (values and gradients, both padding
sides, both layouts), the dtype of the result, importing it as PyTorch code does, and the errors."""

import numpy as np
import pytest

import tinynet as tn
from tinynet.nn.utils.rnn import pad_sequence


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


LENGTHS = [3, 1, 4]


@pytest.mark.torch
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
@pytest.mark.parametrize("trailing", [(), (2,), (2, 1)])
def test_pad_sequence_matches_torch(torch, batch_first, padding_side, trailing):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((n,) + trailing) for n in LENGTHS]
    results = []
    for lib, fn in ((tn, pad_sequence), (torch, torch.nn.utils.rnn.pad_sequence)):
        tensors = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = fn(tensors, batch_first, -2.5, padding_side)
        (out * lib.tensor(np.arange(out.numel(), dtype=float).reshape(tuple(out.shape)))).sum() \
            .backward()
        results.append([out.detach().numpy()] + [t.grad.numpy() for t in tensors])
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_pad_sequence_layout_values_and_dtype():
    out = pad_sequence([tn.tensor([1, 2]), tn.tensor([3])], padding_value=0.5)
    assert out.dtype == tn.int64 and out.tolist() == [[1, 3], [2, 0]]
    out = pad_sequence([tn.ones(2), tn.ones(3).double()], batch_first=True, padding_side="left")
    assert out.dtype == tn.float32 and out.tolist() == [[0, 1, 1], [1, 1, 1]]
    assert pad_sequence(tn.ones(2, 3)).shape == (3, 2)


def test_pad_sequence_is_reached_as_in_pytorch():
    from tinynet.nn.utils import rnn

    assert tn.nn.utils.rnn.pad_sequence is rnn.pad_sequence is pad_sequence
