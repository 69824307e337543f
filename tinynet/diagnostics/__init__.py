"""Seeing inside training: the gradient-flow monitor (``GradientMonitor``, its ``flags()`` and
``Thresholds``), its ``fit`` callback, and its plots.

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

__all__ = ["Diagnosis", "GradientMonitor", "GradientMonitorCallback", "Thresholds",
           "plot_gradient_heatmap", "plot_update_ratios"]
