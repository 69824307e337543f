"""The backend switch: set_backend / get_backend / use_backend / dispatch, and a lazy import."""

import os
import subprocess
import sys

import pytest

import tinynet.kernels as kernels
from tinynet.kernels import BACKENDS, dispatch, get_backend, set_backend, use_backend


def _run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_dispatch_chooses_at_call_time():
    kernel = dispatch(numpy=lambda x: ("numpy", x), numba=lambda x: ("numba", x))
    with use_backend("numpy"):
        assert kernel(1) == ("numpy", 1)
    with use_backend("numba"):
        assert kernel(x=2) == ("numba", 2)


def test_dispatch_keeps_both_implementations_and_the_reference_docs():
    def scale_numpy(x):
        """y = 2 x."""
        return 2 * x

    kernel = dispatch(numpy=scale_numpy, numba=lambda x: x + x)
    assert kernel.numpy is scale_numpy
    assert kernel.numba(3) == 6
    assert kernel.__name__ == "scale"
    assert kernel.__doc__ == "y = 2 x."


def test_use_backend_restores_the_previous_backend_even_after_an_error():
    before = get_backend()
    other = "numpy" if before == "numba" else "numba"
    with pytest.raises(RuntimeError):
        with use_backend(other):
            assert get_backend() == other
            raise RuntimeError("inside")
    assert get_backend() == before


def test_set_backend_changes_the_global_switch():
    before = get_backend()
    try:
        set_backend("numpy")
        assert get_backend() == "numpy"
        set_backend("numba")
        assert get_backend() == "numba"
    finally:
        set_backend(before)


@pytest.mark.parametrize("name", ["cuda", "NumPy", "", None])
def test_unknown_backend_names_the_allowed_ones(name):
    with pytest.raises(ValueError, match="numba, numpy"):
        set_backend(name)
    with pytest.raises(ValueError, match="numba, numpy"):
        with use_backend(name):
            pass
    assert get_backend() in BACKENDS


def test_default_backend_is_numba_and_the_environment_overrides_it():
    code = "import tinynet.kernels as k; print(k.get_backend())"
    without = {key: value for key, value in os.environ.items() if key != "TINYNET_KERNEL_BACKEND"}
    default = subprocess.run(
        [sys.executable, "-c", code], env=without, capture_output=True, text=True, timeout=120
    )
    assert default.stdout.strip() == "numba", default.stderr
    assert _run_python(code, TINYNET_KERNEL_BACKEND="numpy").stdout.strip() == "numpy"
    bad = _run_python(code, TINYNET_KERNEL_BACKEND="gpu")
    assert bad.returncode != 0
    assert "TINYNET_KERNEL_BACKEND" in bad.stderr and "'gpu'" in bad.stderr


def test_importing_the_kernels_compiles_nothing():
    code = """
import importlib, numba
# import_module, because the package re-exports functions named like two of its modules
names = ("im2col", "pooling", "matmul")
modules = [importlib.import_module(f"tinynet.kernels.{name}") for name in names]
Dispatcher = numba.core.dispatcher.Dispatcher
jitted = [f for m in modules for f in vars(m).values() if isinstance(f, Dispatcher)]
assert len(jitted) >= 8, jitted
print(sum(len(f.signatures) for f in jitted))
"""
    result = _run_python(code, NUMBA_DISABLE_JIT="0")
    assert result.stdout.strip() == "0", result.stderr


def test_every_kernel_is_reexported():
    for name in kernels.__all__:
        assert hasattr(kernels, name), name


def test_parallel_kernels_called_from_several_threads_at_once():
    # Numba's workqueue layer aborts the process on concurrent parallel launches; tinynet lets
    # one thread in at a time and runs the serial loop in the others. In a subprocess, since
    # a failure is an abort.
    code = """
import threading
import numpy as np
import tinynet.kernels as kernels
x = np.random.default_rng(0).random((4, 16, 64, 64)).astype(np.float32)
g = kernels.ConvGeometry.from_shape(x.shape, 2, stride=2, pooling=True)
expected = kernels.max_pool2d_forward(x, g)[0]
same = []
def work():
    for _ in range(20):
        same.append(np.array_equal(kernels.max_pool2d_forward(x, g)[0], expected))
        kernels.avg_pool2d_backward(expected, g, x.shape)
threads = [threading.Thread(target=work) for _ in range(3)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(len(same), all(same))
"""
    result = _run_python(code, TINYNET_KERNEL_BACKEND="numba")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["60", "True"]
