"""What every loss function shares: the reductions, PyTorch's deprecated size_average/reduce
pair, and the checks of the inputs (no NaN, same shapes for the elementwise losses)."""

from __future__ import annotations

import warnings

import numpy as np

from tinynet.tensor import Tensor, tensor
from tinynet.errors import ShapeError

_REDUCTIONS = ("none", "mean", "sum")


def _reduce(loss: Tensor, reduction: str, name: str) -> Tensor:
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.mean()
    raise ValueError(
        f"{name}: reduction must be one of {', '.join(_REDUCTIONS)}; got {reduction!r}"
    )


def _check_reduction(reduction: str, name: str, allowed=_REDUCTIONS) -> None:
    if reduction not in allowed:
        raise ValueError(
            f"{name}: reduction must be one of {', '.join(allowed)}; got {reduction!r}"
        )


def _check_no_nan(name: str, **tensors) -> None:
    for role, tensor in tensors.items():
        if tensor is not None and tensor.dtype.kind == "f" and np.isnan(tensor._data).any():
            count = int(np.isnan(tensor._data).sum())
            raise ShapeError(
                f"{name}: {role} contains NaN ({count} of {tensor.numel()} "
                f"elements, shape {list(tensor.shape)})"
            )


def _elementwise_inputs(name: str, input, target):
    """Check an elementwise loss's operands: tensors of the same shape, no NaN."""
    target = target if isinstance(target, Tensor) else tensor(target)
    if input.shape != target.shape:
        raise ShapeError(
            f"{name}: input shape {list(input.shape)} and target shape "
            f"{list(target.shape)} differ; they must be the same"
        )
    _check_no_nan(name, input=input, target=target)
    return input, target


def legacy_reduction(size_average, reduce, reduction: str) -> str:
    """PyTorch's deprecated ``size_average``/``reduce`` pair turned into a ``reduction`` (with
    PyTorch's warning): both default to True; reduce=False gives "none", else size_average=False
    gives "sum", else "mean". When neither is given, ``reduction`` is kept. A string in their
    place (``mse_loss(x, y, "sum")``, which PyTorch reads as size_average=True) is refused."""
    if size_average is None and reduce is None:
        return reduction
    for name, value in (("size_average", size_average), ("reduce", reduce)):
        if isinstance(value, str):
            raise TypeError(
                f"{name}={value!r}: {name} is PyTorch's deprecated flag (a bool), not a "
                f"reduction; pass reduction={value!r} by keyword"
            )
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    result = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(
        f"size_average and reduce args will be deprecated, please use reduction='{result}' "
        "instead.",
        stacklevel=3,
    )
    return result
