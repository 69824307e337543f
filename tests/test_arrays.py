"""The cache of tinynet's large arrays (tinynet.runtime.empty and its controls) through the public
API: memory still referenced is never handed out again, free memory is, the limit holds,
empty_cache gives memory back, threads never share a block, and training gives the same bits
with the cache on and off."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import tinynet as tn
from tinynet import nn, optim, runtime
from tinynet.models import MODELS

ROOT = Path(__file__).resolve().parent.parent
SHAPE = (256, 1024)  # 1 MiB of float32: served from the cache


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with no free block and the default limit, and leaves them so."""
    limit = runtime.get_array_cache_limit()
    runtime.empty_cache()
    yield
    runtime.set_array_cache_limit(limit)
    runtime.empty_cache()


def address(array: np.ndarray) -> int:
    return array.__array_interface__["data"][0]


def overlap(a: np.ndarray, b: np.ndarray) -> bool:
    return address(a) < address(b) + b.nbytes and address(b) < address(a) + a.nbytes


def test_memory_is_not_handed_out_while_any_view_of_it_lives():
    first = runtime.empty(SHAPE, np.float32)
    first_address = address(first)
    view = first[10:20].T[::3]  # a view of a view of a view
    del first
    second = runtime.empty(SHAPE, np.float32)
    assert not np.shares_memory(second, view)
    second_address = address(second)
    del view, second
    third = runtime.empty(SHAPE, np.float32)
    assert address(third) in (first_address, second_address)
    fourth = runtime.empty(SHAPE, np.float32)  # third alive: fourth must be elsewhere
    assert address(fourth) in (first_address, second_address)
    assert not overlap(third, fourth)


def test_freed_memory_is_handed_out_again():
    first = runtime.empty(SHAPE, np.float32)
    first_address = address(first)
    del first
    assert address(runtime.empty(SHAPE, np.float32)) == first_address


def test_arrays_are_as_np_empty_gives_them_and_64_byte_aligned():
    for shape, dtype in [(SHAPE, np.float32), ((3, 5, 7, 1001), np.float64), ((300_001,),
                                                                                np.int64)]:
        array = runtime.empty(shape, dtype)
        assert array.shape == shape and array.dtype == dtype and array.flags.c_contiguous
        assert array.flags.writeable and address(array) % 64 == 0
        array[...] = 7
        assert (array == 7).all()
    small = runtime.empty((3, 4), np.float32)
    assert small.shape == (3, 4) and small.dtype == np.float32


def test_the_cache_holds_at_most_its_limit_and_serves_the_rest_from_numpy():
    reserved = runtime.memory_reserved()  # in use by arrays alive elsewhere
    runtime.set_array_cache_limit(reserved + 3 * 2**20)
    held = [runtime.empty(SHAPE, np.float32) for _ in range(5)]
    assert runtime.memory_reserved() <= reserved + 3 * 2**20
    for i, array in enumerate(held):
        array.fill(i)
    assert all((array == i).all() for i, array in enumerate(held))
    assert not any(overlap(a, b) for i, a in enumerate(held) for b in held[i + 1:])
    del held
    runtime.set_array_cache_limit(reserved + 2**20)  # lowering the limit drops free blocks
    assert runtime.memory_reserved() <= reserved + 2**20


def test_a_limit_of_zero_turns_the_cache_off():
    runtime.set_array_cache_limit(0)
    reserved = runtime.memory_reserved()  # blocks of arrays alive elsewhere, if any
    first = runtime.empty(SHAPE, np.float32)
    second = runtime.empty(SHAPE, np.float32)
    assert runtime.memory_reserved() == reserved
    assert not overlap(first, second)


def test_empty_cache_gives_back_the_free_blocks_and_keeps_the_used_ones():
    before = runtime.memory_reserved()
    kept = runtime.empty(SHAPE, np.float32)
    with_kept = runtime.memory_reserved()
    assert with_kept >= before + kept.nbytes
    dropped = runtime.empty(SHAPE, np.float32)
    assert runtime.memory_reserved() > with_kept
    del dropped
    runtime.empty_cache()
    assert runtime.memory_reserved() == with_kept
    kept[...] = 1  # still its own memory
    del kept
    runtime.empty_cache()
    assert runtime.memory_reserved() == before


@pytest.mark.parametrize("bad", [-1, 1.5, "1GB", True])
def test_set_array_cache_limit_refuses_what_is_not_a_number_of_bytes(bad):
    with pytest.raises(ValueError, match="set_array_cache_limit"):
        runtime.set_array_cache_limit(bad)


def test_two_threads_allocating_at_once_never_share_a_live_block():
    rounds, per_thread = 20, 4
    barrier = threading.Barrier(2)
    held = {0: [], 1: []}

    def allocate(thread: int) -> None:
        for _ in range(rounds):
            barrier.wait()  # both threads ask the cache at the same moment
            arrays = [runtime.empty(SHAPE, np.float32) for _ in range(per_thread)]
            for array in arrays:
                array.fill(thread)
            held[thread].append(arrays)
            barrier.wait()
            if len(held[thread]) > 2:  # free some, so that blocks are handed out again
                held[thread].pop(0)

    threads = [threading.Thread(target=allocate, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    alive = [(thread, array) for thread in (0, 1) for arrays in held[thread]
             for array in arrays]
    assert all((array == thread).all() for thread, array in alive)
    assert not any(overlap(a, b) for i, (_, a) in enumerate(alive) for _, b in alive[i + 1:])


def train_and_return_parameters(model_name: str, input_shape: tuple, classes: int,
                                labels_shape: tuple) -> list[np.ndarray]:
    tn.manual_seed(0)
    model = MODELS[model_name](input_shape, classes)
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    x = tn.randn(16, *input_shape)
    labels = tn.randint(0, classes, (16,) + labels_shape)
    for _ in range(3):
        loss = nn.functional.cross_entropy(model(x), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return [parameter.detach().numpy().copy() for parameter in model.parameters()]


@pytest.mark.parametrize("model_name, input_shape, classes, labels_shape", [
    ("unet", (1, 32, 32), 4, (32, 32)),
    ("cnn", (1, 28, 28), 10, ()),
])
def test_training_gives_the_same_bits_with_the_cache_on_and_off(model_name, input_shape, classes,
                                                               labels_shape):
    with_cache = train_and_return_parameters(model_name, input_shape, classes, labels_shape)
    assert runtime.memory_reserved() > 0  # the step's large arrays came from the cache
    runtime.set_array_cache_limit(0)
    without = train_and_return_parameters(model_name, input_shape, classes, labels_shape)
    assert runtime.memory_reserved() == 0
    for cached, plain in zip(with_cache, without):
        np.testing.assert_array_equal(cached, plain)


def test_the_limit_variable_sets_the_default_and_bad_values_name_it():
    def run(value: str) -> subprocess.CompletedProcess:
        env = dict(os.environ, PYTHONPATH=str(ROOT), TINYNET_ARRAY_CACHE_LIMIT=value)
        return subprocess.run([sys.executable, "-c", "import tinynet.runtime as r; "
                               "print(r.get_array_cache_limit())"], capture_output=True,
                              text=True, cwd=ROOT, env=env, timeout=120)

    assert run("12345").stdout.strip() == "12345"
    bad = run("1GB")
    assert bad.returncode != 0 and "TINYNET_ARRAY_CACHE_LIMIT='1GB'" in bad.stderr
