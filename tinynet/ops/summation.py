"""np.sum over several axes, with the batch axis summed first where that is faster.

NumPy reduces several axes of a C-contiguous array in one pass whose inner loop runs along the last
axis. For the sums of training over every axis but the channel axis 1 (batch-norm statistics,
bias gradients: (N, C, L) over (0, 2), (N, C, H, W) over (0, 2, 3)) that inner loop is short (L or
H·W) and slow. Summing axis 0 first adds whole contiguous rows, which vectorizes, and leaves an
array N times smaller, with rounding errors no larger. On arrays that are not C-contiguous (transposed views) the one pass is as fast or
faster, so they keep it.
"""

from __future__ import annotations

import numpy as np

from tinynet.ops.dims import keepdim_shape


def sum_axes(array: np.ndarray, axes: tuple, keepdims: bool = False) -> np.ndarray:
    """The same values as ``np.sum(array, axis=axes, keepdims=keepdims)`` (float dtypes)."""
    if (0 not in axes or len(axes) < 2 or len(axes) == array.ndim
            or not array.flags.c_contiguous):
        return np.sum(array, axis=axes, keepdims=keepdims)
    summed = array.sum(axis=0).sum(axis=tuple(axis - 1 for axis in axes if axis != 0))
    return summed.reshape(keepdim_shape(array.shape, axes)) if keepdims else summed
