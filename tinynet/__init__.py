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


def clone(input, *, memory_format=None):  # noqa: A002 - PyTorch's argument names
    return input.clone()


def from_numpy(array):
    """A tensor sharing memory with ``array`` (no copy, its dtype kept)."""
    return Tensor._make(array)


# Devices, backends and PyTorch's namespaces that tutorials reach without importing them
from tinynet.nn import functional as _functional, init as _init  # noqa: E402
from tinynet.optim import lr_scheduler as _lr_scheduler  # noqa: E402
from tinynet import accelerator, backends, cuda, jit, serialization  # noqa: E402
from tinynet.device import (device, get_default_device, layout, set_default_device,  # noqa: E402
                            strided)

del _functional, _init, _lr_scheduler  # imported so that tinynet.nn.functional ... resolve

# Dtypes, sizes, printing and seeding as in PyTorch
from tinynet.dtypes import (get_default_dtype, half, int8, int16, set_default_dtype,  # noqa: E402
                            short)
# torch.int is int32; the name shadows the builtin in this module, as float and bool do
from tinynet.dtypes import int  # noqa: E402,A004
from tinynet.printing import set_printoptions  # noqa: E402
from tinynet.random import initial_seed, seed  # noqa: E402
from tinynet.size import Size  # noqa: E402


def is_floating_point(input):  # noqa: A002 - PyTorch's argument name
    """Whether ``input``'s dtype is a floating point one."""
    return input.is_floating_point()


def numel(input):  # noqa: A002
    """The number of elements of ``input``."""
    return input.numel()


# Legacy tensor types
from tinynet.legacy import (BoolTensor, ByteTensor, CharTensor, DoubleTensor,  # noqa: E402
                            FloatTensor, HalfTensor, IntTensor, LongTensor, ShortTensor)


# Compilers and precision switches, answered for a library without a compiler or a GPU
from tinynet.backends import (get_float32_matmul_precision,  # noqa: E402
                              set_float32_matmul_precision)
from tinynet.jit import compile  # noqa: E402,A004
# Tensor functions: ordering, picking and masking, norms, cumulative sums, *_like, errors
from tinynet import errors, linalg  # noqa: E402
from tinynet.creation_like import (empty_like, multinomial, rand_like, randint_like,  # noqa: E402
                                   randn_like)
from tinynet.ops import (  # noqa: E402
    all, any, argsort, bmm, cumprod, cumsum, flip, index_select, lerp, masked_fill, masked_select,
    mm, nonzero, norm, roll, sort, t, topk, tril, triu, unbind, unique)


def detach(input):  # noqa: A002 - PyTorch's argument name
    """``input.detach()``: the same data, cut out of the graph."""
    return input.detach()
# torch.utils.data: tinynet.utils.data, the datasets, samplers and DataLoader of tinynet.data
from tinynet import utils  # noqa: E402
# Indexing, dims, diagonals, products and counting: scatter, index_add, einsum, addmm, histc ...
from tinynet.ops.arrange_more import (atleast_1d, atleast_2d, atleast_3d,  # noqa: E402
                                      cartesian_prod, column_stack, diag, diag_embed, diagonal,
                                      dstack, hstack, meshgrid, moveaxis, movedim, row_stack,
                                      swapaxes, swapdims, tile, trace, vstack)
from tinynet.ops.counting import bincount, bucketize, histc, searchsorted  # noqa: E402
from tinynet.ops.indexing_more import (argwhere, index_add, index_copy,  # noqa: E402
                                       index_fill, masked_scatter, narrow, scatter,
                                       scatter_add, scatter_reduce, select, take,
                                       take_along_dim, tensor_split)
from tinynet.ops.linalg_more import determinant as det, inverse  # noqa: E402
from tinynet.ops.products import (addbmm, addcdiv, addcmul, addmm, addmv,  # noqa: E402
                                  baddbmm, cdist, cross, dot, einsum, ger, kron,
                                  matrix_power, mv, outer, tensordot, vdot)
# Writing parts out of place, splitting, broadcasting, combining, log-determinants
from tinynet.ops.scatter_views import (addr, block_diag, broadcast_shapes,  # noqa: E402
                                       broadcast_tensors, broadcast_to, combinations, concat,
                                       concatenate, diagflat, diagonal_scatter, dsplit, fliplr,
                                       flipud, hsplit, index_put, inner, logdet, put,
                                       select_scatter, slice_scatter, slogdet, tril_indices,
                                       triu_indices, vsplit)
from tinynet.ops.arrange_more import msort, ravel, repeat_interleave, rot90, unflatten  # noqa: E402
# Everyday math: rounding, logs, inverse trigonometry, remainders, logical and bitwise ops,
# closeness, and more reductions and scans
from tinynet.ops import (  # noqa: E402
    acos, allclose, arccos, arcsin, arctan, arctan2, asin, atan, atan2, bitwise_and, bitwise_not,
    bitwise_or, bitwise_xor, ceil, clamp_max, clamp_min, clip, cosh, count_nonzero, cummax, cummin,
    diff, equal, erf, erfinv, exp2, expm1, fix, float_power, floor, floor_divide, fmod, frac,
    hypot, isclose, isfinite, isinf, isnan, isneginf, isposinf, kthvalue, log1p, log2, log10,
    logcumsumexp, logical_and, logical_not, logical_or, logical_xor, median, mode, nan_to_num,
    nanmedian, positive, prod, reciprocal, remainder, round, rsqrt, sgn, sign, sinh, square,
    std_mean, trunc, var_mean)
from tinynet.ops import (  # noqa: E402
    absolute, acosh, aminmax, arccosh, arcsinh, arctanh, asinh, atanh, bitwise_left_shift,
    bitwise_right_shift, copysign, deg2rad, divide, fmax, fmin, gcd, greater, greater_equal,
    heaviside, is_complex, is_nonzero, is_same_size, is_signed, isin, isreal, lcm, less,
    less_equal, logaddexp, logaddexp2, logit, multiply, nanmean, nanquantile, nansum, negative,
    not_equal, quantile, rad2deg, signbit, sinc, subtract, tan, true_divide, xlogy)

# The in-place functions (torch.sigmoid_(x) ...), each the tensor method of the same name
from tinynet.ops import inplace_functions as _inplace_functions  # noqa: E402

globals().update({name: getattr(_inplace_functions, name) for name in _inplace_functions.NAMES})

# The mathematical constants, as in PyTorch (plain Python floats) and ``None`` as newaxis
import math as _math  # noqa: E402

pi, e, inf, nan, newaxis = _math.pi, _math.e, _math.inf, _math.nan, None
