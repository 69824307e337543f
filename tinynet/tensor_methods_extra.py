"""More methods of Tensor, with PyTorch's names and arguments: the ``.grad`` attribute (checked
when assigned), ordering (sort, topk ...), picking and masking (index_select, masked_fill ...),
norms, cumulative sums, logical reductions, contiguity, and the in-place forms that change a
tensor's shape (unsqueeze_ ...) or replace its values (fill_, uniform_, copy_ ...).

Each out-of-place method is one line calling the function of the same name in tinynet.ops; the
in-place ones go through ``_inplace`` (tensor_methods.py), which records them in the graph as
PyTorch does.
"""

from __future__ import annotations

import weakref

import numpy as np

from tinynet import dtypes, ops
from tinynet.autograd.grad_mode import is_grad_enabled, no_grad
from tinynet.errors import DtypeError, ShapeError
from tinynet.random import numpy_generator


def _replaced(x, values):
    """``values`` (broadcast to x's shape, in x's dtype) as the result of an op on ``x``: the
    gradient to ``x`` is 0 and a tensor ``values`` gets the gradient of the places it fills."""
    result = ops.where(np.ones(x.shape, dtype=bool), values, x)
    return result if result.dtype == x.dtype else result.to(x.dtype)


class ExtraTensorMethods:
    __slots__ = ()

    # The gradient ------------------------------------------------------------------------------
    @property
    def grad(self):
        """The gradient accumulated by backward (None before). An assigned gradient must be a
        tensor of this tensor's shape and dtype, as in PyTorch, so that a wrong one fails here
        rather than broadcasting into the next update."""
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, ExtraTensorMethods):  # a Tensor
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of "
                                f"type {type(value).__name__}")
            if value.shape != self.shape:
                raise ShapeError(f"attempting to assign a gradient of size {list(value.shape)} to "
                                 f"a tensor of size {list(self.shape)}. Please ensure that the "
                                 "gradient and the tensor are the same size")
            if value.dtype != self.dtype:
                raise DtypeError(f"attempting to assign a gradient with dtype "
                                 f"{dtypes.dtype_name(value.dtype)} to a tensor of dtype "
                                 f"{dtypes.dtype_name(self.dtype)}; they must match")
        self._grad = value

    # Ordering and finding ----------------------------------------------------------------------
    def sort(self, dim=-1, descending=False, *, stable=False):
        return ops.sort(self, dim, descending, stable=stable)

    def argsort(self, dim=-1, descending=False, *, stable=False):
        return ops.argsort(self, dim, descending, stable=stable)

    def topk(self, k, dim=None, largest=True, sorted=True):  # noqa: A002 - PyTorch's name
        return ops.topk(self, k, dim, largest, sorted)

    def unique(self, sorted=True, return_inverse=False, return_counts=False,  # noqa: A002
               dim=None):
        return ops.unique(self, sorted, return_inverse, return_counts, dim)

    def nonzero(self, *, as_tuple=False):
        return ops.nonzero(self, as_tuple=as_tuple)

    # Products, norms, cumulative sums, logical reductions --------------------------------------
    def t(self):
        return ops.t(self)

    def mm(self, mat2):
        return ops.mm(self, mat2)

    def bmm(self, mat2):
        return ops.bmm(self, mat2)

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        return ops.norm(self, p, dim, keepdim, dtype=dtype)

    def cumsum(self, dim, dtype=None):
        return ops.cumsum(self, dim, dtype=dtype)

    def cumprod(self, dim, dtype=None):
        return ops.cumprod(self, dim, dtype=dtype)

    def all(self, dim=None, keepdim=False):  # noqa: A003 - PyTorch's name
        return ops.all(self, dim, keepdim)

    def any(self, dim=None, keepdim=False):  # noqa: A003
        return ops.any(self, dim, keepdim)

    def lerp(self, end, weight):
        return ops.lerp(self, end, weight)

    def where(self, condition, other):
        """self where ``condition`` else ``other`` (``tinynet.where(condition, self, other)``)."""
        return ops.where(condition, self, other)

    # Picking, masking, repeating ---------------------------------------------------------------
    def index_select(self, dim, index):
        return ops.index_select(self, dim, index)

    def masked_fill(self, mask, value):
        return ops.masked_fill(self, mask, value)

    def masked_select(self, mask):
        return ops.masked_select(self, mask)

    def unbind(self, dim=0):
        return ops.unbind(self, dim)

    def repeat(self, *repeats):
        return ops.repeat(self, *repeats)

    def flip(self, *dims):
        return ops.flip(self, dims[0] if len(dims) == 1 and not isinstance(dims[0], int) else dims)

    def roll(self, shifts, dims=None):
        return ops.roll(self, shifts, dims)

    def tril(self, diagonal=0):
        return ops.tril(self, diagonal)

    def triu(self, diagonal=0):
        return ops.triu(self, diagonal)

    def view_as(self, other):
        return ops.view_as(self, other)

    def multinomial(self, num_samples, replacement=False, *, generator=None):
        from tinynet.creation_like import multinomial

        return multinomial(self, num_samples, replacement, generator=generator)

    # Memory layout -----------------------------------------------------------------------------
    def is_contiguous(self, memory_format=None) -> bool:
        """True when the elements lie in memory in row-major order (not after a transpose)."""
        return bool(self._data.flags.c_contiguous)

    def contiguous(self, memory_format=None):
        """This tensor if it is contiguous, else a row-major copy (differentiable, as clone)."""
        from tinynet.ops.cast import clone  # a C-ordered copy

        return self if self._data.flags.c_contiguous else clone(self)

    # In-place forms ----------------------------------------------------------------------------
    def _reshape_inplace(self, op_name: str, compute):
        """Give this tensor the shape of ``compute(self)`` (a view of the same values), keeping
        its place in the graph as PyTorch does for unsqueeze_, squeeze_, t_."""
        if not (is_grad_enabled() and self._requires_grad):
            with no_grad():
                self._data = compute(self)._data
            return self
        if self.is_leaf:
            raise RuntimeError(f"a leaf tensor that requires grad is being used in an in-place "
                               f"operation ({op_name}); wrap it in `with tinynet.no_grad():`")
        old = type(self)._make(self._data, True, self.grad_fn)
        old._output_nr = self._output_nr
        result = compute(old)
        self._data, self.grad_fn, self._output_nr = result._data, result.grad_fn, 0
        self.grad_fn._output_meta[0] = (weakref.ref(self), self._data, self._version_counter,
                                        self._version_counter[0])
        return self

    def unsqueeze_(self, dim):
        return self._reshape_inplace("unsqueeze_", lambda x: ops.unsqueeze(x, dim))

    def squeeze_(self, dim=None):
        return self._reshape_inplace("squeeze_", lambda x: ops.squeeze(x, dim))

    def t_(self):
        return self._reshape_inplace("t_", ops.t)

    def fill_(self, value):
        return self._inplace("fill_", lambda x: _replaced(x, value))

    def zero_(self):
        return self.fill_(0)

    def copy_(self, src, non_blocking=False):
        """Write ``src``'s values (broadcast to this shape, converted to this dtype) into this
        tensor; the gradient flows back to ``src``."""
        return self._inplace("copy_", lambda x: _replaced(x, src))

    def uniform_(self, a=0.0, b=1.0, *, generator=None):  # noqa: A002
        """Fill with values drawn uniformly from [a, b)."""
        values = numpy_generator(generator).uniform(a, b, self.shape)
        return self._inplace("uniform_", lambda x: _replaced(x, values.astype(self.dtype)))

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        """Fill with values drawn from the normal distribution N(mean, std²)."""
        values = numpy_generator(generator).normal(mean, std, self.shape)
        return self._inplace("normal_", lambda x: _replaced(x, values.astype(self.dtype)))

    def masked_fill_(self, mask, value):
        return self._inplace("masked_fill_", lambda x: ops.masked_fill(x, mask, value))

    def index_fill_(self, dim, index, value):
        return self._inplace("index_fill_", lambda x: x.index_fill(dim, index, value))

    def tril_(self, diagonal=0):
        return self._inplace("tril_", lambda x: ops.tril(x, diagonal))

    def triu_(self, diagonal=0):
        return self._inplace("triu_", lambda x: ops.triu(x, diagonal))

    def lerp_(self, end, weight):
        return self._inplace("lerp_", lambda x: ops.lerp(x, end, weight))

    def exp_(self):
        return self._inplace("exp_", ops.exp)

    def log_(self):
        return self._inplace("log_", ops.log)

    def sqrt_(self):
        return self._inplace("sqrt_", ops.sqrt)

    def abs_(self):
        return self._inplace("abs_", ops.abs)

    def neg_(self):
        return self._inplace("neg_", ops.neg)

    def pow_(self, exponent):
        return self._inplace("pow_", lambda x: ops.pow(x, exponent))

    def sigmoid_(self):
        return self._inplace("sigmoid_", ops.sigmoid)

    def tanh_(self):
        return self._inplace("tanh_", ops.tanh)

    def relu_(self):
        return self._inplace("relu_", ops.relu)

    def clamp_min_(self, min):  # noqa: A002
        return self._inplace("clamp_min_", lambda x: ops.clamp(x, min, None))

    def clamp_max_(self, max):  # noqa: A002
        return self._inplace("clamp_max_", lambda x: ops.clamp(x, None, max))
