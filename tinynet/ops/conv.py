"""Convolution: Conv2d, its adjoint ConvTranspose2d, the weight gradient Conv2dWeight, and
Unfold/Fold (im2col as an op). The 1-D ops are these on height-1 planes (nn.functional reshapes).

All three convolution Functions share one `ConvGeometry` g and one picture. The *image* side is
(n, C, g.in_h, g.in_w); the *window* side is (n, O, g.out_h, g.out_w), one value per window
position; the weight (O, C/groups, kh, kw) links them, output channel o seeing only the input
channels of its group. Conv2d maps image -> windows, ConvTranspose2d windows -> image (its
adjoint), Conv2dWeight (image, windows) -> weight. Each one's backward is the other two:

    y = conv2d(x, w)           dx = conv_transpose2d(dy, w)   dw = conv2d_weight(x, dy)
    z = conv_transpose2d(y, w) dy = conv2d(dz, w)             dw = conv2d_weight(dz, y)
    w' = conv2d_weight(x, y)   dx = conv_transpose2d(y, dw')  dy = conv2d(x, dw')

so gradients of any order stay inside these three. A transposed convolution's geometry is that of
the convolution it is the adjoint of (`transposed_geometry`).

Each Function's forward is one call (convolve, transpose_convolve, weight_gradient), which takes
one of three paths (`choose_path`), the same for all three ops of one geometry:

- "winograd": a 3x3 kernel, stride 1, no dilation, one group, at least WINOGRAD_MIN_CHANNELS
  channels on each side and enough output for the tiles to pay: Winograd's F(4x4, 3x3)
  (tinynet/ops/conv_winograd.py), 4x fewer multiply-adds in the products.
- "whole_batch", for windows of C/groups·kh·kw >= WHOLE_BATCH_MIN_WINDOW multiply-adds per output
  element: batch_im2col's (groups, window, n·positions) columns, so that each product is one large
  BLAS call; the window side goes through (O, n·positions) rows, a copy each way.
- "per_sample", smaller windows: im2col's (n, groups, window, positions) columns and one product
  per sample, y in (n, O, ...) directly; these matrices stay in cache, where the whole-batch one
  streams through memory with few multiply-adds per element.

Conv2d's forward keeps x's columns (or Winograd tiles) for the weight gradient, an `Unrolled`.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np

from tinynet.autograd.function import Function
from tinynet.errors import ShapeError
from tinynet.ops import conv_winograd

if TYPE_CHECKING:
    from tinynet.kernels import ConvGeometry


def kernels():
    """tinynet.kernels, imported on first use: it imports Numba (~0.2 s), which `import tinynet`
    does without."""
    import tinynet.kernels

    return tinynet.kernels


# From this window size (C/groups·kh·kw) on, each product is one BLAS call over the whole batch.
WHOLE_BATCH_MIN_WINDOW = 128
# A 3x3 convolution (stride 1, no dilation, one group) with at least this many input and output
# channels and a large enough output runs by Winograd's F(4x4, 3x3); None turns that off.
WINOGRAD_MIN_CHANNELS: int | None = 16


def winograd(g: ConvGeometry, weight_shape: tuple[int, ...], groups: int, n: int) -> bool:
    """Whether this convolution of n samples runs by Winograd's F(4x4, 3x3) rather than
    im2col: a 3x3 kernel, stride 1, no dilation, one group, at least WINOGRAD_MIN_CHANNELS
    channels on each side (never when that is None), and enough output, planes and tiles for
    the transforms to pay (conv_winograd.pays)."""
    out_channels, channels = weight_shape[0], weight_shape[1] * groups
    return (WINOGRAD_MIN_CHANNELS is not None and conv_winograd.applies(g, groups)
            and min(channels, out_channels) >= WINOGRAD_MIN_CHANNELS
            and conv_winograd.pays(g, n, channels, out_channels))


def choose_path(g: ConvGeometry, weight_shape: tuple[int, ...], groups: int, n: int) -> str:
    """"winograd", "whole_batch" or "per_sample" for n samples of the convolution with a weight
    (O, C/groups, kh, kw) (or the transposed convolution or weight gradient with that weight
    and geometry); the module docstring says why."""
    if winograd(g, weight_shape, groups, n):
        return "winograd"
    window = weight_shape[1] * g.kh * g.kw
    return "whole_batch" if window >= WHOLE_BATCH_MIN_WINDOW else "per_sample"


@dataclasses.dataclass(frozen=True)
class Unrolled:
    """x as the weight gradient's product reads it, kept by Conv2d's forward for its backward:
    the "per_sample" columns (n, groups, window, positions), the "whole_batch" columns
    (groups, window, n·positions), or the "winograd" input tiles (36, tiles·n, C). The path it
    was computed for is the path of the weight gradient that uses it."""

    path: str
    array: np.ndarray


def _grouped_weight(weight: np.ndarray, groups: int) -> np.ndarray:
    """(O, C/groups, kh, kw) -> (groups, O/groups, C/groups·kh·kw), a view."""
    return weight.reshape(groups, weight.shape[0] // groups, -1)


def image_columns(x: np.ndarray, g: ConvGeometry, groups: int, path: str) -> np.ndarray:
    """im2col(x) as the path's product reads it: (groups, window, n·positions) for
    "whole_batch", (n, groups, window, positions) for "per_sample"; window = C/groups·kh·kw."""
    n, channels = x.shape[:2]
    window = channels // groups * g.kh * g.kw
    if path == "whole_batch":
        return kernels().batch_im2col(x, g).reshape(groups, window, -1)
    return kernels().im2col(x, g).reshape(n, groups, window, g.out_h * g.out_w)


def window_rows(y: np.ndarray, groups: int) -> np.ndarray:
    """A window-side array (n, O, out_h, out_w) as (groups, O/groups, n·out_h·out_w), channel
    by channel over the whole batch (a copy: O blocks of n contiguous planes)."""
    n, channels, out_h, out_w = y.shape
    rows = np.ascontiguousarray(y.transpose(1, 0, 2, 3))
    return rows.reshape(groups, channels // groups, n * out_h * out_w)


def convolve(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, g: ConvGeometry,
             groups: int, keep: bool) -> tuple[np.ndarray, Unrolled | None]:
    """(y, unrolled): y = conv2d(x, weight, bias) (n, O, out_h, out_w), and when `keep`, x
    unrolled for the weight gradient (else None)."""
    n, out_channels = x.shape[0], weight.shape[0]
    path = choose_path(g, weight.shape, groups, n)
    if path == "winograd":
        y, tiles = conv_winograd.convolve(x, weight, bias, g)
        return y, Unrolled(path, tiles) if keep else None
    columns = image_columns(x, g, groups, path)
    unrolled = Unrolled(path, columns) if keep else None
    products = kernels().matmul(_grouped_weight(weight, groups), columns)
    if path == "per_sample":  # (n, groups, O/groups, positions) is y already
        y = products.reshape(n, out_channels, g.out_h, g.out_w)
        if bias is not None:
            y += bias.reshape(-1, 1, 1)
        return y, unrolled
    rows = products.reshape(out_channels, n, g.out_h, g.out_w).transpose(1, 0, 2, 3)
    y = np.empty(rows.shape, rows.dtype)  # the bias added on the way
    if bias is None:
        np.copyto(y, rows)
    else:
        np.add(rows, bias.reshape(-1, 1, 1), out=y)
    return y, unrolled


def upstream_tiles(grad: np.ndarray, weight_shape: tuple[int, ...], g: ConvGeometry,
                   groups: int, unrolled: Unrolled | None) -> np.ndarray | None:
    """Winograd's transform A dy Aᵀ of a convolution's upstream gradient dy, which its input and
    weight gradients both start from, computed once for both; None unless both take the
    Winograd path (the weight gradient's is unrolled.path)."""
    if (unrolled is None or unrolled.path != "winograd"
            or choose_path(g, weight_shape, groups, grad.shape[0]) != "winograd"):
        return None
    return conv_winograd.transform_output_adjoint(grad, g)


def transpose_convolve(y: np.ndarray, weight: np.ndarray, g: ConvGeometry, groups: int,
                       y_tiles: np.ndarray | None = None) -> np.ndarray:
    """z = conv_transpose2d(y, weight) without bias, (n, O, out_h, out_w) -> (n, C, in_h, in_w):
    col2im(wᵀ y). y_tiles: upstream_tiles(y, ...) when Conv2d's backward computed it."""
    n, channels = y.shape[0], weight.shape[1] * groups
    path = choose_path(g, weight.shape, groups, n)
    if path == "winograd":
        return conv_winograd.transpose_convolve(y, weight, g, y_tiles)
    transposed_weight = _grouped_weight(weight, groups).transpose(0, 2, 1)
    x_shape = (n, channels, g.in_h, g.in_w)
    if path == "whole_batch":
        columns = kernels().matmul(transposed_weight, window_rows(y, groups))
        columns = columns.reshape(channels, g.kh, g.kw, n, g.out_h, g.out_w)
        return kernels().batch_col2im(columns, g, x_shape)
    y_grouped = y.reshape(n, groups, -1, g.out_h * g.out_w)
    columns = kernels().matmul(transposed_weight, y_grouped)
    columns = columns.reshape(n, channels, g.kh, g.kw, g.out_h, g.out_w)
    return kernels().col2im(columns, g, x_shape)


def weight_gradient(x: np.ndarray, y: np.ndarray, g: ConvGeometry, groups: int,
                    unrolled: Unrolled | None = None, y_tiles: np.ndarray | None = None
                    ) -> np.ndarray:
    """conv2d_weight(x, y) (O, C/groups, kh, kw). unrolled, when given, is what convolve kept
    of x; its path is the one taken (the rule may answer otherwise by now, e.g. after
    WINOGRAD_MIN_CHANNELS changed). y_tiles: as for transpose_convolve."""
    n, out_channels = y.shape[:2]
    weight_shape = (out_channels, x.shape[1] // groups, g.kh, g.kw)
    if unrolled is None:
        path = choose_path(g, weight_shape, groups, n)
        if path != "winograd":
            unrolled = Unrolled(path, image_columns(x, g, groups, path))
    else:
        path = unrolled.path
    if path == "winograd":
        tiles = None if unrolled is None else unrolled.array
        return conv_winograd.weight_gradient(x, y, g, tiles, y_tiles)
    columns = unrolled.array
    if path == "whole_batch":
        # columns @ rowsᵀ rather than rows @ columnsᵀ: the orientation the BLAS runs faster
        products = kernels().matmul(columns, window_rows(y, groups).transpose(0, 2, 1))
        return products.transpose(0, 2, 1).reshape(weight_shape)
    y_grouped = y.reshape(n, groups, -1, g.out_h * g.out_w)
    products = kernels().matmul(y_grouped, columns.transpose(0, 1, 3, 2))
    return products.sum(axis=0).reshape(weight_shape)


class Conv2d(Function):
    """y[n, o, p, q] = b[o] + Σ_{c, i, j} w[o, c, i, j] · x[n, group(o)·C/groups + c,
    p·sh − pad_top + i·dh, q·sw − pad_left + j·dw]   (cross-correlation; x is 0 off the image).
    dx = conv_transpose2d(dy, w),  dw = conv2d_weight(x, dy),  db[o] = Σ_{n, p, q} dy[n, o, p, q].
    Shapes: x (n, C, g.in_h, g.in_w), w (O, C/groups, kh, kw), b (O,) or None
    -> y (n, O, g.out_h, g.out_w)."""

    @staticmethod
    def forward(ctx, x, weight, bias, geometry, groups):
        ctx.geometry, ctx.groups = geometry, groups
        keep = bool(ctx.needs_input_grad and ctx.needs_input_grad[1])  # for the weight grad
        y, ctx.unrolled = convolve(x, weight, bias, geometry, groups, keep)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, weight, _ = ctx.inputs
        g, groups = ctx.geometry, ctx.groups
        needs_x, needs_weight, needs_bias = ctx.needs_input_grad
        y_tiles = upstream_tiles(grad.detach().numpy(), weight.shape, g, groups, ctx.unrolled
                                 ) if needs_x and needs_weight else None
        grad_x = ConvTranspose2d.apply(grad, weight, None, geometry=g, groups=groups,
                                       y_tiles=y_tiles) if needs_x else None
        grad_weight = Conv2dWeight.apply(x, grad, geometry=g, groups=groups,
                                         unrolled=ctx.unrolled, y_tiles=y_tiles
                                         ) if needs_weight else None
        grad_bias = grad.sum((0, 2, 3)) if needs_bias else None
        return grad_x, grad_weight, grad_bias


class ConvTranspose2d(Function):
    """z[n, c', r, s] = b[c'] + Σ w[o, c, i, j] · y[n, o, p, q] over the (o, c, i, j, p, q) with
    c' = group(o)·C/groups + c, p·sh − pad_top + i·dh = r and q·sw − pad_left + j·dw = s: the
    adjoint of conv2d, which spreads every window value back over its window (col2im(wᵀ y)).
    dy = conv2d(dz, w),  dw = conv2d_weight(dz, y),  db[c'] = Σ_{n, r, s} dz[n, c', r, s].
    Shapes: y (n, O, g.out_h, g.out_w), w (O, C/groups, kh, kw), b (C,) or None
    -> z (n, C, g.in_h, g.in_w). `y_tiles`: see upstream_tiles."""

    @staticmethod
    def forward(ctx, y, weight, bias, geometry, groups, y_tiles=None):
        ctx.geometry, ctx.groups = geometry, groups
        z = transpose_convolve(y, weight, geometry, groups, y_tiles)
        if bias is not None:
            z += bias.reshape(-1, 1, 1)
        return z

    @staticmethod
    def backward(ctx, grad):
        y, weight, _ = ctx.inputs
        g, groups = ctx.geometry, ctx.groups
        needs_y, needs_weight, needs_bias = ctx.needs_input_grad
        grad_y = Conv2d.apply(grad, weight, None, geometry=g, groups=groups) if needs_y else None
        grad_weight = Conv2dWeight.apply(grad, y, geometry=g, groups=groups
                                         ) if needs_weight else None
        grad_bias = grad.sum((0, 2, 3)) if needs_bias else None
        return grad_y, grad_weight, grad_bias


class Conv2dWeight(Function):
    """w[o, c, i, j] = Σ_{n, p, q} y[n, o, p, q] · x[n, group(o)·C/groups + c,
    p·sh − pad_top + i·dh, q·sw − pad_left + j·dw]: the gradient of conv2d(x, ·) for the
    upstream gradient y (PyTorch's torch.nn.grad.conv2d_weight). It is bilinear, and
    <v, conv2d_weight(x, y)> = <conv2d(x, v), y> = <x, conv_transpose2d(y, v)>, so
    dx = conv_transpose2d(y, dw),  dy = conv2d(x, dw).
    Shapes: x (n, C, g.in_h, g.in_w), y (n, O, g.out_h, g.out_w) -> w (O, C/groups, kh, kw).
    `unrolled`: what Conv2d's forward kept of x, when it did; `y_tiles`: see upstream_tiles."""

    @staticmethod
    def forward(ctx, x, y, geometry, groups, unrolled=None, y_tiles=None):
        ctx.geometry, ctx.groups = geometry, groups
        return weight_gradient(x, y, geometry, groups, unrolled, y_tiles)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.inputs
        g, groups = ctx.geometry, ctx.groups
        needs_x, needs_y = ctx.needs_input_grad
        grad_x = ConvTranspose2d.apply(y, grad, None, geometry=g, groups=groups
                                       ) if needs_x else None
        grad_y = Conv2d.apply(x, grad, None, geometry=g, groups=groups) if needs_y else None
        return grad_x, grad_y


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
        raise ShapeError(f"the output size {image_hw} of the transposed convolution is too "
                         f"small: input size {tuple(window_hw)}, kernel_size {pairs[0]}, stride "
                         f"{pairs[1]}, padding {pairs[2]}, output_padding {pairs[3]}, dilation "
                         f"{pairs[4]}")
    g = conv_geometry(image_hw, pairs[0], pairs[1], pairs[2], pairs[4])
    return dataclasses.replace(g, out_h=window_hw[0], out_w=window_hw[1])
