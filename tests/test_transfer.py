"""tinynet.transfer: freezing, parameter groups, batch-norm statistics kept fixed, gradual
unfreezing, replacing a head, and weights read from and written to .npz and .safetensors."""

import numpy as np
import pytest

import tinynet as tn
from tinynet import nn, optim
from tinynet.data import DataLoader, TensorDataset
from tinynet.models import CNN2d
from tinynet.train import fit
from tinynet.transfer import (
    GradualUnfreezing,
    discriminative_param_groups,
    freeze,
    freeze_batchnorm_stats,
    get_submodule,
    load_state_dict_file,
    load_weights,
    replace_head,
    save_state_dict_file,
    save_weights,
    trainable_parameters,
    unfreeze,
)
from tinynet.transfer import safetensors as st


def small_model():
    tn.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 3))


def batch(n=16, seed=0):
    rng = np.random.default_rng(seed)
    return (tn.tensor(rng.standard_normal((n, 4)).astype(np.float32)),
            tn.tensor(rng.integers(0, 3, n)))


def one_step(model, optimizer, seed=0):
    x, y = batch(seed=seed)
    optimizer.zero_grad()
    nn.functional.cross_entropy(model(x), y).backward()
    optimizer.step()


def snapshot(model):
    return {name: value.detach().numpy().copy() for name, value in model.state_dict().items()}


# --- freezing -----------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [
    lambda p: optim.Adam(p, lr=0.1, weight_decay=0.1),
    lambda p: optim.AdamW(p, lr=0.1),
    lambda p: optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.1),
])
def test_a_frozen_parameter_gets_no_update_and_no_optimizer_state(make):
    model = small_model()
    freeze(model[0])
    before = snapshot(model)
    optimizer = make(model.parameters())  # frozen parameters given too, as PyTorch allows
    for seed in range(3):
        one_step(model, optimizer, seed)
    after = snapshot(model)
    np.testing.assert_array_equal(after["0.weight"], before["0.weight"])
    np.testing.assert_array_equal(after["0.bias"], before["0.bias"])
    assert model[0].weight.grad is None
    assert model[0].weight not in optimizer.state and model[0].bias not in optimizer.state
    assert not np.array_equal(after["3.weight"], before["3.weight"])
    assert optimizer.state[model[3].weight]  # the trainable ones do have state


def test_unfreeze_makes_a_frozen_module_train_again():
    model = small_model()
    freeze(model)
    assert not any(p.requires_grad for p in model.parameters())
    unfreeze(model[3])
    assert [p.requires_grad for p in model.parameters()] == [False] * 4 + [True] * 2
    assert trainable_parameters(model) == [model[3].weight, model[3].bias]


def test_a_model_without_trainable_parameter_is_refused_by_the_transfer_helpers():
    model = freeze(small_model())
    with pytest.raises(ValueError, match="no trainable parameter"):
        trainable_parameters(model)
    with pytest.raises(ValueError, match="no trainable parameter"):
        discriminative_param_groups(model, ["0", "1", "3"], 1e-3)
    # the optimizers themselves accept it, as PyTorch's do, and then change nothing
    before = snapshot(model)
    optimizer = optim.Adam(model.parameters(), lr=0.1)
    x, _ = batch()
    assert not model(x).sum().requires_grad  # no graph: nothing requires grad
    optimizer.step()
    after = snapshot(model)
    assert all(np.array_equal(before[name], after[name]) for name, _ in model.named_parameters())
    assert optimizer.state == {}
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)


def test_freeze_refuses_what_is_not_a_module():
    with pytest.raises(TypeError, match="nn.Module"):
        freeze([nn.Linear(2, 2)])


# --- parameter groups ---------------------------------------------------------------------------


def test_each_parameter_group_updates_with_its_own_rate():
    model = small_model()
    optimizer = optim.SGD([{"params": model[0].parameters(), "lr": 0.5},
                           {"params": model[3].parameters()}], lr=0.01)
    freeze(model[1])
    before = snapshot(model)
    one_step(model, optimizer)
    after = snapshot(model)
    for name, lr in (("0.weight", 0.5), ("0.bias", 0.5), ("3.weight", 0.01), ("3.bias", 0.01)):
        module, attribute = name.split(".")
        grad = getattr(model[int(module)], attribute).grad.numpy()
        np.testing.assert_allclose(after[name], before[name] - lr * grad, rtol=1e-6, atol=1e-7)


def test_discriminative_rates_shrink_by_the_factor_towards_the_input():
    model = small_model()
    groups = discriminative_param_groups(model, ["0", model[1], "3"], base_lr=0.1, factor=2.0)
    assert [group["lr"] for group in groups] == [0.025, 0.05, 0.1]
    assert [group["name"] for group in groups] == ["0", "block 1", "3"]
    assert groups[0]["params"] == [model[0].weight, model[0].bias]
    optimizer = optim.SGD(groups, lr=1.0)
    before = snapshot(model)
    one_step(model, optimizer)
    np.testing.assert_allclose(
        snapshot(model)["0.bias"], before["0.bias"] - 0.025 * model[0].bias.grad.numpy(),
        rtol=1e-6, atol=1e-7)


def test_discriminative_groups_refuse_a_parameter_left_out_or_twice():
    model = small_model()
    with pytest.raises(ValueError, match=r"parameters in no block: 1\.weight, 1\.bias"):
        discriminative_param_groups(model, ["0", "3"], 1e-3)
    with pytest.raises(ValueError, match="'0.weight' is in 0 and in block 1"):
        discriminative_param_groups(model, ["0", model, "3"], 1e-3)
    with pytest.raises(ValueError, match=r"2 \(ReLU\) has no parameter"):
        discriminative_param_groups(model, ["0", "1", "2", "3"], 1e-3)
    with pytest.raises(AttributeError, match="no submodule '7'; its children are 0, 1, 2, 3"):
        discriminative_param_groups(model, ["7"], 1e-3)
    with pytest.raises(ValueError, match="base_lr"):
        discriminative_param_groups(model, ["0", "1", "3"], -1.0)


# --- batch-norm statistics ----------------------------------------------------------------------


def test_frozen_batchnorm_statistics_stay_while_the_rest_fine_tunes():
    model = small_model()
    norm = model[1]
    norm.running_mean.copy_(tn.tensor(np.linspace(-1, 1, 6).astype(np.float32)))
    mean, var = norm.running_mean.numpy().copy(), norm.running_var.numpy().copy()
    handle = freeze_batchnorm_stats(model)
    x, y = batch(64)
    loader = DataLoader(TensorDataset(x, y), 16)
    before = snapshot(model)
    fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), loader, epochs=2,
        verbose=False)  # fit calls model.train() every epoch
    np.testing.assert_array_equal(norm.running_mean.numpy(), mean)
    np.testing.assert_array_equal(norm.running_var.numpy(), var)
    assert int(norm.num_batches_tracked.item()) == 0
    assert not np.array_equal(snapshot(model)["0.weight"], before["0.weight"])
    assert not np.array_equal(snapshot(model)["1.weight"], before["1.weight"])  # affine trains
    # in training mode the layer normalizes with the running statistics, as in eval mode
    model.train()
    hidden = model[0](x)
    expected = (hidden.detach().numpy() - mean) / np.sqrt(var + norm.eps) * norm.weight.detach().numpy() \
        + norm.bias.detach().numpy()
    np.testing.assert_allclose(norm(hidden).detach().numpy(), expected, rtol=1e-5, atol=1e-5)
    handle.remove()
    model.train()
    model(x)
    assert not np.array_equal(norm.running_mean.numpy(), mean)  # follows train() again


def test_freeze_batchnorm_stats_needs_a_batch_norm():
    with pytest.raises(ValueError, match="no BatchNorm layer"):
        freeze_batchnorm_stats(nn.Linear(2, 2))


# --- gradual unfreezing -------------------------------------------------------------------------


def test_gradual_unfreezing_trains_one_more_block_per_epoch_from_the_top():
    model = small_model()
    first = model[0].weight.detach().numpy().copy()
    blocks = ["0", "1", "3"]
    optimizer = optim.Adam(discriminative_param_groups(model, blocks, 1e-2), lr=1e-2)
    unfreezing = GradualUnfreezing(blocks)
    seen = []

    class Record(tn.callbacks.Callback):
        def on_epoch_end(self, epoch, logs):
            seen.append((unfreezing.unfrozen, model[0].weight in optimizer.state,
                         np.array_equal(model[0].weight.detach().numpy(), first)))

    x, y = batch(32)
    fit(model, nn.CrossEntropyLoss(), optimizer, DataLoader(TensorDataset(x, y), 16), epochs=4,
        callbacks=[Record(), unfreezing], verbose=False)
    # epoch 0: head only; 1: + batch norm; 2: + first layer (trains from then on)
    assert seen == [(1, False, True), (2, False, True), (3, True, False), (3, True, False)]
    with pytest.raises(ValueError, match="every"):
        GradualUnfreezing(blocks, every=0)


# --- replacing the head -------------------------------------------------------------------------


def test_replace_head_keeps_the_place_and_returns_the_old_module():
    model = CNN2d(1, 8, 8, 5)
    freeze(model)
    head = nn.Linear(128, 3)
    old = replace_head(model, "15", head)
    assert isinstance(old, nn.Linear) and old.out_features == 5
    assert model[15] is head and len(model) == 16
    assert trainable_parameters(model) == [head.weight, head.bias]
    assert model(tn.zeros(2, 1, 8, 8)).shape == (2, 3)
    outer = nn.Sequential(nn.Identity(), model)
    replace_head(outer, "1.15", nn.Linear(128, 7))
    assert outer(tn.zeros(1, 1, 8, 8)).shape == (1, 7)
    with pytest.raises(AttributeError, match="1 has no submodule '16'"):
        get_submodule(outer, "1.16")
    with pytest.raises(TypeError, match="must be an nn.Module"):
        replace_head(model, "15", "linear")


# --- weights from elsewhere ---------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_weights_round_trip(tmp_path, suffix):
    model = CNN2d(1, 8, 8, 5)
    model(tn.randn(4, 1, 8, 8))  # running statistics and num_batches_tracked move
    path = save_weights(model, tmp_path / f"w{suffix}")
    assert path.exists()
    other = CNN2d(1, 8, 8, 5)
    assert load_weights(other, path) == ([], [])
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(other.state_dict()[name].numpy(), value.numpy())
        assert other.state_dict()[name].dtype == value.dtype


@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_mismatched_weights_name_the_problem_and_leave_the_model_unchanged(tmp_path, suffix):
    model = CNN2d(1, 8, 8, 5)
    arrays = {k: v.numpy() + 1 for k, v in model.state_dict().items()}
    arrays["15.weight"] = np.zeros((3, 128), np.float32)
    arrays["head.bias"] = arrays.pop("15.bias")
    save_state_dict_file(arrays, tmp_path / f"bad{suffix}")
    before = snapshot(model)
    with pytest.raises(RuntimeError) as error:
        load_weights(model, tmp_path / f"bad{suffix}")
    message = str(error.value)
    assert "Missing key(s): '15.bias'" in message
    assert "Unexpected key(s): 'head.bias'" in message
    assert "15.weight: shape [3, 128] in the checkpoint, [5, 128] in the model" in message
    assert all(np.array_equal(before[k], v) for k, v in snapshot(model).items())


def test_unknown_formats_and_pickled_npz_are_refused(tmp_path):
    with pytest.raises(ValueError, match=r"unknown weights format '\.pt'"):
        load_state_dict_file(tmp_path / "w.pt")
    np.save(tmp_path / "o.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with open(tmp_path / "w.npz", "wb") as file:
        np.savez(file, a=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="other than plain arrays"):
        load_state_dict_file(tmp_path / "w.npz")
    (tmp_path / "x.npz").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not an .npz archive"):
        load_state_dict_file(tmp_path / "x.npz")


# --- the safetensors format ---------------------------------------------------------------------


def test_safetensors_layout_is_the_documented_one():
    data = st.save({"b": np.arange(3, dtype=np.int64), "a": np.ones((2, 2), np.float32)},
                   metadata={"format": "np"})
    size = int.from_bytes(data[:8], "little")
    assert (8 + size) % 8 == 0
    import json

    header = json.loads(data[8:8 + size])
    assert header == {"__metadata__": {"format": "np"},
                      "a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
                      "b": {"dtype": "I64", "shape": [3], "data_offsets": [16, 40]}}
    assert data[8 + size:8 + size + 16] == np.ones(4, "<f4").tobytes()
    loaded = st.load(data)
    np.testing.assert_array_equal(loaded["b"], [0, 1, 2])
    assert loaded["a"].dtype == np.float32


def test_safetensors_reads_bfloat16_into_float32():
    values = np.array([1.0, -2.5, 3.140625], np.float32)
    bits = (values.view(np.uint32) >> 16).astype("<u2")
    header = b'{"x":{"dtype":"BF16","shape":[3],"data_offsets":[0,6]}}'
    data = len(header).to_bytes(8, "little") + header + bits.tobytes()
    np.testing.assert_array_equal(st.load(data)["x"], values)


@pytest.mark.parametrize(("data", "match"), [
    (b"\x01\x02", "fewer than the 8"),
    ((10**6).to_bytes(8, "little") + b"{}", "does not fit"),
    ((3).to_bytes(8, "little") + b"abc", "not JSON"),
    ((2).to_bytes(8, "little") + b"[]", "JSON object"),
    (lambda: _raw({"x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}, 8),
     "needs 8 bytes"),
    (lambda: _raw({"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                   "y": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, 4),
     "overlap or leave a gap"),
    (lambda: _raw({"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, 8),
     "cover 4 of the 8 bytes"),
    (lambda: _raw({"x": {"dtype": "C64", "shape": [1], "data_offsets": [0, 8]}}, 8),
     "dtype 'C64'"),
    (lambda: _raw({"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 40]}}, 8),
     "outside the 8 bytes"),
])
def test_safetensors_refuses_malformed_data(data, match):
    with pytest.raises(st.SafetensorError, match=match):
        st.load(data() if callable(data) else data)


def _raw(header, data_bytes):
    import json

    text = json.dumps(header).encode()
    return len(text).to_bytes(8, "little") + text + bytes(data_bytes)


def test_safetensors_refuses_to_write_an_unsupported_dtype():
    with pytest.raises(ValueError, match="complex64"):
        st.save({"x": np.zeros(2, np.complex64)})


def test_files_agree_with_the_safetensors_package(tmp_path):
    package = pytest.importorskip("safetensors.numpy")
    arrays = {"w": np.arange(6, dtype=np.float64).reshape(2, 3), "n": np.array(7, np.int64),
              "h": np.ones(5, np.float16), "m": np.array([True, False])}
    package.save_file(arrays, tmp_path / "theirs.safetensors", metadata={"k": "v"})
    ours = st.load_file(tmp_path / "theirs.safetensors")
    assert st.read_metadata(tmp_path / "theirs.safetensors") == {"k": "v"}
    st.save_file(arrays, tmp_path / "ours.safetensors")
    theirs = package.load_file(tmp_path / "ours.safetensors")
    for name, array in arrays.items():
        for loaded in (ours[name], theirs[name]):
            np.testing.assert_array_equal(loaded, array)
            assert loaded.dtype == array.dtype and loaded.shape == array.shape


# --- PyTorch's weights ----------------------------------------------------------------------------


def torch_cnn(torch_nn, num_classes=5):
    """PyTorch's twin of CNN2d(1, 8, 8, num_classes): the same layers, so the same names."""
    return torch_nn.Sequential(
        torch_nn.Conv2d(1, 16, 3, padding=1), torch_nn.BatchNorm2d(16), torch_nn.ReLU(),
        torch_nn.Conv2d(16, 32, 3, padding=1), torch_nn.BatchNorm2d(32), torch_nn.ReLU(),
        torch_nn.MaxPool2d(2),
        torch_nn.Conv2d(32, 32, 3, padding=1), torch_nn.BatchNorm2d(32), torch_nn.ReLU(),
        torch_nn.MaxPool2d(2),
        torch_nn.Flatten(), torch_nn.Dropout(0.25), torch_nn.Linear(128, 128), torch_nn.ReLU(),
        torch_nn.Linear(128, num_classes))


@pytest.mark.torch
@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_pytorch_weights_load_and_give_pytorchs_outputs(tmp_path, suffix):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    theirs = torch_cnn(torch.nn).double()
    theirs.train()
    theirs(torch.randn(16, 1, 8, 8, dtype=torch.float64))  # running statistics move
    theirs.eval()
    path = tmp_path / f"torch{suffix}"
    if suffix == ".npz":
        np.savez(path, **{k: v.numpy() for k, v in theirs.state_dict().items()})
    else:
        pytest.importorskip("safetensors.torch").save_file(theirs.state_dict(), str(path))
    ours = CNN2d(1, 8, 8, 5).double()
    load_weights(ours, path)
    ours.eval()
    x = np.random.default_rng(0).standard_normal((4, 1, 8, 8))
    expected = theirs(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(ours(tn.tensor(x)).detach().numpy(), expected, rtol=1e-10,
                               atol=1e-12)
    # and back: tinynet's file loads into PyTorch's model, strictly
    tn.manual_seed(1)
    fresh = CNN2d(1, 8, 8, 5).double().eval()
    back = save_weights(fresh, tmp_path / f"back{suffix}")
    state = {k: torch.from_numpy(v) for k, v in load_state_dict_file(back).items()}
    if suffix == ".safetensors":
        state = pytest.importorskip("safetensors.torch").load_file(str(back))
    theirs.load_state_dict(state)
    np.testing.assert_allclose(theirs(torch.from_numpy(x)).detach().numpy(),
                               fresh(tn.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-12)


# --- the perceptual loss --------------------------------------------------------------------------


def test_perceptual_loss_compares_frozen_features_and_trains_only_the_input():
    from tinynet.transfer import PerceptualLoss

    tn.manual_seed(0)
    extractor = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU())
    extractor[1].running_mean.copy_(tn.tensor(np.arange(4, dtype=np.float32)))
    state = snapshot(extractor)
    loss_fn = PerceptualLoss(extractor, pixel_weight=0.5)
    loss_fn.train()
    x = tn.rand(3, 1, 8, 8)
    y = tn.rand(3, 1, 8, 8)
    x.requires_grad_(True)
    loss = loss_fn(x, y)
    extractor.eval()
    expected = ((extractor(x) - extractor(y)) ** 2).mean() + 0.5 * ((x - y) ** 2).mean()
    np.testing.assert_allclose(loss.item(), expected.item(), rtol=1e-5)
    loss.backward()
    assert x.grad is not None and float(x.grad.abs().sum()) > 0
    assert all(p.grad is None for p in extractor.parameters())
    assert all(np.array_equal(state[k], v) for k, v in snapshot(extractor).items())
    assert loss_fn(y, y).item() == 0.0
    with pytest.raises(ValueError, match="same shape"):
        loss_fn(x, y[:2])
    with pytest.raises(ValueError, match="pixel_weight"):
        PerceptualLoss(extractor, pixel_weight=-1.0)


def test_a_replaced_child_or_parameter_keeps_its_place_as_in_pytorch():
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.ReLU(), nn.Tanh(), nn.Sigmoid())
    theirs = torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Tanh(), torch.nn.Sigmoid())
    ours.__setattr__("0", nn.ELU())
    theirs.__setattr__("0", torch.nn.ELU())
    assert [type(m).__name__ for m in ours] == [type(m).__name__ for m in theirs] \
        == ["ELU", "Tanh", "Sigmoid"]
    linear, twin = nn.Linear(2, 3), torch.nn.Linear(2, 3)
    linear.weight = nn.Parameter(tn.zeros(3, 2))
    twin.weight = torch.nn.Parameter(torch.zeros(3, 2))
    assert list(dict(linear.named_parameters())) == list(dict(twin.named_parameters())) \
        == ["weight", "bias"]
