"""EmbeddingBag: the sum, mean or max of the embeddings of each bag of indices."""

from __future__ import annotations

from tinynet import creation
from tinynet.autograd.grad_mode import no_grad
from tinynet.nn import init
from tinynet.nn.factory import check_device
from tinynet.nn.functional.embedding_bag import _MODES, embedding_bag
from tinynet.nn.module import Module
from tinynet.nn.parameter import Parameter
from tinynet.tensor import Tensor
from tinynet.errors import ShapeError


class EmbeddingBag(Module):
    """y_b = sum, mean or max of weight[i] over the indices i of bag b (see
    ``F.embedding_bag``: bags as rows of a 2-D input, or a 1-D input cut at ``offsets``).
    weight (num_embeddings, embedding_dim) is initialized N(0, 1) as in PyTorch, the
    ``padding_idx`` row zero. ``scale_grad_by_freq`` and ``sparse`` are refused."""

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                 sparse: bool = False, _weight: Tensor | None = None,
                 include_last_offset: bool = False, padding_idx: int | None = None,
                 device=None, dtype=None):
        super().__init__()
        check_device(device, "EmbeddingBag")
        if scale_grad_by_freq or sparse:
            raise ValueError("EmbeddingBag: scale_grad_by_freq and sparse gradients are not "
                             "supported in tinynet")
        if mode not in _MODES:
            raise ValueError(f"EmbeddingBag: mode must be one of {', '.join(_MODES)}, got "
                             f"{mode!r}")
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"padding_idx {padding_idx} must be within num_embeddings "
                                 f"({num_embeddings})")
            padding_idx %= num_embeddings
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.mode = mode
        self.sparse = sparse
        self.include_last_offset = include_last_offset
        self.padding_idx = padding_idx
        if _weight is None:
            self.weight = Parameter(creation.empty(num_embeddings, embedding_dim, dtype=dtype))
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ShapeError(f"EmbeddingBag: _weight of shape {list(_weight.shape)} does "
                                 f"not match [{num_embeddings}, {embedding_dim}]")
            self.weight = Parameter(_weight)

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight._data[self.padding_idx] = 0
                self.weight._version += 1

    def forward(self, input: Tensor, offsets: Tensor | None = None,
                per_sample_weights: Tensor | None = None) -> Tensor:
        return embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                             self.scale_grad_by_freq, self.mode, self.sparse, per_sample_weights,
                             self.include_last_offset, self.padding_idx)

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True,
                        max_norm: float | None = None, norm_type: float = 2.0,
                        scale_grad_by_freq: bool = False, mode: str = "mean",
                        sparse: bool = False, include_last_offset: bool = False,
                        padding_idx: int | None = None) -> EmbeddingBag:
        """An EmbeddingBag around a (num_embeddings, embedding_dim) tensor; frozen by default."""
        if embeddings.ndim != 2:
            raise ShapeError(f"embeddings must be 2-D, got shape {list(embeddings.shape)}")
        rows, columns = embeddings.shape
        bag = cls(rows, columns, max_norm, norm_type, scale_grad_by_freq, mode, sparse,
                  embeddings, include_last_offset, padding_idx)
        bag.weight.requires_grad = not freeze
        return bag

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        text += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        return text
