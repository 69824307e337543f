"""The API coverage report (benchmarks/api_coverage.py): its machinery on small fake libraries, the
tutorial-name extraction on a small script, and the issue's acceptance test against PyTorch.

The acceptance tests (``test_acceptance_*``) say when tinynet offers what PyTorch's tutorials use
(every name, and every keyword argument they pass to one) and 80% of ``torch.nn`` and ``torch.nn.functional`` with PyTorch's signatures (the adjusted figure:
the listed deliberately lacking names left out of both counts). They fail until that API exists.
"""

import importlib
import importlib.util
import inspect
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"


def load(name):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return module


cov = load("api_coverage")


# --- fake libraries -------------------------------------------------------------------------------


def make_library(name, members):
    """A module ``name`` with a submodule ``nn`` holding ``members``."""
    root = types.ModuleType(name)
    nn = types.ModuleType(f"{name}.nn")
    for key, value in members.items():
        setattr(nn, key, value)
    root.nn = nn
    return root


def ref_relu(input, inplace=False):
    pass


def ref_gelu(input, approximate="none"):
    pass


def ref_conv(input, weight, bias=None, *, stride=1, padding=0):
    pass


class RefLinear:
    def __init__(self, in_features, out_features, bias=True):
        pass


class RefSyncNorm:
    def __init__(self, num_features):
        pass


def ref_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    pass


@pytest.fixture
def reference():
    from typing import Optional

    return make_library("ref", {
        "relu": ref_relu, "gelu": ref_gelu, "conv": ref_conv, "Linear": RefLinear,
        "SyncNorm": RefSyncNorm, "loss": ref_loss, "Optional": Optional,
        "TYPE_CHECKING": False, "_private": ref_relu, "functional": types.ModuleType("f"),
    })


NON_API = {"ref.nn": {"TYPE_CHECKING": "typing flag"}}


def run(reference, candidate, non_api=NON_API, lacking=()):
    results, summaries = cov.coverage(reference, candidate, namespaces=("nn",),
                                      non_api=non_api, lacking=list(lacking))
    return {r.name: r for r in results}, summaries[0]


def test_a_name_present_with_the_same_signature_matches_and_an_absent_one_is_counted(reference):
    def relu(input, inplace=False):
        pass

    results, summary = run(reference, make_library("cand", {"relu": relu}))
    assert results["relu"].present and results["relu"].signature == "match"
    assert not results["gelu"].present and results["gelu"].signature == "absent"
    assert summary.present == 1 and summary.matching == 1


def test_private_names_submodules_and_typing_reexports_are_not_counted(reference):
    results, summary = run(reference, make_library("cand", {}), non_api={})
    assert "TYPE_CHECKING" in results   # a flag, counted unless listed as not API
    results, summary = run(reference, make_library("cand", {}))
    assert set(results) == {"relu", "gelu", "conv", "Linear", "SyncNorm", "loss"}
    assert summary.names == 6
    assert "Optional" in summary.non_api and "TYPE_CHECKING" in summary.non_api


@pytest.mark.parametrize("candidate, expected", [
    (lambda input, inplace=True: None, "'inplace' defaults to True, PyTorch's to False"),
    (lambda x, inplace=False: None, "positional parameters from #0: (x, inplace)"),
    (lambda input, *, inplace=False: None, "positional parameters from #1: ()"),
    (lambda input: None, "positional parameters from #1: (), PyTorch's (inplace)"),
    (lambda input, inplace=False, extra=1: None, "positional parameters from #2: (extra)"),
])
def test_a_signature_that_differs_is_a_mismatch_that_says_how(reference, candidate, expected):
    results, summary = run(reference, make_library("cand", {"relu": candidate}))
    assert results["relu"].present and results["relu"].signature == "mismatch"
    assert expected in results["relu"].detail
    assert summary.present == 1 and summary.matching == 0


def test_keyword_only_parameters_may_come_in_any_order_but_must_all_be_there(reference):
    def conv(input, weight, bias=None, *, padding=0, stride=1):
        pass

    def conv_missing(input, weight, bias=None, *, stride=1):
        pass

    assert run(reference, make_library("cand", {"conv": conv}))[0]["conv"].signature == "match"
    result = run(reference, make_library("cand", {"conv": conv_missing}))[0]["conv"]
    assert result.signature == "mismatch" and "missing 'padding'" in result.detail


def test_a_class_is_compared_through_its_constructor(reference):
    class Linear:
        def __init__(self, in_features, out_features, bias=False):
            pass

    result = run(reference, make_library("cand", {"Linear": Linear}))[0]["Linear"]
    assert result.signature == "mismatch" and "'bias' defaults to False" in result.detail


def test_deprecated_loss_parameters_may_be_absent_but_not_different(reference):
    def loss(input, target, reduction="mean"):
        pass

    def loss_other_default(input, target, size_average=True, reduce=None, reduction="mean"):
        pass

    assert run(reference, make_library("c", {"loss": loss}))[0]["loss"].signature == "match"
    result = run(reference, make_library("c", {"loss": loss_other_default}))[0]["loss"]
    assert result.signature == "mismatch" and "'size_average'" in result.detail


def test_deliberately_lacking_names_count_in_the_raw_figure_and_leave_the_adjusted_one(reference):
    def relu(input, inplace=False):
        pass

    lacking = [("ref.nn", "Sync*", "distributed training")]
    results, summary = run(reference, make_library("cand", {"relu": relu}), lacking=lacking)
    assert results["SyncNorm"].lacking_reason == "distributed training"
    assert not results["SyncNorm"].present
    assert summary.names == 6 and summary.lacking == 1 and summary.matching == 1
    assert summary.raw_percent == pytest.approx(100 / 6)
    assert summary.adjusted_percent == pytest.approx(100 / 5)


def test_a_lacking_name_that_is_present_does_not_raise_the_adjusted_figure(reference):
    class SyncNorm:
        def __init__(self, num_features):
            pass

    lacking = [("ref.nn", "SyncNorm", "distributed training")]
    _, summary = run(reference, make_library("cand", {"SyncNorm": SyncNorm}), lacking=lacking)
    assert summary.matching == 1 and summary.raw_percent == pytest.approx(100 / 6)
    assert summary.adjusted_percent == 0.0


def test_a_reference_without_a_readable_signature_counts_by_presence():
    class Unreadable:
        __signature__ = "not a signature"   # inspect.signature raises TypeError

        def __call__(self, *args):
            pass

    reference = make_library("ref", {"op": Unreadable()})
    results, summary = run(reference, make_library("cand", {"op": lambda x: x}))
    assert results["op"].signature == "unknown" and summary.matching == 1
    results, summary = run(reference, make_library("cand", {}))
    assert not results["op"].present and summary.matching == 0


def test_the_first_docstring_line_gives_the_signature_of_a_c_function():
    doc = types.SimpleNamespace(__doc__="zeros(*size, *, out=None, dtype=None, "
                                        "layout=torch.strided) -> Tensor\n\nText.")
    signature = cov.docstring_signature(doc, "zeros")
    assert list(signature.parameters) == ["size", "out", "dtype", "layout"]
    assert signature.parameters["size"].kind is inspect.Parameter.VAR_POSITIONAL
    assert signature.parameters["dtype"].kind is inspect.Parameter.KEYWORD_ONLY
    assert cov.normalize_default(signature.parameters["layout"].default) == ("name", "strided")


def test_a_docstring_with_several_overloads_or_type_names_gives_no_signature():
    overloaded = types.SimpleNamespace(__doc__="sum(input, *, dtype=None) -> Tensor\n\n"
                                               ".. function:: sum(input, dim, keepdim=False)")
    assert cov.docstring_signature(overloaded, "sum") is None
    types_only = types.SimpleNamespace(__doc__="set_num_threads(int)\n\nSets the threads.")
    assert cov.docstring_signature(types_only, "set_num_threads") is None


def test_defaults_compare_by_value_and_library_objects_by_name():
    class Dtype:
        def __init__(self, text):
            self.text = text

        def __str__(self):
            return self.text

    norm = cov.normalize_default
    assert norm(1) == norm(1.0) and norm(1e-3) == norm(0.001)
    assert norm(True) != norm(1) and norm(None) != norm(0)
    assert norm(Dtype("torch.float32")) == norm(Dtype("float32"))
    assert norm(Dtype("torch.float32")) != norm(Dtype("float64"))
    assert norm((1, 2)) == norm((1.0, 2.0)) and norm((1, 2)) != norm([1, 2])


def test_tutorial_names_are_read_with_their_scope_and_the_missing_ones_found(tmp_path):
    data = tmp_path / "names.txt"
    data.write_text("# header\n\ntorch.nn.relu\tquickstart\n"
                    "torch.nn.gelu\tquickstart,nn_tutorial\n"
                    "torch.cuda.synchronize\tquickstart\tout of scope: CUDA-specific\n")
    required, out_of_scope = cov.read_tutorial_names(data)
    assert required == {"torch.nn.relu": "quickstart", "torch.nn.gelu": "quickstart,nn_tutorial"}
    assert out_of_scope == {"torch.cuda.synchronize": "out of scope: CUDA-specific"}
    candidate = make_library("cand", {"relu": ref_relu})
    assert cov.missing_tutorial_names(candidate, required) == ["torch.nn.gelu"]


def test_a_keyword_a_tutorial_passes_must_be_accepted_by_name():
    def loss(input, target, *, reduction="mean"):
        pass

    def pad(input, pad, /):
        pass

    def anything(input, **kwargs):
        pass

    candidate = make_library("cand", {"loss": loss, "pad": pad, "anything": anything})
    entries = ["torch.nn.loss(reduction=)", "torch.nn.loss(weight=)", "torch.nn.pad(pad=)",
               "torch.nn.anything(dim=)", "torch.nn.absent(dim=)"]
    assert cov.missing_tutorial_names(candidate, entries) == ["torch.nn.loss(weight=)",
                                                              "torch.nn.pad(pad=)"]


def test_the_tutorial_name_list_names_its_sources_and_only_pytorch_names():
    text = (BENCHMARKS / "tutorial_names.txt").read_text()
    assert "benchmarks/extract_tutorial_names.py" in text and "pytorch/tutorials" in text
    required, _ = cov.read_tutorial_names()
    assert len(required) > 50
    assert all(name.startswith("torch.") for name in required)
    assert "torch.nn.Linear" in required and "torch.Tensor.backward" in required


# --- against PyTorch ------------------------------------------------------------------------------


@pytest.mark.torch
def test_extraction_finds_torch_names_and_tensor_methods_but_not_strings_or_numpy(tmp_path):
    torch = pytest.importorskip("torch")
    extract = load("extract_tutorial_names")
    script = tmp_path / "demo.py"
    script.write_text(textwrap.dedent("""
        import numpy as np
        import torch.nn as nn
        from torch.functional import F
        from torch.utils.data import DataLoader

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.softmax = nn.LogSoftmax(dim=1)

        words = "a b".split()
        total = np.add(1, 2)
        x = torch.zeros(3).view(1, 3)
        y = F.relu(x).T
        model.zero_grad()
        loader = DataLoader([], batch_size=4)
        best = x.max(1, keepdim=True)
        old = F.relu(x, inplace=False, not_a_keyword=1)
    """))
    found = extract.extract(script, torch)
    assert {"torch.nn.Module", "torch.nn.LogSoftmax", "torch.zeros", "torch.Tensor.view",
            "torch.nn.functional.relu", "torch.Tensor.T", "torch.nn.Module.zero_grad",
            "torch.utils.data.DataLoader"} <= found
    assert "torch.Tensor.split" not in found and "torch.Tensor.add" not in found
    assert "torch.Tensor.softmax" not in found
    assert {"torch.nn.LogSoftmax(dim=)", "torch.utils.data.DataLoader(batch_size=)",
            "torch.Tensor.max(keepdim=)", "torch.nn.functional.relu(inplace=)"} <= found
    assert "torch.nn.functional.relu(not_a_keyword=)" not in found   # PyTorch does not take it


@pytest.fixture(scope="module")
def pytorch_coverage():
    torch = pytest.importorskip("torch")
    for submodule in ("torch.nn.functional", "torch.optim.lr_scheduler", "torch.utils.data"):
        importlib.import_module(submodule)
    import tinynet

    results, summaries = cov.coverage(torch, tinynet)
    return results, {s.namespace: s for s in summaries}


@pytest.mark.torch
def test_every_public_name_is_reported_once_and_the_lists_name_real_pytorch_names(
        pytorch_coverage):
    torch = pytest.importorskip("torch")
    results, summaries = pytorch_coverage
    assert set(summaries) == {"torch", "torch.Tensor", "torch.nn", "torch.nn.functional",
                              "torch.optim", "torch.optim.lr_scheduler", "torch.utils.data"}
    keys = [(r.namespace, r.name) for r in results]
    assert len(keys) == len(set(keys))
    assert ("torch.nn", "Linear") in keys and ("torch.Tensor", "topk") in keys
    for namespace, names in cov.NON_API.items():
        ns = cov.resolve(torch, namespace.removeprefix("torch").lstrip("."))
        for name in names:
            assert hasattr(ns, name), f"{namespace}.{name} is not in PyTorch"
    patterns = {(ns, pattern) for ns, pattern, _ in cov.DELIBERATELY_LACKING}
    used = {(r.namespace, p) for r in results for ns, p in patterns
            if ns == r.namespace and cov.fnmatch.fnmatchcase(r.name, p)}
    assert used == patterns, f"patterns matching no PyTorch name: {patterns - used}"


@pytest.mark.torch
def test_the_markdown_page_has_the_summary_the_tutorial_gaps_and_the_exclusions(tmp_path):
    pytest.importorskip("torch")
    page = tmp_path / "api.md"
    result = subprocess.run([sys.executable, str(BENCHMARKS / "api_coverage.py"),
                             "--markdown", str(page)], capture_output=True, text=True,
                            cwd=tmp_path, env={"PYTHONPATH": str(ROOT), "PATH": ""}, timeout=300,
                            check=False)
    assert result.returncode == 0, result.stderr
    text = page.read_text()
    assert text.startswith("# PyTorch API coverage")
    assert "Written by `python " in text and "- torch: " in text
    for heading in ("## Summary", "## Names used in PyTorch's tutorials",
                    "## Left out as not API", "## Deliberately lacking", "### torch.nn.functional"):
        assert heading in text
    assert "| torch.nn | " in text and "BroadcastingList1" in text and "SyncBatchNorm" in text


@pytest.mark.torch
def test_acceptance_every_name_the_tutorials_use_and_keyword_they_pass_is_in_tinynet():
    pytest.importorskip("torch")
    import tinynet

    required, _ = cov.read_tutorial_names()
    missing = cov.missing_tutorial_names(tinynet, required)
    assert not missing, "tinynet lacks: " + ", ".join(missing)


@pytest.mark.torch
@pytest.mark.parametrize("namespace", cov.TARGET_NAMESPACES)
def test_acceptance_80_percent_of_nn_and_functional_with_pytorch_signatures(pytorch_coverage,
                                                                           namespace):
    _, summaries = pytorch_coverage
    summary = summaries[namespace]
    assert summary.adjusted_percent >= cov.TARGET_PERCENT, (
        f"{namespace}: {summary.adjusted_percent:.1f}% adjusted ({summary.raw_percent:.1f}% raw) "
        f"of {summary.names} names with PyTorch's signature")
