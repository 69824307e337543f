"""The gradient-check case table: every op and layer of tinynet, each as one ``Case``.

A case names an op, gives a function of tensors ``fn(*tensors, **params)`` and a ``draw(rng)``
that draws, from a NumPy generator, the float64 arrays of the inputs (shapes, values in the op's
domain, away from its kinks) and the other arguments (dims, indices, labels, constants) as
``params``. ``tinynet gradcheck`` runs each case at one seed (``tinynet.gradcheck_suite``); the
tests run gradcheck and gradgradcheck on hypothesis-chosen seeds, and check that together the
cases reach every Function in ``tinynet.ops``.

The cases are split by kind, one file each: the TABLES below, in the order they run.
"""

from __future__ import annotations

from tinynet.gradcheck_cases.case import Case
from tinynet.gradcheck_cases.conv import CONV_CASES
from tinynet.gradcheck_cases.core import CORE_CASES
from tinynet.gradcheck_cases.extra_nn import EXTRA_NN_CASES
from tinynet.gradcheck_cases.indexing_more import INDEXING_MORE_CASES
from tinynet.gradcheck_cases.layers import LAYERS_CASES
from tinynet.gradcheck_cases.math import MATH_CASES
from tinynet.gradcheck_cases.nn import NN_CASES
from tinynet.gradcheck_cases.packed import PACKED_CASES
from tinynet.gradcheck_cases.peephole import PEEPHOLE_CASES
from tinynet.gradcheck_cases.recurrent import RECURRENT_CASES
from tinynet.gradcheck_cases.tensor_functions import TENSOR_FUNCTION_CASES

TABLES: dict[str, list[Case]] = {
    "core": CORE_CASES,  # elementwise, reductions, shapes, indexing, matmul
    "tensor functions": TENSOR_FUNCTION_CASES,  # sort, topk, norms, masking, cumsum, in-place
    "math": MATH_CASES,  # rounding, logs, inverse trigonometry, remainders, scans
    "indexing": INDEXING_MORE_CASES,  # scatter, index_*, dims, einsum, products, inv/det/solve
    "nn": NN_CASES,  # activations, losses, batch/layer/group norm, dropout, embedding
    "more nn": EXTRA_NN_CASES,  # more losses, distances, norms, bilinear, embedding_bag
    "conv": CONV_CASES,  # convolution, pooling, resampling
    "layers": LAYERS_CASES,  # more activations, padding, pooling and resampling layers
    "recurrent": RECURRENT_CASES,  # recurrent cells and layers
    "peephole": PEEPHOLE_CASES,  # the peephole LSTM
    "packed": PACKED_CASES,  # padded and packed sequences, the step loop over a packed batch
}
CASES: list[Case] = [case for table in TABLES.values() for case in table]


def select(words: list[str], cases: list[Case] | None = None) -> list[Case]:
    """The cases (default: all) whose name contains one of ``words``, case-insensitive."""
    return [c for c in (CASES if cases is None else cases)
            if any(word.lower() in c.name.lower() for word in words)]


__all__ = ["Case", "CASES", "TABLES", "select", "CONV_CASES", "CORE_CASES", "EXTRA_NN_CASES",
           "INDEXING_MORE_CASES", "LAYERS_CASES", "MATH_CASES", "NN_CASES", "PACKED_CASES",
           "PEEPHOLE_CASES", "RECURRENT_CASES", "TENSOR_FUNCTION_CASES"]

# Attention and Transformer layers
from tinynet.gradcheck_cases.attention import ATTENTION_CASES  # noqa: E402

TABLES["attention"] = ATTENTION_CASES  # scaled dot-product attention, MultiheadAttention, layers
CASES += ATTENTION_CASES
__all__ += ["ATTENTION_CASES"]
