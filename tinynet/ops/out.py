"""The ``out=`` argument of PyTorch's functions: the result written into a given tensor.

``torch.add(x, y, out=z)`` computes x + y and writes it into ``z``, which is returned. As in
PyTorch, the write is not recorded by autograd, so it is refused while grad mode is on and an
operand requires grad; ``out`` of another shape is resized (with a warning when it held
elements), and a result that cannot be cast to ``out``'s dtype of the same kind (float into an
integer tensor) is refused.
"""

from __future__ import annotations

import warnings

import numpy as np

from tinynet import dtypes
from tinynet import tensor as tensor_module
from tinynet.autograd.grad_mode import is_grad_enabled
from tinynet.errors import DtypeError


def write_out(result, out, op_name: str, *operands):
    """``result`` if ``out`` is None, else ``out`` holding ``result``'s values."""
    if out is None:
        return result
    if not isinstance(out, tensor_module.Tensor):
        raise TypeError(f"{op_name}(): argument 'out' must be a Tensor, not {type(out).__name__}")
    if is_grad_enabled():
        if out.requires_grad and out.is_leaf:
            raise RuntimeError(f"{op_name}(): a leaf tensor that requires grad was given as out=; "
                               "out= writes in place, which autograd does not record")
        if result.requires_grad or any(getattr(o, "requires_grad", False) for o in operands):
            raise RuntimeError(f"{op_name}(): functions with out=... arguments don't support "
                               "automatic differentiation, but one of the arguments requires grad")
    values = result._data
    if not np.can_cast(values.dtype, out.dtype, casting="same_kind"):
        raise DtypeError(f"{op_name}(): result type {dtypes.dtype_name(values.dtype)} can't be "
                         f"cast to the desired output type {dtypes.dtype_name(out.dtype)}")
    if out.shape != values.shape:
        if out.numel():
            warnings.warn(f"{op_name}(): an output with one or more elements was resized since it "
                          f"had shape {list(out.shape)}, which does not match the required output "
                          f"shape {list(values.shape)}", UserWarning, stacklevel=3)
        out._data = np.empty(values.shape, out.dtype)
    if not out._data.flags.writeable:
        raise RuntimeError(f"{op_name}(): out= is a read-only view (made by expand); clone() it")
    np.copyto(out._data, values, casting="unsafe")
    out._version_counter[0] += 1
    out._version_counter[1] = f"{op_name}(out=...)"
    return out
