"""Reverse-mode automatic differentiation: Function, backward, grad, grad modes, checks."""

from tinynet.autograd.anomaly import detect_anomaly
from tinynet.autograd.engine import backward, grad
from tinynet.autograd.function import Function
from tinynet.autograd.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from tinynet.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck, numerical_grad

__all__ = [
    "Function", "backward", "grad", "no_grad", "enable_grad", "set_grad_enabled",
    "is_grad_enabled", "detect_anomaly", "gradcheck", "gradgradcheck", "numerical_grad",
    "GradcheckError",
]

# Legacy wrapper
from tinynet.autograd.variable import Variable  # noqa: E402

__all__ += ["Variable"]

# Model-level gradient check and the annotated backward trace
from tinynet.autograd.gradcheck_model import (  # noqa: E402
    DirectionCheck, GradcheckReport, NodeCheck, gradcheck_model,
)
from tinynet.autograd.trace import Trace, TraceRow, trace  # noqa: E402

__all__ += ["gradcheck_model", "GradcheckReport", "NodeCheck", "DirectionCheck", "trace", "Trace",
            "TraceRow"]
