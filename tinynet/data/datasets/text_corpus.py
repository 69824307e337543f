"""Text that every machine has, for character language models: the docstrings of Python's
standard library (read from its source files, never imported), or any text file; a train /
validation split; and the stream layout of truncated backpropagation through time.

    text = stdlib_docstrings(max_chars=1_000_000)      # or read_text_file("book.txt")
    train_text, val_text = split_text(text)             # the last 10% is held out
    vocab = CharVocabulary([train_text], unk_token="<unk>")
    streams = batchify(vocab.encode(train_text), batch_size=32)   # int64 (32, L)
    for inputs, targets in bptt_chunks(streams, seq_len=100): ...  # (32, <=100) each
"""

from __future__ import annotations

import ast
import sysconfig
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from tinynet.tensor import Tensor

SKIPPED_FOLDERS = frozenset({"site-packages", "dist-packages", "test", "tests", "idlelib",
                             "__pycache__", "turtledemo"})


def _docstrings(tree: ast.AST) -> Iterator[str]:
    """The docstrings of a module, its classes and functions, in source order."""
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    if isinstance(tree, kinds):
        docstring = ast.get_docstring(tree, clean=True)
        if docstring:
            yield docstring
    for child in ast.iter_child_nodes(tree):
        yield from _docstrings(child)


def stdlib_source_files(stdlib: str | Path | None = None) -> list[Path]:
    """The standard library's .py files, sorted by path: under ``stdlib`` (default
    ``sysconfig.get_paths()["stdlib"]``), leaving out installed packages and test suites
    (``SKIPPED_FOLDERS``)."""
    root = Path(stdlib if stdlib is not None else sysconfig.get_paths()["stdlib"])
    if not root.is_dir():
        raise FileNotFoundError(f"the standard library folder {str(root)!r} does not exist")
    return sorted(path for path in root.rglob("*.py")
                  if not SKIPPED_FOLDERS.intersection(path.relative_to(root).parts[:-1]))


def stdlib_docstrings(max_chars: int = 2_000_000, stdlib: str | Path | None = None) -> str:
    """The docstrings of the standard library, joined by blank lines, at most ``max_chars``
    characters (whole docstrings only).

    Files are read in sorted path order and parsed with ``ast`` (nothing is imported or run);
    within a file the order is the source order (module, then classes and functions as they
    appear). Files that do not parse or decode are skipped. The result is the same on every run
    of the same Python installation; the whole CPython 3.11 library gives about 1.7 million
    characters.
    """
    if max_chars < 1:
        raise ValueError(f"max_chars must be positive, but got {max_chars}")
    pieces, size = [], 0
    for path in stdlib_source_files(stdlib):
        try:
            tree = ast.parse(path.read_bytes(), filename=str(path))
        except (SyntaxError, ValueError, UnicodeDecodeError):
            continue
        for docstring in _docstrings(tree):
            added = len(docstring) + (2 if pieces else 0)
            if size + added > max_chars:
                return "\n\n".join(pieces)
            pieces.append(docstring)
            size += added
    return "\n\n".join(pieces)


def read_text_file(path: str | Path, max_chars: int | None = None) -> str:
    """The text of a UTF-8 file (undecodable bytes become U+FFFD), cut to ``max_chars``."""
    text = Path(path).expanduser().read_text(encoding="utf-8", errors="replace")
    if not text:
        raise ValueError(f"the text file {str(path)!r} is empty")
    return text if max_chars is None else text[:max_chars]


def split_text(text: str, val_fraction: float = 0.1) -> tuple[str, str]:
    """``(train, val)``: the text cut once, at the first line break at or after
    ``len(text) * (1 - val_fraction)`` (at that character when there is none), so validation is
    the contiguous tail - held-out text the model never saw, not random lines from inside the
    training text."""
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be between 0 and 1, but got {val_fraction}")
    point = int(len(text) * (1 - val_fraction))
    newline = text.find("\n", point)
    cut = newline + 1 if newline != -1 and newline + 1 < len(text) else point
    if cut == 0 or cut >= len(text):
        raise ValueError(f"a text of {len(text)} characters is too short to split")
    return text[:cut], text[cut:]


def batchify(indices, batch_size: int) -> Tensor:
    """Lay a stream of token indices out as ``batch_size`` parallel streams: int64
    (batch_size, L), L = len // batch_size, row b the b-th consecutive piece (the leftover tokens
    at the end are dropped). Carrying the hidden state from one chunk of the columns to the
    next is truncated backpropagation through time."""
    values = indices.numpy() if isinstance(indices, Tensor) else np.asarray(indices)
    length = len(values) // batch_size
    if batch_size < 1 or length < 2:
        raise ValueError(f"{len(values)} tokens are too few for {batch_size} streams of at "
                         f"least 2 tokens")
    return Tensor._make(values[:batch_size * length].reshape(batch_size, length).astype(np.int64))


def bptt_chunks(streams: Tensor, seq_len: int) -> Iterator[tuple[Tensor, Tensor]]:
    """``(inputs, targets)`` chunks of ``batchify``'s streams, left to right: inputs
    streams[:, i:i + seq_len], targets the same shifted by one step (the next token), so the
    last chunk may be shorter. Detach the hidden state between chunks."""
    if seq_len < 1:
        raise ValueError(f"seq_len must be positive, but got {seq_len}")
    values = streams.numpy()
    for start in range(0, values.shape[1] - 1, seq_len):
        stop = min(start + seq_len, values.shape[1] - 1)
        yield (Tensor._make(np.ascontiguousarray(values[:, start:stop])),
               Tensor._make(np.ascontiguousarray(values[:, start + 1:stop + 1])))
