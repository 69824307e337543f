"""A short wait without the GIL and without sleeping: tinynet.threads' caller, done with its own
batch chunk, waits for the worker's this way, reading a counter and giving its core away
(sched_yield) between reads, for a bounded number of rounds before it sleeps on a lock.

Why not sleep at once: on the 2-core machine (a KVM guest) a thread that sleeps lets its virtual
CPU halt, and waking it costs tens of microseconds. Measured: a call of two empty tasks on the
pool, 89 us with the caller sleeping against 80 us with it waiting awake; a conv2d forward +
backward of 64x16x16x16 -> 32 at 2 threads, 3.23 against 3.19 ms (medians of 8 interleaved
rounds of 60 steps). The workers themselves sleep between tasks: awake, they took their cores
from the two-thread BLAS of the layers in between (tinynet/threads.py; measured before the BLAS
stayed on one thread, not since).

Why `rounds_after`: the caller, back from this kernel, takes the GIL again, and the worker that
just wrote the counter still holds it for the microsecond it takes to reach its next blocking
wait. A thread that finds the GIL taken sleeps until it is handed over, and its halted virtual
CPU wakes tens of microseconds later: a call of two 0.5 ms tasks returned 44 us after the
worker's task ended, and 6-8 us after it with 5-20 rounds (~0.2 us each) here (medians of 250).

sched_yield is the C library's (Numba links it by name, so the kernel is cached like the others);
on a platform without it there is no spin and the wait goes straight to sleep.
"""

import sys

from numba import types

from tinynet.kernels.jit import njit

if sys.platform.startswith(("linux", "darwin")):
    _sched_yield = types.ExternalFunction("sched_yield", types.int32())

    @njit(cache=True, nogil=True)
    def spin_until_changed(values, index, seen, rounds, rounds_after=0):
        """Whether values[index] differs from `seen` within `rounds` reads, the core given away
        (sched_yield) between them; once it does, `rounds_after` more sched_yields before the
        return. The call is opaque to LLVM, so every round reads again."""
        for _ in range(rounds):
            if values[index] != seen:
                for _ in range(rounds_after):
                    _sched_yield()
                return True
            _sched_yield()
        return values[index] != seen
else:
    spin_until_changed = None
