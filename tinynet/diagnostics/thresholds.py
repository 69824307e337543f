"""The two small records of the gradient-flow monitor: ``Thresholds``, every number its rules
use (one place, documented, overridable), and ``Diagnosis``, what ``GradientMonitor.flags()``
returns."""

from __future__ import annotations

from dataclasses import dataclass, field

KINDS = ("vanishing", "exploding", "dead_units", "saturation")


@dataclass(frozen=True)
class Thresholds:
    """The numbers behind every rule of ``GradientMonitor.flags()`` (see ``tinynet.diagnostics.
    rules`` for the rules themselves). Override any of them with ``Thresholds(window=50)`` or
    ``dataclasses.replace(monitor.thresholds, ...)``.

    "Records" are the steps the monitor measured (every ``every``-th call of ``step()``).

    The current state (rules about how training goes now):
        window: the last ``window`` records are the ones the current-state rules look at (the
            update-ratio gap, the gradient through time, dead units, saturation).
        min_records: a current-state rule needs at least this many records in its window.

    Vanishing gradients:
        vanishing_orders: the lowest layer's update ratio (median over the window) at least
            10**vanishing_orders times below the largest update ratio of the upper half of the
            layers. Default 2: a hundredfold gap.
        time_orders: a recurrent layer's ‖∂loss/∂x‖ first/last quarter (median over the
            window) below 10**-time_orders. Default 3.
        collapse_fraction: a layer's weight norm at the last record below this fraction of its
            norm at the first record ("weights may become 0"). Default 0.01.
        flat_steps, flat_change: the loss (when given to ``step``) is *flat early* when the mean
            of the last tenth of its first ``flat_steps`` values differs from the mean of the
            first tenth by less than ``flat_change`` of the latter. A flat loss has many causes
            (a learning rate far too small, targets the inputs cannot predict), so it is
            reported as evidence of a vanishing diagnosis and never makes one by itself.

    Exploding gradients:
        growth_orders, growth_window, rising_fraction: a norm *grows exponentially* when, over
            some ``growth_window`` consecutive records, it grows at least 10**growth_orders
            times and rises from one record to the next at least ``rising_fraction`` of the
            time. Applied to each layer's weight norm and to the whole model's weight and
            gradient norms.
        spike_factor, spike_history: a loss *spikes* at a step (the fourth or later) when it
            is more than ``spike_factor`` times the median of the (up to) ``spike_history``
            losses before it and above the median of the first (up to) ``spike_history`` losses
            (where training started).

    Activations:
        dead_fraction: a ReLU layer has *dead units* when at least this fraction of its units
            were zero over the whole batch at every record of the window.
        saturation_fraction: a sigmoid/tanh layer is *saturated* when the mean over the window
            of the fraction of its saturated outputs is at least this.
        tanh_limit: a tanh output is saturated when |y| > tanh_limit (there tanh' = 1 − y² <
            0.02 for the default 0.99).
        sigmoid_low, sigmoid_high: a sigmoid output is saturated when y < sigmoid_low or
            y > sigmoid_high (there σ' = y(1 − y) < 0.0099 for the defaults).
        The activation thresholds are applied when the monitor records (in the forward hooks),
        so changing them affects later records only.
    """

    window: int = 20
    min_records: int = 5
    vanishing_orders: float = 2.0
    time_orders: float = 3.0
    collapse_fraction: float = 0.01
    flat_steps: int = 100
    flat_change: float = 0.01
    growth_orders: float = 2.0
    growth_window: int = 10
    rising_fraction: float = 0.8
    spike_factor: float = 10.0
    spike_history: int = 20
    dead_fraction: float = 0.5
    saturation_fraction: float = 0.5
    tanh_limit: float = 0.99
    sigmoid_low: float = 0.01
    sigmoid_high: float = 0.99

    def __post_init__(self):
        for name in ("window", "min_records", "flat_steps", "growth_window", "spike_history"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"Thresholds.{name} must be a positive integer, but got "
                                 f"{value!r}")
        for name in ("vanishing_orders", "time_orders", "growth_orders", "spike_factor"):
            if not getattr(self, name) > 0:
                raise ValueError(f"Thresholds.{name} must be positive, but got "
                                 f"{getattr(self, name)!r}")
        for name in ("collapse_fraction", "flat_change", "rising_fraction", "dead_fraction",
                     "saturation_fraction", "tanh_limit", "sigmoid_low", "sigmoid_high"):
            if not 0 < getattr(self, name) <= 1:
                raise ValueError(f"Thresholds.{name} must be in (0, 1], but got "
                                 f"{getattr(self, name)!r}")
        if not self.sigmoid_low < self.sigmoid_high:
            raise ValueError("Thresholds.sigmoid_low must be below sigmoid_high")


@dataclass(frozen=True)
class Diagnosis:
    """One problem found by ``GradientMonitor.flags()``.

    kind: "vanishing", "exploding", "dead_units" or "saturation".
    layers: the layers it concerns (module names, lowest first; for NaN or inf the first layer
        where it appeared comes first); empty when it concerns the whole model (a loss spike).
    evidence: {rule name: a sentence with the measured numbers}, one entry per rule that fired
        (and, for vanishing, "loss_flat" when the loss was also flat early).
    """

    kind: str
    layers: tuple[str, ...]
    evidence: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        where = f" in {', '.join(self.layers)}" if self.layers else ""
        return f"{self.kind}{where}: " + "; ".join(self.evidence.values())
