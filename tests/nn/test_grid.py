"""affine_grid and grid_sample against PyTorch in float64 (values and gradients to the input,
the grid and the affine matrices), their definitions on small examples, and the errors."""

import numpy as np
import pytest

import tinynet as tn
import tinynet.nn.functional as F

RNG = np.random.default_rng(13)


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


@pytest.mark.torch
@pytest.mark.parametrize("size", [(2, 3, 4, 5), (1, 1, 1, 3), (2, 1, 3, 2, 4)])
@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_matches_torch_with_gradients(torch, size, align_corners):
    dims = len(size) - 2
    theta = RNG.standard_normal((size[0], dims, dims + 1))
    a, b = tn.tensor(theta, requires_grad=True), torch.tensor(theta, requires_grad=True)
    ours = F.affine_grid(a, size, align_corners)
    with pytest.warns(UserWarning) if size[2] == 1 and align_corners else _nothing():
        theirs = torch.nn.functional.affine_grid(b, size, align_corners)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), atol=1e-12)
    upstream = RNG.standard_normal(tuple(theirs.shape))
    ours.backward(tn.tensor(upstream))
    theirs.backward(torch.tensor(upstream))
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=1e-12)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.mark.torch
@pytest.mark.parametrize("dims, mode", [(2, "bilinear"), (2, "nearest"), (2, "bicubic"),
                                        (3, "bilinear"), (3, "nearest")])  # bicubic: 2-D only
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_matches_torch_with_gradients(torch, dims, mode, padding_mode,
                                                  align_corners):
    x = RNG.standard_normal((2, 3) + (4, 5, 3)[:dims])
    grid = RNG.uniform(-1.7, 1.7, (2,) + (3, 2, 2)[:dims] + (dims,))
    xa, ga = tn.tensor(x, requires_grad=True), tn.tensor(grid, requires_grad=True)
    xb, gb = torch.tensor(x, requires_grad=True), torch.tensor(grid, requires_grad=True)
    ours = F.grid_sample(xa, ga, mode, padding_mode, align_corners)
    theirs = torch.nn.functional.grid_sample(xb, gb, mode, padding_mode, align_corners)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), atol=1e-12)
    upstream = RNG.standard_normal(tuple(theirs.shape))
    ours.backward(tn.tensor(upstream))
    theirs.backward(torch.tensor(upstream))
    np.testing.assert_allclose(xa.grad.numpy(), xb.grad.numpy(), atol=1e-12)
    if mode != "nearest":
        np.testing.assert_allclose(ga.grad.numpy(), gb.grad.numpy(), atol=1e-10)


def test_identity_transform_samples_the_input_back():
    x = tn.tensor(RNG.standard_normal((2, 3, 4, 5)))
    theta = tn.tensor(np.tile(np.eye(2, 3), (2, 1, 1)))
    for align_corners in (False, True):
        grid = F.affine_grid(theta, (2, 3, 4, 5), align_corners=align_corners)
        np.testing.assert_allclose(F.grid_sample(x, grid, align_corners=align_corners).numpy(),
                                   x.numpy(), atol=1e-12)


def test_bilinear_sampling_halfway_between_pixels_averages_them():
    x = tn.tensor([[[[0.0, 10.0]]]])
    grid = tn.tensor([[[[0.0, 0.0]]]])  # the centre: halfway between the two pixels
    assert F.grid_sample(x, grid, align_corners=True).item() == pytest.approx(5.0)
    outside = tn.tensor([[[[3.0, 0.0]]]])
    assert F.grid_sample(x, outside, align_corners=True).item() == 0.0
    assert F.grid_sample(x, outside, padding_mode="border", align_corners=True).item() == 10.0


def test_gradient_reaches_the_affine_matrices_through_the_grid():
    x = tn.tensor(RNG.standard_normal((1, 1, 4, 4)))
    theta = tn.tensor(np.eye(2, 3)[None] * 0.8, requires_grad=True)
    F.grid_sample(x, F.affine_grid(theta, (1, 1, 3, 3), False), align_corners=False).sum() \
        .backward()
    assert theta.grad is not None and np.abs(theta.grad.numpy()).sum() > 0


@pytest.mark.parametrize("call, error, match", [
    (lambda: F.affine_grid(tn.tensor(np.ones((1, 2, 3))), (1, 1, 3, 3, 3)), ValueError, "3-D"),
    (lambda: F.affine_grid(tn.tensor(np.ones((1, 2, 3))), (1, 3)), ValueError, "size"),
    (lambda: F.affine_grid(tn.tensor(np.ones((2, 2, 3))), (1, 1, 3, 3)), ValueError,
     "affine matrices"),
    (lambda: F.grid_sample(tn.ones(1, 1, 3, 3), tn.zeros(1, 2, 2, 3)), ValueError, "grid"),
    (lambda: F.grid_sample(tn.ones(1, 1, 3, 3), tn.zeros(2, 2, 2, 2)), ValueError, "N = 1"),
    (lambda: F.grid_sample(tn.ones(1, 1, 3), tn.zeros(1, 2, 1)), ValueError, "4-D"),
    (lambda: F.grid_sample(tn.ones(1, 1, 3, 3), tn.zeros(1, 2, 2, 2), padding_mode="wrap"),
     ValueError, "padding_mode"),
    (lambda: F.grid_sample(tn.ones(1, 1, 3, 3, 3), tn.zeros(1, 2, 2, 2, 3), mode="bicubic"),
     ValueError, "bicubic"),
    (lambda: F.grid_sample(tn.ones(1, 1, 3, 3), tn.zeros(1, 2, 2, 2), mode="area"),
     ValueError, "mode"),
    (lambda: F.grid_sample(tn.ones(1, 1, 3, 3), tn.zeros(1, 2, 2, 2, dtype=tn.float64)),
     TypeError, "dtype"),
])
def test_bad_arguments_are_refused_with_a_message_naming_them(call, error, match):
    with pytest.raises(error, match=match):
        call()
