"""A character language model: Embedding -> LSTM (or GRU) -> Linear, predicting each next
character, optionally conditioned on a class (a country, for names), and ``sample`` to generate
text from it.

    model = CharLM(vocab_size=100, hidden_size=256)
    logits, state = model(indices)                 # indices int64 (N, T): logits (N, T, V)
    logits, state = model(next_chunk, state)       # carry the state to the next chunk
    names = sample(model, 5, bos_index=2, eos_index=3, condition=tinynet.tensor([4] * 5),
                   temperature=0.5, generator=tinynet.Generator(0))

Conditioning (``num_conditions > 0``; the model then needs ``condition``, int64 (N,)):
``condition_mode="concat"`` looks up a learned condition vector (``condition_dim`` features) and
concatenates it to the embedding of every input character, so each step sees the class;
``condition_mode="init"`` maps the condition vector to the initial hidden state instead
(h_0 = tanh(W e_c + b) for every layer, c_0 = 0 for an LSTM), so only the start of the sequence
is told the class and the recurrence has to remember it. Neither is a PyTorch module: this is a
model of ``tinynet.models`` (networks only), built from PyTorch's layers.
"""

from __future__ import annotations

import tinynet as tn
from tinynet import nn
from tinynet.errors import ArgumentError

CELLS = {"lstm": nn.LSTM, "gru": nn.GRU}
CONDITION_MODES = ("concat", "init")


class CharLM(nn.Module):
    """P(x_{t+1} | x_<=t) = softmax(W h_t + b), h_t the last layer's state of a recurrent network
    over the embedded characters x_1..x_t (``batch_first``: inputs (N, T), logits (N, T, V)).

    ``forward(input, state=None, condition=None) -> (logits, state)``: ``state`` is the
    recurrent layer's (``h`` for a GRU, ``(h, c)`` for an LSTM) at the end of the input; pass it
    back for the next chunk of the same streams (detached, for truncated backpropagation
    through time). Dropout (``dropout``) applies to the embeddings and to the recurrent output.
    """

    def __init__(self, vocab_size: int, embedding_dim: int = 64, hidden_size: int = 256,
                 num_layers: int = 1, cell: str = "lstm", dropout: float = 0.0,
                 num_conditions: int = 0, condition_dim: int = 16,
                 condition_mode: str = "concat"):
        super().__init__()
        for name, value in (("vocab_size", vocab_size), ("embedding_dim", embedding_dim),
                            ("hidden_size", hidden_size), ("num_layers", num_layers),
                            ("condition_dim", condition_dim)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ArgumentError(f"CharLM: {name} must be a positive integer, but got "
                                    f"{value!r}")
        if isinstance(num_conditions, bool) or not isinstance(num_conditions, int) \
                or num_conditions < 0:
            raise ArgumentError(f"CharLM: num_conditions must be a non-negative integer, but got "
                                f"{num_conditions!r}")
        if cell not in CELLS:
            raise ArgumentError(f"CharLM: cell must be one of {', '.join(CELLS)}, but got "
                                f"{cell!r}")
        if condition_mode not in CONDITION_MODES:
            raise ArgumentError(f"CharLM: condition_mode must be one of "
                                f"{', '.join(CONDITION_MODES)}, but got {condition_mode!r}")
        if not 0 <= dropout < 1:
            raise ArgumentError(f"CharLM: dropout must be in [0, 1), but got {dropout!r}")
        self.vocab_size, self.cell, self.num_layers = vocab_size, cell, num_layers
        self.hidden_size, self.num_conditions = hidden_size, num_conditions
        self.condition_mode = condition_mode
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        concat = num_conditions > 0 and condition_mode == "concat"
        self.rnn = CELLS[cell](embedding_dim + (condition_dim if concat else 0), hidden_size,
                               num_layers, batch_first=True,
                               dropout=dropout if num_layers > 1 else 0.0)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size, vocab_size)
        if num_conditions:
            self.condition_embedding = nn.Embedding(num_conditions, condition_dim)
            if condition_mode == "init":
                self.condition_to_state = nn.Linear(condition_dim, num_layers * hidden_size)

    def _check_condition(self, condition, batch: int):
        if not self.num_conditions:
            if condition is not None:
                raise ArgumentError("CharLM: this model has no conditioning (num_conditions=0) "
                                    "but got a condition")
            return None
        if condition is None:
            raise ArgumentError(f"CharLM: this model is conditioned on one of "
                                f"{self.num_conditions} classes: pass condition, int64 (N,)")
        if tuple(condition.shape) != (batch,):
            raise ArgumentError(f"CharLM: condition must have shape ({batch},), one class per "
                                f"sequence, but got {tuple(condition.shape)}")
        return self.condition_embedding(condition)

    def initial_state(self, condition_vector):
        """The state that starts a sequence: None (zeros) unless conditioned with "init"."""
        if condition_vector is None or self.condition_mode != "init":
            return None
        batch = condition_vector.shape[0]
        h = tn.tanh(self.condition_to_state(condition_vector))       # (N, layers * H)
        h = h.reshape(batch, self.num_layers, self.hidden_size).permute(1, 0, 2).contiguous()
        return (h, tn.zeros_like(h)) if self.cell == "lstm" else h

    def forward(self, input, state=None, condition=None):
        if input.ndim != 2:
            raise ArgumentError(f"CharLM: input must be int64 (N, T) character indices, but got "
                                f"shape {tuple(input.shape)}")
        vector = self._check_condition(condition, input.shape[0])
        x = self.dropout(self.embedding(input))                      # (N, T, E)
        if vector is not None and self.condition_mode == "concat":
            steps = vector.unsqueeze(1).expand(input.shape[0], input.shape[1], vector.shape[1])
            x = tn.cat([x, steps], dim=2)
        if state is None:
            state = self.initial_state(vector)
        output, state = self.rnn(x, state)                           # (N, T, H)
        return self.head(self.dropout(output)), state


def detach_state(state):
    """The recurrent state cut from its graph (``h.detach()``, or both of an LSTM's (h, c)):
    its values carry over, its history does not."""
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()


def sample(model: CharLM, num_samples: int = 1, max_length: int = 100, *,
           temperature: float = 1.0, start=None, bos_index: int | None = None,
           eos_index: int | None = None, condition=None, generator=None) -> list[list[int]]:
    """``num_samples`` sequences drawn from the model one character at a time: each next
    index ~ softmax(logits / ``temperature``) (``tinynet.multinomial`` with ``generator``, so a
    seeded generator repeats the samples). Temperature < 1 sharpens the distribution towards
    the likeliest characters, > 1 flattens it.

    The model first reads ``start`` (a list of indices, the prompt shared by every sample) after
    ``bos_index`` when given; at least one of them is needed. Each sample stops after
    ``max_length`` generated indices or at ``eos_index`` (not included). Returns the generated
    indices of each sample (the prompt not included). ``condition``: int64 (num_samples,)
    classes for a conditioned model. The model is put in eval mode and restored after.
    """
    if isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples < 1:
        raise ArgumentError(f"sample: num_samples must be a positive integer, but got "
                            f"{num_samples!r}")
    if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1:
        raise ArgumentError(f"sample: max_length must be a positive integer, but got "
                            f"{max_length!r}")
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) \
            or not temperature > 0 or temperature == float("inf"):
        raise ArgumentError(f"sample: temperature must be a positive number, but got "
                            f"{temperature!r}")
    prompt = ([] if bos_index is None else [bos_index]) + list(start or [])
    if not prompt:
        raise ArgumentError("sample: give a start prompt or a bos_index to start from")
    for index in prompt + ([] if eos_index is None else [eos_index]):
        if not 0 <= int(index) < model.vocab_size:
            raise ArgumentError(f"sample: index {index} is outside the vocabulary of "
                                f"{model.vocab_size}")
    was_training = model.training
    model.eval()
    try:
        with tn.no_grad():
            inputs = tn.tensor([prompt] * num_samples, dtype=tn.int64)
            generated = [[] for _ in range(num_samples)]
            done = [False] * num_samples
            state = None
            for _ in range(max_length):
                logits, state = model(inputs, state, condition)
                weights = tn.softmax(logits[:, -1, :].double() / temperature, dim=-1)
                drawn = tn.multinomial(weights, 1, generator=generator)     # (N, 1)
                for row, index in enumerate(drawn[:, 0].tolist()):
                    if done[row]:
                        continue
                    if index == eos_index:
                        done[row] = True
                    else:
                        generated[row].append(index)
                if all(done):
                    break
                inputs = drawn
    finally:
        model.train(was_training)
    return generated


def build_char_lm(input_shape, num_classes: int, embedding_dim: int = 64, hidden_size: int = 256,
                  num_layers: int = 1, cell: str = "lstm", dropout: float = 0.0,
                  condition_dim: int = 16, condition_mode: str = "concat",
                  num_conditions: int = 0) -> CharLM:
    """The registry's builder: a ``CharLM`` over ``num_classes`` characters (``input_shape``
    is unused: the inputs are index sequences of any length)."""
    return CharLM(num_classes, embedding_dim, hidden_size, num_layers, cell, dropout,
                  num_conditions, condition_dim, condition_mode)


__all__ = ["CharLM", "build_char_lm", "detach_state", "sample"]
