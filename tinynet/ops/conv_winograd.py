"""3x3 convolutions (stride 1, no dilation, one group) by Winograd's minimal filtering F(4x4, 3x3)
(Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", CVPR 2016): the same three
functions as tinynet/ops/conv.py's im2col paths (convolve, transpose_convolve, weight_gradient),
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

Rounding: Bᵀ and Aᵀ have entries up to 8, so float32 results differ from the direct sum by about
10x more than im2col's (tests/ops/test_conv_winograd.py bounds them by 2e-5 relative to the
largest value); float64 agrees with the direct sum to ~1e-13, so gradcheck is unaffected.

When: tinynet/ops/conv.py uses it for 3x3 convolutions with at least WINOGRAD_MIN_CHANNELS = 16
channels on each side and an output large enough for the tiles to pay (`pays`); with 8 channels
the transforms cost about what the products save.

Layout: the transforms run planes-last ((h, w, n·c), tinynet.kernels.winograd says why), so V and
M are (36, th·tw·n, channels) with the tiles ordered (tile row, tile column, sample).
"""

from __future__ import annotations

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
    gradient sums over the tile rows, lose to im2col's one large product)."""
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


def transform_input_adjoint(grad_tiles: np.ndarray, g: ConvGeometry, x_shape: tuple[int, ...]
                            ) -> np.ndarray:
    """The adjoint of transform_input: dx (n, C, in_h, in_w) = B dV Bᵀ for every tile, overlapping
    tiles added, padding dropped. grad_tiles is (36, th·tw·n, C)."""
    tiles_h, tiles_w = _tiles(g)
    planes = kernels().winograd_image(grad_tiles.reshape(TILE * TILE, tiles_h * tiles_w, -1), B_T,
                                      STEP, g.pad_top, g.pad_left, g.in_h, g.in_w, tiles_h,
                                      tiles_w)
    return planes.reshape(x_shape)


def transform_output(products: np.ndarray, g: ConvGeometry, n: int) -> np.ndarray:
    """y = Aᵀ M A for every tile, (36, th·tw·n, O) -> (n, O, out_h, out_w), the tiles past the
    output's edge cut off."""
    tiles_h, tiles_w = _tiles(g)
    planes = kernels().winograd_image(products.reshape(TILE * TILE, tiles_h * tiles_w, -1), A,
                                      STEP, 0, 0, g.out_h, g.out_w, tiles_h, tiles_w)
    return planes.reshape(n, -1, g.out_h, g.out_w)


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
    contiguous either way (the BLAS is faster on a contiguous Uᵀ than on a transposed view). One
    product w (O·C, 9) @ (G ⊗ G)ᵀ, rather than a batch of 6x3 @ 3x3 @ 3x6 products."""
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


def convolve(x, weight, bias, g):
    """(y, tiles): y = conv2d(x, weight, bias) (n, O, out_h, out_w) = Aᵀ [V @ U] A tile by
    tile, and V = transform_input(x, g), which the weight gradient reuses."""
    tiles = transform_input(x, g)
    y = transform_output(matmul(tiles, transform_weight(weight)), g, x.shape[0])
    if bias is not None:
        y += bias.reshape(-1, 1, 1)
    return y, tiles


def transpose_convolve(y, weight, g, window_tiles=None):
    """z = conv_transpose2d(y, weight) without bias, (n, O, out_h, out_w) -> (n, C, in_h, in_w):
    dM = A y Aᵀ, dV = dM @ Uᵀ, z = B dV Bᵀ, overlapping tiles added. window_tiles, when given,
    is dM = transform_output_adjoint(y, g)."""
    if window_tiles is None:
        window_tiles = transform_output_adjoint(y, g)
    image_tiles = matmul(window_tiles, transform_weight(weight, transposed=True))
    return transform_input_adjoint(image_tiles, g, (y.shape[0], weight.shape[1], g.in_h, g.in_w))


def weight_gradient(x, y, g, tiles=None, window_tiles=None):
    """conv2d_weight(x, y) (O, C, 3, 3) = Gᵀ [Vᵀ @ dM] G with dM = A y Aᵀ; tiles, when given,
    is V = transform_input(x, g), window_tiles dM = transform_output_adjoint(y, g)."""
    if tiles is None:
        tiles = transform_input(x, g)
    if window_tiles is None:
        window_tiles = transform_output_adjoint(y, g)
    grad_u = matmul(tiles.transpose(0, 2, 1), window_tiles)
    return transform_weight_adjoint(grad_u)
