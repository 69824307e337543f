"""``tinynet.backends``: the switches PyTorch code sets for its backends, accepted as plain
settings. tinynet computes with NumPy and Numba on the CPU, so ``mps`` reports unavailable and the
``cudnn`` flags change nothing."""

import warnings

from tinynet.backends import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps"]

_MATMUL_PRECISIONS = ("highest", "high", "medium")
_float32_matmul_precision = "highest"


def set_float32_matmul_precision(precision: str) -> None:
    """Record PyTorch's float32 matmul precision setting ("highest", "high" or "medium"; any other
    value is ignored with a warning, as in PyTorch). tinynet's float32 products are always
    computed in full float32 ("highest"): the lower settings allow TF32 or bfloat16 inside GPU and
    oneDNN kernels, which tinynet does not use."""
    global _float32_matmul_precision
    if precision not in _MATMUL_PRECISIONS:
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
                      "set_float32_matmul_precision call has no effect.", UserWarning,
                      stacklevel=2)
        return
    _float32_matmul_precision = precision


def get_float32_matmul_precision() -> str:
    """The setting last given to ``set_float32_matmul_precision`` ("highest" by default)."""
    return _float32_matmul_precision
