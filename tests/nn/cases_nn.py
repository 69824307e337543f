"""The cases of the fused nn ops (tinynet/ops/nn_ops.py, normalization.py, loss.py) from the case
table tinynet.gradcheck_cases, with their inputs as hypothesis strategies; tests/nn/
test_activations.py runs them."""

from __future__ import annotations

from tests.ops.case_strategies import with_strategy
from tinynet.gradcheck_cases import NN_CASES as ALL_NN_CASES

FUSED_OPS = {"batch_norm_train", "batch_norm_train_no_affine", "batch_norm_eval", "normalize",
             "batch_norm_backward", "cross_entropy", "softplus", "erf", "step",
             "binary_cross_entropy", "backward_hook"}

NN_CASES = [with_strategy(case) for case in ALL_NN_CASES if case.name in FUSED_OPS]
assert len(NN_CASES) == len(FUSED_OPS)
