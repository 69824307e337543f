"""The fused batch norm (tinynet.ops.normalization.BatchNorm) against the unfused formula written
in core tensor ops, and against PyTorch: outputs, gradients of input, weight and bias, running
statistics; train and eval, momentum and the cumulative average, affine or not, with or without
running statistics, (N, C), (N, C, L) and (N, C, H, W), float32 and float64; and its errors.
Gradient and double-gradient checks against finite differences are in the op table
(tests/nn/cases_nn.py)."""

import numpy as np
import pytest

import tinynet as tn
import tinynet.nn.functional as F
from tinynet import nn

RNG = np.random.default_rng(7)
SHAPES = [(8, 3), (4, 3, 5), (3, 3, 4, 2)]
DTYPES = [np.float32, np.float64]


def tolerance(dtype):
    return {"rtol": 1e-4, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-9, "atol": 1e-11}


def unfused_batch_norm(x, weight, bias, mean=None, var=None, eps=1e-5):
    """y = (x − μ) / √(σ² + eps) · γ + β in core ops; μ, σ² the batch's unless given."""
    dims = (0,) + tuple(range(2, x.ndim))
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    if mean is None:
        centered = x - x.mean(dims, keepdim=True)
        var = (centered * centered).mean(dims, keepdim=True)
    else:
        centered, var = x - mean.reshape(shape), var.reshape(shape)
    y = centered / (var + eps).sqrt()
    if weight is not None:
        y = y * weight.reshape(shape)
    return y if bias is None else y + bias.reshape(shape)


def leaves(shape, dtype, affine=True):
    x = tn.tensor((RNG.standard_normal(shape) * 2 + 0.5).astype(dtype), requires_grad=True)
    if not affine:
        return x, None, None
    channels = shape[1]
    weight = tn.tensor(RNG.uniform(0.5, 1.5, channels).astype(dtype), requires_grad=True)
    bias = tn.tensor(RNG.standard_normal(channels).astype(dtype), requires_grad=True)
    return x, weight, bias


def outputs_and_grads(fn, inputs, upstream):
    for tensor in inputs:
        if tensor is not None:
            tensor.grad = None
    y = fn(*inputs)
    y.backward(tn.tensor(upstream))
    return [y.detach().numpy()] + [t.grad.numpy() for t in inputs if t is not None]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("affine", [True, False], ids=["affine", "plain"])
def test_fused_matches_the_unfused_formula(shape, dtype, training, affine):
    inputs = leaves(shape, dtype, affine)
    upstream = RNG.standard_normal(shape).astype(dtype)
    mean = tn.tensor(RNG.standard_normal(shape[1]).astype(dtype))
    var = tn.tensor(RNG.uniform(0.5, 2.0, shape[1]).astype(dtype))
    if training:
        fused = outputs_and_grads(
            lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), inputs, upstream)
        unfused = outputs_and_grads(unfused_batch_norm, inputs, upstream)
    else:
        fused = outputs_and_grads(lambda x, w, b: F.batch_norm(x, mean, var, w, b), inputs,
                                  upstream)
        unfused = outputs_and_grads(lambda x, w, b: unfused_batch_norm(x, w, b, mean, var),
                                    inputs, upstream)
    for ours, reference in zip(fused, unfused):
        assert ours.dtype == dtype
        np.testing.assert_allclose(ours, reference, **tolerance(dtype))


def test_running_statistics_update_in_place_and_bump_versions():
    running_mean, running_var = tn.zeros(3), tn.ones(3)
    x = RNG.standard_normal((5, 3, 4)).astype(np.float32)
    F.batch_norm(tn.tensor(x), running_mean, running_var, training=True, momentum=0.25)
    np.testing.assert_allclose(running_mean.numpy(), 0.25 * x.mean((0, 2)), rtol=1e-5)
    np.testing.assert_allclose(running_var.numpy(), 0.75 + 0.25 * x.var((0, 2), ddof=1),
                               rtol=1e-5)
    assert running_mean._version == 1 and running_var._version == 1
    assert running_mean.dtype == tn.float32


def test_eval_graph_keeps_the_running_statistics_it_used():
    """A training step after an eval forward changes the buffers in place; the eval graph's
    backward must still use the statistics of its forward."""
    layer = nn.BatchNorm1d(2).double()
    x = tn.tensor(RNG.standard_normal((4, 2)), requires_grad=True)
    layer.eval()
    y = layer(x)
    expected_scale = 1 / np.sqrt(layer.running_var.numpy() + layer.eps)
    layer.train()
    layer(tn.tensor(RNG.standard_normal((4, 2)) * 5 + 3))
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.broadcast_to(expected_scale, (4, 2)))


def test_backward_sees_an_in_place_change_of_an_unscaled_output():
    """Without γ and β the output is x̂ itself, which backward needs."""
    x = tn.tensor(RNG.standard_normal((4, 2)), requires_grad=True)
    y = F.batch_norm(x, None, None, training=True)
    y.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by the in-place operation"):
        y.sum().backward()


def test_mixed_dtypes_promote_as_before():
    x = tn.tensor(RNG.standard_normal((4, 3)))  # float64
    y = F.batch_norm(x, tn.zeros(3), tn.ones(3), tn.ones(3), tn.zeros(3), training=True)
    assert y.dtype == tn.float64
    y = F.batch_norm(x.float(), None, None, tn.ones(3, dtype=tn.float64), training=True)
    assert y.dtype == tn.float64


def test_errors():
    with pytest.raises(ValueError, match="expected input of shape"):
        F.batch_norm(tn.ones(3), None, None, training=True)
    with pytest.raises(ValueError, match=r"weight must have shape \[3\]"):
        F.batch_norm(tn.ones(4, 3), None, None, tn.ones(2), training=True)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        F.batch_norm(tn.ones(1, 3, 1), None, None, training=True)
    with pytest.raises(ValueError, match="running_mean and running_var are needed"):
        F.batch_norm(tn.ones(4, 3), None, None)
    with pytest.raises(TypeError, match="floating point"):
        F.batch_norm(tn.ones(4, 3, dtype=tn.int64), None, None, training=True)


# Against PyTorch --------------------------------------------------------------------------------
MODULE_OPTIONS = [
    {},
    {"momentum": None},
    {"affine": False},
    {"track_running_stats": False},
    {"momentum": 0.3, "eps": 1e-3},
]


@pytest.mark.torch
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("options", MODULE_OPTIONS, ids=lambda o: ",".join(o) or "default")
def test_module_matches_torch_over_train_and_eval_steps(shape, dtype, options):
    torch = pytest.importorskip("torch")
    kind = "BatchNorm2d" if len(shape) == 4 else "BatchNorm1d"
    ours = getattr(nn, kind)(shape[1], **options)
    theirs = getattr(torch.nn, kind)(shape[1], **options)
    if dtype == np.float64:
        ours, theirs = ours.double(), theirs.double()
    if options.get("affine", True):
        weight = RNG.uniform(0.5, 1.5, shape[1]).astype(dtype)
        with torch.no_grad():
            theirs.weight.copy_(torch.from_numpy(weight))
        ours.weight.detach().numpy()[...] = weight
    for step, training in enumerate([True, True, True, False]):
        ours.train(training), theirs.train(training)
        x = (RNG.standard_normal(shape) * (step + 1) + step).astype(dtype)
        upstream = RNG.standard_normal(shape).astype(dtype)
        ours_x = tn.tensor(x, requires_grad=True)
        theirs_x = torch.tensor(x, requires_grad=True)
        y, z = ours(ours_x), theirs(theirs_x)
        y.backward(tn.tensor(upstream))
        z.backward(torch.from_numpy(upstream))
        tol = tolerance(dtype)
        np.testing.assert_allclose(y.detach().numpy(), z.detach().numpy(), **tol)
        np.testing.assert_allclose(ours_x.grad.numpy(), theirs_x.grad.numpy(), **tol)
        for name, parameter in theirs.named_parameters():
            np.testing.assert_allclose(getattr(ours, name).grad.numpy(), parameter.grad.numpy(),
                                       **tol)
        for name, buffer in theirs.named_buffers():
            np.testing.assert_allclose(getattr(ours, name).numpy(), buffer.numpy(), **tol)
