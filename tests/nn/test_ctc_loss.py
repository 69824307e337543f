"""ctc_loss and CTCLoss: the loss against PyTorch (float64) for padded and concatenated targets,
repeated labels, empty targets, shorter inputs, impossible targets (inf, or 0 with
zero_infinity), every reduction; the gradient of the logits through log_softmax against
PyTorch's; a brute-force sum over all alignments; and errors."""

import itertools
import math

import numpy as np
import pytest

import tinynet as tn
import tinynet.nn.functional as F
from tinynet import nn

RNG = np.random.default_rng(17)
T, N, C = 8, 4, 5
LOGITS = RNG.standard_normal((T, N, C))
PADDED = np.array([[1, 2, 2, 3], [1, 1, 0, 0], [4, 3, 2, 1], [2, 0, 0, 0]])
INPUT_LENGTHS = np.array([8, 7, 8, 5])
TARGET_LENGTHS = np.array([4, 2, 3, 1])
CONCATENATED = np.concatenate([row[:n] for row, n in zip(PADDED, TARGET_LENGTHS)])
CASES = [
    ("padded", PADDED, INPUT_LENGTHS, TARGET_LENGTHS, {}),
    ("concatenated", CONCATENATED, INPUT_LENGTHS, TARGET_LENGTHS, {}),
    ("blank_last", PADDED - 1 + (PADDED == 0) * 1, INPUT_LENGTHS, TARGET_LENGTHS, {"blank": 4}),
    ("empty_and_impossible", np.array([[1, 2, 2, 3], [1, 1, 2, 2], [4, 3, 2, 1], [2, 2, 2, 2]]),
     np.array([8, 3, 8, 5]), np.array([4, 4, 0, 4]), {}),
    ("zero_infinity", np.array([[1, 2, 2, 3], [1, 1, 2, 2], [4, 3, 2, 1], [2, 2, 2, 2]]),
     np.array([8, 3, 8, 5]), np.array([4, 4, 0, 4]), {"zero_infinity": True}),
]


@pytest.mark.torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_loss_and_logit_gradients_match_torch(case, reduction):
    torch = pytest.importorskip("torch")
    _, targets, input_lengths, target_lengths, kwargs = case
    results = []
    for library, functional in ((tn, F), (torch, torch.nn.functional)):
        logits = library.tensor(LOGITS, requires_grad=True)
        loss = functional.ctc_loss(functional.log_softmax(logits, 2), library.tensor(targets),
                                   library.tensor(input_lengths), library.tensor(target_lengths),
                                   reduction=reduction, **kwargs)
        if np.isfinite(loss.detach().numpy()).all():
            loss.sum().backward()
        results.append((loss.detach().numpy(), None if logits.grad is None
                        else logits.grad.numpy()))
    (ours, our_grad), (theirs, their_grad) = results
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)
    if their_grad is not None:
        np.testing.assert_allclose(our_grad, their_grad, rtol=1e-8, atol=1e-12)


def _collapse(path, blank):
    labels = [k for k, _ in itertools.groupby(path)]
    return [k for k in labels if k != blank]


def test_loss_is_the_negative_log_of_the_sum_over_alignments():
    frames, classes = 4, 3
    log_probs = np.log(RNG.dirichlet(np.ones(classes), frames))
    for target in ([1], [1, 2], [1, 1], [2, 1, 2], []):
        total = sum(math.exp(sum(log_probs[t, k] for t, k in enumerate(path)))
                    for path in itertools.product(range(classes), repeat=frames)
                    if _collapse(path, 0) == target)
        loss = F.ctc_loss(tn.tensor(log_probs), tn.tensor(np.array(target, dtype=np.int64)),
                          frames, len(target), reduction="sum")
        expected = -math.log(total) if total else math.inf
        assert float(loss) == pytest.approx(expected, rel=1e-10), target


def test_unbatched_input_and_module():
    log_probs = F.log_softmax(tn.tensor(LOGITS[:, 0]), 1)
    loss = F.ctc_loss(log_probs, tn.tensor(PADDED[0]), 8, 4, reduction="none")
    batched = F.ctc_loss(log_probs.unsqueeze(1), tn.tensor(PADDED[:1]), tn.tensor(np.array([8])),
                         tn.tensor(np.array([4])), reduction="none")
    assert loss.shape == () and float(loss) == pytest.approx(float(batched[0]))
    module = nn.CTCLoss(reduction="sum")
    np.testing.assert_allclose(
        module(log_probs.unsqueeze(1), tn.tensor(PADDED[:1]), tn.tensor(np.array([8])),
               tn.tensor(np.array([4]))).numpy(), batched.numpy()[0])


@pytest.mark.parametrize("kwargs, words", [
    ({"reduction": "avg"}, "reduction"),
    ({"blank": 5}, "blank 5"),
    ({"targets": np.array([[1, 0], [1, 1], [1, 1], [1, 1]]), "target_lengths": np.array([2] * 4)},
     "other than the blank"),
    ({"input_lengths": np.array([9, 8, 8, 8])}, "input_lengths"),
    ({"target_lengths": np.array([5, 1, 1, 1])}, "exceed"),
    ({"targets": np.arange(5)}, "concatenation"),
    ({"input_lengths": np.array([8, 8])}, "4 integer length"),
])
def test_errors_name_the_problem(kwargs, words):
    arguments = {"log_probs": tn.tensor(LOGITS), "targets": PADDED,
                 "input_lengths": INPUT_LENGTHS, "target_lengths": TARGET_LENGTHS} | kwargs
    for key in ("targets", "input_lengths", "target_lengths"):
        arguments[key] = tn.tensor(arguments[key])
    with pytest.raises(ValueError, match=words):
        F.ctc_loss(**arguments)
