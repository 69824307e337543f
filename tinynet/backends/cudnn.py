"""``tinynet.backends.cudnn``: the cuDNN flags PyTorch code sets before training, kept as plain
attributes so that setting them works; tinynet has no cuDNN, so they change nothing (tinynet's
kernels are deterministic for a given thread count and need no autotuning)."""

from __future__ import annotations

benchmark = False
deterministic = False
enabled = True
allow_tf32 = True


def is_available() -> bool:
    return False


def version():
    """None: cuDNN is not present."""
    return None
