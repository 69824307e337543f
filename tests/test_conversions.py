"""Dtype and conversion methods, Size, the default dtype, size checks and seeding, from PyTorch's
documentation of Tensor.to / type / numpy / item / tolist, torch.Size, set_default_dtype,
manual_seed; compared with PyTorch where it is installed."""

import math
import pickle

import numpy as np
import pytest

import tinynet as tn


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def _dtype_name(dtype):
    return str(dtype).replace("torch.", "").replace("tinynet.", "")


METHODS = ["float", "double", "half", "long", "int", "short", "char", "byte", "bool"]


@pytest.mark.parametrize("method", METHODS)
def test_dtype_methods_match_pytorch(torch, method):
    values = [[1.5, -2.0], [0.0, 3.25]]
    ours = getattr(tn.tensor(values), method)()
    theirs = getattr(torch.tensor(values), method)()
    assert ours.dtype.name == _dtype_name(theirs.dtype)
    assert ours.tolist() == theirs.tolist()


def test_to_has_the_argument_forms_of_pytorch():
    x = tn.tensor([1.0, 2.0])
    assert x.to(tn.float64).dtype == tn.float64
    assert x.to("cpu", tn.float64).dtype == tn.float64
    assert x.to(device="cpu", dtype=tn.int64).dtype == tn.int64
    assert x.to(tn.zeros(1, dtype=tn.int32)).dtype == tn.int32
    assert x.to(tn.float64, non_blocking=True, copy=False).dtype == tn.float64
    assert x.to(tn.float32) is x and x.to() is x
    copy = x.to(tn.float32, copy=True)
    assert copy is not x and copy.tolist() == x.tolist()
    copy[0] = 5.0
    assert x[0].item() == 1.0
    with pytest.raises(TypeError, match="'gpu' is neither a device"):
        x.to("gpu")
    with pytest.raises(TypeError, match="unexpected keyword"):
        x.to(tn.float64, colour="red")


def test_to_is_differentiable_between_floats():
    x = tn.tensor([1.0, 2.0], requires_grad=True)
    x.to(tn.float64).sum().backward()
    assert x.grad.dtype == tn.float32 and x.grad.tolist() == [1.0, 1.0]


def test_type_with_and_without_an_argument(torch):
    x, t = tn.tensor([1.5, 2.0]), torch.tensor([1.5, 2.0])
    assert x.type() == t.type().replace("torch.", "tinynet.") == "tinynet.FloatTensor"
    for ours, theirs in [(tn.int64, torch.int64), ("torch.LongTensor", "torch.LongTensor"),
                         (tn.DoubleTensor, torch.DoubleTensor), ("tinynet.IntTensor", None)]:
        converted = x.type(ours)
        if theirs is not None:
            assert converted.dtype.name == _dtype_name(t.type(theirs).dtype)
    assert x.type("tinynet.IntTensor").dtype == tn.int32
    for dtype in (tn.float64, tn.float16, tn.int64, tn.int32, tn.int16, tn.int8, tn.uint8,
                  tn.bool):
        torch_dtype = getattr(torch, dtype.name if dtype != tn.bool else "bool")
        assert x.to(dtype).type() == t.to(torch_dtype).type().replace("torch.", "tinynet.")


def test_numpy_shares_memory_and_refuses_a_tensor_that_requires_grad(torch):
    x = tn.zeros(3)
    array = x.numpy()
    array[0] = 5.0
    assert x[0].item() == 5.0
    weights = tn.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError) as ours:
        weights.numpy()
    with pytest.raises(RuntimeError) as theirs:
        torch.ones(2, requires_grad=True).numpy()
    assert str(ours.value) == str(theirs.value)
    forced = weights.numpy(force=True)
    assert forced.tolist() == [1.0, 1.0]
    theirs = torch.ones(2, requires_grad=True)
    theirs.numpy(force=True)[0] = 9.0
    forced[0] = 9.0  # force=True is detach().numpy(): the memory is shared, as in PyTorch
    assert weights[0].item() == theirs[0].item() == 9.0


def test_item_and_scalar_conversions(torch):
    assert tn.tensor([2.5]).item() == 2.5 and isinstance(tn.tensor(3).item(), int)
    assert isinstance(tn.tensor(True).item(), bool)
    with pytest.raises(RuntimeError, match="2 elements cannot be converted to Scalar"):
        tn.tensor([1.0, 2.0]).item()
    with pytest.raises(ValueError, match="one element"):  # also a ValueError, as before
        tn.tensor([1.0, 2.0]).item()
    with pytest.raises(RuntimeError):
        torch.tensor([1.0, 2.0]).item()
    assert float(tn.tensor([[2.5]])) == 2.5 and int(tn.tensor(3.7)) == 3
    assert bool(tn.tensor([0.0])) is False
    for convert in (float, int):
        with pytest.raises(ValueError, match="only one element tensors"):
            convert(tn.tensor([1.0, 2.0]))
        with pytest.raises(ValueError):
            convert(torch.tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(tn.tensor([1.0, 2.0]))
    assert [10, 20, 30][tn.tensor(1)] == 20
    with pytest.raises(TypeError, match="integer"):
        [10, 20, 30][tn.tensor(1.0)]
    assert len(tn.zeros(4, 2)) == 4
    with pytest.raises(TypeError, match="0-d"):
        len(tn.tensor(1.0))


def test_tolist_gives_python_numbers(torch):
    for values in ([[1.5, 2.0]], 3.0, [1, 2], [True]):
        assert tn.tensor(values).tolist() == torch.tensor(values).tolist()
    assert type(tn.tensor([1.5]).tolist()[0]) is float


def test_storage_questions_match_pytorch(torch):
    for dtype in ("float32", "float64", "float16", "int64", "int32", "uint8", "bool"):
        ours = tn.zeros(2, 3, dtype=getattr(tn, dtype))
        theirs = torch.zeros(2, 3, dtype=getattr(torch, dtype))
        assert ours.element_size() == theirs.element_size()
        assert ours.is_floating_point() == theirs.is_floating_point()
        assert tn.is_floating_point(ours) == torch.is_floating_point(theirs)
    x = tn.zeros(2, 3)
    assert (x.dim(), x.ndimension(), x.numel(), x.nelement(), tn.numel(x)) == (2, 2, 6, 6, 6)
    assert x.data_ptr() == x.numpy().ctypes.data


def test_size_is_a_tuple_that_prints_as_pytorch(torch):
    x = tn.zeros(2, 3)
    shape = x.shape
    assert isinstance(shape, tn.Size) and isinstance(shape, tuple)
    assert isinstance(x.size(), tn.Size)
    assert shape == (2, 3) and shape == torch.zeros(2, 3).shape
    assert repr(shape) == str(shape) == "tinynet.Size([2, 3])"
    assert repr(shape) == repr(torch.Size([2, 3])).replace("torch.", "tinynet.")
    assert repr(tn.tensor(1.0).shape) == "tinynet.Size([])"
    assert shape.numel() == 6 and tn.Size([]).numel() == 1
    assert isinstance(shape[1:], tn.Size) and shape[1:] == (3,)
    assert isinstance(shape + (4,), tn.Size) and shape + (4,) == (2, 3, 4)
    assert (1,) + shape == (1, 2, 3)
    rows, cols = shape
    assert (rows, cols) == (2, 3) and shape[-1] == 3
    assert pickle.loads(pickle.dumps(shape)) == shape
    assert np.zeros(shape).shape == (2, 3)
    assert tn.zeros(shape).shape == shape
    assert tn.Size([np.int64(2), tn.tensor(3)]) == (2, 3)
    with pytest.raises(TypeError, match="'float'"):
        tn.Size([2.5])


def test_size_of_a_dimension_is_an_int(torch):
    x = tn.zeros(2, 3)
    assert x.size(1) == 3 and x.size(-2) == 2 and type(x.size(0)) is int
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.size(2)
    with pytest.raises(IndexError):
        torch.zeros(2, 3).size(2)
    with pytest.raises(IndexError, match="no dimensions"):
        tn.tensor(1.0).size(0)


def test_default_dtype_changes_float_creation_as_in_pytorch(torch):
    assert tn.get_default_dtype() == tn.float32
    cases = {
        "tensor": lambda m: m.tensor([1.5]),
        "Tensor": lambda m: m.Tensor([1, 2]),
        "zeros": lambda m: m.zeros(2),
        "rand": lambda m: m.rand(2),
        "arange": lambda m: m.arange(0, 1, 0.5),
        "full": lambda m: m.full((2,), 1.5),
        "int tensor": lambda m: m.tensor([1]),
        "int arange": lambda m: m.arange(3),
        "int + float scalar": lambda m: m.tensor([1]) * 0.5,
        "int / int": lambda m: m.tensor([1]) / 2,
        "exp of int": lambda m: m.tensor([1]).exp(),
        "linear layer": lambda m: m.nn.Linear(2, 2).weight,
    }
    tn.set_default_dtype(tn.float64)
    torch.set_default_dtype(torch.float64)
    try:
        assert tn.get_default_dtype() == tn.float64
        for name, make in cases.items():
            assert make(tn).dtype.name == _dtype_name(make(torch).dtype), name
    finally:
        tn.set_default_dtype(tn.float32)
        torch.set_default_dtype(torch.float32)
    assert tn.tensor([1.5]).dtype == tn.float32


def test_default_dtype_must_be_floating():
    with pytest.raises(TypeError, match="floating-point"):
        tn.set_default_dtype(tn.int64)
    assert tn.get_default_dtype() == tn.float32


CREATION = {
    "zeros": tn.zeros, "ones": tn.ones, "empty": tn.empty, "rand": tn.rand, "randn": tn.randn,
}


@pytest.mark.parametrize("name", sorted(CREATION))
def test_sizes_must_be_non_negative_integers(torch, name):
    make = CREATION[name]
    with pytest.raises(TypeError, match=f"{name}\\(\\): argument 'size'.*float"):
        make(3.5)
    with pytest.raises(TypeError):
        getattr(torch, name)(3.5)
    with pytest.raises(TypeError, match="'size'"):
        make((2, 3.0))
    with pytest.raises(RuntimeError, match="negative dimension"):
        make(2, -1)
    with pytest.raises(ValueError, match="negative dimension"):
        make(-1)
    with pytest.raises(RuntimeError):
        getattr(torch, name)(2, -1)
    assert make(np.int64(2), tn.tensor(3)).shape == (2, 3)
    assert make([2, 3]).shape == make(tn.Size([2, 3])).shape == (2, 3)


def test_other_creation_functions_check_their_sizes():
    with pytest.raises(TypeError, match="size"):
        tn.full((2.5,), 1.0)
    with pytest.raises(TypeError, match="size"):
        tn.randint(0, 5, (2.0,))
    with pytest.raises(RuntimeError, match="negative"):
        tn.randperm(-1)
    with pytest.raises(RuntimeError, match="negative"):
        tn.eye(-2)
    with pytest.raises(TypeError):
        tn.linspace(0, 1, 2.5)
    with pytest.raises(TypeError, match="size"):
        tn.eye(2.5)


def test_random_keywords_and_generators(torch):
    g = tn.Generator().manual_seed(5)
    a = tn.randn(2, 3, generator=g, dtype=tn.float64, requires_grad=True)
    assert a.dtype == tn.float64 and a.requires_grad and a.shape == (2, 3)
    assert tn.randn(2, 3, generator=tn.Generator(5), dtype=tn.float64).tolist() == a.tolist()
    assert tn.randint(0, 10, (4,), dtype=tn.int32).dtype == tn.int32
    assert tn.randperm(5, dtype=tn.float32).dtype == tn.float32
    assert sorted(tn.randperm(5).tolist()) == [0, 1, 2, 3, 4]


def test_manual_seed_returns_the_default_generator_and_seeds_repeat(torch):
    generator = tn.manual_seed(7)
    assert isinstance(generator, tn.Generator) and generator.initial_seed() == 7
    assert tn.initial_seed() == 7
    assert isinstance(torch.manual_seed(7), torch.Generator)  # PyTorch returns it too
    first = tn.rand(3).tolist()
    tn.manual_seed(7)
    assert tn.rand(3).tolist() == first
    seed = tn.seed()
    assert isinstance(seed, int) and tn.initial_seed() == seed
    assert isinstance(tn.Generator().initial_seed(), int)


def test_out_argument_of_creation_functions():
    out = tn.empty(5, dtype=tn.int64)
    result = tn.arange(3, out=out)
    assert result is out and out.tolist() == [0, 1, 2] and out.dtype == tn.int64
    out = tn.empty(2, 2)
    assert tn.zeros(2, 2, out=out) is out and out.tolist() == [[0.0, 0.0], [0.0, 0.0]]
    with pytest.raises(RuntimeError, match="requires grad"):
        tn.zeros(2, out=tn.ones(2, requires_grad=True))


def test_math_on_a_0d_tensor_with_python_functions():
    assert math.isclose(math.sqrt(tn.tensor(4.0)), 2.0)
    assert round(float(tn.tensor(2.345)), 2) == 2.35
