"""Stateless functions with PyTorch's names (``import tinynet.nn.functional as F``)."""

from __future__ import annotations

from tinynet.ops import log_softmax, pad, relu, sigmoid, softmax, tanh

__all__ = ["pad", "relu", "sigmoid", "tanh", "softmax", "log_softmax"]
