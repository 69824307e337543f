"""AdaptiveLogSoftmaxWithLoss: output, loss, input and parameter gradients, log_prob and predict
against PyTorch (float64); the full distribution sums to one; shapes and errors."""

import inspect

import numpy as np
import pytest

import tinynet as tn
from tinynet import nn

RNG = np.random.default_rng(19)
X = RNG.standard_normal((9, 8))
TARGET = np.array([0, 4, 9, 2, 7, 5, 1, 8, 3])


@pytest.mark.torch
@pytest.mark.parametrize("cutoffs, head_bias", [([3, 6], True), ([5], False), ([1, 2, 9], True)])
def test_matches_torch(cutoffs, head_bias):
    torch = pytest.importorskip("torch")
    ours = nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs, div_value=2.0, head_bias=head_bias,
                                         dtype=tn.float64)
    theirs = torch.nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs, div_value=2.0,
                                                 head_bias=head_bias, dtype=torch.float64)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    for mine, reference in zip(ours.parameters(), theirs.parameters()):
        reference.data = torch.tensor(mine.detach().numpy())
    a, b = tn.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    mine, reference = ours(a, tn.tensor(TARGET)), theirs(b, torch.tensor(TARGET))
    np.testing.assert_allclose(mine.output.detach().numpy(), reference.output.detach().numpy(),
                               rtol=1e-10)
    mine.loss.backward()
    reference.loss.backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-12)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.log_prob(tn.tensor(X)).detach().numpy(),
                               theirs.log_prob(torch.tensor(X)).detach().numpy(), rtol=1e-10)
    np.testing.assert_array_equal(ours.predict(tn.tensor(X)).numpy(),
                                  theirs.predict(torch.tensor(X)).numpy())
    ours_single = ours(tn.tensor(X[0]), tn.tensor(np.int64(7)))
    theirs_single = theirs(torch.tensor(X[0]), torch.tensor(7))
    assert ours_single.output.shape == ()
    assert float(ours_single.loss) == pytest.approx(theirs_single.loss.item(), rel=1e-10)


def test_distribution_and_output_agree():
    model = nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 6], dtype=tn.float64)
    full = model.log_prob(tn.tensor(X)).detach().numpy()
    np.testing.assert_allclose(np.exp(full).sum(1), 1.0, rtol=1e-12)
    output, loss = model(tn.tensor(X), tn.tensor(TARGET))
    np.testing.assert_allclose(output.detach().numpy(), full[np.arange(9), TARGET], rtol=1e-12)
    assert float(loss) == pytest.approx(-full[np.arange(9), TARGET].mean())
    np.testing.assert_array_equal(model.predict(tn.tensor(X)).numpy(), full.argmax(1))
    assert model.tail[0][0].weight.shape == (2, 8)  # hidden size 8 // 4
    assert model.tail[1][0].weight.shape == (0, 8)  # 8 // 16: the cluster's scores are constant


@pytest.mark.torch
def test_signature_matches_torch():
    torch = pytest.importorskip("torch")
    ours = inspect.signature(nn.AdaptiveLogSoftmaxWithLoss.__init__).parameters.values()
    theirs = inspect.signature(torch.nn.AdaptiveLogSoftmaxWithLoss.__init__).parameters.values()
    assert [(p.name, p.default) for p in ours] == [(p.name, p.default) for p in theirs]


@pytest.mark.parametrize("call, words", [
    (lambda: nn.AdaptiveLogSoftmaxWithLoss(8, 10, []), "larger than 0"),
    (lambda: nn.AdaptiveLogSoftmaxWithLoss(8, 10, [6, 3]), "sorted"),
    (lambda: nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 10]), "n_classes-1"),
    (lambda: nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3])(tn.tensor(X), tn.tensor(TARGET + 1)),
     "Target values"),
    (lambda: nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3])(tn.tensor(X), tn.tensor(TARGET[:3])),
     "does not fit"),
    (lambda: nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3])(tn.tensor(X[:, :4]), tn.tensor(TARGET)),
     "8 input"),
])
def test_errors_name_the_problem(call, words):
    with pytest.raises(ValueError, match=words):
        call()
