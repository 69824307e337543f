"""The IDX parser and the MNIST download path, against files the test writes and serves itself
from a local HTTP server on 127.0.0.1 (no network)."""

import contextlib
import functools
import http.server
import socket
import threading

import numpy as np
import pytest

from tinynet.data import DataLoader
from tinynet.data.datasets import (
    MNIST,
    ChecksumError,
    FashionMNIST,
    download_file,
    read_idx,
    write_idx,
)
from tinynet.data.datasets.idx import file_digest

NAMES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
         "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_idx_round_trip(tmp_path, dtype, suffix):
    array = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    write_idx(tmp_path / f"a.idx{suffix}", array)
    loaded = read_idx(tmp_path / f"a.idx{suffix}")
    assert loaded.dtype == np.dtype(dtype) and loaded.dtype.isnative
    np.testing.assert_array_equal(loaded, array)


def test_idx_header_is_big_endian_as_specified(tmp_path):
    write_idx(tmp_path / "labels.idx", np.array([7, 1], np.uint8))
    assert (tmp_path / "labels.idx").read_bytes() == bytes([0, 0, 8, 1, 0, 0, 0, 2, 7, 1])


def test_idx_rejects_bad_files(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(tmp_path / "bad")
    (tmp_path / "short").write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 5, 1, 2]))
    with pytest.raises(ValueError, match="holds 10 bytes"):
        read_idx(tmp_path / "short")


def write_fake_mnist(folder, train_count=12, test_count=5):
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    for prefix, count in [("train", train_count), ("t10k", test_count)]:
        write_idx(folder / f"{prefix}-images-idx3-ubyte.gz",
                  rng.integers(0, 256, (count, 28, 28)).astype(np.uint8))
        write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz",
                  rng.integers(0, 10, count).astype(np.uint8))


def test_mnist_reads_a_folder(tmp_path):
    write_fake_mnist(tmp_path)
    train, test = MNIST(tmp_path, train=True), MNIST(tmp_path, train=False)
    assert (len(train), len(test)) == (12, 5)
    image, label = train[0]
    assert image.shape == (1, 28, 28) and image.dtype == np.float32
    assert 0 <= image.numpy().min() and image.numpy().max() <= 1 and label.dtype == np.int64
    assert train.data.dtype == np.uint8 and train.targets.dtype == np.int64
    images, labels = next(iter(DataLoader(train, batch_size=4)))
    assert images.shape == (4, 1, 28, 28) and labels.shape == (4,)


def test_mnist_missing_files_say_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="download=True"):
        FashionMNIST(tmp_path)


@contextlib.contextmanager
def serve(folder):
    """An HTTP server for ``folder`` on 127.0.0.1 (loopback only), on a free port."""
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def closed_port_url():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/"


def local_mnist_class(folder, algorithm="sha256"):
    """MNIST whose published checksums are those of the fake files in ``folder``."""
    digests = {name: (algorithm, file_digest(folder / name, algorithm)) for name in NAMES}
    return type("LocalMNIST", (MNIST,), {"resources": digests})


def test_download_fetches_checks_and_loads(tmp_path):
    served, target = tmp_path / "served", tmp_path / "target"
    write_fake_mnist(served)
    LocalMNIST = local_mnist_class(served)
    with serve(served) as url:
        # an unreachable mirror first: the download moves on to the next one
        train = LocalMNIST(target, train=True, download=True, mirrors=[closed_port_url(), url],
                           timeout=5)
    assert len(train) == 12
    assert sorted(p.name for p in target.iterdir()) == sorted(NAMES[:2])
    np.testing.assert_array_equal(train.data, MNIST(served).data)
    # the files are there now: no server needed
    assert len(LocalMNIST(target, train=True, download=True, mirrors=[])) == 12


def test_download_accepts_md5(tmp_path):
    served = tmp_path / "served"
    write_fake_mnist(served)
    with serve(served) as url:
        test = local_mnist_class(served, "md5")(tmp_path / "t", train=False, download=True,
                                                mirrors=[url])
    assert len(test) == 5


def test_download_with_a_wrong_checksum_keeps_no_file(tmp_path):
    served, target = tmp_path / "served", tmp_path / "target"
    write_fake_mnist(served)
    with serve(served) as url:  # the real MNIST checksums do not match the fake files
        with pytest.raises(RuntimeError, match="md5 is"):
            MNIST(target, download=True, mirrors=[url], timeout=5)
        with pytest.raises(ChecksumError):
            download_file(url + NAMES[0], target / "x.gz", ("sha256", "0" * 64), timeout=5)
    assert not target.exists() or list(target.iterdir()) == []


def test_download_of_a_missing_file_names_it(tmp_path):
    with serve(tmp_path) as url:
        with pytest.raises(RuntimeError, match="could not download train-images"):
            MNIST(tmp_path / "target", download=True, mirrors=[url], timeout=5)
