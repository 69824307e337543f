"""Input policies: teacher forcing with a ratio, free running, scheduled sampling and its decay
schedules (Bengio et al. 2015's formulas)."""

import math

import numpy as np
import pytest

import tinynet as tn
from tests.train_strategies.standin import TinySeq2Seq, batch
from tinynet.train_strategies import (
    FreeRunning,
    ScheduledSampling,
    TeacherForcing,
    exponential_decay,
    inverse_sigmoid_decay,
    linear_decay,
)


def test_teacher_forcing_at_ratio_1_feeds_the_gold_tokens_exactly():
    tn.manual_seed(0)
    model = TinySeq2Seq()
    src, lengths, tgt_in, _ = batch()
    plain = model(src, lengths, tgt_in)
    forced = model(src, lengths, tgt_in, input_policy=TeacherForcing(1.0))
    np.testing.assert_array_equal(plain.logits.detach().numpy(), forced.logits.detach().numpy())


def test_scheduled_sampling_at_probability_1_equals_teacher_forcing():
    tn.manual_seed(0)
    model = TinySeq2Seq()
    src, lengths, tgt_in, tgt_out = batch()
    policy = ScheduledSampling(lambda i: 1.0, generator=tn.Generator(3))
    for _ in range(3):  # stepping a constant schedule keeps the probability at 1
        policy.step()
    assert policy.probability == 1.0
    plain = model(src, lengths, tgt_in)
    scheduled = model(src, lengths, tgt_in, input_policy=policy)
    np.testing.assert_array_equal(plain.logits.detach().numpy(), scheduled.logits.detach().numpy())
    # and the gradients are the same too
    loss_fn = tn.nn.CrossEntropyLoss()
    grads = []
    for out in (plain, scheduled):
        model.zero_grad()
        loss_fn(out.logits.reshape(-1, 7), tgt_out.reshape(-1)).backward(retain_graph=True)
        grads.append([p.grad.numpy().copy() for p in model.parameters()])
    for a, b in zip(*grads):
        np.testing.assert_array_equal(a, b)


def test_free_running_feeds_the_previous_argmax_and_gold_at_the_first_step():
    policy = FreeRunning()
    gold = tn.tensor([1, 1, 1])
    assert policy(0, gold, None).tolist() == [1, 1, 1]
    logits = tn.tensor([[0.0, 2.0, 1.0], [3.0, 0.0, 0.0], [0.0, 0.0, 5.0]])
    assert policy(1, tn.tensor([0, 1, 1]), logits).tolist() == [1, 0, 2]


def test_free_running_model_input_is_its_own_prediction():
    tn.manual_seed(1)
    model = TinySeq2Seq()
    src, lengths, tgt_in, _ = batch()
    seen = []

    def recording(t, gold, prev):
        tokens = FreeRunning()(t, gold, prev)
        seen.append(tokens.numpy())
        return tokens

    out = model(src, lengths, tgt_in, input_policy=recording)
    predictions = out.logits.detach().numpy().argmax(-1)
    np.testing.assert_array_equal(seen[0], tgt_in.numpy()[:, 0])
    for t in range(1, tgt_in.shape[1]):
        np.testing.assert_array_equal(seen[t], predictions[:, t - 1])


def test_ratio_mixes_per_token_with_the_given_share():
    policy = TeacherForcing(0.3, generator=tn.Generator(0))
    gold = tn.zeros(20000, dtype=tn.int64)
    logits = tn.tensor(np.tile([[0.0, 1.0]], (20000, 1)))  # the model always says 1
    tokens = policy(4, gold, logits).numpy()
    assert abs((tokens == 0).mean() - 0.3) < 0.02  # per token, not one coin for the batch


def test_sampled_predictions_follow_the_softmax():
    policy = TeacherForcing(0.0, sample=True, generator=tn.Generator(0))
    logits = tn.tensor(np.tile(np.log([[0.2, 0.5, 0.3]]), (30000, 1)))
    tokens = policy(2, tn.zeros(30000, dtype=tn.int64), logits).numpy()
    np.testing.assert_allclose(np.bincount(tokens, minlength=3) / 30000, [0.2, 0.5, 0.3],
                               atol=0.02)


def test_same_generator_seed_gives_the_same_mix():
    logits = tn.tensor(np.random.default_rng(0).normal(size=(50, 4)))
    gold = tn.zeros(50, dtype=tn.int64)
    a = TeacherForcing(0.5, generator=tn.Generator(7))(1, gold, logits).numpy()
    b = TeacherForcing(0.5, generator=tn.Generator(7))(1, gold, logits).numpy()
    np.testing.assert_array_equal(a, b)


def test_linear_decay_at_known_points():
    schedule = linear_decay(slope=0.1, offset=1.0, minimum=0.2)
    assert [round(schedule(i), 10) for i in (0, 1, 5, 8, 100)] == [1.0, 0.9, 0.5, 0.2, 0.2]


def test_exponential_decay_at_known_points():
    schedule = exponential_decay(0.9)
    assert schedule(0) == 1.0
    assert schedule(1) == pytest.approx(0.9)
    assert schedule(10) == pytest.approx(0.9 ** 10)


def test_inverse_sigmoid_decay_at_known_points():
    k = 10.0
    schedule = inverse_sigmoid_decay(k)
    assert schedule(0) == pytest.approx(k / (k + 1))
    assert schedule(k * math.log(k)) == pytest.approx(0.5)  # k / (k + k)
    assert schedule(50) == pytest.approx(10 / (10 + math.exp(5)))
    assert schedule(10 ** 6) == 0.0


def test_scheduled_sampling_steps_through_its_schedule():
    policy = ScheduledSampling(linear_decay(0.25))
    assert [policy.probability] + [policy.step() for _ in range(5)] == [1, 0.75, 0.5, 0.25, 0, 0]
    assert policy.steps == 5


@pytest.mark.parametrize("make, message", [
    (lambda: TeacherForcing(1.5), "ratio must be a probability"),
    (lambda: linear_decay(0.0), "slope must be a positive number"),
    (lambda: linear_decay(0.1, offset=0.5, minimum=0.6), "minimum"),
    (lambda: exponential_decay(1.0), r"k must be a number in \(0, 1\)"),
    (lambda: inverse_sigmoid_decay(0.5), "k must be a number >= 1"),
    (lambda: ScheduledSampling(lambda i: 2.0), "schedule's value at step 0"),
])
def test_bad_settings_are_refused_by_name(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_schedule_must_be_callable_and_sample_a_bool():
    with pytest.raises(TypeError, match="schedule must be a function"):
        ScheduledSampling(0.5)
    with pytest.raises(TypeError, match="sample must be True or False"):
        TeacherForcing(0.5, sample=1)
