"""``tinynet.backends``: the switches PyTorch code sets for its backends, accepted as plain
settings. tinynet computes with NumPy and Numba on the CPU, so ``mps`` reports unavailable and the
``cudnn`` flags change nothing."""

from tinynet.backends import cudnn, mps

__all__ = ["cudnn", "mps"]
