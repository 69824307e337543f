"""tinynet.save / tinynet.load: round trips, atomic writes, and files that must be refused without
running anything (truncated, corrupt, foreign, or carrying a pickle)."""

import math
import os
import pickle

import numpy as np
import pytest

import tinynet as tn
from tinynet import nn
from tinynet.serialization import CheckpointError


class CreatesAFileWhenUnpickled:
    """A pickle payload: unpickling it calls open(marker, "w"), which creates ``marker``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_nested_values_round_trip_with_their_types(tmp_path):
    weights = tn.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    obj = {
        "weights": weights,
        "half": tn.tensor(np.ones(2, np.float32)),
        "steps": tn.tensor(7),
        "mask": tn.tensor([True, False]),
        "array": np.arange(4, dtype=np.int32),
        "scalar": np.float32(0.5),
        "numbers": [1, 2**70, -0.0, math.inf, 1e-310],
        "nan": math.nan,
        "text": "héllo",
        "nothing": None,
        "flag": True,
        "pair": (1, "a"),
        3: {"state": {0: {"momentum": tn.zeros(2)}}},
    }
    tn.save(obj, tmp_path / "checkpoint.tn")
    loaded = tn.load(tmp_path / "checkpoint.tn")
    assert list(loaded) == list(obj)
    assert loaded["weights"].requires_grad and loaded["weights"].dtype == tn.float64
    np.testing.assert_array_equal(loaded["weights"].detach().numpy(), weights.detach().numpy())
    assert loaded["half"].dtype == tn.float32 and loaded["steps"].dtype == tn.int64
    assert loaded["steps"].shape == () and loaded["mask"].dtype == tn.bool
    assert isinstance(loaded["array"], np.ndarray) and loaded["array"].dtype == np.int32
    assert loaded["scalar"] == np.float32(0.5) and type(loaded["scalar"]) is np.float32
    assert loaded["numbers"] == [1, 2**70, -0.0, math.inf, 1e-310]
    assert math.copysign(1, loaded["numbers"][2]) == -1
    assert math.isnan(loaded["nan"])
    assert loaded["text"] == "héllo" and loaded["nothing"] is None and loaded["flag"] is True
    assert loaded["pair"] == (1, "a")
    assert isinstance(loaded[3]["state"][0]["momentum"], tn.Tensor)


def test_a_state_dict_survives_save_and_load(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    model(tn.randn(5, 3))
    tn.save(model.state_dict(), tmp_path / "model.npz")
    fresh = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    fresh.load_state_dict(tn.load(tmp_path / "model.npz"))
    for (name, a), (_, b) in zip(model.state_dict().items(), fresh.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)


def test_save_writes_atomically_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "model.ckpt"
    tn.save({"a": tn.ones(2)}, path)
    tn.save({"a": tn.zeros(2)}, path)
    assert os.listdir(tmp_path) == ["model.ckpt"]
    np.testing.assert_array_equal(tn.load(path)["a"].numpy(), [0, 0])


def test_unsupported_values_raise_before_anything_is_written(tmp_path):
    path = tmp_path / "model.ckpt"
    tn.save({"a": tn.ones(2)}, path)
    before = path.read_bytes()
    with pytest.raises(TypeError, match=r"cannot save set at the top level\['layers'\]\[1\]"):
        tn.save({"layers": [1, {2}]}, path)
    with pytest.raises(TypeError, match="dict keys must be str or int"):
        tn.save({(1, 2): 3}, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["model.ckpt"]


@pytest.mark.parametrize("failing", ["savez", "replace"])
def test_a_failed_save_leaves_the_old_file_intact(tmp_path, monkeypatch, failing):
    path = tmp_path / "model.ckpt"
    tn.save({"a": tn.ones(3)}, path)
    before = path.read_bytes()

    def write_half_then_fail(file, **arrays):
        file.write(b"PK\x03\x04 half a checkpoint")
        raise OSError("disk full")

    def fail(*args):
        raise OSError("rename failed")

    if failing == "savez":
        monkeypatch.setattr(np, "savez", write_half_then_fail)
    else:
        monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        tn.save({"a": tn.zeros(3)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.ckpt"]
    np.testing.assert_array_equal(tn.load(path)["a"].numpy(), [1, 1, 1])


def test_truncated_and_corrupt_files_raise_a_clear_error_naming_the_path(tmp_path):
    path = tmp_path / "model.ckpt"
    tn.save({"weight": tn.randn(50, 50)}, path)
    data = path.read_bytes()
    truncated = tmp_path / "truncated.ckpt"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="truncated.ckpt is truncated or corrupt"):
        tn.load(truncated)
    corrupt = tmp_path / "corrupt.ckpt"
    corrupt.write_bytes(data[:200] + bytes(100) + data[300:])
    with pytest.raises(CheckpointError, match="corrupt.ckpt"):
        tn.load(corrupt)
    empty = tmp_path / "empty.ckpt"
    empty.write_bytes(b"")
    with pytest.raises(CheckpointError, match="empty.ckpt is not a tinynet checkpoint"):
        tn.load(empty)
    with pytest.raises(FileNotFoundError):
        tn.load(tmp_path / "missing.ckpt")


def test_a_plain_npz_is_not_a_checkpoint(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, weight=np.ones(3))
    with pytest.raises(CheckpointError, match="no __tinynet_structure__ entry"):
        tn.load(path)


def test_a_pickle_file_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "model.pt"
    path.write_bytes(pickle.dumps({"weight": CreatesAFileWhenUnpickled(marker)}))
    with pytest.raises(CheckpointError, match="model.pt is not a tinynet checkpoint .* a pickle"):
        tn.load(path)
    assert not marker.exists()


def test_an_npz_member_holding_a_pickle_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "model.ckpt"
    tn.save({"weight": tn.ones(2)}, path)
    with np.load(path) as archive:
        members = {name: archive[name] for name in archive.files}
    payload = np.empty(1, dtype=object)
    payload[0] = CreatesAFileWhenUnpickled(marker)
    members["array_0"] = payload
    with open(path, "wb") as file:
        np.savez(file, **members)  # NumPy pickles object arrays
    pickle.loads(pickle.dumps(CreatesAFileWhenUnpickled(tmp_path / "check")))
    assert (tmp_path / "check").exists()  # the payload does work when unpickled...
    with pytest.raises(CheckpointError, match="model.ckpt contains pickled Python objects"):
        tn.load(path)
    assert not marker.exists()  # ...but tinynet.load never unpickles it
