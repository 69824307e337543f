"""tinynet's allocator (tinynet.runtime.allocator) through the public API: inside
``runtime.scope`` NumPy's array memory comes from a cache that hands freed blocks out again, never
while an array still uses them, within a limit the user sets; outside the scope NumPy's own
allocator is back."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinynet as tn
from tinynet import nn, optim, runtime
from tinynet.runtime import allocator

pytestmark = pytest.mark.skipif(not allocator.available(),
                                reason="tinynet's allocator is off on this Python")
LARGE = 2**20 // 8  # float64 elements of 1 MiB: above MIN_BYTES
TINYNET = "tinynet_caching_allocator"
ROOT = Path(__file__).resolve().parent.parent


def handler_name(array=None) -> str:
    multiarray = (getattr(np, "_core", None) or np.core).multiarray
    return multiarray.get_handler_name() if array is None else multiarray.get_handler_name(array)


def address(array: np.ndarray) -> int:
    return array.__array_interface__["data"][0]


@pytest.fixture(autouse=True)
def fresh_cache():
    limit = runtime.get_workspace_limit()
    runtime.clear_workspace()
    yield
    runtime.set_workspace_limit(limit)
    runtime.clear_workspace()


def test_the_scope_installs_tinynets_allocator_and_puts_numpys_back():
    assert handler_name() == "default_allocator"
    with runtime.scope():
        assert handler_name() == TINYNET
        with runtime.scope():
            assert handler_name() == TINYNET
        assert handler_name() == TINYNET
        made_inside = np.ones(LARGE)
    assert handler_name() == "default_allocator"
    assert handler_name(made_inside) == TINYNET
    assert handler_name(np.ones(LARGE)) == "default_allocator"


def test_an_exception_in_the_scope_puts_numpys_allocator_back():
    with pytest.raises(ZeroDivisionError), runtime.scope():
        1 / 0
    assert handler_name() == "default_allocator"


def test_memory_freed_in_a_scope_is_handed_out_again():
    with runtime.scope():
        first = np.empty(LARGE)
        kept = address(first)
        del first
        assert runtime.workspace_bytes() >= LARGE * 8
        again = np.empty(LARGE)
        assert address(again) == kept
        assert runtime.workspace_bytes() == 0


def test_zeros_from_reused_memory_are_zeros():
    with runtime.scope():
        dirty = np.full(LARGE, 7.0)
        kept = address(dirty)
        del dirty
        zeros = np.zeros(LARGE)
        assert address(zeros) == kept
        assert not zeros.any()


def test_arrays_made_in_a_scope_keep_their_data_after_it_and_come_back_when_freed():
    with runtime.scope():
        array = np.arange(LARGE, dtype=np.float64)
    assert array[-1] == LARGE - 1
    del array
    assert runtime.workspace_bytes() >= LARGE * 8


def test_a_resized_array_keeps_its_data():
    with runtime.scope():
        array = np.arange(LARGE, dtype=np.float64)
        array.resize(3 * LARGE, refcheck=False)
        np.testing.assert_array_equal(array[:LARGE], np.arange(LARGE))
        assert not array[LARGE:].any()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 6), st.sampled_from([1, 3, 64, 200])),
                min_size=1, max_size=60))
def test_arrays_alive_at_once_never_share_memory(operations):
    """A random sequence of allocations (sizes around MIN_BYTES and in shared size classes) and
    frees: every live array keeps the value written into it."""
    live = {}
    with runtime.scope():
        for number, (allocate, slot, kib) in enumerate(operations):
            if allocate:
                live[slot] = np.full(kib * 1024 // 8 + slot, float(number))
            else:
                live.pop(slot, None)
            for array in live.values():
                assert (array == array[0]).all()
            values = {float(array[0]) for array in live.values()}
            assert len(values) == len(live)


def test_the_limit_bounds_what_is_kept():
    runtime.set_workspace_limit(3 * LARGE * 8)
    with runtime.scope():
        arrays = [np.empty(LARGE) for _ in range(6)]
        del arrays
    assert 0 < runtime.workspace_bytes() <= 3 * LARGE * 8
    runtime.clear_workspace()
    assert runtime.workspace_bytes() == 0
    assert runtime.get_workspace_limit() == 3 * LARGE * 8
    runtime.set_workspace_limit(0)
    with runtime.scope():
        freed = np.empty(LARGE)
        del freed
    assert runtime.workspace_bytes() == 0


@pytest.mark.parametrize("bad", [-1, 1.5, "1 GB", True, None])
def test_set_workspace_limit_refuses_what_is_not_a_number_of_bytes(bad):
    with pytest.raises(ValueError, match="set_workspace_limit"):
        runtime.set_workspace_limit(bad)


def test_module_calls_backward_and_the_optimizers_step_run_in_the_scope():
    seen = {}
    model = nn.Linear(4, 3)
    model.register_forward_hook(
        lambda module, args, output: seen.update(forward=handler_name()))
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    optimizer.register_step_pre_hook(lambda *args: seen.update(step=handler_name()))
    output = model(tn.randn(2, 4))
    output.register_hook(lambda grad: seen.update(backward=handler_name()))
    output.sum().backward()
    optimizer.step()
    assert seen == {"forward": TINYNET, "backward": TINYNET, "step": TINYNET}
    assert handler_name() == "default_allocator"


def train_and_return_parameters() -> list:
    tn.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                          nn.Conv2d(8, 8, 3, padding=1), nn.Flatten(), nn.Linear(8 * 16 * 16, 5))
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    inputs, labels = tn.randn(32, 1, 16, 16), tn.randint(0, 5, (32,))
    for _ in range(4):
        loss = nn.functional.cross_entropy(model(inputs), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return [parameter.detach().numpy().copy() for parameter in model.parameters()]


def test_training_gives_the_same_parameters_with_and_without_reuse():
    with_reuse = train_and_return_parameters()
    runtime.set_workspace_limit(0)
    without = train_and_return_parameters()
    for kept, plain in zip(with_reuse, without):
        np.testing.assert_array_equal(kept, plain)


def test_tinynet_allocator_0_turns_it_off():
    code = textwrap.dedent("""
        import json, numpy as np
        from tinynet import runtime
        with runtime.scope():
            name = (getattr(np, "_core", None) or np.core).multiarray.get_handler_name()
        print(json.dumps(name))
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TINYNET_ALLOCATOR": "0"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                            timeout=120, check=True)
    assert json.loads(result.stdout) == "default_allocator"
