"""The tile transforms of Winograd's F(4x4, 3x3) convolution (tinynet/ops/conv_winograd.py):
every window of an image multiplied by a small matrix on both sides, and the adjoint.

    winograd_tiles:  out[k1·r + k2, ty·tw + tx, p] = Σ_{l1, l2} L[k1, l1] · L[k2, l2] ·
                                                      x[p, step·ty + l1 − pad_top, step·tx + l2 − pad_left]
    winograd_image:  x[p, i, j] = the sum of the same terms over (ty, tx, k1, k2, l1, l2) with
                     step·ty + l1 − pad_top = i and step·tx + l2 − pad_left = j (its adjoint)

for L of shape (r, s): windows of s x s that start every `step` rows and columns, x being 0
outside the image; p runs over planes (n·c of an NCHW batch). Per window that is L d Lᵀ.

The Numba twins work through the planes in blocks of up to PLANE_BLOCK (fewer for small batches
and large images, `_block`): a block is copied into a planes-last scratch (rows, columns,
planes), transformed by two passes of one 1-D transform (along rows, then along columns), each
pass a long contiguous multiply-add over (columns x planes) or planes, which LLVM vectorizes; the
block's intermediates stay in cache (at most SCRATCH_BYTES) and only the input and the result go
through memory. Planes first (NCHW) would leave the innermost loops a tile's 4-6 elements.
The copies between NCHW and the scratch move GROUP planes at a time through a small
(height·width, GROUP) buffer, which LLVM turns into in-register transposes (`_planes_in`). Each
window sum combines only the nonzero entries of its matrix row (a third to a half of
F(4x4, 3x3)'s are zero) and rounds as the sum over the whole row would (`_nonzero`).

With finite input both backends agree to rounding. An inf in x stays inf as in the reference,
except through a row with one nonzero entry that adds onto a sum (a 0 · x term keeps its
rounding there), where it becomes NaN.
"""

import numpy as np

from tinynet.kernels.backend import dispatch
from tinynet.kernels.jit import njit
from tinynet.kernels.winograd_sums import CONTRACT, _nonzero, _u, _window

PLANE_BLOCK = 256  # planes per block in the Numba kernels, at most
SCRATCH_BYTES = 4 << 20  # ... and fewer when a block's scratch would pass this (large images)
# Planes that the copies between NCHW and the planes-last scratch move at once (`_planes_in`);
# their writes to NCHW go 8 at a time (planes a power of two apart share an L1 set).
GROUP = 16
FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _span(tiles: int, step: int, size: int) -> int:
    """Rows (or columns) that `tiles` windows of `size` starting every `step` cover."""
    return step * (tiles - 1) + size


def _check(name: str, array: np.ndarray, matrix: np.ndarray, step: int, pad_top: int,
           pad_left: int, tiles_h: int, tiles_w: int, **sizes: int) -> None:
    """ValueError naming the argument unless array is 3-D float32/float64, matrix 2-D, step and
    the tile counts (and sizes) positive ints, the paddings non-negative ints."""
    label = "x" if name == "winograd_tiles" else "tiles"
    if array.ndim != 3 or array.dtype not in FLOAT_DTYPES:
        raise ValueError(f"{name}: {label} must be a 3-D float32 or float64 array, got shape "
                         f"{array.shape} and dtype {array.dtype}")
    if matrix.ndim != 2 or min(matrix.shape) < 1:
        raise ValueError(f"{name}: matrix must be 2-D and not empty, got shape {matrix.shape}")
    positive = {"step": step, "tiles_h": tiles_h, "tiles_w": tiles_w, **sizes}
    counts = {**positive, "pad_top": pad_top, "pad_left": pad_left}
    for key, value in counts.items():
        if not isinstance(value, (int, np.integer)) or value < (1 if key in positive else 0):
            bound = "a positive" if key in positive else "a non-negative"
            raise ValueError(f"{name}: {key} must be {bound} int, got {value!r}")


def _check_out(out: np.ndarray | None, shape: tuple[int, ...], dtype: np.dtype) -> None:
    if out is not None and (not isinstance(out, np.ndarray) or out.shape != shape
                            or out.dtype != dtype or not out.flags.c_contiguous):
        got = (f"shape {out.shape}, dtype {out.dtype}, C-contiguous {out.flags.c_contiguous}"
               if isinstance(out, np.ndarray) else type(out).__name__)
        raise ValueError(f"winograd_image: out must be a C-contiguous array of shape {shape} "
                         f"and dtype {dtype}, got {got}")


def _check_tiles(tiles: np.ndarray, matrix: np.ndarray, tiles_h: int, tiles_w: int) -> None:
    r = matrix.shape[0]
    if tiles.shape[:2] != (r * r, tiles_h * tiles_w):
        raise ValueError(f"winograd_image: tiles of shape {tiles.shape} do not match a "
                         f"{matrix.shape} matrix and {tiles_h} x {tiles_w} tiles: expected "
                         f"({r * r}, {tiles_h * tiles_w}, planes)")


def winograd_tiles_numpy(x: np.ndarray, matrix: np.ndarray, step: int, pad_top: int,
                         pad_left: int, tiles_h: int, tiles_w: int) -> np.ndarray:
    """L d Lᵀ for every s x s window d of x (0 outside), windows every `step`, offset by the
    padding (see the module docstring). Shapes: x (P, H, W), matrix (r, s) ->
    (r·r, tiles_h·tiles_w, P), x's dtype."""
    _check("winograd_tiles", x, matrix, step, pad_top, pad_left, tiles_h, tiles_w)
    planes, height, width = x.shape
    r, s = matrix.shape
    rows, columns = _span(tiles_h, step, s), _span(tiles_w, step, s)
    padded = np.zeros((planes, max(rows, pad_top + height), max(columns, pad_left + width)),
                      x.dtype)
    padded[:, pad_top : pad_top + height, pad_left : pad_left + width] = x
    windows = np.lib.stride_tricks.sliding_window_view(padded[:, :rows, :columns], (s, s),
                                                       axis=(1, 2))[:, ::step, ::step]
    m = matrix.astype(x.dtype)
    tiles = m @ windows @ m.T  # (P, tiles_h, tiles_w, r, r)
    return tiles.transpose(3, 4, 1, 2, 0).reshape(r * r, tiles_h * tiles_w, planes).copy()


def winograd_image_numpy(tiles: np.ndarray, matrix: np.ndarray, step: int, pad_top: int,
                         pad_left: int, height: int, width: int, tiles_h: int, tiles_w: int,
                         out: np.ndarray | None = None) -> np.ndarray:
    """The adjoint of winograd_tiles: Lᵀ t L for every tile t, added onto the image where its
    window lies, the parts outside the height x width image dropped.
    Shapes: tiles (r·r, tiles_h·tiles_w, P), matrix (r, s) -> (P, height, width), tiles' dtype;
    written into `out` when given (a C-contiguous array of that shape and dtype), else new."""
    _check("winograd_image", tiles, matrix, step, pad_top, pad_left, tiles_h, tiles_w,
           height=height, width=width)
    _check_tiles(tiles, matrix, tiles_h, tiles_w)
    _check_out(out, (tiles.shape[2], height, width), tiles.dtype)
    r, s = matrix.shape
    planes = tiles.shape[2]
    per_tile = tiles.reshape(r, r, tiles_h, tiles_w, planes).transpose(4, 2, 3, 0, 1)
    m = matrix.astype(tiles.dtype)
    windows = m.T @ per_tile @ m  # (P, tiles_h, tiles_w, s, s)
    rows, columns = _span(tiles_h, step, s), _span(tiles_w, step, s)
    padded = np.zeros((planes, max(rows, pad_top + height), max(columns, pad_left + width)),
                      tiles.dtype)
    for l1 in range(s):  # window element (l1, l2) of every tile, one strided slice
        for l2 in range(s):
            padded[:, l1 : l1 + step * tiles_h : step, l2 : l2 + step * tiles_w : step] += (
                windows[:, :, :, l1, l2])
    image = padded[:, pad_top : pad_top + height, pad_left : pad_left + width]
    if out is None:
        return image.copy()
    np.copyto(out, image)
    return out


@njit(cache=True, nogil=True)
def _planes_in(x, first, count, pad_top, pad_left, rows, columns, block, grouped, image):
    """image[pad_top + i, pad_left + j, p] = x[first + p, i, j] for p < count, the planes-last
    scratch of one block. GROUP planes at a time go through `grouped` (height·width, GROUP):
    a loop over the plane's elements with the GROUP planes unrolled, which LLVM turns into
    in-register transposes (its interleaved stores), then contiguous runs of GROUP."""
    planes, height, width = x.shape
    visible_h, visible_w = min(height, rows - pad_top), min(width, columns - pad_left)
    line = columns * block
    flat = x.reshape(planes, height * width)
    run = grouped.reshape(grouped.size)
    whole = count - count % GROUP
    for start in range(0, whole, GROUP):
        for k in range(height * width):
            for q in range(GROUP):
                grouped[k, q] = flat[first + start + q, k]
        for i in range(visible_h):
            for j in range(visible_w):
                at = _u((pad_top + i) * line + (pad_left + j) * block + start)
                source = _u((i * width + j) * GROUP)
                for q in range(GROUP):
                    image[at + _u(q)] = run[source + _u(q)]
    for i in range(visible_h):  # the last count % GROUP planes, one element at a time
        for j in range(visible_w):
            at = (pad_top + i) * line + (pad_left + j) * block
            for p in range(whole, count):
                image[at + p] = x[first + p, i, j]


@njit(cache=True, nogil=True)
def _planes_out(image, first, count, pad_top, pad_left, rows, columns, block, grouped, out):
    """out[first + p, i, j] = image[pad_top + i, pad_left + j, p] for p < count, the inverse of
    _planes_in, and 0 where the scratch does not reach (`grouped` starts zero and its elements
    outside the visible part stay so): every element of those planes of out is written."""
    planes, height, width = out.shape
    visible_h, visible_w = min(height, rows - pad_top), min(width, columns - pad_left)
    line = columns * block
    flat = out.reshape(planes, height * width)
    run = grouped.reshape(grouped.size)
    whole = count - count % GROUP
    for start in range(0, whole, GROUP):
        for i in range(visible_h):
            for j in range(visible_w):
                at = _u((pad_top + i) * line + (pad_left + j) * block + start)
                target = _u((i * width + j) * GROUP)
                for q in range(GROUP):
                    run[target + _u(q)] = image[at + _u(q)]
        for half in range(0, GROUP, GROUP // 2):  # 8 store streams (GROUP says why)
            for k in range(height * width):
                for q in range(GROUP // 2):
                    flat[first + start + half + q, k] = grouped[k, half + q]
    for i in range(height):  # the last count % GROUP planes, 0 where no window reaches
        for j in range(width):
            at = (pad_top + i) * line + (pad_left + j) * block
            inside = i < visible_h and j < visible_w
            for p in range(whole, count):
                out[first + p, i, j] = image[at + p] if inside else 0


@njit(cache=True, nogil=True, fastmath=CONTRACT)
def _winograd_tiles(x, matrix, step, pad_top, pad_left, tiles_h, tiles_w, block, out):
    planes, height, width = x.shape
    r, s = matrix.shape
    rows, columns = step * (tiles_h - 1) + s, step * (tiles_w - 1) + s
    line = columns * block
    tiles = tiles_h * tiles_w
    image = np.empty(rows * line, x.dtype)  # planes-last: [row, column, plane in the block]
    by_rows = np.empty(r * tiles_h * line, x.dtype)  # [k1, ty, column, plane in the block]
    grouped = np.empty((height * width, GROUP), x.dtype)
    nonzero = _nonzero(matrix)
    flat_out = out.reshape(out.size)
    image[:] = 0  # the padding; every block writes the same inside part
    for first in range(0, planes, block):
        count = min(block, planes - first)
        _planes_in(x, first, count, pad_top, pad_left, rows, columns, block, grouped, image)
        for k1 in range(r):  # along the rows: by_rows[k1, ty] = Σ_l1 L[k1, l1] image[4ty + l1]
            for ty in range(tiles_h):
                _window(by_rows, _u((k1 * tiles_h + ty) * line), image, step * ty, line, matrix,
                        nonzero, k1, line, False)
        for k1 in range(r):  # along the columns, into this block's planes of every tile
            for ty in range(tiles_h):
                row = by_rows[(k1 * tiles_h + ty) * line:(k1 * tiles_h + ty + 1) * line]
                for tx in range(tiles_w):
                    for k2 in range(r):
                        at = _u(((k1 * r + k2) * tiles + ty * tiles_w + tx) * planes + first)
                        _window(flat_out, at, row, step * tx, block, matrix, nonzero, k2, count,
                                False)


@njit(cache=True, nogil=True, fastmath=CONTRACT)
def _winograd_image(tiles, matrix, step, pad_top, pad_left, tiles_h, tiles_w, block, out):
    planes, height, width = out.shape
    r, s = matrix.shape
    rows, columns = step * (tiles_h - 1) + s, step * (tiles_w - 1) + s
    line = columns * block
    n_tiles = tiles_h * tiles_w
    transposed = np.ascontiguousarray(matrix.T)  # window element l from the tile's entries k
    nonzero = _nonzero(transposed)
    by_rows = np.empty(r * tiles_h * line, tiles.dtype)  # [k1, ty, column, plane in the block]
    image = np.empty(rows * line, tiles.dtype)  # [row, column, plane in the block]
    grouped = np.zeros((height * width, GROUP), tiles.dtype)
    flat_tiles = tiles.reshape(tiles.size)
    overlap = s - step  # window elements shared with the previous window (none if <= 0)
    for first in range(0, planes, block):
        count = min(block, planes - first)
        if overlap < 0:  # windows further apart than their size: 0 in between
            by_rows[:] = 0
            image[:] = 0
        for k1 in range(r):  # along the columns: by_rows[k1, ty, 4tx + l2] += Σ_k2 L[k2, l2] t
            for ty in range(tiles_h):
                for tx in range(tiles_w):
                    entries = flat_tiles[((k1 * r) * n_tiles + ty * tiles_w + tx) * planes
                                         + first:]
                    for l2 in range(s):  # added onto the previous window's elements, else set
                        at = _u((k1 * tiles_h + ty) * line + (step * tx + l2) * block)
                        _window(by_rows, at, entries, 0, n_tiles * planes, transposed, nonzero, l2,
                                count, tx > 0 and l2 < overlap)
        for ty in range(tiles_h):  # along the rows: image[4ty + l1] += Σ_k1 L[k1, l1] by_rows[k1]
            column_sums = by_rows[ty * line:]
            for l1 in range(s):
                _window(image, _u((step * ty + l1) * line), column_sums, 0, tiles_h * line,
                        transposed, nonzero, l1, line, ty > 0 and l1 < overlap)
        _planes_out(image, first, count, pad_top, pad_left, rows, columns, block, grouped, out)


def _check_numba(matrix):
    if max(matrix.shape) > 6:
        raise ValueError(f"the Numba Winograd kernels take matrices up to 6 x 6 (F(4x4, 3x3)'s), "
                         f"got {matrix.shape}")


def _block(planes: int, matrix: np.ndarray, step: int, tiles_h: int, tiles_w: int,
           itemsize: int) -> int:
    """Planes per block: PLANE_BLOCK, or all the planes when fewer (every pass runs over the
    whole block, so a fixed block would leave few planes of a large image mostly empty), or fewer
    when the block's scratch, (rows + r·tiles_h) · columns · planes, would pass SCRATCH_BYTES."""
    r, s = matrix.shape
    rows, columns = _span(tiles_h, step, s), _span(tiles_w, step, s)
    per_plane = (rows + r * tiles_h) * columns * itemsize
    return max(1, min(PLANE_BLOCK, planes, SCRATCH_BYTES // per_plane))


def winograd_tiles_numba(x: np.ndarray, matrix: np.ndarray, step: int, pad_top: int,
                         pad_left: int, tiles_h: int, tiles_w: int) -> np.ndarray:
    """Same contract as winograd_tiles_numpy (matrices up to 6 x 6)."""
    _check("winograd_tiles", x, matrix, step, pad_top, pad_left, tiles_h, tiles_w)
    _check_numba(matrix)
    r = matrix.shape[0]
    out = np.empty((r * r, tiles_h * tiles_w, x.shape[0]), x.dtype)
    block = _block(x.shape[0], matrix, step, tiles_h, tiles_w, x.itemsize)
    _winograd_tiles(np.ascontiguousarray(x), np.ascontiguousarray(matrix, x.dtype), step,
                    pad_top, pad_left, tiles_h, tiles_w, block, out)
    return out


def winograd_image_numba(tiles: np.ndarray, matrix: np.ndarray, step: int, pad_top: int,
                         pad_left: int, height: int, width: int, tiles_h: int, tiles_w: int,
                         out: np.ndarray | None = None) -> np.ndarray:
    """Same contract as winograd_image_numpy (matrices up to 6 x 6)."""
    _check("winograd_image", tiles, matrix, step, pad_top, pad_left, tiles_h, tiles_w,
           height=height, width=width)
    _check_tiles(tiles, matrix, tiles_h, tiles_w)
    _check_numba(matrix)
    _check_out(out, (tiles.shape[2], height, width), tiles.dtype)
    if out is None:  # every element is written, those no window reaches with 0
        out = np.empty((tiles.shape[2], height, width), tiles.dtype)
    block = _block(tiles.shape[2], matrix, step, tiles_h, tiles_w, tiles.itemsize)
    _winograd_image(np.ascontiguousarray(tiles), np.ascontiguousarray(matrix, tiles.dtype), step,
                    pad_top, pad_left, tiles_h, tiles_w, block, out)
    return out


winograd_tiles = dispatch(numpy=winograd_tiles_numpy, numba=winograd_tiles_numba)
winograd_image = dispatch(numpy=winograd_image_numpy, numba=winograd_image_numba)
