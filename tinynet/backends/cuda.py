"""``tinynet.backends.cuda``: the CUDA matmul switches PyTorch code sets, kept as plain attributes
(tinynet has no CUDA, so they change nothing)."""

from __future__ import annotations


class _MatmulFlags:
    """``backends.cuda.matmul``: the reduced-precision switches of CUDA matmuls."""

    def __init__(self):
        self.allow_tf32 = False
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True


matmul = _MatmulFlags()


def is_built() -> bool:
    return False
