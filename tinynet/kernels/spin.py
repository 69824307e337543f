"""The wait of tinynet.threads' workers for their next task, and of the caller for their results:
a loop that reads a counter and gives its core away (sched_yield) between reads, without the GIL,
before the thread goes to sleep on a lock.

Why not sleep at once: on the 2-core machine (a KVM guest) a sleeping thread's core halts, and
the kernel then counts it as taken (a "preempted" virtual CPU), so the next wake-up put the worker
on the caller's core: after a pause, a conv2d forward + backward of 64x16x16x16 -> 32 on 2 threads
ran its two batch chunks on one core for 5-8 steps (6-8 ms each against 3.7-4.0 ms). A worker that
waits a little awake keeps its core, which is what OpenMP's threads do between parallel loops
(GOMP_SPINCOUNT, KMP_BLOCKTIME). It gives the core away on every round, so a thread that shares
the core loses little to it.

sched_yield is the C library's (Numba links it by name, so the kernel is cached like the others);
on a platform without it there is no spin and the waits go straight to sleep.
"""

import sys

from numba import types

from tinynet.kernels.jit import njit

if sys.platform.startswith(("linux", "darwin")):
    _sched_yield = types.ExternalFunction("sched_yield", types.int32())
    _sched_getcpu = types.ExternalFunction("sched_getcpu", types.int32())

    @njit(cache=True, nogil=True)
    def spin_until_changed(values, index, seen, rounds):
        """Whether values[index] differs from `seen` within `rounds` reads, the core given away
        (sched_yield) between them. The call is opaque to LLVM, so every round reads again."""
        for _ in range(rounds):
            if values[index] != seen:
                return True
            _sched_yield()
        return values[index] != seen
else:
    spin_until_changed = None

if sys.platform.startswith("linux"):

    @njit(cache=True, nogil=True)
    def current_cpu():
        """The CPU this thread runs on now (sched_getcpu)."""
        return _sched_getcpu()
else:
    current_cpu = None
