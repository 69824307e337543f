"""``GradientMonitor``: watch backprop while a model trains, through module and tensor hooks.

    monitor = GradientMonitor(model, every=1)
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        monitor.step(loss=loss)          # after optimizer.step()
    for diagnosis in monitor.flags():
        print(diagnosis)                 # e.g. "vanishing in 0, 2: ..."
    monitor.remove()                     # or: with GradientMonitor(model) as monitor: ...

What it measures, on every ``every``-th step (a *record*):

* per named parameter and per layer (a module owning parameters, named as in
  ``model.named_modules()``; the layer's norms are over all its parameters together): the
  gradient norm ‖g‖ (the gradient backprop delivered, summed over the backward calls of the
  step, before any clipping), the weight norm ‖θ‖ after the step, and the update ratio
  ‖θ_t − θ_{t−1}‖ / ‖θ_{t−1}‖ of the optimizer step (a copy of the weights is kept from the step
  before each record only);
* per activation layer (``nn.ReLU``, ``nn.LeakyReLU``, ``nn.Sigmoid``, ``nn.Tanh`` modules, and
  ``nn.RNN`` whose outputs are tanh or ReLU activations): the mean and standard deviation of
  its output, those of its input (the output of the layer it follows, the pre-activation), the
  fraction of dead units (ReLU kinds: units whose input is ≤ 0 for every sample of the batch;
  a unit is an index along dim 1, the features or channels, or along the last dim for RNN
  outputs) and the fraction of saturated outputs (tanh: |y| > tanh_limit; sigmoid: y <
  sigmoid_low or y > sigmoid_high). Only forward passes in training mode with gradients on
  count (evaluation passes are left out); several calls in one step are averaged;
* per recurrent layer (subclasses of ``nn.RNNBase`` that are not bidirectional): the gradient
  through time, the mean of ‖∂loss/∂x_t‖ over the first quarter of the time steps divided by
  its mean over the last quarter, for the layer's input sequence x (‖·‖ over the batch and the
  features; a tensor hook on the input; an input that needs no gradient is replaced by a
  detached copy that does, which changes no result). For a model that answers at the end of
  the sequence, it says how much of the gradient reaches back to the start;
* the loss, when given to ``step(loss=...)`` (on every step).

On every step, recorded or not, it also watches for NaN and inf: in each layer's output
(forward hooks, in the order the layers run), in each parameter's gradient (tensor hooks, in
the order backward delivers them), in the weights after the step, and in the loss; the events
of the first step where any appeared are kept, so the diagnosis names the first layer.

``flags()`` turns the records into ``Diagnosis`` objects with the rules of
``tinynet.diagnostics.rules``, tuned by ``Thresholds``.
"""

from __future__ import annotations

import math

import numpy as np

from tinynet.autograd import is_grad_enabled
from tinynet.diagnostics.rules import diagnose
from tinynet.diagnostics.thresholds import Diagnosis, Thresholds
from tinynet.tensor import Tensor

ROOT = "(root)"  # the layer name of parameters that belong to the model itself


def activation_kinds() -> dict[type, str]:
    """{module class: "relu" | "sigmoid" | "tanh"} of the activation modules the monitor watches."""
    from tinynet import nn

    return {nn.ReLU: "relu", nn.LeakyReLU: "relu", nn.Sigmoid: "sigmoid", nn.Tanh: "tanh"}


def _array(tensor) -> np.ndarray:
    return np.asarray(tensor.detach().numpy())


def _norm(array: np.ndarray) -> float:
    return float(np.sqrt(np.sum(np.square(array, dtype=np.float64))))


def _tensors(value):
    """The tensors in a module's output (a tensor, or nested tuples/lists of them)."""
    if isinstance(value, Tensor):
        yield value
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _tensors(item)


def _all_finite(value) -> bool:
    return all(np.isfinite(_array(t)).all() for t in _tensors(value) if t.dtype.kind in "fc")


class GradientMonitor:
    """Records gradient flow through ``model`` (see the module docstring) and diagnoses it.

    Args:
        model: the ``nn.Module`` to watch; its parameters that require grad are monitored.
        every: measure on every ``every``-th call of ``step()`` (1: every step). NaN/inf is
            watched on every step whatever ``every`` is.
        thresholds: a ``Thresholds`` (default ``Thresholds()``), the numbers of the rules.

    ``history`` holds the records as NumPy arrays; ``remove()`` detaches every hook (so does
    leaving a ``with`` block).
    """

    def __init__(self, model, every: int = 1, thresholds: Thresholds | None = None):
        from tinynet.nn import RNN, Module, RNNBase

        if not isinstance(model, Module):
            raise TypeError(f"GradientMonitor watches an nn.Module, but got {type(model).__name__}")
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be a positive integer, but got {every!r}")
        if thresholds is not None and not isinstance(thresholds, Thresholds):
            raise TypeError("thresholds must be a tinynet.diagnostics.Thresholds, but got "
                            f"{type(thresholds).__name__}")
        self.model, self.every = model, every
        self.thresholds = thresholds or Thresholds()
        self.steps = 0  # calls of step() so far
        self.parameters = {name: p for name, p in model.named_parameters() if p.requires_grad}
        if not self.parameters:
            raise ValueError("the model has no parameter that requires grad: nothing to monitor")
        self.layer_of = {name: name.rpartition(".")[0] or ROOT for name in self.parameters}
        self.layer_order: list[str] = []  # layers in the order of their first forward call
        self.layer_types: dict[str, str] = {}  # module name -> its class name
        self._handles: list = []
        self._grads: dict[str, np.ndarray] = {}
        self._activations: dict[str, list[dict]] = {}
        self._time_ratios: dict[str, list[float]] = {}
        self._records: list[dict] = []
        self._losses: list[tuple[int, float]] = []
        self._events: list[dict] = []
        self._attached = True
        self._previous = self._copy_weights()
        owners = set(self.layer_of.values())
        kinds = activation_kinds()
        for name, module in model.named_modules():
            layer = name or ROOT
            self.layer_types[layer] = type(module).__name__
            if layer in owners:
                self._handles.append(module.register_forward_pre_hook(self._order_hook(layer)))
                self._handles.append(module.register_forward_hook(self._finite_hook(layer)))
            kind, recurrent = kinds.get(type(module)), isinstance(module, RNN)
            if recurrent:
                kind = "tanh" if module.nonlinearity == "tanh" else "relu"
            if kind is not None:
                self._handles.append(module.register_forward_hook(
                    self._activation_hook(layer, kind, recurrent)))
            if isinstance(module, RNNBase) and not module.bidirectional:
                self._handles.append(module.register_forward_pre_hook(self._time_hook(layer, module)))
        for name, parameter in self.parameters.items():
            self._handles.append(parameter.register_hook(self._grad_hook(name)))

    # Recording state ---------------------------------------------------------------------------
    @property
    def recording(self) -> bool:
        """Whether the current step (the one ``step()`` will close next) is measured."""
        return self._attached and self.steps % self.every == 0

    def _training_pass(self, module) -> bool:
        return self._attached and is_grad_enabled() and module.training

    def _copy_weights(self) -> dict[str, np.ndarray]:
        return {name: _array(p).astype(np.float64) for name, p in self.parameters.items()}

    def _event(self, phase: str, layer: str, detail: str = "") -> None:
        """Remember a NaN/inf seen in ``phase`` of ``layer``, if this is the first step with any."""
        if self._events and self._events[0]["step"] != self.steps:
            return
        if any(e["phase"] == phase and e["layer"] == layer for e in self._events):
            return
        self._events.append({"step": self.steps, "phase": phase, "layer": layer, "detail": detail})

    # Hooks -------------------------------------------------------------------------------------
    def _order_hook(self, layer: str):
        def hook(module, args):
            if layer not in self.layer_order:
                self.layer_order.append(layer)
        return hook

    def _finite_hook(self, layer: str):
        def hook(module, args, output):
            if not self._training_pass(module) or _all_finite(output):
                return
            if _all_finite(args):
                self._event("output", layer, f"the output of layer {layer}")
            elif not self._events:  # NaN/inf from before the first layer: the data
                self._event("input", layer, f"the input of layer {layer}")
        return hook

    def _grad_hook(self, name: str):
        def hook(grad):
            if not self._attached:
                return
            array = _array(grad)
            if not np.isfinite(array).all():
                self._event("gradient", self.layer_of[name], f"the gradient of {name}")
            if self.recording:
                previous = self._grads.get(name)
                array = array.astype(np.float64)
                self._grads[name] = array if previous is None else previous + array
        return hook

    def _activation_hook(self, layer: str, kind: str, recurrent: bool):
        """Statistics of an activation module's output (and input), or of an RNN's outputs
        (whose input is no pre-activation: only the outputs count, units along the last dim)."""
        def hook(module, args, output):
            if not (self.recording and self._training_pass(module)):
                return
            outputs, inputs = list(_tensors(output)), list(_tensors(args))
            if not outputs:
                return
            y = _array(outputs[0]).astype(np.float64)
            x = None if recurrent or not inputs else _array(inputs[0]).astype(np.float64)
            self._activations.setdefault(layer, []).append(
                self._activation_stats(kind, y, x, unit_axis=-1 if recurrent else 1))
        return hook

    def _activation_stats(self, kind: str, y: np.ndarray, x: np.ndarray | None,
                          unit_axis: int) -> dict[str, float]:
        t = self.thresholds
        stats = {"mean": float(y.mean()), "std": float(y.std()),
                 "pre_mean": math.nan if x is None else float(x.mean()),
                 "pre_std": math.nan if x is None else float(x.std()),
                 "dead": math.nan, "saturated": math.nan}
        if kind == "relu":
            signal = x if x is not None else y
            if signal.ndim >= 2:
                axis = unit_axis % signal.ndim
                alive = np.moveaxis(signal > 0, axis, 0).reshape(signal.shape[axis], -1).any(1)
            else:
                alive = signal > 0
            stats["dead"] = float(1 - alive.mean())
        elif kind == "tanh":
            stats["saturated"] = float(np.mean(np.abs(y) > t.tanh_limit))
        else:
            stats["saturated"] = float(np.mean((y < t.sigmoid_low) | (y > t.sigmoid_high)))
        return stats

    def _time_hook(self, layer: str, module):
        time_axis_of = (lambda x: 1 if module.batch_first and x.ndim == 3 else 0)

        def hook(mod, args):
            if not (self.recording and self._training_pass(mod)) or not args:
                return None
            x = args[0]
            if not isinstance(x, Tensor) or x.ndim not in (2, 3) or x.dtype.kind != "f":
                return None
            if not x.requires_grad:
                x = x.detach().requires_grad_()
            axis = time_axis_of(x)

            def on_grad(grad):
                g = _array(grad).astype(np.float64)
                norms = np.sqrt(np.sum(np.moveaxis(g, axis, 0) ** 2,
                                       axis=tuple(range(1, g.ndim))))
                quarter = max(1, len(norms) // 4)
                first, last = norms[:quarter].mean(), norms[-quarter:].mean()
                ratio = first / last if last > 0 else math.nan
                self._time_ratios.setdefault(layer, []).append(float(ratio))

            x.register_hook(on_grad)
            return (x, *args[1:])
        return hook

    # The step ----------------------------------------------------------------------------------
    def step(self, loss=None) -> None:
        """Close one training step; call it after ``optimizer.step()``. ``loss`` (a number or a
        one-element tensor), when given, is recorded for the loss rules. On a recorded step this
        measures the norms and the update ratios and stores the activation statistics."""
        if not self._attached:
            raise RuntimeError("this GradientMonitor was removed; create a new one")
        if loss is not None:
            value = float(loss.item() if hasattr(loss, "item") else loss)
            self._losses.append((self.steps, value))
            if not math.isfinite(value):
                self._event("loss", "", f"the loss ({value})")
        weights = {}
        for name, parameter in self.parameters.items():
            weights[name] = _array(parameter)
            if not np.isfinite(weights[name]).all():
                self._event("weight", self.layer_of[name], f"the weights of {name}")
        if self.recording:
            self._records.append(self._record(weights))
        self._grads, self._activations, self._time_ratios = {}, {}, {}
        self.steps += 1
        self._previous = self._copy_weights() if self.steps % self.every == 0 else None

    def _record(self, weights: dict[str, np.ndarray]) -> dict:
        record = {"step": self.steps, "grad_norm": {}, "weight_norm": {}, "update_ratio": {}}
        squares: dict[str, list[float]] = {}
        for name, weight in weights.items():
            weight = weight.astype(np.float64)
            grad = self._grads.get(name)
            previous = None if self._previous is None else self._previous[name]
            entry = squares.setdefault(self.layer_of[name], [0.0, 0.0, 0.0, 0.0, 0.0])
            if grad is not None:
                record["grad_norm"][name] = _norm(grad)
                entry[0] += record["grad_norm"][name] ** 2
                entry[4] = 1.0
            record["weight_norm"][name] = _norm(weight)
            entry[1] += record["weight_norm"][name] ** 2
            if previous is not None:
                change, before = _norm(weight - previous), _norm(previous)
                record["update_ratio"][name] = change / before if before > 0 else math.nan
                entry[2] += change ** 2
                entry[3] += before ** 2
        record["layer_grad_norm"] = {layer: math.sqrt(s[0]) if s[4] else math.nan
                                     for layer, s in squares.items()}
        record["layer_weight_norm"] = {layer: math.sqrt(s[1]) for layer, s in squares.items()}
        if self._previous is not None:
            record["layer_update_ratio"] = {layer: math.sqrt(s[2] / s[3]) if s[3] > 0 else math.nan
                                            for layer, s in squares.items()}
        else:
            record["layer_update_ratio"] = {}
        for key in ("mean", "std", "pre_mean", "pre_std", "dead", "saturated"):
            record[key] = {layer: float(np.mean([c[key] for c in calls]))
                           for layer, calls in self._activations.items()}
        record["time_ratio"] = {layer: float(np.median(values))
                                for layer, values in self._time_ratios.items()}
        return record

    # Results -----------------------------------------------------------------------------------
    @property
    def layers(self) -> list[str]:
        """The monitored layers, lowest first: in the order of their first forward call, then
        those never called, in registration order."""
        owners = list(dict.fromkeys(self.layer_of.values()))
        return [layer for layer in self.layer_order if layer in owners] + [
            layer for layer in owners if layer not in self.layer_order]

    @property
    def first_nonfinite_step(self) -> int | None:
        """The step where NaN or inf was first seen (in an output, a gradient, the weights or the
        loss), or None."""
        return self._events[0]["step"] if self._events else None

    @property
    def history(self) -> dict:
        """The records as plain dicts and NumPy arrays, each series aligned with ``"step"`` (the
        0-based indices of the recorded steps; NaN where a value was not measured):

        "step"; "grad_norm", "weight_norm", "update_ratio": {parameter name: array};
        "layer_grad_norm", "layer_weight_norm", "layer_update_ratio": {layer: array};
        "activation_mean", "activation_std", "preactivation_mean", "preactivation_std",
        "dead_fraction", "saturated_fraction": {activation layer: array};
        "time_gradient_ratio": {recurrent layer: array}; "loss_step", "loss": arrays over every
        step given a loss; "nonfinite": [{"step", "phase", "layer", "detail"}] of the first step
        with NaN/inf, in the order seen; "layers": the layers, lowest first; "layer_types":
        {module name: its class name}.
        """
        def series(key):
            names = list(dict.fromkeys(n for r in self._records for n in r[key]))
            return {n: np.array([r[key].get(n, math.nan) for r in self._records], dtype=float)
                    for n in names}

        renamed = {"mean": "activation_mean", "std": "activation_std",
                   "pre_mean": "preactivation_mean", "pre_std": "preactivation_std",
                   "dead": "dead_fraction", "saturated": "saturated_fraction",
                   "time_ratio": "time_gradient_ratio"}
        history = {"step": np.array([r["step"] for r in self._records], dtype=int)}
        for key in ("grad_norm", "weight_norm", "update_ratio", "layer_grad_norm",
                    "layer_weight_norm", "layer_update_ratio", *renamed):
            history[renamed.get(key, key)] = series(key)
        history["loss_step"] = np.array([s for s, _ in self._losses], dtype=int)
        history["loss"] = np.array([v for _, v in self._losses], dtype=float)
        history["nonfinite"] = [dict(e) for e in self._events]
        history["layers"] = self.layers
        history["layer_types"] = dict(self.layer_types)
        return history

    def flags(self) -> list[Diagnosis]:
        """The diagnoses the records support, at most one per kind, in the order vanishing,
        exploding, dead_units, saturation (the rules: ``tinynet.diagnostics.rules``)."""
        return diagnose(self.history, self.thresholds)

    # Detaching ---------------------------------------------------------------------------------
    def remove(self) -> None:
        """Detach every hook from the model (the records stay readable)."""
        for handle in self._handles:
            handle.remove()
        self._handles = []
        self._attached = False
        self._previous = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.remove()

    def __repr__(self) -> str:
        return (f"GradientMonitor({type(self.model).__name__}, every={self.every}, "
                f"{len(self.layers)} layers, {len(self._records)} records)")
