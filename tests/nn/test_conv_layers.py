"""Forward passes of the conv and pooling layers: against PyTorch with weights copied by
state_dict name, and gradients through them against finite differences. The layers call
tinynet.nn.functional's conv/pool functions, which sit on the conv/pool ops."""

import numpy as np
import pytest

import tinynet as tn
from tests.nn.conftest import check_gradients, float64_leaf
from tinynet import nn

RNG = np.random.default_rng(5)

CONV_CASES = [
    ("conv1d", lambda m: m.Conv1d(4, 6, 3, stride=2, padding=1, dilation=2, groups=2), (2, 4, 9)),
    (
        "conv1d_same_reflect",
        lambda m: m.Conv1d(3, 2, 4, padding="same", padding_mode="reflect"),
        (2, 3, 7),
    ),
    ("conv2d", lambda m: m.Conv2d(3, 4, (3, 2), stride=(2, 1), padding=(1, 0)), (2, 3, 6, 5)),
    (
        "conv2d_circular",
        lambda m: m.Conv2d(2, 2, 3, padding=1, padding_mode="circular", bias=False),
        (1, 2, 4, 4),
    ),
    ("conv2d_valid_grouped", lambda m: m.Conv2d(4, 4, 2, padding="valid", groups=4), (2, 4, 3, 3)),
    (
        "conv_transpose1d",
        lambda m: m.ConvTranspose1d(4, 2, 3, stride=2, padding=1, output_padding=1),
        (2, 4, 5),
    ),
    (
        "conv_transpose2d",
        lambda m: m.ConvTranspose2d(2, 4, 3, stride=2, groups=2, dilation=1),
        (1, 2, 3, 4),
    ),
]


@pytest.mark.parametrize("name, make, shape", CONV_CASES, ids=[case[0] for case in CONV_CASES])
def test_conv_layer_gradients(name, make, shape):
    layer = make(nn).double()
    check_gradients(lambda x, *params: layer(x), [float64_leaf(shape), *layer.parameters()])


def _copied(make):
    torch = pytest.importorskip("torch")
    ours, theirs = make(nn).double(), make(torch.nn).double()
    ours.load_state_dict(
        {k: tn.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()}
    )
    return torch, ours, theirs


@pytest.mark.torch
@pytest.mark.parametrize("name, make, shape", CONV_CASES, ids=[case[0] for case in CONV_CASES])
def test_conv_layer_matches_torch(name, make, shape):
    torch, ours, theirs = _copied(make)
    x = RNG.standard_normal(shape)
    ours_x, theirs_x = tn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, z = ours(ours_x), theirs(theirs_x)
    np.testing.assert_allclose(y.detach().numpy(), z.detach().numpy(), rtol=1e-10, atol=1e-12)
    upstream = RNG.standard_normal(tuple(z.shape))
    y.backward(tn.tensor(upstream))
    z.backward(torch.tensor(upstream))
    np.testing.assert_allclose(ours_x.grad.numpy(), theirs_x.grad.numpy(), rtol=1e-9, atol=1e-12)
    for (key, param), (_, their_param) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(
            param.grad.numpy(), their_param.grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=key
        )


@pytest.mark.torch
def test_conv_transpose_output_size_matches_torch():
    torch, ours, theirs = _copied(lambda m: m.ConvTranspose2d(2, 3, 3, stride=2, padding=1))
    x = RNG.standard_normal((1, 2, 4, 4))
    y = ours(tn.tensor(x), output_size=[8, 8])
    z = theirs(torch.tensor(x), output_size=[8, 8])
    assert y.shape == tuple(z.shape) == (1, 3, 8, 8)
    np.testing.assert_allclose(y.detach().numpy(), z.detach().numpy(), rtol=1e-10)
    with pytest.raises(ValueError, match="valid sizes range from 7 to 8"):
        ours(tn.tensor(x), output_size=(9, 9))


POOL_CASES = [
    ("max_pool1d", lambda m: m.MaxPool1d(3, stride=2, padding=1), (2, 3, 8)),
    ("max_pool2d", lambda m: m.MaxPool2d(2, ceil_mode=True), (2, 2, 5, 5)),
    ("avg_pool1d", lambda m: m.AvgPool1d(2), (2, 3, 6)),
    (
        "avg_pool2d",
        lambda m: m.AvgPool2d(3, stride=2, padding=1, count_include_pad=False),
        (1, 2, 5, 6),
    ),
    ("adaptive_avg_pool2d", lambda m: m.AdaptiveAvgPool2d((2, 3)), (2, 2, 5, 7)),
    ("upsample", lambda m: m.Upsample(scale_factor=2), (1, 2, 3, 3)),
]


@pytest.mark.parametrize("name, make, shape", POOL_CASES, ids=[case[0] for case in POOL_CASES])
def test_pooling_layer_gradients(name, make, shape):
    distinct = RNG.permutation(int(np.prod(shape))).reshape(shape) * 0.1  # no ties for max
    check_gradients(make(nn), [float64_leaf(distinct)])


@pytest.mark.torch
@pytest.mark.parametrize("name, make, shape", POOL_CASES, ids=[case[0] for case in POOL_CASES])
def test_pooling_layer_matches_torch(name, make, shape):
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal(shape)
    y, z = make(nn)(tn.tensor(x)), make(torch.nn)(torch.tensor(x))
    np.testing.assert_allclose(y.numpy(), z.numpy(), rtol=1e-10)


@pytest.mark.torch
def test_max_pool_indices_and_max_unpool_match_torch():
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((2, 3, 4, 6))
    values, indices = nn.MaxPool2d(2, return_indices=True)(tn.tensor(x))
    their_values, their_indices = torch.nn.MaxPool2d(2, return_indices=True)(torch.tensor(x))
    np.testing.assert_array_equal(indices.numpy(), their_indices.numpy())
    restored = nn.MaxUnpool2d(2)(values, indices)
    their_restored = torch.nn.MaxUnpool2d(2)(their_values, their_indices)
    np.testing.assert_allclose(restored.numpy(), their_restored.numpy())


@pytest.mark.parametrize("make, message", [
    (lambda: nn.Conv2d(3, 4, (3, 3, 3)), r"kernel_size must be an int or a tuple of 2 ints"),
    (lambda: nn.Conv1d(3, 4, 3, stride=(1, 2)), r"stride must be an int or a tuple of 1 ints"),
    (lambda: nn.ConvTranspose2d(3, 4, 3, output_padding=1.5), r"output_padding must be an int"),
    (lambda: nn.ConvTranspose1d(3, 4, 3, stride=2, output_padding=2), r"output_padding \(2,\)"),
    (lambda: nn.Conv2d(3, 4, 3, groups=2), r"divisible by groups \(2\)"),
    (lambda: nn.Conv2d(3, 4, 3, stride=2, padding="same"), r"padding='same' is not supported"),
    (lambda: nn.ConvTranspose2d(3, 4, 3, padding="same"), r"padding 'same' is not supported"),
    (lambda: nn.Conv2d(3, 4, 3, padding_mode="mirror"), r"padding_mode must be one of"),
    (lambda: nn.MaxUnpool2d((2, 2, 2)), r"kernel_size must be an int or a tuple of 2 ints"),
])
def test_bad_layer_arguments_name_the_argument(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("layer, signature", [
    (nn.Conv1d, "in_channels out_channels kernel_size stride padding dilation groups bias "
                "padding_mode device dtype"),
    (nn.Conv2d, "in_channels out_channels kernel_size stride padding dilation groups bias "
                "padding_mode device dtype"),
    (nn.ConvTranspose1d, "in_channels out_channels kernel_size stride padding output_padding "
                         "groups bias dilation padding_mode device dtype"),
    (nn.ConvTranspose2d, "in_channels out_channels kernel_size stride padding output_padding "
                         "groups bias dilation padding_mode device dtype"),
])
def test_constructors_take_pytorch_s_arguments_in_pytorch_s_order(layer, signature):
    import inspect

    assert list(inspect.signature(layer).parameters) == signature.split()
