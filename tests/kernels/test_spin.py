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
