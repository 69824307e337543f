"""The functional entry points of the differentiable ops, with PyTorch's names and arguments.

Each function checks its arguments, brings its operands to one dtype, and calls one Function (or
composes a few: mean is sum / n, softmax is exp(log_softmax), stack is unsqueeze + cat). They live
in three files by kind: functions_pointwise.py, functions_reduction.py, functions_shape.py.
"""

from tinynet.ops.broadcast import broadcast_to, sum_to
from tinynet.ops.functions_pointwise import (_floating, _tensor)  # noqa: F401 - used by nn ops
from tinynet.ops.functions_pointwise import (abs, add, clamp, cos, div, eq, exp, ge, gt, le, log,
                                             lt, maximum, minimum, mul, ne, neg, pow, relu,
                                             sigmoid, sin, sqrt, sub, tanh, where)
from tinynet.ops.functions_reduction import (amax, amin, argmax, argmin, log_softmax, logsumexp,
                                             max, mean, min, softmax, std, sum, var)
from tinynet.ops.functions_shape import (cat, chunk, expand, flatten, gather, getitem, index_put,
                                         matmul, pad, permute, reshape, scatter_add, split,
                                         squeeze, stack, transpose, unsqueeze)

__all__ = [
    "add", "sub", "mul", "div", "neg", "pow", "exp", "log", "sqrt", "abs", "sin", "cos", "tanh",
    "sigmoid", "relu", "clamp", "maximum", "minimum", "where", "eq", "ne", "lt", "le", "gt", "ge",
    "sum", "mean", "amax", "amin", "max", "min", "var", "std", "argmax", "argmin", "logsumexp",
    "softmax", "log_softmax", "reshape", "permute", "transpose", "flatten", "squeeze", "unsqueeze",
    "expand", "broadcast_to", "sum_to", "getitem", "index_put", "cat", "stack", "split", "chunk",
    "gather", "scatter_add", "pad", "matmul",
]
