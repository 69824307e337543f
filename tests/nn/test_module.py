"""Module and Parameter: registration, walking the tree, state_dict round trips and failures,
modes and conversions, hooks, containers, repr."""

import copy

import numpy as np
import pytest

import tinynet as tn
from tinynet import nn


class TwoLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = nn.Linear(3, 4)
        self.norm = nn.BatchNorm1d(4)
        self.second = nn.Linear(4, 2, bias=False)
        self.scale = nn.Parameter(tn.ones(1))
        self.register_buffer("steps", tn.zeros(1))
        self.register_buffer("scratch", tn.zeros(2), persistent=False)

    def forward(self, x):
        return self.second(self.norm(self.first(x)).relu()) * self.scale


EXPECTED_KEYS = [
    "scale",
    "steps",
    "first.weight",
    "first.bias",
    "norm.weight",
    "norm.bias",
    "norm.running_mean",
    "norm.running_var",
    "norm.num_batches_tracked",
    "second.weight",
]


def test_assignment_registers_parameters_buffers_and_modules_in_order():
    model = TwoLayer()
    assert list(model._parameters) == ["scale"]
    assert list(model._buffers) == ["steps", "scratch"]
    assert list(model._modules) == ["first", "norm", "second"]
    assert [name for name, _ in model.named_parameters()] == [
        "scale",
        "first.weight",
        "first.bias",
        "norm.weight",
        "norm.bias",
        "second.weight",
    ]
    assert [name for name, _ in model.named_buffers()] == [
        "steps",
        "scratch",
        "norm.running_mean",
        "norm.running_var",
        "norm.num_batches_tracked",
    ]
    assert [name for name, _ in model.named_modules()] == ["", "first", "norm", "second"]
    assert list(model.children()) == [model.first, model.norm, model.second]
    assert model.first.weight is model._modules["first"]._parameters["weight"]


def test_reassignment_moves_a_name_between_registries_and_none_keeps_it():
    model = TwoLayer()
    model.scale = nn.Linear(1, 1)
    assert "scale" in model._modules and "scale" not in model._parameters
    model.steps = tn.ones(1)  # a registered buffer stays a buffer
    assert model._buffers["steps"] is model.steps
    model.second = None
    assert model._modules["second"] is None
    assert "second.weight" not in model.state_dict()
    with pytest.raises(TypeError, match="'bias'"):
        model.first.bias = tn.zeros(4)  # a plain tensor cannot replace a parameter
    del model.first
    assert "first" not in model._modules and not hasattr(model, "first")


def test_assigning_before_init_raises_a_clear_error():
    class Broken(nn.Module):
        def __init__(self):
            self.weight = nn.Parameter(tn.ones(2))
            super().__init__()

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        Broken()


def test_shared_parameters_appear_once_in_parameters_but_under_every_name_in_state_dict():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(model.parameters())) == 2
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert [name for name, _ in model.named_modules()] == ["", "0", "1"]


def test_parameter_is_a_hashable_leaf_tensor_sharing_memory():
    data = tn.ones(3)
    param = nn.Parameter(data)
    assert isinstance(param, tn.Tensor) and param.requires_grad and param.is_leaf
    assert param._data is data._data
    assert len({param, nn.Parameter(tn.ones(3))}) == 2
    assert type(param * 2) is tn.Tensor
    assert repr(param).startswith("Parameter containing:\ntensor(")
    frozen = nn.Parameter(tn.ones(1), requires_grad=False)
    assert not frozen.requires_grad


def test_state_dict_has_pytorchs_keys_and_detached_shared_values():
    model = TwoLayer()
    state = model.state_dict()
    assert list(state) == EXPECTED_KEYS
    assert not state["first.weight"].requires_grad
    assert state["first.weight"]._data is model.first.weight._data
    assert model.state_dict(keep_vars=True)["first.weight"] is model.first.weight


def test_state_dict_round_trip_restores_every_value():
    source, target = TwoLayer(), TwoLayer()
    source(tn.randn(5, 3))  # moves the running statistics
    result = target.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    for (name, a), (_, b) in zip(source.state_dict().items(), target.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
    assert target.state_dict()["first.weight"]._data is target.first.weight._data


def test_failed_load_names_every_bad_key_and_changes_nothing():
    model = TwoLayer()
    before = {name: value.numpy().copy() for name, value in model.state_dict().items()}
    state = TwoLayer().state_dict()
    del state["first.bias"]
    state["extra.weight"] = tn.zeros(1)
    state["second.weight"] = tn.zeros(3, 3)
    state["norm.num_batches_tracked"] = tn.tensor(1.5)  # a float cannot go into an int buffer
    with pytest.raises(RuntimeError) as error:
        model.load_state_dict(state)
    message = str(error.value)
    for expected in [
        "Missing key(s): 'first.bias'",
        "Unexpected key(s): 'extra.weight'",
        "second.weight: shape [3, 3] in the checkpoint, [2, 4] in the model",
        "norm.num_batches_tracked: dtype float32",
    ]:
        assert expected in message
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), before[name], err_msg=name)


def test_non_strict_load_reports_missing_and_unexpected_but_still_refuses_bad_shapes():
    model = nn.Linear(2, 3)
    result = model.load_state_dict({"weight": tn.ones(3, 2), "other": tn.ones(1)}, strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["other"]
    np.testing.assert_array_equal(model.weight.detach().numpy(), np.ones((3, 2)))
    with pytest.raises(RuntimeError, match="weight: shape"):
        model.load_state_dict({"weight": tn.ones(2, 2)}, strict=False)


def test_load_accepts_arrays_and_casts_float64_into_float32():
    model = nn.Linear(2, 1)
    model.load_state_dict(
        {"weight": np.full((1, 2), 0.5), "bias": tn.tensor([1.0], dtype="float64")}
    )
    assert model.weight.dtype == tn.float32
    np.testing.assert_array_equal(model.weight.detach().numpy(), [[0.5, 0.5]])


def test_train_eval_requires_grad_zero_grad_and_apply_reach_every_module():
    model = TwoLayer()
    assert model.eval() is model and not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    model(tn.randn(4, 3)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad(set_to_none=False)
    assert all(not p.grad.numpy().any() for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    model.first.requires_grad_(False)
    assert [p.requires_grad for p in model.parameters()] == [True, False, False, True, True, True]
    visited = []
    model.apply(lambda module: visited.append(type(module).__name__))
    assert visited == ["Linear", "BatchNorm1d", "Linear", "TwoLayer"]


def test_to_double_converts_floats_in_place_and_keeps_integer_buffers():
    model = TwoLayer()
    weight = model.first.weight
    assert model.double() is model
    assert model.first.weight is weight and weight.dtype == tn.float64
    assert model.norm.running_mean.dtype == tn.float64
    assert model.norm.num_batches_tracked.dtype == tn.int64
    assert model(tn.randn(3, 3, dtype="float64")).dtype == tn.float64
    model.to(tn.float32)
    assert weight.dtype == tn.float32
    assert model.to("cpu") is model
    with pytest.raises(ValueError, match="CPU"):
        model.to("cuda")


def test_deepcopy_gives_independent_parameters():
    model = TwoLayer()
    clone = copy.deepcopy(model)
    assert clone.first.weight is not model.first.weight
    assert isinstance(clone.first.weight, nn.Parameter)
    with tn.no_grad():
        clone.first.weight.fill_(0.0)
    assert model.first.weight.detach().numpy().any()


def test_forward_pre_hook_and_forward_hook_can_replace_values_and_be_removed():
    layer = nn.Linear(2, 2)
    calls = []
    pre = layer.register_forward_pre_hook(lambda module, args: (args[0] * 0,))
    post = layer.register_forward_hook(
        lambda module, args, output: calls.append(output) or output + 1
    )
    output = layer(tn.ones(1, 2))
    np.testing.assert_allclose(output.detach().numpy(), layer.bias.detach().numpy()[None] + 1)
    assert len(calls) == 1
    pre.remove()
    post.remove()
    np.testing.assert_allclose(
        layer(tn.zeros(1, 2)).detach().numpy(), layer.bias.detach().numpy()[None]
    )


def test_full_backward_hook_sees_input_and_output_gradients_and_can_replace_them():
    layer = nn.Linear(3, 2)
    x = tn.randn(4, 3, requires_grad=True)
    seen = {}

    def hook(module, grad_input, grad_output):
        seen["input"], seen["output"] = grad_input, grad_output
        return (grad_input[0] * 2,)

    handle = layer.register_full_backward_hook(hook)
    upstream = tn.randn(4, 2)
    layer(x).backward(upstream)
    np.testing.assert_allclose(seen["output"][0].numpy(), upstream.numpy())
    expected = upstream.numpy() @ layer.weight.detach().numpy()
    np.testing.assert_allclose(seen["input"][0].numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), 2 * expected, rtol=1e-6)
    np.testing.assert_allclose(
        layer.weight.grad.numpy(), upstream.numpy().T @ x.detach().numpy(), rtol=1e-5
    )
    handle.remove()
    x.grad = None
    layer(x).backward(upstream)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6)


def test_full_backward_hook_runs_with_none_grad_input_when_inputs_need_no_gradient():
    layer = nn.Linear(2, 2)
    seen = []
    layer.register_full_backward_hook(lambda module, grad_in, grad_out: seen.append(grad_in))
    layer(tn.ones(1, 2)).sum().backward()
    assert seen == [(None,)]


def test_sequential_indexing_slicing_and_editing():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert isinstance(model[-1], nn.Linear) and len(model) == 3
    head = model[:2]
    assert isinstance(head, nn.Sequential) and list(head._modules) == ["0", "1"]
    model.append(nn.Sigmoid())
    del model[1]
    assert list(model._modules) == ["0", "1", "2"]
    assert [type(m).__name__ for m in model] == ["Linear", "Linear", "Sigmoid"]
    assert model(tn.ones(5, 2)).shape == (5, 1)
    with pytest.raises(IndexError, match="out of range"):
        model[7]
    named = nn.Sequential(__import__("collections").OrderedDict(encoder=nn.Linear(2, 2)))
    assert list(named.state_dict()) == ["encoder.weight", "encoder.bias"]


def test_module_list_and_module_dict_register_their_members():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(2)])
    layers.append(nn.Linear(2, 1))
    assert len(list(layers.parameters())) == 6
    assert list(layers.state_dict())[-1] == "2.bias"
    layers.insert(0, nn.ReLU())
    assert [type(m).__name__ for m in layers] == ["ReLU", "Linear", "Linear", "Linear"]
    heads = nn.ModuleDict({"a": nn.Linear(2, 1)})
    heads["b"] = nn.Linear(2, 3)
    assert list(heads.keys()) == ["a", "b"] and "b" in heads
    assert list(heads.state_dict()) == ["a.weight", "a.bias", "b.weight", "b.bias"]
    heads.pop("a")
    assert list(heads) == ["b"]


def test_repr_matches_pytorchs_layout():
    model = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.Dropout(0.25)))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): Sequential(\n"
        "    (0): ReLU()\n"
        "    (1): Dropout(p=0.25, inplace=False)\n"
        "  )\n"
        ")"
    )


def test_forward_must_be_defined():
    with pytest.raises(NotImplementedError, match="Empty"):
        type("Empty", (nn.Module,), {})()(tn.ones(1))
