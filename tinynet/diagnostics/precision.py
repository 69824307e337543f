"""float32 health check: where does single precision lose most in one training step?

``precision_report(model, loss_fn, batch)`` runs one forward and backward pass twice, on two
copies of the model: one in float32 and one in float64, both from the same float32 weights and
inputs (the float64 copy holds exactly the float32 values), so that every difference comes from
rounding in the arithmetic, not from the data. Per layer (module path) it compares what forward
hooks saw (the layer's outputs) and the gradients of the layer's own parameters, as the norm-wise
relative error

    error(a32, a64) = ||a32 - a64|| / ||a64||      (Frobenius norms, over every call and output)

which is about 1e-7 (float32's unit roundoff 6e-8) for a well-conditioned layer, grows with long
sums and cancellation (a Winograd transform, a reduction over a million terms), and is inf where
float32 overflowed or produced NaN where float64 did not (a softmax without max-subtraction).

Errors accumulate: a layer's outputs carry the error of every layer before it, its gradients that
of every layer after it (backward runs the other way). The layer where precision is lost is where
the error jumps; the report puts first the layer with the largest error, among equals the one with
the larger activation error, then the one whose forward finished first, the origin of an overflow.
"""

from __future__ import annotations

import copy
import math
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from tinynet import dtypes
from tinynet.random import default_generator
from tinynet.tensor import Tensor

_HOOK_REGISTRIES = ("_forward_pre_hooks", "_forward_hooks", "_backward_hooks")


def relative_error(low, high) -> float:
    """||low - high|| / ||high|| over arrays (or lists of arrays) of the same shapes; 0 where they
    agree exactly (infinities and NaNs included), inf where only one of them is finite."""
    low = np.concatenate([np.ravel(a).astype(np.float64) for a in _as_list(low)] or [np.zeros(0)])
    high = np.concatenate([np.ravel(a).astype(np.float64) for a in _as_list(high)]
                          or [np.zeros(0)])
    if low.shape != high.shape:
        raise ValueError(f"cannot compare {low.size} values with {high.size}")
    same = (low == high) | (np.isnan(low) & np.isnan(high))
    if not np.all(same | (np.isfinite(low) & np.isfinite(high))):
        return math.inf
    difference = float(np.linalg.norm(np.where(same, 0.0, low - high)))
    reference = float(np.linalg.norm(np.where(np.isfinite(high), high, 0.0)))
    if reference == 0.0:
        return 0.0 if difference == 0.0 else math.inf
    return difference / reference


def _as_list(value) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


@dataclass
class LayerPrecision:
    """One layer: its module path (``name``, "" for the model itself), class name, the relative
    error of its outputs and of its own parameters' gradients (None when it has none)."""

    name: str
    type: str
    activation_error: float
    gradient_error: float | None
    output_shape: tuple = ()
    order: int = field(default=0, repr=False)  # when its forward finished (innermost first)

    @property
    def label(self) -> str:
        return self.name or "(model)"

    @property
    def error(self) -> float:
        """The larger of the two errors (NaN counted as inf)."""
        values = [self.activation_error] + ([self.gradient_error]
                                            if self.gradient_error is not None else [])
        return max(_worst_first(v) for v in values)


def _worst_first(value: float) -> float:
    return math.inf if math.isnan(value) else value


class PrecisionReport:
    """``rows`` (a LayerPrecision per layer, worst first: largest error, then largest activation
    error, then the layer whose forward finished first, where the error appeared),
    ``parameter_errors`` (gradient error per parameter name), ``loss32``, ``loss64``,
    ``loss_error``, ``worst`` (the first row) and ``worst_layer`` (its module path). ``str()`` is
    the table."""

    def __init__(self, rows, parameter_errors, loss32, loss64):
        self.rows = sorted(rows, key=lambda r: (-r.error, -_worst_first(r.activation_error),
                                                r.order))
        self.parameter_errors = parameter_errors
        self.loss32, self.loss64 = loss32, loss64
        self.loss_error = relative_error(np.float64(loss32), np.float64(loss64))

    @property
    def worst(self) -> LayerPrecision | None:
        return self.rows[0] if self.rows else None

    @property
    def worst_layer(self) -> str | None:
        return self.worst.name if self.rows else None

    def __str__(self) -> str:
        width = max([len("layer")] + [len(r.label) for r in self.rows])
        kind = max([len("type")] + [len(r.type) for r in self.rows])
        header = (f"{'layer':<{width}}  {'type':<{kind}}  {'output shape':<18}"
                  f"{'activation rel. error':>22}  {'gradient rel. error':>20}")
        lines = ["float32 against float64, one forward and backward pass (worst first)", header,
                 "-" * len(header)]
        for row in self.rows:
            gradient = "--" if row.gradient_error is None else f"{row.gradient_error:.2e}"
            lines.append(f"{row.label:<{width}}  {row.type:<{kind}}  "
                         f"{list(row.output_shape)!s:<18}{row.activation_error:>22.2e}  "
                         f"{gradient:>20}")
        lines.append("-" * len(header))
        lines.append(f"loss: float32 {self.loss32:.8g}, float64 {self.loss64:.8g}, "
                     f"rel. error {self.loss_error:.2e}")
        if self.worst is not None:
            lines.append(f"worst layer: {self.worst.label} ({self.worst.type}), rel. error "
                         f"{self.worst.error:.2e}")
        return "\n".join(lines)

    __repr__ = __str__


def precision_report(model, loss_fn, batch) -> PrecisionReport:
    """One step of ``model`` in float32 and in float64 compared layer by layer (see the module
    docstring for the error measure).

    batch: ``(inputs, targets)``, the loss being ``loss_fn(model(inputs), targets)``, or a Tensor
    ``inputs`` alone, the loss being ``loss_fn(model(inputs))``; a tuple or list of inputs is
    passed to ``model`` as several arguments. Floating-point inputs are rounded to float32 for both
    passes; integer ones (labels, token ids) are used as they are. The loss must be a scalar.

    ``model`` is left exactly as it was (values, dtype, ``.grad``, mode, hooks): the passes run on
    deep copies without the user's hooks; each pass runs with the default dtype set to its own and
    the global random generator in the same state (so a dropout mask is the same in both), and
    both are restored afterwards.
    """
    from tinynet.nn import Module

    if not isinstance(model, Module):
        raise TypeError(f"precision_report needs a tinynet.nn.Module; got {type(model).__name__}")
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable; got {type(loss_fn).__name__}")
    inputs, targets = _split_batch(batch)
    state = default_generator.get_state()
    default_dtype = dtypes.get_default_dtype()
    try:  # overflow in float32 is what the report measures: no warnings about it
        with np.errstate(all="ignore"):
            low = _one_step(model, loss_fn, inputs, targets, dtypes.float32)
            default_generator.set_state(state)
            high = _one_step(model, loss_fn, inputs, targets, dtypes.float64)
    finally:
        default_generator.set_state(state)
        dtypes.set_default_dtype(default_dtype)

    rows, parameter_errors = [], {}
    for name, module_type in high["types"].items():
        if name not in low["activations"] or len(low["activations"][name]) != len(
                high["activations"][name]):
            raise RuntimeError(f"layer {name or '(model)'} ran a different number of times in the "
                               "float32 and the float64 pass: precision_report needs a forward "
                               "pass that does not depend on rounding")
        own = [p for p in high["owners"].get(name, []) if p in high["grads"] and p in low["grads"]]
        for parameter in own:
            parameter_errors[parameter] = relative_error(low["grads"][parameter],
                                                         high["grads"][parameter])
        rows.append(LayerPrecision(
            name, module_type,
            relative_error(low["activations"][name], high["activations"][name]),
            relative_error([low["grads"][p] for p in own], [high["grads"][p] for p in own])
            if own else None,
            high["shapes"][name], high["order"][name]))
    return PrecisionReport(rows, parameter_errors, low["loss"], high["loss"])


def _split_batch(batch):
    if isinstance(batch, Tensor):
        return batch, None
    if isinstance(batch, (tuple, list)) and len(batch) == 2:
        return batch[0], batch[1]
    raise TypeError(
        "batch must be a Tensor of inputs or a pair (inputs, targets); got "
        + (f"a sequence of {len(batch)} items" if isinstance(batch, (tuple, list))
           else type(batch).__name__))


def _cast(value, dtype):
    """Floating-point tensors rounded to float32, then given ``dtype`` (exactly representable)."""
    if isinstance(value, Tensor):
        if value.dtype.kind != "f":
            return value.detach()
        return Tensor._make(value._data.astype(np.float32).astype(dtype))
    if isinstance(value, (tuple, list)):
        return type(value)(_cast(v, dtype) for v in value)
    return value


def _copy_without_hooks(model):
    """A deep copy of ``model`` in which no module carries the user's hooks."""
    memo = {}
    for module in model.modules():
        for registry in _HOOK_REGISTRIES:
            hooks = module.__dict__.get(registry)
            if hooks is not None:
                memo[id(hooks)] = OrderedDict()
    return copy.deepcopy(model, memo)


def _one_step(model, loss_fn, inputs, targets, dtype) -> dict:
    dtypes.set_default_dtype(dtype)
    replica = _copy_without_hooks(model)
    for tensor in list(replica.parameters()) + list(replica.buffers()):
        if tensor.dtype.kind == "f":
            tensor._data = tensor._data.astype(np.float32).astype(dtype)
    replica.zero_grad(set_to_none=True)
    record = {"activations": {}, "shapes": {}, "order": {}, "types": {}, "owners": {},
              "grads": {}}
    for name, module in replica.named_modules():
        record["types"][name] = type(module).__name__
        record["owners"][name] = [f"{name}.{p}" if name else p
                                  for p, _ in module.named_parameters(recurse=False)]
        module.register_forward_hook(_recorder(name, record))
    x, y = _cast(inputs, dtype), _cast(targets, dtype)
    output = replica(*x) if isinstance(x, (tuple, list)) else replica(x)
    loss = loss_fn(output) if targets is None else loss_fn(output, y)
    if not isinstance(loss, Tensor) or loss.numel() != 1:
        shape = list(loss.shape) if isinstance(loss, Tensor) else type(loss).__name__
        raise ValueError(f"loss_fn must return a scalar Tensor; it returned {shape}")
    if loss.requires_grad:
        loss.backward()
    record["loss"] = float(loss._data)
    for name, parameter in replica.named_parameters():
        if parameter.grad is not None:
            record["grads"][name] = parameter.grad._data
    record["types"] = {n: t for n, t in record["types"].items() if n in record["activations"]}
    return record


def _recorder(name, record):
    def hook(module, args, output):
        arrays = [t._data.copy() for t in _tensors(output) if t.dtype.kind == "f"]
        record["activations"].setdefault(name, []).extend(arrays)
        if name not in record["order"]:
            record["order"][name] = len(record["order"])
            record["shapes"][name] = tuple(arrays[0].shape) if arrays else ()
    return hook


def _tensors(value):
    if isinstance(value, Tensor):
        yield value
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _tensors(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _tensors(item)
