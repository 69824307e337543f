"""Methods of Tensor for creating tensors like this one (new_ones, new_tensor ..., type_as), for
writing at and reading from indices (scatter, index_add, masked_scatter, narrow, take ...),
for moving dims and diagonals, and for products (outer, dot, addmm, einsum-based ...), each one
line calling the function of the same name, with the in-place ``x_`` forms where PyTorch has
them (through ``_inplace``, tensor_methods.py, which records them in the graph).
"""

from __future__ import annotations

import numpy as np

from tinynet.ops import arrange_more as arrange
from tinynet.ops import counting, products
from tinynet.ops import indexing_more as indexing
from tinynet.ops import scatter_views as views


def _size(size):
    """A size given as ints or as one sequence (``new_ones(2, 3)`` or ``new_ones((2, 3))``)."""
    if len(size) == 1 and not isinstance(size[0], (int, np.integer)):
        return tuple(size[0])
    return tuple(size)


class IndexingTensorMethods:
    __slots__ = ()

    # New tensors like this one (its dtype unless given) ----------------------------------------
    def _new(self, make, size, dtype, device, requires_grad):
        return make(*_size(size), dtype=self.dtype if dtype is None else dtype, device=device,
                    requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
                 pin_memory=False):
        import tinynet

        return self._new(tinynet.ones, size, dtype, device, requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
                  pin_memory=False):
        import tinynet

        return self._new(tinynet.zeros, size, dtype, device, requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
                  pin_memory=False):
        """A new tensor of ``size``; tinynet fills it with zeros (PyTorch leaves it as it
        finds the memory)."""
        import tinynet

        return self._new(tinynet.empty, size, dtype, device, requires_grad)

    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False,
                 layout=None, pin_memory=False):
        import tinynet

        return tinynet.full(tuple(size), fill_value, dtype=self.dtype if dtype is None else dtype,
                            device=device, requires_grad=requires_grad)

    def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False, layout=None,
                   pin_memory=False):
        """A new tensor holding a copy of ``data``, in this tensor's dtype unless given (a
        tensor's data is copied and detached, as PyTorch's ``data.clone().detach()``)."""
        import tinynet

        if isinstance(data, IndexingTensorMethods):
            data = data.detach()._data.copy()
        return tinynet.tensor(data, dtype=self.dtype if dtype is None else dtype, device=device,
                              requires_grad=requires_grad)

    def type_as(self, tensor):
        """This tensor in ``tensor``'s dtype (itself when the dtype is already that)."""
        return self if self.dtype == tensor.dtype else self.to(tensor.dtype)

    # Writing at indices --------------------------------------------------------------------------
    def scatter(self, dim, index, src=None, *, value=None, reduce=None):
        return indexing.scatter(self, dim, index, src, value=value, reduce=reduce)

    def scatter_(self, dim, index, src=None, *, value=None, reduce=None):
        return self._inplace("scatter_", lambda x: indexing.scatter(x, dim, index, src,
                                                                     value=value, reduce=reduce))

    def scatter_add(self, dim, index, src):
        return indexing.scatter_add(self, dim, index, src)

    def scatter_add_(self, dim, index, src):
        return self._inplace("scatter_add_", lambda x: indexing.scatter_add(x, dim, index, src))

    def scatter_reduce(self, dim, index, src, reduce, *, include_self=True):
        return indexing.scatter_reduce(self, dim, index, src, reduce, include_self=include_self)

    def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
        return self._inplace("scatter_reduce_", lambda x: indexing.scatter_reduce(
            x, dim, index, src, reduce, include_self=include_self))

    def index_add(self, dim, index, source, *, alpha=1):
        return indexing.index_add(self, dim, index, source, alpha=alpha)

    def index_add_(self, dim, index, source, *, alpha=1):
        return self._inplace("index_add_", lambda x: indexing.index_add(x, dim, index, source,
                                                                         alpha=alpha))

    def index_fill(self, dim, index, value):
        return indexing.index_fill(self, dim, index, value)

    def index_copy(self, dim, index, source):
        return indexing.index_copy(self, dim, index, source)

    def index_copy_(self, dim, index, source):
        return self._inplace("index_copy_", lambda x: indexing.index_copy(x, dim, index, source))

    def masked_scatter(self, mask, source):
        return indexing.masked_scatter(self, mask, source)

    def masked_scatter_(self, mask, source):
        return self._inplace("masked_scatter_", lambda x: indexing.masked_scatter(x, mask, source))

    # Reading at indices, splitting -------------------------------------------------------------
    def narrow(self, dim, start, length):
        return indexing.narrow(self, dim, start, length)

    def select(self, dim, index):
        return indexing.select(self, dim, index)

    def take(self, index):
        return indexing.take(self, index)

    def take_along_dim(self, indices, dim=None):
        return indexing.take_along_dim(self, indices, dim)

    def tensor_split(self, indices_or_sections, dim=0):
        return indexing.tensor_split(self, indices_or_sections, dim)

    def argwhere(self):
        return indexing.argwhere(self)

    def histc(self, bins=100, min=0, max=0):  # noqa: A002 - PyTorch's argument names
        return counting.histc(self, bins, min, max)

    def bincount(self, weights=None, minlength=0):
        return counting.bincount(self, weights, minlength)

    # Dims and diagonals --------------------------------------------------------------------------
    def movedim(self, source, destination):
        return arrange.movedim(self, source, destination)

    def moveaxis(self, source, destination):
        return arrange.movedim(self, source, destination)

    def swapaxes(self, axis0, axis1):
        return arrange.swapaxes(self, axis0, axis1)

    def swapdims(self, dim0, dim1):
        return arrange.swapdims(self, dim0, dim1)

    def tile(self, *dims):
        return arrange.tile(self, _size(dims))

    def repeat_interleave(self, repeats, dim=None, *, output_size=None):
        return arrange.repeat_interleave(self, repeats, dim, output_size=output_size)

    def rot90(self, k=1, dims=(0, 1)):
        return arrange.rot90(self, k, dims)

    def unflatten(self, dim, sizes):
        return arrange.unflatten(self, dim, sizes)

    def ravel(self):
        return arrange.ravel(self)

    def reshape_as(self, other):
        return self.reshape(*other.shape)

    def msort(self):
        return arrange.msort(self)

    def swapaxes_(self, axis0, axis1):
        return self._reshape_inplace("swapaxes_", lambda x: arrange.swapaxes(x, axis0, axis1))

    def swapdims_(self, dim0, dim1):
        return self._reshape_inplace("swapdims_", lambda x: arrange.swapdims(x, dim0, dim1))

    def transpose_(self, dim0, dim1):
        return self._reshape_inplace("transpose_", lambda x: arrange.swapdims(x, dim0, dim1))

    def fill_diagonal_(self, fill_value, wrap=False):
        """Write ``fill_value`` on the main diagonal (entries (i, i, ...)) of a tensor of at
        least 2 dims, all of one size beyond 2-D; a tall matrix's diagonal restarts after every
        N + 1 rows with ``wrap=True``."""
        if self.ndim < 2 or (self.ndim > 2 and len(set(self.shape)) != 1):
            raise ValueError(f"fill_diagonal_(): dimensions must be larger than 1 and, beyond "
                             f"2, all of equal length; got shape {list(self.shape)}")
        mask = np.zeros(self.shape, dtype=bool)
        np.fill_diagonal(mask, True, wrap=wrap)
        return self.masked_fill_(mask, fill_value)

    def diag(self, diagonal=0):
        return arrange.diag(self, diagonal)

    def diag_embed(self, offset=0, dim1=-2, dim2=-1):
        return arrange.diag_embed(self, offset, dim1, dim2)

    def diagonal(self, offset=0, dim1=0, dim2=1):
        return arrange.diagonal(self, offset, dim1, dim2)

    def trace(self):
        return arrange.trace(self)

    # Products ----------------------------------------------------------------------------------
    def outer(self, vec2):
        return products.outer(self, vec2)

    def ger(self, vec2):
        return products.outer(self, vec2)

    def dot(self, other):
        return products.dot(self, other)

    def vdot(self, other):
        return products.vdot(self, other)

    def mv(self, vec):
        return products.mv(self, vec)

    def kron(self, other):
        return products.kron(self, other)

    def cross(self, other, dim=None):
        return products.cross(self, other, dim)

    def matrix_power(self, n):
        return products.matrix_power(self, n)

    def addmm(self, mat1, mat2, *, beta=1, alpha=1):
        return products.addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def addmm_(self, mat1, mat2, *, beta=1, alpha=1):
        return self._inplace("addmm_", lambda x: products.addmm(x, mat1, mat2, beta=beta,
                                                                 alpha=alpha))

    def addmv(self, mat, vec, *, beta=1, alpha=1):
        return products.addmv(self, mat, vec, beta=beta, alpha=alpha)

    def baddbmm(self, batch1, batch2, *, beta=1, alpha=1):
        return products.baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def baddbmm_(self, batch1, batch2, *, beta=1, alpha=1):
        return self._inplace("baddbmm_", lambda x: products.baddbmm(x, batch1, batch2, beta=beta,
                                                                     alpha=alpha))

    def addbmm(self, batch1, batch2, *, beta=1, alpha=1):
        return products.addbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def addbmm_(self, batch1, batch2, *, beta=1, alpha=1):
        return self._inplace("addbmm_", lambda x: products.addbmm(x, batch1, batch2, beta=beta,
                                                                   alpha=alpha))

    def addmv_(self, mat, vec, *, beta=1, alpha=1):
        return self._inplace("addmv_", lambda x: products.addmv(x, mat, vec, beta=beta,
                                                                 alpha=alpha))

    def addr_(self, vec1, vec2, *, beta=1, alpha=1):
        return self._inplace("addr_", lambda x: views.addr(x, vec1, vec2, beta=beta,
                                                            alpha=alpha))

    def addcmul(self, tensor1, tensor2, *, value=1):
        return products.addcmul(self, tensor1, tensor2, value=value)

    def addcmul_(self, tensor1, tensor2, *, value=1):
        return self._inplace("addcmul_", lambda x: products.addcmul(x, tensor1, tensor2,
                                                                     value=value))

    def addcdiv(self, tensor1, tensor2, *, value=1):
        return products.addcdiv(self, tensor1, tensor2, value=value)

    def addcdiv_(self, tensor1, tensor2, *, value=1):
        return self._inplace("addcdiv_", lambda x: products.addcdiv(x, tensor1, tensor2,
                                                                     value=value))

    def addr(self, vec1, vec2, *, beta=1, alpha=1):
        return views.addr(self, vec1, vec2, beta=beta, alpha=alpha)

    def inner(self, other):
        return views.inner(self, other)

    def logdet(self):
        return views.logdet(self)

    def slogdet(self):
        return views.slogdet(self)

    # Writing parts, splitting ------------------------------------------------------------------
    def index_put(self, indices, values, accumulate=False):
        return views.index_put(self, indices, values, accumulate)

    def index_put_(self, indices, values, accumulate=False):
        return self._inplace("index_put_", lambda x: views.index_put(x, indices, values,
                                                                     accumulate))

    def put(self, index, source, accumulate=False):
        return views.put(self, index, source, accumulate)

    def put_(self, index, source, accumulate=False):
        return self._inplace("put_", lambda x: views.put(x, index, source, accumulate))

    def select_scatter(self, src, dim, index):
        return views.select_scatter(self, src, dim, index)

    def slice_scatter(self, src, dim=0, start=None, end=None, step=1):
        return views.slice_scatter(self, src, dim, start, end, step)

    def diagonal_scatter(self, src, offset=0, dim1=0, dim2=1):
        return views.diagonal_scatter(self, src, offset, dim1, dim2)

    def diagflat(self, offset=0):
        return views.diagflat(self, offset)

    def hsplit(self, indices_or_sections):
        return views.hsplit(self, indices_or_sections)

    def vsplit(self, indices_or_sections):
        return views.vsplit(self, indices_or_sections)

    def dsplit(self, indices_or_sections):
        return views.dsplit(self, indices_or_sections)

    def broadcast_to(self, size):
        return views.broadcast_to(self, size)

    def fliplr(self):
        return views.fliplr(self)

    def flipud(self):
        return views.flipud(self)

    def inverse(self):
        from tinynet.ops.linalg_more import inv

        return inv(self)

    def det(self):
        from tinynet.ops.linalg_more import det

        return det(self)
