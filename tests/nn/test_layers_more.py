"""Channel and alpha dropout, Bilinear, EmbeddingBag, ParameterList/ParameterDict, Buffer and the
Lazy modules: behaviour from PyTorch's documentation, values and gradients against PyTorch
(float64) where they are deterministic, signatures, and errors."""

import inspect

import numpy as np
import pytest

import tinynet as tn
import tinynet.nn.functional as F
from tinynet import nn

RNG = np.random.default_rng(11)


# Dropout ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("function, shape, shared", [
    (F.dropout1d, (20, 30, 4), (2,)), (F.dropout1d, (30, 4), (1,)),
    (F.dropout3d, (10, 20, 2, 3, 2), (2, 3, 4)), (F.dropout3d, (20, 2, 3, 2), (1, 2, 3)),
])
def test_channel_dropout_zeroes_whole_channels(function, shape, shared):
    x = tn.ones(*shape, dtype=tn.float64)
    y = function(x, p=0.3).numpy()
    channel_zero = (y == 0).all(axis=shared)
    assert ((y == 0).any(axis=shared) == channel_zero).all()  # all or none of a channel
    assert 0.15 < channel_zero.mean() < 0.45
    np.testing.assert_allclose(y[y != 0], 1 / 0.7)
    assert function(x, p=0.3, training=False) is x


def test_alpha_dropout_keeps_mean_and_variance_of_selu_outputs():
    x = F.selu(tn.randn(400, 250, dtype=tn.float64))
    for p in (0.2, 0.5):
        y = F.alpha_dropout(x, p, training=True).numpy()
        assert abs(y.mean() - x.numpy().mean()) < 0.02
        assert abs(y.std() - x.numpy().std()) < 0.02
        dropped = np.isclose(y, y.min())
        assert abs(dropped.mean() - p) < 0.01
    assert F.alpha_dropout(x, 0.5) is x  # training defaults to False, as in PyTorch


def test_feature_alpha_dropout_drops_whole_channels():
    y = F.feature_alpha_dropout(tn.ones(50, 40, 3, dtype=tn.float64), 0.5, True).numpy()
    assert (np.ptp(y, axis=2) == 0).all()
    assert len(np.unique(y.round(12))) == 2


def test_dropout_modules_follow_training_mode():
    x = tn.ones(4, 6, 5)
    for module in (nn.Dropout1d(0.5), nn.AlphaDropout(0.5), nn.FeatureAlphaDropout(0.5)):
        assert not np.array_equal(module(x).numpy(), x.numpy())
        assert module.eval()(x) is x
    assert nn.Dropout3d(0.5).eval()(tn.ones(1, 2, 2, 2, 2)).shape == (1, 2, 2, 2, 2)


@pytest.mark.parametrize("call, words", [
    (lambda: F.dropout1d(tn.ones(2, 3, 4, 5)), "3-D"),
    (lambda: F.dropout3d(tn.ones(2, 3, 4)), "5-D"),
    (lambda: F.alpha_dropout(tn.ones(3), 1.5, True), "between 0 and 1"),
    (lambda: F.feature_alpha_dropout(tn.ones(3), 0.5, True), "at least 2 dims"),
    (lambda: nn.Dropout1d(-0.1), "between 0 and 1"),
])
def test_dropout_errors(call, words):
    with pytest.raises(ValueError, match=words):
        call()


# Bilinear --------------------------------------------------------------------------------------
@pytest.mark.torch
def test_bilinear_matches_torch():
    torch = pytest.importorskip("torch")
    x1, x2 = RNG.standard_normal((2, 3, 4)), RNG.standard_normal((2, 3, 5))
    weight, bias = RNG.standard_normal((6, 4, 5)), RNG.standard_normal(6)
    upstream = RNG.standard_normal((2, 3, 6))
    results = []
    for library, functional in ((tn, F), (torch, torch.nn.functional)):
        inputs = [library.tensor(a, requires_grad=True) for a in (x1, x2, weight, bias)]
        output = functional.bilinear(*inputs)
        output.backward(library.tensor(upstream))
        results.append([output.detach().numpy()] + [t.grad.numpy() for t in inputs])
    for mine, reference in zip(*results):
        np.testing.assert_allclose(mine, reference, rtol=1e-10)


def test_bilinear_layer_shapes_initialization_and_errors():
    layer = nn.Bilinear(4, 5, 3)
    assert layer.weight.shape == (3, 4, 5) and layer.bias.shape == (3,)
    assert np.abs(layer.weight.detach().numpy()).max() <= 0.5  # U(−1/√4, 1/√4)
    assert layer(tn.randn(7, 4), tn.randn(7, 5)).shape == (7, 3)
    assert nn.Bilinear(4, 5, 3, bias=False).bias is None
    with pytest.raises(ValueError, match="do not fit"):
        layer(tn.randn(7, 4), tn.randn(7, 4))
    with pytest.raises(ValueError, match="do not fit"):
        layer(tn.randn(7, 4), tn.randn(6, 5))


# EmbeddingBag ----------------------------------------------------------------------------------
WEIGHT = RNG.standard_normal((10, 3))
FLAT = np.array([1, 2, 3, 4, 5, 6, 7, 8])
OFFSETS = np.array([0, 2, 2, 5])
BAGS = [
    ("rows", RNG.integers(0, 10, (3, 4)), None, {}),
    ("offsets", FLAT, OFFSETS, {}),
    ("include_last_offset", FLAT, np.array([0, 2, 2, 5, 8]), {"include_last_offset": True}),
    ("padding_idx", FLAT, OFFSETS, {"padding_idx": 3}),
    ("rows_padding_idx", np.array([[1, 1, 2], [1, 1, 1]]), None, {"padding_idx": 1}),
    ("max_norm", FLAT, OFFSETS, {"max_norm": 0.5}),
]


@pytest.mark.torch
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("case", BAGS, ids=[case[0] for case in BAGS])
def test_embedding_bag_matches_torch(case, mode):
    torch = pytest.importorskip("torch")
    _, indices, offsets, kwargs = case
    weights = RNG.standard_normal(indices.shape) if mode == "sum" else None
    results = []
    for library, functional in ((tn, F), (torch, torch.nn.functional)):
        weight = library.tensor(WEIGHT.copy(), requires_grad=True)
        sample_weights = None if weights is None else library.tensor(weights, requires_grad=True)
        output = functional.embedding_bag(
            library.tensor(indices), weight, None if offsets is None else library.tensor(offsets),
            mode=mode, per_sample_weights=sample_weights, **kwargs)
        output.backward(library.tensor(np.arange(output.numel() * 1.0).reshape(output.shape)))
        results.append([output.detach().numpy(), weight.grad.numpy(), weight.detach().numpy()]
                       + ([] if weights is None else [sample_weights.grad.numpy()]))
    for mine, reference in zip(*results):
        np.testing.assert_allclose(mine, reference, rtol=1e-6, atol=1e-12)


def test_embedding_bag_module_is_the_function_of_its_weight():
    bag = nn.EmbeddingBag(10, 3, mode="sum", padding_idx=0)
    assert (bag.weight.detach().numpy()[0] == 0).all()
    indices, offsets = tn.tensor(FLAT), tn.tensor(OFFSETS)
    np.testing.assert_array_equal(
        bag(indices, offsets).detach().numpy(),
        F.embedding_bag(indices, bag.weight, offsets, mode="sum", padding_idx=0).detach().numpy())
    frozen = nn.EmbeddingBag.from_pretrained(tn.tensor(WEIGHT), mode="max")
    assert not frozen.weight.requires_grad and frozen.mode == "max"
    assert frozen(tn.tensor(np.array([[1, 2]]))).shape == (1, 3)


@pytest.mark.parametrize("call, error, words", [
    (lambda: F.embedding_bag(tn.tensor(FLAT), tn.tensor(WEIGHT)), ValueError, "offsets"),
    (lambda: F.embedding_bag(tn.tensor(FLAT.reshape(2, 4)), tn.tensor(WEIGHT), tn.tensor(OFFSETS)),
     ValueError, "offsets must be None"),
    (lambda: F.embedding_bag(tn.tensor(FLAT), tn.tensor(WEIGHT), tn.tensor(np.array([1, 3]))),
     ValueError, "offsets\\[0\\]"),
    (lambda: F.embedding_bag(tn.tensor(FLAT), tn.tensor(WEIGHT), tn.tensor(OFFSETS),
                             include_last_offset=True), ValueError, "last offset"),
    (lambda: F.embedding_bag(tn.tensor(FLAT), tn.tensor(WEIGHT), tn.tensor(OFFSETS), mode="avg"),
     ValueError, "mode"),
    (lambda: F.embedding_bag(tn.tensor(FLAT), tn.tensor(WEIGHT), tn.tensor(OFFSETS),
                             per_sample_weights=tn.ones(8, dtype=tn.float64)), ValueError,
     "only supported for mode='sum'"),
    (lambda: F.embedding_bag(tn.tensor(FLAT + 5), tn.tensor(WEIGHT), tn.tensor(OFFSETS)),
     IndexError, "out of range"),
    (lambda: F.embedding_bag(tn.tensor(FLAT), tn.tensor(WEIGHT), tn.tensor(OFFSETS),
                             sparse=True), ValueError, "not supported"),
    (lambda: nn.EmbeddingBag(4, 2, scale_grad_by_freq=True), ValueError, "not supported"),
])
def test_embedding_bag_errors(call, error, words):
    with pytest.raises(error, match=words):
        call()


# Parameter containers and Buffer ---------------------------------------------------------------
def test_parameter_list_registers_and_converts_tensors():
    values = nn.ParameterList([tn.ones(2), nn.Parameter(tn.zeros(3))])
    values.append(tn.ones(1))
    values += [tn.zeros(4)]
    assert len(values) == 4 and all(isinstance(p, nn.Parameter) for p in values)
    assert [name for name, _ in values.named_parameters()] == ["0", "1", "2", "3"]
    assert values[-1].shape == (4,) and len(values[1:3]) == 2
    values[0] = tn.full((5,), 2.0)
    assert values[0].shape == (5,) and isinstance(values[0], nn.Parameter)
    with pytest.raises(IndexError):
        values[4]
    with pytest.raises(RuntimeError, match="should not be called"):
        values(tn.ones(1))


def test_parameter_dict_registers_and_behaves_as_a_dict():
    table = nn.ParameterDict({"a": tn.ones(2)})
    table["b"] = tn.zeros(3)
    table.update([("c", nn.Parameter(tn.ones(1)))])
    assert list(table) == ["a", "b", "c"] and "b" in table and len(table) == 3
    assert [name for name, _ in table.named_parameters()] == ["a", "b", "c"]
    assert isinstance(table["b"], nn.Parameter) and table.get("z") is None
    assert table.pop("a").shape == (2,) and list(table.keys()) == ["b", "c"]
    assert list((table | {"d": tn.ones(1)}).keys()) == ["b", "c", "d"]
    del table["b"]
    assert list(dict(table.named_parameters())) == ["c"]
    with pytest.raises(TypeError, match="strings"):
        table[1] = tn.ones(1)
    with pytest.raises(KeyError):
        table["missing"]


def test_model_with_parameter_containers_trains():
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.weights = nn.ParameterList([tn.ones(3), tn.ones(3)])
            self.scales = nn.ParameterDict({"s": tn.ones(1)})

        def forward(self, x):
            return (x * self.weights[0] * self.weights[1] * self.scales["s"]).sum()

    model = Model()
    assert len(list(model.parameters())) == 3
    assert sorted(model.state_dict()) == ["scales.s", "weights.0", "weights.1"]
    model(tn.ones(3)).backward()
    assert all(p.grad is not None for p in model.parameters())


def test_buffer_assigned_to_a_module_is_registered():
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.saved = nn.Buffer(tn.ones(2))
            self.scratch = nn.Buffer(tn.zeros(1), persistent=False)

    model = Model()
    assert [name for name, _ in model.named_buffers()] == ["saved", "scratch"]
    assert list(model.state_dict()) == ["saved"]
    assert isinstance(model.saved, nn.Buffer) and not isinstance(tn.ones(1), nn.Buffer)
    source = tn.ones(2)
    assert np.shares_memory(nn.Buffer(source).numpy(), source.numpy())


# Lazy modules ----------------------------------------------------------------------------------
def test_lazy_linear_infers_in_features_and_becomes_linear():
    layer = nn.LazyLinear(3)
    assert isinstance(layer.weight, nn.UninitializedParameter) and layer.has_uninitialized_params()
    parameters = list(layer.parameters())
    tn.manual_seed(1)
    y = layer(tn.randn(2, 5))
    assert type(layer) is nn.Linear and layer.in_features == 5 and y.shape == (2, 3)
    assert parameters[0] is layer.weight and type(layer.weight) is nn.Parameter
    assert layer.weight.shape == (3, 5) and np.abs(layer.weight.detach().numpy()).max() <= 5 ** -0.5
    optimizer = tn.optim.SGD(parameters, lr=0.1)  # made before the call: sees the parameters
    before = layer.weight.detach().numpy().copy()
    layer(tn.randn(2, 5)).sum().backward()
    optimizer.step()
    assert not np.array_equal(before, layer.weight.detach().numpy())


@pytest.mark.parametrize("build, shape, becomes, weight_shape", [
    (lambda: nn.LazyConv1d(4, 3), (2, 3, 7), nn.Conv1d, (4, 3, 3)),
    (lambda: nn.LazyConv2d(4, 3, groups=2), (1, 6, 5, 5), nn.Conv2d, (4, 3, 3, 3)),
    (lambda: nn.LazyConvTranspose1d(4, 3), (3, 7), nn.ConvTranspose1d, (3, 4, 3)),
    (lambda: nn.LazyConvTranspose2d(2, 2, stride=2), (1, 3, 2, 2), nn.ConvTranspose2d,
     (3, 2, 2, 2)),
    (lambda: nn.LazyBatchNorm1d(), (4, 3), nn.BatchNorm1d, (3,)),
    (lambda: nn.LazyBatchNorm2d(), (4, 3, 2, 2), nn.BatchNorm2d, (3,)),
    (lambda: nn.LazyBatchNorm3d(), (2, 3, 2, 2, 2), nn.BatchNorm3d, (3,)),
    (lambda: nn.LazyInstanceNorm1d(), (3, 5), nn.InstanceNorm1d, (3,)),
    (lambda: nn.LazyInstanceNorm2d(), (2, 3, 2, 2), nn.InstanceNorm2d, (3,)),
    (lambda: nn.LazyInstanceNorm3d(), (2, 3, 2, 2, 2), nn.InstanceNorm3d, (3,)),
])
def test_lazy_modules_infer_their_input_size(build, shape, becomes, weight_shape):
    layer = build()
    output = layer(tn.randn(*shape))
    assert type(layer) is becomes and layer.weight.shape == weight_shape
    assert not any(isinstance(t, (nn.UninitializedParameter, nn.UninitializedBuffer))
                   for t in list(layer.parameters()) + list(layer.buffers()))
    assert layer(tn.randn(*shape)).shape == output.shape  # later calls: the ordinary layer


@pytest.mark.torch
def test_lazy_modules_have_torch_signatures():
    torch = pytest.importorskip("torch")
    for name in ["LazyLinear", "LazyConv1d", "LazyConv2d", "LazyConvTranspose1d",
                 "LazyConvTranspose2d", "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d",
                 "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d", "Bilinear",
                 "EmbeddingBag", "ParameterList", "ParameterDict", "Dropout1d", "Dropout3d",
                 "AlphaDropout", "FeatureAlphaDropout"]:
        ours = inspect.signature(getattr(nn, name).__init__).parameters.values()
        theirs = inspect.signature(getattr(torch.nn, name).__init__).parameters.values()
        assert [(p.name, p.kind, p.default) for p in ours] == [
            (p.name, p.kind, p.default) for p in theirs], name
    for name in ["Buffer", "UninitializedParameter", "UninitializedBuffer"]:
        ours = inspect.signature(getattr(nn, name)).parameters.values()
        theirs = inspect.signature(getattr(torch.nn, name)).parameters.values()
        assert [(p.name, p.default) for p in ours] == [(p.name, p.default) for p in theirs], name
    for name in ["dropout1d", "dropout3d", "alpha_dropout", "feature_alpha_dropout",
                 "embedding_bag"]:
        ours = inspect.signature(getattr(F, name)).parameters.values()
        theirs = inspect.signature(getattr(torch.nn.functional, name)).parameters.values()
        assert [(p.name, p.default) for p in ours] == [(p.name, p.default) for p in theirs], name


def test_lazy_and_uninitialized_errors():
    with pytest.raises(ValueError, match="CPU only"):
        nn.LazyLinear(3, device="cuda")
    with pytest.raises(ValueError, match="CPU only"):
        nn.UninitializedParameter(device="cuda")
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.LazyConv1d(4, 3, groups=2)(tn.randn(1, 3, 5))
    with pytest.raises(ValueError, match="3-D"):
        nn.LazyConv1d(4, 3)(tn.randn(5))
    with pytest.raises(TypeError, match="Tensor"):
        nn.Buffer([1.0, 2.0])
