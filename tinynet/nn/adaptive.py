"""AdaptiveLogSoftmaxWithLoss: the adaptive softmax of Grave et al. (2017) for large vocabularies.

The classes are split by ``cutoffs`` into a head (the most frequent classes, indices below
cutoffs[0]) and tail clusters [cutoffs[i], cutoffs[i + 1]). The head's linear layer scores the
head classes and one entry per cluster; each cluster has its own smaller two-layer projection
(hidden size in_features // div_value^(i+1)). The log-probability of a tail class is that of its
cluster in the head plus its log-probability within the cluster, so a sample only pays for the
head and its own target's cluster.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from tinynet import ops
from tinynet.nn.containers import ModuleList, Sequential
from tinynet.nn.factory import check_device
from tinynet.nn.functional.activation import log_softmax
from tinynet.nn.linear import Linear
from tinynet.nn.module import Module
from tinynet.tensor import Tensor
from tinynet.errors import ShapeError

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


class AdaptiveLogSoftmaxWithLoss(Module):
    """Adaptive softmax (see the module docstring). ``forward(input, target)`` returns
    ``(output, loss)``: output the log-probability of each target (N,), loss their negative mean.
    ``log_prob(input)`` gives all (N, n_classes) log-probabilities and ``predict(input)`` the most
    likely class.   Shapes: input (N, in_features) or (in_features,), target (N,) or ()."""

    def __init__(self, in_features: int, n_classes: int, cutoffs, div_value: float = 4.0,
                 head_bias: bool = False, device=None, dtype=None):
        super().__init__()
        check_device(device, "AdaptiveLogSoftmaxWithLoss")
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
            raise ValueError("cutoffs should be a sequence of unique, positive integers sorted in "
                             "an increasing order, where each value is between 1 and "
                             f"n_classes-1; got {cutoffs} for n_classes={n_classes}")
        self.in_features = in_features
        self.n_classes = n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value = div_value
        self.head_bias = head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=head_bias, dtype=dtype)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hidden = int(in_features // (div_value ** (i + 1)))
            size = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(Linear(in_features, hidden, bias=False, dtype=dtype),
                                        Linear(hidden, size, bias=False, dtype=dtype)))

    def reset_parameters(self) -> None:
        self.head.reset_parameters()
        for to_hidden, to_output in self.tail:
            to_hidden.reset_parameters()
            to_output.reset_parameters()

    def _batched(self, input: Tensor, target: Tensor | None = None) -> tuple:
        if target is not None:
            if target.ndim > 1:
                raise ShapeError("AdaptiveLogSoftmaxWithLoss: 0D or 1D target tensor expected, "
                                 "multi-target not supported")
            if input.ndim != target.ndim + 1 or (target.ndim and
                                                 input.shape[0] != target.shape[0]):
                raise ShapeError(f"AdaptiveLogSoftmaxWithLoss: input of shape "
                                 f"{list(input.shape)} does not fit target of shape "
                                 f"{list(target.shape)} (expected (N, in_features) and (N,), or "
                                 f"(in_features,) and ())")
        elif input.ndim not in (1, 2):
            raise ShapeError(f"AdaptiveLogSoftmaxWithLoss: expected input (N, in_features) or "
                             f"(in_features,), got {list(input.shape)}")
        if input.shape[-1] != self.in_features:
            raise ShapeError(f"AdaptiveLogSoftmaxWithLoss: expected {self.in_features} input "
                             f"features, got input of shape {list(input.shape)}")
        unbatched = input.ndim == 1
        return (input.unsqueeze(0) if unbatched else input), unbatched

    def forward(self, input: Tensor, target: Tensor) -> _ASMoutput:
        input, unbatched = self._batched(input, target)
        labels = np.asarray(target._data).reshape(-1).astype(np.int64)
        if labels.size and (labels.min() < 0 or labels.max() >= self.n_classes):
            raise ValueError(f"Target values should be in [0, {self.n_classes - 1}], but values "
                             f"in range [{labels.min()}, {labels.max()}] were found.")
        head_entry = labels.copy()  # the head column of each sample: its class or its cluster
        rows, pieces = [], []
        for i in range(self.n_clusters):
            low, high = self.cutoffs[i], self.cutoffs[i + 1]
            members = np.flatnonzero((labels >= low) & (labels < high))
            if members.size == 0:
                continue
            head_entry[members] = self.shortlist_size + i
            cluster = log_softmax(self.tail[i](input[members]), 1)
            pieces.append(ops.gather(cluster, 1, Tensor._make((labels[members] - low)[:, None]))
                          .reshape(-1))
            rows.append(members)
        head = log_softmax(self.head(input), 1)
        output = ops.gather(head, 1, Tensor._make(head_entry[:, None])).reshape(-1)
        in_tail = np.concatenate(rows) if rows else np.zeros(0, np.int64)
        if in_tail.size:
            in_head = np.setdiff1d(np.arange(labels.size), in_tail)
            zeros = Tensor._make(np.zeros(in_head.size, output.dtype))
            order = np.concatenate([in_tail, in_head])
            output = output + ops.cat(pieces + [zeros], 0)[np.argsort(order)]
        loss = (-output).mean()
        return _ASMoutput(output.squeeze(0) if unbatched else output, loss)

    def _full_log_prob(self, input: Tensor, head_output: Tensor) -> Tensor:
        head = log_softmax(head_output, 1)
        columns = [head[:, : self.shortlist_size]]
        for i in range(self.n_clusters):
            cluster = log_softmax(self.tail[i](input), 1)
            columns.append(cluster + head[:, self.shortlist_size + i : self.shortlist_size + i + 1])
        return ops.cat(columns, 1)

    def log_prob(self, input: Tensor) -> Tensor:
        """log p(c | x) for every class c.   Shape: (N, in_features) -> (N, n_classes)."""
        input, unbatched = self._batched(input)
        result = self._full_log_prob(input, self.head(input))
        return result.squeeze(0) if unbatched else result

    def predict(self, input: Tensor) -> Tensor:
        """The most likely class of each sample (the head's choice when it is a head class, which
        is then the overall most likely one).   Shape: (N, in_features) -> (N,) int64."""
        input, unbatched = self._batched(input)
        head_output = self.head(input)
        choice = np.argmax(head_output._data, axis=1)
        outside = choice >= self.shortlist_size
        if outside.any():
            picked = np.flatnonzero(outside)
            full = self._full_log_prob(input[picked], head_output[picked])
            choice[picked] = np.argmax(full._data, axis=1)
        result = Tensor._make(choice.astype(np.int64))
        return result.squeeze(0) if unbatched else result
