"""Documented architectures, built from the public API only, and the registry the command line
uses: ``MODELS[name](input_shape, num_classes) -> Module``, where ``input_shape`` is one sample's
shape (without the batch dimension)."""

from functools import partial

from tinynet.models import autoencoder, gan, perceptron, unet, vae
from tinynet.models.autoencoder import ConvAutoencoder, DenseAutoencoder
from tinynet.models.cnn import CNN1d, CNN2d, build_cnn
from tinynet.models.gan import GAN
from tinynet.models.lenet import LeNet5, build_lenet
from tinynet.models.logistic import LogisticRegression, build_logistic
from tinynet.models.mlp import MLP, build_mlp
from tinynet.models.perceptron import MulticlassPerceptron, Perceptron, build_perceptron
from tinynet.models.resnet import BasicBlock, ResNet, build_resnet
from tinynet.models.unet import UNet, build_unet
from tinynet.models.vae import VAE

MODELS = {
    "mlp": build_mlp,
    "cnn": build_cnn,
    "logistic": build_logistic,
    "perceptron": build_perceptron,
    "lenet": build_lenet,
    "resnet": build_resnet,
    "unet": build_unet,
    "autoencoder": partial(autoencoder.build_autoencoder, "autoencoder"),
    "conv-autoencoder": partial(autoencoder.build_autoencoder, "conv-autoencoder"),
    "denoising-autoencoder": partial(autoencoder.build_autoencoder, "denoising-autoencoder"),
    "sparse-autoencoder": partial(autoencoder.build_autoencoder, "sparse-autoencoder"),
    "vae": vae.build_vae,
    "gan": gan.build_gan,
}

# Models that do not train as classifiers bring their own command, which ``tinynet train NAME``
# runs instead of its classifier loop: TRAINERS[name](dataset=..., epochs=..., batch_size=...,
# lr=..., seed=..., out=..., data_dir=..., download=..., verbose=...) -> metrics dict (with a
# "stop_cause" entry); None for epochs, batch_size or lr means the model's own default.
TRAINERS = {
    "autoencoder": partial(autoencoder.train_command, "autoencoder"),
    "conv-autoencoder": partial(autoencoder.train_command, "conv-autoencoder"),
    "denoising-autoencoder": partial(autoencoder.train_command, "denoising-autoencoder"),
    "sparse-autoencoder": partial(autoencoder.train_command, "sparse-autoencoder"),
    "vae": vae.train_command,
    "gan": gan.train_command,
    "perceptron": perceptron.train_command,
    "unet": unet.train_command,
}

__all__ = ["CNN1d", "CNN2d", "MLP", "MODELS", "build_cnn", "build_mlp"]
__all__ += ["GAN", "TRAINERS", "VAE", "ConvAutoencoder", "DenseAutoencoder"]
__all__ += ["BasicBlock", "LeNet5", "LogisticRegression", "MulticlassPerceptron", "Perceptron",
            "ResNet", "UNet", "build_lenet", "build_logistic", "build_perceptron", "build_resnet",
            "build_unet"]
