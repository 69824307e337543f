"""Hot loops on plain NumPy arrays (never Tensors), each written twice with one signature: a
readable NumPy reference, which is the specification, and a Numba twin. `set_backend` chooses
which one every kernel runs (default "numba", or $TINYNET_KERNEL_BACKEND); `kernel.numpy` and
`kernel.numba` reach either directly. Numba functions compile lazily on their first call and are
cached on disk, so importing this package compiles nothing. The loops are serial; BLAS products
go through tinynet.runtime.matmul, the one place that chooses the BLAS's thread count.

Layout NCHW (NCL for 1-D, handled as height-1 planes); float32 and float64, dtype preserved.
"""

from tinynet.kernels.backend import BACKENDS, dispatch, get_backend, set_backend, use_backend
from tinynet.kernels.geometry import ConvGeometry, output_size
from tinynet.kernels.im2col import (
    batch_col2im,
    batch_im2col,
    col2im,
    col2im1d,
    im2col,
    im2col1d,
)
from tinynet.kernels.matmul import linear_act, matmul
from tinynet.kernels.pooling import (
    avg_pool1d_backward,
    avg_pool1d_forward,
    avg_pool2d_backward,
    avg_pool2d_forward,
    avg_pool_divisor,
    max_pool1d_backward,
    max_pool1d_forward,
    max_pool2d_backward,
    max_pool2d_forward,
    max_unpool1d,
    max_unpool2d,
)
from tinynet.kernels.winograd import winograd_image, winograd_tiles

__all__ = [
    "BACKENDS",
    "ConvGeometry",
    "avg_pool1d_backward",
    "avg_pool1d_forward",
    "avg_pool2d_backward",
    "avg_pool2d_forward",
    "avg_pool_divisor",
    "batch_col2im",
    "batch_im2col",
    "col2im",
    "col2im1d",
    "dispatch",
    "get_backend",
    "im2col",
    "im2col1d",
    "linear_act",
    "matmul",
    "max_pool1d_backward",
    "max_pool1d_forward",
    "max_pool2d_backward",
    "max_pool2d_forward",
    "max_unpool1d",
    "max_unpool2d",
    "output_size",
    "set_backend",
    "use_backend",
    "winograd_image",
    "winograd_tiles",
]

# Recurrent gate kernels
from tinynet.kernels.recurrent import (
    gru_backward_step,
    gru_forward_step,
    lstm_backward_step,
    lstm_forward_step,
    rnn_backward_step,
    rnn_forward_step,
)

__all__ += ["gru_backward_step", "gru_forward_step", "lstm_backward_step", "lstm_forward_step",
            "rnn_backward_step", "rnn_forward_step"]
