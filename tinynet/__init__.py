"""tinynet: a deep learning framework to understand deep learning.

A reverse-mode autograd Tensor on NumPy, Numba kernels for the hot loops, and PyTorch's API.
"""

from tinynet.tensor import Tensor, tensor  # first: everything else builds on it  # isort: skip
from tinynet import autograd, callbacks, nn, optim, regularizers
from tinynet.autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from tinynet.creation import (arange, empty, eye, full, full_like, linspace, ones, ones_like, rand,
                              randint, randn, randperm, zeros, zeros_like)
from tinynet.dtypes import (bool, double, float, float16, float32, float64, int32, int64, long,
                            uint8)
from tinynet.ops import (abs, add, amax, amin, argmax, argmin, cat, chunk, clamp, cos, div, eq,
                         exp, flatten, gather, ge, gt, le, log, log_softmax, logsumexp, lt, matmul,
                         max, maximum, mean, min, minimum, mul, ne, neg, permute, pow, relu,
                         reshape, scatter_add, sigmoid, sin, softmax, split, sqrt, squeeze, stack,
                         std, sub, sum, tanh, transpose, unsqueeze, var, where)
from tinynet.random import Generator, manual_seed
from tinynet.serialization import load, save

from tinynet.runtime import get_num_threads, set_num_threads

__version__ = "0.1.0"


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def clone(x):
    return x.clone()


def from_numpy(array):
    """A tensor sharing memory with ``array`` (no copy, its dtype kept)."""
    return Tensor._make(array)

# torch.utils.data: tinynet.utils.data, the datasets, samplers and DataLoader of tinynet.data
from tinynet import utils  # noqa: E402
