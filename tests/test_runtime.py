"""The runtime through the public API: tinynet leaves the process as it found it (BLAS thread
counts, the allocator, CPU affinity, Numba's configuration), its thread count and its checks,
and results that do not depend on the thread count."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import tinynet as tn
from tinynet import nn, optim, runtime

threadpoolctl = pytest.importorskip("threadpoolctl")
ROOT = Path(__file__).resolve().parent.parent

TRAIN_A_FEW_STEPS = """
import tinynet as tn
from tinynet import nn, optim

def train_a_few_steps(steps=3):
    tn.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(16 * 8 * 8, 2048), nn.ReLU(),
                          nn.Linear(2048, 10))  # 64 x 1024 x 2048: the grain, 2**27
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    x, labels = tn.randn(64, 3, 16, 16), tn.randint(0, 10, (64,))
    for _ in range(steps):
        loss = nn.functional.cross_entropy(model(x), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""


def run_python(code: str, **environment) -> dict:
    """Run `code` in a fresh interpreter from the repository root; the JSON it prints last."""
    env = {name: value for name, value in os.environ.items() if name != "TINYNET_NUM_THREADS"}
    env.update(PYTHONPATH=str(ROOT), **environment)
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                            text=True, cwd=ROOT, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_importing_and_training_leave_the_process_as_it_was():
    """BLAS thread counts (threadpoolctl), CPU affinity and Numba's threading layer are the
    same after `import tinynet` and a few training steps (a convolution, pooling, Linear
    products above and below the grain) as before."""
    seen = run_python(TRAIN_A_FEW_STEPS.replace("import tinynet as tn\n", "") + """
import json, os
import numba, numpy, threadpoolctl
try:  # SciPy's own OpenBLAS, which Numba's compiled code loads: loaded first, as a user's would be
    import scipy.linalg
except ImportError:
    pass

def state():
    return {"blas": sorted((info["filepath"], info["num_threads"])
                           for info in threadpoolctl.threadpool_info()
                           if info["user_api"] == "blas"),
            "affinity": sorted(os.sched_getaffinity(0)),
            "numba_layer": numba.config.THREADING_LAYER,
            "numpy_allocator": (getattr(numpy, "_core", None) or numpy.core).multiarray
            .get_handler_name(),
            "numba_threads": numba.get_num_threads()}

before = state()
import tinynet as tn
from tinynet import nn, optim
after_import = state()
train_a_few_steps()
print(json.dumps({"before": before, "after_import": after_import, "after": state(),
                  "tinynet_threads": tn.get_num_threads()}))
""")
    assert seen["before"]["blas"], "no BLAS library found by threadpoolctl"
    assert seen["after_import"] == seen["before"]
    assert seen["after"] == seen["before"]
    print("\nthe subprocess saw:", json.dumps(seen))


ALLOCATE_AND_FREE = """
import json, os
import numpy as np

def resident_bytes():
    with open("/proc/self/statm") as file:
        return int(file.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

array = np.ones(20 * 2**20 // 8)  # 20 MB, every page touched
held = resident_bytes()
del array
print(json.dumps({"dropped": held - resident_bytes()}))
"""


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs Linux's /proc")
@pytest.mark.parametrize("with_tinynet", [False, True])
def test_freed_memory_goes_back_to_the_os_as_without_tinynet(with_tinynet):
    """A fresh process gives a freed 20 MB array back to the OS, whether or not it imported
    tinynet and trained a few steps first (tinynet does not change malloc's settings)."""
    setup = TRAIN_A_FEW_STEPS + "train_a_few_steps()\n" if with_tinynet else ""
    dropped = run_python(setup + ALLOCATE_AND_FREE)["dropped"]
    assert dropped > 16 * 2**20


def blas_counts() -> dict:
    """{path: thread count} of each BLAS library loaded in this process (threadpoolctl)."""
    return {info["filepath"]: info["num_threads"] for info in threadpoolctl.threadpool_info()
            if info["user_api"] == "blas"}


def test_a_users_blas_limit_holds_through_tinynet():
    """Inside a user's threadpool_limits, tinynet trains and the user's count is there after
    the steps; outside it, the BLAS's own count comes back. (Libraries loaded during the steps,
    such as SciPy's BLAS by Numba, are not under the user's limit: only those loaded before.)"""
    namespace = {}
    exec(TRAIN_A_FEW_STEPS, namespace)
    before = blas_counts()
    with threadpoolctl.threadpool_limits(limits=1, user_api="blas"):
        namespace["train_a_few_steps"](steps=2)
        inside = blas_counts()
        assert {path: inside[path] for path in before} == dict.fromkeys(before, 1)
    after = blas_counts()
    assert {path: after[path] for path in before} == before


BLAS_SCOPES = """
import json
import threadpoolctl
import tinynet as tn
from tinynet import runtime

def counts():
    return sorted({info["num_threads"] for info in threadpoolctl.threadpool_info()
                   if info["user_api"] == "blas"})

tn.set_num_threads(2)
seen = {}
with threadpoolctl.threadpool_limits(limits=USERS_LIMIT, user_api="blas"):
    with runtime.blas_threads(runtime.PRODUCT_GRAIN - 1):
        seen["small"] = counts()
        with runtime.blas_threads(runtime.PRODUCT_GRAIN):
            seen["large, nested"] = counts()
        seen["after the nested scope"] = counts()
    seen["after both"] = counts()
print(json.dumps(seen))
"""


@pytest.mark.parametrize("users_limit", [1, 3])
def test_blas_threads_sets_the_count_by_size_and_puts_it_back_when_the_outermost_closes(
        users_limit):
    """In a fresh process (the BLAS libraries tinynet finds on its first product are the ones it
    sets): one thread below the grain, get_num_threads() at it, and the user's count back when
    the outermost scope closes (an inner scope does not set it back)."""
    seen = run_python(BLAS_SCOPES.replace("USERS_LIMIT", str(users_limit)))
    assert seen == {"small": [1], "large, nested": [2], "after the nested scope": [2],
                    "after both": [users_limit]}


RUNTIME_SCOPE = """
import json
import threadpoolctl
import tinynet as tn
from tinynet import runtime

def counts():
    return sorted({info["num_threads"] for info in threadpoolctl.threadpool_info()
                   if info["user_api"] == "blas"})

tn.set_num_threads(2)
with runtime.scope():  # loads what the scope loads (Numba, and the BLAS it brings) first
    pass
seen = {}
with threadpoolctl.threadpool_limits(limits=USERS_LIMIT, user_api="blas"):
    with runtime.scope():
        with runtime.blas_threads(runtime.PRODUCT_GRAIN - 1):
            seen["small"] = counts()
        seen["after the small product"] = counts()
        with runtime.blas_threads(runtime.PRODUCT_GRAIN):
            seen["large"] = counts()
    seen["after the scope"] = counts()
print(json.dumps(seen))
"""


@pytest.mark.parametrize("users_limit", [1, 3])
def test_inside_a_runtime_scope_the_count_is_set_per_product_and_put_back_when_it_ends(
        users_limit):
    """Inside runtime.scope(), a product sets the count it needs and leaves it for the next one
    (no setting back after each product); the user's count is back when the scope ends."""
    seen = run_python(RUNTIME_SCOPE.replace("USERS_LIMIT", str(users_limit)))
    assert seen == {"small": [1], "after the small product": [1], "large": [2],
                    "after the scope": [users_limit]}


def test_the_default_thread_count_is_one_per_physical_core():
    assert tn.get_num_threads() == runtime.physical_cores()
    assert 1 <= tn.get_num_threads() <= (os.cpu_count() or 1)


def test_tinynet_num_threads_sets_the_default_and_bad_values_name_the_variable():
    code = "import json, tinynet; print(json.dumps(tinynet.get_num_threads()))"
    assert run_python(code, TINYNET_NUM_THREADS="3") == 3
    for bad in ("0", "-2", "two", "1.5"):
        result = subprocess.run([sys.executable, "-c", "import tinynet"], capture_output=True,
                                text=True, cwd=ROOT, timeout=120,
                                env={**os.environ, "PYTHONPATH": str(ROOT),
                                     "TINYNET_NUM_THREADS": bad})
        assert result.returncode != 0
        assert f"TINYNET_NUM_THREADS={bad!r} is not a positive number of threads" in result.stderr


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2", None])
def test_set_num_threads_refuses_what_is_not_a_positive_int(bad):
    previous = tn.get_num_threads()
    with pytest.raises(ValueError, match="set_num_threads: expected a positive int"):
        tn.set_num_threads(bad)
    assert tn.get_num_threads() == previous


def test_set_num_threads_is_what_get_num_threads_returns():
    previous = tn.get_num_threads()
    try:
        tn.set_num_threads(3)
        assert tn.get_num_threads() == 3
    finally:
        tn.set_num_threads(previous)
    assert tn.get_num_threads() == previous


def train_and_return_parameters(threads: int) -> list[np.ndarray]:
    """Three steps of a CNN whose Linear products reach the grain (runtime.PRODUCT_GRAIN); the
    parameters after them."""
    previous = tn.get_num_threads()
    tn.set_num_threads(threads)
    try:
        tn.manual_seed(0)
        model = nn.Sequential(nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.Flatten(),
                              nn.Linear(32 * 16 * 16, 256))  # 64 x 8192 x 256: the grain
        optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
        x, labels = tn.randn(64, 16, 16, 16), tn.randint(0, 256, (64,))
        for _ in range(3):
            loss = nn.functional.cross_entropy(model(x), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return [parameter.detach().numpy().copy() for parameter in model.parameters()]
    finally:
        tn.set_num_threads(previous)


def test_results_are_the_same_at_one_and_two_threads():
    """Equal at one thread run twice; at two, equal up to float32 rounding (a threaded BLAS
    product may add in another order)."""
    one = train_and_return_parameters(1)
    for first, again in zip(one, train_and_return_parameters(1)):
        np.testing.assert_array_equal(first, again)
    for first, two in zip(one, train_and_return_parameters(2)):
        np.testing.assert_allclose(first, two, rtol=1e-4, atol=1e-6)


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs Linux's /proc")
def test_inside_a_scope_freed_memory_stays_for_reuse():
    """The same 20 MB array, allocated and freed inside ``runtime.scope()``, stays with tinynet's
    allocator for reuse: the measurement above can fail."""
    if not runtime.allocator.available():
        pytest.skip("tinynet's allocator is off on this Python")
    code = ALLOCATE_AND_FREE.replace("array = np.ones", "from tinynet import runtime\n"
                                     "scope = runtime.scope()\nscope.__enter__()\narray = np.ones")
    assert run_python(code)["dropped"] < 4 * 2**20
