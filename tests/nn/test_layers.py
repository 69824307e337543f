"""Layers: shapes, values, gradients through them (float64 finite differences), dropout in train and
eval, embedding padding, and the constructors of the conv and pooling layers (their forward
passes are in test_conv_layers.py)."""

import math

import numpy as np
import pytest

import tinynet as tn
import tinynet.nn.functional as F
from tests.nn.conftest import check_gradients, float64_leaf
from tinynet import nn


def test_linear_computes_x_w_transpose_plus_b_on_any_leading_dims():
    layer = nn.Linear(3, 2).double()
    x = np.random.default_rng(0).standard_normal((2, 4, 3))
    expected = x @ layer.weight.detach().numpy().T + layer.bias.detach().numpy()
    np.testing.assert_allclose(layer(tn.tensor(x)).detach().numpy(), expected)
    assert nn.Linear(3, 2, bias=False).bias is None
    assert list(nn.Linear(3, 2, bias=False).state_dict()) == ["weight"]
    assert nn.Linear(2, 2, dtype="float64").weight.dtype == tn.float64
    with pytest.raises(
        ValueError, match=r"input of shape \[2, 4\] does not fit weight of shape \[2, 3\]"
    ):
        layer(tn.ones(2, 4, dtype="float64"))
    with pytest.raises(TypeError, match="float32 differs from weight dtype float64"):
        layer(tn.ones(2, 3))
    with pytest.raises(TypeError, match="bias dtype float32 differs from weight dtype float64"):
        F.linear(tn.ones(2, 3, dtype="float64"), layer.weight, layer.bias.float())


def test_gradients_through_a_small_network_of_layers():
    model = nn.Sequential(
        nn.Linear(3, 4), nn.LayerNorm(4), nn.GELU(), nn.Linear(4, 2), nn.PReLU(), nn.Flatten(0)
    ).double()
    # the parameters themselves are gradcheck's inputs: it perturbs them in place
    check_gradients(lambda x, *params: model(x), [float64_leaf((2, 3)), *model.parameters()])


LAYER_CASES = [
    ("batchnorm1d_train", lambda: nn.BatchNorm1d(3), (4, 3)),
    ("batchnorm2d_train", lambda: nn.BatchNorm2d(2), (3, 2, 2, 2)),
    ("batchnorm1d_eval", lambda: nn.BatchNorm1d(3).eval(), (2, 3, 2)),
    ("groupnorm", lambda: nn.GroupNorm(2, 4), (2, 4, 3)),
    ("layernorm", lambda: nn.LayerNorm(3), (2, 3)),
    ("unflatten", lambda: nn.Unflatten(1, (2, 3)), (2, 6)),
    ("prelu_per_channel", lambda: nn.PReLU(3), (2, 3, 2)),
]


@pytest.mark.parametrize("name, make, shape", LAYER_CASES, ids=[c[0] for c in LAYER_CASES])
def test_gradients_through_each_layer(name, make, shape):
    layer = make().double()
    with tn.no_grad():  # move the affine parameters away from 1 and 0
        for param in layer.parameters():
            param.add_(tn.tensor(np.random.default_rng(5).uniform(-0.5, 0.5, param.shape)))
    check_gradients(lambda x, *params: layer(x), [float64_leaf(shape), *layer.parameters()])


def test_gradients_through_dropout2d_with_a_fixed_mask():
    def seeded_dropout2d(x):
        tn.manual_seed(4)
        return F.dropout2d(x, 0.5)

    check_gradients(seeded_dropout2d, [float64_leaf((2, 3, 2, 2))])


def test_flatten_unflatten_and_identity():
    x = tn.randn(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 2)(x).shape == (24, 5)
    assert nn.Unflatten(1, (3, 20))(nn.Flatten()(x)).shape == (2, 3, 20)
    assert nn.Unflatten(-1, (5, -1))(x).shape == (2, 3, 4, 5, 1)
    with pytest.raises(ValueError, match="cannot be split"):
        nn.Unflatten(1, (2, 2))(x)
    assert nn.Identity(54, unused=1)(x) is x
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    assert repr(nn.Unflatten(1, (3, 20))) == "Unflatten(dim=1, unflattened_size=(3, 20))"


def test_embedding_looks_up_rows_and_gives_the_padding_row_no_gradient():
    layer = nn.Embedding(5, 3, padding_idx=1)
    np.testing.assert_array_equal(layer.weight.detach().numpy()[1], [0, 0, 0])
    ids = tn.tensor([[0, 1], [4, 0]])
    output = layer(ids)
    np.testing.assert_array_equal(
        output.detach().numpy(), layer.weight.detach().numpy()[ids.numpy()]
    )
    output.backward(tn.ones(2, 2, 3))
    np.testing.assert_array_equal(layer.weight.grad.numpy()[:, 0], [2, 0, 0, 0, 1])
    assert repr(layer) == "Embedding(5, 3, padding_idx=1)"
    with pytest.raises(IndexError, match="index 5 is out of range for 5 rows"):
        layer(tn.tensor([5]))
    with pytest.raises(TypeError, match="integer"):
        layer(tn.tensor([1.0]))


def test_embedding_gradient_and_max_norm():
    weight = float64_leaf((4, 3))
    ids = tn.tensor([[0, 2], [2, 3]])
    check_gradients(lambda w: F.embedding(ids, w, padding_idx=1), [weight])
    table = tn.tensor(np.array([[3.0, 4.0], [0.3, 0.4]]))
    F.embedding(tn.tensor([0, 1]), table, max_norm=1.0)
    np.testing.assert_allclose(np.linalg.norm(table.numpy(), axis=1), [1.0, 0.5], rtol=1e-6)


def test_embedding_from_pretrained_is_frozen_by_default():
    table = tn.randn(4, 2)
    layer = nn.Embedding.from_pretrained(table)
    assert not layer.weight.requires_grad and layer.weight._data is table._data
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad


def test_dropout_zeroes_about_p_scales_the_rest_and_is_the_identity_in_eval():
    layer = nn.Dropout(0.3)
    x = tn.ones(200, 100)
    y = layer(x).numpy()
    assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.7)}
    assert (y == 0).mean() == pytest.approx(0.3, abs=0.015)
    assert y.mean() == pytest.approx(1.0, abs=0.03)
    layer.eval()
    assert layer(x) is x
    assert F.dropout(x, p=1.0).numpy().sum() == 0
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


def test_dropout_masks_repeat_under_manual_seed():
    tn.manual_seed(11)
    first = F.dropout(tn.ones(50)).numpy()
    tn.manual_seed(11)
    np.testing.assert_array_equal(F.dropout(tn.ones(50)).numpy(), first)


def test_dropout_gradient_uses_the_same_mask():
    def seeded_dropout(x):
        tn.manual_seed(2)
        return F.dropout(x, 0.4)

    check_gradients(seeded_dropout, [float64_leaf((3, 4))])


def test_dropout2d_zeroes_whole_channels():
    y = nn.Dropout2d(0.5)(tn.ones(8, 6, 3, 3)).numpy()
    per_channel = y.reshape(8, 6, 9)
    assert ((per_channel == 0).all(-1) | (per_channel == 2).all(-1)).all()
    assert 0 < (per_channel == 0).all(-1).mean() < 1
    unbatched = F.dropout2d(tn.ones(6, 3, 3)).numpy().reshape(6, 9)
    assert ((unbatched == 0).all(-1) | (unbatched == 2).all(-1)).all()
    with pytest.raises(ValueError, match="3-D"):
        F.dropout2d(tn.ones(2, 3))


CONV_LAYERS = [
    (lambda: nn.Conv1d(4, 6, 3), (6, 4, 3), 12),
    (lambda: nn.Conv2d(4, 6, (3, 2), groups=2), (6, 2, 3, 2), 12),
    (lambda: nn.ConvTranspose1d(4, 6, 3, stride=2), (4, 6, 3), 18),
    (lambda: nn.ConvTranspose2d(4, 6, 3, groups=2), (4, 3, 3, 3), 27),
]


@pytest.mark.parametrize("make, weight_shape, fan_in", CONV_LAYERS)
def test_conv_layer_shapes_default_init_and_keys(make, weight_shape, fan_in):
    layer = make()
    assert layer.weight.shape == weight_shape and layer.bias.shape == (6,)
    assert list(layer.state_dict()) == ["weight", "bias"]
    bound = 1 / math.sqrt(fan_in)
    assert np.abs(layer.weight.detach().numpy()).max() <= bound
    assert np.abs(layer.bias.detach().numpy()).max() <= bound


def test_conv_layer_arguments_are_checked_and_printed():
    assert repr(nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False)) == (
        "Conv2d(3, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), bias=False)"
    )
    assert repr(nn.Conv1d(3, 8, 3, padding="same", padding_mode="reflect")) == (
        "Conv1d(3, 8, kernel_size=(3,), stride=(1,), padding=same, padding_mode=reflect)"
    )
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv2d(3, 8, 3, groups=2)
    with pytest.raises(ValueError, match="strided"):
        nn.Conv2d(3, 8, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="output_padding"):
        nn.ConvTranspose2d(3, 8, 3, stride=1, output_padding=1)


def test_pooling_layers_store_pytorchs_arguments():
    assert repr(nn.MaxPool2d(2)) == (
        "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    )
    assert repr(nn.AvgPool1d(3, stride=1)) == "AvgPool1d(kernel_size=3, stride=1, padding=0)"
    assert repr(nn.MaxUnpool2d(2)) == (
        "MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))"
    )
    assert repr(nn.AdaptiveAvgPool2d((1, 1))) == "AdaptiveAvgPool2d(output_size=(1, 1))"
    assert repr(nn.Upsample(scale_factor=2)) == "Upsample(scale_factor=2.0, mode='nearest')"
    with pytest.raises(ValueError, match="exactly one"):
        nn.Upsample()
    for layer in (nn.MaxPool1d(2), nn.AvgPool2d(2), nn.Upsample(size=4)):
        assert not list(layer.state_dict())
