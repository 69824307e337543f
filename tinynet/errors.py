"""The error classes tinynet raises where PyTorch raises ``RuntimeError``.

PyTorch reports a shape mismatch, a dtype it cannot use or a bad argument value as
``RuntimeError``; Python's own convention is ``ValueError`` or ``TypeError``. tinynet's classes
derive from both, so that ``except RuntimeError`` in code written for PyTorch and
``except ValueError`` (or ``TypeError``) in code written for Python both catch them. The messages
name the shapes, dtypes or values involved.
"""

from __future__ import annotations


class ArgumentError(ValueError, RuntimeError):
    """An argument value an op cannot use (PyTorch: RuntimeError)."""


class ShapeError(ArgumentError):
    """Shapes or sizes that do not fit together: broadcasting, matmul, cat, view, reshape,
    expand (PyTorch: RuntimeError)."""


class DtypeError(TypeError, RuntimeError):
    """A dtype an op does not accept, such as mean of an integer tensor (PyTorch: RuntimeError)."""


class CPUOnlyError(ArgumentError):
    """A tensor or module asked to live on a device other than the CPU (PyTorch: RuntimeError, as
    for a backend it was built without)."""


__all__ = ["ArgumentError", "ShapeError", "DtypeError", "CPUOnlyError"]


# Vocabulary lookups
class UnknownTokenError(KeyError, ValueError):
    """A token that a vocabulary without an unknown token cannot encode (a KeyError, as a failed
    lookup, and a ValueError, as bad input). The message names the token and where it occurred."""

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return str(self.args[0]) if self.args else ""


__all__ += ["UnknownTokenError"]
