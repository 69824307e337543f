"""Max and average pooling, forward and backward, and max unpooling, with PyTorch's semantics.

Windows follow a pooling `ConvGeometry` (`from_shape(..., pooling=True)`): padding is at most half
the kernel, and with ceil_mode the last windows may reach past the padded input (that overhang is
never part of a window's values or of its average's divisor). Max pooling treats padding as -inf,
so it is never selected; its indices are flat positions r*in_w + s in each (n, c) input plane, as
PyTorch's return_indices. The 1-D kernels are the 2-D ones on (n, c, 1, l).
"""

import numpy as np

from tinynet.kernels.backend import dispatch
from tinynet.kernels.geometry import ConvGeometry
from tinynet.kernels.im2col import col2im, sliding_windows
from tinynet.kernels.jit import njit


def max_pool2d_forward_numpy(x: np.ndarray, g: ConvGeometry) -> tuple[np.ndarray, np.ndarray]:
    """out[n, c, oh, ow] = max of x over the window (padding is -inf);
    indices[n, c, oh, ow] = r*in_w + s of the element chosen: the first maximum in row-major
    window order, or the last NaN if the window holds NaN (PyTorch's scan).
    Shapes: x (n, c, in_h, in_w) -> out (n, c, out_h, out_w) of x's dtype, indices int64."""
    g.check_input(x.shape)
    n, c = x.shape[:2]
    window_shape = (n, c, g.kh * g.kw, g.out_h, g.out_w)
    windows = sliding_windows(x, g, pad_value=-np.inf).reshape(window_shape)
    plane_positions = np.arange(g.in_h * g.in_w).reshape(1, 1, g.in_h, g.in_w)
    positions = sliding_windows(plane_positions, g, pad_value=-1).reshape((1, 1) + window_shape[2:])
    out = windows.max(axis=2)
    # Where every input element of a window is -inf, the padding ties with them: skip it.
    first_max = np.argmax((windows == out[:, :, None]) & (positions >= 0), axis=2)
    last_nan = windows.shape[2] - 1 - np.argmax(np.isnan(windows[:, :, ::-1]), axis=2)
    chosen = np.where(np.isnan(out), last_nan, first_max)
    positions = np.broadcast_to(positions, window_shape)
    indices = np.take_along_axis(positions, chosen[:, :, None], axis=2)[:, :, 0]
    return out, indices.astype(np.int64)


def max_pool2d_backward_numpy(
    grad_out: np.ndarray, indices: np.ndarray, x_shape: tuple[int, ...]
) -> np.ndarray:
    """grad_x[n, c].flat[indices[n, c, oh, ow]] += grad_out[n, c, oh, ow] (a scatter-add; windows
    that chose the same element add up). Shapes: grad_out and indices (n, c, out_h, out_w) ->
    grad_x x_shape (n, c, in_h, in_w), grad_out's dtype."""
    planes = _check_scatter(grad_out, indices, x_shape, "max_pool2d_backward")
    grad_x = np.zeros((planes, x_shape[2] * x_shape[3]), grad_out.dtype)
    plane_index = np.arange(planes)[:, None]
    np.add.at(grad_x, (plane_index, indices.reshape(planes, -1)), grad_out.reshape(planes, -1))
    return grad_x.reshape(x_shape)


def _check_scatter(values, indices, x_shape, name) -> int:
    if len(x_shape) != 4 or values.ndim != 4 or values.shape != indices.shape:
        raise ValueError(
            f"{name}: expected values and indices of one shape (n, c, h, w) and a 4-D "
            f"output shape, got {values.shape}, {indices.shape} and {tuple(x_shape)}"
        )
    if values.shape[:2] != tuple(x_shape[:2]):
        raise ValueError(f"{name}: (n, c) of {values.shape} and {tuple(x_shape)} differ")
    if indices.size:
        lowest, highest = indices.min(), indices.max()
        if lowest < 0 or highest >= x_shape[2] * x_shape[3]:
            raise ValueError(
                f"{name}: index {lowest if lowest < 0 else highest} is out of range for planes "
                f"of {x_shape[2]}x{x_shape[3]}"
            )
    return x_shape[0] * x_shape[1]


def _window_sizes(out_size, stride, pad_before, kernel_size, in_size, pad_after):
    """Per window along one axis: (elements including padding, elements of the input), both
    excluding the ceil_mode overhang past pad_after (PyTorch's avg_pool divisor rule)."""
    starts = np.arange(out_size) * stride - pad_before
    ends = np.minimum(starts + kernel_size, in_size + pad_after)
    inside = np.minimum(ends, in_size) - np.maximum(starts, 0)
    return ends - starts, inside


def avg_pool_divisor(
    g: ConvGeometry, count_include_pad: bool = True, divisor_override: int | None = None
) -> np.ndarray:
    """divisor[oh, ow]: what avg pooling divides each window sum by (PyTorch's rule).

    divisor_override if given; else the window's size clipped to the padded input (the ceil_mode
    overhang never counts) when count_include_pad; else the number of input elements in it.
    Shape (out_h, out_w), int64."""
    if divisor_override is not None:
        if divisor_override == 0:
            raise ValueError("divisor_override must not be zero")
        return np.full((g.out_h, g.out_w), divisor_override, np.int64)
    with_pad_h, inside_h = _window_sizes(g.out_h, g.sh, g.pad_top, g.kh, g.in_h, g.pad_bottom)
    with_pad_w, inside_w = _window_sizes(g.out_w, g.sw, g.pad_left, g.kw, g.in_w, g.pad_right)
    if count_include_pad:
        return np.outer(with_pad_h, with_pad_w)
    return np.outer(inside_h, inside_w)


def _check_avg_pool(g: ConvGeometry) -> None:
    if (g.dh, g.dw) != (1, 1):
        raise ValueError(f"average pooling has no dilation, got dilation ({g.dh}, {g.dw})")


def avg_pool2d_forward_numpy(
    x: np.ndarray,
    g: ConvGeometry,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> np.ndarray:
    """out[n, c, oh, ow] = (sum of x over the window, padding 0) / divisor[oh, ow], the divisor
    from `avg_pool_divisor`. Shapes: x (n, c, in_h, in_w) -> out (n, c, out_h, out_w), x's dtype."""
    g.check_input(x.shape)
    _check_avg_pool(g)
    divisor = avg_pool_divisor(g, count_include_pad, divisor_override).astype(x.dtype)
    return sliding_windows(x, g).sum(axis=(2, 3)) / divisor


def avg_pool2d_backward_numpy(
    grad_out: np.ndarray,
    g: ConvGeometry,
    x_shape: tuple[int, ...],
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> np.ndarray:
    """grad_x[n, c, r, s] = sum over the windows (oh, ow) holding (r, s) of
    grad_out[n, c, oh, ow] / divisor[oh, ow]: col2im of grad_out / divisor spread over the kernel.
    Shapes: grad_out (n, c, out_h, out_w) -> grad_x x_shape (n, c, in_h, in_w), grad_out's dtype."""
    g.check_output(grad_out.shape)
    _check_avg_pool(g)
    divisor = avg_pool_divisor(g, count_include_pad, divisor_override).astype(grad_out.dtype)
    share = (grad_out / divisor)[:, :, None, None]
    spread = np.broadcast_to(share, grad_out.shape[:2] + (g.kh, g.kw, g.out_h, g.out_w))
    return col2im.numpy(spread, g, x_shape)


# Each Numba kernel computes one plane p of (n*c, h, w) arrays (it takes the whole arrays and p:
# passing x[p] instead made the loop 1.7x slower), looped over the planes serially. A parallel
# loop (prange) would speed up a large pooling call alone; it belongs here only once it pays at
# model level (benchmarks/models.py) on Numba's default threading layer.


@njit(cache=True, nogil=True)
def _max_pool_plane(x, p, kh, kw, sh, sw, pad_top, pad_left, dh, dw, out, indices):
    in_h, in_w = x.shape[1:]
    out_h, out_w = out.shape[1:]
    for oh in range(out_h):
        for ow in range(out_w):
            best = x[p, 0, 0]
            best_index = -1
            for i in range(kh):
                row = oh * sh - pad_top + i * dh
                if row < 0 or row >= in_h:
                    continue
                for j in range(kw):
                    column = ow * sw - pad_left + j * dw
                    if column < 0 or column >= in_w:
                        continue
                    value = x[p, row, column]
                    # PyTorch's scan: the first input element, then any larger one or a NaN
                    if best_index < 0 or value > best or np.isnan(value):
                        best = value
                        best_index = row * in_w + column
            out[p, oh, ow] = best
            indices[p, oh, ow] = best_index


@njit(cache=True, nogil=True)
def _avg_pool_plane(x, p, kh, kw, sh, sw, pad_top, pad_left, divisor, out):
    in_h, in_w = x.shape[1:]
    out_h, out_w = out.shape[1:]
    for oh in range(out_h):
        row_start, row_end = max(oh * sh - pad_top, 0), min(oh * sh - pad_top + kh, in_h)
        for ow in range(out_w):
            column_start = max(ow * sw - pad_left, 0)
            column_end = min(ow * sw - pad_left + kw, in_w)
            total = 0.0
            for row in range(row_start, row_end):
                for column in range(column_start, column_end):
                    total += x[p, row, column]
            out[p, oh, ow] = total / divisor[oh, ow]


@njit(cache=True, nogil=True)
def _avg_pool_backward_plane(grad_out, p, kh, kw, sh, sw, pad_top, pad_left, divisor, grad_x):
    in_h, in_w = grad_x.shape[1:]
    out_h, out_w = grad_out.shape[1:]
    for oh in range(out_h):
        row_start, row_end = max(oh * sh - pad_top, 0), min(oh * sh - pad_top + kh, in_h)
        for ow in range(out_w):
            column_start = max(ow * sw - pad_left, 0)
            column_end = min(ow * sw - pad_left + kw, in_w)
            share = grad_out[p, oh, ow] / divisor[oh, ow]
            for row in range(row_start, row_end):
                for column in range(column_start, column_end):
                    grad_x[p, row, column] += share


@njit(cache=True, nogil=True)
def _max_pool_serial(x, kh, kw, sh, sw, pad_top, pad_left, dh, dw, out, indices):
    for p in range(x.shape[0]):
        _max_pool_plane(x, p, kh, kw, sh, sw, pad_top, pad_left, dh, dw, out, indices)




@njit(cache=True, nogil=True)
def _avg_pool_serial(x, kh, kw, sh, sw, pad_top, pad_left, divisor, out):
    for p in range(x.shape[0]):
        _avg_pool_plane(x, p, kh, kw, sh, sw, pad_top, pad_left, divisor, out)




@njit(cache=True, nogil=True)
def _avg_pool_backward_serial(grad_out, kh, kw, sh, sw, pad_top, pad_left, divisor, grad_x):
    for p in range(grad_out.shape[0]):
        _avg_pool_backward_plane(grad_out, p, kh, kw, sh, sw, pad_top, pad_left, divisor, grad_x)




@njit(cache=True, nogil=True)
def _scatter_add_planes(values, indices, out):
    planes, size = values.shape
    for p in range(planes):
        for k in range(size):
            out[p, indices[p, k]] += values[p, k]


def _as_planes(x: np.ndarray) -> np.ndarray:
    """(n, c, h, w) -> C-contiguous (n*c, h, w), a view when x is C-contiguous already."""
    return np.ascontiguousarray(x).reshape((-1,) + x.shape[2:])


def max_pool2d_forward_numba(x: np.ndarray, g: ConvGeometry) -> tuple[np.ndarray, np.ndarray]:
    """Same contract as max_pool2d_forward_numpy."""
    g.check_input(x.shape)
    out = np.empty(x.shape[:2] + (g.out_h, g.out_w), x.dtype)
    indices = np.empty(out.shape, np.int64)
    geometry = (g.kh, g.kw, g.sh, g.sw, g.pad_top, g.pad_left, g.dh, g.dw)
    arrays = _as_planes(x), *geometry, _as_planes(out), _as_planes(indices)
    _max_pool_serial(*arrays)
    return out, indices


def max_pool2d_backward_numba(
    grad_out: np.ndarray, indices: np.ndarray, x_shape: tuple[int, ...]
) -> np.ndarray:
    """Same contract as max_pool2d_backward_numpy."""
    planes = _check_scatter(grad_out, indices, x_shape, "max_pool2d_backward")
    grad_x = np.zeros((planes, x_shape[2] * x_shape[3]), grad_out.dtype)
    flat_indices = np.ascontiguousarray(indices, np.int64).reshape(planes, -1)
    _scatter_add_planes(np.ascontiguousarray(grad_out).reshape(planes, -1), flat_indices, grad_x)
    return grad_x.reshape(x_shape)


def avg_pool2d_forward_numba(
    x: np.ndarray,
    g: ConvGeometry,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> np.ndarray:
    """Same contract as avg_pool2d_forward_numpy."""
    g.check_input(x.shape)
    _check_avg_pool(g)
    divisor = avg_pool_divisor(g, count_include_pad, divisor_override).astype(x.dtype)
    out = np.empty(x.shape[:2] + (g.out_h, g.out_w), x.dtype)
    geometry = (g.kh, g.kw, g.sh, g.sw, g.pad_top, g.pad_left)
    arrays = _as_planes(x), *geometry, divisor, _as_planes(out)
    _avg_pool_serial(*arrays)
    return out


def avg_pool2d_backward_numba(
    grad_out: np.ndarray,
    g: ConvGeometry,
    x_shape: tuple[int, ...],
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> np.ndarray:
    """Same contract as avg_pool2d_backward_numpy."""
    g.check_output(grad_out.shape)
    g.check_input(x_shape, name="x_shape")
    _check_avg_pool(g)
    divisor = avg_pool_divisor(g, count_include_pad, divisor_override).astype(grad_out.dtype)
    grad_x = np.zeros(x_shape, grad_out.dtype)
    geometry = (g.kh, g.kw, g.sh, g.sw, g.pad_top, g.pad_left)
    arrays = _as_planes(grad_out), *geometry, divisor, _as_planes(grad_x)
    _avg_pool_backward_serial(*arrays)
    return grad_x


max_pool2d_forward = dispatch(numpy=max_pool2d_forward_numpy, numba=max_pool2d_forward_numba)
max_pool2d_backward = dispatch(numpy=max_pool2d_backward_numpy, numba=max_pool2d_backward_numba)
avg_pool2d_forward = dispatch(numpy=avg_pool2d_forward_numpy, numba=avg_pool2d_forward_numba)
avg_pool2d_backward = dispatch(numpy=avg_pool2d_backward_numpy, numba=avg_pool2d_backward_numba)


def max_unpool2d(x: np.ndarray, indices: np.ndarray, output_hw: tuple[int, int]) -> np.ndarray:
    """out[n, c].flat[indices[n, c, oh, ow]] = x[n, c, oh, ow], zero elsewhere (F.max_unpool2d;
    where indices repeat, one of the values is kept). NumPy only: a single scatter, not a loop.
    Shapes: x and indices (n, c, h, w) -> out (n, c, *output_hw), x's dtype."""
    out_shape = x.shape[:2] + tuple(output_hw)
    planes = _check_scatter(x, indices, out_shape, "max_unpool2d")
    out = np.zeros((planes, out_shape[2] * out_shape[3]), x.dtype)
    np.put_along_axis(out, indices.reshape(planes, -1), x.reshape(planes, -1), axis=1)
    return out.reshape(out_shape)


def _height_one(x: np.ndarray, name: str = "input") -> np.ndarray:
    if x.ndim != 3:
        raise ValueError(f"{name} of shape {x.shape} is not (n, c, l)")
    return x[:, :, None, :]


def max_pool1d_forward(x: np.ndarray, g: ConvGeometry) -> tuple[np.ndarray, np.ndarray]:
    """max_pool2d_forward on (n, c, 1, l) for a 1-D geometry (`ConvGeometry.from_shape_1d`);
    indices are positions in l. Shapes: x (n, c, l) -> out, indices (n, c, out_w)."""
    out, indices = max_pool2d_forward(_height_one(x), g)
    return out[:, :, 0], indices[:, :, 0]


def max_pool1d_backward(
    grad_out: np.ndarray, indices: np.ndarray, x_shape: tuple[int, int, int]
) -> np.ndarray:
    """grad_x[n, c, indices[n, c, ol]] += grad_out[n, c, ol].
    Shapes: grad_out, indices (n, c, out_w) -> grad_x x_shape (n, c, l)."""
    n, c, length = x_shape
    grad_x = max_pool2d_backward(
        _height_one(grad_out, "grad_out"), _height_one(indices, "indices"), (n, c, 1, length)
    )
    return grad_x[:, :, 0]


def avg_pool1d_forward(
    x: np.ndarray, g: ConvGeometry, count_include_pad: bool = True
) -> np.ndarray:
    """avg_pool2d_forward on (n, c, 1, l) for a 1-D geometry.
    Shapes: x (n, c, l) -> out (n, c, out_w)."""
    return avg_pool2d_forward(_height_one(x), g, count_include_pad)[:, :, 0]


def avg_pool1d_backward(
    grad_out: np.ndarray,
    g: ConvGeometry,
    x_shape: tuple[int, int, int],
    count_include_pad: bool = True,
) -> np.ndarray:
    """avg_pool2d_backward on (n, c, 1, l) for a 1-D geometry.
    Shapes: grad_out (n, c, out_w) -> grad_x x_shape (n, c, l)."""
    n, c, length = x_shape
    grad_out = _height_one(grad_out, "grad_out")
    return avg_pool2d_backward(grad_out, g, (n, c, 1, length), count_include_pad)[:, :, 0]


def max_unpool1d(x: np.ndarray, indices: np.ndarray, output_length: int) -> np.ndarray:
    """out[n, c, indices[n, c, ol]] = x[n, c, ol], zero elsewhere (F.max_unpool1d).
    Shapes: x, indices (n, c, l_in) -> out (n, c, output_length)."""
    out = max_unpool2d(_height_one(x), _height_one(indices, "indices"), (1, output_length))
    return out[:, :, 0]
