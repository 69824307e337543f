"""tinynet.runtime.workspace: scratch buffers reused per (purpose, shape, dtype) and thread,
bounded in bytes; and the convolutions that use them, which must never hand one out beyond a
call (a buffer kept for the backward or returned to the user that a later call overwrote)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import tinynet as tn
import tinynet.nn.functional as F
import tinynet.ops.conv as conv_ops
from tests.ops.test_conv import direct_conv2d, direct_conv2d_weight, direct_conv_transpose2d
from tinynet.ops import conv_winograd
from tinynet.runtime import workspace


@pytest.fixture
def fresh_workspace():
    previous = workspace.limit()
    workspace.clear()
    yield workspace
    workspace.set_limit(previous)
    workspace.clear()


def test_the_same_key_gives_the_same_buffer_and_another_key_another(fresh_workspace):
    first = workspace.scratch("a", (3, 4), np.float32)
    assert workspace.scratch("a", (3, 4), np.float32) is first
    others = [workspace.scratch("b", (3, 4), np.float32),
              workspace.scratch("a", (4, 3), np.float32),
              workspace.scratch("a", (3, 4), np.float64)]
    assert all(other is not first for other in others)
    assert first.shape == (3, 4) and first.dtype == np.float32 and first.flags.c_contiguous
    assert workspace.cached_bytes() == 3 * 48 + 96


def test_each_thread_has_its_own_buffers(fresh_workspace):
    mine = workspace.scratch("a", (8,), np.float64)
    theirs = []
    thread = threading.Thread(target=lambda: theirs.append(workspace.scratch("a", (8,),
                                                                             np.float64)))
    thread.start()
    thread.join()
    assert theirs[0] is not mine and workspace.scratch("a", (8,), np.float64) is mine


def test_the_cache_stays_under_its_limit_dropping_the_least_recently_used(fresh_workspace):
    workspace.set_limit(3 * 800)
    a = workspace.scratch("a", (100,), np.float64)
    b = workspace.scratch("b", (100,), np.float64)
    workspace.scratch("c", (100,), np.float64)
    assert workspace.scratch("a", (100,), np.float64) is a  # a is now the most recent
    workspace.scratch("d", (100,), np.float64)  # b goes
    assert workspace.cached_bytes() == 3 * 800
    assert workspace.scratch("a", (100,), np.float64) is a
    assert workspace.scratch("b", (100,), np.float64) is not b
    big = workspace.scratch("big", (1000,), np.float64)  # over the limit: never kept
    assert workspace.scratch("big", (1000,), np.float64) is not big
    assert workspace.cached_bytes() <= 3 * 800
    workspace.set_limit(800)
    assert workspace.cached_bytes() == 800


def test_clear_frees_every_buffer_and_bad_limits_are_refused(fresh_workspace):
    first = workspace.scratch("a", (10,), np.float32)
    workspace.clear()
    assert workspace.cached_bytes() == 0
    assert workspace.scratch("a", (10,), np.float32) is not first
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="nbytes must be a non-negative int"):
            workspace.set_limit(bad)


@pytest.fixture(params=["per_sample", "whole_batch", "winograd"])
def path(request, monkeypatch):
    """Every convolution of the test below on one path, whatever its size."""
    monkeypatch.setattr(conv_ops, "WHOLE_BATCH_MIN_WINDOW",
                        1 if request.param == "whole_batch" else 10**9)
    monkeypatch.setattr(conv_ops, "WINOGRAD_MIN_CHANNELS",
                        1 if request.param == "winograd" else None)
    monkeypatch.setattr(conv_winograd, "pays", lambda *shape: True)
    return request.param


@pytest.mark.parametrize("frozen_first_layer", [False, True])
def test_two_layers_of_one_shape_in_one_graph_keep_their_own_arrays(path, frozen_first_layer):
    """b = conv2d(conv2d(x, w1), w2), both layers of the same shape, so that they ask the
    workspace for the same buffers: what the first keeps for its backward (columns, tiles) and
    what it returns must survive the second's forward and backward. Against direct loops."""
    rng = np.random.default_rng(0)
    x, w1, w2 = (rng.standard_normal(shape) for shape in
                 ((3, 2, 6, 5), (2, 2, 3, 3), (2, 2, 3, 3)))
    upstream = rng.standard_normal((3, 2, 6, 5))
    leaves = [tn.tensor(a, requires_grad=True) for a in (x, w1, w2)]
    if frozen_first_layer:  # the first forward keeps nothing: its columns are scratch
        leaves[1].requires_grad_(False)
    a = F.conv2d(leaves[0], leaves[1], padding=1)
    a_before = a.detach().numpy().copy()
    b = F.conv2d(a, leaves[2], padding=1)
    b.backward(tn.tensor(upstream))
    a_ = direct_conv2d(x, w1, padding=1)
    grad_a = direct_conv_transpose2d(upstream, w2, padding=1)
    expected = [direct_conv2d(a_, w2, padding=1), a_,
                direct_conv_transpose2d(grad_a, w1, padding=1),
                direct_conv2d_weight(x, grad_a, 3, 1), direct_conv2d_weight(a_, upstream, 3, 1)]
    got = [b.detach().numpy(), a.detach().numpy(), leaves[0].grad.numpy(),
           None if frozen_first_layer else leaves[1].grad.numpy(), leaves[2].grad.numpy()]
    np.testing.assert_array_equal(got[1], a_before)
    for mine, theirs in zip(got, expected):
        if mine is not None:
            np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-10)


@pytest.mark.torch
def test_a_small_cnn_step_matches_torch_on_every_path(path):
    """Three conv layers of one shape, a transposed conv and relu between them, float64,
    forward and every gradient against PyTorch."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(shape) for shape in
              ((4, 3, 7, 6), (3, 3, 3, 3), (3, 3, 3, 3), (3, 3, 3, 3), (3, 3, 3, 3), (3,))]

    def step(library, functional, relu, tensors):
        x, w1, w2, w3, w4, bias = tensors
        h = relu(functional.conv2d(x, w1, bias, padding=1))
        h = relu(functional.conv2d(h, w2, None, padding=1))
        h = functional.conv_transpose2d(h, w3, bias, padding=1)
        return functional.conv2d(h, w4, bias, padding=1) * h

    ours = [tn.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y = step(tn, F, tn.relu, ours)
    z = step(torch, torch.nn.functional, torch.relu, theirs)
    upstream = rng.standard_normal(tuple(z.shape))
    y.backward(tn.tensor(upstream))
    z.backward(torch.tensor(upstream))
    np.testing.assert_allclose(y.detach().numpy(), z.detach().numpy(), rtol=1e-10, atol=1e-10)
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), rtol=1e-9,
                                   atol=1e-9)
