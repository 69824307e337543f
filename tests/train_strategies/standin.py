"""A tiny encoder-decoder with the seq2seq interface the strategies are written against
(encode / decode_step / forward with input_policy, returning logits, hiddens, attentions), so
that the strategies' tests do not depend on a particular model."""

from typing import NamedTuple

import tinynet as tn
from tinynet import nn


class Output(NamedTuple):
    logits: object
    hiddens: object
    attentions: object


class TinySeq2Seq(nn.Module):
    def __init__(self, vocab=7, hidden=8):
        super().__init__()
        self.embed = nn.Embedding(vocab, hidden)
        self.encoder = nn.GRU(hidden, hidden, batch_first=True)
        self.cell = nn.GRUCell(hidden, hidden)
        self.out = nn.Linear(hidden, vocab)

    def encode(self, src, src_lengths):
        outputs, h = self.encoder(self.embed(src))
        return outputs, h[0], src != 0

    def decode_step(self, prev_tokens, state, enc_outputs, src_mask):
        state = self.cell(self.embed(prev_tokens), state)
        return self.out(state), state, state, None

    def forward(self, src, src_lengths, tgt_in, input_policy=None):
        enc, state, mask = self.encode(src, src_lengths)
        logits, hiddens, prev = [], [], None
        for t in range(tgt_in.shape[1]):
            gold = tgt_in[:, t]
            tokens = gold if input_policy is None else input_policy(t, gold, prev)
            prev, state, hidden, _ = self.decode_step(tokens, state, enc, mask)
            logits.append(prev)
            hiddens.append(hidden)
        return Output(tn.stack(logits, dim=1), tn.stack(hiddens, dim=1), None)


def batch(seed=0, batch_size=5, src_len=6, tgt_len=5, vocab=7):
    g = tn.Generator(seed)
    src = tn.randint(1, vocab, (batch_size, src_len), generator=g)
    tgt = tn.randint(3, vocab, (batch_size, tgt_len + 1), generator=g)
    tgt[:, 0] = 1
    return src, tn.full((batch_size,), src_len, dtype=tn.int64), tgt[:, :-1], tgt[:, 1:]
