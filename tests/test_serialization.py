"""tinynet.save / tinynet.load: round trips, atomic writes, and files that must be refused without
running anything (truncated, corrupt, foreign, or carrying a pickle)."""

import inspect
import io
import json
import math
import os
import pickle
import types

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


# --- failures name the user's path; killed saves; symbolic links; zip bombs ----------------------

def test_a_failed_save_names_the_users_path_not_the_temporary_file(tmp_path):
    path = tmp_path / "no-such-folder" / "model.npz"
    with pytest.raises(FileNotFoundError) as error:
        tn.save({"w": tn.zeros(2)}, path)
    assert str(path) in str(error.value) and ".tmp" not in str(error.value)


@pytest.mark.skipif(os.name != "posix", reason="stale temporaries are found by PID on POSIX")
def test_a_temporary_file_left_by_a_killed_save_is_removed_by_the_next_save(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "model.npz"
    killed = ("import os, numpy, tinynet\n"
              "def die(*args, **kwargs):\n"
              "    os._exit(9)\n"                      # the process dies in the middle of a save
              "numpy.savez = die\n"
              f"tinynet.save({{'w': tinynet.zeros(2)}}, {str(path)!r})\n")
    result = subprocess.run([sys.executable, "-c", killed], cwd=os.getcwd(), timeout=120,
                            env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert result.returncode == 9
    left = [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]
    assert len(left) == 1 and not path.exists()
    tn.save({"w": tn.ones(2)}, path)
    assert os.listdir(tmp_path) == ["model.npz"]
    assert tn.load(path)["w"].tolist() == [1.0, 1.0]


def test_a_live_saves_temporary_file_is_left_alone(tmp_path):
    path = tmp_path / "model.npz"
    mine = tmp_path / f".model.npz.{os.getpid()}.abcd1234.tmp"   # a save of this process
    mine.write_bytes(b"in progress")
    tn.save({"w": tn.ones(2)}, path)
    assert mine.exists()


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_saving_through_a_symlink_writes_its_target(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "model.npz"
    tn.save({"w": tn.zeros(2)}, target)
    link = tmp_path / "latest.npz"
    link.symlink_to(target)
    tn.save({"w": tn.ones(3)}, link)
    assert link.is_symlink() and link.resolve() == target.resolve()
    assert tn.load(target)["w"].tolist() == [1.0, 1.0, 1.0]
    dangling = tmp_path / "dangling.npz"
    dangling.symlink_to(tmp_path / "real" / "new.npz")
    tn.save({"w": tn.ones(1)}, dangling)                      # as open() would: creates the target
    assert dangling.is_symlink() and tn.load(tmp_path / "real" / "new.npz")["w"].tolist() == [1.0]


def npy_header(count):
    """The .npy header of a uint8 vector of ``count`` elements."""
    import io

    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": "|u1", "fortran_order": False, "shape": (count,)})
    return buffer.getvalue()


def zip_bomb(path, expanded_bytes=2**30):
    """A well-formed .npz of one deflated .npy member of ``expanded_bytes`` (a vector of zeros),
    about 1 KiB on disk per MiB: built block by block, each fully flushed block of zeros
    compressing to the same bytes, so it costs little to make."""
    import struct
    import zlib

    header = npy_header(expanded_bytes - len(npy_header(expanded_bytes)))
    count, block = expanded_bytes - len(header), 2**20
    blocks, rest = divmod(count, block)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = compressor.compress(header) + compressor.flush(zlib.Z_FULL_FLUSH)
    zeros = compressor.compress(bytes(block)) + compressor.flush(zlib.Z_FULL_FLUSH)
    data = head + zeros * blocks + compressor.compress(bytes(rest)) + compressor.flush()
    crc = zlib.crc32(header)
    for _ in range(blocks):
        crc = zlib.crc32(bytes(block), crc)
    crc = zlib.crc32(bytes(rest), crc)
    name = b"array_0.npy"
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data),
                        expanded_bytes, len(name), 0) + name
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(data),
                          expanded_bytes, len(name), 0, 0, 0, 0, 0, 0) + name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central),
                      len(local) + len(data), 0)
    path.write_bytes(local + data + central + end)
    return path


def test_a_member_that_would_expand_beyond_the_cap_is_refused_before_inflating(tmp_path):
    import zipfile

    bomb = zip_bomb(tmp_path / "bomb.npz")
    assert bomb.stat().st_size < 2**21                            # about 1 MiB on disk
    with zipfile.ZipFile(bomb) as archive:                          # a well-formed zip of 1 GiB
        assert archive.infolist()[0].file_size == 2**30
        with archive.open("array_0.npy") as member:
            assert member.read(6) == b"\x93NUMPY"
    with pytest.raises(CheckpointError, match="expand to 1,073,741,824 bytes.*max_expanded_bytes"):
        tn.load(bomb)
    assert tn.serialization.MAX_EXPANDED_BYTES < 2**30
    small = zip_bomb(tmp_path / "small.npz", 2**21)                 # the same build, inflated
    with np.load(small, allow_pickle=False) as archive:
        inflated = archive["array_0"]
    assert inflated.size == 2**21 - len(npy_header(2**21)) and not inflated.any()


def test_the_cap_can_be_raised_and_counts_compressed_members_only(tmp_path):
    path = tmp_path / "compressed.npz"
    big = np.zeros(2**20, np.uint8)                                  # 1 MiB, deflated
    structure = json.dumps({"format": "tinynet", "version": 1, "object": {"ndarray": "array_0"}})
    np.savez_compressed(path, array_0=big, __tinynet_structure__=np.frombuffer(
        structure.encode(), np.uint8))
    with pytest.raises(CheckpointError, match="beyond the limit of 1,000"):
        tn.load(path, max_expanded_bytes=1000)
    assert tn.load(path, max_expanded_bytes=2**21).shape == (2**20,)
    assert tn.load(path).shape == (2**20,)                       # under the default cap
    plain = tmp_path / "plain.npz"
    tn.save({"w": tn.zeros(2**18)}, plain)                         # stored members: not counted
    assert tn.load(plain, max_expanded_bytes=10)["w"].shape == (2**18,)


# --- PyTorch's calling conventions: file objects, weights_only, map_location, pickle_module -----

def test_file_objects_round_trip(tmp_path):
    state = {"w": tn.tensor([[1.0, 2.0]]), "step": 3}
    buffer = io.BytesIO()
    tn.save(state, buffer)
    buffer.seek(0)
    loaded = tn.load(buffer)
    np.testing.assert_array_equal(loaded["w"].numpy(), [[1.0, 2.0]])
    assert loaded["step"] == 3
    with open(tmp_path / "model.pt", "wb") as file:
        tn.save(state, file)
    with open(tmp_path / "model.pt", "rb") as file:
        assert tn.load(file)["step"] == 3
    assert tn.load(str(tmp_path / "model.pt"))["step"] == 3  # a str path
    assert tn.load(tmp_path / "model.pt")["step"] == 3  # an os.PathLike


def test_a_file_object_is_read_from_its_current_position():
    buffer = io.BytesIO()
    buffer.write(b"header")
    tn.save({"a": 1}, buffer)
    buffer.seek(len(b"header"))
    assert tn.load(buffer) == {"a": 1}


def test_text_files_are_refused(tmp_path):
    with open(tmp_path / "text.pt", "w") as file, pytest.raises(TypeError, match="binary file"):
        tn.save({"a": 1}, file)
    tn.save({"a": 1}, tmp_path / "model.pt")
    with (open(tmp_path / "model.pt", encoding="latin-1") as file,
          pytest.raises(TypeError, match="binary file object")):
        tn.load(file)
    with pytest.raises(TypeError, match="file path .* or a binary file object"):
        tn.save({"a": 1}, 42)


def test_a_pickle_in_a_file_object_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "pwned"
    buffer = io.BytesIO(pickle.dumps({"w": CreatesAFileWhenUnpickled(marker)}))
    with pytest.raises(CheckpointError, match="the file object is not a tinynet checkpoint"):
        tn.load(buffer, weights_only=False)
    assert not marker.exists()


def test_the_expansion_cap_applies_to_file_objects():
    buffer = io.BytesIO()
    np.savez_compressed(buffer, big=np.zeros(2**20))
    buffer.seek(0)
    with pytest.raises(CheckpointError, match="would expand to"):
        tn.load(buffer, max_expanded_bytes=1000)


@pytest.mark.parametrize("weights_only", [None, True, False])
def test_weights_only_is_accepted_whatever_its_value(weights_only):
    buffer = io.BytesIO()
    tn.save({"w": tn.ones(2)}, buffer)
    buffer.seek(0)
    assert tn.load(buffer, weights_only=weights_only)["w"].tolist() == [1.0, 1.0]


@pytest.mark.parametrize(
    "map_location", ["cpu", "cpu:0", {"cuda:0": "cpu"}, {"cpu": "cpu"}, None],
    ids=["cpu", "cpu:0", "dict-cuda-to-cpu", "dict-cpu", "none"],
)
def test_map_location_to_the_cpu_is_accepted(map_location):
    buffer = io.BytesIO()
    tn.save({"w": tn.ones(2)}, buffer)
    buffer.seek(0)
    assert tn.load(buffer, map_location=map_location)["w"].tolist() == [1.0, 1.0]


@pytest.mark.parametrize("map_location", ["cuda", "cuda:1", {"cpu": "cuda:0"}, "mps"])
def test_map_location_to_another_device_is_refused(map_location):
    buffer = io.BytesIO()
    tn.save({"w": tn.ones(2)}, buffer)
    buffer.seek(0)
    with pytest.raises(RuntimeError, match="CPU only"):
        tn.load(buffer, map_location=map_location)


def test_a_map_location_callable_is_applied_to_every_tensor():
    buffer = io.BytesIO()
    tn.save({"w": tn.ones(2), "nested": [tn.zeros(1)], "n": 5}, buffer)
    seen = []

    def mapper(tensor, location):
        seen.append(location)
        return tensor * 2

    buffer.seek(0)
    loaded = tn.load(buffer, map_location=mapper)
    assert loaded["w"].tolist() == [2.0, 2.0] and loaded["nested"][0].tolist() == [0.0]
    assert loaded["n"] == 5 and seen == ["cpu", "cpu"]
    buffer.seek(0)
    assert tn.load(buffer, map_location=lambda storage, loc: storage)["w"].tolist() == [1.0, 1.0]
    buffer.seek(0)
    with pytest.raises(TypeError, match="must return a Tensor"):
        tn.load(buffer, map_location=lambda storage, loc: None)
    buffer.seek(0)
    with pytest.raises(TypeError, match="map_location must be"):
        tn.load(buffer, map_location=3)


@pytest.mark.torch
def test_torch_devices_as_map_location():
    torch = pytest.importorskip("torch")
    buffer = io.BytesIO()
    tn.save({"w": tn.ones(2)}, buffer)
    buffer.seek(0)
    assert tn.load(buffer, map_location=torch.device("cpu"))["w"].tolist() == [1.0, 1.0]
    buffer.seek(0)
    with pytest.raises(RuntimeError, match="'cuda:0' cannot be honoured"):
        tn.load(buffer, map_location=torch.device("cuda:0"))


def test_pickle_module_must_be_the_standard_one(tmp_path):
    dill = types.ModuleType("dill")
    with pytest.raises(ValueError, match="pickle_module=dill is not supported"):
        tn.save({"a": 1}, tmp_path / "a.pt", pickle_module=dill)
    tn.save({"a": 1}, tmp_path / "a.pt", pickle_module=pickle, pickle_protocol=4)
    assert tn.load(tmp_path / "a.pt", pickle_module=pickle) == {"a": 1}
    with pytest.raises(ValueError, match="pickle_module=dill"):
        tn.load(tmp_path / "a.pt", pickle_module=dill)


def test_unpickler_arguments_are_accepted_and_others_refused(tmp_path):
    tn.save({"a": 1}, tmp_path / "a.pt")
    assert tn.load(tmp_path / "a.pt", encoding="latin1") == {"a": 1}
    with pytest.raises(TypeError, match="unexpected keyword argument.*map_locaton"):
        tn.load(tmp_path / "a.pt", map_locaton="cpu")


def test_mmap_needs_a_path(tmp_path):
    tn.save({"a": 1}, tmp_path / "a.pt")
    assert tn.load(tmp_path / "a.pt", mmap=True) == {"a": 1}
    with (open(tmp_path / "a.pt", "rb") as file,
          pytest.raises(ValueError, match="file path in order to use the mmap")):
        tn.load(file, mmap=True)


@pytest.mark.torch
def test_signatures_match_torch():
    torch = pytest.importorskip("torch")

    def described(function):
        return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]

    assert described(tn.save) == described(torch.save)
    # load has one more keyword-only argument, tinynet's max_expanded_bytes
    ours = [p for p in described(tn.load) if p[0] != "max_expanded_bytes"]
    assert ours == described(torch.load)


@pytest.mark.torch
def test_a_pytorch_checkpoint_is_refused_with_a_clear_message(tmp_path):
    torch = pytest.importorskip("torch")
    torch.save({"w": torch.ones(2)}, tmp_path / "torch.pt")
    with pytest.raises(CheckpointError, match="torch.pt is a PyTorch checkpoint"):
        tn.load(tmp_path / "torch.pt")


def test_saving_a_whole_model_says_to_save_its_state_dict(tmp_path):
    model = nn.Linear(2, 3)
    with pytest.raises(TypeError, match="cannot save Linear at the top level.*save its state_dict"):
        tn.save(model, tmp_path / "model.pt")
    optimizer = tn.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(TypeError, match="SGD at the top level\\['optimizer'\\].*save its state_dict"):
        tn.save({"optimizer": optimizer}, tmp_path / "model.pt")
    assert not (tmp_path / "model.pt").exists()
