"""The math methods of Tensor, with PyTorch's names and arguments: rounding, logarithms and
exponentials, inverse trigonometry, remainders, logical and bitwise ops (also as the operators
``%``, ``//``, ``&``, ``|``, ``^``, ``~``), closeness tests, and more reductions and scans, each
with its in-place ``x_`` form where PyTorch has one.

Each out-of-place method is one line calling the function of the same name in tinynet.ops; the
in-place ones go through ``_inplace`` (tensor_methods.py), which records them in the graph as
PyTorch does.
"""

from __future__ import annotations

from tinynet import ops
from tinynet.tensor_methods_math_more import MoreMathTensorMethods


class MathTensorMethods(MoreMathTensorMethods):
    __slots__ = ()

    # Operators ---------------------------------------------------------------------------------
    def __mod__(self, other):
        return ops.remainder(self, other)

    def __rmod__(self, other):
        return ops.remainder(other, self)

    def __floordiv__(self, other):
        return ops.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return ops.floor_divide(other, self)

    def __and__(self, other):
        return ops.bitwise_and(self, other)

    def __rand__(self, other):
        return ops.bitwise_and(other, self)

    def __or__(self, other):
        return ops.bitwise_or(self, other)

    def __ror__(self, other):
        return ops.bitwise_or(other, self)

    def __xor__(self, other):
        return ops.bitwise_xor(self, other)

    def __rxor__(self, other):
        return ops.bitwise_xor(other, self)

    def __invert__(self):
        return ops.bitwise_not(self)

    def __imod__(self, other):
        return self.remainder_(other)

    def __ifloordiv__(self, other):
        return self.floor_divide_(other)

    def __iand__(self, other):
        return self.bitwise_and_(other)

    def __ior__(self, other):
        return self.bitwise_or_(other)

    def __ixor__(self, other):
        return self.bitwise_xor_(other)

    # Functions of one tensor and of two, with their in-place forms -----------------------------
    def floor(self):
        return ops.floor(self)

    def floor_(self):
        return self._inplace("floor_", ops.floor)

    def ceil(self):
        return ops.ceil(self)

    def ceil_(self):
        return self._inplace("ceil_", ops.ceil)

    def trunc(self):
        return ops.trunc(self)

    def trunc_(self):
        return self._inplace("trunc_", ops.trunc)

    def fix(self):
        return ops.fix(self)

    def fix_(self):
        return self._inplace("fix_", ops.fix)

    def frac(self):
        return ops.frac(self)

    def frac_(self):
        return self._inplace("frac_", ops.frac)

    def sign(self):
        return ops.sign(self)

    def sign_(self):
        return self._inplace("sign_", ops.sign)

    def sgn(self):
        return ops.sgn(self)

    def sgn_(self):
        return self._inplace("sgn_", ops.sgn)

    def reciprocal(self):
        return ops.reciprocal(self)

    def reciprocal_(self):
        return self._inplace("reciprocal_", ops.reciprocal)

    def rsqrt(self):
        return ops.rsqrt(self)

    def rsqrt_(self):
        return self._inplace("rsqrt_", ops.rsqrt)

    def square(self):
        return ops.square(self)

    def square_(self):
        return self._inplace("square_", ops.square)

    def log1p(self):
        return ops.log1p(self)

    def log1p_(self):
        return self._inplace("log1p_", ops.log1p)

    def expm1(self):
        return ops.expm1(self)

    def expm1_(self):
        return self._inplace("expm1_", ops.expm1)

    def log2(self):
        return ops.log2(self)

    def log2_(self):
        return self._inplace("log2_", ops.log2)

    def log10(self):
        return ops.log10(self)

    def log10_(self):
        return self._inplace("log10_", ops.log10)

    def exp2(self):
        return ops.exp2(self)

    def exp2_(self):
        return self._inplace("exp2_", ops.exp2)

    def sinh(self):
        return ops.sinh(self)

    def sinh_(self):
        return self._inplace("sinh_", ops.sinh)

    def cosh(self):
        return ops.cosh(self)

    def cosh_(self):
        return self._inplace("cosh_", ops.cosh)

    def asin(self):
        return ops.asin(self)

    def asin_(self):
        return self._inplace("asin_", ops.asin)

    def acos(self):
        return ops.acos(self)

    def acos_(self):
        return self._inplace("acos_", ops.acos)

    def atan(self):
        return ops.atan(self)

    def atan_(self):
        return self._inplace("atan_", ops.atan)

    def arcsin(self):
        return ops.arcsin(self)

    def arcsin_(self):
        return self._inplace("arcsin_", ops.arcsin)

    def arccos(self):
        return ops.arccos(self)

    def arccos_(self):
        return self._inplace("arccos_", ops.arccos)

    def arctan(self):
        return ops.arctan(self)

    def arctan_(self):
        return self._inplace("arctan_", ops.arctan)

    def erf(self):
        return ops.erf(self)

    def erf_(self):
        return self._inplace("erf_", ops.erf)

    def erfinv(self):
        return ops.erfinv(self)

    def erfinv_(self):
        return self._inplace("erfinv_", ops.erfinv)

    def logical_not(self):
        return ops.logical_not(self)

    def logical_not_(self):
        return self._inplace("logical_not_", ops.logical_not)

    def bitwise_not(self):
        return ops.bitwise_not(self)

    def bitwise_not_(self):
        return self._inplace("bitwise_not_", ops.bitwise_not)

    def atan2(self, other):
        return ops.atan2(self, other)

    def atan2_(self, other):
        return self._inplace("atan2_", lambda x: ops.atan2(x, other))

    def arctan2(self, other):
        return ops.arctan2(self, other)

    def arctan2_(self, other):
        return self._inplace("arctan2_", lambda x: ops.arctan2(x, other))

    def fmod(self, divisor):
        return ops.fmod(self, divisor)

    def fmod_(self, divisor):
        return self._inplace("fmod_", lambda x: ops.fmod(x, divisor))

    def remainder(self, divisor):
        return ops.remainder(self, divisor)

    def remainder_(self, divisor):
        return self._inplace("remainder_", lambda x: ops.remainder(x, divisor))

    def floor_divide(self, value):
        return ops.floor_divide(self, value)

    def floor_divide_(self, value):
        return self._inplace("floor_divide_", lambda x: ops.floor_divide(x, value))

    def hypot(self, other):
        return ops.hypot(self, other)

    def hypot_(self, other):
        return self._inplace("hypot_", lambda x: ops.hypot(x, other))

    def logical_and(self, other):
        return ops.logical_and(self, other)

    def logical_and_(self, other):
        return self._inplace("logical_and_", lambda x: ops.logical_and(x, other))

    def logical_or(self, other):
        return ops.logical_or(self, other)

    def logical_or_(self, other):
        return self._inplace("logical_or_", lambda x: ops.logical_or(x, other))

    def logical_xor(self, other):
        return ops.logical_xor(self, other)

    def logical_xor_(self, other):
        return self._inplace("logical_xor_", lambda x: ops.logical_xor(x, other))

    def bitwise_and(self, other):
        return ops.bitwise_and(self, other)

    def bitwise_and_(self, other):
        return self._inplace("bitwise_and_", lambda x: ops.bitwise_and(x, other))

    def bitwise_or(self, other):
        return ops.bitwise_or(self, other)

    def bitwise_or_(self, other):
        return self._inplace("bitwise_or_", lambda x: ops.bitwise_or(x, other))

    def bitwise_xor(self, other):
        return ops.bitwise_xor(self, other)

    def bitwise_xor_(self, other):
        return self._inplace("bitwise_xor_", lambda x: ops.bitwise_xor(x, other))

    def isnan(self):
        return ops.isnan(self)

    def isinf(self):
        return ops.isinf(self)

    def isposinf(self):
        return ops.isposinf(self)

    def isneginf(self):
        return ops.isneginf(self)

    def isfinite(self):
        return ops.isfinite(self)

    def positive(self):
        return ops.positive(self)

    def round(self, *, decimals=0):
        """``decimals`` is keyword-only, as PyTorch's method accepts it (its docstring shows it
        positional)."""
        return ops.round(self, decimals=decimals)

    def round_(self, *, decimals=0):
        return self._inplace("round_", lambda x: ops.round(x, decimals=decimals))

    def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
        return ops.nan_to_num(self, nan, posinf, neginf)

    def nan_to_num_(self, nan=0.0, posinf=None, neginf=None):
        return self._inplace("nan_to_num_", lambda x: ops.nan_to_num(x, nan, posinf, neginf))

    def float_power(self, exponent):
        return ops.float_power(self, exponent)

    def float_power_(self, exponent):
        """In place: this tensor must be float64, the dtype float_power computes in."""
        return self._inplace("float_power_", lambda x: ops.float_power(x, exponent))

    def sin_(self):
        return self._inplace("sin_", ops.sin)

    def cos_(self):
        return self._inplace("cos_", ops.cos)

    def clip(self, min=None, max=None):  # noqa: A002 - PyTorch's argument names
        return ops.clip(self, min, max)

    def clip_(self, min=None, max=None):  # noqa: A002
        return self._inplace("clip_", lambda x: ops.clip(x, min, max))

    def clamp_min(self, min):  # noqa: A002
        return ops.clamp_min(self, min)

    def clamp_max(self, max):  # noqa: A002
        return ops.clamp_max(self, max)

    # Closeness ---------------------------------------------------------------------------------
    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return ops.isclose(self, other, rtol, atol, equal_nan)

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return ops.allclose(self, other, rtol, atol, equal_nan)

    def equal(self, other):
        return ops.equal(self, other)

    # Reductions and scans ----------------------------------------------------------------------
    def prod(self, dim=None, keepdim=False, dtype=None):
        return ops.prod(self, dim, keepdim, dtype=dtype)

    def median(self, dim=None, keepdim=False):
        return ops.median(self, dim, keepdim)

    def nanmedian(self, dim=None, keepdim=False):
        return ops.nanmedian(self, dim, keepdim)

    def mode(self, dim=None, keepdim=False):
        return ops.mode(self, dim, keepdim)

    def kthvalue(self, k, dim=None, keepdim=False):
        return ops.kthvalue(self, k, dim, keepdim)

    def count_nonzero(self, dim=None):
        return ops.count_nonzero(self, dim)

    def logcumsumexp(self, dim):
        return ops.logcumsumexp(self, dim)

    def cummax(self, dim):
        return ops.cummax(self, dim)

    def cummin(self, dim):
        return ops.cummin(self, dim)

    def diff(self, n=1, dim=-1, prepend=None, append=None):
        return ops.diff(self, n, dim, prepend, append)
