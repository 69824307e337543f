"""The caller's short wait (tinynet.kernels.spin): it sees a change made by another thread while
it waits (LLVM must not keep the value in a register), and gives up after its rounds."""

import threading
import time

import numpy as np
import pytest

from tinynet.kernels.spin import spin_until_changed

pytestmark = pytest.mark.skipif(spin_until_changed is None, reason="no sched_yield here")


def test_spin_sees_another_threads_write_and_gives_up_without_one():
    values = np.zeros(2, np.int64)
    assert not spin_until_changed(values, 1, 0, 1000)
    assert spin_until_changed(values, 1, 5, 0)  # already different: no round needed

    writer = threading.Timer(0.02, lambda: values.__setitem__(1, 7))
    start = time.perf_counter()
    writer.start()
    assert spin_until_changed(values, 1, 0, 10**9)  # would take minutes without the write
    assert time.perf_counter() - start < 5
    writer.join()


def test_the_rounds_after_the_change_are_spent_before_the_return():
    """With the value changed already, 2·10⁵ rounds after it take measurably longer than none
    (each round is a sched_yield system call)."""
    values = np.ones(1, np.int64)

    def seconds(rounds_after):
        start = time.perf_counter()
        assert spin_until_changed(values, 0, 0, 10, rounds_after)
        return time.perf_counter() - start

    spin_until_changed(values, 0, 0, 10, 1)  # compiled or loaded
    assert min(seconds(0) for _ in range(5)) * 20 < seconds(200_000)
