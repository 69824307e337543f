"""The encoder-decoder (tinynet.models.Seq2Seq), its attention modules (nn.BahdanauAttention,
nn.LuongAttention) and its decoders (greedy_decode, beam_search): shapes, masking of padded
source positions, the attention formulas, gradients, the input policy, and the search."""

from typing import ClassVar

import numpy as np
import pytest

import tinynet as tn
from tinynet import nn
from tinynet.autograd import gradcheck
from tinynet.errors import ArgumentError, ShapeError
from tinynet.models import Seq2Seq, Seq2SeqOutput, beam_search, greedy_decode
from tinynet.models.seq2seq_search import length_normalizer

SRC_V, TGT_V, BOS, EOS, PAD = 12, 9, 2, 3, 0
CONFIGS = [("gru", None), ("gru", "bahdanau"), ("gru", "dot"), ("gru", "general"),
           ("lstm", None), ("lstm", "bahdanau"), ("lstm", "dot"), ("lstm", "general")]


def batch(seed=0, lengths=(5, 2, 4), steps=6):
    rng = np.random.default_rng(seed)
    src = rng.integers(4, SRC_V, (len(lengths), max(lengths)))
    for row, length in enumerate(lengths):
        src[row, length:] = PAD
    tgt_in = rng.integers(4, TGT_V, (len(lengths), steps))
    tgt_in[:, 0] = BOS
    return tn.tensor(src), tn.tensor(list(lengths)), tn.tensor(tgt_in)


def model(cell="gru", attention="bahdanau", seed=0, **kwargs):
    tn.manual_seed(seed)
    return Seq2Seq(SRC_V, TGT_V, embed_dim=8, hidden_size=10, cell=cell, attention=attention,
                   **kwargs)


def mask_of(lengths, steps):
    return tn.tensor(np.arange(steps)[None, :] < np.array(lengths)[:, None])


# --- attention modules --------------------------------------------------------------------------


@pytest.mark.parametrize("make", [lambda: nn.BahdanauAttention(4, 6, 5),
                                  lambda: nn.LuongAttention(4, 6, method="general"),
                                  lambda: nn.LuongAttention(6, method="dot")])
def test_attention_weights_are_zero_on_padding_and_rows_sum_to_one(make):
    tn.manual_seed(0)
    attention = make()
    query = tn.randn(3, attention.query_size)
    keys = tn.randn(3, 5, attention.key_size)
    context, weights = attention(query, keys, mask_of([5, 2, 3], 5))
    w = weights.detach().numpy()
    assert context.shape == (3, attention.key_size) and weights.shape == (3, 5)
    assert (w[1, 2:] == 0).all() and (w[2, 3:] == 0).all() and (w[:, :2] > 0).all()
    np.testing.assert_allclose(w.sum(1), 1, rtol=1e-6)
    np.testing.assert_allclose(context.detach().numpy(),
                               np.einsum("ns,nsk->nk", w, keys.numpy()), rtol=1e-5, atol=1e-6)
    # changing the keys at padded positions changes nothing
    changed = keys.detach().numpy().copy()
    changed[1, 2:] += 100
    context2, weights2 = attention(query, tn.tensor(changed), mask_of([5, 2, 3], 5))
    np.testing.assert_allclose(context2.detach().numpy()[1], context.detach().numpy()[1], rtol=1e-5)
    np.testing.assert_array_equal(weights2.detach().numpy()[1], w[1])


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_bahdanau_scores_are_v_tanh_wq_q_plus_wk_k():
    tn.manual_seed(1)
    attention = nn.BahdanauAttention(4, 6, 5).double()
    q, k = np.random.default_rng(0).standard_normal((2, 4)), \
        np.random.default_rng(1).standard_normal((2, 3, 6))
    wq = attention.query_layer.weight.detach().numpy()
    wk = attention.key_layer.weight.detach().numpy()
    b, v = attention.key_layer.bias.detach().numpy(), attention.energy.weight.detach().numpy()[0]
    scores = np.tanh((q @ wq.T)[:, None, :] + k @ wk.T + b) @ v
    _, weights = attention(tn.tensor(q), tn.tensor(k))
    np.testing.assert_allclose(weights.detach().numpy(), softmax(scores), rtol=1e-10)


@pytest.mark.parametrize("method", ["dot", "general"])
def test_luong_scores_are_q_k_and_q_w_k(method):
    tn.manual_seed(2)
    attention = nn.LuongAttention(4, method=method).double()
    q, k = np.random.default_rng(0).standard_normal((2, 4)), \
        np.random.default_rng(1).standard_normal((2, 3, 4))
    w = attention.weight.weight.detach().numpy() if method == "general" else np.eye(4)
    scores = np.einsum("nq,qk,nsk->ns", q, w, k)
    _, weights = attention(tn.tensor(q), tn.tensor(k))
    np.testing.assert_allclose(weights.detach().numpy(), softmax(scores), rtol=1e-10)
    assert (method == "dot") == (len(list(attention.parameters())) == 0)


@pytest.mark.parametrize("make", [lambda: nn.BahdanauAttention(3, 4, 5),
                                  lambda: nn.LuongAttention(3, 4, method="general"),
                                  lambda: nn.LuongAttention(4, method="dot")])
@pytest.mark.parametrize("output", [0, 1])
def test_attention_gradcheck_in_float64(make, output):
    tn.manual_seed(3)
    attention = make().double()
    rng = np.random.default_rng(4)
    query = tn.tensor(rng.standard_normal((2, attention.query_size)), requires_grad=True)
    keys = tn.tensor(rng.standard_normal((2, 4, attention.key_size)), requires_grad=True)
    mask = mask_of([4, 2], 4)
    assert gradcheck(lambda q, k: attention(q, k, mask)[output], (query, keys))


@pytest.mark.torch
def test_bahdanau_matches_torch_in_value_and_gradient():
    torch = pytest.importorskip("torch")
    tn.manual_seed(5)
    attention = nn.BahdanauAttention(3, 4, 5).double()
    rng = np.random.default_rng(6)
    q, k = rng.standard_normal((2, 3)), rng.standard_normal((2, 4, 4))
    mask = np.array([[True] * 4, [True, True, False, False]])
    context, weights = attention(tn.tensor(q), tn.tensor(k), tn.tensor(mask))
    (context.sum() + (weights * weights).sum()).backward()
    p = {name: torch.tensor(value.detach().numpy(), requires_grad=True)
         for name, value in attention.named_parameters()}
    scores = torch.tanh((torch.tensor(q) @ p["query_layer.weight"].T)[:, None]
                        + torch.tensor(k) @ p["key_layer.weight"].T + p["key_layer.bias"])
    scores = (scores @ p["energy.weight"].T).squeeze(2).masked_fill(~torch.tensor(mask),
                                                                    float("-inf"))
    w = torch.softmax(scores, dim=1)
    c = torch.bmm(w[:, None], torch.tensor(k))[:, 0]
    (c.sum() + (w * w).sum()).backward()
    np.testing.assert_allclose(context.detach().numpy(), c.detach().detach().numpy(), rtol=1e-12)
    for name, value in attention.named_parameters():
        np.testing.assert_allclose(value.grad.numpy(), p[name].grad.numpy(), rtol=1e-9,
                                   atol=1e-12)


def test_bahdanau_projected_keys_give_the_same_result():
    tn.manual_seed(7)
    attention = nn.BahdanauAttention(3, 4, 5)
    query, keys, mask = tn.randn(2, 3), tn.randn(2, 6, 4), mask_of([6, 3], 6)
    direct = attention(query, keys, mask)
    shared = attention(query, keys, mask, projected_keys=attention.project_keys(keys))
    for a, b in zip(direct, shared):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    with pytest.raises(ShapeError, match="projected_keys"):
        attention(query, keys, mask, projected_keys=keys)


def test_attention_refuses_bad_input():
    with pytest.raises(ArgumentError, match="method"):
        nn.LuongAttention(4, method="concat")
    with pytest.raises(ArgumentError, match="key_size == query_size"):
        nn.LuongAttention(4, 6, method="dot")
    with pytest.raises(ArgumentError, match="query_size"):
        nn.BahdanauAttention(0, 4)
    attention = nn.BahdanauAttention(3, 4)
    with pytest.raises(ShapeError, match="query"):
        attention(tn.randn(2, 5), tn.randn(2, 3, 4))
    with pytest.raises(ShapeError, match="keys"):
        attention(tn.randn(2, 3), tn.randn(3, 3, 4))
    with pytest.raises(ShapeError, match="mask"):
        attention(tn.randn(2, 3), tn.randn(2, 3, 4), mask_of([3, 2, 1], 3))
    with pytest.raises(ArgumentError, match="bool"):
        attention(tn.randn(2, 3), tn.randn(2, 3, 4), tn.ones(2, 3))
    with pytest.raises(ArgumentError, match="at least one True"):
        attention(tn.randn(2, 3), tn.randn(2, 3, 4), tn.tensor([[True] * 3, [False] * 3]))


# --- the model ----------------------------------------------------------------------------------


@pytest.mark.parametrize("cell, attention", CONFIGS)
def test_shapes_of_encode_decode_step_and_forward(cell, attention):
    net = model(cell, attention, num_layers=2)
    src, lengths, tgt_in = batch()
    enc_outputs, state, src_mask = net.encode(src, lengths)
    assert enc_outputs.shape == (3, 5, 10)
    np.testing.assert_array_equal(src_mask.detach().numpy(), mask_of([5, 2, 4], 5).detach().numpy())
    assert (enc_outputs.detach().numpy()[1, 2:] == 0).all()
    for h in (state if cell == "lstm" else (state,)):
        assert h.shape == (2, 3, 10)
    logits, state, hidden, attn = net.decode_step(tgt_in[:, 0], state, enc_outputs, src_mask)
    assert logits.shape == (3, TGT_V) and hidden.shape == (3, 10)
    assert (attn is None) == (attention is None)
    out = net(src, lengths, tgt_in)
    assert isinstance(out, Seq2SeqOutput)
    assert out.logits.shape == (3, 6, TGT_V) and out.hiddens.shape == (3, 6, 10)
    if attention is None:
        assert out.attentions is None
    else:
        w = out.attentions.detach().numpy()
        assert w.shape == (3, 6, 5)
        assert (w[1, :, 2:] == 0).all() and (w[2, :, 4:] == 0).all()
        np.testing.assert_allclose(w.sum(2), 1, rtol=1e-5)


@pytest.mark.parametrize("attention", [None, "general", "bahdanau"])
def test_bidirectional_encoder_doubles_the_outputs(attention):
    net = model("lstm", attention, bidirectional_encoder=True)
    src, lengths, tgt_in = batch()
    enc_outputs, (h, c), _ = net.encode(src, lengths)
    assert enc_outputs.shape == (3, 5, 20) and h.shape == (1, 3, 10) and c.shape == (1, 3, 10)
    assert net(src, lengths, tgt_in).logits.shape == (3, 6, TGT_V)


@pytest.mark.parametrize("cell, attention, kwargs", [
    ("gru", "bahdanau", {}), ("lstm", None, {}), ("lstm", "dot", {}),
    ("lstm", "general", {"bidirectional_encoder": True, "num_layers": 2}),
    ("gru", None, {"bidirectional_encoder": True})])
def test_a_sequence_gives_the_same_outputs_whatever_the_padding(cell, attention, kwargs):
    net = model(cell, attention, **kwargs)
    src, lengths, tgt_in = batch(lengths=(5, 2, 4))
    together = net(src, lengths, tgt_in).logits.detach().numpy()
    alone = net(src[1:2, :2], lengths[1:2], tgt_in[1:2]).logits.detach().numpy()
    np.testing.assert_allclose(together[1:2], alone, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cell, attention", [("gru", "bahdanau"), ("lstm", "general"),
                                             ("gru", None)])
def test_input_policy_returning_gold_equals_teacher_forcing(cell, attention):
    net = model(cell, attention)
    src, lengths, tgt_in = batch()
    forced = net(src, lengths, tgt_in)
    calls = []

    def gold(t, gold_tokens, prev_logits):
        calls.append((t, prev_logits.detach().numpy().copy()))
        return gold_tokens
    policy = net(src, lengths, tgt_in, input_policy=gold)
    np.testing.assert_array_equal(policy.logits.detach().numpy(), forced.logits.detach().numpy())
    np.testing.assert_array_equal(policy.hiddens.detach().numpy(), forced.hiddens.detach().numpy())
    assert [t for t, _ in calls] == list(range(1, 6))
    for t, prev in calls:
        np.testing.assert_array_equal(prev, forced.logits.detach().numpy()[:, t - 1])


@pytest.mark.parametrize("cell, attention", [("gru", "bahdanau"), ("lstm", None)])
def test_free_running_policy_reproduces_greedy_decoding(cell, attention):
    net = model(cell, attention).eval()
    src, lengths, tgt_in = batch()
    out = net(src, lengths, tgt_in, input_policy=lambda t, gold, prev: prev.argmax(1))
    tokens, attentions = greedy_decode(net, src, lengths, 6, BOS, EOS)
    free = out.logits.detach().numpy().argmax(2)
    for row in range(3):
        ends = np.flatnonzero(tokens.detach().numpy()[row] == EOS)
        stop = ends[0] + 1 if ends.size else 6
        np.testing.assert_array_equal(tokens.detach().numpy()[row, :stop], free[row, :stop])
        if attention:
            np.testing.assert_allclose(attentions.detach().numpy()[row, :stop],
                                       out.attentions.detach().numpy()[row, :stop], rtol=1e-5)


def test_hidden_states_carry_gradients_to_the_encoder():
    net = model("gru", "bahdanau")
    src, lengths, tgt_in = batch()
    net(src, lengths, tgt_in).hiddens.pow(2).sum().backward()
    for name in ("src_embedding.weight", "encoder.weight_hh_l0", "attention.key_layer.weight"):
        grad = dict(net.named_parameters())[name].grad
        assert grad is not None and np.abs(grad.detach().numpy()).sum() > 0, name
    assert dict(net.named_parameters())["output.weight"].grad is None


def test_model_refuses_bad_arguments_and_inputs():
    with pytest.raises(ArgumentError, match="attention must be one of"):
        model(attention="additive")
    with pytest.raises(ArgumentError, match="cell must be one of"):
        model(cell="rnn")
    with pytest.raises(ArgumentError, match="bidirectional"):
        model(attention="dot", bidirectional_encoder=True)
    with pytest.raises(ArgumentError, match="dropout"):
        model(dropout=1.0)
    net = model()
    src, lengths, tgt_in = batch()
    with pytest.raises(ShapeError, match="src must be an int64"):
        net(src[0], lengths, tgt_in)
    with pytest.raises(ShapeError, match="src_lengths"):
        net(src, lengths[:2], tgt_in)
    with pytest.raises(ArgumentError, match="src_lengths must be in 1..5"):
        net(src, tn.tensor([6, 2, 4]), tgt_in)
    with pytest.raises(ArgumentError, match="src_lengths must be in 1..5"):
        net(src, tn.tensor([0, 2, 4]), tgt_in)
    with pytest.raises(ShapeError, match="tgt_in"):
        net(src, lengths, tgt_in[:2])
    with pytest.raises(ShapeError, match="input_policy must return"):
        net(src, lengths, tgt_in, input_policy=lambda t, gold, prev: gold[:2])
    enc_outputs, state, src_mask = net.encode(src, lengths)
    with pytest.raises(ShapeError, match="prev_tokens"):
        net.decode_step(tgt_in[:, :2], state, enc_outputs, src_mask)


# --- decoding -----------------------------------------------------------------------------------


def sequence_log_prob(net, src, lengths, tokens):
    """log p(tokens | src) under teacher forcing, each row up to and including its first EOS,
    and the number of tokens counted."""
    tgt_in = np.concatenate([np.full((tokens.shape[0], 1), BOS), tokens[:, :-1]], axis=1)
    with tn.no_grad():
        logits = net.eval()(src, lengths, tn.tensor(tgt_in)).logits.detach().numpy()
    logits = logits.astype(np.float64)
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    totals, counts = [], []
    for row in range(tokens.shape[0]):
        ends = np.flatnonzero(tokens[row] == EOS)
        stop = ends[0] + 1 if ends.size else tokens.shape[1]
        totals.append(log_probs[row, np.arange(stop), tokens[row, :stop]].sum())
        counts.append(stop)
    return np.array(totals), np.array(counts)


@pytest.mark.parametrize("cell, attention", CONFIGS)
def test_beam_search_with_width_one_is_greedy_decoding(cell, attention):
    net = model(cell, attention, seed=7, num_layers=2)
    src, lengths, _ = batch(seed=3, lengths=(5, 1, 4, 3))
    for max_length in (1, 4, 12):
        greedy, _ = greedy_decode(net, src, lengths, max_length, BOS, EOS)
        beam, _ = beam_search(net, src, lengths, 1, max_length, BOS, EOS)
        np.testing.assert_array_equal(beam.numpy(), greedy.numpy())


def test_greedy_decoding_stops_at_eos_and_pads_after_it():
    net = model("gru", "bahdanau", seed=1)
    with tn.no_grad():                        # make EOS likely: every row ends early
        net.output.bias.data[EOS] += 2.5
    src, lengths, _ = batch(seed=2, lengths=(5, 2, 4, 3, 1))
    tokens, attentions = greedy_decode(net, src, lengths, 30, BOS, EOS, pad_index=PAD)
    t = tokens.numpy()
    assert t.dtype == np.int64 and t.shape[1] < 30 and attentions.shape == (5, t.shape[1], 5)
    for row in t:
        end = np.flatnonzero(row == EOS)[0]
        assert (row[end + 1:] == PAD).all() and (row[:end] != PAD).all()
    assert (t[:, -1] == EOS).any()            # the batch stops when the last row ends
    assert not tokens.requires_grad and not attentions.requires_grad


def test_decoding_restores_training_mode_and_honours_max_length():
    net = model("lstm", None, dropout=0.3)
    src, lengths, _ = batch()
    with tn.no_grad():
        net.output.bias.data[EOS] -= 100      # never ends
    tokens, attentions = greedy_decode(net, src, lengths, 7, BOS, EOS)
    assert tokens.shape == (3, 7) and attentions is None and net.training
    tokens, scores = beam_search(net, src, lengths, 3, 7, BOS, EOS)
    assert tokens.shape == (3, 7) and scores.shape == (3,) and net.training


@pytest.mark.parametrize("normalization, alpha", [("power", 0.0), ("power", 1.0),
                                                  ("gnmt", 0.6)])
def test_beam_search_score_is_the_normalised_log_probability_of_its_output(normalization,
                                                                          alpha):
    net = model("gru", "general", seed=4)
    src, lengths, _ = batch(seed=5)
    tokens, scores = beam_search(net, src, lengths, 4, 8, BOS, EOS, alpha,
                                 normalization=normalization)
    log_probs, counts = sequence_log_prob(net, src, lengths, tokens.numpy())
    expected = log_probs / length_normalizer(counts, alpha, normalization)
    np.testing.assert_allclose(scores.numpy(), expected, rtol=1e-4)


def test_length_normalizers():
    np.testing.assert_allclose(length_normalizer([1, 4], 0.5), [1.0, 2.0])
    np.testing.assert_allclose(length_normalizer([1, 7], 1.0, "gnmt"), [1.0, 2.0])
    np.testing.assert_allclose(length_normalizer([3, 9], 0.0, "gnmt"), [1.0, 1.0])


class Scripted(nn.Module):
    """A decoder with fixed next-token probabilities: from the start, A (0.6) or B (0.4); after
    A, EOS (0.3) or any of four others (0.175 each); after B, EOS (0.99). Greedy takes A then
    EOS (p = 0.18); beam search finds B then EOS (p = 0.396)."""

    A, B = 4, 5
    TABLE: ClassVar[dict] = {0: {A: 0.6, B: 0.4},
                             1: {EOS: 0.3, 5: 0.175, 6: 0.175, 7: 0.175, 8: 0.175},
                             2: {EOS: 0.99, 6: 0.01}, 3: {EOS: 1.0}}

    def encode(self, src, src_lengths):
        batch = src.shape[0]
        return tn.zeros(batch, 1, 1), tn.zeros(1, batch, 1), tn.ones(batch, 1, dtype=tn.bool)

    def decode_step(self, prev_tokens, state, enc_outputs, src_mask):
        nodes = state.numpy()[0, :, 0].astype(int)
        tokens = prev_tokens.numpy()
        nodes = np.where(nodes > 0, 3, np.where(tokens == self.A, 1,
                                                np.where(tokens == self.B, 2, 0)))
        logits = np.full((len(nodes), TGT_V), -1e9)
        for row, node in enumerate(nodes):
            for token, p in self.TABLE[node].items():
                logits[row, token] = np.log(p)
        state = tn.tensor(nodes[None, :, None].astype(np.float64))
        return tn.tensor(logits), state, tn.zeros(len(nodes), 1), None


def test_beam_search_finds_a_more_likely_sequence_than_greedy():
    src, lengths = tn.tensor([[5, 6], [7, 0]]), tn.tensor([2, 1])
    greedy, _ = greedy_decode(Scripted(), src, lengths, 5, BOS, EOS)
    beam, scores = beam_search(Scripted(), src, lengths, 2, 5, BOS, EOS, length_penalty=0.0)
    np.testing.assert_array_equal(greedy.numpy(), [[Scripted.A, EOS]] * 2)
    np.testing.assert_array_equal(beam.numpy(), [[Scripted.B, EOS]] * 2)
    np.testing.assert_allclose(scores.numpy(), np.log(0.4 * 0.99), rtol=1e-9)
    assert scores.numpy()[0] > np.log(0.6 * 0.3)


def test_decoders_refuse_bad_arguments():
    net = model()
    src, lengths, _ = batch()
    with pytest.raises(ArgumentError, match="beam_width must be an integer of at least 1"):
        beam_search(net, src, lengths, 0, 5, BOS, EOS)
    with pytest.raises(ArgumentError, match="max_length"):
        beam_search(net, src, lengths, 2, 0, BOS, EOS)
    with pytest.raises(ArgumentError, match="max_length"):
        greedy_decode(net, src, lengths, 0, BOS, EOS)
    with pytest.raises(ArgumentError, match="normalization"):
        beam_search(net, src, lengths, 2, 5, BOS, EOS, normalization="average")
    with pytest.raises(ArgumentError, match="length_penalty"):
        beam_search(net, src, lengths, 2, 5, BOS, EOS, float("nan"))
    with pytest.raises(ArgumentError, match="eos_index=9 is outside"):
        greedy_decode(net, src, lengths, 5, BOS, TGT_V)
    with pytest.raises(ArgumentError, match="bos_index=-1 is outside"):
        beam_search(net, src, lengths, 2, 5, -1, EOS)


# --- learning -----------------------------------------------------------------------------------


def test_attention_model_learns_reversal_and_beats_the_fixed_context_vector():
    from tinynet.data.datasets.seq2seq_tasks import make_task

    task = make_task("reversal", n_train=1000, n_val=0, n_test=200, n_test_long=0,
                     lengths=(1, 6), alphabet="abcdef")
    src, lengths, _, _ = task.encode(task["test"])
    exact = {}
    for attention in ("bahdanau", None):
        tn.manual_seed(0)
        net = Seq2Seq(len(task.src_vocab), len(task.tgt_vocab), 16, 48, attention=attention)
        optimizer = tn.optim.Adam(net.parameters(), lr=1e-2)
        loss_fn = nn.CrossEntropyLoss(ignore_index=task.pad_index)
        for epoch in range(8):
            for b_src, b_lengths, tgt_in, tgt_out in task.batches("train", 50, shuffle=True,
                                                                  seed=epoch):
                logits = net(b_src, b_lengths, tgt_in).logits
                loss = loss_fn(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1))
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
        tokens, _ = greedy_decode(net, src, lengths, 8, task.bos_index, task.eos_index)
        outputs = [task.tgt_vocab.decode(row, stop_at_eos=True) for row in tokens.numpy()]
        exact[attention] = np.mean([out == target
                                    for out, (_, target) in zip(outputs, task["test"])])
    assert exact["bahdanau"] >= 0.95, exact
    assert exact[None] < exact["bahdanau"] - 0.1, exact
