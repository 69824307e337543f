"""Further math methods of Tensor with PyTorch's names: tan and the inverse hyperbolic
functions, logit, xlogy, logaddexp, sinc, angle conversion, copysign, fmax, fmin, gcd, lcm and the
bit shifts (also as ``<<`` and ``>>``), PyTorch's other names for existing ops, the NaN-skipping
reductions and quantiles, each with its in-place ``x_`` form where PyTorch has one.

Each out-of-place method is one line calling the function of the same name in tinynet.ops; the
in-place ones go through ``_inplace`` (tensor_methods.py).
"""

from __future__ import annotations

from tinynet import ops


class MoreMathTensorMethods:
    __slots__ = ()

    def __lshift__(self, other):
        return ops.bitwise_left_shift(self, other)

    def __rlshift__(self, other):
        return ops.bitwise_left_shift(other, self)

    def __rshift__(self, other):
        return ops.bitwise_right_shift(self, other)

    def __rrshift__(self, other):
        return ops.bitwise_right_shift(other, self)

    def __ilshift__(self, other):
        return self.bitwise_left_shift_(other)

    def __irshift__(self, other):
        return self.bitwise_right_shift_(other)

    def tan(self):
        return ops.tan(self)

    def tan_(self):
        return self._inplace("tan_", ops.tan)

    def asinh(self):
        return ops.asinh(self)

    def asinh_(self):
        return self._inplace("asinh_", ops.asinh)

    def acosh(self):
        return ops.acosh(self)

    def acosh_(self):
        return self._inplace("acosh_", ops.acosh)

    def atanh(self):
        return ops.atanh(self)

    def atanh_(self):
        return self._inplace("atanh_", ops.atanh)

    def arcsinh(self):
        return ops.arcsinh(self)

    def arcsinh_(self):
        return self._inplace("arcsinh_", ops.arcsinh)

    def arccosh(self):
        return ops.arccosh(self)

    def arccosh_(self):
        return self._inplace("arccosh_", ops.arccosh)

    def arctanh(self):
        return ops.arctanh(self)

    def arctanh_(self):
        return self._inplace("arctanh_", ops.arctanh)

    def sinc(self):
        return ops.sinc(self)

    def sinc_(self):
        return self._inplace("sinc_", ops.sinc)

    def deg2rad(self):
        return ops.deg2rad(self)

    def deg2rad_(self):
        return self._inplace("deg2rad_", ops.deg2rad)

    def rad2deg(self):
        return ops.rad2deg(self)

    def rad2deg_(self):
        return self._inplace("rad2deg_", ops.rad2deg)

    def absolute(self):
        return ops.absolute(self)

    def absolute_(self):
        return self._inplace("absolute_", ops.absolute)

    def negative(self):
        return ops.negative(self)

    def negative_(self):
        return self._inplace("negative_", ops.negative)

    def xlogy(self, other):
        return ops.xlogy(self, other)

    def xlogy_(self, other):
        return self._inplace("xlogy_", lambda x: ops.xlogy(x, other))

    def copysign(self, other):
        return ops.copysign(self, other)

    def copysign_(self, other):
        return self._inplace("copysign_", lambda x: ops.copysign(x, other))

    def heaviside(self, values):
        return ops.heaviside(self, values)

    def heaviside_(self, values):
        return self._inplace("heaviside_", lambda x: ops.heaviside(x, values))

    def gcd(self, other):
        return ops.gcd(self, other)

    def gcd_(self, other):
        return self._inplace("gcd_", lambda x: ops.gcd(x, other))

    def lcm(self, other):
        return ops.lcm(self, other)

    def lcm_(self, other):
        return self._inplace("lcm_", lambda x: ops.lcm(x, other))

    def bitwise_left_shift(self, other):
        return ops.bitwise_left_shift(self, other)

    def bitwise_left_shift_(self, other):
        return self._inplace("bitwise_left_shift_", lambda x: ops.bitwise_left_shift(x, other))

    def bitwise_right_shift(self, other):
        return ops.bitwise_right_shift(self, other)

    def bitwise_right_shift_(self, other):
        return self._inplace("bitwise_right_shift_", lambda x: ops.bitwise_right_shift(x, other))

    def multiply(self, value):
        return ops.multiply(self, value)

    def multiply_(self, value):
        return self._inplace("multiply_", lambda x: ops.multiply(x, value))

    def true_divide(self, value):
        return ops.true_divide(self, value)

    def true_divide_(self, value):
        return self._inplace("true_divide_", lambda x: ops.true_divide(x, value))

    def greater(self, other):
        return ops.greater(self, other)

    def greater_(self, other):
        return self._inplace("greater_", lambda x: ops.greater(x, other))

    def greater_equal(self, other):
        return ops.greater_equal(self, other)

    def greater_equal_(self, other):
        return self._inplace("greater_equal_", lambda x: ops.greater_equal(x, other))

    def less(self, other):
        return ops.less(self, other)

    def less_(self, other):
        return self._inplace("less_", lambda x: ops.less(x, other))

    def less_equal(self, other):
        return ops.less_equal(self, other)

    def less_equal_(self, other):
        return self._inplace("less_equal_", lambda x: ops.less_equal(x, other))

    def not_equal(self, other):
        return ops.not_equal(self, other)

    def not_equal_(self, other):
        return self._inplace("not_equal_", lambda x: ops.not_equal(x, other))

    def logaddexp(self, other):
        return ops.logaddexp(self, other)

    def logaddexp2(self, other):
        return ops.logaddexp2(self, other)

    def fmax(self, other):
        return ops.fmax(self, other)

    def fmin(self, other):
        return ops.fmin(self, other)

    def signbit(self):
        return ops.signbit(self)

    def is_nonzero(self):
        return ops.is_nonzero(self)

    def is_signed(self):
        return ops.is_signed(self)

    def is_complex(self):
        return ops.is_complex(self)

    def isreal(self):
        return ops.isreal(self)

    def logit(self, eps=None):
        return ops.logit(self, eps)

    def logit_(self, eps=None):
        return self._inplace("logit_", lambda x: ops.logit(x, eps))

    def divide(self, value, *, rounding_mode=None):
        return ops.divide(self, value, rounding_mode=rounding_mode)

    def divide_(self, value, *, rounding_mode=None):
        return self._inplace("divide_", lambda x: ops.divide(x, value,
                                                             rounding_mode=rounding_mode))

    def subtract(self, other, *, alpha=1):
        return ops.subtract(self, other, alpha=alpha)

    def subtract_(self, other, *, alpha=1):
        return self._inplace("subtract_", lambda x: ops.subtract(x, other, alpha=alpha))

    def is_same_size(self, other):
        return ops.is_same_size(self, other)

    def aminmax(self, *, dim=None, keepdim=False):
        return ops.aminmax(self, dim=dim, keepdim=keepdim)

    def nansum(self, dim=None, keepdim=False, dtype=None):
        return ops.nansum(self, dim, keepdim, dtype=dtype)

    def nanmean(self, dim=None, keepdim=False, *, dtype=None):
        return ops.nanmean(self, dim, keepdim, dtype=dtype)

    def quantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
        return ops.quantile(self, q, dim, keepdim, interpolation=interpolation)

    def nanquantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
        return ops.nanquantile(self, q, dim, keepdim, interpolation=interpolation)
