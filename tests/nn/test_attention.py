"""F.scaled_dot_product_attention and nn.MultiheadAttention: the formula softmax(QKᵀ·scale + B)V
in NumPy, then against PyTorch in float64 (outputs, weights, input and parameter gradients, every
mask kind: boolean and float, 2-D and 3-D, key padding, causal; both batch_first layouts;
unbatched inputs), PyTorch's signatures, parameter names and initialization, dropout in training
only, the behaviour of a query that may attend to nothing, and the error cases."""

import inspect
import math

import numpy as np
import pytest

import tinynet as tn
from tinynet import nn
from tinynet.errors import ArgumentError, DtypeError, ShapeError
from tinynet.nn import functional as F


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def leaf(array):
    return tn.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def draws(seed, *shapes):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) for shape in shapes]


def reference_attention(q, k, v, bias=None, scale=None):
    """softmax(q kᵀ · scale + bias) v in NumPy."""
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = q @ np.swapaxes(k, -1, -2) * scale
    if bias is not None:
        scores = scores + bias
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    return weights @ v


def assert_close(ours, theirs, tolerance=1e-10):
    ours = ours.detach().numpy() if hasattr(ours, "detach") else np.asarray(ours)
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=tolerance, atol=tolerance)


# scaled_dot_product_attention ----------------------------------------------------------------

def test_sdpa_is_the_softmax_of_scaled_scores_times_the_values():
    q, k, v = draws(0, (2, 3, 4), (2, 5, 4), (2, 5, 6))
    out = F.scaled_dot_product_attention(tn.tensor(q), tn.tensor(k), tn.tensor(v))
    assert out.shape == (2, 3, 6)
    assert_close(out, reference_attention(q, k, v))
    out = F.scaled_dot_product_attention(tn.tensor(q), tn.tensor(k), tn.tensor(v), scale=0.3)
    assert_close(out, reference_attention(q, k, v, scale=0.3))


def test_sdpa_boolean_mask_true_may_attend_and_float_mask_is_added():
    q, k, v, bias = draws(1, (3, 4), (5, 4), (5, 2), (3, 5))
    allowed = np.random.default_rng(2).random((3, 5)) < 0.5
    allowed[:, 0] = True
    out = F.scaled_dot_product_attention(tn.tensor(q), tn.tensor(k), tn.tensor(v),
                                         attn_mask=tn.tensor(allowed))
    assert_close(out, reference_attention(q, k, v, np.where(allowed, 0.0, -np.inf)))
    out = F.scaled_dot_product_attention(tn.tensor(q), tn.tensor(k), tn.tensor(v),
                                         attn_mask=tn.tensor(bias))
    assert_close(out, reference_attention(q, k, v, bias))


def test_sdpa_causal_is_the_lower_triangle_of_l_by_s():
    q, k, v = draws(3, (1, 2, 3, 4), (1, 2, 5, 4), (1, 2, 5, 4))
    out = F.scaled_dot_product_attention(tn.tensor(q), tn.tensor(k), tn.tensor(v), is_causal=True)
    causal = np.where(np.tril(np.ones((3, 5), dtype=bool)), 0.0, -np.inf)
    assert_close(out, reference_attention(q, k, v, causal))


def test_sdpa_a_query_that_may_attend_to_nothing_gets_zeros_and_no_gradient():
    q, k, v = (leaf(a) for a in draws(4, (2, 3, 4), (2, 5, 4), (2, 5, 4)))
    allowed = np.ones((3, 5), dtype=bool)
    allowed[1] = False
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=tn.tensor(allowed))
    assert np.all(out.detach().numpy()[:, 1] == 0) and np.all(np.isfinite(out.detach().numpy()))
    out.sum().backward()
    assert np.all(q.grad.numpy()[:, 1] == 0) and np.all(np.isfinite(k.grad.numpy()))


SDPA_CASES = {
    "plain": ({}, (2, 3, 4), (2, 5, 4), (2, 5, 3)),
    "two_batch_dims_broadcast": ({}, (2, 2, 3, 4), (1, 2, 5, 4), (1, 2, 5, 3)),
    "unbatched": ({}, (3, 4), (5, 4), (5, 3)),
    "bool_mask": ({"attn_mask": "bool"}, (2, 3, 4), (2, 5, 4), (2, 5, 3)),
    "bool_mask_broadcast_over_heads": ({"attn_mask": "bool_heads"}, (2, 2, 3, 4), (2, 2, 5, 4),
                                       (2, 2, 5, 3)),
    "float_mask": ({"attn_mask": "float"}, (2, 3, 4), (2, 5, 4), (2, 5, 3)),
    "causal": ({"is_causal": True}, (2, 4, 4), (2, 4, 4), (2, 4, 3)),
    "causal_rectangular": ({"is_causal": True}, (2, 3, 4), (2, 5, 4), (2, 5, 3)),
    "scale": ({"scale": 0.25}, (2, 3, 4), (2, 5, 4), (2, 5, 3)),
    "fully_masked_row": ({"attn_mask": "bool_empty_row"}, (2, 3, 4), (2, 5, 4), (2, 5, 3)),
    "grouped_query": ({"enable_gqa": True}, (1, 4, 3, 4), (1, 2, 5, 4), (1, 2, 5, 3)),
}


def _mask(kind, rng):
    if kind == "float":
        return rng.standard_normal((3, 5))
    if kind == "bool_heads":
        mask = rng.random((2, 1, 3, 5)) < 0.6
        mask[..., 0] = True
        return mask
    mask = rng.random((3, 5)) < 0.6
    mask[:, 0] = True
    if kind == "bool_empty_row":
        mask[2] = False
    return mask


@pytest.mark.parametrize("name", list(SDPA_CASES))
def test_sdpa_matches_pytorch_in_float64_with_gradients(torch, name):
    kwargs, *shapes = SDPA_CASES[name]
    rng = np.random.default_rng(5)
    arrays = [rng.standard_normal(shape) for shape in shapes]
    ours_kwargs, theirs_kwargs = dict(kwargs), dict(kwargs)
    if "attn_mask" in kwargs:
        mask = _mask(kwargs["attn_mask"], rng)
        ours_kwargs["attn_mask"], theirs_kwargs["attn_mask"] = tn.tensor(mask), torch.tensor(mask)
    ours = [leaf(a) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = F.scaled_dot_product_attention(*ours, **ours_kwargs)
    expected = torch.nn.functional.scaled_dot_product_attention(*theirs, **theirs_kwargs)
    assert_close(out, expected)
    weights = rng.standard_normal(tuple(expected.shape))
    (out * tn.tensor(weights)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    for mine, reference in zip(ours, theirs):
        assert_close(mine.grad, reference.grad)


def test_sdpa_float_mask_that_requires_grad_gets_pytorchs_gradient(torch):
    q, k, v, bias = draws(6, (2, 3, 4), (2, 5, 4), (2, 5, 3), (2, 3, 5))
    ours = F.scaled_dot_product_attention(tn.tensor(q), tn.tensor(k), tn.tensor(v),
                                          attn_mask=(mask := leaf(bias)))
    torch_mask = torch.tensor(bias, requires_grad=True)
    theirs = torch.nn.functional.scaled_dot_product_attention(
        torch.tensor(q), torch.tensor(k), torch.tensor(v), attn_mask=torch_mask)
    (ours * ours).sum().backward()
    (theirs * theirs).sum().backward()
    assert_close(mask.grad, torch_mask.grad)


def test_sdpa_signature_is_pytorchs():
    parameters = inspect.signature(F.scaled_dot_product_attention).parameters
    assert list(parameters) == ["query", "key", "value", "attn_mask", "dropout_p", "is_causal",
                                "scale", "enable_gqa"]
    assert [parameters[n].default for n in list(parameters)[3:]] == [None, 0.0, False, None,
                                                                    False]
    # PyTorch takes scale and enable_gqa by keyword only
    assert parameters["scale"].kind is inspect.Parameter.KEYWORD_ONLY
    assert parameters["enable_gqa"].kind is inspect.Parameter.KEYWORD_ONLY


def test_sdpa_dropout_drops_weights_whenever_p_is_positive():
    q, k, v = (tn.tensor(a) for a in draws(7, (2, 3, 4), (2, 5, 4), (2, 5, 4)))
    plain = F.scaled_dot_product_attention(q, k, v).numpy()
    assert np.all(F.scaled_dot_product_attention(q, k, v, dropout_p=1.0).numpy() == 0)
    tn.manual_seed(3)
    dropped = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5).numpy()
    tn.manual_seed(3)
    again = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5).numpy()
    assert not np.allclose(dropped, plain)
    np.testing.assert_array_equal(dropped, again)


def test_sdpa_errors_name_the_problem():
    q, k, v = (tn.tensor(a) for a in draws(8, (2, 3, 4), (2, 5, 4), (2, 5, 4)))
    with pytest.raises(ArgumentError, match="is_causal"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=tn.ones(3, 5, dtype=tn.bool),
                                       is_causal=True)
    with pytest.raises(ShapeError, match="attn_mask of shape \\[4, 5\\]"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=tn.ones(4, 5, dtype=tn.bool))
    with pytest.raises(ShapeError, match="cannot be broadcast"):  # more batch dims than q
        F.scaled_dot_product_attention(q, k, v, attn_mask=tn.ones(3, 2, 3, 5, dtype=tn.bool))
    with pytest.raises(DtypeError, match="bool or floating-point"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=tn.ones(3, 5, dtype=tn.int64))
    with pytest.raises(DtypeError, match="one floating-point dtype"):
        F.scaled_dot_product_attention(q, k.float(), v)
    with pytest.raises(ShapeError, match="last dim 4 differs from key's 3"):
        F.scaled_dot_product_attention(q, k[..., :3], v)
    with pytest.raises(ShapeError, match="5 positions"):
        F.scaled_dot_product_attention(q, k, v[:, :4])
    with pytest.raises(ShapeError, match="at least 2-D"):
        F.scaled_dot_product_attention(q[0, 0], k[0, 0], v[0, 0])
    with pytest.raises(ArgumentError, match="between 0 and 1"):
        F.scaled_dot_product_attention(q, k, v, dropout_p=1.5)
    heads = tn.tensor(np.zeros((1, 3, 3, 4)))
    with pytest.raises(ShapeError, match="multiple"):
        F.scaled_dot_product_attention(heads, tn.zeros(1, 2, 5, 4, dtype=tn.float64),
                                       tn.zeros(1, 2, 5, 4, dtype=tn.float64), enable_gqa=True)


# MultiheadAttention --------------------------------------------------------------------------

def to_tinynet(module, torch_module):
    module.load_state_dict({k: tn.tensor(v.detach().numpy())
                            for k, v in torch_module.state_dict().items()})
    return module


def test_mha_signature_parameters_and_initialization_are_pytorchs(torch):
    for ours, theirs in ((nn.MultiheadAttention.__init__, torch.nn.MultiheadAttention.__init__),
                         (nn.MultiheadAttention.forward, torch.nn.MultiheadAttention.forward)):
        ours_parameters = inspect.signature(ours).parameters
        theirs_parameters = inspect.signature(theirs).parameters
        assert list(ours_parameters) == list(theirs_parameters)
        assert [p.default for p in ours_parameters.values()] == [
            p.default for p in theirs_parameters.values()]
    for kwargs in ({}, {"kdim": 3, "vdim": 5}, {"add_bias_kv": True}, {"bias": False}):
        ours = nn.MultiheadAttention(8, 2, **kwargs)
        theirs = torch.nn.MultiheadAttention(8, 2, **kwargs)
        assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == [
            (k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    module = nn.MultiheadAttention(8, 2)
    assert np.all(module.in_proj_bias.detach().numpy() == 0)
    assert np.all(module.out_proj.bias.detach().numpy() == 0)
    bound = math.sqrt(6 / (8 + 24))  # xavier_uniform_ of the (24, 8) in_proj_weight
    weight = module.in_proj_weight.detach().numpy()
    assert np.abs(weight).max() <= bound and np.abs(weight).max() > 0.8 * bound


MHA_CASES = {
    "self": ({}, {}),
    "self_batch_first": ({"batch_first": True}, {}),
    "cross_kdim_vdim": ({"kdim": 3, "vdim": 5}, {}),
    "cross_batch_first_kdim_vdim": ({"kdim": 3, "vdim": 5, "batch_first": True}, {}),
    "cross_same_dims": ({}, {"cross": True}),
    "mask_2d_bool": ({}, {"attn_mask": ("bool", 2)}),
    "mask_2d_float": ({}, {"attn_mask": ("float", 2)}),
    "mask_3d_bool": ({"batch_first": True}, {"attn_mask": ("bool", 3)}),
    "mask_3d_float": ({}, {"attn_mask": ("float", 3)}),
    "key_padding_bool": ({}, {"key_padding_mask": "bool"}),
    "key_padding_float": ({"batch_first": True}, {"key_padding_mask": "float"}),
    "both_masks": ({}, {"attn_mask": ("bool", 2), "key_padding_mask": "bool"}),
    "causal_hint": ({}, {"attn_mask": ("causal", 2), "is_causal": True}),
    "heads_not_averaged": ({}, {"average_attn_weights": False}),
    "no_weights": ({}, {"need_weights": False}),
    "bias_kv_zero_attn_masks": ({"add_bias_kv": True, "add_zero_attn": True},
                                {"attn_mask": ("bool", 2), "key_padding_mask": "bool"}),
    "no_bias": ({"bias": False}, {}),
    "unbatched": ({}, {"unbatched": True}),
    "unbatched_key_padding": ({"kdim": 3, "vdim": 5}, {"unbatched": True,
                                                       "key_padding_mask": "bool"}),
}
E, HEADS, L, S, N = 8, 2, 4, 5, 3


def _mha_inputs(torch, module_kwargs, call, rng):
    """(ours, theirs) keyword arguments and the inputs of a MHA_CASES entry."""
    batch_first = module_kwargs.get("batch_first", False)
    cross = call.get("cross") or "kdim" in module_kwargs
    kdim, vdim = module_kwargs.get("kdim", E), module_kwargs.get("vdim", E)
    sources = S if cross else L

    def layout(length, features):
        if call.get("unbatched"):
            return (length, features)
        return (N, length, features) if batch_first else (length, N, features)

    query = rng.standard_normal(layout(L, E))
    arrays = [query] if not cross else [query, rng.standard_normal(layout(S, kdim)),
                                        rng.standard_normal(layout(S, vdim))]
    ours, theirs = {}, {}
    if "attn_mask" in call:
        kind, dims = call["attn_mask"]
        shape = (L, sources) if dims == 2 else (N * HEADS, L, sources)
        if kind == "bool":
            mask = rng.random(shape) < 0.3
            mask[..., 0] = False
        elif kind == "causal":
            mask = np.triu(np.ones(shape, dtype=bool), 1)
        else:
            mask = rng.standard_normal(shape)
        ours["attn_mask"], theirs["attn_mask"] = tn.tensor(mask), torch.tensor(mask)
    if "key_padding_mask" in call:
        shape = (sources,) if call.get("unbatched") else (N, sources)
        padding = np.zeros(shape, dtype=bool)
        padding[..., -1] = True
        if call["key_padding_mask"] == "float":
            padding = np.where(padding, -1.5, 0.25)
        ours["key_padding_mask"] = tn.tensor(padding)
        theirs["key_padding_mask"] = torch.tensor(padding)
    for name in ("is_causal", "average_attn_weights", "need_weights"):
        if name in call:
            ours[name] = theirs[name] = call[name]
    return ours, theirs, arrays


@pytest.mark.parametrize("name", list(MHA_CASES))
def test_mha_matches_pytorch_in_float64_with_every_gradient(torch, name):
    module_kwargs, call = MHA_CASES[name]
    torch.manual_seed(0)
    theirs_module = torch.nn.MultiheadAttention(E, HEADS, **module_kwargs).double()
    if module_kwargs.get("bias", True):  # nonzero biases, so that their gradients are tested
        with torch.no_grad():
            theirs_module.in_proj_bias.normal_()
            theirs_module.out_proj.bias.normal_()
    ours_module = to_tinynet(nn.MultiheadAttention(E, HEADS, **module_kwargs).double(),
                             theirs_module)
    rng = np.random.default_rng(9)
    ours_kwargs, theirs_kwargs, arrays = _mha_inputs(torch, module_kwargs, call, rng)
    ours_inputs = [leaf(a) for a in arrays]
    theirs_inputs = [torch.tensor(a, requires_grad=True) for a in arrays]
    q, k, v = (ours_inputs * 3)[:3] if len(ours_inputs) == 1 else ours_inputs
    tq, tk, tv = (theirs_inputs * 3)[:3] if len(theirs_inputs) == 1 else theirs_inputs
    out, weights = ours_module(q, k, v, **ours_kwargs)
    expected, expected_weights = theirs_module(tq, tk, tv, **theirs_kwargs)
    assert_close(out, expected)
    if expected_weights is None:
        assert weights is None
    else:
        assert_close(weights, expected_weights)
    projection = rng.standard_normal(tuple(expected.shape))
    (out * tn.tensor(projection)).sum().backward()
    (expected * torch.tensor(projection)).sum().backward()
    for mine, reference in zip(ours_inputs, theirs_inputs):
        assert_close(mine.grad, reference.grad)
    theirs_parameters = dict(theirs_module.named_parameters())
    for parameter_name, parameter in ours_module.named_parameters():
        assert_close(parameter.grad, theirs_parameters[parameter_name].grad)


def test_mha_a_fully_padded_sequence_gives_zero_weights_and_out_proj_bias(torch):
    torch.manual_seed(1)
    theirs = torch.nn.MultiheadAttention(E, HEADS).double()
    with torch.no_grad():
        theirs.out_proj.bias.normal_()
    ours = to_tinynet(nn.MultiheadAttention(E, HEADS).double(), theirs)
    x = np.random.default_rng(2).standard_normal((L, N, E))
    padding = np.zeros((N, L), dtype=bool)
    padding[1] = True  # sequence 1 is padding everywhere: its queries may attend to nothing
    out, weights = ours(tn.tensor(x), tn.tensor(x), tn.tensor(x),
                        key_padding_mask=tn.tensor(padding))
    np.testing.assert_array_equal(weights.detach().numpy()[1], 0.0)
    np.testing.assert_allclose(out.detach().numpy()[:, 1], np.broadcast_to(
        theirs.out_proj.bias.detach().numpy(), (L, E)), atol=1e-12)
    # PyTorch gives the same without weights (and NaN with them, which tinynet does not copy)
    expected, _ = theirs(*(torch.tensor(x),) * 3, key_padding_mask=torch.tensor(padding),
                         need_weights=False)
    assert_close(out, expected)


def test_mha_dropout_acts_in_training_only():
    module = nn.MultiheadAttention(E, HEADS, dropout=0.5).double()
    x = tn.tensor(np.random.default_rng(3).standard_normal((L, N, E)))
    module.eval()
    with tn.no_grad():
        first, first_weights = module(x, x, x)
    second, _ = module(x, x, x)
    second = second.detach()
    np.testing.assert_array_equal(first.numpy(), second.numpy())
    np.testing.assert_allclose(first_weights.numpy().sum(-1), 1.0)
    module.train()
    with tn.no_grad():
        dropped, dropped_weights = module(x, x, x, average_attn_weights=False)
    assert not np.allclose(dropped.numpy(), first.numpy())
    kept = dropped_weights.numpy()
    assert np.any(kept == 0) and np.all((kept == 0) | (kept > 0))


def test_mha_errors_name_the_problem():
    with pytest.raises(ValueError, match="divisible by num_heads"):
        nn.MultiheadAttention(10, 3)
    module = nn.MultiheadAttention(E, HEADS).double()
    x = tn.tensor(np.zeros((L, N, E)))
    with pytest.raises(ShapeError, match="2D attn_mask is \\[4, 4\\].*\\(4, 5\\)"):
        module(x, tn.tensor(np.zeros((S, N, E))), tn.tensor(np.zeros((S, N, E))),
               attn_mask=tn.zeros(L, L))
    with pytest.raises(ShapeError, match="3D attn_mask"):
        module(x, x, x, attn_mask=tn.zeros(3, L, L))
    with pytest.raises(ShapeError, match="dimension 4"):
        module(x, x, x, attn_mask=tn.zeros(1, 1, L, L))
    with pytest.raises(ShapeError, match="key_padding_mask should have shape \\[3, 4\\]"):
        module(x, x, x, key_padding_mask=tn.zeros(N, L + 1, dtype=tn.bool))
    with pytest.raises(DtypeError, match="attn_mask"):
        module(x, x, x, attn_mask=tn.zeros(L, L, dtype=tn.int64))
    with pytest.raises(DtypeError, match="key_padding_mask"):
        module(x, x, x, key_padding_mask=tn.zeros(N, L, dtype=tn.int64))
    with pytest.raises(ValueError, match="is_causal=True needs attn_mask"):
        module(x, x, x, is_causal=True)
    with pytest.raises(ShapeError, match="query should be unbatched 2-D or batched 3-D"):
        module(x[None], x[None], x[None])
    with pytest.raises(ShapeError, match="query has 7 features"):
        module(x[..., :7], x, x)
    with pytest.raises(ShapeError, match="different batch sizes"):
        module(x, x[:, :2], x[:, :2])
