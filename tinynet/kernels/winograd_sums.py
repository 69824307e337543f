"""The window sums of tinynet/kernels/winograd.py's Numba passes: out (+)= Σ_l c_l · src_l over
the nonzero coefficients of one transform matrix row, as one long loop that LLVM vectorizes.
"""

import numpy as np

from tinynet.kernels.jit import njit

# Lets LLVM fuse each multiply and add into one FMA (one rounding instead of two, nothing
# reordered).
CONTRACT = {"contract"}

# The passes work on flat views with unsigned offsets: Numba makes a signed index wrap around
# when negative, a test per element that keeps LLVM from vectorizing these loops, and row views
# made inside the loops cost a reference count each. The copies' strided loops keep signed
# indices on purpose: with unsigned ones LLVM turns the strided side into scatters or gathers.


@njit(cache=True, nogil=True, inline="always")
def _u(index):
    return np.uint64(index)


@njit(cache=True, nogil=True, fastmath=CONTRACT, inline="always")
def _terms(out, at, src, s0, s1, s2, s3, s4, s5, c0, c1, c2, c3, c4, c5, terms, count,
           accumulate):
    """out[at + b] (+)= Σ_{l < terms} c_l · src[s_l + b] for b < count; offsets unsigned. One
    loop per number of terms: each is a long multiply-add that LLVM vectorizes, and a window
    row's zero coefficients (a third to a half of F(4x4, 3x3)'s) cost nothing."""
    if terms == 0:
        if not accumulate:
            for b in range(count):
                out[at + _u(b)] = 0
    elif terms == 1:
        if accumulate:  # the product rounded before the sum, as in a longer window
            zero = c0 - c0
            for b in range(count):
                i = _u(b)
                out[at + i] += c0 * src[s0 + i] + zero * src[s0 + i]
        else:
            for b in range(count):
                i = _u(b)
                out[at + i] = c0 * src[s0 + i]
    elif terms == 2:
        if accumulate:
            for b in range(count):
                i = _u(b)
                out[at + i] += c0 * src[s0 + i] + c1 * src[s1 + i]
        else:
            for b in range(count):
                i = _u(b)
                out[at + i] = c0 * src[s0 + i] + c1 * src[s1 + i]
    elif terms == 3:
        if accumulate:
            for b in range(count):
                i = _u(b)
                out[at + i] += c0 * src[s0 + i] + c1 * src[s1 + i] + c2 * src[s2 + i]
        else:
            for b in range(count):
                i = _u(b)
                out[at + i] = c0 * src[s0 + i] + c1 * src[s1 + i] + c2 * src[s2 + i]
    elif terms == 4:
        if accumulate:
            for b in range(count):
                i = _u(b)
                out[at + i] += (c0 * src[s0 + i] + c1 * src[s1 + i] + c2 * src[s2 + i]
                                   + c3 * src[s3 + i])
        else:
            for b in range(count):
                i = _u(b)
                out[at + i] = (c0 * src[s0 + i] + c1 * src[s1 + i] + c2 * src[s2 + i]
                                  + c3 * src[s3 + i])
    elif terms == 5:
        if accumulate:
            for b in range(count):
                i = _u(b)
                out[at + i] += (c0 * src[s0 + i] + c1 * src[s1 + i] + c2 * src[s2 + i]
                                   + c3 * src[s3 + i] + c4 * src[s4 + i])
        else:
            for b in range(count):
                i = _u(b)
                out[at + i] = (c0 * src[s0 + i] + c1 * src[s1 + i] + c2 * src[s2 + i]
                                  + c3 * src[s3 + i] + c4 * src[s4 + i])
    elif terms == 6:
        if accumulate:
            for b in range(count):
                i = _u(b)
                out[at + i] += (c0 * src[s0 + i] + c1 * src[s1 + i] + c2 * src[s2 + i]
                                   + c3 * src[s3 + i] + c4 * src[s4 + i] + c5 * src[s5 + i])
        else:
            for b in range(count):
                i = _u(b)
                out[at + i] = (c0 * src[s0 + i] + c1 * src[s1 + i] + c2 * src[s2 + i]
                                  + c3 * src[s3 + i] + c4 * src[s4 + i] + c5 * src[s5 + i])


@njit(cache=True, nogil=True, inline="always")
def _nonzero(matrix):
    """Per row k of matrix: [number of nonzero entries, their column indices, 0...] (r, 7).
    A window sums only those entries, and rounds as the sum over the whole row (zeros included)
    does, to the bit for finite input: LLVM fuses c0·a + c1·b + c2·c + ... into
    fma(c2, c, fma(c0, a, c1·b)), the second product rounded, the first fused into it and every
    later one fused. A zero term adds nothing (fma(0, x, t) = t), so when the row's first two
    nonzero entries are not in columns 0 and 1, the whole row's sum rounds the first nonzero
    product alone and fuses the second: listed here as second, first."""
    table = np.zeros((matrix.shape[0], 7), np.int64)
    for k in range(matrix.shape[0]):
        for column in range(matrix.shape[1]):
            if matrix[k, column] != 0:
                table[k, 0] += 1
                table[k, table[k, 0]] = column
        if table[k, 0] >= 2 and not (table[k, 1] == 0 and table[k, 2] == 1):
            table[k, 1], table[k, 2] = table[k, 2], table[k, 1]
    return table


@njit(cache=True, nogil=True, fastmath=CONTRACT, inline="always")
def _window(out, at, src, first, stride, matrix, nonzero, k, length, accumulate):
    """out[at + b] (+)= Σ_l matrix[k, l] · src[(first + l)·stride + b] for b < length, over the
    nonzero matrix[k, l] (nonzero = _nonzero(matrix))."""
    l0, l1, l2 = nonzero[k, 1], nonzero[k, 2], nonzero[k, 3]
    l3, l4, l5 = nonzero[k, 4], nonzero[k, 5], nonzero[k, 6]
    _terms(out, at, src, _u((first + l0) * stride), _u((first + l1) * stride),
           _u((first + l2) * stride), _u((first + l3) * stride), _u((first + l4) * stride),
           _u((first + l5) * stride), matrix[k, l0], matrix[k, l1], matrix[k, l2], matrix[k, l3],
           matrix[k, l4], matrix[k, l5], nonzero[k, 0], length, accumulate)
