"""Gradient clipping and parameters <-> vector, against NumPy formulas and torch.nn.utils."""

import math

import numpy as np
import pytest

import tinynet as tn
from tinynet.nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    parameters_to_vector,
    vector_to_parameters,
)

GRADS = [np.array([[3.0, -4.0], [1.0, 0.5]]), np.array([-12.0, 2.0, 0.25])]


def params_with_grads(dtype=np.float64, grads=GRADS):
    params = []
    for grad in grads:
        param = tn.tensor(np.zeros_like(grad, dtype=dtype), requires_grad=True)
        param.grad = tn.tensor(grad.astype(dtype))
        params.append(param)
    return params


def numpy_total_norm(grads, p):
    flat = np.concatenate([grad.ravel() for grad in grads])
    return np.abs(flat).max() if p == math.inf else (np.abs(flat) ** p).sum() ** (1 / p)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
def test_clip_grad_norm_scales_to_max_norm(norm_type):
    params = params_with_grads()
    total = clip_grad_norm_(params, max_norm=1.5, norm_type=norm_type)
    expected_total = numpy_total_norm(GRADS, norm_type)
    assert isinstance(total, tn.Tensor) and total.shape == ()
    assert total.item() == pytest.approx(expected_total, rel=1e-12)
    for param, grad in zip(params, GRADS):
        np.testing.assert_allclose(param.grad.numpy(), grad * 1.5 / (expected_total + 1e-6))
    clipped = numpy_total_norm([param.grad.numpy() for param in params], norm_type)
    assert clipped == pytest.approx(1.5, rel=1e-5)


def test_clip_grad_norm_leaves_small_gradients_alone_and_skips_missing_ones():
    params = params_with_grads() + [tn.tensor([1.0], requires_grad=True)]
    total = clip_grad_norm_(iter(params), max_norm=100.0)
    assert total.item() == pytest.approx(numpy_total_norm(GRADS, 2))
    for param, grad in zip(params, GRADS):
        np.testing.assert_array_equal(param.grad.numpy(), grad)
    assert params[-1].grad is None


def test_clip_grad_norm_of_a_single_tensor_and_of_no_gradients():
    (param,) = params_with_grads(grads=[np.array([6.0, 8.0])])
    assert clip_grad_norm_(param, 5.0).item() == pytest.approx(10.0)
    np.testing.assert_allclose(param.grad.numpy(), [3.0, 4.0], rtol=1e-6)
    assert clip_grad_norm_([tn.tensor([1.0], requires_grad=True)], 1.0).item() == 0.0


def test_clip_grad_norm_keeps_float32():
    params = params_with_grads(np.float32)
    total = clip_grad_norm_(params, 1.0)
    assert total.dtype == np.float32 and params[0].grad.dtype == np.float32


def test_clip_grad_norm_nonfinite():
    params = params_with_grads(grads=[np.array([1.0, np.inf])])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    assert math.isinf(clip_grad_norm_(params, 1.0).item())


@pytest.mark.torch
@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf, 0.5])
def test_clip_grad_norm_matches_torch(norm_type):
    torch = pytest.importorskip("torch")
    theirs = [torch.zeros(grad.shape, dtype=torch.float64, requires_grad=True) for grad in GRADS]
    for param, grad in zip(theirs, GRADS):
        param.grad = torch.tensor(grad)
    expected = torch.nn.utils.clip_grad_norm_(theirs, 2.0, norm_type=norm_type)
    ours = params_with_grads()
    total = clip_grad_norm_(ours, 2.0, norm_type=norm_type)
    assert total.item() == pytest.approx(expected.item(), rel=1e-12)
    for param, reference in zip(ours, theirs):
        np.testing.assert_allclose(param.grad.numpy(), reference.grad.numpy(), rtol=1e-12)


def test_clip_grad_value_():
    params = params_with_grads()
    assert clip_grad_value_(params, 2.0) is None
    for param, grad in zip(params, GRADS):
        np.testing.assert_array_equal(param.grad.numpy(), np.clip(grad, -2.0, 2.0))
    with pytest.raises(ValueError, match="clip_value"):
        clip_grad_value_(params, -1.0)


def test_parameters_to_vector_and_back():
    weight = tn.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    bias = tn.tensor(np.array([10.0, 20.0]), requires_grad=True)
    vector = parameters_to_vector([weight, bias])
    np.testing.assert_array_equal(vector.detach().numpy(), [0, 1, 2, 3, 4, 5, 10, 20])

    (vector * tn.tensor(np.arange(8.0))).sum().backward()
    np.testing.assert_array_equal(weight.grad.numpy(), np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(bias.grad.numpy(), [6.0, 7.0])

    version = weight._version
    vector_to_parameters(tn.tensor(np.arange(8.0) * -1), [weight, bias])
    np.testing.assert_array_equal(weight.detach().numpy(), -np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(bias.detach().numpy(), [-6.0, -7.0])
    assert weight._version > version


def test_vector_to_parameters_errors():
    params = [tn.tensor(np.zeros(3), requires_grad=True)]
    with pytest.raises(TypeError, match="Tensor"):
        vector_to_parameters(np.zeros(3), params)
    with pytest.raises(ValueError, match="3 elements"):
        vector_to_parameters(tn.tensor(np.zeros(4)), params)
