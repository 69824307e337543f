"""Seeing inside training: what the numbers inside a model do.

``GradientMonitor``: the gradient flow, layer by layer and step by step, and its ``flags()``
(vanishing, exploding, dead units, saturation; ``Thresholds``), its ``fit`` callback and plots.
``precision_report``: where float32 loses most against float64 in one step, layer by layer.

    from tinynet.diagnostics import GradientMonitor
    with GradientMonitor(model) as monitor:
        ...                                   # train; monitor.step(loss=loss) after each step
    print(monitor.flags())                    # [Diagnosis(kind='vanishing', layers=(...), ...)]
"""

# Gradient-flow monitor
from tinynet.diagnostics.callback import GradientMonitorCallback
from tinynet.diagnostics.monitor import GradientMonitor
from tinynet.diagnostics.plots import plot_gradient_heatmap, plot_update_ratios
from tinynet.diagnostics.thresholds import Diagnosis, Thresholds

# float32 health check
from tinynet.diagnostics.precision import (LayerPrecision, PrecisionReport, precision_report,
                                           relative_error)

__all__ = ["Diagnosis", "GradientMonitor", "GradientMonitorCallback", "LayerPrecision",
           "PrecisionReport", "Thresholds", "plot_gradient_heatmap", "plot_update_ratios",
           "precision_report", "relative_error"]
