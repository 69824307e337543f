"""Instance norm, BatchNorm3d, RMSNorm, local response norm and CrossMapLRN2d: outputs, input and
parameter gradients and running statistics against PyTorch (float64), unbatched inputs, the
device/dtype constructor arguments, PyTorch's signatures, and errors."""

import inspect

import numpy as np
import pytest

import tinynet as tn
import tinynet.nn.functional as F
from tinynet import nn

RNG = np.random.default_rng(5)


def _copy_parameters(ours, theirs, rng):
    for mine, reference in zip(ours.parameters(), theirs.parameters()):
        values = rng.standard_normal(tuple(mine.shape))
        mine._data[...] = values
        reference.data.copy_(__import__("torch").tensor(values))


def _compare(ours, theirs, x, training=True, backward=True):
    torch = pytest.importorskip("torch")
    ours, theirs = ours.double().train(training), theirs.double().train(training)
    _copy_parameters(ours, theirs, np.random.default_rng(0))
    a, b = tn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    mine, reference = ours(a), theirs(b)
    np.testing.assert_allclose(mine.detach().numpy(), reference.detach().numpy(), rtol=1e-9,
                               atol=1e-12)
    if backward:
        upstream = np.random.default_rng(1).standard_normal(tuple(reference.shape))
        mine.backward(tn.tensor(upstream))
        reference.backward(torch.tensor(upstream))
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-8, atol=1e-11)
        for p, q in zip(ours.parameters(), theirs.parameters()):
            np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-8, atol=1e-11)
    for p, q in zip(ours.buffers(), theirs.buffers()):
        np.testing.assert_allclose(p.numpy(), q.numpy(), rtol=1e-10)


LAYERS = [
    ("InstanceNorm1d", {"num_features": 3}, (2, 3, 5)),
    ("InstanceNorm1d", {"num_features": 3, "affine": True}, (3, 5)),
    ("InstanceNorm2d", {"num_features": 4, "affine": True, "track_running_stats": True},
     (3, 4, 5, 2)),
    ("InstanceNorm3d", {"num_features": 2, "affine": True, "momentum": 0.3}, (2, 2, 2, 3, 2)),
    ("InstanceNorm3d", {"num_features": 2, "bias": False, "affine": True}, (2, 2, 3, 2)),
    ("BatchNorm3d", {"num_features": 3}, (2, 3, 2, 3, 2)),
    ("BatchNorm3d", {"num_features": 3, "momentum": None}, (2, 3, 2, 3, 2)),
    ("RMSNorm", {"normalized_shape": [5, 2]}, (3, 4, 5, 2)),
    ("RMSNorm", {"normalized_shape": 2, "eps": 1e-3, "elementwise_affine": False},
     (3, 4, 5, 2)),
    ("LocalResponseNorm", {"size": 3, "alpha": 0.3, "beta": 0.6, "k": 1.5}, (2, 5, 3, 2)),
    ("LocalResponseNorm", {"size": 4, "alpha": 0.3}, (2, 6, 3)),
    ("LocalResponseNorm", {"size": 2, "alpha": 0.3}, (2, 6, 2, 2, 2)),
]


@pytest.mark.torch
@pytest.mark.parametrize("name, kwargs, shape", LAYERS,
                         ids=[f"{case[0]}-{i}" for i, case in enumerate(LAYERS)])
def test_layers_match_torch_in_training_and_eval(name, kwargs, shape):
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    for step in range(2):
        _compare(ours, theirs, RNG.standard_normal(shape))
    _compare(ours, theirs, RNG.standard_normal(shape), training=False)


@pytest.mark.torch
@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 7])
def test_cross_map_lrn2d_matches_torch(size):
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((2, 6, 2, 3))
    ours = nn.CrossMapLRN2d(size, alpha=0.3, beta=0.7, k=2.0)(tn.tensor(x))
    theirs = torch.nn.CrossMapLRN2d(size, alpha=0.3, beta=0.7, k=2.0)(torch.tensor(x))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-10)


@pytest.mark.torch
def test_functions_match_torch():
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((2, 3, 4))
    mean, var = RNG.standard_normal(3), RNG.uniform(0.5, 2, 3)
    weight, bias = RNG.standard_normal(3), RNG.standard_normal(3)
    running = [tn.tensor(mean.copy()), tn.tensor(var.copy())]
    reference_running = [torch.tensor(mean.copy()), torch.tensor(var.copy())]
    for use_input_stats in (True, False):
        ours = F.instance_norm(tn.tensor(x), *running, tn.tensor(weight), tn.tensor(bias),
                               use_input_stats, 0.2, 1e-3)
        theirs = torch.nn.functional.instance_norm(
            torch.tensor(x), *reference_running, torch.tensor(weight), torch.tensor(bias),
            use_input_stats, 0.2, 1e-3)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-10)
        for mine, reference in zip(running, reference_running):
            np.testing.assert_allclose(mine.numpy(), reference.numpy(), rtol=1e-12)
    np.testing.assert_allclose(
        F.rms_norm(tn.tensor(x), (3, 4), tn.tensor(RNG.standard_normal((3, 4)) + 0 * x[0])).numpy()
        .shape, (2, 3, 4))
    np.testing.assert_allclose(F.rms_norm(tn.tensor(x), [4]).numpy(),
                               torch.nn.functional.rms_norm(torch.tensor(x), [4]).numpy(),
                               rtol=1e-12)
    np.testing.assert_allclose(F.local_response_norm(tn.tensor(x), 2).numpy(),
                               torch.nn.functional.local_response_norm(torch.tensor(x), 2).numpy(),
                               rtol=1e-12)


def test_rms_norm_formula():
    x = RNG.standard_normal((3, 4))
    expected = x / np.sqrt((x * x).mean(-1, keepdims=True) + 1e-6)
    np.testing.assert_allclose(F.rms_norm(tn.tensor(x), [4], eps=1e-6).numpy(), expected)


def test_instance_norm_normalizes_each_sample_and_channel():
    y = nn.InstanceNorm2d(3)(tn.tensor(RNG.standard_normal((2, 3, 4, 5)) * 3 + 1)).numpy()
    np.testing.assert_allclose(y.mean(axis=(2, 3)), 0, atol=1e-6)
    np.testing.assert_allclose(y.var(axis=(2, 3)), 1, atol=1e-3)


def test_dtype_and_device_arguments():
    layer = nn.InstanceNorm1d(3, affine=True, track_running_stats=True, device="cpu",
                              dtype=tn.float64)
    assert layer.weight.dtype == tn.float64 and layer.running_mean.dtype == tn.float64
    assert nn.RMSNorm(4, dtype=tn.float64).weight.dtype == tn.float64
    assert nn.BatchNorm3d(2, device=None).weight.dtype == tn.float32
    for build in (lambda: nn.BatchNorm1d(2, device="cuda"), lambda: nn.LayerNorm(2, device="mps"),
                  lambda: nn.GroupNorm(1, 2, device="cuda:0"), lambda: nn.Linear(2, 2, device="cuda"),
                  lambda: nn.Conv2d(1, 1, 1, device="cuda"), lambda: nn.RMSNorm(2, device="meta")):
        with pytest.raises(ValueError, match="CPU only"):
            build()


@pytest.mark.torch
def test_signatures_match_torch():
    torch = pytest.importorskip("torch")
    for name in ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "BatchNorm1d",
                 "BatchNorm2d", "BatchNorm3d", "LayerNorm", "GroupNorm", "RMSNorm",
                 "LocalResponseNorm", "CrossMapLRN2d", "Linear", "Conv1d", "Conv2d",
                 "ConvTranspose1d", "ConvTranspose2d"]:
        ours = inspect.signature(getattr(nn, name).__init__).parameters.values()
        theirs = inspect.signature(getattr(torch.nn, name).__init__).parameters.values()
        assert [(p.name, p.kind, p.default) for p in ours] == [
            (p.name, p.kind, p.default) for p in theirs], name
    for name in ["instance_norm", "rms_norm", "local_response_norm"]:
        ours = inspect.signature(getattr(F, name)).parameters.values()
        theirs = inspect.signature(getattr(torch.nn.functional, name)).parameters.values()
        assert [(p.name, p.default) for p in ours] == [(p.name, p.default) for p in theirs]


@pytest.mark.parametrize("call, words", [
    (lambda: nn.InstanceNorm2d(3)(tn.randn(2, 3)), "4-D"),
    (lambda: nn.InstanceNorm1d(3, affine=True)(tn.randn(2, 4, 5)), "num_features"),
    (lambda: F.instance_norm(tn.randn(2, 3, 1)), "more than 1 spatial element"),
    (lambda: F.instance_norm(tn.randn(2, 3)), "spatial dim"),
    (lambda: F.instance_norm(tn.randn(2, 3, 4), use_input_stats=False), "running_mean"),
    (lambda: nn.BatchNorm3d(3)(tn.randn(2, 3, 4, 4)), "5-D"),
    (lambda: F.rms_norm(tn.randn(2, 3), [4]), "normalized_shape"),
    (lambda: F.rms_norm(tn.randn(2, 3), [3], tn.ones(2)), "weight"),
    (lambda: F.local_response_norm(tn.randn(2, 3), 2), "3D or higher"),
    (lambda: nn.CrossMapLRN2d(3)(tn.randn(2, 3, 4)), "4-D"),
])
def test_errors_name_the_problem(call, words):
    with pytest.raises(ValueError, match=words):
        call()
