"""nn.TransformerEncoderLayer, nn.TransformerDecoderLayer, nn.TransformerEncoder,
nn.TransformerDecoder and nn.Transformer: PyTorch's signatures and state_dict keys, then against
PyTorch in float64 with a state_dict copied both ways (outputs, input gradients and every
parameter gradient; post-norm and pre-norm, both batch_first layouts, relu, gelu and a callable,
every mask kind), dropout in training only, and the error cases. Without PyTorch: the shapes, the
normalization the post-norm layer ends with, and causality."""

import inspect

import numpy as np
import pytest

import tinynet as tn
from tinynet import nn
from tinynet.errors import ArgumentError, ShapeError
from tinynet.nn import functional as F

D, HEADS, FF, S, T, N = 8, 2, 12, 5, 4, 3
# PyTorch's own notes on the masks of mixed kinds these tests use on purpose, and on its nested
# tensors (which tinynet does not have)
pytestmark = [pytest.mark.filterwarnings("ignore:Support for mismatched:UserWarning"),
              pytest.mark.filterwarnings("ignore:enable_nested_tensor is True:UserWarning")]
CLASSES = ["TransformerEncoderLayer", "TransformerDecoderLayer", "TransformerEncoder",
           "TransformerDecoder", "Transformer"]


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def leaf(array):
    return tn.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def assert_close(ours, theirs, tolerance=1e-9):
    ours = ours.detach().numpy() if hasattr(ours, "detach") else np.asarray(ours)
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=tolerance, atol=tolerance)


def copy_state(source, target, library):
    """Load ``source``'s state_dict into ``target`` (``library`` builds target's tensors)."""
    target.load_state_dict({k: library.tensor(v.detach().numpy())
                            for k, v in source.state_dict().items()})
    return target


def build_pair(torch, name, to_torch=False, **kwargs):
    """The same model in both libraries, float64, with equal weights (tinynet's copied into
    PyTorch with ``to_torch``, else PyTorch's into tinynet) and nonzero biases."""
    def make(library):
        module = getattr(library.nn, name)
        if name in ("TransformerEncoder", "TransformerDecoder"):
            layer = getattr(library.nn, name + "Layer")(D, HEADS, FF, dropout=0.0, **kwargs)
            return module(layer, 2, norm=library.nn.LayerNorm(D))
        if name == "Transformer":
            return module(D, HEADS, 2, 2, FF, dropout=0.0, **kwargs)
        return module(D, HEADS, FF, dropout=0.0, **kwargs)

    torch.manual_seed(0)
    ours, theirs = make(tn).double(), make(torch).double()
    source = ours if to_torch else theirs
    rng = np.random.default_rng(11)
    for parameter in source.parameters():  # random biases and norms too
        parameter.data = (tn if to_torch else torch).tensor(
            parameter.detach().numpy() + 0.1 * rng.standard_normal(tuple(parameter.shape)))
    if to_torch:
        copy_state(ours, theirs, torch)
    else:
        copy_state(theirs, ours, tn)
    return ours, theirs


def compare(torch, ours, theirs, arrays, ours_kwargs, theirs_kwargs):
    """Outputs, the input gradients and every parameter gradient agree."""
    ours_inputs = [leaf(a) for a in arrays]
    theirs_inputs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = ours(*ours_inputs, **ours_kwargs)
    expected = theirs(*theirs_inputs, **theirs_kwargs)
    assert_close(out, expected)
    projection = np.random.default_rng(1).standard_normal(tuple(expected.shape))
    (out * tn.tensor(projection)).sum().backward()
    (expected * torch.tensor(projection)).sum().backward()
    for mine, reference in zip(ours_inputs, theirs_inputs):
        assert_close(mine.grad, reference.grad)
    theirs_parameters = dict(theirs.named_parameters())
    for parameter_name, parameter in ours.named_parameters():
        assert_close(parameter.grad, theirs_parameters[parameter_name].grad)


def masks(torch, batch_first, kind, length, sources, rng):
    """(ours, theirs) mask pairs: an attention mask (length, sources) and a key padding mask."""
    if kind == "causal":
        mask = np.triu(np.full((length, sources), -np.inf), 1)
    elif kind == "bool":
        mask = rng.random((length, sources)) < 0.3
        mask[:, 0] = False
    else:
        mask = rng.standard_normal((length, sources))
    padding = np.zeros((N, sources), dtype=bool)
    padding[0, -2:] = True
    if kind == "float":
        padding = np.where(padding, -np.inf, 0.0)
    return (tn.tensor(mask), torch.tensor(mask)), (tn.tensor(padding), torch.tensor(padding))


def layout(shape, batch_first):
    length, batch, features = shape
    return (batch, length, features) if batch_first else shape


LAYER_OPTIONS = [(norm_first, batch_first) for norm_first in (False, True)
                 for batch_first in (False, True)]


@pytest.mark.parametrize("norm_first,batch_first", LAYER_OPTIONS)
@pytest.mark.parametrize("activation", ["relu", "gelu", "callable"])
@pytest.mark.parametrize("mask_kind", ["causal", "bool", "float"])
def test_encoder_layer_matches_pytorch(torch, norm_first, batch_first, activation, mask_kind):
    if activation == "callable":
        ours, theirs = build_pair(torch, "TransformerEncoderLayer", norm_first=norm_first,
                                  batch_first=batch_first, activation=F.silu)
        theirs.activation = torch.nn.functional.silu
    else:
        ours, theirs = build_pair(torch, "TransformerEncoderLayer", norm_first=norm_first,
                                  batch_first=batch_first, activation=activation)
    rng = np.random.default_rng(2)
    (mask, torch_mask), (padding, torch_padding) = masks(torch, batch_first, mask_kind, S, S, rng)
    src = rng.standard_normal(layout((S, N, D), batch_first))
    compare(torch, ours, theirs, [src],
            {"src_mask": mask, "src_key_padding_mask": padding},
            {"src_mask": torch_mask, "src_key_padding_mask": torch_padding})


@pytest.mark.parametrize("norm_first,batch_first", LAYER_OPTIONS)
@pytest.mark.parametrize("mask_kind", ["causal", "bool", "float"])
def test_decoder_layer_matches_pytorch(torch, norm_first, batch_first, mask_kind):
    ours, theirs = build_pair(torch, "TransformerDecoderLayer", norm_first=norm_first,
                              batch_first=batch_first, activation="gelu")
    rng = np.random.default_rng(3)
    (tgt_mask, torch_tgt_mask), (tgt_padding, torch_tgt_padding) = masks(
        torch, batch_first, mask_kind, T, T, rng)
    (memory_mask, torch_memory_mask), (memory_padding, torch_memory_padding) = masks(
        torch, batch_first, "bool" if mask_kind == "causal" else mask_kind, T, S, rng)
    arrays = [rng.standard_normal(layout((T, N, D), batch_first)),
              rng.standard_normal(layout((S, N, D), batch_first))]
    compare(torch, ours, theirs, arrays,
            {"tgt_mask": tgt_mask, "memory_mask": memory_mask,
             "tgt_key_padding_mask": tgt_padding, "memory_key_padding_mask": memory_padding,
             "tgt_is_causal": mask_kind == "causal"},
            {"tgt_mask": torch_tgt_mask, "memory_mask": torch_memory_mask,
             "tgt_key_padding_mask": torch_tgt_padding,
             "memory_key_padding_mask": torch_memory_padding,
             "tgt_is_causal": mask_kind == "causal"})


@pytest.mark.parametrize("to_torch", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
def test_stacks_and_the_transformer_match_pytorch_with_state_dicts_either_way(torch, to_torch,
                                                                               norm_first):
    rng = np.random.default_rng(4)
    src, tgt = rng.standard_normal((S, N, D)), rng.standard_normal((T, N, D))
    causal = nn.Transformer.generate_square_subsequent_mask(T, dtype=tn.float64)
    torch_causal = torch.nn.Transformer.generate_square_subsequent_mask(T, dtype=torch.float64)
    padding = np.zeros((N, S), dtype=bool)
    padding[1, -1] = True
    ours, theirs = build_pair(torch, "TransformerEncoder", to_torch, norm_first=norm_first)
    compare(torch, ours, theirs, [src], {"src_key_padding_mask": tn.tensor(padding)},
            {"src_key_padding_mask": torch.tensor(padding)})
    ours, theirs = build_pair(torch, "TransformerDecoder", to_torch, norm_first=norm_first)
    compare(torch, ours, theirs, [tgt, src],
            {"tgt_mask": causal, "memory_key_padding_mask": tn.tensor(padding)},
            {"tgt_mask": torch_causal, "memory_key_padding_mask": torch.tensor(padding)})
    ours, theirs = build_pair(torch, "Transformer", to_torch, norm_first=norm_first)
    compare(torch, ours, theirs, [src, tgt],
            {"tgt_mask": causal, "src_key_padding_mask": tn.tensor(padding),
             "memory_key_padding_mask": tn.tensor(padding), "tgt_is_causal": True},
            {"tgt_mask": torch_causal, "src_key_padding_mask": torch.tensor(padding),
             "memory_key_padding_mask": torch.tensor(padding), "tgt_is_causal": True})


def test_unbatched_inputs_match_pytorch(torch):
    rng = np.random.default_rng(5)
    ours, theirs = build_pair(torch, "Transformer", batch_first=True)
    compare(torch, ours, theirs, [rng.standard_normal((S, D)), rng.standard_normal((T, D))],
            {}, {})


@pytest.mark.parametrize("name", CLASSES)
def test_signatures_are_pytorchs(torch, name):
    for method in ("__init__", "forward"):
        ours = inspect.signature(getattr(getattr(nn, name), method)).parameters
        theirs = inspect.signature(getattr(getattr(torch.nn, name), method)).parameters
        assert list(ours) == list(theirs)
        for parameter_name, parameter in theirs.items():
            default = parameter.default
            if callable(default) and getattr(default, "__name__", None) == "relu":
                assert ours[parameter_name].default is F.relu
            else:
                assert ours[parameter_name].default == default, parameter_name


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("name", CLASSES)
def test_state_dict_keys_and_shapes_are_pytorchs(torch, name, bias):
    def make(library):
        if name in ("TransformerEncoder", "TransformerDecoder"):
            layer = getattr(library.nn, name + "Layer")(D, HEADS, FF, bias=bias)
            return getattr(library.nn, name)(layer, 2, norm=library.nn.LayerNorm(D, bias=bias))
        if name == "Transformer":
            return library.nn.Transformer(D, HEADS, 1, 2, FF, bias=bias)
        return getattr(library.nn, name)(D, HEADS, FF, bias=bias)

    ours, theirs = make(tn), make(torch)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in theirs.state_dict().items()]


def test_generate_square_subsequent_mask_is_pytorchs(torch):
    ours = nn.Transformer.generate_square_subsequent_mask(4)
    theirs = torch.nn.Transformer.generate_square_subsequent_mask(4)
    assert ours.dtype == tn.float32
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert nn.Transformer.generate_square_subsequent_mask(2, dtype=tn.float64).dtype == tn.float64


def test_eval_mode_drops_nothing_and_matches_pytorch_while_training_drops(torch):
    torch.manual_seed(6)
    theirs = torch.nn.TransformerEncoderLayer(D, HEADS, FF).double()  # dropout 0.1
    ours = copy_state(theirs, nn.TransformerEncoderLayer(D, HEADS, FF).double(), tn)
    src = np.random.default_rng(7).standard_normal((S, N, D))
    ours.eval()
    theirs.eval()
    with tn.no_grad():
        evaluated = ours(tn.tensor(src))
    assert_close(evaluated, theirs(torch.tensor(src)))
    ours.train()
    with tn.no_grad():
        tn.manual_seed(1)
        trained = ours(tn.tensor(src)).numpy()
        tn.manual_seed(1)
        again = ours(tn.tensor(src)).numpy()
    np.testing.assert_array_equal(trained, again)
    assert not np.allclose(trained, evaluated.numpy())


# Without PyTorch -----------------------------------------------------------------------------

def test_post_norm_output_is_normalized_per_position_and_shapes_follow_batch_first():
    layer = nn.TransformerEncoderLayer(D, HEADS, FF, dropout=0.0, batch_first=True).double()
    out = layer(tn.tensor(np.random.default_rng(8).standard_normal((N, S, D))))
    assert out.shape == (N, S, D)
    values = out.detach().numpy()
    np.testing.assert_allclose(values.mean(-1), 0.0, atol=1e-12)
    np.testing.assert_allclose(values.var(-1), 1.0, atol=1e-3)  # (σ² / (σ² + eps))
    model = nn.Transformer(D, HEADS, 1, 1, FF, dropout=0.0)
    assert model(tn.randn(S, N, D), tn.randn(T, N, D)).shape == (T, N, D)


def test_a_causal_mask_keeps_later_positions_from_changing_earlier_outputs():
    layer = nn.TransformerEncoderLayer(D, HEADS, FF, dropout=0.0, norm_first=True).double()
    src = np.random.default_rng(9).standard_normal((S, 1, D))
    changed = src.copy()
    changed[-1] += 5.0
    mask = nn.Transformer.generate_square_subsequent_mask(S, dtype=tn.float64)
    with tn.no_grad():
        first = layer(tn.tensor(src), src_mask=mask, is_causal=True).numpy()
        second = layer(tn.tensor(changed), src_mask=mask, is_causal=True).numpy()
    np.testing.assert_allclose(first[:-1], second[:-1], atol=1e-12)
    assert not np.allclose(first[-1], second[-1])


def test_transformer_parameters_of_two_dims_start_xavier_uniform():
    model = nn.Transformer(D, HEADS, 1, 1, FF)
    weight = model.encoder.layers[0].linear1.weight.detach().numpy()  # (FF, D)
    bound = np.sqrt(6 / (FF + D))
    assert np.abs(weight).max() <= bound and np.abs(weight).max() > 0.8 * bound


def test_stacks_copy_the_layer_into_independent_parameters():
    layer = nn.TransformerEncoderLayer(D, HEADS, FF)
    encoder = nn.TransformerEncoder(layer, 3, enable_nested_tensor=False)
    assert len(encoder.layers) == 3
    first, second = encoder.layers[0].linear1.weight, encoder.layers[1].linear1.weight
    assert first is not second
    np.testing.assert_array_equal(first.detach().numpy(), second.detach().numpy())


def test_errors_name_the_problem():
    with pytest.raises(ArgumentError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(D, HEADS, activation="tanh")
    with pytest.raises(ValueError, match="divisible by num_heads"):
        nn.TransformerDecoderLayer(10, 3)
    model = nn.Transformer(D, HEADS, 1, 1, FF)
    with pytest.raises(ShapeError, match="batch number of src and tgt must be equal"):
        model(tn.randn(S, N, D), tn.randn(T, N + 1, D))
    with pytest.raises(ShapeError, match="must be equal to d_model"):
        model(tn.randn(S, N, D + 1), tn.randn(T, N, D))
    layer = nn.TransformerEncoderLayer(D, HEADS, FF)
    with pytest.raises(ShapeError, match="2D attn_mask"):
        layer(tn.randn(S, N, D), src_mask=tn.zeros(S + 1, S + 1))
    with pytest.raises(ValueError, match="is_causal=True needs attn_mask"):
        layer(tn.randn(S, N, D), is_causal=True)
