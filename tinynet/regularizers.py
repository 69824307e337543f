"""Penalty terms to add to a loss: L1, L2 and elastic net, as differentiable functions.

    loss = criterion(model(x), y) + strength * l2_penalty(model.parameters())

Usually only weights are penalized, not biases or normalization parameters: pass the tensors you
mean, e.g. ``[p for name, p in model.named_parameters() if name.endswith("weight")]``.

L2 penalty, weight decay and AdamW's decoupled decay
----------------------------------------------------
``l2_penalty`` is ½·Σθ², whose gradient is θ. So ``loss + λ·l2_penalty(params)`` adds λ·θ to
every gradient, which is exactly what ``weight_decay=λ`` does inside SGD, Adagrad, Adadelta,
RMSprop, Adam and NAdam: for those the two are the same thing, and for SGD both mean shrinking
θ by lr·λ·θ every step. For the adaptive optimizers (Adam, RMSprop, ...) that added λ·θ then goes
through the per-coordinate scaling like any gradient, so coordinates with large gradient history
are barely decayed. AdamW (and ``decoupled_weight_decay=True``) instead shrinks θ ← θ·(1 − lr·λ)
outside the adaptive step, so every coordinate decays at the same rate; that is not the gradient
of any penalty added to the loss, and it is why AdamW's weight decay generalizes better than an
L2 penalty with Adam (Loshchilov & Hutter, 2019). Use one mechanism, not both.
"""

from __future__ import annotations

from collections.abc import Iterable

from tinynet.tensor import Tensor


def _as_list(params: Tensor | Iterable[Tensor]) -> list[Tensor]:
    params = [params] if isinstance(params, Tensor) else list(params)
    if not params:
        raise ValueError("expected at least one tensor to penalize, but got none")
    return params


def _total(terms: list[Tensor]) -> Tensor:
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def l1_penalty(params: Tensor | Iterable[Tensor]) -> Tensor:
    """Σ|θ| over all elements of all the tensors (a scalar). Its gradient is sign(θ) (0 at 0),
    which pushes small weights to exactly zero: the L1 penalty (lasso) makes weights sparse."""
    return _total([param.abs().sum() for param in _as_list(params)])


def l2_penalty(params: Tensor | Iterable[Tensor]) -> Tensor:
    """½·Σθ² over all elements of all the tensors (a scalar). Its gradient is θ, so
    ``λ·l2_penalty(params)`` has gradient λ·θ, the same as the optimizers' ``weight_decay=λ``
    (see the module docstring for how it differs from AdamW's decoupled decay)."""
    return _total([(param * param).sum() for param in _as_list(params)]) * 0.5


def elastic_net_penalty(params: Tensor | Iterable[Tensor], l1_ratio: float = 0.5) -> Tensor:
    """r·Σ|θ| + (1 − r)·½·Σθ² with r = l1_ratio in [0, 1] (scikit-learn's ElasticNet mix): the
    sparsity of L1 with the stability of L2 among correlated features. r = 1 is ``l1_penalty``,
    r = 0 is ``l2_penalty``."""
    if not 0.0 <= l1_ratio <= 1.0:
        raise ValueError(f"l1_ratio must be in [0, 1], but got {l1_ratio}")
    params = _as_list(params)
    return l1_penalty(params) * l1_ratio + l2_penalty(params) * (1.0 - l1_ratio)
