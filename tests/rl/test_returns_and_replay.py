"""Discounted returns and GAE against values computed by hand, and the replay buffer's
storage, wrap-around and uniform sampling."""

import numpy as np
import pytest

from tinynet.rl import ReplayBuffer, discounted_returns, generalized_advantage_estimation


def test_discounted_returns_by_hand():
    # G_2 = 3, G_1 = 2 + 0.5 * 3 = 3.5, G_0 = 1 + 0.5 * 3.5 = 2.75
    np.testing.assert_allclose(discounted_returns([1.0, 2.0, 3.0], 0.5), [2.75, 3.5, 3.0])


def test_discounted_returns_stop_at_episode_ends():
    # episodes [1, 1] and [1, 1, 1]: G = [1 + .9, 1, 1 + .9 + .81, 1 + .9, 1]
    returns = discounted_returns([1, 1, 1, 1, 1], 0.9, dones=[0, 1, 0, 0, 1])
    np.testing.assert_allclose(returns, [1.9, 1.0, 2.71, 1.9, 1.0])


def test_discounted_returns_of_several_environments_are_columns():
    rewards = np.array([[1.0, 0.0], [1.0, 2.0]])
    np.testing.assert_allclose(discounted_returns(rewards, 0.5), [[1.5, 1.0], [1.0, 2.0]])


def test_gae_by_hand():
    rewards, values = [1.0, 0.0, 2.0], [0.5, 1.0, 1.5]
    gamma, lam, last = 0.9, 0.8, 2.0
    # deltas: d2 = 2 + .9*2 - 1.5 = 2.3; d1 = 0 + .9*1.5 - 1 = .35; d0 = 1 + .9*1 - .5 = 1.4
    # A2 = 2.3; A1 = .35 + .72*2.3 = 2.006; A0 = 1.4 + .72*2.006 = 2.84432
    advantages = generalized_advantage_estimation(rewards, values, [0, 0, 0], gamma, lam, last)
    np.testing.assert_allclose(advantages, [2.84432, 2.006, 2.3])


def test_gae_does_not_cross_an_episode_end():
    # done at step 0: A0 = r0 - V0 = 1 - .5 = .5; step 1 bootstraps from last_value only
    advantages = generalized_advantage_estimation([1.0, 1.0], [0.5, 0.5], [1, 0], 0.9, 0.95,
                                                  1.0)
    np.testing.assert_allclose(advantages, [0.5, 1.0 + 0.9 - 0.5])


def test_gae_limits_are_td_error_and_monte_carlo():
    rng = np.random.default_rng(0)
    rewards, values = rng.standard_normal(6), rng.standard_normal(6)
    dones = np.array([0, 0, 1, 0, 0, 1])
    td = generalized_advantage_estimation(rewards, values, dones, 0.9, 0.0, 0.0)
    following = np.append(values[1:], 0.0) * (1 - dones)
    np.testing.assert_allclose(td, rewards + 0.9 * following - values)
    monte_carlo = generalized_advantage_estimation(rewards, values, dones, 0.9, 1.0, 0.0)
    np.testing.assert_allclose(monte_carlo, discounted_returns(rewards, 0.9, dones) - values)


@pytest.mark.parametrize("call, words", [
    (lambda: discounted_returns([1, 2], 1.5), "gamma"),
    (lambda: discounted_returns([1, 2], 0.9, dones=[0]), "dones"),
    (lambda: generalized_advantage_estimation([1, 2], [1], [0, 0], 0.9, 0.9, 0.0), "values"),
    (lambda: generalized_advantage_estimation([1], [1], [0], 0.9, -0.1, 0.0), "lam"),
])
def test_bad_arguments_are_refused(call, words):
    with pytest.raises(ValueError, match=words):
        call()


def fill(buffer, count):
    for i in range(count):
        buffer.add([i, -i], i % 3, float(i), [i + 1, -i - 1], i % 2 == 0)


def test_replay_buffer_stores_transitions():
    buffer = ReplayBuffer(10, (2,), seed=0)
    fill(buffer, 4)
    assert len(buffer) == 4
    batch = buffer.sample(50)
    assert batch.observations.shape == (50, 2) and batch.actions.dtype == np.int64
    rewards = batch.rewards.astype(int)
    assert set(rewards) <= {0, 1, 2, 3}
    np.testing.assert_array_equal(batch.observations[:, 0], rewards)  # rows stay together
    np.testing.assert_array_equal(batch.next_observations[:, 0], rewards + 1)
    np.testing.assert_array_equal(batch.actions, rewards % 3)
    np.testing.assert_array_equal(batch.terminated, (rewards % 2 == 0).astype(float))


def test_replay_buffer_wraps_around_and_forgets_the_oldest():
    buffer = ReplayBuffer(5, (2,), seed=0)
    fill(buffer, 12)  # transitions 7 .. 11 remain
    assert len(buffer) == 5
    assert set(buffer.sample(200).rewards.astype(int)) == {7, 8, 9, 10, 11}
    assert buffer.position == 12 % 5


def test_replay_buffer_samples_uniformly():
    buffer = ReplayBuffer(8, (2,), seed=1)
    fill(buffer, 8)
    counts = np.bincount(buffer.sample(80_000).rewards.astype(int), minlength=8)
    np.testing.assert_allclose(counts / 80_000, np.full(8, 1 / 8), atol=0.006)


def test_replay_buffer_sampling_repeats_with_the_seed():
    first, second = ReplayBuffer(6, (2,), seed=4), ReplayBuffer(6, (2,), seed=4)
    fill(first, 6)
    fill(second, 6)
    np.testing.assert_array_equal(first.sample(20).rewards, second.sample(20).rewards)


def test_replay_buffer_errors():
    with pytest.raises(ValueError, match="capacity"):
        ReplayBuffer(0, (2,))
    with pytest.raises(ValueError, match="empty"):
        ReplayBuffer(3, (2,)).sample(1)
    buffer = ReplayBuffer(3, (2,))
    fill(buffer, 1)
    with pytest.raises(ValueError, match="batch_size"):
        buffer.sample(0)
