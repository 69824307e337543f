"""The workspace (tinynet.runtime.workspace): large kernel arrays are reused from one step to the
next, never while anything can still see them, within a limit the user sets."""

import numpy as np
import pytest

import tinynet as tn
from tinynet import nn
from tinynet.runtime import workspace

LARGE = (512, 1024)  # 2 MiB of float32: above MIN_BYTES


@pytest.fixture(autouse=True)
def fresh_workspace():
    limit = workspace.get_workspace_limit()
    workspace.clear_workspace()
    yield
    workspace.set_workspace_limit(limit)
    workspace.clear_workspace()


def address(array: np.ndarray) -> int:
    return array.__array_interface__["data"][0]


def test_a_large_array_let_go_is_handed_out_again():
    first = workspace.empty(LARGE, np.float32)
    kept = address(first)
    del first
    again = workspace.empty(LARGE, np.float32)
    assert address(again) == kept
    assert workspace.workspace_bytes() == again.nbytes


def test_an_array_still_held_is_never_handed_out_again():
    first = workspace.empty(LARGE, np.float32)
    first[...] = 7
    second = workspace.empty(LARGE, np.float32)
    assert not np.shares_memory(first, second)
    second[...] = 0
    assert (first == 7).all()


def test_a_view_keeps_its_array_from_reuse():
    first = workspace.empty(LARGE, np.float32)
    first[...] = 3
    view = first[::2].T
    del first
    second = workspace.empty(LARGE, np.float32)
    second[...] = 0
    assert not np.shares_memory(view, second)
    assert (view == 3).all()


def test_zeros_are_zero_even_when_reused():
    first = workspace.empty(LARGE, np.float64)
    first[...] = np.nan
    del first
    assert (workspace.zeros(LARGE, np.float64) == 0).all()


def test_a_different_shape_or_dtype_gets_its_own_array():
    first = workspace.empty(LARGE, np.float32)
    kept = address(first)
    del first
    other_dtype = workspace.empty(LARGE, np.float64)
    other_shape = workspace.empty((1024, 512), np.float32)
    assert kept not in (address(other_dtype), address(other_shape))


def test_small_arrays_are_not_kept():
    workspace.empty((16, 16), np.float32)
    assert workspace.workspace_bytes() == 0


def test_the_limit_bounds_what_is_kept_and_zero_turns_it_off():
    size = np.zeros(LARGE, np.float32).nbytes
    workspace.set_workspace_limit(2 * size)
    arrays = [workspace.empty(LARGE, np.float32) for _ in range(3)]
    assert workspace.workspace_bytes() == 2 * size  # the third was not kept
    del arrays
    workspace.empty((1024, 512), np.float32)  # least recently used free arrays make room
    assert workspace.workspace_bytes() <= 2 * size
    workspace.set_workspace_limit(0)
    assert workspace.workspace_bytes() == 0
    workspace.empty(LARGE, np.float32)
    assert workspace.workspace_bytes() == 0


@pytest.mark.parametrize("bad", [-1, 1.5, "1", True])
def test_a_bad_limit_is_refused(bad):
    with pytest.raises(ValueError, match="set_workspace_limit"):
        workspace.set_workspace_limit(bad)


def train_convolutions(steps: int = 3) -> list[np.ndarray]:
    tn.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 16, 3, padding=1),
                          nn.ReLU(), nn.ConvTranspose2d(16, 4, 2, stride=2))
    optimizer = tn.optim.SGD(model.parameters(), lr=0.1)
    x = tn.tensor(np.random.default_rng(0).standard_normal((16, 8, 32, 32)), dtype=tn.float32,
                  requires_grad=True)
    for _ in range(steps):
        optimizer.zero_grad()
        model(x).square().mean().backward()
        optimizer.step()
    return [p.detach().numpy().copy() for p in model.parameters()] + [x.grad.numpy().copy()]


def test_training_with_the_workspace_gives_the_same_numbers_as_without():
    with_workspace = train_convolutions()
    assert workspace.workspace_bytes() > 0  # the convolutions' columns went through it
    workspace.set_workspace_limit(0)
    without = train_convolutions()
    for a, b in zip(with_workspace, without):
        np.testing.assert_array_equal(a, b)
