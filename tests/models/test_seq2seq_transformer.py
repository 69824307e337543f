"""The Transformer encoder-decoder (tinynet.models.Seq2SeqTransformer): shapes, the source
padding mask, causality, the per-head attention maps, decoding, and bad input."""

import numpy as np
import pytest

import tinynet as tn
from tinynet.errors import ArgumentError, ShapeError
from tinynet.models import Seq2SeqTransformer, beam_search, greedy_decode

SRC_V, TGT_V, BOS, EOS, PAD = 12, 9, 2, 3, 0


def batch(seed=0, lengths=(5, 2, 4), steps=6):
    rng = np.random.default_rng(seed)
    src = rng.integers(4, SRC_V, (len(lengths), max(lengths)))
    for row, length in enumerate(lengths):
        src[row, length:] = PAD
    tgt_in = rng.integers(4, TGT_V, (len(lengths), steps))
    tgt_in[:, 0] = BOS
    return tn.tensor(src), tn.tensor(list(lengths)), tn.tensor(tgt_in)


def model(seed=0, **kwargs):
    tn.manual_seed(seed)
    options = {"d_model": 16, "nhead": 4, "num_encoder_layers": 2, "num_decoder_layers": 2,
               "dim_feedforward": 32, "dropout": 0.0, **kwargs}
    return Seq2SeqTransformer(SRC_V, TGT_V, **options).eval()


@pytest.mark.parametrize("norm_first", [False, True])
def test_shapes(norm_first):
    src, lengths, tgt_in = batch()
    out = model(norm_first=norm_first)(src, lengths, tgt_in)
    assert out.logits.shape == (3, 6, TGT_V) and out.hiddens.shape == (3, 6, 16)
    maps = model(norm_first=norm_first).cross_attention(src, lengths, tgt_in)
    assert maps.shape == (3, 4, 6, 5)


def test_padded_source_positions_get_zero_attention_and_change_nothing():
    src, lengths, tgt_in = batch()
    m = model()
    maps = m.cross_attention(src, lengths, tgt_in).detach().numpy()
    assert (maps[1, :, :, 2:] == 0).all() and (maps[2, :, :, 4:] == 0).all()
    assert (maps[0] > 0).all()
    np.testing.assert_allclose(maps.sum(-1), 1, rtol=1e-5)
    changed = src.numpy().copy()
    changed[1, 2:] = 7
    changed[2, 4:] = 11
    a = m(src, lengths, tgt_in).logits.detach().numpy()
    b = m(tn.tensor(changed), lengths, tgt_in).logits.detach().numpy()
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # a longer padding than needed changes nothing either
    wider = tn.tensor(np.concatenate([src.numpy(), np.full((3, 3), 5)], axis=1))
    c = m(wider, lengths, tgt_in).logits.detach().numpy()
    np.testing.assert_allclose(a, c, rtol=1e-5, atol=1e-6)


def test_target_padding_mask_leaves_real_positions_unchanged():
    src, lengths, tgt_in = batch()
    m = model()
    a = m(src, lengths, tgt_in).logits.detach().numpy()
    b = m(src, lengths, tgt_in, tn.tensor([6, 3, 4])).logits.detach().numpy()
    np.testing.assert_allclose(a[0], b[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(a[1, :3], b[1, :3], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(a[2, :4], b[2, :4], rtol=1e-5, atol=1e-6)


def test_causality_later_target_tokens_do_not_change_earlier_outputs():
    src, lengths, tgt_in = batch()
    m = model()
    a = m(src, lengths, tgt_in).logits.detach().numpy()
    changed = tgt_in.numpy().copy()
    changed[:, 4] = (changed[:, 4] + 1 - 4) % (TGT_V - 4) + 4
    b = m(src, lengths, tn.tensor(changed)).logits.detach().numpy()
    np.testing.assert_allclose(a[:, :4], b[:, :4], rtol=1e-5, atol=1e-6)
    assert np.abs(a[:, 4:] - b[:, 4:]).max() > 1e-4


def test_causality_through_gradients():
    src, lengths, tgt_in = batch()
    m = model()
    m.zero_grad()
    embedded = []

    def keep(module, args, output):
        output.retain_grad()
        embedded.append(output)

    handle = m.tgt_embedding.register_forward_hook(keep)
    m(src, lengths, tgt_in).logits[:, 2].sum().backward()
    handle.remove()
    grad = embedded[0].grad.numpy()
    assert (grad[:, 3:] == 0).all() and np.abs(grad[:, :3]).max() > 0


def test_decode_step_matches_forward():
    src, lengths, tgt_in = batch()
    m = model()
    full = m(src, lengths, tgt_in).logits.detach().numpy()
    memory, state, mask = m.encode(src, lengths)
    for t in range(tgt_in.shape[1]):
        logits, state, _, attn = m.decode_step(tgt_in[:, t], state, memory, mask)
        np.testing.assert_allclose(logits.detach().numpy(), full[:, t], rtol=1e-4, atol=1e-5)
        assert attn.shape == (3, 5) and state.shape == (t + 1, 3)


def test_greedy_decode_stops_at_eos_and_beam_width_1_is_greedy():
    src, lengths, _ = batch()
    m = model()
    with tn.no_grad():  # make EOS the most likely token at every step
        m.output.bias.copy_(tn.tensor(np.where(np.arange(TGT_V) == EOS, 50.0, 0.0)))
    tokens, attentions = greedy_decode(m, src, lengths, 10, BOS, EOS, pad_index=PAD)
    assert tokens.shape == (3, 1) and (tokens.numpy() == EOS).all()
    assert attentions.shape == (3, 1, 5)
    m = model(seed=3)
    greedy, _ = greedy_decode(m, src, lengths, 7, BOS, EOS, pad_index=PAD)
    beam, _ = beam_search(m, src, lengths, 1, 7, BOS, EOS, pad_index=PAD)
    np.testing.assert_array_equal(greedy.numpy(), beam.numpy())


def test_tied_output_shares_the_target_embedding():
    m = model(tie_weights=True)
    assert m.output.weight is m.tgt_embedding.weight
    names = [name for name, _ in m.named_parameters()]
    assert "output.weight" not in names and "tgt_embedding.weight" in names
    src, lengths, tgt_in = batch()
    m(src, lengths, tgt_in).logits.sum().backward()
    assert m.tgt_embedding.weight.grad is not None


def test_learns_to_copy():
    rng = np.random.default_rng(0)
    m = model(seed=1)
    m.train()
    optimizer = tn.optim.Adam(m.parameters(), lr=3e-3)
    loss_fn = tn.nn.CrossEntropyLoss()
    for _ in range(150):
        src = rng.integers(4, TGT_V, (16, 4))
        tgt_in = np.concatenate([np.full((16, 1), BOS), src], axis=1)
        tgt_out = np.concatenate([src, np.full((16, 1), EOS)], axis=1)
        logits = m(tn.tensor(src), tn.tensor([4] * 16), tn.tensor(tgt_in)).logits
        loss = loss_fn(logits.reshape(-1, TGT_V), tn.tensor(tgt_out).reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.2  # chance: ln 5 = 1.6


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"d_model": 10, "nhead": 4}, ArgumentError, "divisible"),
    ({"dropout": 1.0}, ArgumentError, "dropout"),
    ({"nhead": 0}, ArgumentError, "nhead"),
])
def test_bad_construction(kwargs, error, match):
    with pytest.raises(error, match=match):
        model(**kwargs)


def test_bad_input():
    src, lengths, tgt_in = batch()
    m = model(max_len=8)
    with pytest.raises(ShapeError, match="int64"):
        m(src.float(), lengths, tgt_in)
    with pytest.raises(ShapeError, match="sequences"):
        m(src, lengths, tgt_in[:2])
    with pytest.raises(ShapeError, match="src_lengths"):
        m(src, lengths[:2], tgt_in)
    with pytest.raises(ArgumentError, match="src_lengths must be in 1..5"):
        m(src, tn.tensor([5, 0, 4]), tgt_in)
    with pytest.raises(ArgumentError, match="max_len"):
        m(src, lengths, tn.tensor(np.full((3, 9), BOS)))
    memory, state, mask = m.encode(src, lengths)
    with pytest.raises(ShapeError, match="prev_tokens"):
        m.decode_step(tn.tensor([BOS, BOS]), state, memory, mask)
