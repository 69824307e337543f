"""``tinynet.cuda``: what PyTorch's ``torch.cuda`` answers on a machine without a GPU.

tinynet computes on the CPU only, so ``is_available()`` is False and ``device_count()`` is 0.
The seeding functions are accepted and do nothing, as PyTorch's do when CUDA is absent (there is no
CUDA generator to seed), and ``empty_cache`` frees nothing, as PyTorch's does before CUDA is
initialised. Calls that need a GPU raise an error that says so.
"""

from __future__ import annotations

from tinynet.device import CPUOnlyError


def is_available() -> bool:
    """False: tinynet has no CUDA backend."""
    return False


def device_count() -> int:
    """0: tinynet sees no CUDA device."""
    return 0


def is_initialized() -> bool:
    return False


def manual_seed(seed: int) -> None:
    """Accepted and ignored: there is no CUDA generator (``tinynet.manual_seed`` seeds tinynet)."""
    int(seed)


def manual_seed_all(seed: int) -> None:
    """Accepted and ignored, as ``manual_seed``."""
    int(seed)


def empty_cache() -> None:
    """Nothing to free: tinynet holds no GPU memory."""


def _refuse(what: str):
    raise CPUOnlyError(f"torch.cuda.{what}(): no CUDA device; tinynet runs on the CPU only "
                       "(torch.cuda.is_available() is False)")


def current_device() -> int:
    _refuse("current_device")


def synchronize(device=None) -> None:  # noqa: ARG001 - PyTorch's signature
    _refuse("synchronize")


def get_device_name(device=None) -> str:  # noqa: ARG001
    _refuse("get_device_name")


def set_device(device) -> None:  # noqa: ARG001
    _refuse("set_device")
