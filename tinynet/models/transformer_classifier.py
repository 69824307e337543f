"""A Transformer encoder that classifies signals: the signal cut into patches, each patch a token.

    model = TransformerClassifier(channels=1, length=40, num_classes=10, patch_size=4)
    logits = model(x)                      # x (B, 1, 40) -> logits (B, 10)

A (C, L) signal (channels first, as MNIST-1D's (1, 40)) is cut into L / ``patch_size``
non-overlapping patches; each patch's C * patch_size values are mapped linearly to a token of
``d_model`` features (as a Vision Transformer does with image patches), a learned position
embedding is added, and ``num_layers`` pre-norm ``nn.TransformerEncoderLayer``s read the tokens.
``pooling="cls"`` prepends a learned class token and classifies its output; ``"mean"`` averages
the outputs of all patches. A final layer norm, then a linear map to the classes.
"""

from __future__ import annotations

from collections.abc import Sequence

import tinynet as tn
from tinynet import nn
from tinynet.errors import ArgumentError
from tinynet.tensor import Tensor

__all__ = ["TransformerClassifier", "build_transformer_classifier"]


class TransformerClassifier(nn.Module):
    """Patches -> tokens -> Transformer encoder -> class token or mean -> logits."""

    def __init__(self, channels: int, length: int, num_classes: int, patch_size: int = 4,
                 d_model: int = 64, nhead: int = 4, num_layers: int = 2,
                 dim_feedforward: int = 128, dropout: float = 0.0, pooling: str = "cls"):
        super().__init__()
        if patch_size < 1 or length % patch_size:
            raise ArgumentError(f"TransformerClassifier: patch_size ({patch_size}) must divide "
                                f"the signal's length ({length})")
        if pooling not in ("cls", "mean"):
            raise ArgumentError(f"TransformerClassifier: pooling must be 'cls' or 'mean', but "
                                f"got {pooling!r}")
        if d_model % nhead:
            raise ArgumentError(f"TransformerClassifier: d_model ({d_model}) must be divisible "
                                f"by nhead ({nhead})")
        self.channels, self.length, self.patch_size = channels, length, patch_size
        self.pooling = pooling
        tokens = length // patch_size + (pooling == "cls")
        self.embed = nn.Linear(channels * patch_size, d_model)
        self.pos_emb = nn.Parameter(tn.randn(1, tokens, d_model) * 0.02)
        if pooling == "cls":
            self.cls_token = nn.Parameter(tn.zeros(1, 1, d_model))
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout,
                                           activation="gelu", batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers, norm=nn.LayerNorm(d_model),
                                             enable_nested_tensor=False)
        self.head = nn.Linear(d_model, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() != 3 or tuple(x.shape[1:]) != (self.channels, self.length):
            raise ArgumentError(f"TransformerClassifier: expected signals (batch, "
                                f"{self.channels}, {self.length}), but got {list(x.shape)}")
        batch = x.shape[0]
        # (B, C, L) -> (B, C, L / p, p) -> (B, L / p, C, p) -> tokens of C * p values
        patches = x.reshape(batch, self.channels, self.length // self.patch_size,
                            self.patch_size).permute(0, 2, 1, 3)
        tokens = self.embed(patches.reshape(batch, self.length // self.patch_size, -1))
        if self.pooling == "cls":
            tokens = tn.cat([self.cls_token.expand(batch, -1, -1), tokens], dim=1)
        encoded = self.encoder(tokens + self.pos_emb)
        pooled = encoded[:, 0] if self.pooling == "cls" else encoded.mean(dim=1)
        return self.head(pooled)

    def extra_repr(self) -> str:
        return f"patch_size={self.patch_size}, pooling={self.pooling!r}"


def build_transformer_classifier(input_shape: Sequence[int], num_classes: int,
                                 patch_size: int = 4, d_model: int = 64, nhead: int = 4,
                                 num_layers: int = 2, dim_feedforward: int = 128,
                                 dropout: float = 0.0, pooling: str = "cls"
                                 ) -> TransformerClassifier:
    """The registry's builder for (C, L) signals."""
    shape = tuple(input_shape)
    if len(shape) != 2:
        raise ValueError(f"the transformer classifier needs (C, L) signals, but the dataset "
                         f"gives samples of shape {shape}")
    return TransformerClassifier(shape[0], shape[1], num_classes, patch_size, d_model, nhead,
                                 num_layers, dim_feedforward, dropout, pooling)
