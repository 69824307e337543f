"""The rules that turn a ``GradientMonitor``'s history into diagnoses. Each rule is a function
of the history (``GradientMonitor.history``) and the ``Thresholds``; the numbers named below
are fields of ``Thresholds``. "The window" is the last ``window`` records.

Vanishing gradients ("significant change in higher-level params compared to slight or no
change in lower-level params", "weights may become 0"), diagnosed when any of these fires:

* ``update_ratio_gap``: with the layers in forward order (lowest first) split into a lower and
  an upper half, the lowest layer's median update ratio over the window is at least
  10**vanishing_orders times below the largest median of the upper half. The diagnosis names
  every lower-half layer that far below.
* ``through_time``: a recurrent layer's median ‖∂loss/∂x‖ first/last quarter over the
  window is below 10**-time_orders: the first time steps receive (almost) no gradient.
* ``weights_collapse``: a layer's weight norm at the last record is below collapse_fraction
  times its weight norm at the first record.
* ``loss_flat`` (evidence only, added when one of the above fired): the loss given to
  ``step`` changed by less than flat_change (relative) over its first flat_steps values.

Exploding gradients ("exponential growth in model parameters", "weights may appear as NaN"),
diagnosed when any of these fires, at any time of the history:

* ``nonfinite``: NaN or inf appeared in a layer's output, a gradient, the weights or the loss;
  the diagnosis names first the layer where it appeared first (forward outputs in the order
  the layers ran, then gradients in the order backward delivered them, then the weights).
* ``norm_growth``: a norm (each layer's weight norm; the whole model's weight norm and
  gradient norm) grew at least 10**growth_orders times over growth_window consecutive
  records, rising at least rising_fraction of the time.
* ``loss_spike``: from the fourth loss on, a loss more than spike_factor times the median of
  the (up to) spike_history losses before it, and above the median of the first (up to)
  spike_history losses.

Dead units: a ReLU layer with at least dead_fraction of its units dead (zero for the whole
batch) at every record of the window. Saturation: a sigmoid/tanh layer whose fraction of
saturated outputs, averaged over the window, is at least saturation_fraction.
"""

from __future__ import annotations

import math

import numpy as np

from tinynet.diagnostics.thresholds import Diagnosis, Thresholds


def _window(values: np.ndarray, t: Thresholds) -> np.ndarray:
    """The finite values among the last ``window`` records."""
    values = values[-t.window:]
    return values[np.isfinite(values)]


def _median(values: np.ndarray, t: Thresholds) -> float:
    values = _window(values, t)
    return float(np.median(values)) if len(values) >= t.min_records else math.nan


def update_ratio_gap(history: dict, t: Thresholds) -> tuple[list[str], str] | None:
    ratios = history["layer_update_ratio"]
    layers = [layer for layer in history["layers"] if layer in ratios]
    medians = {layer: _median(ratios[layer], t) for layer in layers}
    layers = [layer for layer in layers if math.isfinite(medians[layer])]
    if len(layers) < 2:
        return None
    lower, upper = layers[:len(layers) // 2], layers[len(layers) // 2:]
    top = max(upper, key=lambda layer: medians[layer])
    limit = medians[top] / 10 ** t.vanishing_orders
    if not medians[top] > 0 or not medians[lower[0]] < limit:
        return None
    slow = [layer for layer in lower if medians[layer] < limit]
    gap = (f"a {medians[top] / medians[lower[0]]:.2g}x gap" if medians[lower[0]] > 0
           else "no update at all in the lowest layer")
    return slow, (f"median update ratio {medians[lower[0]]:.2g} in {lower[0]} against "
                  f"{medians[top]:.2g} in {top} ({gap}; the rule asks for a "
                  f"{10 ** t.vanishing_orders:.3g}x gap)")


def through_time(history: dict, t: Thresholds) -> tuple[list[str], str] | None:
    found = {layer: _median(values, t) for layer, values in history["time_gradient_ratio"].items()}
    found = {layer: value for layer, value in found.items() if value < 10 ** -t.time_orders}
    if not found:
        return None
    return list(found), "; ".join(
        f"‖∂loss/∂x‖ first/last quarter = {value:.2g} in {layer} (median of the window; "
        f"the rule asks for < {10 ** -t.time_orders:.3g})" for layer, value in found.items())


def weights_collapse(history: dict, t: Thresholds) -> tuple[list[str], str] | None:
    found = {}
    for layer, norms in history["layer_weight_norm"].items():
        if len(norms) >= 2 and norms[0] > 0 and norms[-1] < t.collapse_fraction * norms[0]:
            found[layer] = (norms[0], norms[-1])
    if not found:
        return None
    return list(found), "; ".join(f"weight norm of {layer} fell from {first:.3g} to {last:.3g}"
                                  for layer, (first, last) in found.items())


def loss_flat(history: dict, t: Thresholds) -> str | None:
    losses = history["loss"][:t.flat_steps]
    if len(losses) < min(t.flat_steps, 10) or not np.isfinite(losses).all():
        return None
    tenth = max(1, len(losses) // 10)
    start, end = losses[:tenth].mean(), losses[-tenth:].mean()
    if abs(end - start) < t.flat_change * abs(start):
        return (f"the loss stayed flat over the first {len(losses)} steps ({start:.4g} -> "
                f"{end:.4g})")
    return None


def nonfinite(history: dict, t: Thresholds) -> tuple[list[str], str] | None:
    events = history["nonfinite"]
    if not events:
        return None
    first = events[0]
    then = "" if len(events) == 1 else f", then in {len(events) - 1} more places that step"
    return [first["layer"]] if first["layer"] else [], (
        f"NaN/inf first appeared at step {first['step']} in {first['detail']}{then}")


def _growth(values: np.ndarray, t: Thresholds) -> tuple[int, float] | None:
    """(start index, factor) of the first growth_window-record stretch over which ``values``
    grew at least 10**growth_orders times, rising rising_fraction of the time, or None."""
    values = np.asarray(values, dtype=float)
    bad = ~(np.isfinite(values) & (values > 0))
    if bad.any():  # up to the first NaN, inf or 0 (that is the nonfinite rule's business)
        values = values[:np.argmax(bad)]
    n = t.growth_window
    if len(values) <= n:
        return None
    logs = np.log10(values)
    gains = logs[n:] - logs[:-n]
    rises = np.concatenate([[0], np.cumsum(np.diff(logs) > 0)])
    rising = (rises[n:] - rises[:-n]) / n
    hits = np.nonzero((gains >= t.growth_orders) & (rising >= t.rising_fraction))[0]
    return (int(hits[0]), float(10 ** gains[hits[0]])) if len(hits) else None


def norm_growth(history: dict, t: Thresholds) -> tuple[list[str], str] | None:
    steps, found, sentences = history["step"], [], []
    totals = {}
    for key, label in (("layer_weight_norm", "weight norm"), ("layer_grad_norm", "gradient norm")):
        series = history[key]
        if series:
            stacked = np.stack(list(series.values()))
            totals[label] = np.sqrt(np.sum(np.square(stacked), axis=0))
    for label, values in totals.items():
        hit = _growth(values, t)
        if hit:
            start, factor = hit
            sentences.append(f"the model's {label} grew {factor:.3g}x between steps "
                             f"{steps[start]} and {steps[start + t.growth_window]}")
    for layer, values in history["layer_weight_norm"].items():
        hit = _growth(values, t)
        if hit:
            start, factor = hit
            found.append(layer)
            sentences.append(f"the weight norm of {layer} grew {factor:.3g}x between steps "
                             f"{steps[start]} and {steps[start + t.growth_window]}")
    if not sentences:
        return None
    if not found:  # only a total grew: name the layer whose gradient grew most
        grads = history["layer_grad_norm"]
        found = [max(grads, key=lambda layer: (_growth(grads[layer], t) or (0, 0))[1])] if grads \
            else []
    ordered = [layer for layer in history["layers"] if layer in found]
    return ordered, "; ".join(sentences)


def loss_spike(history: dict, t: Thresholds) -> tuple[list[str], str] | None:
    losses, steps, k = history["loss"], history["loss_step"], t.spike_history
    for i in range(3, len(losses)):
        before = np.median(losses[max(0, i - k):i])
        start = np.median(losses[:min(i, k)])
        if np.isfinite(losses[i]) and losses[i] > t.spike_factor * before and losses[i] > start:
            return [], (f"the loss jumped to {losses[i]:.4g} at step {steps[i]} from a median "
                        f"of {before:.4g} over the {min(i, k)} steps before")
    return None


def dead_units(history: dict, t: Thresholds) -> tuple[list[str], str] | None:
    found = {}
    for layer, values in history["dead_fraction"].items():
        recent = _window(values, t)
        if len(recent) >= t.min_records and recent.min() >= t.dead_fraction:
            found[layer] = (recent.min(), recent.mean())
    if not found:
        return None
    return list(found), "; ".join(
        f"{mean:.0%} of the units of {layer} dead (zero for the whole batch; at least "
        f"{low:.0%} at each of the last {t.window} records)" for layer, (low, mean) in found.items())


def saturation(history: dict, t: Thresholds) -> tuple[list[str], str] | None:
    found = {}
    for layer, values in history["saturated_fraction"].items():
        recent = _window(values, t)
        if len(recent) >= t.min_records and recent.mean() >= t.saturation_fraction:
            found[layer] = recent.mean()
    if not found:
        return None
    return list(found), "; ".join(f"{value:.0%} of the outputs of {layer} saturated (mean of "
                                  "the window)" for layer, value in found.items())


RULES = {
    "vanishing": {"update_ratio_gap": update_ratio_gap, "through_time": through_time,
                  "weights_collapse": weights_collapse},
    "exploding": {"nonfinite": nonfinite, "norm_growth": norm_growth, "loss_spike": loss_spike},
    "dead_units": {"dead_units": dead_units},
    "saturation": {"saturation": saturation},
}


def diagnose(history: dict, thresholds: Thresholds) -> list[Diagnosis]:
    """Every rule of ``RULES`` on ``history``; one ``Diagnosis`` per kind where some fired, its
    layers the union of the rules' layers (lowest first; for NaN/inf the first one first)."""
    diagnoses = []
    for kind, rules in RULES.items():
        layers, evidence = [], {}
        for name, rule in rules.items():
            found = rule(history, thresholds)
            if found is not None:
                evidence[name] = found[1]
                layers += [layer for layer in found[0] if layer not in layers]
        if not evidence:
            continue
        if kind == "vanishing":
            flat = loss_flat(history, thresholds)
            if flat:
                evidence["loss_flat"] = flat
        if "nonfinite" not in evidence:
            order = history["layers"]
            layers.sort(key=lambda layer: order.index(layer) if layer in order else len(order))
        diagnoses.append(Diagnosis(kind, tuple(layers), evidence))
    return diagnoses
