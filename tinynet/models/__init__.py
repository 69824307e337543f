"""Documented architectures and their losses, built from the public API only, and the registry
the recipes use: ``MODELS[name](input_shape, num_classes, **model_args) -> Module``, where
``input_shape`` is one sample's shape (without the batch dimension) and ``model_args`` are the
builder's keyword arguments (``tinynet train NAME --model-arg KEY=VALUE``). Training programs
live in ``tinynet.recipes``."""

from tinynet.models.autoencoder import (
    ConvAutoencoder,
    DenseAutoencoder,
    build_autoencoder,
    build_conv_autoencoder,
    build_sparse_autoencoder,
)
from tinynet.models.cnn import CNN1d, CNN2d, build_cnn
from tinynet.models.gan import GAN, build_gan
from tinynet.models.lenet import LeNet5, build_lenet
from tinynet.models.logistic import LogisticRegression, build_logistic
from tinynet.models.mlp import MLP, build_mlp
from tinynet.models.perceptron import MulticlassPerceptron, Perceptron, build_perceptron
from tinynet.models.resnet import BasicBlock, ResNet, build_resnet
from tinynet.models.unet import UNet, build_unet
from tinynet.models.vae import VAE, build_vae

MODELS = {
    "mlp": build_mlp,
    "cnn": build_cnn,
    "logistic": build_logistic,
    "perceptron": build_perceptron,
    "lenet": build_lenet,
    "resnet": build_resnet,
    "unet": build_unet,
    "autoencoder": build_autoencoder,
    "conv-autoencoder": build_conv_autoencoder,
    "denoising-autoencoder": build_autoencoder,
    "sparse-autoencoder": build_sparse_autoencoder,
    "vae": build_vae,
    "gan": build_gan,
}

__all__ = ["MLP", "MODELS", "CNN1d", "CNN2d", "build_cnn", "build_mlp"]
__all__ += ["GAN", "VAE", "ConvAutoencoder", "DenseAutoencoder"]
__all__ += ["BasicBlock", "LeNet5", "LogisticRegression", "MulticlassPerceptron", "Perceptron",
            "ResNet", "UNet", "build_lenet", "build_logistic", "build_perceptron", "build_resnet",
            "build_unet"]

# Language models
from tinynet.models.char_lm import CharLM, build_char_lm

MODELS["char-lm"] = build_char_lm
__all__ += ["CharLM", "build_char_lm"]


def __getattr__(name: str):
    """``TRAINERS``: {model name: ``functools.partial(tinynet.recipes.train, name)``} for the
    models whose recipe is not the classifiers' (``tinynet.recipes.RECIPES`` has them all)."""
    if name == "TRAINERS":
        from functools import partial

        from tinynet.recipes import RECIPES, train

        return {model: partial(train, model) for model, recipe in RECIPES.items()
                if recipe.family != "classifier"}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

# Recurrent regressors of the long-range tasks (the vanishing-gradient study)
from tinynet.models.last_step import (
    LastStepRegressor,
    build_last_step_regressor,
    build_vanishing,
)

MODELS["vanishing"] = build_vanishing
__all__ += ["LastStepRegressor", "build_last_step_regressor", "build_vanishing"]

# Recurrent classifiers
from tinynet.models.recurrent import (
    RecurrentClassifier,
    build_gru,
    build_lstm,
    build_recurrent,
    build_rnn,
)

MODELS.update({"gru": build_gru, "lstm": build_lstm, "rnn": build_rnn, "names": build_recurrent})
__all__ += ["RecurrentClassifier", "build_gru", "build_lstm", "build_recurrent", "build_rnn"]

# Transfer learning: the CNN pretrained on one task and moved to another
from tinynet.models.transfer import build_transfer

MODELS["transfer"] = build_transfer
__all__ += ["build_transfer"]

# Reinforcement-learning agents' networks
from tinynet.models.agents import build_policy, build_q_network, build_value

MODELS.update({"dqn": build_q_network, "ppo": build_policy, "a2c": build_policy,
               "reinforce": build_policy})
__all__ += ["build_policy", "build_q_network", "build_value"]

# Decoder-only Transformer language model
from tinynet.models.gpt import GPT, build_gpt  # noqa: E402

MODELS["char-gpt"] = build_gpt
__all__ += ["GPT", "build_gpt"]

# Transformer encoder classifier of signals (patches as tokens)
from tinynet.models.transformer_classifier import (  # noqa: E402
    TransformerClassifier,
    build_transformer_classifier,
)

MODELS["transformer"] = build_transformer_classifier
__all__ += ["TransformerClassifier", "build_transformer_classifier"]

# Encoder-decoders (sequence to sequence) and their decoders
from tinynet.models.seq2seq import (  # noqa: E402
    Seq2Seq,
    Seq2SeqOutput,
    beam_search,
    greedy_decode,
)

__all__ += ["Seq2Seq", "Seq2SeqOutput", "beam_search", "greedy_decode"]

# The seq2seq recipe's builder: Seq2Seq(src_vocab_size, tgt_vocab_size, **model_args)
MODELS["seq2seq"] = Seq2Seq

# Transformer encoder-decoder (sequence to sequence), the seq2seq-transformer recipe's builder
from tinynet.models.seq2seq_transformer import (  # noqa: E402
    Seq2SeqTransformer,
    Seq2SeqTransformerOutput,
)

MODELS["seq2seq-transformer"] = Seq2SeqTransformer
__all__ += ["Seq2SeqTransformer", "Seq2SeqTransformerOutput"]
