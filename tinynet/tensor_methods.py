"""The op methods of Tensor: operators and named methods, each one line calling the function of
the same name in tinynet.ops, and the in-place ops (``add_``, ``x[key] = value`` ...), which run
that function and write its result into the tensor.

Kept apart from tensor.py (the data and autograd state) so that each file stays readable;
``Tensor`` inherits them.
"""

from __future__ import annotations

import weakref

import numpy as np

from tinynet import dtypes, ops
from tinynet.autograd.grad_mode import is_grad_enabled, no_grad
from tinynet.tensor_methods_extra import ExtraTensorMethods
from tinynet.tensor_methods_indexing import IndexingTensorMethods
from tinynet.tensor_methods_math import MathTensorMethods


class TensorMethods(ExtraTensorMethods, IndexingTensorMethods, MathTensorMethods):
    __slots__ = ()

    # Operators ---------------------------------------------------------------------------------
    def __add__(self, other):
        return ops.add(self, other)

    def __radd__(self, other):
        return ops.add(other, self)

    def __sub__(self, other):
        return ops.sub(self, other)

    def __rsub__(self, other):
        return ops.sub(other, self)

    def __mul__(self, other):
        return ops.mul(self, other)

    def __rmul__(self, other):
        return ops.mul(other, self)

    def __truediv__(self, other):
        return ops.div(self, other)

    def __rtruediv__(self, other):
        return ops.div(other, self)

    def __pow__(self, exponent):
        return ops.pow(self, exponent)

    def __rpow__(self, base):
        return ops.pow(base, self)

    def __matmul__(self, other):
        return ops.matmul(self, other)

    def __rmatmul__(self, other):
        return ops.matmul(other, self)

    def __neg__(self):
        return ops.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return ops.abs(self)

    def __getitem__(self, key):
        return ops.getitem(self, key)

    def __eq__(self, other):
        return ops.eq(self, other)

    def __ne__(self, other):
        return ops.ne(self, other)

    def __lt__(self, other):
        return ops.lt(self, other)

    def __le__(self, other):
        return ops.le(self, other)

    def __gt__(self, other):
        return ops.gt(self, other)

    def __ge__(self, other):
        return ops.ge(self, other)

    # Elementwise -------------------------------------------------------------------------------
    def add(self, other, *, alpha=1):
        return ops.add(self, other, alpha=alpha)

    def sub(self, other, *, alpha=1):
        return ops.sub(self, other, alpha=alpha)

    def mul(self, other):
        return ops.mul(self, other)

    def div(self, other, *, rounding_mode=None):
        return ops.div(self, other, rounding_mode=rounding_mode)

    def pow(self, exponent):
        return ops.pow(self, exponent)

    def neg(self):
        return ops.neg(self)

    def exp(self):
        return ops.exp(self)

    def log(self):
        return ops.log(self)

    def sqrt(self):
        return ops.sqrt(self)

    def abs(self):
        return ops.abs(self)

    def sin(self):
        return ops.sin(self)

    def cos(self):
        return ops.cos(self)

    def tanh(self):
        return ops.tanh(self)

    def sigmoid(self):
        return ops.sigmoid(self)

    def relu(self):
        return ops.relu(self)

    def clamp(self, min=None, max=None):  # noqa: A002 - PyTorch's argument names
        return ops.clamp(self, min, max)

    def maximum(self, other):
        return ops.maximum(self, other)

    def minimum(self, other):
        return ops.minimum(self, other)

    def eq(self, other):
        return ops.eq(self, other)

    def ne(self, other):
        return ops.ne(self, other)

    def lt(self, other):
        return ops.lt(self, other)

    def le(self, other):
        return ops.le(self, other)

    def gt(self, other):
        return ops.gt(self, other)

    def ge(self, other):
        return ops.ge(self, other)

    # Reductions --------------------------------------------------------------------------------
    def sum(self, dim=None, keepdim=False, dtype=None):
        return ops.sum(self, dim, keepdim, dtype=dtype)

    def mean(self, dim=None, keepdim=False, *, dtype=None):
        return ops.mean(self, dim, keepdim, dtype=dtype)

    def max(self, dim=None, keepdim=False):
        return ops.max(self, dim, keepdim)

    def min(self, dim=None, keepdim=False):
        return ops.min(self, dim, keepdim)

    def amax(self, dim=None, keepdim=False):
        return ops.amax(self, dim, keepdim)

    def amin(self, dim=None, keepdim=False):
        return ops.amin(self, dim, keepdim)

    def argmax(self, dim=None, keepdim=False):
        return ops.argmax(self, dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        return ops.argmin(self, dim, keepdim)

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return ops.var(self, dim, unbiased, keepdim, correction=correction)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return ops.std(self, dim, unbiased, keepdim, correction=correction)

    def logsumexp(self, dim, keepdim=False):
        return ops.logsumexp(self, dim, keepdim)

    def softmax(self, dim, dtype=None):
        return ops.softmax(self, dim, dtype=dtype)

    def log_softmax(self, dim, dtype=None):
        return ops.log_softmax(self, dim, dtype=dtype)

    # Shapes ------------------------------------------------------------------------------------
    def reshape(self, *shape):
        return ops.reshape(self, *shape)

    def view(self, *shape):
        """This tensor's memory seen with another shape; refused (name: reshape) when its layout
        does not allow it without a copy."""
        return ops.view(self, *shape)

    def permute(self, *dims):
        return ops.permute(self, *dims)

    def transpose(self, dim0, dim1):
        return ops.transpose(self, dim0, dim1)

    @property
    def T(self):
        return ops.permute(self, tuple(reversed(range(self.ndim))))

    def flatten(self, start_dim=0, end_dim=-1):
        return ops.flatten(self, start_dim, end_dim)

    def squeeze(self, dim=None):
        return ops.squeeze(self, dim)

    def unsqueeze(self, dim):
        return ops.unsqueeze(self, dim)

    def expand(self, *sizes):
        return ops.expand(self, *sizes)

    def expand_as(self, other):
        return ops.expand_as(self, other)

    def split(self, split_size, dim=0):
        return ops.split(self, split_size, dim)

    def chunk(self, chunks, dim=0):
        return ops.chunk(self, chunks, dim)

    def gather(self, dim, index):
        return ops.gather(self, dim, index)

    def matmul(self, other):
        return ops.matmul(self, other)

    # In-place ops ------------------------------------------------------------------------------
    def _inplace(self, op_name: str, compute) -> Tensor:
        """Replace this tensor's values by ``compute(old)`` in place, bump its version, and (when
        recording) make it the output of the op that ``compute`` ran, as PyTorch rebases."""
        recording = is_grad_enabled()
        if recording and self._requires_grad and self.is_leaf:
            raise RuntimeError(f"a leaf tensor that requires grad is being used in an in-place "
                               f"operation ({op_name}); wrap it in `with tinynet.no_grad():`")
        if recording and self._base is not None and self._base._requires_grad:
            raise RuntimeError(f"{op_name}: in-place operations on a view of a tensor that "
                               "requires grad are not supported in tinynet (PyTorch rebases the "
                               "base's graph); clone() the view first, or write into the base")
        if not self._data.flags.writeable:
            raise RuntimeError(f"{op_name}: this tensor is a read-only view (made by expand); "
                               "clone() it before writing into it")
        if not recording:
            with no_grad():
                result = compute(self)
            self._write(op_name, result._data)
            return self
        # the op sees a copy of the old values at the old place in the graph
        old = type(self)._make(self._data.copy(), self._requires_grad, self.grad_fn)
        old._output_nr = self._output_nr
        result = compute(old)
        self._write(op_name, result._data)
        if result.grad_fn is not None:
            self.grad_fn, self._requires_grad, self._output_nr = result.grad_fn, True, 0
            self.grad_fn._output_meta[0] = (weakref.ref(self), self._data, self._version_counter,
                                            self._version_counter[0])
        return self

    def _write(self, op_name: str, values: np.ndarray) -> None:
        if dtypes.promote_types(values.dtype, self.dtype) != self.dtype:
            raise RuntimeError(f"{op_name}: result type {values.dtype} can't be cast to the "
                               f"desired output type {self.dtype}")
        if values.shape != self.shape:
            raise RuntimeError(f"{op_name}: output with shape {list(self.shape)} doesn't match "
                               f"the broadcast shape {list(values.shape)}")
        np.copyto(self._data, values, casting="unsafe")
        self._version_counter[0] += 1
        self._version_counter[1] = op_name

    def add_(self, other, *, alpha=1) -> Tensor:
        return self._inplace("add_", lambda x: ops.add(x, other, alpha=alpha))

    def sub_(self, other, *, alpha=1) -> Tensor:
        return self._inplace("sub_", lambda x: ops.sub(x, other, alpha=alpha))

    def mul_(self, other) -> Tensor:
        return self._inplace("mul_", lambda x: ops.mul(x, other))

    def div_(self, other, *, rounding_mode=None) -> Tensor:
        return self._inplace("div_", lambda x: ops.div(x, other, rounding_mode=rounding_mode))

    def clamp_(self, min=None, max=None) -> Tensor:  # noqa: A002
        return self._inplace("clamp_", lambda x: ops.clamp(x, min, max))

    def __setitem__(self, key, value) -> None:
        self._inplace("__setitem__ (x[...] = value)", lambda x: ops.index_put(x, key, value))

    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)
