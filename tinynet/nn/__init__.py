"""Neural-network building blocks: Module and Parameter, layers, activations, losses, containers;
``tinynet.nn.functional`` (stateless functions), ``tinynet.nn.init`` (initializers) and
``tinynet.nn.utils`` (gradient clipping)."""

from tinynet.nn import functional, init, utils
from tinynet.nn.activation import (
    ELU,
    GELU,
    SELU,
    Hardtanh,
    LeakyReLU,
    LogSoftmax,
    PReLU,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Step,
    Tanh,
)
from tinynet.nn.containers import ModuleDict, ModuleList, Sequential
from tinynet.nn.conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d
from tinynet.nn.dropout import Dropout, Dropout2d
from tinynet.nn.embedding import Embedding
from tinynet.nn.linear import Flatten, Identity, Linear, Unflatten
from tinynet.nn.loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from tinynet.nn.module import Module
from tinynet.nn.normalization import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm
from tinynet.nn.parameter import Parameter
from tinynet.nn.pooling import (
    AdaptiveAvgPool2d,
    AvgPool1d,
    AvgPool2d,
    MaxPool1d,
    MaxPool2d,
    MaxUnpool2d,
    Upsample,
)

__all__ = [
    "ELU",
    "GELU",
    "SELU",
    "AdaptiveAvgPool2d",
    "AvgPool1d",
    "AvgPool2d",
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "BatchNorm2d",
    "Conv1d",
    "Conv2d",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "CrossEntropyLoss",
    "Dropout",
    "Dropout2d",
    "Embedding",
    "Flatten",
    "GroupNorm",
    "Hardtanh",
    "HuberLoss",
    "Identity",
    "KLDivLoss",
    "L1Loss",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "MaxPool1d",
    "MaxPool2d",
    "MaxUnpool2d",
    "Module",
    "ModuleDict",
    "ModuleList",
    "NLLLoss",
    "PReLU",
    "Parameter",
    "ReLU",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "SmoothL1Loss",
    "Softmax",
    "Softplus",
    "Step",
    "Tanh",
    "Unflatten",
    "Upsample",
    "functional",
    "init",
    "utils",
]

# Margin, ranking, Poisson/Gaussian and triplet losses; distance modules.
from tinynet.nn.losses_more import (
    CosineEmbeddingLoss,
    CosineSimilarity,
    GaussianNLLLoss,
    HingeEmbeddingLoss,
    MarginRankingLoss,
    MultiLabelMarginLoss,
    MultiLabelSoftMarginLoss,
    MultiMarginLoss,
    NLLLoss2d,
    PairwiseDistance,
    PoissonNLLLoss,
    SoftMarginLoss,
    TripletMarginLoss,
    TripletMarginWithDistanceLoss,
)

__all__ += [
    "CosineEmbeddingLoss",
    "CosineSimilarity",
    "GaussianNLLLoss",
    "HingeEmbeddingLoss",
    "MarginRankingLoss",
    "MultiLabelMarginLoss",
    "MultiLabelSoftMarginLoss",
    "MultiMarginLoss",
    "NLLLoss2d",
    "PairwiseDistance",
    "PoissonNLLLoss",
    "SoftMarginLoss",
    "TripletMarginLoss",
    "TripletMarginWithDistanceLoss",
]

# More normalization layers.
from tinynet.nn.normalization import (
    BatchNorm3d,
    CrossMapLRN2d,
    InstanceNorm1d,
    InstanceNorm2d,
    InstanceNorm3d,
    LocalResponseNorm,
    RMSNorm,
)

__all__ += [
    "BatchNorm3d",
    "CrossMapLRN2d",
    "InstanceNorm1d",
    "InstanceNorm2d",
    "InstanceNorm3d",
    "LocalResponseNorm",
    "RMSNorm",
]

# More dropout layers.
from tinynet.nn.dropout import (
    AlphaDropout,
    Dropout1d,
    Dropout3d,
    FeatureAlphaDropout,
)

__all__ += ["AlphaDropout", "Dropout1d", "Dropout3d", "FeatureAlphaDropout"]

# Bilinear and EmbeddingBag layers.
from tinynet.nn.embedding_bag import EmbeddingBag
from tinynet.nn.linear import Bilinear

__all__ += ["Bilinear", "EmbeddingBag"]

# Parameter containers, Buffer, uninitialized tensors and Lazy modules.
from tinynet.nn.containers import ParameterDict, ParameterList
from tinynet.nn.lazy import (
    Buffer,
    LazyBatchNorm1d,
    LazyBatchNorm2d,
    LazyBatchNorm3d,
    LazyConv1d,
    LazyConv2d,
    LazyConvTranspose1d,
    LazyConvTranspose2d,
    LazyInstanceNorm1d,
    LazyInstanceNorm2d,
    LazyInstanceNorm3d,
    LazyLinear,
    UninitializedBuffer,
    UninitializedParameter,
)

__all__ += [
    "Buffer",
    "LazyBatchNorm1d",
    "LazyBatchNorm2d",
    "LazyBatchNorm3d",
    "LazyConv1d",
    "LazyConv2d",
    "LazyConvTranspose1d",
    "LazyConvTranspose2d",
    "LazyInstanceNorm1d",
    "LazyInstanceNorm2d",
    "LazyInstanceNorm3d",
    "LazyLinear",
    "ParameterDict",
    "ParameterList",
    "UninitializedBuffer",
    "UninitializedParameter",
]

# 3-D convolution layers.
from tinynet.nn.conv import Conv3d, ConvTranspose3d
from tinynet.nn.lazy import LazyConv3d, LazyConvTranspose3d

__all__ += ["Conv3d", "ConvTranspose3d", "LazyConv3d", "LazyConvTranspose3d"]

# Connectionist temporal classification loss.
from tinynet.nn.losses_more import CTCLoss

__all__ += ["CTCLoss"]

# Adaptive softmax.
from tinynet.nn.adaptive import AdaptiveLogSoftmaxWithLoss

__all__ += ["AdaptiveLogSoftmaxWithLoss"]
# More activations
from tinynet.nn.activation_extra import (  # noqa: E402
    CELU,
    GLU,
    Hardshrink,
    Hardsigmoid,
    Hardswish,
    LogSigmoid,
    Mish,
    ReLU6,
    RReLU,
    Softmax2d,
    Softmin,
    Softshrink,
    Softsign,
    Tanhshrink,
    Threshold,
)

__all__ += [
    "CELU", "GLU", "Hardshrink", "Hardsigmoid", "Hardswish", "LogSigmoid", "Mish", "ReLU6",
    "RReLU", "Softmax2d", "Softmin", "Softshrink", "Softsign", "Tanhshrink", "Threshold",
]

# Padding layers
from tinynet.nn.padding import (  # noqa: E402
    CircularPad1d,
    CircularPad2d,
    CircularPad3d,
    ConstantPad1d,
    ConstantPad2d,
    ConstantPad3d,
    ReflectionPad1d,
    ReflectionPad2d,
    ReflectionPad3d,
    ReplicationPad1d,
    ReplicationPad2d,
    ReplicationPad3d,
    ZeroPad1d,
    ZeroPad2d,
    ZeroPad3d,
)

__all__ += [
    "CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d", "ConstantPad2d",
    "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d",
    "ReplicationPad2d", "ReplicationPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d",
]

# More pooling layers
from tinynet.nn.pooling_nd import (  # noqa: E402
    AdaptiveAvgPool1d,
    AdaptiveAvgPool3d,
    AdaptiveMaxPool1d,
    AdaptiveMaxPool2d,
    AdaptiveMaxPool3d,
    AvgPool3d,
    LPPool1d,
    LPPool2d,
    LPPool3d,
    MaxPool3d,
    MaxUnpool1d,
    MaxUnpool3d,
)

__all__ += [
    "AdaptiveAvgPool1d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d",
    "AdaptiveMaxPool3d", "AvgPool3d", "LPPool1d", "LPPool2d", "LPPool3d", "MaxPool3d",
    "MaxUnpool1d", "MaxUnpool3d",
]

# Resampling and reshuffling layers
from tinynet.nn.sampling import (  # noqa: E402
    ChannelShuffle,
    Fold,
    PixelShuffle,
    PixelUnshuffle,
    Unfold,
    UpsamplingBilinear2d,
    UpsamplingNearest2d,
)

__all__ += [
    "ChannelShuffle", "Fold", "PixelShuffle", "PixelUnshuffle", "Unfold", "UpsamplingBilinear2d",
    "UpsamplingNearest2d",
]

# Fractional max pooling layers
from tinynet.nn.pooling_nd import FractionalMaxPool2d, FractionalMaxPool3d  # noqa: E402

__all__ += ["FractionalMaxPool2d", "FractionalMaxPool3d"]

# Recurrent layers and cells
from tinynet.nn.rnn import GRU, LSTM, RNN, RNNBase  # noqa: E402
from tinynet.nn.rnn_cells import GRUCell, LSTMCell, RNNCell, RNNCellBase  # noqa: E402

__all__ += ["GRU", "LSTM", "RNN", "RNNBase", "GRUCell", "LSTMCell", "RNNCell", "RNNCellBase"]

# Peephole LSTM (not in PyTorch)
from tinynet.nn.peephole import PeepholeLSTM, PeepholeLSTMCell  # noqa: E402

__all__ += ["PeepholeLSTM", "PeepholeLSTMCell"]

# Attention and Transformer layers
from tinynet.nn.attention import MultiheadAttention  # noqa: E402
from tinynet.nn.transformer import (  # noqa: E402
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)

__all__ += [
    "MultiheadAttention", "Transformer", "TransformerDecoder", "TransformerDecoderLayer",
    "TransformerEncoder", "TransformerEncoderLayer",
]

# Attention for recurrent encoder-decoders (not in PyTorch)
from tinynet.nn.attention_rnn import BahdanauAttention, LuongAttention  # noqa: E402

__all__ += ["BahdanauAttention", "LuongAttention"]
