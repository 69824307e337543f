"""Losses: gradients (first and second) against finite differences, values against NumPy
formulas, stability for logits of 1e4, NaN reported, argument errors, and the loss modules."""

import numpy as np
import pytest

import tinynet as tn
import tinynet.nn.functional as F
from tests.nn.conftest import check_gradients, float64_leaf
from tinynet import nn

RNG = np.random.default_rng(7)
LOGITS = RNG.standard_normal((4, 3))
LABELS = np.array([0, 2, 1, 2])
PROBABILITIES = RNG.dirichlet(np.ones(3), size=4)
VALUES = RNG.standard_normal((4, 3))
UNIT = RNG.uniform(0.05, 0.95, (4, 3))
CLASS_WEIGHTS = np.array([0.5, 2.0, 1.0])


def constant(array):
    return tn.tensor(np.asarray(array))


# name, function of (input, target) with fixed options, input values, target values,
# whether the target is differentiable too
LOSS_CASES = [
    ("mse", F.mse_loss, VALUES, UNIT, True),
    ("l1", F.l1_loss, VALUES, UNIT, True),
    ("smooth_l1", lambda x, y: F.smooth_l1_loss(x, y, beta=0.5), VALUES, UNIT, True),
    ("huber", lambda x, y: F.huber_loss(x, y, delta=0.7), VALUES, UNIT, True),
    ("bce", F.binary_cross_entropy, UNIT, UNIT[::-1].copy(), True),
    (
        "bce_weighted",
        lambda x, y: F.binary_cross_entropy(x, y, weight=constant(CLASS_WEIGHTS)),
        UNIT,
        UNIT[::-1].copy(),
        True,
    ),
    ("bce_with_logits", F.binary_cross_entropy_with_logits, LOGITS, UNIT, True),
    (
        "bce_with_logits_pos_weight",
        lambda x, y: F.binary_cross_entropy_with_logits(
            x, y, weight=constant(CLASS_WEIGHTS), pos_weight=constant([1.0, 3.0, 0.5])
        ),
        LOGITS,
        UNIT,
        True,
    ),
    ("cross_entropy", lambda x, y: F.cross_entropy(x, tn.tensor(LABELS)), LOGITS, None, False),
    (
        "cross_entropy_all_options",
        lambda x, y: F.cross_entropy(
            x,
            tn.tensor([0, -1, 1, 2]),
            weight=constant(CLASS_WEIGHTS),
            ignore_index=-1,
            label_smoothing=0.2,
        ),
        LOGITS,
        None,
        False,
    ),
    (
        "cross_entropy_probabilities",
        lambda x, y: F.cross_entropy(x, y, label_smoothing=0.1),
        LOGITS,
        PROBABILITIES,
        True,
    ),
    (
        "nll",
        lambda x, y: F.nll_loss(x, tn.tensor(LABELS), weight=constant(CLASS_WEIGHTS)),
        LOGITS,
        None,
        False,
    ),
    ("kl_div", F.kl_div, np.log(PROBABILITIES), PROBABILITIES[::-1].copy(), True),
    (
        "kl_div_log_target",
        lambda x, y: F.kl_div(x, y, reduction="batchmean", log_target=True),
        np.log(PROBABILITIES),
        np.log(PROBABILITIES[::-1]),
        True,
    ),
]


@pytest.mark.parametrize(
    "name, loss, input_values, target_values, target_differentiable",
    LOSS_CASES,
    ids=[case[0] for case in LOSS_CASES],
)
def test_loss_gradients_match_finite_differences(
    name, loss, input_values, target_values, target_differentiable
):
    x = float64_leaf(input_values)
    if target_values is None:
        check_gradients(lambda x: loss(x, None), [x])
    else:
        y = float64_leaf(target_values)
        y.requires_grad_(target_differentiable)
        check_gradients(loss, [x, y])


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_reductions_of_elementwise_losses(reduction):
    x, y = constant(VALUES), constant(UNIT)
    difference = VALUES - UNIT
    reduce = {"none": lambda a: a, "sum": np.sum, "mean": np.mean}[reduction]
    np.testing.assert_allclose(F.mse_loss(x, y, reduction=reduction).numpy(), reduce(difference**2))
    np.testing.assert_allclose(F.l1_loss(x, y, reduction=reduction).numpy(), reduce(np.abs(difference)))
    huber = np.where(
        np.abs(difference) <= 0.5, 0.5 * difference**2, 0.5 * (np.abs(difference) - 0.25)
    )
    np.testing.assert_allclose(F.huber_loss(x, y, reduction, delta=0.5).numpy(), reduce(huber))
    np.testing.assert_allclose(
        F.smooth_l1_loss(x, y, reduction=reduction, beta=0.5).numpy(), reduce(huber / 0.5)
    )
    bce = -(
        UNIT * np.log(1 / (1 + np.exp(-VALUES)))
        + (1 - UNIT) * np.log(1 - 1 / (1 + np.exp(-VALUES)))
    )
    np.testing.assert_allclose(
        F.binary_cross_entropy_with_logits(x, y, reduction=reduction).numpy(),
        reduce(bce),
        rtol=1e-12,
    )


def _log_softmax(z, axis=1):
    shifted = z - z.max(axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis, keepdims=True))


def test_cross_entropy_with_weights_ignore_index_and_smoothing_matches_formula():
    labels = np.array([0, -1, 1, 2])
    kept = labels != -1
    log_p = _log_softmax(LOGITS)
    nll = -CLASS_WEIGHTS[labels[kept]] * log_p[kept, labels[kept]]
    smooth = -(log_p[kept] * CLASS_WEIGHTS).sum(1)
    denominator = CLASS_WEIGHTS[labels[kept]].sum()
    expected = 0.8 * nll.sum() / denominator + 0.2 / 3 * smooth.sum() / denominator
    loss = F.cross_entropy(
        constant(LOGITS),
        tn.tensor(labels),
        weight=constant(CLASS_WEIGHTS),
        ignore_index=-1,
        label_smoothing=0.2,
    )
    assert loss.item() == pytest.approx(expected, rel=1e-12)
    none = F.cross_entropy(constant(LOGITS), tn.tensor(labels), ignore_index=-1, reduction="none")
    assert none.numpy()[1] == 0.0 and none.shape == (4,)


def test_cross_entropy_on_segmentation_maps_equals_the_flattened_loss():
    logits = RNG.standard_normal((2, 3, 4, 5))
    labels = RNG.integers(0, 3, (2, 4, 5))
    flat_logits = logits.transpose(0, 2, 3, 1).reshape(-1, 3)
    loss = F.cross_entropy(constant(logits), tn.tensor(labels), label_smoothing=0.1)
    flat = F.cross_entropy(
        constant(flat_logits), tn.tensor(labels.reshape(-1)), label_smoothing=0.1
    )
    assert loss.item() == pytest.approx(flat.item(), rel=1e-12)
    assert F.cross_entropy(constant(logits), tn.tensor(labels), reduction="none").shape == (2, 4, 5)


def test_cross_entropy_with_one_hot_probabilities_equals_class_indices():
    one_hot = np.eye(3)[LABELS]
    a = F.cross_entropy(constant(LOGITS), constant(one_hot), label_smoothing=0.3)
    b = F.cross_entropy(constant(LOGITS), tn.tensor(LABELS), label_smoothing=0.3)
    assert a.item() == pytest.approx(b.item(), rel=1e-12)


def test_unbatched_cross_entropy_and_nll():
    loss = F.cross_entropy(constant(LOGITS[0]), tn.tensor(2))
    assert loss.shape == () and loss.item() == pytest.approx(-_log_softmax(LOGITS, 1)[0, 2])
    assert F.nll_loss(constant(LOGITS[0]), tn.tensor(1), reduction="none").shape == ()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_classification_losses_are_stable_for_logits_of_1e4(dtype):
    logits = tn.tensor(
        np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]]), dtype=dtype, requires_grad=True
    )
    ce = F.cross_entropy(logits, tn.tensor([0, 0]), reduction="none")
    np.testing.assert_allclose(ce.detach().numpy(), [0.0, 2e4 + np.log(2)], rtol=1e-6)
    ce.sum().backward()
    assert np.isfinite(logits.grad.numpy()).all()
    logits.grad = None
    targets = tn.tensor(np.array([[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]]), dtype=dtype)
    bce = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    np.testing.assert_allclose(bce.detach().numpy(), [[0, 0, np.log(2)], [1e4, 0, 1e4]], rtol=1e-6)
    bce.sum().backward()
    assert np.isfinite(logits.grad.numpy()).all()


def test_binary_cross_entropy_of_saturated_probabilities_is_finite_like_pytorchs():
    probabilities = tn.tensor([0.0, 1.0, 1.0], requires_grad=True)
    loss = F.binary_cross_entropy(probabilities, tn.tensor([1.0, 0.0, 1.0]), reduction="none")
    np.testing.assert_allclose(loss.detach().numpy(), [100.0, 100.0, 0.0])
    loss.sum().backward()
    assert np.isfinite(probabilities.grad.numpy()).all()


NAN_CASES = [
    ("mse_loss", lambda x, y: F.mse_loss(x, y)),
    ("l1_loss", lambda x, y: F.l1_loss(x, y)),
    ("smooth_l1_loss", lambda x, y: F.smooth_l1_loss(x, y)),
    ("huber_loss", lambda x, y: F.huber_loss(x, y)),
    ("binary_cross_entropy_with_logits", F.binary_cross_entropy_with_logits),
    ("kl_div", F.kl_div),
    ("cross_entropy", lambda x, y: F.cross_entropy(x, tn.tensor([0, 1]))),
    ("nll_loss", lambda x, y: F.nll_loss(x, tn.tensor([0, 1]))),
]


@pytest.mark.parametrize("name, loss", NAN_CASES, ids=[case[0] for case in NAN_CASES])
def test_nan_in_the_input_is_reported_with_the_losss_name(name, loss):
    x = tn.tensor([[0.5, float("nan")], [0.1, 0.2]])
    with pytest.raises(ValueError, match=f"{name}: input contains NaN"):
        loss(x, tn.ones(2, 2) * 0.5)
    if name not in ("cross_entropy", "nll_loss"):
        with pytest.raises(ValueError, match=f"{name}: target contains NaN"):
            loss(tn.ones(2, 2) * 0.5, x)
    with pytest.raises(ValueError, match="binary_cross_entropy: input contains NaN"):
        F.binary_cross_entropy(x, tn.ones(2, 2))


def test_argument_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"shape \[2, 3\] and target shape \[3\]"):
        F.mse_loss(tn.ones(2, 3), tn.ones(3))
    with pytest.raises(ValueError, match="reduction must be one of"):
        F.l1_loss(tn.ones(2), tn.ones(2), reduction="average")
    with pytest.raises(IndexError, match="target 3 is out of bounds for 3 classes"):
        F.cross_entropy(tn.ones(2, 3), tn.tensor([0, 3]))
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.binary_cross_entropy(tn.tensor([1.5]), tn.tensor([1.0]))
    with pytest.raises(ValueError, match="integer target of shape"):
        F.nll_loss(tn.ones(2, 3), tn.tensor([[0, 1]]))
    with pytest.raises(ValueError, match="class probabilities"):
        F.cross_entropy(tn.ones(2, 3), tn.ones(2))


MODULE_CASES = [
    (nn.MSELoss(reduction="sum"), lambda x, y: F.mse_loss(x, y, reduction="sum")),
    (nn.L1Loss(), F.l1_loss),
    (nn.SmoothL1Loss(beta=0.3), lambda x, y: F.smooth_l1_loss(x, y, beta=0.3)),
    (nn.HuberLoss(delta=0.3), lambda x, y: F.huber_loss(x, y, delta=0.3)),
    (
        nn.BCEWithLogitsLoss(pos_weight=constant([2.0, 1.0, 1.0])),
        lambda x, y: F.binary_cross_entropy_with_logits(x, y, pos_weight=constant([2.0, 1.0, 1.0])),
    ),
    (nn.KLDivLoss(reduction="batchmean"), lambda x, y: F.kl_div(x, y, reduction="batchmean")),
]


@pytest.mark.parametrize("module, fn", MODULE_CASES, ids=lambda c: type(c).__name__)
def test_loss_modules_call_their_functions(module, fn):
    x, y = constant(VALUES), constant(UNIT)
    assert module(x, y).item() == pytest.approx(fn(x, y).item())


def test_weighted_loss_modules_register_their_weights_as_buffers():
    weight = constant(CLASS_WEIGHTS)
    loss = nn.CrossEntropyLoss(weight=weight, label_smoothing=0.1)
    assert list(loss.state_dict()) == ["weight"]
    expected = F.cross_entropy(
        constant(LOGITS), tn.tensor(LABELS), weight=weight, label_smoothing=0.1
    )
    assert loss(constant(LOGITS), tn.tensor(LABELS)).item() == pytest.approx(expected.item())
    assert list(nn.BCEWithLogitsLoss(pos_weight=weight).state_dict()) == ["pos_weight"]
    assert list(nn.NLLLoss().state_dict()) == []
    probabilities = constant(UNIT)
    assert nn.BCELoss()(probabilities, probabilities).item() == pytest.approx(
        F.binary_cross_entropy(probabilities, probabilities).item()
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: d.__name__)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", [(5, 4), (3, 4, 2), (4,)], ids=str)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_fused_cross_entropy_matches_log_softmax_then_nll(dtype, reduction, shape, weighted):
    """F.cross_entropy with class indices is one op (tinynet.ops.loss.CrossEntropy); the composed
    log_softmax + nll_loss is the reference, for values, dtype and input gradients."""
    rng = np.random.default_rng(5)
    logits = (rng.standard_normal(shape) * 3).astype(dtype)
    target_shape = () if len(shape) == 1 else (shape[0],) + shape[2:]
    labels = rng.integers(0, 4, target_shape)
    if labels.ndim:
        labels.flat[0] = -100  # one ignored position
    weight = tn.tensor(rng.uniform(0.5, 2.0, 4).astype(dtype)) if weighted else None
    upstream = rng.standard_normal(target_shape if reduction == "none" else ()).astype(dtype)
    results = []
    for fn in (
        lambda x: F.cross_entropy(x, tn.tensor(labels), weight, reduction=reduction),
        lambda x: F.nll_loss(F.log_softmax(x, 0 if x.ndim == 1 else 1), tn.tensor(labels),
                             weight, reduction=reduction),
    ):
        x = tn.tensor(logits, requires_grad=True)
        loss = fn(x)
        loss.backward(tn.tensor(upstream))
        results.append((loss.detach().numpy(), x.grad.numpy()))
    (fused, fused_grad), (composed, composed_grad) = results
    tolerance = {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-12}
    assert fused.dtype == dtype and fused.shape == composed.shape
    np.testing.assert_allclose(fused, composed, **tolerance)
    np.testing.assert_allclose(fused_grad, composed_grad, **tolerance)


def test_cross_entropy_with_every_target_ignored_is_nan_like_pytorchs():
    x = tn.tensor(np.zeros((2, 3)), requires_grad=True)
    loss = F.cross_entropy(x, tn.tensor([-100, -100]))
    assert np.isnan(loss.item())
