"""tinynet.nn against PyTorch: the same weights (moved by state_dict name) give the same outputs,
gradients and running statistics; state_dict keys, parameter shapes and reprs match."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import tinynet as tn
import tinynet.nn.functional as F
from tinynet import nn

pytestmark = pytest.mark.torch
RNG = np.random.default_rng(11)


def to_torch_state(state):
    return {key: torch.from_numpy(value.numpy().copy()) for key, value in state.items()}


def from_torch_state(state):
    return {key: tn.tensor(value.detach().numpy().copy()) for key, value in state.items()}


def run_both(ours, theirs, inputs, upstream_seed=0):
    """Forward both modules on float64 copies of ``inputs``, backpropagate the same random upstream
    gradient, return (our output, their output, our input grads, their input grads)."""
    ours_in = [tn.tensor(a, requires_grad=a.dtype.kind == "f") for a in inputs]
    theirs_in = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in inputs]
    y, z = ours(*ours_in), theirs(*theirs_in)
    upstream = np.random.default_rng(upstream_seed).standard_normal(tuple(z.shape))
    y.backward(tn.tensor(upstream))
    z.backward(torch.tensor(upstream))
    return y, z, ours_in, theirs_in


def assert_close(ours, theirs, rtol=1e-10, atol=1e-12):
    ours = ours.detach().numpy() if isinstance(ours, tn.Tensor) else ours
    np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=rtol, atol=atol)


LAYERS = [
    ("linear", lambda: nn.Linear(4, 3), lambda: torch.nn.Linear(4, 3), (5, 4)),
    ("layernorm", lambda: nn.LayerNorm((2, 3)), lambda: torch.nn.LayerNorm((2, 3)), (4, 2, 3)),
    ("groupnorm", lambda: nn.GroupNorm(2, 4), lambda: torch.nn.GroupNorm(2, 4), (3, 4, 5)),
    ("batchnorm1d", lambda: nn.BatchNorm1d(3), lambda: torch.nn.BatchNorm1d(3), (6, 3, 2)),
    (
        "batchnorm2d_momentum_none",
        lambda: nn.BatchNorm2d(2, momentum=None),
        lambda: torch.nn.BatchNorm2d(2, momentum=None),
        (3, 2, 2, 3),
    ),
    (
        "batchnorm_untracked",
        lambda: nn.BatchNorm1d(3, track_running_stats=False),
        lambda: torch.nn.BatchNorm1d(3, track_running_stats=False),
        (5, 3),
    ),
    ("prelu", lambda: nn.PReLU(3), lambda: torch.nn.PReLU(3), (2, 3, 4)),
]


@pytest.mark.parametrize(
    "name, make_ours, make_theirs, shape", LAYERS, ids=[layer[0] for layer in LAYERS]
)
def test_layer_matches_torch_with_copied_weights_in_train_and_eval(
    name, make_ours, make_theirs, shape
):
    ours, theirs = make_ours().double(), make_theirs().double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    with torch.no_grad():  # make the affine parameters non-trivial, then copy them over
        for param in theirs.parameters():
            param.copy_(torch.tensor(RNG.uniform(0.5, 1.5, tuple(param.shape))))
    ours.load_state_dict(from_torch_state(theirs.state_dict()))
    for step in range(3):  # several training steps move the running statistics
        x = RNG.standard_normal(shape) * 2 + 0.5
        y, z, ours_in, theirs_in = run_both(ours, theirs, [x], step)
        assert_close(y, z)
        assert_close(ours_in[0].grad, theirs_in[0].grad)
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(
            ours.state_dict()[key].numpy(), value.numpy(), rtol=1e-10, err_msg=key
        )
    for (key, param), (_, their_param) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert_close(param.grad, their_param.grad, rtol=1e-9)
    ours.eval(), theirs.eval()
    x = RNG.standard_normal(shape)
    y, z, ours_in, theirs_in = run_both(ours, theirs, [x])
    assert_close(y, z)
    assert_close(ours_in[0].grad, theirs_in[0].grad)


def test_embedding_with_padding_matches_torch():
    ours, theirs = (
        nn.Embedding(6, 3, padding_idx=2).double(),
        torch.nn.Embedding(6, 3, padding_idx=2).double(),
    )
    theirs.load_state_dict(to_torch_state(ours.state_dict()))
    ids = np.array([[0, 2, 5], [2, 2, 1]])
    y, z = ours(tn.tensor(ids)), theirs(torch.tensor(ids))
    upstream = RNG.standard_normal((2, 3, 3))
    y.backward(tn.tensor(upstream))
    z.backward(torch.tensor(upstream))
    assert_close(y, z)
    assert_close(ours.weight.grad, theirs.weight.grad)


def test_state_dict_moves_between_tinynet_and_torch_models_by_name():
    ours = nn.Sequential(
        nn.Linear(4, 8),
        nn.BatchNorm1d(8),
        nn.ReLU(),
        nn.Dropout(0.2),
        nn.Linear(8, 3),
        nn.LogSoftmax(dim=1),
    )
    theirs = torch.nn.Sequential(
        torch.nn.Linear(4, 8),
        torch.nn.BatchNorm1d(8),
        torch.nn.ReLU(),
        torch.nn.Dropout(0.2),
        torch.nn.Linear(8, 3),
        torch.nn.LogSoftmax(dim=1),
    )
    theirs.load_state_dict(to_torch_state(ours.state_dict()))
    ours.eval(), theirs.eval()
    x = RNG.standard_normal((5, 4)).astype(np.float32)
    assert_close(ours(tn.tensor(x)), theirs(torch.tensor(x)), rtol=1e-5, atol=1e-6)
    assert ours.load_state_dict(from_torch_state(theirs.state_dict())).missing_keys == []


SHAPE_CASES = [
    (lambda: nn.Conv1d(4, 6, 3, groups=2), lambda: torch.nn.Conv1d(4, 6, 3, groups=2)),
    (
        lambda: nn.Conv2d(3, 8, (3, 5), bias=False),
        lambda: torch.nn.Conv2d(3, 8, (3, 5), bias=False),
    ),
    (
        lambda: nn.ConvTranspose1d(4, 6, 3, groups=2),
        lambda: torch.nn.ConvTranspose1d(4, 6, 3, groups=2),
    ),
    (
        lambda: nn.ConvTranspose2d(3, 5, 2, stride=2),
        lambda: torch.nn.ConvTranspose2d(3, 5, 2, stride=2),
    ),
    (lambda: nn.Embedding(7, 2), lambda: torch.nn.Embedding(7, 2)),
    (lambda: nn.LayerNorm(5, bias=False), lambda: torch.nn.LayerNorm(5, bias=False)),
    (lambda: nn.BatchNorm2d(3, affine=False), lambda: torch.nn.BatchNorm2d(3, affine=False)),
    (
        lambda: nn.CrossEntropyLoss(weight=tn.ones(3)),
        lambda: torch.nn.CrossEntropyLoss(weight=torch.ones(3)),
    ),
    (
        lambda: nn.BCEWithLogitsLoss(pos_weight=tn.ones(3)),
        lambda: torch.nn.BCEWithLogitsLoss(pos_weight=torch.ones(3)),
    ),
]


@pytest.mark.parametrize("make_ours, make_theirs", SHAPE_CASES)
def test_state_dict_keys_and_shapes_match_torch(make_ours, make_theirs):
    ours, theirs = make_ours(), make_theirs()
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == {
        k: tuple(v.shape) for k, v in theirs.state_dict().items()
    }


@pytest.mark.parametrize("make_ours, make_theirs", SHAPE_CASES[:4])
def test_default_conv_initialization_has_torchs_bound(make_ours, make_theirs):
    tn.manual_seed(0)
    torch.manual_seed(0)  # a small weight's largest |w| falls under 0.8 * bound now and then
    ours, theirs = make_ours(), make_theirs()
    bound = 1 / np.sqrt(np.prod(theirs.weight.shape[1:]))  # PyTorch's fan_in of the weight
    for state in (ours.state_dict(), theirs.state_dict()):
        weight = np.asarray(state["weight"])
        assert 0.8 * bound < np.abs(weight).max() <= bound
        if "bias" in state:
            assert np.abs(np.asarray(state["bias"])).max() <= bound


REPR_CASES = [
    (nn.Linear(2, 3, bias=False), torch.nn.Linear(2, 3, bias=False)),
    (
        nn.Conv2d(3, 8, 3, stride=2, padding=1, groups=1, padding_mode="reflect"),
        torch.nn.Conv2d(3, 8, 3, stride=2, padding=1, padding_mode="reflect"),
    ),
    (
        nn.ConvTranspose2d(3, 8, 3, stride=2, output_padding=1),
        torch.nn.ConvTranspose2d(3, 8, 3, stride=2, output_padding=1),
    ),
    (
        nn.Conv1d(3, 8, 3, padding="same", dilation=2),
        torch.nn.Conv1d(3, 8, 3, padding="same", dilation=2),
    ),
    (nn.BatchNorm1d(4, momentum=None), torch.nn.BatchNorm1d(4, momentum=None)),
    (nn.LayerNorm((2, 3)), torch.nn.LayerNorm((2, 3))),
    (nn.GroupNorm(2, 4), torch.nn.GroupNorm(2, 4)),
    (nn.Embedding(5, 2, padding_idx=0), torch.nn.Embedding(5, 2, padding_idx=0)),
    (nn.Dropout2d(0.3), torch.nn.Dropout2d(0.3)),
    (nn.MaxPool2d(3, stride=2, padding=1), torch.nn.MaxPool2d(3, stride=2, padding=1)),
    (nn.AvgPool2d(2), torch.nn.AvgPool2d(2)),
    (nn.MaxUnpool2d(2), torch.nn.MaxUnpool2d(2)),
    (nn.AdaptiveAvgPool2d(1), torch.nn.AdaptiveAvgPool2d(1)),
    (nn.Upsample(scale_factor=2), torch.nn.Upsample(scale_factor=2)),
    (nn.Flatten(), torch.nn.Flatten()),
    (nn.Unflatten(1, (2, 3)), torch.nn.Unflatten(1, (2, 3))),
    (nn.LeakyReLU(0.2), torch.nn.LeakyReLU(0.2)),
    (nn.ELU(), torch.nn.ELU()),
    (nn.GELU(), torch.nn.GELU()),
    (nn.PReLU(), torch.nn.PReLU()),
    (nn.Softplus(), torch.nn.Softplus()),
    (nn.Hardtanh(), torch.nn.Hardtanh()),
    (nn.Softmax(dim=1), torch.nn.Softmax(dim=1)),
    (
        nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU())),
        torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Sequential(torch.nn.ReLU())),
    ),
]


@pytest.mark.parametrize("ours, theirs", REPR_CASES, ids=lambda m: type(m).__name__)
def test_repr_matches_torch(ours, theirs):
    assert repr(ours) == repr(theirs)


ACTIVATIONS = [
    ("relu", F.relu, torch.nn.functional.relu),
    (
        "leaky_relu",
        lambda x: F.leaky_relu(x, 0.3),
        lambda x: torch.nn.functional.leaky_relu(x, 0.3),
    ),
    ("elu", lambda x: F.elu(x, 0.5), lambda x: torch.nn.functional.elu(x, 0.5)),
    ("selu", F.selu, torch.nn.functional.selu),
    ("gelu", F.gelu, torch.nn.functional.gelu),
    (
        "gelu_tanh",
        lambda x: F.gelu(x, "tanh"),
        lambda x: torch.nn.functional.gelu(x, approximate="tanh"),
    ),
    ("silu", F.silu, torch.nn.functional.silu),
    (
        "softplus",
        lambda x: F.softplus(x, 2.0, 5.0),
        lambda x: torch.nn.functional.softplus(x, 2.0, 5.0),
    ),
    (
        "hardtanh",
        lambda x: F.hardtanh(x, -0.4, 0.6),
        lambda x: torch.nn.functional.hardtanh(x, -0.4, 0.6),
    ),
    ("sigmoid", F.sigmoid, torch.sigmoid),
    ("tanh", F.tanh, torch.tanh),
    ("softmax", lambda x: F.softmax(x, 1), lambda x: torch.softmax(x, 1)),
    ("log_softmax", lambda x: F.log_softmax(x, 0), lambda x: torch.log_softmax(x, 0)),
]


@pytest.mark.parametrize("name, ours, theirs", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_and_its_gradient_match_torch_including_large_inputs(name, ours, theirs):
    x = np.concatenate([RNG.standard_normal((3, 4)) * 3, [[-1e4, -50.0, 50.0, 1e4]]])
    y, z, ours_in, theirs_in = run_both(ours, theirs, [x])
    assert_close(y, z)
    assert_close(ours_in[0].grad, theirs_in[0].grad)


LOGITS = RNG.standard_normal((5, 3, 2)) * 3
LABELS = np.array([[0, 2], [1, -100], [2, 2], [0, 1], [1, 0]])
WEIGHT = np.array([0.3, 1.0, 2.0])
TARGET = RNG.uniform(0, 1, (5, 3, 2))
T = torch.nn.functional


def _both(array):
    return tn.tensor(array), torch.tensor(array)


LOSSES = [
    ("mse", lambda x, y: F.mse_loss(x, y, reduction="sum"), lambda x, y: T.mse_loss(x, y, reduction="sum")),
    ("l1", F.l1_loss, T.l1_loss),
    (
        "smooth_l1",
        lambda x, y: F.smooth_l1_loss(x, y, beta=0.4),
        lambda x, y: T.smooth_l1_loss(x, y, beta=0.4),
    ),
    (
        "huber",
        lambda x, y: F.huber_loss(x, y, "none", 0.4),
        lambda x, y: T.huber_loss(x, y, "none", 0.4),
    ),
    (
        "bce",
        lambda x, y: F.binary_cross_entropy(F.sigmoid(x), y),
        lambda x, y: T.binary_cross_entropy(torch.sigmoid(x), y),
    ),
    (
        "bce_with_logits",
        lambda x, y: F.binary_cross_entropy_with_logits(
            x, y, weight=_both(WEIGHT[:, None])[0], pos_weight=_both(np.array([2.0, 0.5]))[0]
        ),
        lambda x, y: T.binary_cross_entropy_with_logits(
            x, y, weight=_both(WEIGHT[:, None])[1], pos_weight=_both(np.array([2.0, 0.5]))[1]
        ),
    ),
    (
        "cross_entropy",
        lambda x, y: F.cross_entropy(
            x, tn.tensor(LABELS), weight=tn.tensor(WEIGHT), label_smoothing=0.15
        ),
        lambda x, y: T.cross_entropy(
            x, torch.tensor(LABELS), weight=torch.tensor(WEIGHT), label_smoothing=0.15
        ),
    ),
    (
        "cross_entropy_none",
        lambda x, y: F.cross_entropy(x, tn.tensor(LABELS), reduction="none", label_smoothing=0.15),
        lambda x, y: T.cross_entropy(
            x, torch.tensor(LABELS), reduction="none", label_smoothing=0.15
        ),
    ),
    (
        "cross_entropy_probabilities",
        lambda x, y: F.cross_entropy(x, y, weight=tn.tensor(WEIGHT), label_smoothing=0.1),
        lambda x, y: T.cross_entropy(x, y, weight=torch.tensor(WEIGHT), label_smoothing=0.1),
    ),
    (
        "nll",
        lambda x, y: F.nll_loss(x, tn.tensor(LABELS), weight=tn.tensor(WEIGHT), reduction="sum"),
        lambda x, y: T.nll_loss(
            x, torch.tensor(LABELS), weight=torch.tensor(WEIGHT), reduction="sum"
        ),
    ),
    (
        "kl_div",
        lambda x, y: F.kl_div(F.log_softmax(x, 1), y, reduction="batchmean"),
        lambda x, y: T.kl_div(torch.log_softmax(x, 1), y, reduction="batchmean"),
    ),
    (
        "kl_div_log_target",
        lambda x, y: F.kl_div(x, F.log_softmax(y, 1), reduction="sum", log_target=True),
        lambda x, y: T.kl_div(x, torch.log_softmax(y, 1), reduction="sum", log_target=True),
    ),
]


@pytest.mark.parametrize("name, ours, theirs", LOSSES, ids=[loss[0] for loss in LOSSES])
@pytest.mark.parametrize("scale", [1.0, 1e4], ids=["logits", "logits_1e4"])
def test_loss_and_its_gradients_match_torch(name, ours, theirs, scale):
    target = (
        TARGET / TARGET.sum(1, keepdims=True)
        if "probabilities" in name or name == "kl_div"
        else TARGET
    )
    if name == "bce" and scale > 1:
        pytest.skip("probabilities from sigmoid(1e4) are exactly 0 or 1: covered by test_losses")
    y, z, ours_in, theirs_in = run_both(ours, theirs, [LOGITS * scale, target])
    assert_close(y, z, rtol=1e-9, atol=1e-9)
    assert_close(ours_in[0].grad, theirs_in[0].grad, rtol=1e-8, atol=1e-9)
    if theirs_in[1].grad is not None:
        assert_close(ours_in[1].grad, theirs_in[1].grad, rtol=1e-8, atol=1e-9)


def test_full_backward_hook_receives_what_torchs_receives():
    ours, theirs = nn.Linear(3, 2).double(), torch.nn.Linear(3, 2).double()
    theirs.load_state_dict(to_torch_state(ours.state_dict()))
    seen = {}
    ours.register_full_backward_hook(lambda m, gi, go: seen.update(ours=(gi, go)))
    theirs.register_full_backward_hook(lambda m, gi, go: seen.update(theirs=(gi, go)))
    run_both(ours, theirs, [RNG.standard_normal((4, 3))])
    for our_grads, their_grads in zip(seen["ours"], seen["theirs"]):
        assert len(our_grads) == len(their_grads)
        for a, b in zip(our_grads, their_grads):
            assert_close(a, b)


def test_initializer_statistics_match_torchs():
    for name, kwargs in [
        ("kaiming_normal_", {"mode": "fan_out", "nonlinearity": "relu"}),
        ("xavier_uniform_", {"gain": 2.0}),
        ("trunc_normal_", {"std": 0.5}),
        ("orthogonal_", {}),
    ]:
        ours, theirs = tn.empty(256, 128), torch.empty(256, 128)
        getattr(nn.init, name)(ours, **kwargs)
        getattr(torch.nn.init, name)(theirs, **kwargs)
        assert ours.numpy().std() == pytest.approx(theirs.numpy().std(), rel=0.03), name
        assert np.abs(ours.numpy()).max() <= np.abs(theirs.numpy()).max() * 1.3, name
