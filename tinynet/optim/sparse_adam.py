"""SparseAdam, refused: it exists for sparse gradients, which tinynet does not have."""

from __future__ import annotations

from tinynet.optim.optimizer import ParamsT


class SparseAdam:
    """PyTorch's Adam for sparse gradients (``nn.Embedding(sparse=True)``), which updates only the
    rows a batch touched. tinynet's gradients are always dense arrays, so there is nothing for it
    to do: constructing one raises ``RuntimeError``, as PyTorch's does at its first step on a dense
    gradient. Use ``Adam`` (the same update on every row) or ``AdamW``. The signature is PyTorch's.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        maximize: bool = False,
    ):
        raise RuntimeError(
            "SparseAdam is not supported: tinynet has no sparse gradients (every gradient is a "
            "dense array), and SparseAdam does not support dense gradients; use optim.Adam "
            "instead"
        )
