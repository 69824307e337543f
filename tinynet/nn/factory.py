"""The ``device=`` and ``dtype=`` arguments that every PyTorch layer with parameters takes.

tinynet computes on the CPU only: ``device`` may be None, ``"cpu"`` (or ``"cpu:0"``) or any object
whose ``str`` is one of those (such as a ``torch.device``-like object); any other device is refused
with a ValueError that says so. ``dtype`` is the dtype the parameters are created in (None: the
default float dtype).
"""

from __future__ import annotations

_CPU_NAMES = ("cpu", "cpu:0")


def check_device(device, name: str) -> None:
    """Accept ``device`` if it names the CPU (or is None); refuse any other device clearly."""
    if device is None:
        return
    text = device if isinstance(device, str) else str(device)
    if text not in _CPU_NAMES:
        raise ValueError(
            f"{name}: device {text!r} is not available; tinynet runs on the CPU only "
            f"(use device=None or 'cpu')"
        )
