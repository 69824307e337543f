"""The gradient-check case table: every op and layer of tinynet, each as one ``Case``.

A case names an op, gives a function of tensors ``fn(*tensors, **params)`` and a ``draw(rng)``
that draws, from a NumPy generator, the float64 arrays of the inputs (shapes, values in the op's
domain, away from its kinks) and the other arguments (dims, indices, labels, constants) as
``params``. ``tinynet gradcheck`` runs each case at one seed (``tinynet.gradcheck_suite``); the
tests run gradcheck and gradgradcheck on hypothesis-chosen seeds, and check that together the
cases reach every Function in ``tinynet.ops``.

The cases are split by kind: core.py (elementwise, reductions, shapes, indexing, matmul),
nn.py (activations, losses, normalization, layers), conv.py (convolution, pooling, resampling).
"""

from __future__ import annotations

from tinynet.gradcheck_cases.case import Case
from tinynet.gradcheck_cases.conv import CONV_CASES
from tinynet.gradcheck_cases.core import CORE_CASES
from tinynet.gradcheck_cases.nn import NN_CASES

CASES: list[Case] = CORE_CASES + NN_CASES + CONV_CASES


def select(words: list[str], cases: list[Case] | None = None) -> list[Case]:
    """The cases (default: all) whose name contains one of ``words``, case-insensitive."""
    return [c for c in (CASES if cases is None else cases)
            if any(word.lower() in c.name.lower() for word in words)]


__all__ = ["Case", "CASES", "CORE_CASES", "NN_CASES", "CONV_CASES", "select"]

# Tensor functions: sort, topk, norms, masking, repeat, roll, cumsum, lerp, in-place forms
from tinynet.gradcheck_cases.tensor_functions import TENSOR_FUNCTION_CASES  # noqa: E402

CASES += TENSOR_FUNCTION_CASES
__all__ += ["TENSOR_FUNCTION_CASES"]
# Further nn functions and layers (losses, distances, norms, bilinear, embedding_bag, dropout).
from tinynet.gradcheck_cases.extra_nn import EXTRA_NN_CASES

CASES += EXTRA_NN_CASES
__all__ += ["EXTRA_NN_CASES"]
# Further activations, padding, pooling and resampling layers
from tinynet.gradcheck_cases.layers import LAYERS_CASES  # noqa: E402

CASES += LAYERS_CASES
__all__ += ["LAYERS_CASES"]
# Recurrent cells and layers
from tinynet.gradcheck_cases.recurrent import RECURRENT_CASES  # noqa: E402

CASES += RECURRENT_CASES
__all__ += ["RECURRENT_CASES"]
# Indexing, dims, diagonals, einsum and products, linalg inv/det/solve
from tinynet.gradcheck_cases.indexing_more import INDEXING_MORE_CASES  # noqa: E402

CASES += INDEXING_MORE_CASES
__all__ += ["INDEXING_MORE_CASES"]
# Padded and packed sequences, and the recurrent step loop over a packed batch
from tinynet.gradcheck_cases.packed import PACKED_CASES  # noqa: E402

CASES += PACKED_CASES
__all__ += ["PACKED_CASES"]
# Peephole LSTM layer and cell
from tinynet.gradcheck_cases.peephole import PEEPHOLE_CASES  # noqa: E402

CASES += PEEPHOLE_CASES
__all__ += ["PEEPHOLE_CASES"]
