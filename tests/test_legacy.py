"""Legacy constructors, namespaces and the shims PyTorch code calls (torch.Tensor, FloatTensor ...,
autograd.Variable, torch.jit, torch.serialization's safe globals), from PyTorch's documentation;
compared with PyTorch where it is installed."""

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import tinynet as tn
from tinynet import nn

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def _same(ours, theirs):
    assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
    assert ours.shape == tuple(theirs.shape)
    if theirs.numel():
        assert ours.tolist() == theirs.tolist()


LEGACY = [
    ("Tensor", ([1, 2],)), ("Tensor", ([[1.5, 2], [3, 4]],)), ("Tensor", ((2, 3),)),
    ("Tensor", (2, 3)), ("Tensor", ()), ("Tensor", (0,)), ("Tensor", (np.array([1, 2]),)),
    ("Tensor", ([True, False],)),
    ("FloatTensor", ([1, 2],)), ("DoubleTensor", ([1, 2],)), ("LongTensor", ([1.5, 2],)),
    ("IntTensor", ([1, 2],)), ("BoolTensor", ([1, 0],)), ("ByteTensor", ([1, 2],)),
    ("HalfTensor", ([0.5],)), ("ShortTensor", ([3],)), ("CharTensor", ([-3],)),
    ("LongTensor", (2, 3)), ("FloatTensor", ()),
]


@pytest.mark.parametrize("name, args", LEGACY, ids=[f"{n}{a}" for n, a in LEGACY])
def test_legacy_constructors_match_pytorch(torch, name, args):
    ours, theirs = getattr(tn, name)(*args), getattr(torch, name)(*args)
    assert type(ours) is tn.Tensor
    if len(args) == 1 and not isinstance(args[0], int) or not args:
        _same(ours, theirs)
    else:  # a shape: PyTorch's memory is uninitialised, tinynet's zeros
        assert ours.shape == tuple(theirs.shape) and ours.dtype.name == str(theirs.dtype)[6:]
        assert not ours.numpy().any()


def test_legacy_tensor_of_a_size_and_of_a_tensor(torch):
    assert tn.Tensor(tn.Size([2, 3])).shape == (2, 3)
    source = tn.tensor([1, 2])
    alias = tn.Tensor(source)
    assert alias.dtype == tn.int64  # as torch.Tensor(long_tensor): the same data, not converted
    _same(alias, torch.Tensor(torch.tensor([1, 2])))
    alias[0] = 7
    assert source[0].item() == 7
    assert tn.FloatTensor(tn.ones(2)).tolist() == [1.0, 1.0]
    with pytest.raises(TypeError, match="float32"):
        tn.FloatTensor(tn.tensor([1, 2]))


def test_legacy_constructor_refuses_what_pytorch_refuses(torch):
    with pytest.raises(TypeError, match="sequence"):
        tn.Tensor(3.5)
    with pytest.raises(TypeError):
        torch.Tensor(3.5)
    with pytest.raises(ValueError, match="rectangular"):
        tn.Tensor([[1, 2], [3]])
    with pytest.raises(RuntimeError, match="negative"):
        tn.Tensor(2, -1)
    with pytest.raises(TypeError, match="expected sizes"):
        tn.Tensor([1], [2])


def test_legacy_constructor_keeps_tinynet_keywords():
    x = tn.Tensor([1, 2], requires_grad=True)
    assert x.dtype == tn.float32 and x.requires_grad
    assert tn.Tensor([1, 2], dtype=tn.float64).dtype == tn.float64
    assert tn.Tensor([1, 2], device="cpu").device.type == "cpu"


def test_isinstance_checks_the_legacy_type(torch):
    for ours, theirs in [(tn.ones(2), torch.ones(2)), (tn.ones(2).double(), torch.ones(2).double()),
                         (tn.tensor([1]), torch.tensor([1]))]:
        for name in ("FloatTensor", "DoubleTensor", "LongTensor"):
            assert isinstance(ours, getattr(tn, name)) == isinstance(theirs, getattr(torch, name))
    assert not isinstance(np.zeros(2, np.float32), tn.FloatTensor)


def test_variable_is_a_no_op_wrapper(torch):
    t = tn.ones(2)
    v = tn.autograd.Variable(t, requires_grad=True)
    assert type(v) is tn.Tensor and v is not t and v.requires_grad and not t.requires_grad
    assert repr(v) == repr(torch.autograd.Variable(torch.ones(2), requires_grad=True))
    assert isinstance(tn.ones(1), tn.autograd.Variable)
    (v * 3).sum().backward()
    assert v.grad.tolist() == [3.0, 3.0]
    plain = tn.autograd.Variable(tn.ones(2, requires_grad=True))
    assert plain.requires_grad is False and plain.is_leaf
    with pytest.warns(UserWarning, match="volatile"):
        tn.autograd.Variable(t, volatile=True)
    with pytest.raises(TypeError, match="Tensor"):
        tn.autograd.Variable([1.0, 2.0])


def test_jit_returns_functions_and_modules_unchanged():
    model = nn.Linear(2, 2)

    def double(x):
        return x * 2

    assert tn.jit.script(model) is model and tn.jit.script(double) is double
    assert tn.jit.trace(double, (tn.ones(2),)) is double
    assert tn.jit.trace(model, example_inputs=tn.ones(1, 2)) is model
    assert tn.jit.ignore(double) is double


def test_compile_returns_functions_and_modules_unchanged():
    model = nn.Linear(2, 2)
    assert tn.compile(model) is model
    assert tn.compile(model, mode="max-autotune", fullgraph=True) is model

    @tn.compile(mode="reduce-overhead")
    def double(x):
        return x * 2

    assert double(tn.ones(1)).tolist() == [2.0]


def test_jit_and_compile_signatures_match_pytorch(torch):
    import inspect

    pairs = [(tn.jit.script, torch.jit.script), (tn.jit.trace, torch.jit.trace),
             (tn.compile, torch.compile)]
    for ours, theirs in pairs:
        ours, theirs = inspect.signature(ours).parameters, inspect.signature(theirs).parameters
        assert list(ours) == list(theirs)
        assert [p.kind for p in ours.values()] == [p.kind for p in theirs.values()]


def test_matmul_precision_and_cuda_matmul_flags(torch):
    assert tn.get_float32_matmul_precision() == torch.get_float32_matmul_precision() == "highest"
    try:
        tn.set_float32_matmul_precision("high")
        assert tn.get_float32_matmul_precision() == "high"
        with pytest.warns(UserWarning, match="not one of"):
            tn.set_float32_matmul_precision("fastest")
        assert tn.get_float32_matmul_precision() == "high"
    finally:
        tn.set_float32_matmul_precision("highest")
    assert tn.backends.cuda.is_built() is False
    flags = tn.backends.cuda.matmul
    assert flags.allow_tf32 == torch.backends.cuda.matmul.allow_tf32
    flags.allow_tf32 = True
    flags.allow_tf32 = False


def test_safe_globals_are_accepted_and_loading_still_works(tmp_path):
    class Config:
        pass

    path = tmp_path / "weights.tnz"
    tn.save({"w": tn.ones(2)}, str(path))
    with tn.serialization.safe_globals([Config]):
        assert Config in tn.serialization.get_safe_globals()
        assert tn.load(str(path))["w"].tolist() == [1.0, 1.0]
    assert Config not in tn.serialization.get_safe_globals()
    tn.serialization.add_safe_globals([Config, (Config, "my.Config")])
    try:
        assert Config in tn.serialization.get_safe_globals()
    finally:
        tn.serialization.clear_safe_globals()
    assert tn.serialization.get_safe_globals() == []
    with pytest.raises(TypeError, match="list"):
        tn.serialization.add_safe_globals(Config)


def test_namespaces_resolve_after_a_bare_import():
    code = ("import tinynet as torch\n"
            "print(torch.nn.functional.relu, torch.nn.init.xavier_uniform_,"
            " torch.optim.lr_scheduler.StepLR, torch.autograd.grad, torch.jit.script,"
            " torch.backends.cudnn.benchmark, torch.backends.mps.is_available,"
            " torch.cuda.is_available, torch.serialization.add_safe_globals,"
            " torch.accelerator.is_available, torch.autograd.Variable)\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert result.returncode == 0, result.stderr


def test_import_does_not_change_process_wide_state():
    code = ("import numpy as np, warnings\n"
            "before = (np.get_printoptions(), np.random.get_state()[1][:3].tolist(),"
            " list(warnings.filters))\n"
            "import tinynet\n"
            "after = (np.get_printoptions(), np.random.get_state()[1][:3].tolist(),"
            " list(warnings.filters))\n"
            "assert before == after\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert result.returncode == 0, result.stderr


def test_no_warnings_from_the_usual_tutorial_preamble():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        device = tn.device("cuda" if tn.cuda.is_available() else "cpu")
        tn.manual_seed(0)
        tn.backends.cudnn.deterministic = tn.backends.cudnn.deterministic
        x = tn.randn(2, 3, device=device).to(device)
        assert x.device == device
