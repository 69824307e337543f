"""interpolate's modes, the upsample aliases, pixel and channel shuffles and the resampling
layers against PyTorch in float64 (values, gradients, reprs), their definitions on small
examples, and the errors on bad arguments."""

import inspect
import itertools

import numpy as np
import pytest

import tinynet as tn
import tinynet.nn.functional as F
from tinynet import nn

RNG = np.random.default_rng(9)
MODE_DIMS = {"linear": [1], "bilinear": [2], "bicubic": [2], "trilinear": [3],
             "nearest": [1, 2, 3], "nearest-exact": [1, 2, 3], "area": [1, 2, 3]}


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def compare(torch, ours_fn, theirs_fn, x, rtol=1e-12):
    a, b = tn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours, theirs = ours_fn(a), theirs_fn(b)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol,
                               atol=1e-12)
    upstream = RNG.standard_normal(tuple(theirs.shape))
    ours.backward(tn.tensor(upstream))
    theirs.backward(torch.tensor(upstream))
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=1e-12)


def interpolate_configurations():
    for mode, dims_list in MODE_DIMS.items():
        for dims in dims_list:
            sizes = {1: (7,), 2: (5, 6), 3: (3, 4, 5)}[dims]
            for resize in [{"size": tuple(s + 3 for s in sizes)},
                           {"size": tuple(max(1, s - 2) for s in sizes)},
                           {"scale_factor": 2.0}, {"scale_factor": 0.6},
                           {"scale_factor": 1.7, "recompute_scale_factor": True}]:
                corners = [None, True, False] if mode in ("linear", "bilinear", "bicubic",
                                                          "trilinear") else [None]
                for align_corners in corners:
                    yield pytest.param(mode, sizes, dict(resize, align_corners=align_corners),
                                       id=f"{mode}-{dims}d-{resize}-{align_corners}")


@pytest.mark.torch
@pytest.mark.parametrize("mode, sizes, kwargs", list(interpolate_configurations()))
def test_interpolate_matches_torch_in_value_and_gradient(torch, mode, sizes, kwargs):
    x = RNG.standard_normal((2, 3) + sizes)
    compare(torch, lambda t: F.interpolate(t, mode=mode, **kwargs),
            lambda t: torch.nn.functional.interpolate(t, mode=mode, **kwargs), x)


@pytest.mark.torch
@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("kwargs", [{"size": (3, 2)}, {"scale_factor": 0.4}, {"size": (9, 11)},
                                    {"size": (4, 3), "align_corners": True}])
def test_antialiased_interpolation_matches_torch(torch, mode, kwargs):
    x = RNG.standard_normal((2, 3, 8, 7))
    compare(torch, lambda t: F.interpolate(t, mode=mode, antialias=True, **kwargs),
            lambda t: torch.nn.functional.interpolate(t, mode=mode, antialias=True, **kwargs), x)


@pytest.mark.torch
def test_upsample_aliases_warn_and_match_torch(torch):
    x = RNG.standard_normal((1, 2, 3, 4))
    for name, kwargs in [("upsample", {"scale_factor": 2, "mode": "bilinear"}),
                         ("upsample_nearest", {"size": 5}),
                         ("upsample_bilinear", {"scale_factor": 2})]:
        with pytest.warns(UserWarning, match="deprecated"):
            ours = getattr(F, name)(tn.tensor(x), **kwargs)
        with pytest.warns(UserWarning, match="deprecated"):
            theirs = getattr(torch.nn.functional, name)(torch.tensor(x), **kwargs)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
        assert inspect.signature(getattr(F, name)).parameters.keys() == inspect.signature(
            getattr(torch.nn.functional, name)).parameters.keys()


@pytest.mark.torch
@pytest.mark.parametrize("name, args, shape", [
    ("pixel_shuffle", (2,), (2, 8, 3, 4)), ("pixel_shuffle", (3,), (9, 2, 2)),
    ("pixel_shuffle", (2,), (2, 1, 4, 3, 2)), ("pixel_unshuffle", (2,), (2, 3, 4, 6)),
    ("pixel_unshuffle", (3,), (1, 3, 6)), ("channel_shuffle", (3,), (2, 6, 4)),
    ("channel_shuffle", (2,), (1, 4, 2, 3)),
])
def test_shuffles_match_torch(torch, name, args, shape):
    compare(torch, lambda t: getattr(F, name)(t, *args),
            lambda t: getattr(torch.nn.functional, name)(t, *args), RNG.standard_normal(shape))


@pytest.mark.torch
def test_native_channel_shuffle_matches_torch(torch):  # PyTorch has no gradient for this one
    x = RNG.standard_normal((1, 4, 3))
    np.testing.assert_array_equal(F.native_channel_shuffle(tn.tensor(x), 2).numpy(),
                                  torch.nn.functional.native_channel_shuffle(torch.tensor(x), 2))


MODULES = [
    ("PixelShuffle", (2,), {}, (1, 8, 2, 3)), ("PixelUnshuffle", (2,), {}, (1, 2, 4, 6)),
    ("ChannelShuffle", (2,), {}, (1, 4, 3, 3)),
    ("UpsamplingNearest2d", (), {"scale_factor": 2}, (1, 2, 3, 4)),
    ("UpsamplingNearest2d", ((5, 7),), {}, (1, 2, 3, 4)),
    ("UpsamplingBilinear2d", (), {"scale_factor": 2}, (1, 2, 3, 4)),
    ("UpsamplingBilinear2d", (6,), {}, (1, 2, 3, 4)),
    ("Upsample", (), {"scale_factor": 1.5, "mode": "bicubic"}, (1, 2, 3, 4)),
    ("Upsample", (), {"size": 4, "mode": "trilinear", "align_corners": True}, (1, 2, 3, 2, 2)),
    ("Fold", ((4, 5), 2), {}, (2, 12, 12)), ("Unfold", (2,), {"stride": 2, "padding": 1},
                                             (2, 3, 4, 5)),
]


@pytest.mark.torch
@pytest.mark.parametrize("name, args, kwargs, shape", MODULES)
def test_modules_match_torch(torch, name, args, kwargs, shape):
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert inspect.signature(type(ours).__init__).parameters.keys() == inspect.signature(
        type(theirs).__init__).parameters.keys()
    compare(torch, ours, theirs, RNG.standard_normal(shape))


def test_linear_interpolation_follows_its_definition():
    x = tn.tensor([[[0.0, 10.0]]])
    # half-pixel sources (i + ½)·½ − ½ = −¼, ¼, ¾, 5/4 (clamped at 0 and at the last element)
    np.testing.assert_allclose(F.interpolate(x, size=4, mode="linear").numpy(),
                               [[[0.0, 2.5, 7.5, 10.0]]])
    np.testing.assert_allclose(F.interpolate(x, size=3, mode="linear", align_corners=True)
                               .numpy(), [[[0.0, 5.0, 10.0]]])


def test_nearest_exact_rounds_to_the_nearest_source_where_nearest_floors():
    x = tn.tensor([[[0.0, 1.0, 2.0]]])
    assert F.interpolate(x, size=2).tolist() == [[[0.0, 1.0]]]
    assert F.interpolate(x, size=2, mode="nearest-exact").tolist() == [[[0.0, 2.0]]]


def test_area_mode_shrinking_to_nothing_gives_an_empty_tensor_as_in_pytorch():
    assert F.interpolate(tn.ones(1, 1, 4, 4), scale_factor=0.1, mode="area").shape == (1, 1, 0, 0)


def test_area_mode_averages_the_covered_elements():
    x = tn.tensor(np.arange(6.0).reshape(1, 1, 6))
    np.testing.assert_allclose(F.interpolate(x, size=3, mode="area").numpy(), [[[0.5, 2.5, 4.5]]])


def test_pixel_shuffle_and_unshuffle_are_inverse():
    x = tn.tensor(RNG.standard_normal((2, 12, 3, 4)))
    np.testing.assert_array_equal(F.pixel_unshuffle(F.pixel_shuffle(x, 2), 2).numpy(), x.numpy())
    y = F.pixel_shuffle(tn.tensor(np.arange(4.0).reshape(1, 4, 1, 1)), 2)
    assert y.tolist() == [[[[0.0, 1.0], [2.0, 3.0]]]]


def test_channel_shuffle_interleaves_the_groups():
    x = tn.tensor(np.arange(6.0).reshape(1, 6, 1))
    assert F.channel_shuffle(x, 2).reshape(-1).tolist() == [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]


BAD = [
    (lambda x: F.interpolate(x, size=3, mode="cubic"), "mode must be one of"),
    (lambda x: F.interpolate(x, size=3, mode="linear"), "needs a 3-D"),
    (lambda x: F.interpolate(x, size=3, mode="trilinear"), "needs a 5-D"),
    (lambda x: F.interpolate(x, size=3, align_corners=True), "align_corners"),
    (lambda x: F.interpolate(x, size=3, mode="area", antialias=True), "antialias"),
    (lambda x: F.interpolate(x, size=3, scale_factor=2), "exactly one"),
    (lambda x: F.interpolate(x), "exactly one"),
    (lambda x: F.interpolate(x, size=(3, 3, 3)), "size must be an int or a tuple of 2 ints"),
    (lambda x: F.interpolate(x, scale_factor=0.1, mode="bilinear"), "must be positive"),
    (lambda x: F.interpolate(x, scale_factor=(2, 2, 2)), "one per spatial dim"),
    (lambda x: F.interpolate(x, scale_factor=-1.0), "positive"),
    (lambda x: F.interpolate(x[0, 0], size=3), "3-D, 4-D or 5-D"),
    (lambda x: F.pixel_shuffle(x, 2), "C·r²"),
    (lambda x: F.pixel_shuffle(x, 0), "positive int"),
    (lambda x: F.pixel_unshuffle(x, 2), "H·r"),
    (lambda x: F.channel_shuffle(x, 2), "divisible"),
    (lambda x: F.channel_shuffle(x[0, 0], 1), "at least 3 dims"),
]


@pytest.mark.parametrize("call, match", BAD)
def test_bad_arguments_are_refused_with_a_message_naming_them(call, match):
    with pytest.raises(ValueError, match=match):
        call(tn.tensor(np.ones((1, 3, 3, 5))))


def test_interpolating_modes_need_a_floating_input_and_nearest_copies_integers():
    x = tn.tensor(np.arange(4).reshape(1, 1, 4))
    with pytest.raises(TypeError, match="floating"):
        F.interpolate(x, size=8, mode="linear")
    assert F.interpolate(x, scale_factor=2).tolist() == [[list(itertools.chain(
        *([v, v] for v in range(4))))]]
