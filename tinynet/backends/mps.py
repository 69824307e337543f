"""``tinynet.backends.mps``: Apple's Metal backend is not part of tinynet (CPU only)."""

from __future__ import annotations


def is_available() -> bool:
    return False


def is_built() -> bool:
    return False
