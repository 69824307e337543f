"""Gradient clipping and flattening parameters into one vector (PyTorch's nn.utils); the padded
and packed sequences of recurrent networks are in ``tinynet.nn.utils.rnn``."""

from __future__ import annotations

import warnings
from collections.abc import Iterable

import numpy as np

from tinynet import ops
from tinynet.tensor import Tensor
from tinynet.errors import ShapeError

TensorOrTensors = Tensor | Iterable[Tensor]


def _as_list(parameters: TensorOrTensors) -> list[Tensor]:
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def _vector_norm(array: np.ndarray, norm_type: float) -> np.ndarray:
    """‖array‖_p over all its elements, in the array's dtype (p may be inf, -inf or 0)."""
    if array.size == 0:
        return np.zeros((), dtype=array.dtype)
    return np.asarray(np.linalg.norm(array.ravel(), ord=norm_type), dtype=array.dtype)


def _check_foreach(foreach) -> None:
    """PyTorch's ``foreach`` (None, True, False) picks its multi-tensor kernels; tinynet clips
    each gradient with one NumPy operation either way, so it is accepted and changes nothing."""
    if foreach is not None and not isinstance(foreach, bool):
        raise TypeError(f"foreach must be None, True or False, but got {foreach!r}")


def get_total_norm(
    tensors: TensorOrTensors,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """The norm of all the tensors taken together as one vector: ‖(‖t₁‖_p, ‖t₂‖_p, ...)‖_p, that
    is (Σ|t|^p)^(1/p), or max|t| for ``norm_type=inf``; a scalar tensor (0 for no tensors).
    ``error_if_nonfinite``: raise RuntimeError if it is NaN or infinite. ``foreach`` is accepted
    and changes nothing."""
    _check_foreach(foreach)
    norm_type = float(norm_type)
    tensors = _as_list(tensors)
    if not tensors:
        return Tensor._make(np.asarray(0.0, dtype=np.float32))
    norms = np.stack([_vector_norm(t.detach().numpy(), norm_type) for t in tensors])
    total_norm = _vector_norm(norms, norm_type)
    if error_if_nonfinite and not np.isfinite(total_norm):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite "
            f"({float(total_norm)}), so it cannot be clipped. To disable this error and scale "
            "the gradients by the non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    return Tensor._make(np.asarray(total_norm))


def clip_grads_with_norm_(
    parameters: TensorOrTensors,
    max_norm: float,
    total_norm: Tensor,
    foreach: bool | None = None,
) -> None:
    """Multiply every gradient in place by min(1, max_norm / (total_norm + 1e-6)), given the
    total norm (from ``get_total_norm``), so the direction of the update is kept. Parameters
    whose ``grad`` is None are skipped; ``foreach`` is accepted and changes nothing."""
    _check_foreach(foreach)
    grads = [param.grad for param in _as_list(parameters) if param.grad is not None]
    total = np.asarray(total_norm.detach().numpy() if isinstance(total_norm, Tensor)
                       else total_norm)
    clip_coefficient = min(float(max_norm) / (total + 1e-6), 1.0)
    with np.errstate(invalid="ignore"):  # an infinite norm turns gradients into NaN, as in PyTorch
        for grad in grads:
            grad.detach().numpy()[...] *= clip_coefficient
            grad._version += 1


def clip_grad_norm_(
    parameters: TensorOrTensors,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Rescale the gradients in place so that their total norm is at most ``max_norm``.

    The total norm treats all the gradients as one vector: ‖(‖g₁‖_p, ‖g₂‖_p, ...)‖_p, that is
    (Σ|g|^p)^(1/p), or max|g| for ``norm_type=inf`` (``get_total_norm``). Every gradient is
    multiplied by min(1, max_norm / (total + 1e-6)) (``clip_grads_with_norm_``), so the direction
    of the update is kept. Parameters whose ``grad`` is None are skipped.

    Args:
        parameters: a tensor or an iterable of tensors whose ``.grad`` to clip.
        max_norm: the largest allowed total norm.
        norm_type: p of the p-norm (default 2.0; ``float("inf")`` for the max norm).
        error_if_nonfinite: raise RuntimeError if the total norm is NaN or infinite (otherwise the
            gradients are scaled by it anyway, as in PyTorch).
        foreach: PyTorch's choice of multi-tensor kernels; accepted, changes nothing.

    Returns:
        the total norm of the gradients before clipping, a scalar tensor.
    """
    parameters = _as_list(parameters)
    grads = [param.grad for param in parameters if param.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    if grads:
        clip_grads_with_norm_(parameters, max_norm, total_norm, foreach)
    return total_norm


def clip_grad_norm(
    parameters: TensorOrTensors,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """PyTorch's deprecated name of ``clip_grad_norm_`` (which it is, with PyTorch's
    FutureWarning)."""
    warnings.warn(
        "`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
        "`torch.nn.utils.clip_grad_norm_`.",
        FutureWarning,
        stacklevel=2,
    )
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(
    parameters: TensorOrTensors, clip_value: float, foreach: bool | None = None
) -> None:
    """Clamp every gradient element into [−clip_value, clip_value], in place. Unlike
    ``clip_grad_norm_`` this changes the gradient's direction. A negative ``clip_value`` is
    refused (PyTorch would set every element to −|clip_value|); ``foreach`` is accepted and
    changes nothing."""
    _check_foreach(foreach)
    clip_value = float(clip_value)
    if clip_value < 0:
        raise ValueError(f"clip_value must be >= 0, but got {clip_value}")
    for param in _as_list(parameters):
        if param.grad is not None:
            grad = param.grad.detach().numpy()
            np.clip(grad, -clip_value, clip_value, out=grad)
            param.grad._version += 1


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated into one 1-D tensor, in order (differentiable:
    gradients flow back to the parameters). Shape: (Σ numel,)."""
    flat = [param.reshape(-1) for param in _as_list(parameters)]
    if not flat:
        raise ValueError("parameters_to_vector got no parameters")
    return ops.cat(flat)


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of the 1-D tensor ``vec`` into the parameters, in place (the
    inverse of ``parameters_to_vector``; not recorded by autograd)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected a Tensor, but got {type(vec).__name__}")
    parameters = _as_list(parameters)
    total = sum(param.numel() for param in parameters)
    if vec.ndim != 1 or vec.numel() != total:
        raise ShapeError(
            f"vec must be 1-D with {total} elements (the parameters' total), "
            f"but has shape {tuple(vec.shape)}"
        )
    values = vec.detach().numpy()
    offset = 0
    for param in parameters:
        count = param.numel()
        param.detach().numpy()[...] = values[offset : offset + count].reshape(param.shape)
        param._version += 1
        offset += count


# Padded and packed sequences for recurrent networks
from tinynet.nn.utils import rnn  # noqa: E402, F401 (the submodule, as an attribute)
