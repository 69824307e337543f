"""BatchNorm (running statistics, momentum, eval mode, no tracking), LayerNorm and GroupNorm:
values against NumPy formulas and gradients against finite differences."""

import numpy as np
import pytest

import tinynet as tn
import tinynet.nn.functional as F
from tests.nn.conftest import check_gradients, float64_leaf
from tinynet import nn

RNG = np.random.default_rng(3)


def normalized(x, axes, eps=1e-5):
    return (x - x.mean(axes, keepdims=True)) / np.sqrt(x.var(axes, keepdims=True) + eps)


def test_batchnorm_training_normalizes_per_channel_and_updates_running_stats():
    layer = nn.BatchNorm2d(3).double()
    x = RNG.standard_normal((4, 3, 2, 5)) * 3 + 1
    y = layer(tn.tensor(x))
    np.testing.assert_allclose(y.detach().numpy(), normalized(x, (0, 2, 3)), atol=1e-12)
    batch_mean, batch_var = x.mean((0, 2, 3)), x.var((0, 2, 3), ddof=1)
    np.testing.assert_allclose(layer.running_mean.numpy(), 0.1 * batch_mean)
    np.testing.assert_allclose(layer.running_var.numpy(), 0.9 + 0.1 * batch_var)
    assert layer.num_batches_tracked.item() == 1


def test_batchnorm_eval_uses_running_stats_and_leaves_them_alone():
    layer = nn.BatchNorm1d(2)
    layer.load_state_dict(
        {
            "weight": tn.tensor([2.0, 1.0]),
            "bias": tn.tensor([0.0, 1.0]),
            "running_mean": tn.tensor([1.0, -1.0]),
            "running_var": tn.tensor([4.0, 1.0]),
            "num_batches_tracked": tn.tensor(5),
        }
    )
    layer.eval()
    x = RNG.standard_normal((3, 2)).astype(np.float32)
    expected = (x - [1.0, -1.0]) / np.sqrt(np.array([4.0, 1.0]) + 1e-5) * [2.0, 1.0] + [0.0, 1.0]
    np.testing.assert_allclose(layer(tn.tensor(x)).detach().numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(layer(tn.tensor(x[:1])).detach().numpy(), expected[:1], rtol=1e-6)
    np.testing.assert_array_equal(layer.running_mean.numpy(), [1.0, -1.0])
    assert layer.num_batches_tracked.item() == 5


def test_batchnorm_momentum_none_keeps_the_cumulative_average():
    layer = nn.BatchNorm1d(2, momentum=None).double()
    batches = [RNG.standard_normal((5, 2, 3)) + shift for shift in (0.0, 2.0, -1.0)]
    for batch in batches:
        layer(tn.tensor(batch))
    np.testing.assert_allclose(
        layer.running_mean.numpy(), np.mean([b.mean((0, 2)) for b in batches], axis=0)
    )
    np.testing.assert_allclose(
        layer.running_var.numpy(), np.mean([b.var((0, 2), ddof=1) for b in batches], axis=0)
    )
    assert layer.num_batches_tracked.item() == 3


def test_batchnorm_without_tracking_has_no_buffers_and_always_uses_the_batch():
    layer = nn.BatchNorm1d(2, affine=False, track_running_stats=False)
    assert list(layer.state_dict()) == [] and not list(layer.parameters())
    x = RNG.standard_normal((6, 2))
    layer.eval()
    np.testing.assert_allclose(layer(tn.tensor(x)).numpy(), normalized(x, (0,)), atol=1e-12)


def test_batchnorm_errors_name_shapes():
    with pytest.raises(ValueError, match=r"expected 4-D \(N, C, H, W\) input, got shape \[2, 3\]"):
        nn.BatchNorm2d(3)(tn.ones(2, 3))
    with pytest.raises(ValueError, match="expected 3 channels"):
        nn.BatchNorm1d(3)(tn.ones(2, 4))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(tn.ones(1, 3))


def test_batchnorm_state_dict_keys_and_repr():
    layer = nn.BatchNorm2d(4)
    assert list(layer.state_dict()) == [
        "weight",
        "bias",
        "running_mean",
        "running_var",
        "num_batches_tracked",
    ]
    assert repr(layer) == (
        "BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)"
    )
    assert list(nn.BatchNorm1d(2, bias=False).state_dict())[:2] == ["weight", "running_mean"]


def test_layer_norm_and_group_norm_values():
    x = RNG.standard_normal((2, 4, 3))
    layer = nn.LayerNorm((4, 3)).double()
    np.testing.assert_allclose(
        layer(tn.tensor(x)).detach().numpy(), normalized(x, (1, 2)), atol=1e-12
    )
    assert list(layer.state_dict()) == ["weight", "bias"] and layer.weight.shape == (4, 3)
    groups = nn.GroupNorm(2, 4).double()
    expected = normalized(x.reshape(2, 2, 6), (2,)).reshape(x.shape)
    np.testing.assert_allclose(groups(tn.tensor(x)).detach().numpy(), expected, atol=1e-12)
    with pytest.raises(ValueError, match="does not end with the normalized_shape"):
        layer(tn.ones(2, 3, 4))
    with pytest.raises(ValueError, match="divisible by num_groups"):
        nn.GroupNorm(3, 4)


def _affine(channels, seed):
    return float64_leaf((channels,), seed=seed), float64_leaf((channels,), seed=seed + 1)


def test_batch_norm_gradients_in_training():
    weight, bias = _affine(3, 1)
    check_gradients(
        lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
        [float64_leaf((4, 3, 2)), weight, bias],
    )


def test_batch_norm_gradients_in_eval():
    running_mean, running_var = tn.tensor(np.array([0.5, -1.0])), tn.tensor(np.array([2.0, 0.5]))
    weight, bias = _affine(2, 1)
    check_gradients(
        lambda x, w, b: F.batch_norm(x, running_mean, running_var, w, b),
        [float64_leaf((3, 2)), weight, bias],
    )


def test_layer_norm_gradients():
    weight, bias = float64_leaf((2, 3), seed=1), float64_leaf((2, 3), seed=2)
    check_gradients(
        lambda x, w, b: F.layer_norm(x, (2, 3), w, b), [float64_leaf((2, 2, 3)), weight, bias]
    )


def test_group_norm_gradients():
    weight, bias = _affine(4, 1)
    check_gradients(
        lambda x, w, b: F.group_norm(x, 2, w, b), [float64_leaf((2, 4, 2)), weight, bias]
    )
