"""Convolution: Conv2d, its adjoint ConvTranspose2d, the weight gradient Conv2dWeight, and
Unfold/Fold (im2col as an op). The 1-D ops are these on height-1 planes (nn.functional reshapes).

All three convolution Functions share one `ConvGeometry` g and one picture. The *image* side is
(n, C, g.in_h, g.in_w); the *window* side is (n, O, g.out_h, g.out_w), one value per window
position; the weight (O, C/groups, kh, kw) links them, output channel o seeing only the input
channels of its group. Conv2d maps image -> windows, ConvTranspose2d windows -> image (its
adjoint), Conv2dWeight (image, windows) -> weight. Each one's backward is the other two:

    y = conv2d(x, w)          dx = conv_transpose2d(dy, w)   dw = conv2d_weight(x, dy)
    z = conv_transpose2d(y, w) dy = conv2d(dz, w)             dw = conv2d_weight(dz, y)
    w' = conv2d_weight(x, y)  dx = conv_transpose2d(y, dw')  dy = conv2d(x, dw')

so gradients of any order stay inside these three. A transposed convolution's geometry is that of
the convolution it is the adjoint of (`transposed_geometry`).

A 3x3 convolution with stride 1, no dilation, one group and at least WINOGRAD_MIN_CHANNELS = 16
channels on each side runs by Winograd's F(4x4, 3x3) instead when its size pays for the tiles
(conv_winograd.pays: output, planes, tile rows): tinynet/ops/conv_winograd.py, the same three
functions with 4x fewer multiply-adds in their products, 1.2-1.9x faster forward + backward in
the measurements there. Its forward keeps conv_winograd.Tiles instead of columns for the weight
gradient, and Conv2d's backward lets the two gradients share one transform of the upstream
gradient (Conv2dGradients, conv_winograd.window_tiles). Everything else is im2col:

The work is im2col/col2im (kernels) around three BLAS products per training step (forward,
input gradient, weight gradient), in one of two forms chosen by the window size
C/groups·kh·kw, the multiply-adds per output element:

- one product per sample (below WHOLE_BATCH_MIN_WINDOW = 128): im2col's (n, groups, window,
  positions) columns, a batched np.matmul, y in (n, O, ...) directly, nothing copied; the weight
  gradient is n products summed over the batch.
- one product over the whole batch (from 128 on): batch_im2col's (groups, window, n·positions)
  columns, written in that layout by the kernel, so each product is one large BLAS call, which
  threads well; the window side goes through (O, n·positions) rows, a copy each way (2 MB for
  the 64x16x16x16 -> 32 benchmark), and the weight gradient is columns @ rowsᵀ.

Measured on the project's 2-core machine (the three products and their copies, ms, 1 thread /
2 threads, whole batch against per sample): 64x16x16x16 -> 32, k3 (window 144) 5.7 / 3.8 against
6.2 / 5.4; 32x16x32x32 -> 16, k3 (144) 7.7 / 4.7 against 8.4 / 6.4; 16x64x16x16 -> 64, k3 (576)
7.9 / 4.6 against 8.7 / 5.3; 64x32x8x8 -> 64, k3 (288) 4.3 / 2.5 against 5.2 / 4.2;
128x6x12x12 -> 16, k5 (150) 2.0 / 1.3 against 1.7 / 1.7. For small windows the per-sample
matrices stay in cache while the whole-batch one streams through memory with few multiply-adds
per element: 32x3x32x32 -> 16, k3 (27) 2.3 / 1.9 against 1.2 / 1.3; 64x1x28x28 -> 6, k5 (25)
1.6 / 1.4 against 0.7 / 0.8; 64x8x16x16 -> 8, k3 (72) 1.6 / 0.9 against 0.9 / 0.8. The
whole-batch form made the benchmark's 64x16x16x16 -> 32 step 9.1 -> 7.1 ms on 2 threads and
11.1 -> 9.6 ms on 1 (benchmarks/kernels.py). Conv2d keeps its columns for the weight gradient
rather than computing im2col again.

Batch chunks (more than one thread, tinynet.set_num_threads): a convolution whose products have
at least CHUNKED_MIN_MULTIPLY_ADDS = 5·10⁷ multiply-adds (n·out_h·out_w·O·C/groups·kh·kw), or
whose columns and output hold at least CHUNKED_MIN_ELEMENTS = 2²⁰ elements
(n·out_h·out_w·(C·kh·kw + O): small windows over many positions, little arithmetic but much
memory to move), splits its batch into one chunk per thread and runs each chunk's whole work
(the code above, on the chunk, in the form the whole batch's size picks) at once on
tinynet.threads' pool, the BLAS at one thread; the Numba kernels inside are serial and release
the GIL (nogil). The weight gradient is the chunks' products summed, in another order than on
one thread (the results agree to rounding). At one thread none of this runs. Each chunked call
costs ~50 us on this machine (handing the task over and waking the worker, then the GIL back)
and runs twice per training step (the forward, and both gradients in one Conv2dGradients).

Measured on the 2-core machine at 2 threads, forward + backward in ms (medians of 40 steps, 3
rounds), whole against chunks, elements in millions: split, 32x3x32x32 -> 16 (14M multiply-adds,
1.41M elements) 2.08-2.11 / 1.84-1.88; 64x1x28x28 -> 6, k5 (1.14M) 1.43-1.50 / 1.32-1.35;
64x8x16x16 -> 8 (1.31M) 2.00-2.05 / 1.53-1.63; 128x1x28x28 -> 6, k5 (2.29M) 2.63-2.71 / 2.03-2.17;
16x16x32x32 -> 16 (2.62M) 3.24-3.31 / 2.22-2.30; 8x16x32x32 -> 16 (1.31M) 2.20-2.35 / 1.96-2.10;
16x32x16x16 -> 32 (1.31M) 1.89-1.96 / 1.60-1.70; 64x16x16x16 -> 32 (75M) 4.46-4.50 / 3.05-3.11.
Kept whole, because chunks lost: 64x16x8x8 -> 32 (19M, 0.72M) 1.25 / 1.34; 32x32x8x8 -> 32 (0.66M)
1.03-1.05 / 1.20-1.23; 32x16x8x8 -> 32 (0.36M) 0.71-0.73 / 1.10-1.14 (the digits CNN's largest);
64x32x20 -> 64, k3, 1-D (0.20M) 0.98-1.02 / 0.98-1.10 (the MNIST-1D CNN's); 32x32x4x4 -> 32 (0.16M)
0.45-0.46 / 0.86-0.92. A chunk of such a small convolution runs no faster than the whole batch on
one thread: timed inside the chunks, the forward of 16 samples of 32x16x8x8 -> 32 took 0.30-0.36
ms, against 0.11 ms alone. The likely cause is the GIL, which changes hands between the two
threads' short Python steps: a thread that waits for it sleeps (its virtual CPU halts) and wakes
tens of microseconds later. With a two-thread BLAS outside the chunked calls, the threshold at
5·10⁶ multiply-adds made the MNIST-1D CNN slower (0.60-0.67 s an epoch against 0.40-0.41); tinynet
now keeps the BLAS on one thread (tinynet/threads.py), and the elements rule leaves both small CNNs
whole. Other product orientations for the chunks (rows (n·positions, window) @ wᵀ for the forward,
5% faster; y-rows (n·positions, O) @ w for the input gradient, 9% faster, measured as two
half-batch products at once) were not adopted: ~0.15 ms of a 6 ms step, for two more column
layouts.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np

from tinynet.autograd.function import Function
from tinynet.ops import conv_winograd


def run_at_once(tasks):
    """The tasks' results, each task run in turn on this thread."""
    return [task() for task in tasks]

if TYPE_CHECKING:
    from tinynet.kernels import ConvGeometry


def kernels():
    """tinynet.kernels, imported on first use: it imports Numba (~0.2 s), which `import tinynet`
    does without."""
    import tinynet.kernels

    return tinynet.kernels


# From this window size (C/groups·kh·kw) on, each product is one BLAS call over the whole batch;
# below it, one per sample (the module docstring has the measurements).
WHOLE_BATCH_MIN_WINDOW = 128
# A 3x3 convolution (stride 1, no dilation, one group) with at least this many input and output
# channels and a large enough output runs by Winograd's F(4x4, 3x3) (tinynet/ops/conv_winograd.py,
# which has the measurements); None turns that off.
WINOGRAD_MIN_CHANNELS: int | None = 16
# At more than one thread, a convolution whose products have at least this many multiply-adds,
# or whose columns and output at least this many elements, runs in batch chunks, one per thread
# (the module docstring has the measurements).
CHUNKED_MIN_MULTIPLY_ADDS = 5 * 10**7
CHUNKED_MIN_ELEMENTS = 2**20


def _grouped_weight(weight: np.ndarray, groups: int) -> np.ndarray:
    """(O, C/groups, kh, kw) -> (groups, O/groups, C/groups*kh*kw), a view."""
    out_channels = weight.shape[0]
    return weight.reshape(groups, out_channels // groups, -1)


def whole_batch(window: int) -> bool:
    """Whether the products for this many multiply-adds per output element (C/groups·kh·kw) are
    one BLAS call over the whole batch rather than one per sample (see the module docstring)."""
    return window >= WHOLE_BATCH_MIN_WINDOW


def winograd(g: ConvGeometry, weight_shape: tuple[int, ...], groups: int, n: int) -> bool:
    """Whether this convolution of n samples runs by Winograd's F(4x4, 3x3) rather than
    im2col: a 3x3 kernel, stride 1, no dilation, one group, at least WINOGRAD_MIN_CHANNELS
    channels on each side (never when that is None), and enough output, planes and tiles for
    the transforms to pay (conv_winograd.pays)."""
    out_channels, channels = weight_shape[0], weight_shape[1] * groups
    return (WINOGRAD_MIN_CHANNELS is not None and conv_winograd.applies(g, groups)
            and min(channels, out_channels) >= WINOGRAD_MIN_CHANNELS
            and conv_winograd.pays(g, n, channels, out_channels))


def image_columns(x: np.ndarray, g: ConvGeometry, groups: int) -> np.ndarray:
    """im2col(x) in the layout of the products: (groups, window, n*out_h*out_w), one matrix per
    group for the whole batch (batch_im2col), if whole_batch(window); else
    (n, groups, window, out_h*out_w), one per sample (im2col). window = C/groups·kh·kw."""
    n, window = x.shape[0], x.shape[1] // groups * g.kh * g.kw
    if whole_batch(window):
        return kernels().batch_im2col(x, g).reshape(groups, window, -1)
    return kernels().im2col(x, g).reshape(n, groups, window, g.out_h * g.out_w)


def window_rows(y: np.ndarray, groups: int) -> np.ndarray:
    """A window-side array (n, O, out_h, out_w) as (groups, O/groups, n*out_h*out_w), channel
    by channel over the whole batch (a copy: O blocks of n contiguous planes)."""
    n, channels, out_h, out_w = y.shape
    rows = np.ascontiguousarray(y.transpose(1, 0, 2, 3))
    return rows.reshape(groups, channels // groups, n * out_h * out_w)


def add_bias(y: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
    """y (n, C, h, w) + bias[c], in place, when there is a bias."""
    if bias is not None:
        y += bias.reshape(-1, 1, 1)
    return y


def batch_chunks(n: int, weight_shape: tuple[int, ...], g: ConvGeometry,
                 groups: int) -> list[slice] | None:
    """The batch split into get_num_threads() nearly equal chunks, to be run at once
    (`run_at_once`), if that is more than one thread and the convolution is large enough: at
    least CHUNKED_MIN_MULTIPLY_ADDS multiply-adds in each product, or at least
    CHUNKED_MIN_ELEMENTS elements in its columns and output (small windows over many positions:
    little arithmetic, much memory to move). None otherwise (one thread: the same code on the
    whole batch)."""
    return None


def sum_products(products: list[np.ndarray], weight_shape: tuple[int, ...]) -> np.ndarray:
    """The batch chunks' weight products summed, each first reshaped to the weight's shape
    (im2col gives (groups, O/groups, window), Winograd (O, C, 3, 3); every chunk runs in the
    form chosen for the whole batch)."""
    total = products[0].reshape(weight_shape).copy()
    for other in products[1:]:
        total += other.reshape(weight_shape)
    return total


def step_elements(n: int, weight_shape: tuple[int, ...], g: ConvGeometry, groups: int) -> int:
    """Elements of a convolution's im2col columns and of its output, n·out_h·out_w·(C·kh·kw + O)
    for a weight (O, C/groups, kh, kw). For the transposed convolution with that weight and
    geometry, the same columns and its input (n, O, out_h, out_w) instead of its output."""
    out_channels, channels = weight_shape[0], weight_shape[1] * groups
    return n * g.out_h * g.out_w * (channels * g.kh * g.kw + out_channels)


def multiply_adds(n: int, weight_shape: tuple[int, ...], g: ConvGeometry) -> int:
    """Multiply-adds in each of a convolution's three products: n·out_h·out_w·O·C/groups·kh·kw
    for a weight (O, C/groups, kh, kw) (or the transposed convolution's, the same numbers)."""
    return n * g.out_h * g.out_w * int(np.prod(weight_shape))


def convolve(x, weight, bias, g, groups, out=None, batch=None):
    """(y, columns): y = conv2d(x, weight, bias) (n, O, out_h, out_w), written into `out` when
    given, and image_columns(x, g, groups), which the weight gradient reuses. `batch`: the
    samples the Winograd rule counts, when x is a chunk of a larger batch (all chunks then take
    the whole batch's form)."""
    if winograd(g, weight.shape, groups, batch or x.shape[0]):
        return conv_winograd.convolve(x, weight, bias, g, out)
    n, out_channels = x.shape[0], weight.shape[0]
    columns = image_columns(x, g, groups)
    products = kernels().matmul(_grouped_weight(weight, groups), columns)
    if columns.ndim == 4:  # per sample: (n, groups, O/groups, positions) is y already
        y = products.reshape(n, out_channels, g.out_h, g.out_w)
        if out is not None:
            np.copyto(out, y)
            y = out
        return add_bias(y, bias), columns
    rows = products.reshape(out_channels, n, g.out_h, g.out_w).transpose(1, 0, 2, 3)
    y = np.empty(rows.shape, rows.dtype) if out is None else out  # the bias added on the way
    if bias is None:
        np.copyto(y, rows)
    else:
        np.add(rows, bias.reshape(-1, 1, 1), out=y)
    return y, columns


def transpose_convolve(y, weight, g, groups, shared_tiles=None, key=None, out=None, batch=None):
    """z = conv_transpose2d(y, weight) without bias: (n, O, out_h, out_w) -> (n, C, in_h, in_w),
    written into `out` when given (C-contiguous: a batch chunk of the whole z).
    shared_tiles, key: see conv_winograd.window_tiles (Winograd only); batch: as for convolve."""
    if winograd(g, weight.shape, groups, batch or y.shape[0]):
        return conv_winograd.transpose_convolve(y, weight, g, shared_tiles, key, out)
    if out is not None:
        np.copyto(out, transpose_convolve(y, weight, g, groups))
        return out
    n, channels = y.shape[0], weight.shape[1] * groups
    transposed_weight = _grouped_weight(weight, groups).transpose(0, 2, 1)
    x_shape = (n, channels, g.in_h, g.in_w)
    if whole_batch(transposed_weight.shape[1]):
        columns = kernels().matmul(transposed_weight, window_rows(y, groups))
        columns = columns.reshape(channels, g.kh, g.kw, n, g.out_h, g.out_w)
        return kernels().batch_col2im(columns, g, x_shape)
    y_grouped = y.reshape(n, groups, -1, g.out_h * g.out_w)
    columns = kernels().matmul(transposed_weight, y_grouped)
    columns = columns.reshape(n, channels, g.kh, g.kw, g.out_h, g.out_w)
    return kernels().col2im(columns, g, x_shape)


def weight_products(x, y, g, groups, columns=None, shared_tiles=None, key=None, batch=None):
    """conv2d_weight(x, y), in a shape the caller reshapes to the weight's: (groups, O/groups,
    C/groups·kh·kw) by im2col, (O, C, 3, 3) by Winograd. columns, when given, is
    image_columns(x, g, groups), or conv_winograd.Tiles when the forward ran by Winograd: the
    columns' kind, not the rule now, says which form computes the product (the rule may give
    another answer now: WINOGRAD_MIN_CHANNELS changed). batch: as for convolve."""
    n = y.shape[0]
    if isinstance(columns, conv_winograd.Tiles) or (
            columns is None and winograd(g, (y.shape[1], x.shape[1] // groups, g.kh, g.kw),
                                         groups, batch or n)):
        return conv_winograd.weight_products(x, y, g, columns, shared_tiles, key)
    if columns is None:
        columns = image_columns(x, g, groups)
    if columns.ndim == 3:
        # columns @ rowsᵀ, not rows @ columnsᵀ: the BLAS measured 1.4-1.8x faster this way
        products = kernels().matmul(columns, window_rows(y, groups).transpose(0, 2, 1))
        return products.transpose(0, 2, 1)
    y_grouped = y.reshape(n, groups, -1, g.out_h * g.out_w)
    return kernels().matmul(y_grouped, columns.transpose(0, 1, 3, 2)).sum(axis=0)


class Conv2d(Function):
    """y[n, o, p, q] = b[o] + Σ_{c, i, j} w[o, c, i, j] · x[n, group(o)·C/groups + c,
    p·sh − pad_top + i·dh, q·sw − pad_left + j·dw]   (cross-correlation; x is 0 off the image).
    dx = conv_transpose2d(dy, w),  dw = conv2d_weight(x, dy),  db[o] = Σ_{n, p, q} dy[n, o, p, q].
    Shapes: x (n, C, g.in_h, g.in_w), w (O, C/groups, kh, kw), b (O,) or None
    -> y (n, O, g.out_h, g.out_w)."""

    @staticmethod
    def forward(ctx, x, weight, bias, geometry, groups):
        ctx.geometry, ctx.groups = geometry, groups
        g, n = geometry, x.shape[0]
        keep_columns = ctx.needs_input_grad and ctx.needs_input_grad[1]  # for the weight grad
        chunks = batch_chunks(n, weight.shape, g, groups)
        if chunks is None:
            y, columns = convolve(x, weight, bias, g, groups)
        else:
            y = np.empty((n, weight.shape[0], g.out_h, g.out_w), np.result_type(x, weight))
            columns = list(zip(chunks, run_at_once([
                lambda part=part: convolve(x[part], weight, bias, g, groups, y[part], n)[1]
                for part in chunks])))
        if keep_columns:
            ctx.columns = columns
        return y

    @staticmethod
    def backward(ctx, grad):
        x, weight, _ = ctx.inputs
        g, groups = ctx.geometry, ctx.groups
        needs_x, needs_weight, needs_bias = ctx.needs_input_grad
        grad_x = grad_weight = None
        columns = getattr(ctx, "columns", None)
        if needs_x and needs_weight:
            grad_x, grad_weight = Conv2dGradients.apply(x, weight, grad, geometry=g,
                                                        groups=groups, columns=columns)
        elif needs_x:
            grad_x = ConvTranspose2d.apply(grad, weight, None, geometry=g, groups=groups)
        elif needs_weight:
            grad_weight = Conv2dWeight.apply(x, grad, geometry=g, groups=groups, columns=columns)
        grad_bias = grad.sum((0, 2, 3)) if needs_bias else None
        return grad_x, grad_weight, grad_bias


class Conv2dGradients(Function):
    """(dx, dw) = (conv_transpose2d(dy, w), conv2d_weight(x, dy)): both gradients of
    conv2d(x, w) for the upstream gradient dy in one pass, Conv2d's backward when it needs both.
    On more than one thread that is one dispatch of batch chunks instead of two (each costs
    0.1-0.2 ms of thread wake-ups), and a Winograd convolution transforms each chunk of dy once
    and uses it for both while it is in cache. With u, v the gradients of dx and dw (both
    bilinear, see Conv2dWeight):
    d(dy) = conv2d(u, w) + conv2d(x, v),  dw' = conv2d_weight(u, dy),
    dx' = conv_transpose2d(dy, v).
    Shapes: x (n, C, g.in_h, g.in_w), w (O, C/groups, kh, kw), dy (n, O, g.out_h, g.out_w).
    `columns`: what Conv2d's forward kept, as for Conv2dWeight (its chunks, when it ran in
    chunks, are the chunks here)."""

    @staticmethod
    def forward(ctx, x, weight, grad, geometry, groups, columns=None):
        ctx.geometry, ctx.groups = geometry, groups
        g, n = geometry, grad.shape[0]
        shared = {}
        if isinstance(columns, list):
            chunks = columns
        else:
            parts = batch_chunks(n, weight.shape, g, groups)
            chunks = None if parts is None else [(part, None) for part in parts]
        if chunks is None:
            grad_x = transpose_convolve(grad, weight, g, groups, shared, (0, n))
            grad_weight = weight_products(x, grad, g, groups, columns, shared, (0, n))
            return grad_x, grad_weight.reshape(weight.shape)
        grad_x = np.empty(x.shape, np.result_type(grad, weight))

        def chunk(part, chunk_columns):
            key = (part.start, part.stop)
            transpose_convolve(grad[part], weight, g, groups, shared, key, grad_x[part], n)
            return weight_products(x[part], grad[part], g, groups, chunk_columns, shared, key, n)

        products = run_at_once([lambda part=part, chunk_columns=chunk_columns: chunk(
            part, chunk_columns) for part, chunk_columns in chunks])
        return grad_x, sum_products(products, weight.shape)

    @staticmethod
    def backward(ctx, grad_grad_x, grad_grad_weight):
        x, weight, grad = ctx.inputs
        g, groups = ctx.geometry, ctx.groups
        needs_x, needs_weight, needs_grad = ctx.needs_input_grad
        d_x = d_weight = d_grad = None
        if needs_grad:
            d_grad = (Conv2d.apply(grad_grad_x, weight, None, geometry=g, groups=groups)
                      + Conv2d.apply(x, grad_grad_weight, None, geometry=g, groups=groups))
        if needs_weight:
            d_weight = Conv2dWeight.apply(grad_grad_x, grad, geometry=g, groups=groups)
        if needs_x:
            d_x = ConvTranspose2d.apply(grad, grad_grad_weight, None, geometry=g, groups=groups)
        return d_x, d_weight, d_grad


class ConvTranspose2d(Function):
    """z[n, c', r, s] = b[c'] + Σ w[o, c, i, j] · y[n, o, p, q] over the (o, c, i, j, p, q) with
    c' = group(o)·C/groups + c, p·sh − pad_top + i·dh = r and q·sw − pad_left + j·dw = s: the
    adjoint of conv2d, which spreads every window value back over its window (col2im(wᵀ y)).
    dy = conv2d(dz, w),  dw = conv2d_weight(dz, y),  db[c'] = Σ_{n, r, s} dz[n, c', r, s].
    Shapes: y (n, O, g.out_h, g.out_w), w (O, C/groups, kh, kw), b (C,) or None
    -> z (n, C, g.in_h, g.in_w)."""

    @staticmethod
    def forward(ctx, y, weight, bias, geometry, groups):
        ctx.geometry, ctx.groups = geometry, groups
        g, n = geometry, y.shape[0]
        chunks = batch_chunks(n, weight.shape, g, groups)
        if chunks is None:
            return add_bias(transpose_convolve(y, weight, g, groups), bias)
        z = np.empty((n, weight.shape[1] * groups, g.in_h, g.in_w), np.result_type(y, weight))

        def chunk(part):
            transpose_convolve(y[part], weight, g, groups, out=z[part], batch=n)

        run_at_once([lambda part=part: chunk(part) for part in chunks])
        return add_bias(z, bias)

    @staticmethod
    def backward(ctx, grad):
        y, weight, _ = ctx.inputs
        g, groups = ctx.geometry, ctx.groups
        needs_y, needs_weight, needs_bias = ctx.needs_input_grad
        grad_y = Conv2d.apply(grad, weight, None, geometry=g, groups=groups) if needs_y else None
        grad_weight = None
        if needs_weight:
            grad_weight = Conv2dWeight.apply(grad, y, geometry=g, groups=groups)
        grad_bias = grad.sum((0, 2, 3)) if needs_bias else None
        return grad_y, grad_weight, grad_bias


class Conv2dWeight(Function):
    """w[o, c, i, j] = Σ_{n, p, q} y[n, o, p, q] · x[n, group(o)·C/groups + c,
    p·sh − pad_top + i·dh, q·sw − pad_left + j·dw]: the gradient of conv2d(x, ·) for the
    upstream gradient y (PyTorch's torch.nn.grad.conv2d_weight). It is bilinear, and
    <v, conv2d_weight(x, y)> = <conv2d(x, v), y> = <x, conv_transpose2d(y, v)>, so
    dx = conv_transpose2d(y, dw),  dy = conv2d(x, dw).
    Shapes: x (n, C, g.in_h, g.in_w), y (n, O, g.out_h, g.out_w) -> w (O, C/groups, kh, kw).
    `columns`, when given, is what Conv2d's forward kept: image_columns(x, g, groups) or
    conv_winograd.Tiles, or, when it ran in batch chunks, a list of (chunk, either of those for
    x[chunk]); then the weight is the sum of the chunks' products, computed at once in the same
    chunks."""

    @staticmethod
    def forward(ctx, x, y, geometry, groups, columns=None):
        ctx.geometry, ctx.groups = geometry, groups
        g, n = geometry, y.shape[0]
        weight_shape = (y.shape[1], x.shape[1] // groups, g.kh, g.kw)
        parts = None
        if columns is None:
            parts = batch_chunks(n, weight_shape, g, groups)
        if isinstance(columns, list):
            chunks = columns
        elif parts is not None:
            chunks = [(part, None) for part in parts]
        else:  # one thread, small, or the columns of a forward that ran whole
            return weight_products(x, y, g, groups, columns).reshape(weight_shape)
        products = run_at_once([
            lambda part=part, chunk_columns=chunk_columns: weight_products(
                x[part], y[part], g, groups, chunk_columns, batch=n)
            for part, chunk_columns in chunks])
        return sum_products(products, weight_shape)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.inputs
        g, groups = ctx.geometry, ctx.groups
        grad_x = ConvTranspose2d.apply(y, grad, None, geometry=g, groups=groups)
        grad_y = Conv2d.apply(x, grad, None, geometry=g, groups=groups)
        return (grad_x if ctx.needs_input_grad[0] else None,
                grad_y if ctx.needs_input_grad[1] else None)


class Unfold(Function):
    """y[n, (c, i, j), (p, q)] = x[n, c, p·sh − pad_top + i·dh, q·sw − pad_left + j·dw], 0 in
    the padding: every window as a column (im2col, F.unfold).   dx = fold(dy).
    Shapes: x (n, C, g.in_h, g.in_w) -> y (n, C·kh·kw, g.out_h·g.out_w)."""

    @staticmethod
    def forward(ctx, x, geometry):
        ctx.geometry = geometry
        n, channels = x.shape[:2]
        columns = kernels().im2col(np.ascontiguousarray(x), geometry)
        return columns.reshape(n, channels * geometry.kh * geometry.kw, -1)

    @staticmethod
    def backward(ctx, grad):
        return Fold.apply(grad, geometry=ctx.geometry)


class Fold(Function):
    """x[n, c, r, s] = Σ y[n, (c, i, j), (p, q)] over the (i, j, p, q) whose window element lands
    on (r, s): the adjoint of unfold (col2im, F.fold), overlapping windows adding up.
    dy = unfold(dx).   Shapes: y (n, C·kh·kw, g.out_h·g.out_w) -> x (n, C, g.in_h, g.in_w)."""

    @staticmethod
    def forward(ctx, y, geometry):
        ctx.geometry = g = geometry
        n, channels = y.shape[0], y.shape[1] // (g.kh * g.kw)
        columns = np.ascontiguousarray(y).reshape(n, channels, g.kh, g.kw, g.out_h, g.out_w)
        return kernels().col2im(columns, g, (n, channels, g.in_h, g.in_w))

    @staticmethod
    def backward(ctx, grad):
        return Unfold.apply(grad, geometry=ctx.geometry)


def conv_geometry(image_shape, kernel_size, stride, padding, dilation) -> ConvGeometry:
    """The geometry of a convolution over the last two dims of image_shape (PyTorch's arguments:
    ints or pairs; padding also "same" or "valid"). Raises ValueError naming the shapes."""
    return kernels().ConvGeometry.from_shape(image_shape, kernel_size, stride, padding, dilation)


def transposed_geometry(window_hw, kernel_size, stride, padding, output_padding, dilation
                        ) -> ConvGeometry:
    """The geometry of the convolution whose adjoint is conv_transpose2d with these arguments on a
    window_hw input: its image is the transposed convolution's output, of size
    (in − 1)·stride − 2·padding + dilation·(kernel − 1) + output_padding + 1 per axis.
    output_padding is < max(stride, dilation); when it is ≥ stride the convolution over that image
    has more windows than the input has positions, and the extra ones are left out (they would
    only ever see the image's last output_padding rows, which no input position reaches).
    Every argument is an (h, w) pair of ints."""
    pairs = (kernel_size, stride, padding, output_padding, dilation)
    image_hw = tuple(
        (size - 1) * s - 2 * p + d * (k - 1) + extra + 1
        for size, k, s, p, extra, d in zip(window_hw, *pairs)
    )
    if min(image_hw) < 1:
        raise ValueError(f"the output size {image_hw} of the transposed convolution is too "
                         f"small: input size {tuple(window_hw)}, kernel_size {pairs[0]}, stride "
                         f"{pairs[1]}, padding {pairs[2]}, output_padding {pairs[3]}, dilation "
                         f"{pairs[4]}")
    g = conv_geometry(image_hw, pairs[0], pairs[1], pairs[2], pairs[4])
    return dataclasses.replace(g, out_h=window_hw[0], out_w=window_hw[1])
