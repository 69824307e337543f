"""Label smoothing for sequence targets is nn.CrossEntropyLoss(label_smoothing=eps) with the
padding ignored: the same loss and gradient as PyTorch's on (B*T, V) logits."""

import numpy as np
import pytest

import tinynet as tn


@pytest.mark.parametrize("smoothing", [0.0, 0.1, 0.3])
def test_matches_pytorch_with_padding_ignored(smoothing):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(4 * 6, 9))
    targets = rng.integers(1, 9, 4 * 6)
    targets[[3, 7, 8, 20]] = 0  # padding
    ours = tn.tensor(logits, requires_grad=True)
    loss = tn.nn.CrossEntropyLoss(ignore_index=0, label_smoothing=smoothing)(
        ours, tn.tensor(targets))
    loss.backward()
    theirs = torch.tensor(logits, requires_grad=True)
    expected = torch.nn.CrossEntropyLoss(ignore_index=0, label_smoothing=smoothing)(
        theirs, torch.tensor(targets))
    expected.backward()
    assert loss.item() == pytest.approx(expected.item(), rel=1e-10)
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-9, atol=1e-12)
    assert np.all(ours.grad.numpy()[[3, 7, 8, 20]] == 0)  # padded steps get no gradient


def test_smoothing_outside_zero_one_is_refused():
    with pytest.raises(ValueError, match="label_smoothing"):
        tn.nn.CrossEntropyLoss(label_smoothing=1.5)(tn.zeros(2, 3), tn.tensor([0, 1]))
