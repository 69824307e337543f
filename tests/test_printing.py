"""Tensors print as PyTorch prints them (torch/_tensor_str.py's rules, documented in
torch.set_printoptions): precision, alignment, scientific notation, wrapping, summarising, the
suffixes. tinynet names itself in dtypes (``dtype=tinynet.float64``) and in graph node names."""

import numpy as np
import pytest

import tinynet as tn
from tinynet import printing

CASES = {
    "floats": lambda m: m.tensor([[0.1, 0.2], [3.0, -4.25]]),
    "whole floats": lambda m: m.tensor([1.0, -2.0, 30.0]),
    "scalar": lambda m: m.tensor(0.4981),
    "whole scalar": lambda m: m.tensor(3.0),
    "int scalar": lambda m: m.tensor(7),
    "ints": lambda m: m.tensor([[1, -20], [300, 4]]),
    "bools": lambda m: m.tensor([True, False]),
    "small values (scientific)": lambda m: m.tensor([1e-5, 2.0, 3.0]),
    "wide range (scientific)": lambda m: m.tensor([0.5, 2000.0]),
    "large (scientific)": lambda m: m.tensor([1e9, 1.0]),
    "whole but wide range": lambda m: m.tensor([1.0, 1e5]),
    "non-finite": lambda m: m.tensor([float("nan"), float("inf"), -float("inf"), 1.5]),
    "non-finite whole": lambda m: m.tensor([float("nan"), 2.0]),
    "zeros": lambda m: m.zeros(2, 3),
    "float64": lambda m: m.tensor([1.0, 2.5], dtype=m.float64),
    "int32": lambda m: m.tensor([1, 2], dtype=m.int32),
    "uint8": lambda m: m.tensor([1, 2], dtype=m.uint8),
    "float16": lambda m: m.tensor([0.1, 2.0], dtype=m.float16),
    "empty": lambda m: m.tensor([]),
    "empty 2-d": lambda m: m.zeros(0, 3),
    "empty int": lambda m: m.zeros(0, dtype=m.int64),
    "empty float64 2-d": lambda m: m.zeros(2, 0, dtype=m.float64),
    "long row wraps": lambda m: m.arange(40.0) / 7,
    "long int row wraps": lambda m: m.arange(100),
    "summarised vector": lambda m: m.arange(2000.0),
    "summarised matrix": lambda m: m.arange(3000.0).reshape(60, 50) / 3,
    "summarised 3-d": lambda m: m.arange(4000).reshape(10, 20, 20),
    "3-d": lambda m: m.arange(24.0).reshape(2, 3, 4) - 11.5,
    "requires grad": lambda m: m.tensor([1.0, 2.0], requires_grad=True),
    "float64 requires grad wraps suffixes": lambda m: m.tensor(
        [-0.6667, -0.3333, 0.4118, 0.7143], dtype=m.float64, requires_grad=True),
    "negative zero": lambda m: m.tensor([-0.0, 1.5]),
}


def _torch_repr(torch, make):
    return repr(make(torch)).replace("torch.", "tinynet.")


@pytest.mark.parametrize("name", sorted(CASES))
def test_print_matches_pytorch(name):
    torch = pytest.importorskip("torch")
    assert repr(CASES[name](tn)) == _torch_repr(torch, CASES[name])


OPTIONS = [
    {"precision": 2},
    {"precision": 6},
    {"threshold": 5},
    {"threshold": 5, "edgeitems": 1},
    {"linewidth": 40},
    {"sci_mode": True},
    {"sci_mode": False},
    {"profile": "short"},
    {"profile": "full"},
]


@pytest.mark.parametrize("options", OPTIONS, ids=str)
@pytest.mark.parametrize("name", ["floats", "summarised matrix", "small values (scientific)",
                                  "long row wraps", "ints"])
def test_print_options_match_pytorch(options, name):
    torch = pytest.importorskip("torch")
    torch.set_printoptions(**options)
    tn.set_printoptions(**options)
    try:
        assert repr(CASES[name](tn)) == _torch_repr(torch, CASES[name])
    finally:
        torch.set_printoptions(profile="default")
        tn.set_printoptions(profile="default")


def test_print_options_are_restored_by_the_context_manager_and_readable():
    before = printing.get_printoptions()
    with printing.printoptions(precision=1):
        assert repr(tn.tensor([0.25])) == "tensor([0.2])"
    assert printing.get_printoptions() == before
    assert before == {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80,
                      "sci_mode": None}


def test_an_unknown_profile_is_refused():
    with pytest.raises(ValueError, match="profile"):
        tn.set_printoptions(profile="tiny")


def test_print_shows_the_graph_node_and_float_dtypes_by_tinynet_names():
    x = tn.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x * 2) == "tensor([2., 4.], grad_fn=<MulBackward>)"
    assert repr((x * 2).sum()) == "tensor(6., grad_fn=<SumBackward>)"
    assert (x + 1).grad_fn.name() == "AddBackward"
    assert repr(tn.tensor([1.0], dtype=tn.float64)) == "tensor([1.], dtype=tinynet.float64)"


def test_the_default_dtype_decides_which_float_dtype_is_shown():
    tn.set_default_dtype(tn.float64)
    try:
        assert repr(tn.tensor([1.5])) == "tensor([1.5000])"
        assert repr(tn.tensor([1.5], dtype=tn.float32)) == "tensor([1.5000], dtype=tinynet.float32)"
    finally:
        tn.set_default_dtype(tn.float32)


def test_str_and_format_of_tensors():
    loss = tn.tensor(0.123456)
    assert f"{loss:.4f}" == "0.1235"
    assert str(loss) == "tensor(0.1235)"
    assert f"{loss}" == str(loss.item())  # a 0-d tensor formats as its number, as in PyTorch
    assert f"{tn.tensor(3):03d}" == "003"
    assert f"{tn.tensor([1.0, 2.0])}" == "tensor([1., 2.])"
    with pytest.raises(TypeError, match="format"):
        f"{tn.tensor([1.0, 2.0]):.2f}"
    with pytest.raises(TypeError, match="format"):
        f"{tn.tensor([1.0]):.2f}"  # one element but 1-d: PyTorch refuses it too


def test_format_specs_agree_with_pytorch():
    torch = pytest.importorskip("torch")
    for value, spec in [(0.123456, ".4f"), (2.5, ""), (3, "d"), (1e-8, ".2e"), (12.0, ">8.1f")]:
        assert format(tn.tensor(value), spec) == format(torch.tensor(value), spec)


def test_parameter_print_keeps_its_header():
    parameter = tn.nn.Parameter(tn.tensor([1.0, 2.0]))
    assert repr(parameter) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"


def test_numpy_print_options_are_not_touched():
    before = np.get_printoptions()
    tn.set_printoptions(precision=1)
    tn.set_printoptions(profile="default")
    repr(tn.arange(5000.0))
    assert np.get_printoptions() == before
