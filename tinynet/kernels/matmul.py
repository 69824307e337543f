"""Matrix products: BLAS (np.matmul) wherever it is faster, a Numba loop where it is not.

Every BLAS product goes through tinynet.runtime.matmul, which runs it with the BLAS on one thread
or on tinynet.get_num_threads() threads by its size (tinynet/runtime/threads.py).

BLAS wins for every single matrix product, but a batch of many tiny products pays NumPy's
per-matrix overhead on a few multiply-adds. A serial Numba loop over the batch avoids it: it
serves same-batch products of at most SMALL_MATRIX_MAX_MULTIPLY_ADDS = 8 (m*k*n) multiply-adds
per matrix and at least SMALL_MATRIX_MIN_BATCH = 1024 matrices, where it measures 1.3-3.9x
np.matmul's speed (benchmarks/kernels.py, the "batch 4096" rows).

linear_act = act(x @ weight.T + bias) keeps the product in BLAS and fuses bias and relu into one
serial Numba pass over y instead of NumPy's two.
"""

import math

import numpy as np

from tinynet.kernels.backend import dispatch
from tinynet.kernels.jit import njit
from tinynet.runtime import matmul as blas_matmul

SMALL_MATRIX_MAX_MULTIPLY_ADDS = 8
SMALL_MATRIX_MIN_BATCH = 1024
ACTIVATIONS = (None, "relu", "sigmoid", "tanh")


def matmul_numpy(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """out[..., i, j] = sum_k a[..., i, k] * b[..., k, j] with NumPy's broadcasting (np.matmul).
    Shapes: (..., m, k) @ (..., k, n) -> (..., m, n); 1-D operands as in np.matmul. The dtype is
    the operands' (float32 stays float32). Written into `out` when given (as np.matmul's)."""
    return blas_matmul(a, b, out=out)


def is_many_small_matmuls(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether a @ b is a batch of at least SMALL_MATRIX_MIN_BATCH products of at most
    SMALL_MATRIX_MAX_MULTIPLY_ADDS multiply-adds each, with equal batch shapes and one float
    dtype: the shapes where the Numba loop beats np.matmul."""
    if a.ndim < 3 or a.shape[:-2] != b.shape[:-2] or a.shape[-1] != b.shape[-2]:
        return False
    if a.dtype != b.dtype or a.dtype not in (np.float32, np.float64):
        return False
    m, k, n = a.shape[-2], a.shape[-1], b.shape[-1]
    batch = math.prod(a.shape[:-2])
    return m * k * n <= SMALL_MATRIX_MAX_MULTIPLY_ADDS and batch >= SMALL_MATRIX_MIN_BATCH


@njit(cache=True, nogil=True)
def _small_matmuls(a, b, out):
    batch, m, k = a.shape
    n = b.shape[2]
    for p in range(batch):
        for i in range(m):
            for j in range(n):
                total = 0.0
                for t in range(k):
                    total += a[p, i, t] * b[p, t, j]
                out[p, i, j] = total


def matmul_numba(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Same contract as matmul_numpy. Many tiny products (`is_many_small_matmuls`) run in a Numba
    loop that sums in float64; everything else goes to np.matmul."""
    if not is_many_small_matmuls(a, b):
        return blas_matmul(a, b, out=out)
    batch_shape, (m, k), n = a.shape[:-2], a.shape[-2:], b.shape[-1]
    batch = math.prod(batch_shape)
    a_batch = np.ascontiguousarray(a).reshape(batch, m, k)
    b_batch = np.ascontiguousarray(b).reshape(batch, k, n)
    products = np.empty((batch, m, n), a.dtype)
    _small_matmuls(a_batch, b_batch, products)
    products = products.reshape(batch_shape + (m, n))
    if out is None:
        return products
    np.copyto(out, products)
    return out


matmul = dispatch(numpy=matmul_numpy, numba=matmul_numba)


def _check_activation(activation) -> int:
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; expected one of {ACTIVATIONS}")
    return ACTIVATIONS.index(activation)


def _sigmoid_numpy(y: np.ndarray) -> np.ndarray:
    # exp of -|y| never overflows; the two branches are the same function
    e = np.exp(-np.abs(y))
    return np.where(y >= 0, 1 / (1 + e), e / (1 + e)).astype(y.dtype, copy=False)


def linear_act_numpy(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None,
                     activation: str | None = None, out: np.ndarray | None = None) -> np.ndarray:
    """y = act(x @ weight.T + bias), act one of None (identity), "relu", "sigmoid", "tanh"
    (F.linear followed by the activation). Shapes: x (..., in_features), weight
    (out_features, in_features), bias (out_features,) or None -> y (..., out_features).
    Written into `out` when given (an array of y's shape and dtype, as np.matmul's)."""
    _check_activation(activation)
    y = blas_matmul(x, weight.T, out=out)
    if bias is not None:
        y += bias
    if activation == "relu":
        np.maximum(y, 0, out=y)
    elif activation == "sigmoid":
        y[...] = _sigmoid_numpy(y)
    elif activation == "tanh":
        np.tanh(y, out=y)
    return y


@njit(cache=True, nogil=True)
def _add_bias_relu(y, bias, relu):
    rows, columns = y.shape
    for r in range(rows):
        for j in range(columns):
            value = y[r, j] + bias[j]
            if relu and value < 0:  # not max(value, 0): a NaN must stay NaN
                value = 0
            y[r, j] = value


def linear_act_numba(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None,
                     activation: str | None = None, out: np.ndarray | None = None) -> np.ndarray:
    """Same contract as linear_act_numpy: the product in BLAS; then, for no activation or relu,
    bias and activation in one serial Numba pass over y instead of NumPy's two. Sigmoid and tanh
    stay with NumPy, whose vectorized exp/tanh are faster than Numba's scalar calls."""
    _check_activation(activation)
    if activation in ("sigmoid", "tanh") or (bias is None and activation is None):
        return linear_act_numpy(x, weight, bias, activation, out)
    y = blas_matmul(x, weight.T, out=out)
    if bias is None:
        bias = np.zeros(y.shape[-1], y.dtype)
    rows = y.reshape(-1, y.shape[-1])  # a copy when `out` is a view whose rows do not merge
    _add_bias_relu(rows, np.ascontiguousarray(bias, y.dtype), activation == "relu")
    if not np.shares_memory(rows, y):
        y[...] = rows.reshape(y.shape)
    return y


linear_act = dispatch(numpy=linear_act_numpy, numba=linear_act_numba)
