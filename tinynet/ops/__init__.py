"""The differentiable ops, with PyTorch's names and arguments, by kind: elementwise (arithmetic,
functions of one tensor, selection), reduction, shape, indexing, linalg, conv, pool, and the
fused ops that layers need (nn_ops, loss, normalization).

Each module holds the Functions (forward on arrays, backward in tensor ops) and beside them the
functions that check their arguments, bring the operands to one dtype and call them. The helpers
they share: broadcast (broadcast_to, sum_to), dims (dim arguments), promotion (dtypes of
operands), summation (sums over several axes).
"""

from tinynet.ops.broadcast import broadcast_to, sum_to
from tinynet.ops.elementwise import (abs, add, clamp, cos, div, eq, exp, ge, gt, le, log, lt,
                                     maximum, minimum, mul, ne, neg, pow, relu, sigmoid, sin, sqrt,
                                     sub, tanh, where)
from tinynet.ops.indexing import gather, getitem, index_put, scatter_add
from tinynet.ops.promotion import floating, to_tensor  # noqa: F401 - used by the nn ops
from tinynet.ops.reduction import (amax, amin, argmax, argmin, log_softmax, logsumexp, max, mean,
                                   min, softmax, std, sum, var)
from tinynet.ops.shape import (cat, chunk, expand, flatten, matmul, pad, permute, reshape, split,
                               squeeze, stack, transpose, unsqueeze)

__all__ = [
    "add", "sub", "mul", "div", "neg", "pow", "exp", "log", "sqrt", "abs", "sin", "cos", "tanh",
    "sigmoid", "relu", "clamp", "maximum", "minimum", "where", "eq", "ne", "lt", "le", "gt", "ge",
    "sum", "mean", "amax", "amin", "max", "min", "var", "std", "argmax", "argmin", "logsumexp",
    "softmax", "log_softmax", "reshape", "permute", "transpose", "flatten", "squeeze", "unsqueeze",
    "expand", "broadcast_to", "sum_to", "getitem", "index_put", "cat", "stack", "split", "chunk",
    "gather", "scatter_add", "pad", "matmul",
]

# Ordering, picking and masking, norms and cumulative sums
from tinynet.ops.norms import (all, any, cumprod, cumsum, matrix_norm, norm,  # noqa: E402
                               vector_norm)
from tinynet.ops.rearrange import (  # noqa: E402
    bmm, expand_as, flip, index_select, lerp, masked_fill, masked_select, mm, repeat, roll, t, tril,
    triu, unbind, view, view_as)
from tinynet.ops.sorting import argsort, nonzero, sort, topk, unique  # noqa: E402

__all__ += [
    "all", "any", "cumprod", "cumsum", "matrix_norm", "norm", "vector_norm", "bmm", "expand_as",
    "flip", "index_select", "lerp", "masked_fill", "masked_select", "mm", "repeat", "roll", "t",
    "tril", "triu", "unbind", "view", "view_as", "argsort", "nonzero", "sort", "topk", "unique",
]

# Everyday math: rounding, logs and exponentials, inverse trigonometry, remainders, logical and
# bitwise ops, closeness, and more reductions and scans
from tinynet.ops.elementwise.binary_math import (  # noqa: E402
    allclose, arctan2, atan2, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, clamp_max,
    clamp_min, clip, equal, float_power, floor_divide, fmod, hypot, isclose, logical_and,
    logical_or, logical_xor, remainder)
from tinynet.ops.elementwise.math import (  # noqa: E402
    acos, arccos, arcsin, arctan, asin, atan, ceil, cosh, erf, erfinv, exp2, expm1, fix, floor,
    frac, isfinite, isinf, isnan, isneginf, isposinf, log1p, log2, log10, logical_not, nan_to_num,
    positive, reciprocal, round, rsqrt, sgn, sign, sinh, square, trunc)
from tinynet.ops.elementwise.math_more import (  # noqa: E402
    absolute, acosh, arccosh, arcsinh, arctanh, asinh, atanh, bitwise_left_shift,
    bitwise_right_shift, copysign, deg2rad, divide, fmax, fmin, gcd, greater, greater_equal,
    heaviside, is_complex, is_nonzero, is_same_size, is_signed, isin, isreal, lcm, less,
    less_equal, logaddexp, logaddexp2, logit, multiply, negative, not_equal, rad2deg, signbit,
    sinc, subtract, tan, true_divide, xlogy)
from tinynet.ops.reduction_more import (  # noqa: E402
    aminmax, count_nonzero, cummax, cummin, diff, kthvalue, logcumsumexp, median, mode, nanmean,
    nanmedian, nanquantile, nansum, prod, quantile, std_mean, var_mean)

__all__ += [
    "allclose", "arctan2", "atan2", "bitwise_and", "bitwise_not", "bitwise_or", "bitwise_xor",
    "clamp_max", "clamp_min", "clip", "equal", "float_power", "floor_divide", "fmod", "hypot",
    "isclose", "logical_and", "logical_or", "logical_xor", "remainder", "acos", "arccos", "arcsin",
    "arctan", "asin", "atan", "ceil", "cosh", "erf", "erfinv", "exp2", "expm1", "fix", "floor",
    "frac", "isfinite", "isinf", "isnan", "isneginf", "isposinf", "log1p", "log2", "log10",
    "logical_not", "nan_to_num", "positive", "reciprocal", "round", "rsqrt", "sgn", "sign", "sinh",
    "square", "trunc", "count_nonzero", "cummax", "cummin", "diff", "kthvalue", "logcumsumexp",
    "median", "mode", "nanmedian", "prod", "std_mean", "var_mean",
    "absolute", "acosh", "arccosh", "arcsinh", "arctanh", "asinh", "atanh", "bitwise_left_shift",
    "bitwise_right_shift", "copysign", "deg2rad", "divide", "fmax", "fmin", "gcd", "greater",
    "greater_equal", "heaviside", "is_complex", "is_nonzero", "is_same_size", "is_signed", "isin",
    "isreal", "lcm", "less", "less_equal", "logaddexp", "logaddexp2", "logit", "multiply",
    "negative", "not_equal", "rad2deg", "signbit", "sinc", "subtract", "tan", "true_divide",
    "xlogy", "aminmax", "nanmean", "nanquantile", "nansum", "quantile",
]
