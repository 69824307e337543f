"""Tensor: an n-dimensional array that remembers how it was computed.

A Tensor wraps a NumPy array (``.numpy()`` gives it without copying) and, when it was computed by
an op from tensors that require grad, the node of the graph that made it (``grad_fn``). Calling
``backward()`` on a result walks that graph back to the leaves and fills in their ``.grad``.
The methods that compute (``x + y``, ``x.sum()``, ``x.add_(y)`` ...) are in tensor_methods.py.
"""

from __future__ import annotations

import weakref

import numpy as np

from tinynet import dtypes
from tinynet.device import check_device
from tinynet.errors import ShapeError
from tinynet.printing import tensor_repr
from tinynet.size import Size, shape_of
from tinynet.tensor_conversions import TensorConversions
from tinynet.tensor_methods import TensorMethods

_new_size = tuple.__new__  # Size from a tuple of ints, unchecked (size.shape_of)


def _infer_array(data, dtype) -> np.ndarray:
    """The array for ``tensor(data, dtype)``: Python floats become the default float dtype
    (float32), ints int64, bools bool, and a NumPy array or scalar keeps its dtype (PyTorch's
    inference)."""
    if isinstance(data, Tensor):
        array = data._data.copy()
    elif isinstance(data, (np.ndarray, np.generic)):
        array = np.array(data)
    elif dtype is not None:  # straight to the asked dtype: 0.1 must not pass through float32
        array = np.array(data, dtype=dtypes.as_dtype(dtype))
    else:
        array = np.array(data)
        if array.dtype == np.float64:
            array = array.astype(dtypes.default_float_dtype)
        elif array.dtype.kind in "iu":
            array = array.astype(np.int64)
        elif array.dtype.kind not in "fb":
            raise TypeError(f"tensor(): cannot make a tensor from {type(data).__name__} "
                            f"(NumPy sees dtype {array.dtype})")
    if dtype is not None:
        array = array.astype(dtypes.as_dtype(dtype), copy=False)
    return array


def _legacy_array(args, dtype) -> np.ndarray | None:
    """The array of the legacy constructor ``Tensor(*args)`` (and ``FloatTensor(*args)`` ...):
    no argument gives an empty tensor, integers or a Size give a tensor of that shape (filled
    with zeros, where PyTorch leaves the memory uninitialised), and one sequence or array gives
    its values converted to ``dtype``. None for ``Tensor(other_tensor)`` (handled by the caller)."""
    if not args:
        return np.zeros((0,), dtype)
    if all(isinstance(a, (int, np.integer)) and not isinstance(a, (bool, np.bool_)) for a in args):
        if any(a < 0 for a in args):
            raise ShapeError(f"Trying to create tensor with negative dimension: "
                                     f"{list(args)}")
        return np.zeros(tuple(int(a) for a in args), dtype)
    if len(args) == 1 and isinstance(args[0], Size):
        return np.zeros(tuple(args[0]), dtype)
    if len(args) != 1:
        raise TypeError(f"Tensor(): expected sizes (ints) or one sequence of data, got "
                        f"{len(args)} arguments of types "
                        f"{[type(a).__name__ for a in args]}")
    (data,) = args
    if isinstance(data, Tensor):
        return None
    if not isinstance(data, (np.ndarray, list, tuple, range)):
        raise TypeError(f"Tensor(): data must be a sequence (got {type(data).__name__}); "
                        "use tinynet.tensor(value) for a 0-d tensor")
    try:
        return np.array(data, dtype=dtype)
    except ValueError as error:
        raise ValueError(f"Tensor(): the data is not a rectangular array of numbers "
                         f"({error})") from None


class Tensor(TensorConversions, TensorMethods):
    """An n-dimensional array with autograd. See the module docstring.

    Called directly, it is PyTorch's legacy constructor: ``Tensor([1, 2])`` is float32 (the
    default float dtype) whatever the data, ``Tensor(2, 3)`` is a 2x3 float32 tensor (of zeros:
    PyTorch leaves it uninitialised), ``Tensor()`` is empty, and ``Tensor(other)`` shares
    ``other``'s data. ``tinynet.tensor(data)`` is the function that infers the dtype. Beyond
    PyTorch, ``dtype=`` and ``requires_grad=`` are accepted.
    """

    __slots__ = ("_data", "_requires_grad", "_grad", "grad_fn", "_output_nr", "_version_counter",
                 "_hooks", "_accumulator", "_base", "__weakref__", "__dict__")
    __array_priority__ = 1000  # ndarray (op) Tensor defers to Tensor's reflected operator

    def __init__(self, *args, dtype=None, requires_grad=False, device=None):
        check_device(device)
        dtype = dtypes.default_float_dtype if dtype is None else dtypes.as_dtype(dtype)
        array = _legacy_array(args, dtype)
        if array is None:  # Tensor(other): the same data, as PyTorch's alias
            self._setup(args[0]._data, False, None)
            self._version_counter = args[0]._version_counter
        else:
            self._setup(array, False, None)
        self.requires_grad = requires_grad

    def _setup(self, array, requires_grad, grad_fn):
        self._data = array
        self._requires_grad = requires_grad
        self._grad = None
        self.grad_fn = grad_fn
        self._output_nr = 0
        self._version_counter = [0, None]  # [version, the in-place op that last wrote]
        self._hooks = None
        self._accumulator = None
        self._base = None

    @staticmethod
    def _make(array, requires_grad=False, grad_fn=None):
        """A tensor around ``array`` as it is: no copy, no inference (for ops)."""
        tensor = object.__new__(Tensor)
        tensor._data = array
        tensor._requires_grad = requires_grad
        tensor._grad = None
        tensor.grad_fn = grad_fn
        tensor._output_nr = 0
        tensor._version_counter = [0, None]
        tensor._hooks = None
        tensor._accumulator = None
        tensor._base = None
        return tensor

    # Autograd attributes -----------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        value = bool(value)
        if self.grad_fn is not None and not value:
            raise RuntimeError("you can only change requires_grad flags of leaf tensors; use "
                               "detach() to get a tensor that does not require grad")
        if value and self._data.dtype.kind != "f":
            raise RuntimeError(f"only tensors of floating point dtype can require gradients, "
                               f"got {dtypes.dtype_name(self._data.dtype)}")
        self._requires_grad = value

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def _version(self) -> int:
        return self._version_counter[0]

    @_version.setter
    def _version(self, value: int) -> None:
        self._version_counter[0] = value

    def _grad_accumulator(self):
        accumulator = self._accumulator() if self._accumulator is not None else None
        if accumulator is None:
            from tinynet.autograd.function import AccumulateGrad

            accumulator = AccumulateGrad(self)
            self._accumulator = weakref.ref(accumulator)
        return accumulator

    def backward(self, gradient=None, retain_graph=None, create_graph=False) -> None:
        """Accumulate d(self)/d(leaf) into the ``.grad`` of every leaf that requires grad.

        ``gradient`` is the upstream gradient (defaults to 1 for a scalar). The graph's saved
        arrays are freed afterwards unless ``retain_graph=True``; ``create_graph=True`` records
        the backward pass too, so that the gradients can be differentiated again.
        """
        from tinynet.autograd.engine import backward

        backward(self, gradient, retain_graph, create_graph)

    def detach(self) -> Tensor:
        """The same data (shared, with the same version counter) cut out of the graph."""
        result = Tensor._make(self._data)
        result._version_counter = self._version_counter
        return result

    def detach_(self) -> Tensor:
        self.grad_fn = None
        self._requires_grad = False
        return self

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` during backward."""
        if self.is_leaf:
            return
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on a tensor that has requires_grad=False")
        if getattr(self, "_retains_grad", False):
            return
        reference = weakref.ref(self)

        def store(grad):
            tensor = reference()
            if tensor is not None:
                tensor.grad = grad.detach() if tensor.grad is None else tensor.grad + grad.detach()

        self.grad_fn._add_output_hook(self._output_nr, ("retain_grad",), store)
        self._retains_grad = True

    def register_hook(self, hook) -> _RemovableHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor
        replaces the gradient. Returns a handle whose ``remove()`` unregisters it."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        key = object()
        if self.is_leaf:
            if self._hooks is None:
                self._hooks = {}
            self._hooks[key] = hook
            return _RemovableHandle(lambda: self._hooks.pop(key, None))
        node, index = self.grad_fn, self._output_nr
        node._add_output_hook(index, key, hook)
        return _RemovableHandle(lambda: node._remove_output_hook(index, key))

    @property
    def data(self) -> Tensor:
        """The data as a tensor outside the graph (no version tracking, as in PyTorch)."""
        return Tensor._make(self._data)

    @data.setter
    def data(self, value) -> None:
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)

    # Array attributes --------------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        return _new_size(Size, self._data.shape)  # shape_of(self._data), one call fewer

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def size(self, dim: int | None = None):
        """The Size of the tensor, or with ``dim`` the size of that dimension (an int)."""
        if dim is None:
            return shape_of(self._data)
        ndim = self._data.ndim
        if ndim == 0:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        if not -ndim <= dim < ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of "
                             f"[{-ndim}, {ndim - 1}], but got {dim})")
        return self._data.shape[dim]

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __array__(self, dtype=None, copy=None):
        return self._data if dtype is None else self._data.astype(dtype)

    def clone(self) -> Tensor:
        from tinynet.ops.cast import clone

        return clone(self)

    def __repr__(self) -> str:
        return tensor_repr(self)

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of a tensor with {self._data.size} elements is "
                               "ambiguous; use .any() or .all()")
        return bool(self._data)

    def __index__(self) -> int:
        if self.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self._data)

    __hash__ = object.__hash__

    def __deepcopy__(self, memo):
        """A new leaf with copied data (and a copied ``.grad``); only leaves can be copied, as in
        PyTorch, since a copy of a graph node would not be connected to anything."""
        if not self.is_leaf:
            raise RuntimeError("only tensors created explicitly by the user (graph leaves) support "
                               "deepcopy; detach() first")
        result = Tensor._make(self._data.copy(), self._requires_grad)
        if self.grad is not None:
            result.grad = Tensor._make(self.grad._data.copy())
        memo[id(self)] = result
        return result

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))


class _RemovableHandle:
    def __init__(self, remove):
        self._remove = remove

    def remove(self) -> None:
        self._remove()


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """A new leaf tensor holding a copy of ``data`` (a number, nested lists, an array, a tensor),
    its dtype inferred as PyTorch does unless given. ``device`` may only be the CPU;
    ``pin_memory`` is accepted and changes nothing (pinned memory speeds transfers to a GPU)."""
    check_device(device)
    result = Tensor._make(_infer_array(data, dtype))
    result.requires_grad = requires_grad
    return result

