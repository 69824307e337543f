"""detect_anomaly(): find the op whose forward or backward first produced NaN or inf."""

from __future__ import annotations

import numpy as np


class _AnomalyMode:
    enabled = False
    in_backward = False  # ops run by a backward are checked as that backward's result


def is_enabled() -> bool:
    return _AnomalyMode.enabled


def checks_forward() -> bool:
    return _AnomalyMode.enabled and not _AnomalyMode.in_backward


class backward_scope:
    """Marks the ops that a node's backward runs, so that a NaN they make is blamed on the node."""

    def __enter__(self):
        self.previous = _AnomalyMode.in_backward
        _AnomalyMode.in_backward = True

    def __exit__(self, *exc_info):
        _AnomalyMode.in_backward = self.previous
        return False


class detect_anomaly:
    """Context manager: while active, every op checks its outputs and every backward its
    gradients, and the first NaN or inf raises a RuntimeError that names the op.

    Slow (a scan of every array), so meant for debugging, as in PyTorch."""

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan

    def __enter__(self):
        self.previous = _AnomalyMode.enabled
        _AnomalyMode.enabled = self.check_nan
        return self

    def __exit__(self, *exc_info):
        _AnomalyMode.enabled = self.previous
        return False


def _first_bad(arrays):
    for index, array in enumerate(arrays):
        if array is not None and array.dtype.kind == "f" and not np.isfinite(array).all():
            kind = "nan" if np.isnan(array).any() else "inf"
            return index, kind
    return None


def check_forward(op_name: str, outputs) -> None:
    bad = _first_bad([output._data for output in outputs])
    if bad is not None:
        index, kind = bad
        raise RuntimeError(f"Function '{op_name}' produced {kind} values in its output {index} "
                           "during the forward pass (detected by detect_anomaly)")


def check_backward(node_name: str, grads) -> None:
    bad = _first_bad([None if grad is None else grad._data for grad in grads])
    if bad is not None:
        index, kind = bad
        raise RuntimeError(f"Function '{node_name}' returned {kind} values in its gradient for "
                           f"input {index} (detected by detect_anomaly)")
