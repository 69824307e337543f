"""Elementwise ops, each Function beside the function that calls it: arithmetic and comparisons
(arithmetic.py), functions of one tensor and the activations (unary.py), choosing between values
(selection.py)."""

from tinynet.ops.elementwise.arithmetic import (Add, Div, Mul, Neg, Pow, PowScalar, RPowScalar, Sub,
                                                add, div, eq, ge, gt, le, lt, mul, ne, neg, pow, sub)
from tinynet.ops.elementwise.selection import (Clamp, Maximum, Minimum, Where, clamp, maximum,
                                               minimum, where)
from tinynet.ops.elementwise.unary import (Abs, Cos, Exp, Log, ReLU, Sigmoid, Sin, Sqrt, Tanh, abs,
                                           cos, exp, log, relu, sigmoid, sin, sqrt, tanh)

__all__ = [
    "Add", "Sub", "Mul", "Div", "Neg", "Pow", "PowScalar", "RPowScalar", "Exp", "Log", "Sqrt", "Abs",
    "Sin", "Cos", "ReLU", "Sigmoid", "Tanh", "Maximum", "Minimum", "Where", "Clamp",
    "add", "sub", "mul", "div", "neg", "pow", "eq", "ne", "lt", "le", "gt", "ge", "exp", "log",
    "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "maximum", "minimum", "where", "clamp",
]
