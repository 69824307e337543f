"""Buffer, the uninitialized parameter and buffer, and the Lazy modules that infer their input
size (in_features, in_channels, num_features) at their first call.

A Lazy module holds ``UninitializedParameter``s (and ``UninitializedBuffer``s) of no shape until
its first call; that call creates them from the input's shape, initializes them as the ordinary
layer does and turns the module into that layer (a LazyLinear becomes a Linear): the parameter
objects stay the same, so an optimizer made before the first call updates them. Before that call,
an uninitialized tensor is empty (shape (0,)); ``load_state_dict`` needs the first call first.
"""

from __future__ import annotations

import numpy as np

from tinynet import dtypes
from tinynet.nn.conv import (
    Conv1d,
    Conv2d,
    Conv3d,
    ConvTranspose1d,
    ConvTranspose2d,
    ConvTranspose3d,
)
from tinynet.nn.factory import check_device
from tinynet.nn.linear import Linear
from tinynet.nn.module import Module
from tinynet.nn.normalization import (
    BatchNorm1d,
    BatchNorm2d,
    BatchNorm3d,
    InstanceNorm1d,
    InstanceNorm2d,
    InstanceNorm3d,
    _InstanceNorm,
)
from tinynet.nn.parameter import Parameter
from tinynet.tensor import Tensor
from tinynet.errors import ShapeError


class _BufferMeta(type):
    """``isinstance(t, Buffer)`` holds for the tensors ``Buffer(...)`` returns."""

    def __instancecheck__(cls, instance) -> bool:
        if cls is Buffer and isinstance(instance, Tensor) and getattr(instance, "_is_buffer",
                                                                      False):
            return True
        return super().__instancecheck__(instance)


class Buffer(Tensor, metaclass=_BufferMeta):
    """A tensor marked as a buffer: assigned to a Module attribute, it is registered with
    ``register_buffer`` (``persistent``: saved in ``state_dict``). ``Buffer(data)`` returns a
    Tensor sharing ``data``'s memory (with its requires_grad), as in PyTorch."""

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True):
        if data is None:
            data = Tensor._make(np.zeros((0,), dtypes.default_float_dtype))
        elif not isinstance(data, Tensor):
            raise TypeError(f"Buffer: data must be a Tensor, got {type(data).__name__}")
        buffer = data.detach()
        buffer.requires_grad = data.requires_grad
        buffer.persistent = persistent
        buffer._is_buffer = True
        return buffer


def _empty(dtype) -> np.ndarray:
    return np.zeros((0,), dtypes.default_float_dtype if dtype is None else np.dtype(dtype))


class UninitializedParameter(Parameter):
    """A Parameter with no shape yet (empty), for Lazy modules: ``materialize(shape)`` gives it
    its shape (zeros, for the module to initialize) and makes it an ordinary Parameter."""

    cls_to_become = Parameter

    def __init__(self, requires_grad: bool = True, device=None, dtype=None):
        check_device(device, "UninitializedParameter")
        super().__init__(Tensor._make(_empty(dtype)), requires_grad)

    def materialize(self, shape, device=None, dtype=None) -> None:
        check_device(device, "UninitializedParameter.materialize")
        self._data = np.zeros(tuple(shape), self._data.dtype if dtype is None else dtype)
        self.__class__ = self.cls_to_become

    def __repr__(self) -> str:
        return "<UninitializedParameter>"


class UninitializedBuffer(Tensor):
    """A buffer with no shape yet (empty), for Lazy modules; ``materialize(shape)`` makes it an
    ordinary Tensor of zeros of that shape."""

    cls_to_become = Tensor

    def __init__(self, requires_grad: bool = False, device=None, dtype=None,
                 persistent: bool = True):
        check_device(device, "UninitializedBuffer")
        self._setup(_empty(dtype), False, None)
        self.requires_grad = requires_grad
        self.persistent = persistent

    def materialize(self, shape, device=None, dtype=None) -> None:
        check_device(device, "UninitializedBuffer.materialize")
        self._data = np.zeros(tuple(shape), self._data.dtype if dtype is None else dtype)
        self.__class__ = self.cls_to_become

    def __repr__(self) -> str:
        return "<UninitializedBuffer>"


class _LazyMixin:
    """Infers the missing size at the first call (``initialize_parameters``), then becomes
    ``cls_to_become``."""

    cls_to_become: type = Module

    def has_uninitialized_params(self) -> bool:
        return any(isinstance(t, (UninitializedParameter, UninitializedBuffer))
                   for t in list(self._parameters.values()) + list(self._buffers.values()))

    def __call__(self, *args, **kwargs):
        if self.has_uninitialized_params():
            if not args or not isinstance(args[0], Tensor):
                raise TypeError(f"{type(self).__name__}: the first call needs the input tensor "
                                f"to infer the layer's size")
            self.initialize_parameters(*args)
            self.__class__ = self.cls_to_become
        return Module.__call__(self, *args, **kwargs)

    def _materialize(self, name: str, shape) -> None:
        tensor = getattr(self, name)
        if isinstance(tensor, (UninitializedParameter, UninitializedBuffer)):
            tensor.materialize(shape)


class LazyLinear(_LazyMixin, Linear):
    """Linear whose in_features is the last dim of the first input."""

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device=None, dtype=None):
        Module.__init__(self)
        check_device(device, "LazyLinear")
        self.in_features = 0
        self.out_features = out_features
        self.weight = UninitializedParameter(dtype=dtype)
        if bias:
            self.bias = UninitializedParameter(dtype=dtype)
        else:
            self.register_parameter("bias", None)

    def initialize_parameters(self, input: Tensor, *args) -> None:
        if input.ndim == 0:
            raise ShapeError("LazyLinear: expected an input (*, in_features), got a scalar")
        self.in_features = input.shape[-1]
        self._materialize("weight", (self.out_features, self.in_features))
        if self.bias is not None:
            self._materialize("bias", (self.out_features,))
        self.reset_parameters()


class _LazyConv(_LazyMixin):
    """Conv layers whose in_channels is dim 1 of the first input (dim 0 if unbatched)."""

    def _lazy_setup(self) -> None:
        self.in_channels = 0
        dtype = self.weight.dtype
        self.weight = UninitializedParameter(dtype=dtype)
        if self.bias is not None:
            self.bias = UninitializedParameter(dtype=dtype)

    def initialize_parameters(self, input: Tensor, *args) -> None:
        if input.ndim not in (self._dims + 1, self._dims + 2):
            raise ShapeError(f"{type(self).__name__}: expected a {self._dims + 2}-D (batched) or "
                             f"{self._dims + 1}-D input, got shape {list(input.shape)}")
        self.in_channels = input.shape[1 if input.ndim == self._dims + 2 else 0]
        if self.in_channels % self.groups:
            raise ShapeError(f"{type(self).__name__}: in_channels ({self.in_channels}) must be "
                             f"divisible by groups ({self.groups})")
        if self._transposed:
            shape = (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
        else:
            shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
        self._materialize("weight", shape)
        if self.bias is not None:
            self._materialize("bias", (self.out_channels,))
        self.reset_parameters()


def _lazy_conv(base: type) -> type:
    """The Lazy class of a convolution layer: the same arguments without in_channels."""
    if base._transposed:
        def __init__(self, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0,
                     groups: int = 1, bias: bool = True, dilation=1, padding_mode: str = "zeros",
                     device=None, dtype=None):
            base.__init__(self, groups, out_channels, kernel_size, stride, padding,
                          output_padding, groups, bias, dilation, padding_mode, device, dtype)
            self._lazy_setup()
    else:
        def __init__(self, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                     groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                     device=None, dtype=None):
            base.__init__(self, groups, out_channels, kernel_size, stride, padding, dilation,
                          groups, bias, padding_mode, device, dtype)
            self._lazy_setup()
    name = "Lazy" + base.__name__
    __init__.__qualname__ = f"{name}.__init__"
    doc = f"{base.__name__} whose in_channels is dim 1 of the first input (dim 0 if unbatched)."
    return type(name, (_LazyConv, base), {"__init__": __init__, "cls_to_become": base,
                                          "__doc__": doc, "__module__": __name__})


LazyConv1d = _lazy_conv(Conv1d)
LazyConv2d = _lazy_conv(Conv2d)
LazyConvTranspose1d = _lazy_conv(ConvTranspose1d)
LazyConvTranspose2d = _lazy_conv(ConvTranspose2d)
LazyConv3d = _lazy_conv(Conv3d)
LazyConvTranspose3d = _lazy_conv(ConvTranspose3d)


class _LazyNorm(_LazyMixin):
    """Batch and instance norm whose num_features is dim 1 of the first input (dim 0 for an
    unbatched instance-norm input). Their defaults are PyTorch's Lazy ones: affine and
    track_running_stats True for the instance norms too."""

    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 device=None, dtype=None, *, bias=True):
        self.cls_to_become.__init__(self, 0, eps, momentum, affine, track_running_stats, device,
                                    dtype, bias=bias)
        for name in ("weight", "bias"):
            if self._parameters.get(name) is not None:
                setattr(self, name, UninitializedParameter(dtype=dtype))
        for name in ("running_mean", "running_var"):
            if self._buffers.get(name) is not None:
                self._buffers[name] = UninitializedBuffer(dtype=dtype)
                object.__setattr__(self, name, self._buffers[name])

    def initialize_parameters(self, input: Tensor, *args) -> None:
        unbatched = (issubclass(self.cls_to_become, _InstanceNorm)
                     and input.ndim == self.cls_to_become._expected_dims[0])
        if input.ndim < 2:
            raise ShapeError(f"{type(self).__name__}: expected an input (N, C, *), got shape "
                             f"{list(input.shape)}")
        self.num_features = input.shape[0 if unbatched else 1]
        for name in ("weight", "bias", "running_mean", "running_var"):
            self._materialize(name, (self.num_features,))
        self.reset_parameters()


def _lazy_norm(base: type) -> type:
    name = "Lazy" + base.__name__
    doc = f"{base.__name__} whose num_features is inferred from the first input."
    return type(name, (_LazyNorm, base), {"cls_to_become": base, "__doc__": doc,
                                          "__module__": __name__})


LazyBatchNorm1d = _lazy_norm(BatchNorm1d)
LazyBatchNorm2d = _lazy_norm(BatchNorm2d)
LazyBatchNorm3d = _lazy_norm(BatchNorm3d)
LazyInstanceNorm1d = _lazy_norm(InstanceNorm1d)
LazyInstanceNorm2d = _lazy_norm(InstanceNorm2d)
LazyInstanceNorm3d = _lazy_norm(InstanceNorm3d)
