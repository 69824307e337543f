"""The losses that PyTorch computes as one graph node are one node here too (MseLossBackward,
SmoothL1LossBackward, HuberLossBackward, BinaryCrossEntropyBackward,
BinaryCrossEntropyWithLogitsBackward, NllLossBackward after LogSoftmaxBackward for
cross_entropy), so walking ``grad_fn.next_functions`` gives PyTorch's chain; values and gradients
against PyTorch; PyTorch's deprecated size_average/reduce and the per-element ``weight``."""

import re
import warnings

import numpy as np
import pytest

import tinynet as tn
import tinynet.nn.functional as F
from tinynet import nn

RNG = np.random.default_rng(0)
X = RNG.normal(size=(4, 3))
Y = RNG.random((4, 3))
LABELS = np.array([0, 2, -100, 1])
CLASS_WEIGHT = np.array([0.5, 2.0, 1.5])


def chain(loss):
    """The node names from ``loss.grad_fn`` along the first input that has a node, with any
    trailing version digit and PyTorch's C++ namespace dropped (``MseLossBackward0``,
    ``torch::autograd::AccumulateGrad``)."""
    names, node = [], loss.grad_fn
    while node is not None:
        names.append(re.sub(r"\d+$", "", node.name().removeprefix("torch::autograd::")))
        following = [child for child, _ in node.next_functions if child is not None]
        node = following[0] if following else None
    return names


def loss_cases(lib):
    """name -> loss of the leaf x (N, C) built with ``lib`` (tinynet or torch)."""
    functional = lib.nn.functional
    y, labels = lib.tensor(Y), lib.tensor(LABELS)
    return {
        "mse": lambda x: functional.mse_loss(x, y),
        "smooth_l1": lambda x: functional.smooth_l1_loss(x, y, reduction="sum", beta=0.5),
        "huber": lambda x: functional.huber_loss(x, y, reduction="none", delta=0.5),
        "bce": lambda x: functional.binary_cross_entropy(
            lib.sigmoid(x), y, weight=lib.tensor(CLASS_WEIGHT)),
        "bce_with_logits": lambda x: functional.binary_cross_entropy_with_logits(
            x, y, pos_weight=lib.tensor(CLASS_WEIGHT), reduction="sum"),
        "cross_entropy": lambda x: functional.cross_entropy(
            x, labels, weight=lib.tensor(CLASS_WEIGHT)),
        "cross_entropy_none": lambda x: functional.cross_entropy(x, labels, reduction="none"),
        "nll": lambda x: functional.nll_loss(x, labels, reduction="sum"),
    }  # fmt: skip


EXPECTED_CHAINS = {
    "mse": ["MseLossBackward", "AccumulateGrad"],
    "smooth_l1": ["SmoothL1LossBackward", "AccumulateGrad"],
    "huber": ["HuberLossBackward", "AccumulateGrad"],
    "bce": ["BinaryCrossEntropyBackward", "SigmoidBackward", "AccumulateGrad"],
    "bce_with_logits": ["BinaryCrossEntropyWithLogitsBackward", "AccumulateGrad"],
    "cross_entropy": ["NllLossBackward", "LogSoftmaxBackward", "AccumulateGrad"],
    "cross_entropy_none": ["NllLossBackward", "LogSoftmaxBackward", "AccumulateGrad"],
    "nll": ["NllLossBackward", "AccumulateGrad"],
}


@pytest.mark.parametrize("name", list(EXPECTED_CHAINS))
def test_each_loss_is_one_node_as_in_pytorch(name):
    x = tn.tensor(X, requires_grad=True)
    assert chain(loss_cases(tn)[name](x)) == EXPECTED_CHAINS[name]


@pytest.mark.torch
@pytest.mark.parametrize("name", list(EXPECTED_CHAINS))
def test_chain_values_and_gradients_match_torch(name):
    torch = pytest.importorskip("torch")
    ours_x = tn.tensor(X, requires_grad=True)
    theirs_x = torch.tensor(X, requires_grad=True)
    ours, theirs = loss_cases(tn)[name](ours_x), loss_cases(torch)[name](theirs_x)
    assert chain(ours) == chain(theirs)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)
    upstream = RNG.random(ours.shape)
    ours.backward(tn.tensor(upstream))
    theirs.backward(torch.tensor(upstream))
    np.testing.assert_allclose(ours_x.grad.numpy(), theirs_x.grad.numpy(), rtol=1e-12)


def test_a_target_without_grad_is_a_none_edge():
    x = tn.tensor(X, requires_grad=True)
    loss = F.mse_loss(x, tn.tensor(Y))
    (first, _), (second, _) = loss.grad_fn.next_functions
    assert re.sub(r"\d+$", "", first.name()) == "AccumulateGrad" and second is None
    y = tn.tensor(Y, requires_grad=True)
    F.mse_loss(x, y).backward()
    np.testing.assert_allclose(y.grad.numpy(), -2 * (X - Y) / X.size)


def test_mse_backward_by_hand():
    x = tn.tensor(X, requires_grad=True)
    F.mse_loss(x, tn.tensor(Y), reduction="sum").backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * (X - Y))


@pytest.mark.parametrize(
    "legacy, reduction",
    [({"size_average": False}, "sum"), ({"reduce": False}, "none"),
     ({"size_average": True, "reduce": True}, "mean"), ({"size_average": False, "reduce": False},
                                                       "none")],
)  # fmt: skip
def test_size_average_and_reduce_are_pytorchs_deprecated_reduction(legacy, reduction):
    x, y = tn.tensor(X), tn.tensor(Y)
    with pytest.warns(UserWarning, match=f"reduction='{reduction}'"):
        legacy_result = F.mse_loss(x, y, **legacy)
    np.testing.assert_array_equal(legacy_result.numpy(), F.mse_loss(x, y, reduction=reduction))
    with pytest.warns(UserWarning):
        module = nn.CrossEntropyLoss(**legacy)
    assert module.reduction == reduction


def test_a_reduction_passed_where_size_average_goes_is_refused():
    with pytest.raises(TypeError, match="pass reduction='sum' by keyword"):
        F.mse_loss(tn.tensor(X), tn.tensor(Y), "sum")


def test_no_warning_without_the_legacy_arguments():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.cross_entropy(tn.tensor(X), tn.tensor(LABELS), reduction="sum")


WEIGHTED = ["mse_loss", "l1_loss", "huber_loss"]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", WEIGHTED)
def test_per_element_weight(name, reduction):
    weight = RNG.random(X.shape) + 0.5
    x = tn.tensor(X, requires_grad=True)
    loss = getattr(F, name)(x, tn.tensor(Y), reduction=reduction, weight=tn.tensor(weight))
    unweighted = getattr(F, name)(tn.tensor(X), tn.tensor(Y), reduction="none").numpy()
    expected = {
        "none": unweighted * weight,
        "sum": (unweighted * weight).sum(),
        # PyTorch divides by Σ w for mse and l1, and takes the plain mean for huber
        "mean": (unweighted * weight).sum() / (weight.sum() if name != "huber_loss" else X.size),
    }[reduction]
    np.testing.assert_allclose(loss.detach().numpy(), expected, rtol=1e-12)


@pytest.mark.torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", WEIGHTED)
def test_per_element_weight_matches_torch(name, reduction):
    torch = pytest.importorskip("torch")
    weight = RNG.random(X.shape) + 0.5
    ours_x, theirs_x = tn.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    ours = getattr(F, name)(ours_x, tn.tensor(Y), reduction=reduction, weight=tn.tensor(weight))
    theirs = getattr(torch.nn.functional, name)(
        theirs_x, torch.tensor(Y), reduction=reduction, weight=torch.tensor(weight)
    )
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_allclose(ours_x.grad.numpy(), theirs_x.grad.numpy(), rtol=1e-12)


def test_weight_of_the_wrong_shape_is_refused():
    with pytest.raises(ValueError, match="weight must have the input's shape"):
        F.mse_loss(tn.tensor(X), tn.tensor(Y), weight=tn.ones(3))
    with pytest.raises(ValueError, match="pos_weight of shape \\[4\\] must broadcast"):
        F.binary_cross_entropy_with_logits(tn.tensor(X), tn.tensor(Y), pos_weight=tn.ones(4))


def test_smooth_l1_with_beta_zero_is_l1_loss():
    x = tn.tensor(X, requires_grad=True)
    loss = F.smooth_l1_loss(x, tn.tensor(Y), reduction="sum", beta=0.0)
    np.testing.assert_allclose(loss.item(), np.abs(X - Y).sum())
    assert chain(loss)[0] in ("SumBackward", "AbsBackward")


def test_unbatched_cross_entropy_gives_a_scalar_per_reduction():
    logits = tn.tensor(X[0], requires_grad=True)
    for reduction in ("none", "mean", "sum"):
        loss = F.cross_entropy(logits, tn.tensor(2), reduction=reduction)
        assert loss.shape == ()
        shifted = X[0] - X[0].max()
        expected = -(shifted[2] - np.log(np.exp(shifted).sum()))
        np.testing.assert_allclose(loss.item(), expected, rtol=1e-12)
