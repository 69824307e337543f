"""conv3d and conv_transpose3d (functions and layers, also Lazy): outputs and gradients against
PyTorch (float64) over strides, paddings, dilations, groups and padding modes; shapes from the
documented formulas; errors."""

import inspect

import numpy as np
import pytest

import tinynet as tn
import tinynet.nn.functional as F
from tinynet import nn

RNG = np.random.default_rng(13)
X = RNG.standard_normal((2, 4, 5, 6, 5))


def _compare(name, arrays, **kwargs):
    torch = pytest.importorskip("torch")
    results = []
    for library, functional in ((tn, F), (torch, torch.nn.functional)):
        inputs = [library.tensor(a, requires_grad=True) for a in arrays]
        output = getattr(functional, name)(*inputs, **kwargs)
        output.backward(library.tensor(np.random.default_rng(0).standard_normal(
            tuple(output.shape))))
        results.append([output.detach().numpy()] + [x.grad.numpy() for x in inputs])
    for mine, reference in zip(*results):
        assert mine.shape == reference.shape
        np.testing.assert_allclose(mine, reference, rtol=1e-9, atol=1e-11)


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore:Using padding='same'")  # PyTorch's note on even kernels
@pytest.mark.parametrize("kwargs", [
    {}, {"groups": 2}, {"stride": (2, 1, 2), "padding": (1, 2, 0), "dilation": (1, 2, 1)},
    {"padding": "same", "dilation": (2, 1, 1)}, {"padding": "valid", "stride": 3},
])
def test_conv3d_matches_torch(kwargs):
    weight = RNG.standard_normal((6, 4 // kwargs.get("groups", 1), 3, 2, 3))
    _compare("conv3d", [X, weight, RNG.standard_normal(6)], **kwargs)
    _compare("conv3d", [X[0], weight], **kwargs)  # unbatched


@pytest.mark.torch
@pytest.mark.parametrize("kwargs", [
    {}, {"groups": 2},
    {"stride": (2, 3, 1), "padding": (1, 0, 1), "output_padding": (1, 2, 0),
     "dilation": (2, 1, 1)},
    {"stride": 3, "padding": 2, "dilation": 2},
])
def test_conv_transpose3d_matches_torch(kwargs):
    weight = RNG.standard_normal((4, 3, 3, 2, 3))
    _compare("conv_transpose3d", [X, weight, RNG.standard_normal(3 * kwargs.get("groups", 1))],
             **kwargs)
    _compare("conv_transpose3d", [X[0], weight], **kwargs)


@pytest.mark.torch
@pytest.mark.parametrize("padding_mode", ["zeros", "reflect", "replicate", "circular"])
def test_conv3d_layer_matches_torch(padding_mode):
    torch = pytest.importorskip("torch")
    ours = nn.Conv3d(4, 2, 3, padding=1, padding_mode=padding_mode, dtype=tn.float64)
    theirs = torch.nn.Conv3d(4, 2, 3, padding=1, padding_mode=padding_mode, dtype=torch.float64)
    theirs.weight.data = torch.tensor(ours.weight.detach().numpy())
    theirs.bias.data = torch.tensor(ours.bias.detach().numpy())
    np.testing.assert_allclose(ours(tn.tensor(X)).detach().numpy(),
                               theirs(torch.tensor(X)).detach().numpy(), rtol=1e-10)


def test_layer_shapes_follow_the_documented_formulas():
    layer = nn.Conv3d(4, 6, (3, 2, 1), stride=(2, 1, 1), padding=(1, 0, 0), dilation=(1, 2, 1))
    assert layer.weight.shape == (6, 4, 3, 2, 1)
    # D_out = ⌊(5 + 2 − 2 − 1) / 2⌋ + 1 = 3, H_out = 6 − 2 = 4, W_out = 5
    assert layer(tn.tensor(X, dtype=tn.float32)).shape == (2, 6, 3, 4, 5)
    transposed = nn.ConvTranspose3d(4, 2, 3, stride=2)
    assert transposed.weight.shape == (4, 2, 3, 3, 3)
    # (5 − 1) 2 + 3 = 11, (6 − 1) 2 + 3 = 13, 11; output_size picks output_padding
    assert transposed(tn.randn(2, 4, 5, 6, 5)).shape == (2, 2, 11, 13, 11)
    assert transposed(tn.randn(2, 4, 5, 6, 5), output_size=(12, 13, 12)).shape == (2, 2, 12, 13,
                                                                                   12)
    lazy = nn.LazyConvTranspose3d(2, 3)
    lazy(tn.randn(1, 4, 2, 2, 2))
    assert type(lazy) is nn.ConvTranspose3d and lazy.weight.shape == (4, 2, 3, 3, 3)


@pytest.mark.torch
def test_signatures_match_torch():
    torch = pytest.importorskip("torch")
    for name in ["Conv3d", "ConvTranspose3d", "LazyConv3d", "LazyConvTranspose3d"]:
        ours = inspect.signature(getattr(nn, name).__init__).parameters.values()
        theirs = inspect.signature(getattr(torch.nn, name).__init__).parameters.values()
        assert [(p.name, p.kind, p.default) for p in ours] == [
            (p.name, p.kind, p.default) for p in theirs], name


@pytest.mark.parametrize("call, words", [
    (lambda: F.conv3d(tn.randn(2, 4, 5), tn.randn(6, 4, 1, 1, 1)), "5-D"),
    (lambda: F.conv3d(tn.randn(1, 4, 2, 2, 2), tn.randn(6, 3, 1, 1, 1)), "channels"),
    (lambda: F.conv3d(tn.randn(1, 4, 2, 2, 2), tn.randn(6, 4, 3, 1, 1)), "smaller than"),
    (lambda: F.conv3d(tn.randn(1, 4, 3, 3, 3), tn.randn(6, 4, 1, 1, 1), padding="full"),
     "padding"),
    (lambda: F.conv3d(tn.randn(1, 4, 3, 3, 3), tn.randn(6, 4, 1, 1, 1), stride=2,
                      padding="same"), "strided"),
    (lambda: F.conv_transpose3d(tn.randn(1, 4, 2, 2, 2), tn.randn(4, 2, 1, 1, 1),
                                output_padding=1), "output_padding"),
    (lambda: F.conv_transpose3d(tn.randn(1, 4, 2, 2, 2), tn.randn(4, 2, 1, 1, 1), padding=1),
     "no output depth"),
])
def test_errors_name_the_problem(call, words):
    with pytest.raises(ValueError, match=words):
        call()
