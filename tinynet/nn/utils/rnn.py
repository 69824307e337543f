"""Utilities for batches of sequences (PyTorch's nn.utils.rnn): ``pad_sequence``.

Packed sequences (``PackedSequence``, ``pack_padded_sequence``, ...) are not provided: pad the
sequences and feed the padded batch to the recurrent layers.
"""

from __future__ import annotations

from tinynet import creation, ops
from tinynet.errors import ArgumentError, ShapeError
from tinynet.tensor import Tensor


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack sequences of different lengths into one tensor, padding them with ``padding_value``.

    ``sequences``: B tensors of shapes (L_i, *) with the same trailing dims * (or one tensor,
    taken as its slices along dim 0). Returns (T, B, *), or (B, T, *) with ``batch_first``, where
    T = max L_i; the padding goes after each sequence (``padding_side='right'``) or before it
    (``'left'``). The result has the first sequence's dtype and passes gradients back to every
    sequence (the padding gets none)."""
    if padding_side not in ("left", "right"):
        raise ArgumentError(f"pad_sequence: Expected padding_side to be one of left or right, "
                            f"but got {padding_side!r}")
    sequences = list(ops.unbind(sequences, 0)) if isinstance(sequences, Tensor) else list(sequences)
    if not sequences:
        raise ArgumentError("pad_sequence: received an empty list of sequences")
    for index, sequence in enumerate(sequences):
        if not isinstance(sequence, Tensor):
            raise TypeError(f"pad_sequence: sequence {index} is a {type(sequence).__name__}, "
                            f"expected a Tensor")
        if sequence.ndim == 0:
            raise ShapeError(f"pad_sequence: sequence {index} is 0-d; each sequence needs a "
                             f"length dimension (shape (L, *))")
        if sequence.shape[1:] != sequences[0].shape[1:]:
            raise ShapeError(
                f"pad_sequence: the sequences must share their trailing dims, but sequence "
                f"{index} has shape {list(sequence.shape)} and sequence 0 "
                f"{list(sequences[0].shape)}")
    dtype, trailing = sequences[0].dtype, tuple(sequences[0].shape[1:])
    longest = max(sequence.shape[0] for sequence in sequences)
    padded = []
    for sequence in sequences:
        if sequence.dtype != dtype:
            sequence = sequence.to(dtype)
        missing = longest - sequence.shape[0]
        if missing:
            fill = creation.full((missing,) + trailing, padding_value, dtype=dtype)
            sequence = ops.cat([sequence, fill] if padding_side == "right" else [fill, sequence])
        padded.append(sequence)
    return ops.stack(padded, 0 if batch_first else 1)


__all__ = ["pad_sequence"]
