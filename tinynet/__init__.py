"""tinynet: a deep learning framework to understand deep learning.

A reverse-mode autograd Tensor on NumPy, Numba kernels for the hot loops, and PyTorch's API:
``import tinynet as torch`` gives the names PyTorch code uses, grouped below as PyTorch's
documentation groups them.
"""

# ruff: noqa: F401 - re-exports, and PyTorch's names shadow builtins (bool, int, all ...)
from tinynet.tensor import Tensor, tensor  # first: everything else builds on it  # isort: skip

# Namespaces a tutorial reaches without importing them (torch.nn.functional, torch.utils.data ...)
from tinynet import (
    accelerator,
    autograd,
    backends,
    callbacks,
    cuda,
    errors,
    jit,
    linalg,
    nn,
    optim,
    regularizers,
    serialization,
    utils,
)
from tinynet.nn import functional as _functional
from tinynet.nn import init as _init
from tinynet.optim import lr_scheduler as _lr_scheduler

del _functional, _init, _lr_scheduler

# Autograd switches, seeding, threads, saving
from tinynet.autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled

# Creation
from tinynet.creation import (
    arange,
    empty,
    eye,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    randint,
    randn,
    randperm,
    zeros,
    zeros_like,
)
from tinynet.creation_like import empty_like, multinomial, rand_like, randint_like, randn_like

# Dtypes, devices, sizes and printing
from tinynet.device import device, get_default_device, layout, set_default_device, strided
from tinynet.dtypes import (
    bool,
    double,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    set_default_dtype,
    short,
    uint8,
)

# Pointwise, reductions, comparisons, shapes and indexing (tinynet.ops)
from tinynet.ops import (
    abs,
    absolute,
    acos,
    acosh,
    add,
    all,
    allclose,
    amax,
    amin,
    aminmax,
    any,
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctan2,
    arctanh,
    argmax,
    argmin,
    argsort,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    bitwise_and,
    bitwise_left_shift,
    bitwise_not,
    bitwise_or,
    bitwise_right_shift,
    bitwise_xor,
    bmm,
    cat,
    ceil,
    chunk,
    clamp,
    clamp_max,
    clamp_min,
    clip,
    copysign,
    cos,
    cosh,
    count_nonzero,
    cummax,
    cummin,
    cumprod,
    cumsum,
    deg2rad,
    diff,
    div,
    divide,
    eq,
    equal,
    erf,
    erfinv,
    exp,
    exp2,
    expm1,
    fix,
    flatten,
    flip,
    float_power,
    floor,
    floor_divide,
    fmax,
    fmin,
    fmod,
    frac,
    gather,
    gcd,
    ge,
    greater,
    greater_equal,
    gt,
    heaviside,
    hypot,
    index_select,
    is_complex,
    is_nonzero,
    is_same_size,
    is_signed,
    isclose,
    isfinite,
    isin,
    isinf,
    isnan,
    isneginf,
    isposinf,
    isreal,
    kthvalue,
    lcm,
    le,
    lerp,
    less,
    less_equal,
    log,
    log1p,
    log2,
    log10,
    log_softmax,
    logaddexp,
    logaddexp2,
    logcumsumexp,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    logit,
    logsumexp,
    lt,
    masked_fill,
    masked_select,
    matmul,
    max,
    maximum,
    mean,
    median,
    min,
    minimum,
    mm,
    mode,
    mul,
    multiply,
    nan_to_num,
    nanmean,
    nanmedian,
    nanquantile,
    nansum,
    ne,
    neg,
    negative,
    nonzero,
    norm,
    not_equal,
    permute,
    positive,
    pow,
    prod,
    quantile,
    rad2deg,
    reciprocal,
    relu,
    remainder,
    reshape,
    roll,
    round,
    rsqrt,
    sgn,
    sigmoid,
    sign,
    signbit,
    sin,
    sinc,
    sinh,
    softmax,
    sort,
    split,
    sqrt,
    square,
    squeeze,
    stack,
    std,
    std_mean,
    sub,
    subtract,
    sum,
    t,
    tan,
    tanh,
    topk,
    transpose,
    tril,
    triu,
    true_divide,
    trunc,
    unbind,
    unique,
    unsqueeze,
    var,
    var_mean,
    where,
    xlogy,
)

# The in-place functions (torch.sigmoid_(x) ...), each the tensor method of the same name
from tinynet.ops import inplace_functions as _inplace_functions
from tinynet.ops.arrange_more import (
    atleast_1d,
    atleast_2d,
    atleast_3d,
    cartesian_prod,
    column_stack,
    diag,
    diag_embed,
    diagonal,
    dstack,
    hstack,
    meshgrid,
    moveaxis,
    movedim,
    msort,
    ravel,
    repeat_interleave,
    rot90,
    row_stack,
    swapaxes,
    swapdims,
    tile,
    trace,
    unflatten,
    vstack,
)
from tinynet.ops.counting import bincount, bucketize, histc, searchsorted
from tinynet.ops.indexing_more import (
    argwhere,
    index_add,
    index_copy,
    index_fill,
    masked_scatter,
    narrow,
    scatter,
    scatter_add,
    scatter_reduce,
    select,
    take,
    take_along_dim,
    tensor_split,
)

# Products and linear algebra
from tinynet.ops.linalg_more import determinant as det
from tinynet.ops.linalg_more import inverse
from tinynet.ops.products import (
    addbmm,
    addcdiv,
    addcmul,
    addmm,
    addmv,
    baddbmm,
    cdist,
    cross,
    dot,
    einsum,
    ger,
    kron,
    matrix_power,
    mv,
    outer,
    tensordot,
    vdot,
)
from tinynet.ops.scatter_views import (
    addr,
    block_diag,
    broadcast_shapes,
    broadcast_tensors,
    broadcast_to,
    combinations,
    concat,
    concatenate,
    diagflat,
    diagonal_scatter,
    dsplit,
    fliplr,
    flipud,
    hsplit,
    index_put,
    inner,
    logdet,
    put,
    select_scatter,
    slice_scatter,
    slogdet,
    tril_indices,
    triu_indices,
    vsplit,
)
from tinynet.printing import set_printoptions
from tinynet.random import Generator, initial_seed, manual_seed, seed
from tinynet.runtime import get_num_threads, set_num_threads
from tinynet.serialization import load, save
from tinynet.size import Size

globals().update({name: getattr(_inplace_functions, name) for name in _inplace_functions.NAMES})
del _inplace_functions

# Legacy tensor types, and what PyTorch code asks of a compiler or a GPU
# The mathematical constants, as in PyTorch (plain Python floats), and None as newaxis
import math as _math

from tinynet.backends import get_float32_matmul_precision, set_float32_matmul_precision
from tinynet.jit import compile
from tinynet.legacy import (
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
)

pi, e, inf, nan, newaxis = _math.pi, _math.e, _math.inf, _math.nan, None
del _math

__version__ = "0.1.0"


def is_tensor(obj):
    """Whether ``obj`` is a tinynet Tensor."""
    return isinstance(obj, Tensor)


def is_floating_point(input):
    """Whether ``input``'s dtype is a floating point one."""
    return input.is_floating_point()


def numel(input):
    """The number of elements of ``input``."""
    return input.numel()


def clone(input, *, memory_format=None):
    """A copy of ``input`` that stays in the graph (its gradient flows back to ``input``)."""
    return input.clone()


def detach(input):
    """``input.detach()``: the same data, cut out of the graph."""
    return input.detach()


def from_numpy(array):
    """A tensor sharing memory with ``array`` (no copy, its dtype kept)."""
    return Tensor._make(array)

# Graph drawing
from tinynet import viz

# Model summary (torchinfo's table)
from tinynet.model_summary import summary

# Diagnostics: the gradient-flow monitor, the float32 health check
from tinynet import diagnostics

# Probability distributions (torch.distributions)
from tinynet import distributions
