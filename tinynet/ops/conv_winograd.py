"""3x3 convolutions (stride 1, no dilation, one group) by Winograd's minimal filtering F(4x4, 3x3)
(Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", CVPR 2016): the same three
functions as tinynet/ops/conv.py's im2col form (convolve, transpose_convolve, weight_products),
with 4x fewer multiply-adds in their products.

For a 6x6 input tile d and a 3x3 filter w, the 4x4 output tile of their correlation is exactly

    y = Aᵀ [(G w Gᵀ) ⊙ (Bᵀ d B)] A        (Bᵀ, G, Aᵀ below; interpolation points 0, ±1, ±2, ∞)

Tiles start every 4 rows and columns (input tiles overlap by 2). Summed over input channels, the
elementwise product is, at each of the 36 tile positions ξ, a product over channels:

    V[ξ] = (Bᵀ d B)[ξ] over all tiles     (tiles, C)      input transform
    U[ξ] = (G w Gᵀ)[ξ] over all filters    (C, O)          filter transform
    M[ξ] = V[ξ] @ U[ξ]                     (tiles, O)      36 products of C multiply-adds each
    y    = Aᵀ M A, tile by tile                            output transform

against 9·C multiply-adds per output element in im2col's product: 36·C per 16 outputs. The map is
linear in d and in w, and its adjoints are the transposed steps in reverse order, so the input
and weight gradients are exact too (not a Winograd approximation of them):

    conv_transpose:   dM = A dy Aᵀ,   dV[ξ] = dM[ξ] @ U[ξ]ᵀ,   dx = B dV Bᵀ, overlapping tiles added
    weight gradient:  dU[ξ] = V[ξ]ᵀ @ dM[ξ],                  dw = Gᵀ dU G

Rounding: Bᵀ and Aᵀ have entries up to 8, so float32 results differ from the direct sum by more
than im2col's do: measured on 64x16x16x16 -> 32 with unit-normal inputs and 0.1·normal weights,
a largest error of 2.4e-5 (|y| up to 5.7) against 2.8e-6 for im2col's and for PyTorch's float32
convolution; on 16x16x16x16 -> 32 with a unit-normal upstream gradient, relative to the largest
value, 6.3e-6 (y), 2.3e-6 (dx) and 7.7e-6 (dw) against 4.8e-7, 1.7e-7 and 5.2e-7 for im2col
(tests/ops/test_conv_winograd.py bounds them by 2e-5). float64 agrees with the direct sum to
~1e-13, so gradcheck is unaffected.

When: tinynet/ops/conv.py uses it for 3x3 convolutions with at least WINOGRAD_MIN_CHANNELS = 16
channels on each side and an output of at least 4x4 whose tiles are at least half used (`pays`).
Measured on the 2-core machine, forward + backward in float32 through F.conv2d (best of two
medians of 25 steps), im2col against Winograd in ms:

    convolution               1 thread                  2 threads
    64x16x16x16 -> 32         8.43 / 5.84   1.44x       5.53 / 4.58   1.21x
    32x16x32x32 -> 16        16.06 / 11.01  1.46x       8.08 / 6.79   1.19x
    16x64x16x16 -> 64        11.38 / 6.13   1.86x       6.86 / 4.58   1.50x
    64x32x8x8 -> 64           5.80 / 3.45   1.68x       4.47 / 3.33   1.34x
    32x32x32x32 -> 32        44.85 / 29.79  1.51x      23.42 / 16.43  1.42x
    32x16x8x8 -> 16           0.89 / 0.65   1.38x       0.93 / 0.63   1.49x
    32x32x4x4 -> 32           0.86 / 0.50   1.73x       0.89 / 0.53   1.68x
    64x8x16x16 -> 8           1.87 / 2.08   0.90x       1.98 / 2.09   0.95x
    128x8x8x8 -> 8            1.19 / 1.12   1.06x       1.30 / 1.13   1.15x

With 8 channels it is about even, hence the 16. (Before the filter transform became one matrix
product, batched 6x3 @ 3x3 @ 3x6 products cost ~0.8 ms a step for 64 x 64 filters, and before the
two gradients shared the transform of dy, two threads lost for half of these shapes.) The table
predates faster transform kernels: since, the four transforms of the 64x16x16x16 -> 32 step take
2.46 ms instead of 3.93 on one thread, and its forward + backward 4.9 ms instead of 5.8-6.4, so
the rules here now err towards im2col.

Layout: the transforms run planes-last ((h, w, n·c), tinynet.kernels.winograd says why), so V and
M are (36, th·tw·n, channels) with the tiles ordered (tile row, tile column, sample).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from tinynet.kernels import ConvGeometry

B_T = np.array([[4, 0, -5, 0, 1, 0],
                [0, -4, -4, 1, 1, 0],
                [0, 4, -4, -1, 1, 0],
                [0, -2, -1, 2, 1, 0],
                [0, 2, -1, -2, 1, 0],
                [0, 4, 0, -5, 0, 1]], dtype=np.float64)
G = np.array([[1 / 4, 0, 0],
              [-1 / 6, -1 / 6, -1 / 6],
              [-1 / 6, 1 / 6, -1 / 6],
              [1 / 24, 1 / 12, 1 / 6],
              [1 / 24, -1 / 12, 1 / 6],
              [0, 0, 1]], dtype=np.float64)
A_T = np.array([[1, 1, 1, 1, 1, 0],
                [0, 1, -1, 2, -2, 0],
                [0, 1, 1, 4, 4, 0],
                [0, 1, -1, 8, -8, 1]], dtype=np.float64)
G_KRON = np.kron(G, G)  # (36, 9): vec(G w Gᵀ) = G_KRON @ vec(w), row-major vec
A = A_T.T  # (6, 4): the output transform's matrix as winograd_tiles / winograd_image take it
TILE, STEP = 6, 4  # input tile side, output tile side (= the step between tiles)


def kernels():
    """tinynet.kernels.winograd, imported on first use (it imports Numba, which `import tinynet`
    does without)."""
    import tinynet.kernels.winograd

    return tinynet.kernels.winograd


def applies(g: ConvGeometry, groups: int) -> bool:
    """Whether F(4x4, 3x3) computes this convolution: a 3x3 kernel, stride 1, dilation 1, one
    group."""
    return (g.kh, g.kw, g.sh, g.sw, g.dh, g.dw) == (3, 3, 1, 1, 1, 1) and groups == 1


MIN_PLANES = 256  # n · min(C, O): fewer, and the blocked transforms run short loops


def pays(g: ConvGeometry, n: int, channels: int, out_channels: int) -> bool:
    """Whether the tiles pay for this convolution of n samples: an output of at least 4x4 whose
    4x4 tiles are at least half used, n · min(C, O) >= MIN_PLANES, and at least max(C, O) tile
    rows (tiles · n) in each of the 36 channel products (fewer, and those products, whose weight
    gradient sums over the tile rows, lose to im2col's one large product).
    Measured, one thread, forward + backward, im2col against Winograd in ms:
    small outputs (batch 32, 32-64 channels): 2x2 0.87 / 1.65, 3x3 1.37 / 1.64, 5x5 (39% of its
    tiles used) 1.32 / 1.37, against 4x4 0.94 / 0.65, 6x6 (56%) 2.45 / 1.87, 8x8 1.02 / 0.79;
    few planes: 1x16x64x64 -> 16 1.40 / 3.16, 4x16x32x32 -> 16 1.41 / 1.80, 8x16x16x16 -> 16
    (128 planes) 0.85 / 0.69 but forward alone 0.28 / 0.29, against 256 planes: 16x16x8x8 -> 16
    0.52 / 0.38, 4x64x16x16 -> 64 2.82 / 2.00, 4x64x32x32 -> 64 9.80 / 7.54;
    few tile rows for the channels: 2x128x16x16 -> 128 (32 rows) 4.50 / 6.65, 4x128x16x16 -> 128
    (64) 8.64 / 8.94, 16x128x4x4 -> 128 (16) 2.94 / 5.58, 16x64x4x4 -> 64 (16) 1.11 / 1.15,
    against 8x128x16x16 -> 128 (128 rows) 18.17 / 12.60, 32x128x8x8 -> 128 (128) 19.69 / 12.26,
    64x64x4x4 -> 64 (64) 4.39 / 1.93, 32x32x4x4 -> 32 (32) 0.88 / 0.47."""
    tiles_h, tiles_w = _tiles(g)
    return (min(g.out_h, g.out_w) >= STEP
            and 2 * g.out_h * g.out_w >= tiles_h * tiles_w * STEP * STEP
            and n * min(channels, out_channels) >= MIN_PLANES
            and tiles_h * tiles_w * n >= max(channels, out_channels))


def _tiles(g: ConvGeometry) -> tuple[int, int]:
    return -(-g.out_h // STEP), -(-g.out_w // STEP)


def transform_input(x: np.ndarray, g: ConvGeometry) -> np.ndarray:
    """V = Bᵀ d B for every 6x6 tile d of the padded x (n, C, in_h, in_w), as
    (36, th·tw·n, C): V[6·k1 + k2, (ty, tx, n), c]."""
    n, channels = x.shape[:2]
    tiles_h, tiles_w = _tiles(g)
    tiles = kernels().winograd_tiles(x.reshape(n * channels, g.in_h, g.in_w), B_T, STEP,
                                     g.pad_top, g.pad_left, tiles_h, tiles_w)
    return tiles.reshape(TILE * TILE, tiles_h * tiles_w * n, channels)


def transform_input_adjoint(grad_tiles: np.ndarray, g: ConvGeometry, x_shape: tuple[int, ...],
                            out: np.ndarray | None = None) -> np.ndarray:
    """The adjoint of transform_input: dx (n, C, in_h, in_w) = B dV Bᵀ for every tile, overlapping
    tiles added, padding dropped. grad_tiles is (36, th·tw·n, C). Written into `out` when it is
    given (of shape x_shape, C-contiguous)."""
    tiles_h, tiles_w = _tiles(g)
    planes = kernels().winograd_image(grad_tiles.reshape(TILE * TILE, tiles_h * tiles_w, -1), B_T,
                                      STEP, g.pad_top, g.pad_left, g.in_h, g.in_w, tiles_h,
                                      tiles_w, out=_planes(out))
    return planes.reshape(x_shape)


def transform_output(products: np.ndarray, g: ConvGeometry, n: int,
                     out: np.ndarray | None = None) -> np.ndarray:
    """y = Aᵀ M A for every tile, (36, th·tw·n, O) -> (n, O, out_h, out_w), the tiles past the
    output's edge cut off. Written into `out` when it is given (C-contiguous)."""
    tiles_h, tiles_w = _tiles(g)
    planes = kernels().winograd_image(products.reshape(TILE * TILE, tiles_h * tiles_w, -1), A,
                                      STEP, 0, 0, g.out_h, g.out_w, tiles_h, tiles_w,
                                      out=_planes(out))
    return planes.reshape(n, -1, g.out_h, g.out_w)


def _planes(batch: np.ndarray | None) -> np.ndarray | None:
    """An NCHW batch (n, C, h, w) as the (n·C, h, w) planes of the kernels, a view."""
    return None if batch is None else batch.reshape(-1, *batch.shape[2:])


def transform_output_adjoint(grad: np.ndarray, g: ConvGeometry) -> np.ndarray:
    """The adjoint of transform_output: dM = A dy Aᵀ for every 4x4 tile of dy (n, O, out_h,
    out_w) (0 past the edge), as (36, th·tw·n, O)."""
    n, channels = grad.shape[:2]
    tiles_h, tiles_w = _tiles(g)
    tiles = kernels().winograd_tiles(grad.reshape(n * channels, g.out_h, g.out_w), A, STEP, 0, 0,
                                     tiles_h, tiles_w)
    return tiles.reshape(TILE * TILE, tiles_h * tiles_w * n, channels)


def transform_weight(weight: np.ndarray, transposed: bool = False) -> np.ndarray:
    """U = G w Gᵀ for every filter: (O, C, 3, 3) -> (36, C, O), or its transpose (36, O, C),
    contiguous either way (the BLAS took 0.57 ms for dM @ Uᵀ through a transposed view against
    0.36 ms for a contiguous Uᵀ, 64x16x16x16 -> 32). One product w (O·C, 9) @ (G ⊗ G)ᵀ: batched
    6x3 @ 3x3 @ 3x6 products measured 0.8 ms for 64 x 64 filters, paid twice per step."""
    out_channels, channels = weight.shape[:2]
    u = matmul(weight.reshape(out_channels * channels, 9), G_KRON.T.astype(weight.dtype))
    u = u.reshape(out_channels, channels, TILE * TILE)
    return np.ascontiguousarray(u.transpose(2, 0, 1) if transposed else u.transpose(2, 1, 0))


def transform_weight_adjoint(grad_u: np.ndarray) -> np.ndarray:
    """dw = Gᵀ dU G for every channel pair: (36, C, O) -> (O, C, 3, 3)."""
    _, channels, out_channels = grad_u.shape
    per_pair = grad_u.transpose(2, 1, 0).reshape(out_channels * channels, TILE * TILE)
    return matmul(per_pair, G_KRON.astype(grad_u.dtype)).reshape(out_channels, channels, 3, 3)


def matmul(a, b):
    """tinynet.kernels.matmul (BLAS for these shapes), imported on first use."""
    import tinynet.kernels

    return tinynet.kernels.matmul(a, b)


@dataclasses.dataclass(frozen=True)
class Tiles:
    """transform_input(x, g), kept by Conv2d's forward for the weight gradient; the type tells
    Conv2dWeight that the forward ran by Winograd."""

    array: np.ndarray


def convolve(x, weight, bias, g, out=None):
    """(y, Tiles(transform_input(x, g))): y = conv2d(x, weight, bias) (n, O, out_h, out_w),
    written into `out` when given (C-contiguous: a batch chunk of the whole y), and the tiles,
    which the weight gradient reuses."""
    tiles = transform_input(x, g)
    y = transform_output(matmul(tiles, transform_weight(weight)), g, x.shape[0], out)
    if bias is not None:
        y += bias.reshape(-1, 1, 1)
    return y, Tiles(tiles)


def window_tiles(y, g, shared_tiles=None, key=None):
    """transform_output_adjoint(y, g), computed once per `key` when `shared_tiles` is a dict:
    Conv2d's backward passes one to both of its gradients, which start from the same transform
    of the upstream gradient (keyed by batch chunk, (start, stop); a chunk computes its own key
    only, so concurrent chunks never write the same entry)."""
    if shared_tiles is None:
        return transform_output_adjoint(y, g)
    if key not in shared_tiles:
        shared_tiles[key] = transform_output_adjoint(y, g)
    return shared_tiles[key]


def transpose_convolve(y, weight, g, shared_tiles=None, key=None, out=None):
    """z = conv_transpose2d(y, weight) without bias: (n, O, out_h, out_w) -> (n, C, in_h, in_w),
    written into `out` when given (C-contiguous)."""
    grad_tiles = matmul(window_tiles(y, g, shared_tiles, key),
                        transform_weight(weight, transposed=True))
    return transform_input_adjoint(grad_tiles, g, (y.shape[0], weight.shape[1], g.in_h, g.in_w),
                                   out)


def weight_products(x, y, g, tiles=None, shared_tiles=None, key=None):
    """conv2d_weight(x, y) as (O, C, 3, 3); tiles, when given, is Tiles(transform_input(x, g))."""
    tiles = transform_input(x, g) if tiles is None else tiles.array
    grad_u = matmul(tiles.transpose(0, 2, 1), window_tiles(y, g, shared_tiles, key))
    return transform_weight_adjoint(grad_u)
