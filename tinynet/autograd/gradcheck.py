"""Gradient checking: compare backward's gradients with central finite differences.

For a function y = f(x) and a random upstream gradient v, backward computes the vector-Jacobian
product vᵀ·∂f/∂x. The same quantity is the derivative of the scalar s(x) = <v, f(x)>, which
central differences estimate element by element:

    ∂s/∂x_i ≈ (s(x + ε·e_i) − s(x − ε·e_i)) / 2ε        (error O(ε²))

A random v (not a plain ``.sum()``) catches a backward that forgets to multiply by its incoming
gradient. Differences are taken in float64: in float32 the rounding error of s (≈1e-7·|s|) divided
by 2ε swamps the result.

Unlike PyTorch, which builds the full Jacobian, tinynet checks one random vector-Jacobian product:
one backward and 2·numel forward calls instead of numel backward calls. A wrong formula is caught
with probability one.
"""

from __future__ import annotations

import warnings

import numpy as np

from tinynet import tensor as tensor_module
from tinynet.autograd.engine import as_tuple
from tinynet.autograd.engine import grad as autograd_grad
from tinynet.autograd.grad_mode import enable_grad, no_grad


class GradcheckError(RuntimeError):
    """Raised when an analytic gradient disagrees with the finite-difference estimate."""


def _float_outputs(outputs):
    return [o for o in as_tuple(outputs)
            if isinstance(o, tensor_module.Tensor) and o.dtype.kind == "f"]


def _differentiable(inputs):
    return [i for i, x in enumerate(inputs)
            if isinstance(x, tensor_module.Tensor) and x.requires_grad]


def _weighted_sum(fn, inputs, vectors) -> float:
    """s = Σ_k <v_k, f_k(inputs)>, in float64."""
    outputs = _float_outputs(fn(*inputs))
    return float(sum(np.sum(v * o._data.astype(np.float64)) for v, o in zip(vectors, outputs)))


def numerical_grad(fn, inputs, grad_outputs=None, eps: float = 1e-6) -> tuple:
    """Central-difference estimate of the gradient of <grad_outputs, fn(*inputs)> with respect to
    every input that requires grad, as NumPy arrays (None for the others).

    ``grad_outputs`` defaults to ones, which for a scalar ``fn`` is the plain gradient. Each input
    is perturbed in place and restored, one element at a time: 2·numel calls of ``fn``.
    """
    inputs = as_tuple(inputs)
    with no_grad():
        outputs = _float_outputs(fn(*inputs))
        if grad_outputs is None:
            vectors = [np.ones(o.shape) for o in outputs]
        else:
            vectors = [np.asarray(getattr(v, "_data", v), dtype=np.float64)
                       for v in as_tuple(grad_outputs)]
        gradients = []
        for index, x in enumerate(inputs):
            if index not in _differentiable(inputs):
                gradients.append(None)
                continue
            data = x._data
            estimate = np.zeros(x.shape, np.float64)
            for element in np.ndindex(x.shape):
                original = data[element]
                data[element] = original + eps
                plus = _weighted_sum(fn, inputs, vectors)
                data[element] = original - eps
                minus = _weighted_sum(fn, inputs, vectors)
                data[element] = original
                estimate[element] = (plus - minus) / (2 * eps)
            gradients.append(estimate)
    return tuple(gradients)


def _analytic_grad(fn, inputs, vectors_for):
    outputs = _float_outputs(fn(*inputs))
    vectors = vectors_for(outputs)
    tracked = [(o, v) for o, v in zip(outputs, vectors) if o.requires_grad]
    positions = _differentiable(inputs)
    results = [None] * len(inputs)
    if tracked:
        grads = autograd_grad(
            [o for o, _ in tracked],
            [inputs[p] for p in positions],
            [tensor_module.Tensor._make(v.astype(o.dtype)) for o, v in tracked],
            allow_unused=True,
        )
        for position, g in zip(positions, grads):
            results[position] = g
    for position in positions:
        if results[position] is None:
            results[position] = np.zeros(inputs[position].shape)
        else:
            results[position] = results[position]._data.astype(np.float64)
    return results, vectors


def gradcheck(fn, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, seed: int = 0) -> bool:
    """Check backward against central differences for every input that requires grad.

    Passes when |analytic − numeric| ≤ atol + rtol·|numeric| for every element. On failure the
    report names the input, the element, the analytic and numeric values, and the worst absolute
    and relative errors. Returns True, or False / raises ``GradcheckError``.
    """
    inputs = as_tuple(inputs)
    positions = _differentiable(inputs)
    if not positions:
        raise ValueError("gradcheck: no input requires grad; create inputs with requires_grad=True")
    for position in positions:
        if inputs[position].dtype != np.float64:
            warnings.warn(
                f"gradcheck: input {position} is {inputs[position].dtype}, not float64; finite "
                "differences in single precision are too inexact to check against",
                stacklevel=2,
            )
    rng = np.random.default_rng(seed)
    analytic, vectors = _analytic_grad(
        fn, inputs, lambda outputs: [rng.standard_normal(o.shape) for o in outputs])
    numeric = numerical_grad(fn, inputs, vectors, eps)
    for position in positions:
        failure = _compare(analytic[position], numeric[position], atol, rtol)
        if failure is not None:
            message = f"gradcheck failed for {_describe(fn)}, input {position} " + failure
            if raise_exception:
                raise GradcheckError(message)
            return False
    return True


def _compare(analytic, numeric, atol, rtol):
    error = np.abs(analytic - numeric)
    bad = error > atol + rtol * np.abs(numeric)
    if not bad.any():
        return None
    relative = error / np.maximum(np.abs(numeric), 1e-12)
    worst = np.unravel_index(np.argmax(np.where(bad, error, -1.0)), analytic.shape)
    return (
        f"(shape {list(analytic.shape)}), element {tuple(int(i) for i in worst)}: "
        f"analytic {analytic[worst]:.8g} vs numerical {numeric[worst]:.8g}; "
        f"{int(bad.sum())} of {bad.size} elements differ; max abs error {error.max():.3g}, "
        f"max rel error {relative.max():.3g} (atol={atol}, rtol={rtol})"
    )


def _describe(fn) -> str:
    return getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)


def gradgradcheck(fn, inputs, grad_outputs=None, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, raise_exception: bool = True, seed: int = 0) -> bool:
    """Check second derivatives: gradcheck of (inputs, v) ↦ vᵀ·∂f/∂inputs, the backward pass
    recorded with ``create_graph=True``. Checks the gradient with respect to v as well."""
    inputs = as_tuple(inputs)
    positions = _differentiable(inputs)
    with no_grad():
        outputs = _float_outputs(fn(*inputs))
    rng = np.random.default_rng(seed + 1)
    if grad_outputs is None:
        grad_outputs = [
            tensor_module.tensor(rng.standard_normal(o.shape), dtype=np.float64, requires_grad=True)
            for o in outputs
        ]
    grad_outputs = list(as_tuple(grad_outputs))
    count = len(inputs)

    def first_derivative(*values):
        xs, vs = values[:count], values[count:]
        with enable_grad():  # numerical_grad calls this under no_grad
            outs = [o for o in _float_outputs(fn(*xs)) if o.requires_grad]
            grads = autograd_grad(outs, [xs[p] for p in positions], list(vs[: len(outs)]),
                                  create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    first_derivative.__qualname__ = f"the gradient of {_describe(fn)}"
    return gradcheck(first_derivative, (*inputs, *grad_outputs), eps, atol, rtol,
                     raise_exception, seed)
