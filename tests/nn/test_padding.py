"""F.pad in its four modes and the padding layers, against PyTorch in float64 (values,
gradients, reprs), and the errors PyTorch's rules call for (padding length, input rank, widths
beyond what reflect and circular padding can reach, a value with a non-constant mode)."""

import numpy as np
import pytest

import tinynet as tn
import tinynet.nn.functional as F
from tinynet import nn

RNG = np.random.default_rng(5)
X5 = RNG.standard_normal((2, 3, 4, 5, 6))


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def compare(torch, ours_fn, theirs_fn, x):
    a, b = tn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours, theirs = ours_fn(a), theirs_fn(b)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    upstream = RNG.standard_normal(tuple(theirs.shape))
    ours.backward(tn.tensor(upstream))
    theirs.backward(torch.tensor(upstream))
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.torch
@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("dims, batched", [(1, False), (1, True), (2, False), (2, True),
                                           (3, False), (3, True)])
@pytest.mark.parametrize("widths", [(1, 2), (3, 0), (0, 3), (2, -1)])
def test_pad_matches_torch_in_value_and_gradient(torch, mode, dims, batched, widths):
    x = X5[(0,) * (4 - dims - batched)]
    pad = widths * dims
    compare(torch, lambda t: F.pad(t, pad, mode), lambda t: torch.nn.functional.pad(t, pad, mode),
            x)


@pytest.mark.torch
def test_constant_pad_takes_a_value_and_pads_any_rank(torch):
    x = X5[0, 0, 0]
    compare(torch, lambda t: F.pad(t, (1, 2, 0, 1), value=-4.5),
            lambda t: torch.nn.functional.pad(t, (1, 2, 0, 1), value=-4.5), x)
    compare(torch, lambda t: F.pad(t, (1, 1) * 5), lambda t: torch.nn.functional.pad(t, (1, 1) * 5),
            X5)


@pytest.mark.torch
@pytest.mark.parametrize("kind", ["Zero", "Constant", "Reflection", "Replication", "Circular"])
@pytest.mark.parametrize("dims", [1, 2, 3])
@pytest.mark.parametrize("padding", [2, "tuple"])
def test_padding_layers_match_torch(torch, kind, dims, padding):
    padding = tuple(i % 3 for i in range(2 * dims)) if padding == "tuple" else padding
    args = (padding, 1.25) if kind == "Constant" else (padding,)
    name = f"{kind}Pad{dims}d"
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    compare(torch, ours, theirs, X5[(0,) * (3 - dims)])


def test_reflect_replicate_and_circular_follow_their_definitions():
    x = tn.tensor([[[1.0, 2.0, 3.0]]])
    assert F.pad(x, (2, 1), "reflect").tolist() == [[[3.0, 2.0, 1.0, 2.0, 3.0, 2.0]]]
    assert F.pad(x, (2, 1), "replicate").tolist() == [[[1.0, 1.0, 1.0, 2.0, 3.0, 3.0]]]
    assert F.pad(x, (2, 1), "circular").tolist() == [[[2.0, 3.0, 1.0, 2.0, 3.0, 1.0]]]
    assert F.pad(x, (1, 1), value=9.0).tolist() == [[[9.0, 1.0, 2.0, 3.0, 9.0]]]


def test_replicate_gradient_adds_up_at_the_edges():
    x = tn.tensor([[[1.0, 2.0, 3.0]]], requires_grad=True)
    F.pad(x, (2, 1), "replicate").sum().backward()
    assert x.grad.tolist() == [[[3.0, 1.0, 2.0]]]


@pytest.mark.parametrize("call, match", [
    (lambda x: F.pad(x, (1, 1, 1)), "even length"),
    (lambda x: F.pad(x[0, 0], (1, 1) * 3), "only 2"),
    (lambda x: F.pad(x, (1, 1), mode="wrap"), "mode must be one of"),
    (lambda x: F.pad(x[0], (6, 0), mode="reflect"), "smaller than"),
    (lambda x: F.pad(x[0], (0, 0, 1, 6), mode="reflect"), "smaller than"),
    (lambda x: F.pad(x[0], (7, 0), mode="circular"), "more than once"),
    (lambda x: F.pad(x[0], (1, 1), mode="reflect", value=2.0), "no value"),
    (lambda x: F.pad(x, (1, 1), mode="replicate"), "2-D or 3-D"),
    (lambda x: F.pad(x[0, 0, 0], (1, 1), mode="circular"), "2-D or 3-D"),
    (lambda x: nn.CircularPad2d(1)(x[0, 0, 0]), "3D or 4D"),
])
def test_bad_padding_is_refused_with_a_message_naming_the_problem(call, match):
    with pytest.raises(ValueError, match=match):
        call(tn.tensor(X5[0]))


def test_pad_widths_must_be_ints():
    with pytest.raises(TypeError, match="tuple of ints"):
        F.pad(tn.tensor(X5), (1.5, 1))
