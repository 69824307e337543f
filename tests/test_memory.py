"""tinynet's allocator default: glibc keeps freed memory unless the user chose otherwise."""

import os
import platform
import subprocess
import sys

import pytest

glibc_only = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
    reason="mallopt is glibc's")

# Page faults of the last of ten rounds that each allocate eight 2 MB arrays (as a training step
# does its activations and gradients), touch them and free them all: with the memory kept a
# round reuses pages already mapped; without, glibc trims the 16 MB freed at the top of its heap
# (more than twice the largest block freed) and every page faults in again.
PROBE = """
import resource, numpy as np, tinynet
faults = []
for _ in range(10):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    arrays = [np.ones(1 << 19, np.float32) for _ in range(8)]
    del arrays
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
print(tinynet.memory.is_freed_memory_kept(), faults[-1])
"""
PAGES_IN_16_MB = (16 << 20) // 4096


def run_probe(**variables) -> tuple[bool, int]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("TINYNET_KEEP_FREED_MEMORY", "MALLOC_TRIM_THRESHOLD_",
                        "MALLOC_MMAP_THRESHOLD_")}
    env.update(variables)
    result = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True,
                            text=True, check=True)
    kept, faults = result.stdout.split()
    return kept == "True", int(faults)


@glibc_only
def test_import_keeps_freed_memory_so_a_step_faults_no_pages_in_again():
    kept, faults = run_probe()
    assert kept
    assert faults < PAGES_IN_16_MB // 10


@glibc_only
def test_the_opt_out_leaves_malloc_alone_and_pages_fault_in_every_round():
    kept, faults = run_probe(TINYNET_KEEP_FREED_MEMORY="0")
    assert not kept
    assert faults > PAGES_IN_16_MB // 2


@glibc_only
def test_a_users_own_malloc_settings_win():
    kept, _ = run_probe(MALLOC_TRIM_THRESHOLD_="131072")
    assert not kept
