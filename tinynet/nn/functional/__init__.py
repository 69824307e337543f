"""Stateless functions with PyTorch's names and arguments (``import tinynet.nn.functional as F``):
argument checks, then ops. One file per family: activation, linear, dropout, normalization, loss.
"""

from tinynet.nn.functional.activation import (elu, gelu, hardtanh, leaky_relu, log_softmax, prelu,
                                              relu, selu, sigmoid, silu, softmax, softplus, step,
                                              tanh)
from tinynet.nn.functional.dropout import dropout, dropout2d
from tinynet.nn.functional.linear import embedding, linear, one_hot
from tinynet.nn.functional.loss import (binary_cross_entropy, binary_cross_entropy_with_logits,
                                        cross_entropy, huber_loss, kl_div, l1_loss, mse_loss,
                                        nll_loss, smooth_l1_loss)
from tinynet.nn.functional.normalization import batch_norm, group_norm, layer_norm
from tinynet.ops import pad

__all__ = [
    "pad",
    # activation
    "relu", "leaky_relu", "prelu", "elu", "selu", "gelu", "silu", "sigmoid", "tanh", "softplus",
    "hardtanh", "softmax", "log_softmax", "step",
    # layers
    "linear", "embedding", "one_hot", "dropout", "dropout2d",
    "batch_norm", "layer_norm", "group_norm",
    # losses
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss", "kl_div",
]
