"""DataLoader(num_workers=N): worker processes give what one process gives, seeded per worker as in
PyTorch, with worker_init_fn, persistent workers, clear errors and no process left behind."""

import multiprocessing
import os
import random
import threading

import numpy as np
import pytest

import tinynet as tn
from tinynet.data import (BatchSampler, DataLoader, Dataset, IterableDataset, SequentialSampler,
                          TensorDataset, get_worker_info)

_initialized_as = -1  # set by record_init inside a worker


def make_dataset(n=23):
    return TensorDataset(tn.arange(2 * n).reshape(n, 2).float(), tn.arange(n))


def as_lists(loader):
    return [[x.tolist() for x in batch] if isinstance(batch, list) else batch.tolist()
            for batch in loader]


def process_alive(pid: int) -> bool:
    """True while the process exists, a zombie (exited, not reaped) included."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


class WhoAmI(Dataset):
    """Each sample says which process and worker made it, and draws from every random source."""

    def __len__(self):
        return 12

    def __getitem__(self, index):
        info = get_worker_info()
        return {"index": index, "pid": os.getpid(), "worker": info.id, "seed": info.seed,
                "init": _initialized_as, "random": random.random(),
                "numpy": float(np.random.rand()), "tinynet": float(tn.rand(()))}


def record_init(worker_id):
    global _initialized_as
    _initialized_as = worker_id


@pytest.mark.parametrize("options", [
    dict(batch_size=4),
    dict(batch_size=4, drop_last=True),
    dict(batch_size=5, shuffle=True, generator=tn.Generator(7)),
    dict(batch_size=None),
    dict(batch_sampler=BatchSampler(SequentialSampler(range(23)), 6, drop_last=False)),
])
def test_workers_yield_the_batches_of_one_process_in_the_same_order(options):
    single = as_lists(DataLoader(make_dataset(), **options))
    options = {k: (tn.Generator(7) if k == "generator" else v) for k, v in options.items()}
    loader = DataLoader(make_dataset(), num_workers=2, **options)
    assert as_lists(loader) == single
    assert len(loader) == len(iter(loader)) == len(single)


def test_out_of_order_delivery_gives_the_same_batches():
    loader = DataLoader(make_dataset(), batch_size=3, num_workers=2, in_order=False)
    assert sorted(as_lists(loader)) == sorted(as_lists(DataLoader(make_dataset(), batch_size=3)))


def test_worker_init_fn_runs_in_each_worker_and_get_worker_info_names_it():
    assert get_worker_info() is None  # the main process
    batches = list(DataLoader(WhoAmI(), batch_size=2, num_workers=2, worker_init_fn=record_init))
    assert all(b["init"].tolist() == b["worker"].tolist() for b in batches)
    assert {w for b in batches for w in b["worker"].tolist()} == {0, 1}
    assert len({p for b in batches for p in b["pid"].tolist()} - {os.getpid()}) == 2


def test_worker_seeds_differ_per_worker_and_repeat_under_a_seeded_generator():
    def epoch(generator):
        return list(DataLoader(WhoAmI(), batch_size=3, num_workers=2, generator=generator))

    first = epoch(tn.Generator(5))
    seeds = {b["worker"][0].item(): b["seed"][0].item() for b in first}
    assert seeds[1] == seeds[0] + 1  # base_seed + worker id, as in PyTorch
    for source in ("random", "numpy", "tinynet"):
        by_worker = [b[source].tolist() for b in first]
        assert by_worker[0] != by_worker[1]  # workers 0 and 1 have different streams
    again = epoch(tn.Generator(5))
    other = epoch(tn.Generator(6))
    for source in ("seed", "random", "numpy", "tinynet"):
        assert [b[source].tolist() for b in again] == [b[source].tolist() for b in first]
        assert [b[source].tolist() for b in other] != [b[source].tolist() for b in first]


def test_each_epoch_gets_new_worker_seeds():
    loader = DataLoader(WhoAmI(), batch_size=6, num_workers=2, generator=tn.Generator(0))
    assert [b["random"].tolist() for b in loader] != [b["random"].tolist() for b in loader]


class FailsAt(Dataset):
    def __init__(self, bad_index, error):
        self.bad_index, self.error = bad_index, error

    def __len__(self):
        return 10

    def __getitem__(self, index):
        if index == self.bad_index:
            raise self.error
        return index


def test_a_failing_worker_raises_its_error_naming_the_worker_batch_and_traceback():
    loader = DataLoader(FailsAt(7, ValueError("sample seven is corrupt")), batch_size=2,
                        num_workers=2)
    with pytest.raises(ValueError) as caught:
        list(loader)
    message = str(caught.value)
    assert "in DataLoader worker process 1" in message
    assert "batch 3 (dataset indices [6, 7])" in message
    assert "Traceback" in message and "sample seven is corrupt" in message
    assert "__getitem__" in message
    assert multiprocessing.active_children() == []


def test_errors_that_cannot_be_rebuilt_or_pickled_still_say_what_happened():
    class LocalError(Exception):
        pass

    with pytest.raises(RuntimeError, match="LocalError.*worker process"):
        list(DataLoader(FailsAt(0, LocalError("local")), num_workers=1))
    with pytest.raises(KeyError, match="worker process 0"):
        list(DataLoader(FailsAt(0, KeyError("missing")), num_workers=1))
    with pytest.raises(Exception, match="pickling batch 0"):
        list(DataLoader(make_dataset(), batch_size=2, num_workers=1,
                        collate_fn=lambda samples: lambda: samples))


def test_a_failing_worker_init_fn_is_reported():
    def broken_init(worker_id):
        raise OSError("no such device")

    with pytest.raises(OSError, match="worker_init_fn"):
        list(DataLoader(make_dataset(), num_workers=1, worker_init_fn=broken_init))


def test_a_tensor_in_an_autograd_graph_cannot_leave_a_worker():
    weight = tn.ones(2, requires_grad=True)
    dataset = TensorDataset(tn.zeros(4, 2))
    loader = DataLoader(dataset, batch_size=2, num_workers=1,
                        collate_fn=lambda samples: samples[0][0] * weight)
    with pytest.raises(Exception, match="autograd graphs do not cross process"):
        list(loader)


def test_a_worker_that_dies_and_a_worker_that_hangs_raise_instead_of_blocking():
    class Dies(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, index):
            os._exit(3)

    with pytest.raises(RuntimeError, match="exited unexpectedly"):
        list(DataLoader(Dies(), num_workers=1))

    class Hangs(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, index):
            threading.Event().wait()  # never set

    with pytest.raises(RuntimeError, match="timed out after 0.2 seconds"):
        list(DataLoader(Hangs(), num_workers=1, timeout=0.2))
    assert multiprocessing.active_children() == []


def test_persistent_workers_are_reused_across_epochs():
    loader = DataLoader(WhoAmI(), batch_size=3, num_workers=2, persistent_workers=True)
    pids = [set(b["pid"].tolist()) for b in loader]
    for index, batch in enumerate(loader):  # an epoch broken off...
        if index == 1:
            break
    epochs = [[b["index"].tolist() for b in loader] for _ in range(2)]  # ...then whole ones
    assert epochs[0] == epochs[1] == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]]
    assert {p for b in loader for p in b["pid"].tolist()} == set.union(*pids)
    fresh = DataLoader(WhoAmI(), batch_size=3, num_workers=2)
    assert {p for b in fresh for p in b["pid"].tolist()}.isdisjoint(set.union(*pids))
    workers = set.union(*pids)
    del loader, batch
    assert not any(process_alive(pid) for pid in workers)


def test_breaking_out_of_a_loop_leaves_no_worker_process():
    workers = set()
    for index, batch in enumerate(DataLoader(WhoAmI(), batch_size=1, num_workers=2)):
        workers.update(batch["pid"].tolist())
        if index == 2:
            break
    del batch
    assert workers and multiprocessing.active_children() == []
    assert not any(process_alive(pid) for pid in workers)  # exited and reaped: no zombies


class Range(IterableDataset):
    def __init__(self, n, split):
        self.n, self.split = n, split

    def __iter__(self):
        info = get_worker_info()
        if info is None or not self.split:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))

    def __len__(self):
        return self.n


def test_iterable_dataset_each_worker_iterates_its_own_copy():
    split = as_lists(DataLoader(Range(10, split=True), batch_size=3, num_workers=2))
    assert split == [[0, 2, 4], [1, 3, 5], [6, 8], [7, 9]]  # what PyTorch 2.13 gives
    whole = list(DataLoader(Range(5, split=False), batch_size=None, num_workers=2))
    assert sorted(whole) == sorted(list(range(5)) * 2)  # not split: every worker gives all
    dropped = as_lists(DataLoader(Range(10, split=True), batch_size=3, drop_last=True,
                                  num_workers=2))
    assert dropped == [[0, 2, 4], [1, 3, 5]]  # likewise


def test_spawn_start_method():
    loader = DataLoader(make_dataset(6), batch_size=4, num_workers=1,
                        multiprocessing_context="spawn")
    assert as_lists(loader) == as_lists(DataLoader(make_dataset(6), batch_size=4))


def test_worker_options_are_checked():
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader(make_dataset(), num_workers=-1)
    with pytest.raises(ValueError, match="prefetch_factor"):
        DataLoader(make_dataset(), prefetch_factor=2)
    with pytest.raises(ValueError, match="persistent_workers option needs num_workers > 0"):
        DataLoader(make_dataset(), persistent_workers=True)
    with pytest.raises(ValueError, match="prefetch_factor must be greater than 0"):
        DataLoader(make_dataset(), num_workers=1, prefetch_factor=0)
    with pytest.raises(ValueError, match="timeout"):
        DataLoader(make_dataset(), timeout=-1)
    with pytest.raises(ValueError, match="valid start method"):
        DataLoader(make_dataset(), num_workers=1, multiprocessing_context="teleport")
    with pytest.raises(ValueError, match="num_workers > 0"):
        DataLoader(make_dataset(), multiprocessing_context="fork")
    assert DataLoader(make_dataset(), num_workers=2).prefetch_factor == 2


def test_batches_from_workers_are_ordinary_writable_tensors():
    rows = tn.arange(3000.0).reshape(1000, 3)
    loader = DataLoader(TensorDataset(rows), batch_size=None, num_workers=1, sampler=[999, 5])
    first, second = [sample[0] for sample in loader]
    assert first.tolist() == [2997.0, 2998.0, 2999.0] and second.tolist() == [15.0, 16.0, 17.0]
    first.numpy()[0] = -1.0  # the received memory is writable
    assert first.tolist() == [-1.0, 2998.0, 2999.0]
    assert rows[999].tolist() == [2997.0, 2998.0, 2999.0]  # a copy, not the dataset's memory
