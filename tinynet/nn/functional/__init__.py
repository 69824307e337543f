"""Stateless functions with PyTorch's names and arguments (``import tinynet.nn.functional as F``):
argument checks, then ops. One file per family: activation, linear, dropout, normalization, loss.
"""

from tinynet.nn.functional.activation import (
    elu,
    gelu,
    hardtanh,
    leaky_relu,
    log_softmax,
    prelu,
    relu,
    selu,
    sigmoid,
    silu,
    softmax,
    softplus,
    step,
    tanh,
)
from tinynet.nn.functional.dropout import dropout, dropout2d
from tinynet.nn.functional.linear import embedding, linear, one_hot
from tinynet.nn.functional.loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from tinynet.nn.functional.normalization import batch_norm, group_norm, layer_norm

__all__ = [
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "dropout",
    "dropout2d",
    "elu",
    "embedding",
    "gelu",
    "group_norm",
    "hardtanh",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    # layers
    "linear",
    "log_softmax",
    # losses
    "mse_loss",
    "nll_loss",
    "one_hot",
    "pad",
    "prelu",
    # activation
    "relu",
    "selu",
    "sigmoid",
    "silu",
    "smooth_l1_loss",
    "softmax",
    "softplus",
    "step",
    "tanh",
]

# Convolution and pooling
from tinynet.nn.functional.conv import (  # noqa: E402
    conv1d,
    conv2d,
    conv_transpose1d,
    conv_transpose2d,
    fold,
    unfold,
)
from tinynet.nn.functional.pooling import (  # noqa: E402
    adaptive_avg_pool2d,
    avg_pool1d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
    max_unpool2d,
)

__all__ += [
    "adaptive_avg_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "conv1d",
    "conv2d",
    "conv_transpose1d",
    "conv_transpose2d",
    "fold",
    "interpolate",
    "max_pool1d",
    "max_pool2d",
    "max_unpool2d",
    "unfold",
]

# Margin, ranking, Poisson/Gaussian and triplet losses; distances between vectors.
from tinynet.nn.functional.distance import (
    cosine_similarity,
    normalize,
    pairwise_distance,
    pdist,
)
from tinynet.nn.functional.margin_losses import (
    cosine_embedding_loss,
    gaussian_nll_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    multi_margin_loss,
    multilabel_margin_loss,
    multilabel_soft_margin_loss,
    poisson_nll_loss,
    soft_margin_loss,
    triplet_margin_loss,
    triplet_margin_with_distance_loss,
)

__all__ += [
    "cosine_embedding_loss",
    "cosine_similarity",
    "gaussian_nll_loss",
    "hinge_embedding_loss",
    "margin_ranking_loss",
    "multi_margin_loss",
    "multilabel_margin_loss",
    "multilabel_soft_margin_loss",
    "normalize",
    "pairwise_distance",
    "pdist",
    "poisson_nll_loss",
    "soft_margin_loss",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
]

# More normalization.
from tinynet.nn.functional.normalization import (
    instance_norm,
    local_response_norm,
    rms_norm,
)

__all__ += ["instance_norm", "local_response_norm", "rms_norm"]

# More dropout.
from tinynet.nn.functional.dropout import (
    alpha_dropout,
    dropout1d,
    dropout3d,
    feature_alpha_dropout,
)

__all__ += ["alpha_dropout", "dropout1d", "dropout3d", "feature_alpha_dropout"]

# bilinear and embedding_bag.
from tinynet.nn.functional.embedding_bag import embedding_bag
from tinynet.nn.functional.linear import bilinear

__all__ += ["bilinear", "embedding_bag"]

# 3-D convolution.
from tinynet.nn.functional.conv3d import conv3d, conv_transpose3d

__all__ += ["conv3d", "conv_transpose3d"]

# Connectionist temporal classification loss.
from tinynet.nn.functional.ctc import ctc_loss

__all__ += ["ctc_loss"]
# More activations and the in-place forms
from tinynet.nn.functional.activation import (  # noqa: E402
    celu,
    celu_,
    elu_,
    hardtanh_,
    leaky_relu_,
    relu_,
    selu_,
    softmin,
)
from tinynet.nn.functional.activation_extra import (  # noqa: E402
    glu,
    gumbel_softmax,
    hardshrink,
    hardsigmoid,
    hardswish,
    logsigmoid,
    mish,
    relu6,
    rrelu,
    rrelu_,
    softshrink,
    softsign,
    tanhshrink,
    threshold,
    threshold_,
)

__all__ += [
    "celu", "celu_", "elu_", "hardtanh_", "leaky_relu_", "relu_", "selu_", "softmin", "glu",
    "gumbel_softmax", "hardshrink", "hardsigmoid", "hardswish", "logsigmoid", "mish", "relu6",
    "rrelu", "rrelu_", "softshrink", "softsign", "tanhshrink", "threshold", "threshold_",
]

# Padding (pad with PyTorch's argument names and checks)
from tinynet.nn.functional.padding import pad  # noqa: E402

# More pooling: 3-D, LP, unpooling, adaptive max, the *_with_indices forms
from tinynet.nn.functional.pooling_adaptive import (  # noqa: E402
    adaptive_avg_pool1d,
    adaptive_avg_pool3d,
    adaptive_max_pool1d,
    adaptive_max_pool1d_with_indices,
    adaptive_max_pool2d,
    adaptive_max_pool2d_with_indices,
    adaptive_max_pool3d,
    adaptive_max_pool3d_with_indices,
)
from tinynet.nn.functional.pooling_nd import (  # noqa: E402
    avg_pool3d,
    lp_pool1d,
    lp_pool2d,
    lp_pool3d,
    max_pool1d_with_indices,
    max_pool2d_with_indices,
    max_pool3d,
    max_pool3d_with_indices,
    max_unpool1d,
    max_unpool3d,
)

__all__ += [
    "adaptive_avg_pool1d", "adaptive_avg_pool3d", "adaptive_max_pool1d",
    "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d", "adaptive_max_pool2d_with_indices",
    "adaptive_max_pool3d", "adaptive_max_pool3d_with_indices", "avg_pool3d", "lp_pool1d",
    "lp_pool2d", "lp_pool3d", "max_pool1d_with_indices", "max_pool2d_with_indices", "max_pool3d",
    "max_pool3d_with_indices", "max_unpool1d", "max_unpool3d",
]

# Resampling and reshuffling
from tinynet.nn.functional.sampling import (  # noqa: E402
    interpolate,
    upsample,
    upsample_bilinear,
    upsample_nearest,
)
from tinynet.nn.functional.shuffle import (  # noqa: E402
    channel_shuffle,
    native_channel_shuffle,
    pixel_shuffle,
    pixel_unshuffle,
)

__all__ += [
    "upsample", "upsample_bilinear", "upsample_nearest", "channel_shuffle",
    "native_channel_shuffle", "pixel_shuffle", "pixel_unshuffle",
]

# Spatial transformers
from tinynet.nn.functional.grid import affine_grid, grid_sample  # noqa: E402

__all__ += ["affine_grid", "grid_sample"]

# Fractional max pooling
from tinynet.nn.functional.pooling_fractional import (  # noqa: E402
    fractional_max_pool2d,
    fractional_max_pool2d_with_indices,
    fractional_max_pool3d,
    fractional_max_pool3d_with_indices,
)

__all__ += [
    "fractional_max_pool2d", "fractional_max_pool2d_with_indices", "fractional_max_pool3d",
    "fractional_max_pool3d_with_indices",
]

# Attention
from tinynet.nn.functional.attention import scaled_dot_product_attention  # noqa: E402

__all__ += ["scaled_dot_product_attention"]
