"""``tinynet.accelerator``: PyTorch's device-agnostic accelerator queries, answered for a CPU-only
library: no accelerator is available, so code written as
``torch.accelerator.current_accelerator() if torch.accelerator.is_available() else "cpu"`` picks
the CPU."""

from __future__ import annotations

from tinynet.device import CPUOnlyError


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def current_accelerator(check_available: bool = False):
    """None (there is none); with ``check_available=True`` also None, as PyTorch's when no
    accelerator is available."""
    return None


def current_device_index() -> int:
    raise CPUOnlyError("torch.accelerator.current_device_index(): no accelerator; tinynet runs "
                       "on the CPU only")
