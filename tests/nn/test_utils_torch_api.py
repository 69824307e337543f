"""nn.utils with PyTorch's signatures: clip_grad_norm_ (= get_total_norm, then
clip_grads_with_norm_), clip_grad_value_, the deprecated clip_grad_norm, ``foreach`` accepted;
against torch where installed."""

import inspect

import numpy as np
import pytest

import tinynet as tn
from tinynet.nn import utils

GRADS = [np.array([[3.0, -4.0], [1.0, 2.0]]), np.array([12.0, -0.5, 0.25])]
NAMES = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_",
         "clip_grad_norm", "parameters_to_vector", "vector_to_parameters"]


def with_grads(lib=tn):
    params = []
    for grad in GRADS:
        param = lib.zeros(*grad.shape, dtype=lib.float64, requires_grad=True)
        param.grad = lib.tensor(grad.copy())
        params.append(param)
    return params


@pytest.mark.torch
@pytest.mark.parametrize("name", NAMES)
def test_signature_matches_torch(name):
    torch = pytest.importorskip("torch")

    def described(function):
        return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]

    assert described(getattr(utils, name)) == described(getattr(torch.nn.utils, name))


@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.5, float("inf")])
def test_get_total_norm_is_the_norm_of_everything_as_one_vector(norm_type):
    flat = np.concatenate([grad.ravel() for grad in GRADS])
    expected = np.abs(flat).max() if norm_type == float("inf") else np.linalg.norm(flat, norm_type)
    total = utils.get_total_norm([tn.tensor(grad) for grad in GRADS], norm_type)
    np.testing.assert_allclose(total.item(), expected, rtol=1e-12)
    assert utils.get_total_norm([]).item() == 0.0


def test_clip_grad_norm_is_get_total_norm_then_clip_grads_with_norm():
    params = with_grads()
    total = utils.clip_grad_norm_(params, max_norm=2.0)
    expected_total = np.sqrt(sum((grad**2).sum() for grad in GRADS))
    np.testing.assert_allclose(total.item(), expected_total, rtol=1e-12)
    by_hand = with_grads()
    utils.clip_grads_with_norm_(by_hand, 2.0, utils.get_total_norm([p.grad for p in by_hand]))
    for param, reference, grad in zip(params, by_hand, GRADS):
        np.testing.assert_array_equal(param.grad.numpy(), reference.grad.numpy())
        np.testing.assert_allclose(param.grad.numpy(), grad * 2.0 / (expected_total + 1e-6))


@pytest.mark.parametrize("foreach", [None, True, False])
def test_foreach_is_accepted_and_changes_nothing(foreach):
    plain, flagged = with_grads(), with_grads()
    utils.clip_grad_norm_(plain, 1.0)
    utils.clip_grad_norm_(flagged, 1.0, foreach=foreach)
    utils.clip_grad_value_(plain, 0.1)
    utils.clip_grad_value_(flagged, 0.1, foreach=foreach)
    for a, b in zip(plain, flagged):
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())
    with pytest.raises(TypeError, match="foreach must be None, True or False"):
        utils.clip_grad_value_(plain, 0.1, foreach="yes")


def test_clip_grad_norm_without_the_underscore_warns_and_clips():
    params = with_grads()
    with pytest.warns(FutureWarning, match="deprecated in favor of"):
        utils.clip_grad_norm(params, 1.0)
    assert utils.get_total_norm([p.grad for p in params]).item() == pytest.approx(1.0, rel=1e-5)


@pytest.mark.torch
@pytest.mark.parametrize("norm_type", [1.0, 2.0, float("inf")])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clipping_matches_torch(norm_type, max_norm):
    torch = pytest.importorskip("torch")
    ours, theirs = with_grads(tn), with_grads(torch)
    our_total = utils.clip_grad_norm_(ours, max_norm, norm_type, foreach=True)
    their_total = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type, foreach=True)
    np.testing.assert_allclose(our_total.item(), their_total.item(), rtol=1e-12)
    utils.clip_grad_value_(ours, 0.3)
    torch.nn.utils.clip_grad_value_(theirs, 0.3)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12)
    tensors = [tn.tensor(g) for g in GRADS]
    np.testing.assert_allclose(
        utils.get_total_norm(tensors, norm_type).item(),
        torch.nn.utils.get_total_norm([torch.tensor(g) for g in GRADS], norm_type).item(),
        rtol=1e-12,
    )
