"""The building blocks of Winograd's F(4x4, 3x3) convolution (tinynet/ops/conv_winograd.py): a
small matrix applied to windows of rows, and the transposes to and from a planes-last layout.

A 2-D Winograd transform of 6x6 tiles that start every 4 rows and columns is one 1-D transform
applied twice, once along the rows and once along the columns. The 1-D transform of a matrix L
(r x s) over windows of s rows starting every `step` rows, and its adjoint, are

    tile_transform:          out[z, k, q, t, b] = Σ_l L[k, l] · src[z, q, step·t + l, b]
    tile_transform_adjoint:  src[z, q, step·t + l, b] = Σ_{t, k} L[k, l] · out[z, k, q, t, b]

(src rows past the end count as 0 in the first; contributions to them are dropped in the
second). z and q are batch axes: z goes before the new axis k, q after it, which is how two
passes give [k1, k2, tile row, tile column, ...] without a copy in between.

The arrays are planes-last, (h, w, planes) with planes = n·c, so the innermost axis b runs over
every plane of the batch: each window row is one long contiguous multiply-add, which Numba
vectorizes. With planes first (NCHW) the innermost loops run over a tile's 4-6 elements; such
kernels measured 5-10x slower (64x16x16x16 input, 1 thread: 1.0-2.1 ms against 0.2 ms for one
pass), as did a per-tile kernel vectorized over channels: Numba cannot tell that its 36 input
and 36 output streams do not overlap, so LLVM leaves the loop scalar. `planes_last` and
`planes_first` are the transposes from and to NCHW (with the padding offset), blocked over 32
planes so that both sides stay in cache.
"""

import numpy as np

from tinynet.kernels.backend import dispatch
from tinynet.kernels.jit import njit

PLANE_BLOCK = 32  # planes per block in the Numba transposes


def _check_transform(matrix: np.ndarray, step: int, count: int, name: str) -> None:
    if matrix.ndim != 2 or step < 1 or count < 1:
        raise ValueError(f"{name}: expected a 2-D matrix, step >= 1 and {name.split()[-1]} >= 1, "
                         f"got matrix of shape {matrix.shape}, step {step}, {count}")


def tile_transform_numpy(src: np.ndarray, matrix: np.ndarray, step: int, tiles: int) -> np.ndarray:
    """out[z, k, q, t, b] = Σ_l matrix[k, l] · src[z, q, step·t + l, b], src rows past the end
    being 0. Shapes: src (Z, Q, A, B), matrix (r, s) -> out (Z, r, Q, tiles, B), src's dtype."""
    _check_transform(matrix, step, tiles, "tile_transform tiles")
    size = matrix.shape[1]
    rows = step * (tiles - 1) + size
    padded = np.zeros(src.shape[:2] + (max(rows, src.shape[2]),) + src.shape[3:], src.dtype)
    padded[:, :, : src.shape[2]] = src
    windows = np.lib.stride_tricks.sliding_window_view(padded, size, axis=2)[:, :, ::step]
    return np.einsum("kl,zqtbl->zkqtb", matrix.astype(src.dtype), windows[:, :, :tiles])


def tile_transform_adjoint_numpy(out: np.ndarray, matrix: np.ndarray, step: int,
                                 rows: int) -> np.ndarray:
    """src[z, q, step·t + l, b] = Σ_{t, k} matrix[k, l] · out[z, k, q, t, b] for the rows < `rows`
    (the rest are dropped): the adjoint of tile_transform.
    Shapes: out (Z, r, Q, T, B), matrix (r, s) -> src (Z, Q, rows, B), out's dtype."""
    _check_transform(matrix, step, rows, "tile_transform_adjoint rows")
    z, r, q, tiles, b = out.shape
    if matrix.shape[0] != r:
        raise ValueError(f"tile_transform_adjoint: matrix of shape {matrix.shape} does not match "
                         f"out of shape {out.shape} (expected {r} rows)")
    size = matrix.shape[1]
    span = step * (tiles - 1) + size
    src = np.zeros((z, q, max(span, rows), b), out.dtype)
    transformed = np.einsum("kl,zkqtb->zqtlb", matrix.astype(out.dtype), out)
    for l in range(size):  # window element l of every tile, one strided slice
        src[:, :, l : l + step * tiles : step] += transformed[:, :, :, l]
    return src[:, :, :rows].copy()


def planes_last_numpy(x: np.ndarray, pad_top: int, pad_left: int, rows: int,
                      columns: int) -> np.ndarray:
    """X[pad_top + i, pad_left + j, p] = x[p, i, j], 0 elsewhere, cut to rows x columns.
    Shapes: x (P, H, W) -> X (rows, columns, P), x's dtype."""
    planes, height, width = x.shape
    padded = np.zeros((max(rows, pad_top + height), max(columns, pad_left + width), planes),
                      x.dtype)
    padded[pad_top : pad_top + height, pad_left : pad_left + width] = x.transpose(1, 2, 0)
    return padded[:rows, :columns].copy()


def planes_first_numpy(x: np.ndarray, top: int, left: int, height: int, width: int) -> np.ndarray:
    """y[p, i, j] = x[top + i, left + j, p]: a height x width window of a planes-last array, in
    NCHW order. Shapes: x (rows, columns, P) -> y (P, height, width)."""
    if top + height > x.shape[0] or left + width > x.shape[1]:
        raise ValueError(f"planes_first: window ({top}:{top + height}, {left}:{left + width}) "
                         f"is outside x of shape {x.shape}")
    return x[top : top + height, left : left + width].transpose(2, 0, 1).copy()


@njit(cache=True, nogil=True)
def _tile_transform(src, matrix, step, out):
    # One output row at a time from the (up to) 6 rows of its window: rows past the end of src,
    # and window elements past `size`, read a zero row with coefficient 0.
    n_z, n_q, n_rows, n_b = src.shape
    _, n_k, _, n_tiles, _ = out.shape
    size = matrix.shape[1]
    zeros = np.zeros(n_b, src.dtype)
    coefficients = np.zeros(6, src.dtype)
    for z in range(n_z):
        for q in range(n_q):
            for t in range(n_tiles):
                for k in range(n_k):
                    for l in range(6):
                        row = step * t + l
                        inside = l < size and row < n_rows
                        coefficients[l] = matrix[k, l] if inside else 0
                    _combine_rows(src, z, q, step * t, size, zeros, coefficients, out[z, k, q, t])


@njit(cache=True, nogil=True, inline="always")
def _combine_rows(src, z, q, first, size, zeros, coefficients, out):
    n_rows = src.shape[2]
    r0 = src[z, q, first] if 0 < size and first < n_rows else zeros
    r1 = src[z, q, first + 1] if 1 < size and first + 1 < n_rows else zeros
    r2 = src[z, q, first + 2] if 2 < size and first + 2 < n_rows else zeros
    r3 = src[z, q, first + 3] if 3 < size and first + 3 < n_rows else zeros
    r4 = src[z, q, first + 4] if 4 < size and first + 4 < n_rows else zeros
    r5 = src[z, q, first + 5] if 5 < size and first + 5 < n_rows else zeros
    c0, c1, c2, c3, c4, c5 = (coefficients[0], coefficients[1], coefficients[2],
                              coefficients[3], coefficients[4], coefficients[5])
    for b in range(out.shape[0]):
        out[b] = c0 * r0[b] + c1 * r1[b] + c2 * r2[b] + c3 * r3[b] + c4 * r4[b] + c5 * r5[b]


@njit(cache=True, nogil=True)
def _tile_transform_adjoint(out, matrix, step, src):
    # Each src row gathers, tile by tile, Σ_k matrix[k, l] · out[z, k, q, t] over the (at most 6)
    # k of the tiles whose window covers it (l = row - step·t).
    n_z, n_q, n_rows, n_b = src.shape
    _, n_k, _, n_tiles, _ = out.shape
    size = matrix.shape[1]
    zeros = np.zeros(n_b, out.dtype)
    coefficients = np.zeros(6, out.dtype)
    for z in range(n_z):
        for q in range(n_q):
            for row in range(n_rows):
                target = src[z, q, row]
                for t in range(max(0, (row - size) // step + 1), min(n_tiles, row // step + 1)):
                    l = row - step * t
                    for k in range(6):
                        coefficients[k] = matrix[k, l] if k < n_k else 0
                    _accumulate_tile(out, z, q, t, n_k, zeros, coefficients, target)


@njit(cache=True, nogil=True, inline="always")
def _accumulate_tile(out, z, q, t, n_k, zeros, coefficients, target):
    r0 = out[z, 0, q, t] if 0 < n_k else zeros
    r1 = out[z, 1, q, t] if 1 < n_k else zeros
    r2 = out[z, 2, q, t] if 2 < n_k else zeros
    r3 = out[z, 3, q, t] if 3 < n_k else zeros
    r4 = out[z, 4, q, t] if 4 < n_k else zeros
    r5 = out[z, 5, q, t] if 5 < n_k else zeros
    c0, c1, c2, c3, c4, c5 = (coefficients[0], coefficients[1], coefficients[2],
                              coefficients[3], coefficients[4], coefficients[5])
    for b in range(target.shape[0]):
        target[b] += c0 * r0[b] + c1 * r1[b] + c2 * r2[b] + c3 * r3[b] + c4 * r4[b] + c5 * r5[b]


@njit(cache=True, nogil=True)
def _planes_last(x, pad_top, pad_left, out):
    planes, height, width = x.shape
    rows, columns, _ = out.shape
    for first in range(0, planes, PLANE_BLOCK):
        last = min(first + PLANE_BLOCK, planes)
        for i in range(min(height, rows - pad_top)):
            for j in range(min(width, columns - pad_left)):
                for p in range(first, last):
                    out[pad_top + i, pad_left + j, p] = x[p, i, j]


@njit(cache=True, nogil=True)
def _planes_first(x, top, left, out):
    planes, height, width = out.shape
    for first in range(0, planes, PLANE_BLOCK):
        last = min(first + PLANE_BLOCK, planes)
        for i in range(height):
            for j in range(width):
                for p in range(first, last):
                    out[p, i, j] = x[top + i, left + j, p]


def _check_at_most_six(matrix: np.ndarray) -> None:
    if max(matrix.shape) > 6:
        raise ValueError(f"the Numba tile transforms take matrices up to 6 x 6 (the Winograd "
                         f"F(4x4, 3x3) ones), got {matrix.shape}")


def tile_transform_numba(src: np.ndarray, matrix: np.ndarray, step: int, tiles: int) -> np.ndarray:
    """Same contract as tile_transform_numpy (matrices up to 6 x 6)."""
    _check_transform(matrix, step, tiles, "tile_transform tiles")
    _check_at_most_six(matrix)
    z, q, _, b = src.shape
    out = np.empty((z, matrix.shape[0], q, tiles, b), src.dtype)
    _tile_transform(np.ascontiguousarray(src), np.ascontiguousarray(matrix, src.dtype), step, out)
    return out


def tile_transform_adjoint_numba(out: np.ndarray, matrix: np.ndarray, step: int,
                                 rows: int) -> np.ndarray:
    """Same contract as tile_transform_adjoint_numpy (matrices up to 6 x 6)."""
    _check_transform(matrix, step, rows, "tile_transform_adjoint rows")
    _check_at_most_six(matrix)
    z, r, q, _, b = out.shape
    if matrix.shape[0] != r:
        raise ValueError(f"tile_transform_adjoint: matrix of shape {matrix.shape} does not match "
                         f"out of shape {out.shape} (expected {r} rows)")
    src = np.zeros((z, q, rows, b), out.dtype)
    _tile_transform_adjoint(np.ascontiguousarray(out), np.ascontiguousarray(matrix, out.dtype),
                            step, src)
    return src


def planes_last_numba(x: np.ndarray, pad_top: int, pad_left: int, rows: int,
                      columns: int) -> np.ndarray:
    """Same contract as planes_last_numpy."""
    out = np.zeros((rows, columns, x.shape[0]), x.dtype)
    _planes_last(np.ascontiguousarray(x), pad_top, pad_left, out)
    return out


def planes_first_numba(x: np.ndarray, top: int, left: int, height: int, width: int) -> np.ndarray:
    """Same contract as planes_first_numpy."""
    if top + height > x.shape[0] or left + width > x.shape[1]:
        raise ValueError(f"planes_first: window ({top}:{top + height}, {left}:{left + width}) "
                         f"is outside x of shape {x.shape}")
    out = np.empty((x.shape[2], height, width), x.dtype)
    _planes_first(np.ascontiguousarray(x), top, left, out)
    return out


tile_transform = dispatch(numpy=tile_transform_numpy, numba=tile_transform_numba)
tile_transform_adjoint = dispatch(numpy=tile_transform_adjoint_numpy,
                                  numba=tile_transform_adjoint_numba)
planes_last = dispatch(numpy=planes_last_numpy, numba=planes_last_numba)
planes_first = dispatch(numpy=planes_first_numpy, numba=planes_first_numba)
