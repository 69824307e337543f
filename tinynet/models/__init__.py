"""Documented architectures, built from the public API only, and the registry the command line
uses: ``MODELS[name](input_shape, num_classes) -> Module``, where ``input_shape`` is one sample's
shape (without the batch dimension)."""

from tinynet.models.cnn import CNN1d, CNN2d, build_cnn
from tinynet.models.mlp import MLP, build_mlp

MODELS = {
    "mlp": build_mlp,
    "cnn": build_cnn,
}

__all__ = ["CNN1d", "CNN2d", "MLP", "MODELS", "build_cnn", "build_mlp"]
