"""3-D, LP, adaptive and unpooling layers against PyTorch in float64 (values, indices,
gradients, reprs, signatures), NaN and tie rules of max pooling, and the errors on bad input."""

import inspect
import itertools

import numpy as np
import pytest

import tinynet as tn
import tinynet.nn.functional as F
from tinynet import nn

RNG = np.random.default_rng(7)


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def run(ours_fn, theirs_fn, x, torch):
    """Outputs (and indices if any) of both, then input gradients for one random upstream."""
    a, b = tn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours, theirs = ours_fn(a), theirs_fn(b)
    if isinstance(theirs, tuple):
        np.testing.assert_array_equal(ours[1].numpy(), theirs[1].numpy())
        ours, theirs = ours[0], theirs[0]
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12,
                               atol=1e-12)
    upstream = RNG.standard_normal(tuple(theirs.shape))
    ours.backward(tn.tensor(upstream))
    theirs.backward(torch.tensor(upstream))
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12, atol=1e-12)


WINDOWS = [  # kernel, stride, padding, dilation, ceil_mode
    (2, None, 0, 1, False), (3, 2, 1, 1, False), (3, 2, 1, 1, True),
    ((2, 3, 2), (1, 2, 3), (1, 0, 1), (2, 1, 1), True), (2, 3, 1, 2, True),
]


@pytest.mark.torch
@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("batched", [True, False])
def test_max_pool3d_matches_torch_with_indices(torch, window, batched):
    kernel, stride, padding, dilation, ceil_mode = window
    x = RNG.permutation(2 * 3 * 5 * 6 * 7).reshape(2, 3, 5, 6, 7) * 0.1
    x = x if batched else x[0]
    args = (kernel, stride, padding, dilation, ceil_mode, True)
    run(lambda t: F.max_pool3d(t, *args), lambda t: torch.nn.functional.max_pool3d(t, *args), x,
        torch)


@pytest.mark.torch
@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("count_include_pad, divisor_override",
                         [(True, None), (False, None), (True, 5)])
def test_avg_pool3d_matches_torch(torch, window, count_include_pad, divisor_override):
    kernel, stride, padding, _, ceil_mode = window
    args = (kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
    run(lambda t: F.avg_pool3d(t, *args), lambda t: torch.nn.functional.avg_pool3d(t, *args),
        RNG.standard_normal((2, 3, 5, 6, 7)), torch)


@pytest.mark.torch
@pytest.mark.parametrize("dims", [1, 2, 3])
@pytest.mark.parametrize("norm_type", [1, 2, 3.5])
@pytest.mark.parametrize("stride, ceil_mode", [(None, False), (1, False), (2, True)])
def test_lp_pool_matches_torch(torch, dims, norm_type, stride, ceil_mode):
    x = RNG.uniform(0.1, 2.0, (2, 3) + (5,) * dims)
    name = f"lp_pool{dims}d"
    args = (norm_type, 2, stride, ceil_mode)
    run(lambda t: getattr(F, name)(t, *args),
        lambda t: getattr(torch.nn.functional, name)(t, *args), x, torch)


@pytest.mark.torch
@pytest.mark.parametrize("dims", [1, 2, 3])
@pytest.mark.parametrize("kind", ["avg", "max"])
def test_adaptive_pooling_matches_torch(torch, dims, kind):
    for in_sizes, out in [((7,) * dims, (3,) * dims), ((4,) * dims, (6,) * dims),
                          ((5,) * dims, (5,) * dims), ((6,) * dims, 1)]:
        x = RNG.permutation(2 * 3 * int(np.prod(in_sizes))).reshape((2, 3) + in_sizes) * 0.1
        name = f"adaptive_{kind}_pool{dims}d"
        extra = (True,) if kind == "max" else ()
        ours = getattr(F, name)
        theirs = getattr(torch.nn.functional, name)
        run(lambda t, f=ours, o=out, e=extra: f(t, o, *e),
            lambda t, f=theirs, o=out, e=extra: f(t, o, *e), x, torch)


@pytest.mark.torch
@pytest.mark.parametrize("dims", [1, 3])
def test_max_unpool_inverts_max_pool_as_torch_does(torch, dims):
    for size, output_size in [(4, None), (5, (5,) * dims), (5, (2, 3) + (5,) * dims)]:
        x = RNG.standard_normal((2, 3) + (size,) * dims)
        pooled, indices = getattr(torch.nn.functional, f"max_pool{dims}d")(
            torch.tensor(x), 2, return_indices=True)
        ours = getattr(F, f"max_unpool{dims}d")(tn.tensor(pooled.numpy()),
                                                 tn.tensor(indices.numpy()), 2,
                                                 output_size=output_size)
        theirs = getattr(torch.nn.functional, f"max_unpool{dims}d")(pooled, indices, 2,
                                                                   output_size=output_size)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.torch
def test_with_indices_functions_always_return_the_indices(torch):
    x = RNG.standard_normal((1, 2, 6, 6, 6))
    for name, xi, args in [("max_pool1d_with_indices", x[0, :, 0], (2,)),
                           ("max_pool2d_with_indices", x[0, :, 0], (2,)),
                           ("max_pool3d_with_indices", x, (2,)),
                           ("adaptive_max_pool1d_with_indices", x[0, :, 0, 0], (4,)),
                           ("adaptive_max_pool2d_with_indices", x[0, :, 0], (4,)),
                           ("adaptive_max_pool3d_with_indices", x, (4,))]:
        ours = getattr(F, name)(tn.tensor(xi), *args)
        theirs = getattr(torch.nn.functional, name)(torch.tensor(xi), *args)
        assert isinstance(ours, tuple) and len(ours) == 2, name
        np.testing.assert_array_equal(ours[1].numpy(), theirs[1].numpy())
        assert inspect.signature(getattr(F, name)).parameters.keys() == inspect.signature(
            getattr(torch.nn.functional, name)).parameters.keys()


MODULES = [("MaxPool3d", (2,), {}), ("MaxPool3d", (3,), {"stride": 2, "padding": 1}),
           ("AvgPool3d", (2,), {"ceil_mode": True}), ("LPPool1d", (2, 3), {}),
           ("LPPool2d", (1.5, 2), {"stride": 1}), ("LPPool3d", (2, 2), {}),
           ("AdaptiveAvgPool1d", (3,), {}), ("AdaptiveAvgPool3d", ((2, None, 3),), {}),
           ("AdaptiveMaxPool1d", (3,), {}), ("AdaptiveMaxPool2d", ((3, 2),), {}),
           ("AdaptiveMaxPool3d", (2,), {}), ("MaxUnpool1d", (2,), {}),
           ("MaxUnpool3d", (2,), {"stride": 1})]


@pytest.mark.torch
@pytest.mark.parametrize("name, args, kwargs", MODULES)
def test_modules_match_torch_in_repr_signature_and_output(torch, name, args, kwargs):
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert inspect.signature(type(ours).__init__).parameters.keys() == inspect.signature(
        type(theirs).__init__).parameters.keys()
    if "Unpool" in name:
        return
    dims = int(name[-2])
    x = RNG.uniform(0.1, 2.0, (2, 3) + (6,) * dims)
    np.testing.assert_allclose(ours(tn.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy(),
                               rtol=1e-12)


def test_max_pooling_propagates_nan_and_picks_the_first_of_ties():
    x = np.zeros((1, 1, 2, 2, 2))
    x[0, 0, 1, 0, 1] = np.nan
    value, index = F.max_pool3d(tn.tensor(x), 2, return_indices=True)
    assert np.isnan(value.item()) and index.item() == 5
    value, index = F.max_pool3d(tn.tensor(np.ones((1, 1, 2, 2, 2))), 2, return_indices=True)
    assert index.item() == 0
    value, index = F.adaptive_max_pool1d(tn.tensor([[[1.0, np.nan, 3.0]]]), 1, True)
    assert np.isnan(value.item()) and index.item() == 1


def test_adaptive_windows_follow_the_floor_ceil_rule():
    x = tn.tensor(np.arange(5.0).reshape(1, 1, 5))
    # windows [0, 2), [1, 4), [3, 5)
    np.testing.assert_allclose(F.adaptive_avg_pool1d(x, 3).numpy(), [[[0.5, 2.0, 3.5]]])
    assert F.adaptive_max_pool1d(x, 3).tolist() == [[[1.0, 3.0, 4.0]]]


def test_lp_pool_of_norm_one_sums_and_of_norm_two_takes_the_euclidean_norm():
    x = tn.tensor([[[3.0, 4.0, 1.0, 1.0]]])
    assert F.lp_pool1d(x, 1, 2).tolist() == [[[7.0, 2.0]]]
    np.testing.assert_allclose(F.lp_pool1d(x, 2, 2).numpy(), [[[5.0, np.sqrt(2)]]])


@pytest.mark.parametrize("call, error, match", [
    (lambda: F.max_pool3d(tn.tensor(np.ones((2, 3))), 2), ValueError, "4-D"),
    (lambda: F.max_pool3d(tn.tensor(np.ones((1, 1, 4, 4, 4))), 2, padding=2), ValueError,
     "at most half"),
    (lambda: F.avg_pool3d(tn.tensor(np.ones((1, 1, 2, 2, 2))), 3), ValueError, "larger than"),
    (lambda: F.avg_pool3d(tn.tensor(np.ones((1, 1, 4, 4, 4))), (2, 2)), ValueError,
     "kernel_size"),
    (lambda: F.avg_pool3d(tn.tensor(np.ones((1, 1, 4, 4, 4))), 2, divisor_override=0),
     ValueError, "divisor_override"),
    (lambda: F.max_pool3d(tn.tensor(np.ones((1, 1, 4, 4, 4), dtype=np.int64)), 2), TypeError,
     "floating"),
    (lambda: F.adaptive_max_pool2d(tn.tensor(np.ones((1, 1, 4, 4))), (2, 2, 2)), ValueError,
     "output_size"),
    (lambda: F.adaptive_avg_pool3d(tn.tensor(np.ones((1, 1, 4, 4, 4))), 0), ValueError,
     "positive"),
    (lambda: F.lp_pool2d(tn.tensor(np.ones((1, 1, 4, 4))), 0, 2), ValueError, "norm_type"),
    (lambda: F.max_unpool1d(tn.tensor(np.ones((1, 1, 2))), tn.tensor(np.zeros((1, 1, 3),
                                                                               dtype=np.int64)), 2),
     ValueError, "indices"),
    (lambda: F.max_unpool1d(tn.tensor(np.ones((1, 1, 2))), tn.tensor(np.zeros((1, 1, 2),
                                                                               dtype=np.int64)), 2,
                            output_size=(9,)), ValueError, "output_size"),
    (lambda: F.max_unpool1d(tn.tensor(np.ones((1, 1, 2))), tn.tensor(np.full((1, 1, 2), 7)), 2),
     ValueError, "max_unpool1d"),
])
def test_bad_input_is_refused_with_a_message_naming_the_problem(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_gradient_of_max_pool3d_goes_to_the_chosen_elements_only():
    x = tn.tensor(np.arange(8.0).reshape(1, 1, 2, 2, 2), requires_grad=True)
    F.max_pool3d(x, 2).sum().backward()
    expected = np.zeros(8)
    expected[7] = 1.0
    np.testing.assert_array_equal(x.grad.numpy().reshape(-1), expected)


def test_unbatched_inputs_pool_as_a_batch_of_one():
    x = RNG.standard_normal((3, 4, 4, 4))
    for function, args in itertools.product([F.max_pool3d, F.avg_pool3d], [(2,), (3, 1, 1)]):
        single = function(tn.tensor(x), *args).numpy()
        batch = function(tn.tensor(x[None]), *args).numpy()
        np.testing.assert_array_equal(single, batch[0])


@pytest.mark.torch
@pytest.mark.parametrize("dims, sizes, kernel, output", [
    (2, (7, 9), 2, (4, 5)), (2, (6, 6), (2, 3), (5, 4)), (2, (5, 8), 3, 3),
    (3, (5, 6, 7), 2, (3, 4, 5)), (3, (4, 4, 5), (1, 2, 2), 2),
])
def test_fractional_max_pool_matches_torch_for_the_same_samples(torch, dims, sizes, kernel,
                                                                output):
    x = RNG.permutation(2 * 3 * int(np.prod(sizes))).reshape((2, 3) + sizes) * 0.1
    samples = RNG.random((2, 3, dims))
    name = f"fractional_max_pool{dims}d"
    run(lambda t: getattr(F, name)(t, kernel, output, return_indices=True,
                                   _random_samples=tn.tensor(samples)),
        lambda t: getattr(torch.nn.functional, name)(t, kernel, output, return_indices=True,
                                                     _random_samples=torch.tensor(samples)),
        x, torch)


@pytest.mark.torch
@pytest.mark.parametrize("dims", [2, 3])
def test_fractional_max_pool_modules_match_torch(torch, dims):
    samples = RNG.random((1, 2, dims))
    kwargs = {"output_ratio": 0.5, "_random_samples": samples}
    ours = getattr(nn, f"FractionalMaxPool{dims}d")(2, **dict(kwargs, _random_samples=tn.tensor(
        samples)))
    theirs = getattr(torch.nn, f"FractionalMaxPool{dims}d")(2, **dict(kwargs, _random_samples=(
        torch.tensor(samples))))
    assert repr(ours) == repr(theirs)
    assert inspect.signature(type(ours).__init__).parameters.keys() == inspect.signature(
        type(theirs).__init__).parameters.keys()
    x = RNG.standard_normal((1, 2) + (8,) * dims)
    np.testing.assert_array_equal(ours(tn.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy())


def test_fractional_max_pool_draws_new_windows_each_call_from_the_default_generator():
    x = tn.tensor(RNG.standard_normal((4, 8, 9, 9)))
    tn.manual_seed(3)
    first = F.fractional_max_pool2d(x, 2, output_size=5).numpy()
    tn.manual_seed(3)
    again = F.fractional_max_pool2d(x, 2, output_size=5).numpy()
    other = F.fractional_max_pool2d(x, 2, output_size=5).numpy()
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    # every output is the maximum of some 2x2 window of its plane
    windows = np.lib.stride_tricks.sliding_window_view(x.numpy(), (2, 2), axis=(2, 3)).max(
        (-1, -2))
    for plane, pooled in zip(windows.reshape(32, -1), first.reshape(32, -1)):
        assert np.isin(pooled, plane).all()


@pytest.mark.parametrize("call, match", [
    (lambda: F.fractional_max_pool2d(tn.ones(1, 1, 7, 7), 2), "either an output_size"),
    (lambda: F.fractional_max_pool2d(tn.ones(1, 1, 7, 7), 2, output_size=7), "does not fit"),
    (lambda: F.fractional_max_pool3d(tn.ones(1, 1, 7, 7, 7), 2, output_size=6), "does not fit"),
    (lambda: F.fractional_max_pool2d(tn.ones(1, 1, 7, 7), 2, output_ratio=1.5), "between 0"),
    (lambda: F.fractional_max_pool2d(tn.ones(1, 1, 7, 7), 2, 3, _random_samples=tn.ones(1, 2, 2)),
     "_random_samples"),
    (lambda: nn.FractionalMaxPool2d(2), "either an output size"),
    (lambda: nn.FractionalMaxPool2d(2, 3, 0.5), "only one"),
    (lambda: nn.FractionalMaxPool3d(2, output_ratio=(0.5, 0.5, 1.0)), "between 0 and 1"),
])
def test_fractional_max_pool_refuses_bad_sizes(call, match):
    with pytest.raises(ValueError, match=match):
        call()
