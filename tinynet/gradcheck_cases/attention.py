"""Cases of attention: F.scaled_dot_product_attention with every kind of mask, the fused softmax
and layer norm called directly, and nn.MultiheadAttention and the Transformer layers with every
parameter differentiated. Sizes are small (a few positions, two heads) so the checks stay fast."""

from __future__ import annotations

import numpy as np

import tinynet as tn
from tinynet import nn
from tinynet.gradcheck_cases import draw as d
from tinynet.gradcheck_cases.case import Case
from tinynet.nn import functional as F
from tinynet.ops.attention import AttentionSoftmax, LayerNorm


def sdpa_inputs(batch=(2,), length=3, source=4, features=2, value_features=3):
    def draw(rng):
        return (d.array(rng, batch + (length, features), -1.0, 1.0),
                d.array(rng, batch + (source, features), -1.0, 1.0),
                d.array(rng, batch + (source, value_features), -1.0, 1.0)), {}
    return draw


def sdpa_masked_inputs(rng):
    """query, key, value (2, 3, 2), (2, 4, 2), (2, 4, 3) and a boolean mask (3, 4) whose row 1
    allows nothing (that query's output is 0) and whose other rows allow at least one key."""
    arrays, _ = sdpa_inputs()(rng)
    mask = rng.random((3, 4)) < 0.6
    mask[:, 0] = True
    mask[1] = False
    return arrays, {"mask": mask}


def sdpa_float_mask_inputs(rng):
    """query, key, value and a float mask (2, 3, 4) that is differentiated too."""
    arrays, _ = sdpa_inputs()(rng)
    return arrays + (d.array(rng, (2, 3, 4), -1.0, 1.0),), {}


def softmax_inputs(rng):
    """scores (2, 3, 4) and a constant bias (3, 4): −inf in some places, one row all −inf."""
    bias = np.where(rng.random((3, 4)) < 0.4, -np.inf, rng.uniform(-1, 1, (3, 4)))
    bias[:, 1] = 0.5
    bias[2] = -np.inf
    return (d.array(rng, (2, 3, 4), -2.0, 2.0),), {"bias": bias}


def layer_norm_inputs(rng):
    """x (2, 3, 4) with distinct values (σ far from 0), γ and β (3, 4): two normalized dims."""
    return (d.distinct(rng, (2, 3, 4)), d.array(rng, (3, 4), -1.0, 1.0),
            d.array(rng, (3, 4), -1.0, 1.0)), {}


def module_case(name, build, input_shapes, call=None, training=False) -> Case:
    """A case for the module ``build()`` (float64) called on inputs of ``input_shapes`` (by
    ``call(module, *inputs)``, default ``module(*inputs)``): the inputs and every parameter,
    nested ones included, uniform in [-1, 1), differentiated; the parameters take the place of
    the module's own for the call. Tuple outputs are flattened (None dropped)."""
    built = []

    def module():
        if not built:
            built.append(build().double().train(training))
        return built[0]

    def draw(rng):
        arrays = tuple(d.array(rng, shape, -1.0, 1.0) for shape in input_shapes)
        return arrays + tuple(d.array(rng, p.shape, -1.0, 1.0)
                              for p in module().parameters()), {}

    def run(*tensors):
        root = module()
        inputs, parameters = tensors[:len(input_shapes)], tensors[len(input_shapes):]
        for (dotted, _), value in zip(list(root.named_parameters()), parameters):
            *path, leaf = dotted.split(".")
            owner = root
            for part in path:
                owner = getattr(owner, part)
            owner._parameters[leaf] = value
            object.__setattr__(owner, leaf, value)
        result = call(root, *inputs) if call else root(*inputs)
        items = result if isinstance(result, tuple) else (result,)
        return tuple(item for item in items if item is not None)

    return Case(name, run, draw)


def _padding_mask():
    mask = np.zeros((2, 3), dtype=bool)
    mask[0, 2] = True
    return tn.tensor(mask)


ATTENTION_CASES = [
    Case("scaled_dot_product_attention", F.scaled_dot_product_attention, sdpa_inputs()),
    Case("scaled_dot_product_attention_unbatched_scale",
         lambda q, k, v: F.scaled_dot_product_attention(q, k, v, scale=0.7),
         sdpa_inputs(batch=())),
    Case("scaled_dot_product_attention_bool_mask",
         lambda q, k, v, mask: F.scaled_dot_product_attention(q, k, v, tn.tensor(mask)),
         sdpa_masked_inputs),
    Case("scaled_dot_product_attention_float_mask", F.scaled_dot_product_attention,
         sdpa_float_mask_inputs),
    Case("scaled_dot_product_attention_causal_heads",
         lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
         sdpa_inputs(batch=(1, 2), length=3, source=3)),
    Case("attention_softmax", lambda x, bias: AttentionSoftmax.apply(x, bias), softmax_inputs),
    Case("layer_norm_fused_two_dims",
         lambda x, w, b: LayerNorm.apply(x, w, b, count=2, eps=1e-5), layer_norm_inputs),
    module_case("MultiheadAttention_self", lambda: nn.MultiheadAttention(4, 2), [(3, 2, 4)],
                call=lambda m, x: m(x, x, x, key_padding_mask=_padding_mask())),
    module_case("MultiheadAttention_kdim_vdim_bias_kv_zero_attn",
                lambda: nn.MultiheadAttention(4, 2, add_bias_kv=True, add_zero_attn=True,
                                              kdim=3, vdim=2, batch_first=True),
                [(2, 2, 4), (2, 3, 3), (2, 3, 2)],
                call=lambda m, q, k, v: m(q, k, v, average_attn_weights=False)),
    module_case("TransformerEncoderLayer_norm_first",
                lambda: nn.TransformerEncoderLayer(4, 2, 3, dropout=0.0, norm_first=True,
                                                   activation="gelu"), [(3, 1, 4)],
                call=lambda m, x: m(x, src_mask=nn.Transformer.generate_square_subsequent_mask(
                    3, dtype=tn.float64), is_causal=True)),
    module_case("TransformerDecoderLayer_no_bias",
                lambda: nn.TransformerDecoderLayer(2, 1, 2, dropout=0.0, batch_first=True,
                                                   activation="gelu", bias=False),
                [(2, 2, 2), (2, 3, 2)],
                call=lambda m, tgt, memory: m(tgt, memory, memory_key_padding_mask=_padding_mask())),
]
