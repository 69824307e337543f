"""Devices: tinynet accepts PyTorch's device vocabulary, reports the CPU, answers False for every
accelerator, and refuses any other device by name (torch.device, torch.cuda, torch.backends and
torch.accelerator documentation)."""

import pickle

import pytest

import tinynet as tn
from tinynet import nn

OTHER_DEVICES = ["cuda", "cuda:0", "mps", "meta", "xla", "xpu:1"]


def test_device_objects_print_and_compare_as_pytorch():
    cpu = tn.device("cpu")
    assert (cpu.type, cpu.index) == ("cpu", None)
    assert repr(cpu) == "device(type='cpu')" and str(cpu) == "cpu"
    assert tn.device("cuda", 1) == tn.device("cuda:1")
    assert repr(tn.device("cuda:1")) == "device(type='cuda', index=1)"
    assert str(tn.device("cuda", 1)) == "cuda:1"
    assert tn.device(cpu) == cpu and hash(tn.device("cpu")) == hash(cpu)
    assert cpu != tn.device("cpu", 0)
    assert pickle.loads(pickle.dumps(cpu)) == cpu


def test_device_objects_against_pytorch():
    torch = pytest.importorskip("torch")
    for args in [("cpu",), ("cuda:1",), ("cuda", 0), ("mps",), ("cpu", 0)]:
        ours, theirs = tn.device(*args), torch.device(*args)
        assert (repr(ours), str(ours), ours.type, ours.index) == (
            repr(theirs), str(theirs), theirs.type, theirs.index)
        # as in PyTorch, a device is not equal to its name
        assert (ours == str(ours)) == (theirs == str(theirs))


@pytest.mark.parametrize("bad", ["gpu", "cuda:x", "cuda:-1"])
def test_device_strings_that_name_no_device_are_refused(bad):
    with pytest.raises(RuntimeError, match="device"):
        tn.device(bad)


def test_a_device_number_names_an_accelerator_and_is_refused():
    with pytest.raises(RuntimeError, match="CPU only"):
        tn.device(0)
    with pytest.raises(TypeError, match="device"):
        tn.device(1.5)


def test_every_tensor_is_on_the_cpu():
    x = tn.randn(2, 3)
    assert x.device == tn.device("cpu") and str(x.device) == "cpu"
    assert x.is_cuda is False and x.is_cpu is True and x.get_device() == -1
    assert x.cpu() is x
    assert x.to("cpu") is x and x.to(tn.device("cpu")) is x and x.to(x.device) is x
    assert x.to(device="cpu", non_blocking=True) is x


@pytest.mark.parametrize("device", OTHER_DEVICES)
def test_other_devices_are_refused_by_name_everywhere(device):
    message = f"'{device}'.*CPU only"
    with pytest.raises(RuntimeError, match=message):
        tn.ones(2).to(device)
    with pytest.raises(RuntimeError, match=message):
        tn.ones(2).to(tn.device(device), tn.float64)
    with pytest.raises(RuntimeError, match=message):
        tn.zeros(2, device=device)
    with pytest.raises(RuntimeError, match=message):
        tn.tensor([1.0], device=device)
    with pytest.raises(RuntimeError, match=message):
        nn.Linear(2, 2).to(device)
    with pytest.raises(RuntimeError, match=message):
        tn.set_default_device(device)
    with pytest.raises(RuntimeError, match=message):
        with tn.device(device):
            pass


def test_cuda_methods_are_refused_clearly():
    with pytest.raises(RuntimeError, match="CPU only"):
        tn.ones(2).cuda()
    with pytest.raises(RuntimeError, match="CPU only"):
        nn.Linear(2, 2).cuda()
    with pytest.raises(RuntimeError, match="CPU only"):
        tn.cuda.current_device()


CREATORS = {
    "tensor": lambda **kw: tn.tensor([1.0, 2.0], **kw),
    "zeros": lambda **kw: tn.zeros(2, 3, **kw),
    "ones": lambda **kw: tn.ones(2, **kw),
    "empty": lambda **kw: tn.empty(2, **kw),
    "full": lambda **kw: tn.full((2,), 1.5, **kw),
    "arange": lambda **kw: tn.arange(3, **kw),
    "linspace": lambda **kw: tn.linspace(0, 1, 5, **kw),
    "eye": lambda **kw: tn.eye(3, **kw),
    "rand": lambda **kw: tn.rand(2, **kw),
    "randn": lambda **kw: tn.randn(2, **kw),
    "randint": lambda **kw: tn.randint(0, 5, (3,), **kw),
    "randperm": lambda **kw: tn.randperm(4, **kw),
    "zeros_like": lambda **kw: tn.zeros_like(tn.ones(2), **kw),
    "ones_like": lambda **kw: tn.ones_like(tn.ones(2), **kw),
    "full_like": lambda **kw: tn.full_like(tn.ones(2), 3.0, **kw),
    "Tensor": lambda **kw: tn.Tensor([1, 2], **kw),
    "FloatTensor": lambda **kw: tn.FloatTensor([1, 2], **kw),
}


@pytest.mark.parametrize("name", sorted(CREATORS))
def test_every_creation_function_takes_the_cpu_as_device(name):
    for device in ("cpu", tn.device("cpu"), None):
        assert CREATORS[name](device=device).device == tn.device("cpu")
    with pytest.raises(RuntimeError, match="'cuda'"):
        CREATORS[name](device="cuda")


def test_creation_keywords_match_pytorch():
    torch = pytest.importorskip("torch")
    assert tn.empty(2, pin_memory=True).shape == torch.empty(2).shape
    assert tn.rand(2, pin_memory=True, layout=tn.strided).shape == (2,)
    assert tn.zeros(2, layout=torch.strided).shape == (2,)
    with pytest.raises(RuntimeError, match="strided"):
        tn.zeros(2, layout="sparse_coo")


def test_accelerator_queries_answer_cpu_only():
    assert tn.cuda.is_available() is False and tn.cuda.device_count() == 0
    assert tn.backends.mps.is_available() is False and tn.backends.mps.is_built() is False
    assert tn.accelerator.is_available() is False and tn.accelerator.device_count() == 0
    assert tn.accelerator.current_accelerator() is None
    assert tn.backends.cudnn.is_available() is False
    tn.cuda.manual_seed(0)
    tn.cuda.manual_seed_all(0)
    tn.cuda.empty_cache()


def test_the_usual_device_choice_picks_the_cpu():
    device = "cuda" if tn.cuda.is_available() else "cpu"
    model = nn.Linear(3, 2).to(device)
    x = tn.randn(4, 3, device=device)
    assert model(x).device.type == "cpu"
    accelerator = (tn.accelerator.current_accelerator()
                   if tn.accelerator.is_available() else tn.device("cpu"))
    assert x.to(accelerator) is x


def test_cudnn_flags_are_plain_attributes():
    cudnn = tn.backends.cudnn
    saved = cudnn.benchmark, cudnn.deterministic, cudnn.enabled
    try:
        cudnn.benchmark, cudnn.deterministic, cudnn.enabled = True, True, False
        assert (cudnn.benchmark, cudnn.deterministic, cudnn.enabled) == (True, True, False)
    finally:
        cudnn.benchmark, cudnn.deterministic, cudnn.enabled = saved


def test_cudnn_defaults_match_pytorch():
    torch = pytest.importorskip("torch")
    for flag in ("benchmark", "deterministic", "enabled", "allow_tf32"):
        assert getattr(tn.backends.cudnn, flag) == getattr(torch.backends.cudnn, flag)


def test_default_device_is_the_cpu():
    tn.set_default_device("cpu")
    tn.set_default_device(None)
    assert tn.get_default_device() == tn.device("cpu")


def test_module_to_cpu_and_dtype():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    weight = model[0].weight
    assert model.cpu() is model and model.to("cpu") is model
    assert model.to("cpu", tn.float64) is model and weight.dtype == tn.float64
    model.to(device=tn.device("cpu"), dtype=tn.float32)
    assert weight.dtype == tn.float32
    model.to(tn.zeros(1, dtype=tn.float64))
    assert weight.dtype == tn.float64 and model[1].num_batches_tracked.dtype == tn.int64
    model.half()
    assert weight.dtype == tn.float16
    model.float()
    assert model[0].weight is weight and weight.dtype == tn.float32
    with pytest.raises(TypeError, match="floating point"):
        model.to(tn.int64)


def test_module_type_converts_every_tensor():
    model = nn.Linear(2, 2)
    model.type(tn.float64)
    assert model.weight.dtype == tn.float64
    model.type(tn.FloatTensor)
    assert model.weight.dtype == tn.float32


def test_generators_live_on_the_cpu():
    assert tn.Generator(device="cpu").device == tn.device("cpu")
    assert tn.Generator("cpu").manual_seed(3).initial_seed() == 3
    with pytest.raises(RuntimeError, match="CPU only"):
        tn.Generator(device="cuda")
