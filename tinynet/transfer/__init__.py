"""Transfer learning: reuse a network trained on one task for another.

The usual recipe: load pretrained weights (``load_weights``, from ``.npz`` or ``.safetensors``,
e.g. a PyTorch model's), put a new head for the new classes (``replace_head``), freeze the
feature extractor and train the head (``freeze``, ``trainable_parameters``), then unfreeze and
fine-tune everything with smaller rates for the earlier blocks (``discriminative_param_groups``,
``GradualUnfreezing``), keeping the batch-norm statistics of pretraining when the new data is
small (``freeze_batchnorm_stats``). ``tinynet train transfer`` measures the gain on digits.
``PerceptualLoss`` uses a pretrained network's features as a loss (for an autoencoder).

    from tinynet import nn, optim
    from tinynet.transfer import freeze, replace_head, trainable_parameters

    freeze(model)
    replace_head(model, "13", nn.Linear(128, 5))
    optimizer = optim.Adam(trainable_parameters(model), lr=1e-3)
"""

from tinynet.transfer.perceptual import PerceptualLoss
from tinynet.transfer.tools import (
    FrozenBatchNormStats,
    GradualUnfreezing,
    discriminative_param_groups,
    freeze,
    freeze_batchnorm_stats,
    get_submodule,
    replace_head,
    trainable_parameters,
    unfreeze,
)
from tinynet.transfer.weights import (
    load_state_dict_file,
    load_weights,
    save_state_dict_file,
    save_weights,
)

__all__ = [
    "FrozenBatchNormStats",
    "GradualUnfreezing",
    "PerceptualLoss",
    "discriminative_param_groups",
    "freeze",
    "freeze_batchnorm_stats",
    "get_submodule",
    "load_state_dict_file",
    "load_weights",
    "replace_head",
    "save_state_dict_file",
    "save_weights",
    "trainable_parameters",
    "unfreeze",
]
