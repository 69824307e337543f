"""tinynet's thread default (one thread unless the user chose), set_num_threads, the BLAS policy
(one thread, n only inside all_blas_threads), large products in blocks, and the pool: one BLAS
thread inside, the count restored after (also after an exception or inside a user's own
threadpool_limits), tasks run at once, interrupts and forks."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager

import numpy as np
import pytest

import tinynet as tn
import tinynet.nn.functional as F

threadpoolctl = pytest.importorskip("threadpoolctl")

PROBE = ("import tinynet, threadpoolctl; "
         "print(tinynet.get_num_threads(), min(p['num_threads'] for p in "
         "threadpoolctl.threadpool_info() if p['user_api'] == 'blas'))")


def threads_after_import(**variables) -> tuple[int, int]:
    """(tinynet.get_num_threads(), the BLAS's thread count) in a fresh process."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("TINYNET_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                        "OMP_NUM_THREADS")}
    env.update(variables)
    result = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True,
                            text=True, check=True)
    threads, blas = result.stdout.split()
    return int(threads), int(blas)


def test_import_sets_one_thread_unless_the_user_chose_and_the_blas_waits_on_one():
    assert threads_after_import() == (1, 1)
    assert threads_after_import(TINYNET_NUM_THREADS="2") == (2, 1)
    assert threads_after_import(OPENBLAS_NUM_THREADS="2") == (2, 1)
    assert threads_after_import(OMP_NUM_THREADS="2,1") == (2, 1)


def test_a_variable_that_is_not_a_count_is_named():
    """TINYNET_NUM_THREADS=abc is an error naming it; another library's variable that is not a
    count is passed over with a warning (the next one, or the default, applies)."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    failed = subprocess.run([sys.executable, "-c", "import tinynet"], capture_output=True,
                            text=True, env={**env, "TINYNET_NUM_THREADS": "abc"}, check=False)
    assert failed.returncode != 0
    assert "TINYNET_NUM_THREADS='abc' is not a positive number of threads" in failed.stderr
    warned = subprocess.run([sys.executable, "-W", "always", "-c", PROBE], capture_output=True,
                            text=True, env={**env, "OPENBLAS_NUM_THREADS": "0",
                                            "OMP_NUM_THREADS": "2"}, check=True)
    assert "OPENBLAS_NUM_THREADS='0' is not a positive number of threads" in warned.stderr
    assert warned.stdout.split() == ["2", "1"]


def blas_threads() -> int:
    return min(p["num_threads"] for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas")


def test_set_num_threads_keeps_the_blas_on_one_thread_outside_large_products():
    previous = tn.get_num_threads()
    try:
        tn.set_num_threads(2)
        assert (tn.get_num_threads(), blas_threads()) == (2, 1)
        with tn.threads.all_blas_threads():
            assert blas_threads() == 2
        assert blas_threads() == 1
        with pytest.raises(ValueError, match="positive int"):
            tn.set_num_threads(0)
    finally:
        tn.set_num_threads(previous)


@pytest.mark.parametrize("threads", [1, 2])
def test_products_from_the_large_size_on_run_in_one_block_per_thread(monkeypatch, threads):
    """(rows, 64) @ (64, 64): 4096 rows are 2**24 multiply-adds, the size from which a product
    runs as one block of rows per thread; 4095 rows run whole. MatMul and Linear alike, with the
    whole product's results; a (1, 4096) @ (4096, 4096) product, or a Linear of one row of 4096
    features to 4096, splits its columns instead."""
    from tinynet.ops import linalg

    assert tn.threads.LARGE_PRODUCT_MULTIPLY_ADDS == 4096 * 64 * 64
    calls = []

    def counting(tasks):
        calls.append(len(tasks))
        return tn.threads.run_at_once(tasks)

    monkeypatch.setattr(linalg, "run_at_once", counting)
    rng = np.random.default_rng(0)
    weight, bias = rng.standard_normal((64, 64)), rng.standard_normal(64)
    previous = tn.get_num_threads()
    tn.set_num_threads(threads)
    try:
        for rows in (4095, 4096):
            x = rng.standard_normal((2, rows // 2, 64)) if rows % 2 == 0 else rng.standard_normal(
                (rows, 64))
            np.testing.assert_allclose(tn.matmul(tn.tensor(x), tn.tensor(weight)).numpy(),
                                       x @ weight, rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(
                F.linear(tn.tensor(x), tn.tensor(weight), tn.tensor(bias)).numpy(),
                x @ weight.T + bias, rtol=1e-12, atol=1e-12)
            assert calls == ([] if threads == 1 or rows == 4095 else [2, 2])
        a, b = rng.standard_normal((1, 4096)), rng.standard_normal((4096, 4096))
        np.testing.assert_allclose(tn.matmul(tn.tensor(a), tn.tensor(b)).numpy(), a @ b,
                                   rtol=1e-10)
        assert calls == ([] if threads == 1 else [2, 2, 2])
        row, bias = rng.standard_normal((1, 4096)), rng.standard_normal(4096)
        np.testing.assert_allclose(
            F.linear(tn.tensor(row), tn.tensor(b), tn.tensor(bias)).numpy(), row @ b.T + bias,
            rtol=1e-10)
        assert calls == ([] if threads == 1 else [2, 2, 2, 2])
        assert blas_threads() == 1
    finally:
        tn.set_num_threads(previous)


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
    with tn.threads.all_blas_threads():
        assert blas_threads() == 2
        conv_step()
        assert blas_threads() == 2
    assert seen == [1, 1]  # the forward's two chunks


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
    with tn.threads.all_blas_threads():
        with pytest.raises(RuntimeError, match=f"chunk {failing_chunk} failed"):
            conv_step()
        assert blas_threads() == 2
    assert not tn.threads._blas["open"]
    assert blas_threads() == 1


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
    """Inside a large product's context (all_blas_threads), one_blas_thread wins while any
    thread is in it, and the n-thread BLAS comes back after the last one left."""
    previous = tn.get_num_threads()
    tn.set_num_threads(2)
    try:
        inner_entered, outer_may_leave = threading.Event(), threading.Event()

        def other_user():
            with tn.threads.one_blas_thread():
                inner_entered.set()
                outer_may_leave.wait(5)

        with tn.threads.all_blas_threads():
            with tn.threads.one_blas_thread():
                assert blas_threads() == 1
                thread = threading.Thread(target=other_user)
                thread.start()
                inner_entered.wait(5)
            assert blas_threads() == 1  # the other thread is still inside
            outer_may_leave.set()
            thread.join()
            assert blas_threads() == 2
        assert blas_threads() == 1
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


def call_with_timeout(function, seconds=20):
    """function()'s result, called in another thread; a failure (not a hang) if it takes
    longer than `seconds`."""
    results = []
    thread = threading.Thread(target=lambda: results.append(function()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    assert results, "raised (see the thread's traceback above)"
    return results[0]


def in_forked_child(function) -> str:
    """repr(function()) as computed in a forked child (or the child's error, if it raised)."""
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        try:
            try:
                answer = repr(function())
            except BaseException as error:  # noqa: BLE001 - reported to the parent
                answer = f"child raised {error!r}"
            os.write(writer, answer.encode())
        finally:
            os._exit(0)
    os.close(writer)
    with os.fdopen(reader) as pipe:
        answer = pipe.read()
    os.waitpid(child, 0)
    return answer


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_gets_a_pool_of_its_own():
    tn.threads.run_at_once([lambda: 0, lambda: 1])  # the parent's pool exists
    assert in_forked_child(lambda: tn.threads.run_at_once([lambda: 0, lambda: 1])) == "[0, 1]"


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


def test_parallel_work_inside_a_users_threadpool_limits_puts_the_users_count_back():
    """Inside the user's own threadpool_limits(2), the pool's tasks still run on one BLAS
    thread, and the user's two threads come back after each call; also when the limits were
    set inside an open context, or while another thread has one open (the count tinynet set
    was changed behind its back: it reads the count before each change)."""
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        assert blas_threads() == 2
        assert tn.threads.run_at_once([blas_threads, blas_threads]) == [1, 1]
        assert blas_threads() == 2
    assert blas_threads() == 1
    with tn.threads.one_blas_thread(), threadpoolctl.threadpool_limits(limits=2,
                                                                        user_api="blas"):
        assert tn.threads.run_at_once([blas_threads, blas_threads]) == [1, 1]
    with (one_blas_thread_in_another_thread(),
          threadpoolctl.threadpool_limits(limits=2, user_api="blas")):
        assert tn.threads.run_at_once([blas_threads, blas_threads]) == [1, 1]
    assert blas_threads() == 1


@contextmanager
def one_blas_thread_in_another_thread():
    """A context: while its body runs, another thread is inside one_blas_thread."""
    inside, may_leave = threading.Event(), threading.Event()

    def other():
        with tn.threads.one_blas_thread():
            inside.set()
            may_leave.wait(10)

    thread = threading.Thread(target=other)
    thread.start()
    try:
        inside.wait(10)
        yield
    finally:
        may_leave.set()
        thread.join()


def test_a_users_threadpool_limits_in_another_thread_is_obeyed_after_set_num_threads():
    """set_num_threads sets the BLAS without threadpoolctl's public API, which would make the
    calling thread the only one whose limits threadpoolctl obeys from then on."""
    code = ("import threading, threadpoolctl, tinynet\n"
            "tinynet.set_num_threads(2)\n"
            "seen = []\n"
            "def other():\n"
            "    with threadpoolctl.threadpool_limits(limits=3, user_api='blas'):\n"
            "        seen.append(min(p['num_threads'] for p in threadpoolctl.threadpool_info()\n"
            "                        if p['user_api'] == 'blas'))\n"
            "thread = threading.Thread(target=other)\n"
            "thread.start()\n"
            "thread.join()\n"
            "print(seen)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[3]"


class FakeLibrary:
    """A BLAS library as threadpoolctl's controller shows it: its count, and a setter."""

    def __init__(self, num_threads=1, fails=False, threading_layer="pthreads"):
        self.num_threads, self.fails, self.threading_layer = num_threads, fails, threading_layer
        self.calls = []

    def set_threads(self, count):
        self.calls.append((threading.get_ident(), count))
        if self.fails:
            raise OSError(f"cannot set {count} threads")
        self.num_threads = count


def test_a_blas_setting_that_fails_leaves_no_context_open_and_the_others_as_they_were(
        monkeypatch):
    first, failing = FakeLibrary(), FakeLibrary(fails=True)
    monkeypatch.setitem(tn.threads._blas, "libraries", {
        "first": (first, first.set_threads), "failing": (failing, failing.set_threads)})
    monkeypatch.setitem(tn.threads._state, "threads", 2)
    with pytest.raises(OSError, match="cannot set 2"), tn.threads.all_blas_threads():
        pass
    assert not tn.threads._blas["open"]
    assert first.num_threads == 1


def test_pool_workers_set_an_openmp_blas_to_one_thread_for_themselves(monkeypatch):
    """An OpenMP OpenBLAS keeps a count per thread: each new worker sets its own to one."""
    openmp = FakeLibrary(threading_layer="openmp")
    found = tn.threads._blas_libraries
    monkeypatch.setattr(tn.threads, "_blas_libraries",
                        lambda: {**found(), "openmp": (openmp, openmp.set_threads)})
    pool = tn.threads._pool["pool"]
    if pool is not None:
        with pool.busy:
            pool.stop()
    _, worker = tn.threads.run_at_once([threading.get_ident] * 2)
    assert (worker, 1) in openmp.calls


def test_a_worker_whose_blas_setting_fails_still_starts(monkeypatch):
    """A failing setter at a worker's start must not leave the pool's creation waiting."""
    failing = FakeLibrary(threading_layer="openmp", fails=True)
    monkeypatch.setattr(tn.threads, "_one_openmp_blas_thread_here",
                        lambda: failing.set_threads(1))
    pool = tn.threads._pool["pool"]
    if pool is not None:
        with pool.busy:
            pool.stop()
    assert call_with_timeout(lambda: tn.threads.run_at_once([lambda: 0, lambda: 1])) == [0, 1]
    assert failing.calls


def test_a_pool_stopped_before_the_call_takes_it_is_let_go(monkeypatch):
    """Another thread's interrupt (or a replacement for more workers) may stop the pool
    between _pool_for and the call taking it: the call asks for a pool again."""
    real, stopped = tn.threads._pool_for, []

    def stopping_first(workers):
        pool = real(workers)
        if not stopped:
            pool.stop()
            stopped.append(pool)
        return pool

    monkeypatch.setattr(tn.threads, "_pool_for", stopping_first)
    assert call_with_timeout(lambda: tn.threads.run_at_once([lambda: 0, lambda: 1])) == [0, 1]
    assert tn.threads._pool["pool"] is not stopped[0]


def test_a_task_that_runs_more_tasks_than_the_pool_has_workers_runs_them_here():
    """The pool cannot be replaced for more workers while the call asking runs on it."""
    tn.threads.run_at_once([lambda: 0, lambda: 1])  # a pool of one worker
    inner = [lambda i=i: i for i in range(4)]
    result = call_with_timeout(
        lambda: tn.threads.run_at_once([lambda: tn.threads.run_at_once(inner), lambda: 5]))
    assert result == [[0, 1, 2, 3], 5]


def test_set_blas_threads_tries_every_library_and_raises_the_first_error(monkeypatch):
    libraries = [FakeLibrary(), FakeLibrary(fails=True), FakeLibrary()]
    monkeypatch.setitem(tn.threads._blas, "libraries", {
        str(i): (library, library.set_threads) for i, library in enumerate(libraries)})
    monkeypatch.setitem(tn.threads._state, "threads", 2)
    monkeypatch.setitem(tn.threads._blas, "open", Counter({("all", 0): 1}))  # n threads wanted
    with tn.threads._blas_lock, pytest.raises(OSError, match="cannot set 2"):
        tn.threads._set_blas_threads()
    assert [library.num_threads for library in libraries] == [2, 1, 2]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_fork_waits_for_a_blas_update_in_another_thread():
    """The fork's handlers hold _blas_lock, so a child never copies a half-done update."""
    holding, events = threading.Event(), []

    def update():
        with tn.threads._blas_lock:
            holding.set()
            time.sleep(0.2)
            events.append("update done")

    thread = threading.Thread(target=update)
    thread.start()
    holding.wait(10)
    answer = in_forked_child(lambda: "child")
    events.append("forked")
    thread.join()
    assert answer == "'child'"
    assert events == ["update done", "forked"]


class Interrupt(BaseException):
    """What the test's SIGINT handler raises (not KeyboardInterrupt, which would stop pytest)."""


def test_an_interrupt_while_the_caller_waits_is_raised_at_once_and_the_next_call_is_right():
    """SIGINT while the caller waits for a worker: raised without waiting for the worker's
    task; the next call's results are its own (a new pool), not the interrupted task's end."""
    worker_may_finish, worker_finished = threading.Event(), threading.Event()
    caller_task_done = threading.Event()

    def worker_task():
        caller_task_done.wait(10)
        time.sleep(0.05)  # the caller waits for this task by now
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
        worker_may_finish.wait(10)
        worker_finished.set()
        return "interrupted call's"

    def interrupt(signum, frame):
        raise Interrupt

    previous = signal.signal(signal.SIGINT, interrupt)
    try:
        with pytest.raises(Interrupt):
            tn.threads.run_at_once([caller_task_done.set, worker_task])
        assert not worker_finished.is_set()
        assert tn.threads.run_at_once([lambda: 0, lambda: time.sleep(0.02) or 1]) == [0, 1]
    finally:
        signal.signal(signal.SIGINT, previous)
        worker_may_finish.set()
    assert worker_finished.wait(10)
    assert tn.threads.run_at_once([lambda: 0, lambda: 1]) == [0, 1]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_child_forked_while_another_thread_has_one_blas_thread_gets_its_own_count_back():
    """The parent: all_blas_threads open here (2 threads) and one_blas_thread in another thread
    (so 1). The child has only this thread, and its context: 2 threads, 1 in the pool's tasks,
    then 2 again."""
    previous = tn.get_num_threads()
    tn.set_num_threads(2)
    try:
        with tn.threads.all_blas_threads(), one_blas_thread_in_another_thread():
            assert blas_threads() == 1
            answer = in_forked_child(lambda: [
                blas_threads(), len(tn.threads._blas["open"]),
                *tn.threads.run_at_once([blas_threads, blas_threads]), blas_threads()])
    finally:
        tn.set_num_threads(previous)
    assert answer == "[2, 1, 1, 1, 2]"
