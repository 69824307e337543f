"""MNIST and Fashion-MNIST from IDX files in a folder, with an optional checked download.

The IDX format (LeCun): two zero bytes, a type code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C
int32, 0x0D float32, 0x0E float64), the number of dimensions, each dimension as a big-endian
uint32, then the values, big-endian, row-major. Files may be gzip-compressed.

    train = MNIST("~/data/mnist", train=True, download=True)   # needs a network the first time
    image, label = train[0]       # float32 (1, 28, 28) in [0, 1], int64 scalar

``download=True`` fetches the four ``.gz`` files that are missing from the first mirror that
answers (bounded by ``timeout`` seconds per request), checks each file's MD5 or SHA-256 before
moving it into place, and never keeps a partial or corrupt file.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from tinynet.data.datasets.base import ArrayDataset, data_home
from tinynet.tensor import Tensor

IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


class ChecksumError(RuntimeError):
    """A downloaded file's digest differs from the published one."""


def _open_bytes(path: str | Path) -> bytes:
    raw = Path(path).read_bytes()
    return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw


def read_idx(path: str | Path) -> np.ndarray:
    """The array stored in an IDX file (gzip or not), in native byte order and its own dtype
    (uint8 for MNIST images (N, 28, 28) and labels (N,))."""
    raw = _open_bytes(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_TYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number {raw[:4].hex()})")
    dtype, ndim = np.dtype(IDX_TYPES[raw[2]]), raw[3]
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    offset = 4 + 4 * ndim
    expected = offset + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        raise ValueError(f"{path}: the header announces shape {list(shape)} ({expected} bytes) "
                         f"but the file holds {len(raw)} bytes")
    values = np.frombuffer(raw, dtype, offset=offset).reshape(shape)
    return values.astype(dtype.newbyteorder("="))


def write_idx(path: str | Path, array: np.ndarray) -> None:
    """Write ``array`` as an IDX file (gzip-compressed when ``path`` ends in .gz)."""
    codes = {np.dtype(name).newbyteorder("="): code for code, name in IDX_TYPES.items()}
    array = np.asarray(array)
    if array.dtype not in codes:
        raise TypeError(f"IDX cannot store dtype {array.dtype}")
    header = bytes([0, 0, codes[array.dtype], array.ndim])
    header += np.asarray(array.shape, ">u4").tobytes()
    raw = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    Path(path).write_bytes(gzip.compress(raw) if str(path).endswith(".gz") else raw)


def file_digest(path: str | Path, algorithm: str) -> str:
    """The hex digest of a file's bytes ("md5" or "sha256")."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download_file(url: str, path: str | Path, checksum: tuple[str, str] | None = None,
                  timeout: float = 30.0) -> Path:
    """Fetch ``url`` into ``path`` through a temporary file, check ``checksum`` (an
    (algorithm, hex digest) pair, e.g. ("md5", "f68b...")), then move it into place.

    Raises ``urllib.error.URLError`` (or ``TimeoutError``) when the server does not answer within
    ``timeout`` seconds, and ``ChecksumError`` when the digest differs; neither leaves a file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(temporary, "wb") as out:
            for chunk in iter(lambda: response.read(1 << 20), b""):
                out.write(chunk)
        if checksum is not None:
            algorithm, expected = checksum
            actual = file_digest(temporary, algorithm)
            if actual != expected.lower():
                raise ChecksumError(f"{url}: {algorithm} is {actual}, expected {expected}")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


class MNIST(ArrayDataset):
    """MNIST digits from ``root`` (default ``data_home()/"MNIST"``): 60,000 train / 10,000 test.

    ``dataset[i] == (image, label)``: image float32 (1, 28, 28) in [0, 1], label an int64 scalar
    tensor in 0..9. ``.data`` keeps the uint8 pixels (N, 28, 28), ``.targets`` int64 (N,).
    The files may sit in ``root`` gzip-compressed or not (``train-images-idx3-ubyte[.gz]``...).
    ``download=True`` fetches missing files from ``mirrors`` (default: the class's list, which
    tests replace by a local server) and checks them against ``resources``.
    """

    mirrors: Sequence[str] = ("https://ossci-datasets.s3.amazonaws.com/mnist/",
                              "https://storage.googleapis.com/cvdf-datasets/mnist/")
    resources: dict[str, tuple[str, str]] = {
        "train-images-idx3-ubyte.gz": ("md5", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        "train-labels-idx1-ubyte.gz": ("md5", "d53e105ee54ea40749a09fcbcd1e9432"),
        "t10k-images-idx3-ubyte.gz": ("md5", "9fb629c4189551a2d022fa330f9573f3"),
        "t10k-labels-idx1-ubyte.gz": ("md5", "ec29112dd5afa0611ce80d1b7f02629c"),
    }
    classes = [str(digit) for digit in range(10)]

    def __init__(self, root: str | Path | None = None, train: bool = True,
                 transform: Callable | None = None, target_transform: Callable | None = None,
                 download: bool = False, mirrors: Sequence[str] | None = None,
                 timeout: float = 30.0):
        self.root = Path(root).expanduser() if root is not None else data_home() / type(self).__name__
        prefix = "train" if train else "t10k"
        names = [f"{prefix}-images-idx3-ubyte.gz", f"{prefix}-labels-idx1-ubyte.gz"]
        if download:
            self.download(names, mirrors if mirrors is not None else self.mirrors, timeout)
        images, labels = (read_idx(self._find(name)) for name in names)
        super().__init__(images, labels.astype(np.int64), transform, target_transform)

    def _find(self, name: str) -> Path:
        for candidate in (self.root / name, self.root / name.removesuffix(".gz")):
            if candidate.exists():
                return candidate
        raise FileNotFoundError(f"{type(self).__name__}: {name} not found in {self.root}; put the "
                                f"IDX files there or pass download=True")

    def download(self, names: Sequence[str], mirrors: Sequence[str], timeout: float) -> None:
        """Fetch each missing file in ``names`` from the first mirror that serves it."""
        for name in names:
            if (self.root / name).exists() or (self.root / name.removesuffix(".gz")).exists():
                continue
            errors = []
            for mirror in mirrors:
                try:
                    download_file(mirror.rstrip("/") + "/" + name, self.root / name,
                                  self.resources.get(name), timeout)
                    break
                except (OSError, ChecksumError) as error:  # URLError and timeouts are OSErrors
                    errors.append(f"{mirror}: {error}")
            else:
                raise RuntimeError(f"could not download {name}: " + "; ".join(errors))

    def __getitem__(self, index):
        image = Tensor._make((self.data[index].astype(np.float32) / 255.0)[None])
        target = Tensor._make(np.asarray(self.targets[index]))
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST, the same format and shapes as ``MNIST``: 10 kinds of clothing."""

    mirrors = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",)
    resources = {
        "train-images-idx3-ubyte.gz": ("md5", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        "train-labels-idx1-ubyte.gz": ("md5", "25c81989df183df01b3e8a0aad5dffbe"),
        "t10k-images-idx3-ubyte.gz": ("md5", "bef4ecab320f06d8554ea6380940ec79"),
        "t10k-labels-idx1-ubyte.gz": ("md5", "bb300cfdad3c16e7a12a480ee83cd310"),
    }
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]
