"""tinynet's thread default (one BLAS thread unless the user chose) and set_num_threads."""

import os
import subprocess
import sys

import pytest

import tinynet as tn

threadpoolctl = pytest.importorskip("threadpoolctl")

PROBE = ("import tinynet, threadpoolctl; "
         "print(min(p['num_threads'] for p in threadpoolctl.threadpool_info() "
         "if p['user_api'] == 'blas'))")


def blas_threads_after_import(**variables) -> int:
    env = {k: v for k, v in os.environ.items()
           if k not in ("TINYNET_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                        "OMP_NUM_THREADS")}
    env.update(variables)
    result = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True,
                            text=True, check=True)
    return int(result.stdout)


def test_import_sets_one_blas_thread_unless_the_user_chose():
    assert blas_threads_after_import() == 1
    assert blas_threads_after_import(TINYNET_NUM_THREADS="2") == 2
    assert blas_threads_after_import(OPENBLAS_NUM_THREADS="2") == 2


def test_set_num_threads_changes_the_blas_and_rejects_nonsense():
    previous = tn.get_num_threads()
    try:
        tn.set_num_threads(2)
        assert tn.get_num_threads() == 2
        with pytest.raises(ValueError, match="positive int"):
            tn.set_num_threads(0)
    finally:
        tn.set_num_threads(previous)
