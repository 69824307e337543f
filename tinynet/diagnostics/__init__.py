"""Diagnostics of training: what the numbers inside a model do.

``precision_report``: where float32 loses most against float64 in one step, layer by layer.
"""

from tinynet.diagnostics.precision import (LayerPrecision, PrecisionReport, precision_report,
                                           relative_error)

__all__ = ["LayerPrecision", "PrecisionReport", "precision_report", "relative_error"]
