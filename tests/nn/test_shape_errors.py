"""Shape mismatches in layers and functions raise what PyTorch code catches (RuntimeError) and what
Python code catches (ValueError), with a message that names the shapes."""

import pytest

import tinynet as tn
import tinynet.nn.functional as F
from tinynet import nn

MISMATCHES = {
    "linear": lambda: F.linear(tn.randn(4, 3), tn.randn(5, 2)),
    "conv2d channels": lambda: nn.Conv2d(3, 8, 3)(tn.randn(1, 4, 8, 8)),
    "conv1d rank": lambda: F.conv1d(tn.randn(2, 3, 4, 5), tn.randn(6, 3, 2)),
    "batch_norm features": lambda: nn.BatchNorm1d(3)(tn.randn(4, 5)),
    "layer_norm shape": lambda: nn.LayerNorm(4)(tn.randn(2, 5)),
    "max_pool2d rank": lambda: F.max_pool2d(tn.randn(8), 2),
    "mse_loss shapes": lambda: F.mse_loss(tn.randn(3), tn.randn(4)),
    "cross_entropy batch": lambda: F.cross_entropy(tn.randn(4, 3), tn.tensor([0, 1])),
    "matmul": lambda: tn.randn(2, 3) @ tn.randn(4, 5),
    "cat": lambda: tn.cat([tn.randn(2, 3), tn.randn(2, 4)]),
    "view": lambda: tn.randn(2, 3).view(4),
}


@pytest.mark.parametrize("case", sorted(MISMATCHES))
def test_a_shape_mismatch_is_both_a_runtime_error_and_a_value_error(case):
    with pytest.raises(RuntimeError) as caught:
        MISMATCHES[case]()
    assert isinstance(caught.value, ValueError)
    assert any(ch.isdigit() for ch in str(caught.value)), "the message names the sizes"


def test_a_device_other_than_the_cpu_is_refused_by_layers_and_creation_alike():
    for make in (lambda: nn.Linear(2, 3, device="cuda"), lambda: tn.zeros(2, device="cuda:1"),
                 lambda: tn.randn(2).to("mps")):
        with pytest.raises(RuntimeError, match="CPU only"):
            make()
