"""im2col and its adjoint col2im: every window of a padded plane, laid out for matrix products.

cols[n, c, i, j, oh, ow] is the input under kernel offset (i, j) of the window at output
position (oh, ow). Reshaped to (n, c*kh*kw, out_h*out_w) it is PyTorch's F.unfold, and a
convolution is weight.reshape(c_out, c*kh*kw) @ that, one product per sample. col2im sums every
window back onto the plane (F.fold): it is the adjoint of im2col, <im2col(x), y> = <x, col2im(y)>,
which is why the gradient of im2col is col2im and the other way round.

batch_im2col / batch_col2im are the same windows with the batch axis moved after the kernel
offsets, cols[c, i, j, n, oh, ow]: reshaped to (c*kh*kw, n*out_h*out_w) it is one matrix for the
whole batch, so that a convolution's three products are one BLAS call each (tinynet/ops/conv.py
says when that wins). The kernel writes that layout directly; transposing im2col's would cost a
copy of the whole (often 10 MB) array.

The Numba loops are serial: inside a convolution step a parallel im2col would only compete with
the BLAS's threads. They keep their bounds test per element, which Numba compiles to faster code
than an inner loop over the valid range only.
"""
import numpy as np

from tinynet.kernels.backend import dispatch
from tinynet.kernels.geometry import ConvGeometry
from tinynet.kernels.jit import njit


def pad_for_windows(x: np.ndarray, g: ConvGeometry, pad_value: float = 0) -> np.ndarray:
    """x (n, c, in_h, in_w) padded by the geometry, plus the ceil_mode overhang, with `pad_value`:
    (n, c, pad_top + in_h + pad_bottom + overhang_h, pad_left + in_w + pad_right + overhang_w)."""
    rows = (g.pad_top, g.pad_bottom + g.overhang_h)
    columns = (g.pad_left, g.pad_right + g.overhang_w)
    return np.pad(x, ((0, 0), (0, 0), rows, columns), constant_values=pad_value)


def sliding_windows(x: np.ndarray, g: ConvGeometry, pad_value: float = 0) -> np.ndarray:
    """windows[n, c, i, j, oh, ow] = x[n, c, oh*sh - pad_top + i*dh, ow*sw - pad_left + j*dw],
    or `pad_value` where that position is padding. Shapes: x (n, c, in_h, in_w) ->
    (n, c, kh, kw, out_h, out_w), same dtype. The NumPy reference behind im2col and pooling."""
    x_padded = pad_for_windows(x, g, pad_value)
    windows = np.empty(x.shape[:2] + (g.kh, g.kw, g.out_h, g.out_w), x.dtype)
    for i in range(g.kh):  # one strided slice per kernel offset
        rows = slice(i * g.dh, i * g.dh + (g.out_h - 1) * g.sh + 1, g.sh)
        for j in range(g.kw):
            columns = slice(j * g.dw, j * g.dw + (g.out_w - 1) * g.sw + 1, g.sw)
            windows[:, :, i, j] = x_padded[:, :, rows, columns]
    return windows


def im2col_numpy(x: np.ndarray, g: ConvGeometry) -> np.ndarray:
    """cols[n, c, i, j, oh, ow] = x[n, c, oh*sh - pad_top + i*dh, ow*sw - pad_left + j*dw],
    0 where that position is padding. Shapes: x (n, c, in_h, in_w) -> cols
    (n, c, kh, kw, out_h, out_w), same dtype."""
    g.check_input(x.shape)
    return sliding_windows(x, g)


def col2im_numpy(cols: np.ndarray, g: ConvGeometry, x_shape: tuple[int, ...]) -> np.ndarray:
    """x[n, c, r, s] = sum of cols[n, c, i, j, oh, ow] over all (i, j, oh, ow) with
    oh*sh - pad_top + i*dh = r and ow*sw - pad_left + j*dw = s (contributions that land in the
    padding are dropped).
    Shapes: cols (n, c, kh, kw, out_h, out_w) -> x of shape x_shape = (n, c, in_h, in_w)."""
    _check_cols(cols, g, x_shape)
    x_padded = pad_for_windows(np.zeros(x_shape, cols.dtype), g)
    for i in range(g.kh):
        rows = slice(i * g.dh, i * g.dh + (g.out_h - 1) * g.sh + 1, g.sh)
        for j in range(g.kw):
            columns = slice(j * g.dw, j * g.dw + (g.out_w - 1) * g.sw + 1, g.sw)
            x_padded[:, :, rows, columns] += cols[:, :, i, j]
    return x_padded[:, :, g.pad_top : g.pad_top + g.in_h, g.pad_left : g.pad_left + g.in_w].copy()


def _check_cols(cols: np.ndarray, g: ConvGeometry, x_shape: tuple[int, ...]) -> None:
    g.check_input(x_shape, name="x_shape")
    expected = tuple(x_shape[:2]) + (g.kh, g.kw, g.out_h, g.out_w)
    if cols.shape != expected:
        raise ValueError(
            f"cols of shape {cols.shape} does not match the geometry: expected {expected}"
        )


@njit(cache=True, nogil=True)
def _im2col_planes(x, sh, sw, pad_top, pad_left, dh, dw, cols):
    batch, channels, in_h, in_w = x.shape
    _, _, kh, kw, out_h, out_w = cols.shape
    for plane in range(batch * channels):
        n, c = plane // channels, plane % channels
        for i in range(kh):
            for j in range(kw):
                for oh in range(out_h):
                    row = oh * sh - pad_top + i * dh
                    for ow in range(out_w):
                        column = ow * sw - pad_left + j * dw
                        if 0 <= row < in_h and 0 <= column < in_w:
                            cols[n, c, i, j, oh, ow] = x[n, c, row, column]
                        else:
                            cols[n, c, i, j, oh, ow] = 0


@njit(cache=True, nogil=True)
def _col2im_planes(cols, sh, sw, pad_top, pad_left, dh, dw, x):
    batch, channels, in_h, in_w = x.shape
    _, _, kh, kw, out_h, out_w = cols.shape
    for plane in range(batch * channels):
        n, c = plane // channels, plane % channels
        for i in range(kh):
            for j in range(kw):
                for oh in range(out_h):
                    row = oh * sh - pad_top + i * dh
                    if row < 0 or row >= in_h:
                        continue
                    for ow in range(out_w):
                        column = ow * sw - pad_left + j * dw
                        if 0 <= column < in_w:
                            x[n, c, row, column] += cols[n, c, i, j, oh, ow]


def im2col_numba(x: np.ndarray, g: ConvGeometry) -> np.ndarray:
    """Same contract as im2col_numpy."""
    g.check_input(x.shape)
    cols = np.empty(x.shape[:2] + (g.kh, g.kw, g.out_h, g.out_w), x.dtype)
    _im2col_planes(np.ascontiguousarray(x), g.sh, g.sw, g.pad_top, g.pad_left, g.dh, g.dw, cols)
    return cols


def col2im_numba(cols: np.ndarray, g: ConvGeometry, x_shape: tuple[int, ...]) -> np.ndarray:
    """Same contract as col2im_numpy."""
    _check_cols(cols, g, x_shape)
    x = np.zeros(x_shape, cols.dtype)
    _col2im_planes(np.ascontiguousarray(cols), g.sh, g.sw, g.pad_top, g.pad_left, g.dh, g.dw, x)
    return x


im2col = dispatch(numpy=im2col_numpy, numba=im2col_numba)
col2im = dispatch(numpy=col2im_numpy, numba=col2im_numba)


def im2col1d(x: np.ndarray, g: ConvGeometry) -> np.ndarray:
    """cols[n, c, k, ol] = x[n, c, ol*sw - pad_left + k*dw] (0 in the padding), for a 1-D
    geometry (`ConvGeometry.from_shape_1d`): im2col of x viewed as (n, c, 1, l).
    Shapes: x (n, c, l) -> cols (n, c, kw, out_w)."""
    n, c, length = x.shape
    return im2col(x.reshape(n, c, 1, length), g).reshape(n, c, g.kw, g.out_w)


def col2im1d(cols: np.ndarray, g: ConvGeometry, x_shape: tuple[int, int, int]) -> np.ndarray:
    """The adjoint of im2col1d: col2im on height-1 planes.
    Shapes: cols (n, c, kw, out_w) -> x_shape (n, c, l)."""
    n, c, length = x_shape
    cols_2d = cols.reshape(n, c, 1, g.kw, 1, g.out_w)
    return col2im(cols_2d, g, (n, c, 1, length)).reshape(x_shape)


def batch_im2col_numpy(x: np.ndarray, g: ConvGeometry) -> np.ndarray:
    """cols[c, i, j, n, oh, ow] = x[n, c, oh*sh - pad_top + i*dh, ow*sw - pad_left + j*dw],
    0 where that position is padding: im2col with the batch axis moved after the kernel offsets,
    so that cols.reshape(c*kh*kw, n*out_h*out_w) is one matrix for the whole batch.
    Shapes: x (n, c, in_h, in_w) -> cols (c, kh, kw, n, out_h, out_w), same dtype."""
    g.check_input(x.shape)
    n, c = x.shape[:2]
    x_padded = pad_for_windows(x, g)
    cols = np.empty((c, g.kh, g.kw, n, g.out_h, g.out_w), x.dtype)
    for i in range(g.kh):  # one strided slice per kernel offset
        rows = slice(i * g.dh, i * g.dh + (g.out_h - 1) * g.sh + 1, g.sh)
        for j in range(g.kw):
            columns = slice(j * g.dw, j * g.dw + (g.out_w - 1) * g.sw + 1, g.sw)
            cols[:, i, j] = x_padded[:, :, rows, columns].transpose(1, 0, 2, 3)
    return cols


def batch_col2im_numpy(cols: np.ndarray, g: ConvGeometry, x_shape: tuple[int, ...]) -> np.ndarray:
    """x[n, c, r, s] = sum of cols[c, i, j, n, oh, ow] over all (i, j, oh, ow) with
    oh*sh - pad_top + i*dh = r and ow*sw - pad_left + j*dw = s (padding dropped): the adjoint of
    batch_im2col, col2im with the batch axis after the kernel offsets.
    Shapes: cols (c, kh, kw, n, out_h, out_w) -> x of shape x_shape = (n, c, in_h, in_w)."""
    _check_batch_cols(cols, g, x_shape)
    x_padded = pad_for_windows(np.zeros(x_shape, cols.dtype), g)
    for i in range(g.kh):
        rows = slice(i * g.dh, i * g.dh + (g.out_h - 1) * g.sh + 1, g.sh)
        for j in range(g.kw):
            columns = slice(j * g.dw, j * g.dw + (g.out_w - 1) * g.sw + 1, g.sw)
            x_padded[:, :, rows, columns] += cols[:, i, j].transpose(1, 0, 2, 3)
    return x_padded[:, :, g.pad_top : g.pad_top + g.in_h, g.pad_left : g.pad_left + g.in_w].copy()


def _check_batch_cols(cols: np.ndarray, g: ConvGeometry, x_shape: tuple[int, ...]) -> None:
    g.check_input(x_shape, name="x_shape")
    expected = (x_shape[1], g.kh, g.kw, x_shape[0], g.out_h, g.out_w)
    if cols.shape != expected:
        raise ValueError(
            f"cols of shape {cols.shape} does not match the geometry: expected {expected}"
        )


# The batch kernels repeat _im2col_planes/_col2im_planes with cols indexed [c, i, j, n, ...]
# rather than calling them on cols.transpose(3, 0, 1, 2, 4, 5): on that non-contiguous view
# Numba's loops run several times slower (strided writes through a view Numba cannot vectorize).
@njit(cache=True, nogil=True)
def _batch_im2col_offsets(x, sh, sw, pad_top, pad_left, dh, dw, cols):
    batch, channels, in_h, in_w = x.shape
    _, kh, kw, _, out_h, out_w = cols.shape
    for c in range(channels):
        for i in range(kh):
            for j in range(kw):
                for n in range(batch):
                    for oh in range(out_h):
                        row = oh * sh - pad_top + i * dh
                        for ow in range(out_w):
                            column = ow * sw - pad_left + j * dw
                            if 0 <= row < in_h and 0 <= column < in_w:
                                cols[c, i, j, n, oh, ow] = x[n, c, row, column]
                            else:
                                cols[c, i, j, n, oh, ow] = 0


@njit(cache=True, nogil=True)
def _batch_col2im_planes(cols, sh, sw, pad_top, pad_left, dh, dw, x):
    batch, channels, in_h, in_w = x.shape
    _, kh, kw, _, out_h, out_w = cols.shape
    for n in range(batch):
        for c in range(channels):
            for i in range(kh):
                for j in range(kw):
                    for oh in range(out_h):
                        row = oh * sh - pad_top + i * dh
                        if row < 0 or row >= in_h:
                            continue
                        for ow in range(out_w):
                            column = ow * sw - pad_left + j * dw
                            if 0 <= column < in_w:
                                x[n, c, row, column] += cols[c, i, j, n, oh, ow]


def batch_im2col_numba(x: np.ndarray, g: ConvGeometry) -> np.ndarray:
    """Same contract as batch_im2col_numpy."""
    g.check_input(x.shape)
    cols = np.empty((x.shape[1], g.kh, g.kw, x.shape[0], g.out_h, g.out_w), x.dtype)
    _batch_im2col_offsets(np.ascontiguousarray(x), g.sh, g.sw, g.pad_top, g.pad_left, g.dh,
                          g.dw, cols)
    return cols


def batch_col2im_numba(cols: np.ndarray, g: ConvGeometry, x_shape: tuple[int, ...]) -> np.ndarray:
    """Same contract as batch_col2im_numpy."""
    _check_batch_cols(cols, g, x_shape)
    x = np.zeros(x_shape, cols.dtype)
    _batch_col2im_planes(np.ascontiguousarray(cols), g.sh, g.sw, g.pad_top, g.pad_left, g.dh,
                         g.dw, x)
    return x


batch_im2col = dispatch(numpy=batch_im2col_numpy, numba=batch_im2col_numba)
batch_col2im = dispatch(numpy=batch_col2im_numpy, numba=batch_col2im_numba)
