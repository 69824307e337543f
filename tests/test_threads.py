"""tinynet's thread default (one BLAS thread unless the user chose), set_num_threads, and the
chunked convolutions' pool: one BLAS thread inside, the count restored after (also after an
exception), tasks run at once."""

import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import tinynet as tn
import tinynet.nn.functional as F

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


def blas_threads() -> int:
    return min(p["num_threads"] for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas")


@pytest.fixture
def two_threads_no_threshold(monkeypatch):
    import tinynet.ops.conv as conv_ops

    monkeypatch.setattr(conv_ops, "CHUNKED_MIN_MULTIPLY_ADDS", 0)
    previous = tn.get_num_threads()
    tn.set_num_threads(2)
    yield conv_ops
    tn.set_num_threads(previous)


def conv_step(**params):
    rng = np.random.default_rng(0)
    x = tn.tensor(rng.standard_normal((4, 3, 6, 6)), requires_grad=True)
    weight = tn.tensor(rng.standard_normal((2, 3, 3, 3)), requires_grad=True)
    F.conv2d(x, weight, padding=1, **params).sum().backward()
    return x.grad, weight.grad


def test_chunks_run_with_one_blas_thread_and_the_count_comes_back(two_threads_no_threshold,
                                                                  monkeypatch):
    conv_ops = two_threads_no_threshold
    seen = []
    convolve = conv_ops.convolve

    def recording(*args, **kwargs):
        seen.append(blas_threads())
        return convolve(*args, **kwargs)

    monkeypatch.setattr(conv_ops, "convolve", recording)
    assert blas_threads() == 2
    conv_step()
    assert seen == [1, 1]  # the forward's two chunks
    assert blas_threads() == 2


@pytest.mark.parametrize("failing_chunk", [0, 1])
def test_the_blas_count_comes_back_after_a_convolution_that_raises(two_threads_no_threshold,
                                                                   monkeypatch, failing_chunk):
    conv_ops = two_threads_no_threshold
    convolve = conv_ops.convolve
    first_value = np.random.default_rng(0).standard_normal((4, 3, 6, 6))[0, 0, 0, 0]  # conv_step's

    def failing(x, *args, **kwargs):
        chunk = 0 if x[0, 0, 0, 0] == first_value else 1
        if chunk == failing_chunk:
            raise RuntimeError(f"chunk {chunk} failed")
        return convolve(x, *args, **kwargs)

    monkeypatch.setattr(conv_ops, "convolve", failing)
    with pytest.raises(RuntimeError, match=f"chunk {failing_chunk} failed"):
        conv_step()
    assert blas_threads() == 2
    assert tn.threads._blas["users"] == 0


def test_run_at_once_keeps_the_order_and_raises_after_every_task_finished():
    finished = []

    def task(value, delay=0.0, fail=False):
        def run():
            time.sleep(delay)
            finished.append(value)
            if fail:
                raise ValueError(f"task {value}")
            return value
        return run

    assert tn.threads.run_at_once([task(0), task(1, 0.05), task(2)]) == [0, 1, 2]
    finished.clear()
    with pytest.raises(ValueError, match="task 0"):
        tn.threads.run_at_once([task(0, fail=True), task(1, 0.1), task(2, 0.1, fail=True)])
    assert sorted(finished) == [0, 1, 2]


def test_one_blas_thread_nests_and_restores_once_the_last_user_leaves():
    previous = tn.get_num_threads()
    tn.set_num_threads(2)
    try:
        inner_entered, outer_may_leave = threading.Event(), threading.Event()

        def other_user():
            with tn.threads.one_blas_thread():
                inner_entered.set()
                outer_may_leave.wait(5)

        with tn.threads.one_blas_thread():
            assert blas_threads() == 1
            thread = threading.Thread(target=other_user)
            thread.start()
            inner_entered.wait(5)
        assert blas_threads() == 1  # the other thread is still inside
        outer_may_leave.set()
        thread.join()
        assert blas_threads() == 2
    finally:
        tn.set_num_threads(previous)


def test_the_pool_runs_the_first_task_here_and_the_others_on_its_workers():
    here = threading.get_native_id()
    ids = tn.threads.run_at_once([threading.get_native_id] * 3)
    assert ids[0] == here
    assert len({here, *ids[1:]}) == 3
    assert tn.threads.run_at_once([threading.get_native_id] * 3)[1:] == ids[1:]  # kept


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2
                    or tn.threads._sched_getcpu() is None,
                    reason="needs CPU affinity and sched_getcpu (Linux) and at least 2 CPUs")
def test_the_worker_runs_on_another_cpu_and_the_callers_cpus_come_back():
    current_cpu = tn.threads._sched_getcpu()
    mask = os.sched_getaffinity(0)
    (caller_cpus, caller_cpu), (worker_cpus, _) = tn.threads.run_at_once(
        [lambda: (os.sched_getaffinity(0), current_cpu())] * 2)
    assert caller_cpus == {caller_cpu}  # held on its CPU while the tasks run
    assert len(worker_cpus) == 1 and worker_cpus != caller_cpus
    assert os.sched_getaffinity(0) == mask


def test_a_task_that_runs_tasks_and_two_callers_at_once_get_their_results():
    inner = tn.threads.run_at_once([lambda: tn.threads.run_at_once([lambda: 1, lambda: 2]),
                                    lambda: 3])
    assert inner == [[1, 2], 3]

    results, start = {}, threading.Barrier(2)

    def caller(name):
        start.wait()
        results[name] = [tn.threads.run_at_once([lambda i=i: (name, i) for i in range(2)])
                         for _ in range(50)]

    threads = [threading.Thread(target=caller, args=(name,)) for name in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == {name: [[(name, 0), (name, 1)]] * 50 for name in "ab"}


def test_a_worker_that_raises_leaves_the_pool_working():
    def fail():
        raise KeyError("in the worker")

    with pytest.raises(KeyError, match="in the worker"):
        tn.threads.run_at_once([lambda: 0, fail])
    assert tn.threads.run_at_once([lambda: 0, lambda: 1]) == [0, 1]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_gets_a_pool_of_its_own():
    tn.threads.run_at_once([lambda: 0, lambda: 1])  # the parent's pool exists
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        try:
            result = tn.threads.run_at_once([lambda: 0, lambda: 1])
            os.write(writer, repr(result).encode())
        finally:
            os._exit(0)
    os.close(writer)
    with os.fdopen(reader) as pipe:
        answer = pipe.read()
    os.waitpid(child, 0)
    assert answer == "[0, 1]"


def test_an_interrupt_in_the_callers_task_waits_for_the_worker_first():
    """A KeyboardInterrupt in the caller's task is raised only once the worker's task is done,
    so that the next call does not take that task's end for its own."""
    finished = threading.Event()

    def interrupted():
        raise KeyboardInterrupt

    def slow():
        time.sleep(0.05)
        finished.set()

    with pytest.raises(KeyboardInterrupt):
        tn.threads.run_at_once([interrupted, slow])
    assert finished.is_set()
    assert tn.threads.run_at_once([lambda: 0, lambda: time.sleep(0.02) or 1]) == [0, 1]
