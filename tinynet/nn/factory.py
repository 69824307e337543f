"""The ``device=`` and ``dtype=`` arguments that every PyTorch layer with parameters takes.

tinynet computes on the CPU only: ``device`` may be None or name the CPU (``"cpu"``, ``"cpu:0"``,
``tinynet.device("cpu")``); any other device is refused with ``tinynet.device.CPUOnlyError``
(a RuntimeError and a ValueError) that names it. ``dtype`` is the dtype the parameters are
created in (None: the default float dtype).
"""

from __future__ import annotations

from tinynet import device as devices


def check_device(device, name: str) -> None:
    """Accept ``device`` if it names the CPU (or is None); refuse any other device, naming the
    layer ``name`` that was asked for it."""
    try:
        devices.check_device(device)
    except devices.CPUOnlyError as error:
        raise devices.CPUOnlyError(f"{name}: {error}") from None
