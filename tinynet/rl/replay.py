"""``ReplayBuffer``: the last ``capacity`` transitions, sampled uniformly (DQN's memory)."""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np


class Transitions(NamedTuple):
    """A batch of transitions (NumPy arrays, first dimension the batch)."""

    observations: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    next_observations: np.ndarray
    terminated: np.ndarray


class ReplayBuffer:
    """``ReplayBuffer(capacity, observation_shape, observation_dtype=np.float32, seed=None)``.

    A ring of ``capacity`` transitions (obs, action, reward, next obs, terminated): ``add``
    writes at the next slot, overwriting the oldest once full; ``sample(batch_size)`` draws
    ``batch_size`` stored transitions uniformly at random, with replacement, from its own
    generator (``seed``). ``terminated`` (not truncated) marks a transition after which the
    return is zero: a time limit is no terminal state.
    """

    def __init__(self, capacity: int, observation_shape, observation_dtype=np.float32,
                 seed: int | None = None):
        if isinstance(capacity, bool) or not isinstance(capacity, numbers.Integral) or capacity <= 0:
            raise ValueError(f"capacity must be a positive integer, got {capacity!r}")
        self.capacity = int(capacity)
        shape = (self.capacity, *tuple(observation_shape))
        self.observations = np.zeros(shape, dtype=observation_dtype)
        self.next_observations = np.zeros(shape, dtype=observation_dtype)
        self.actions = np.zeros(self.capacity, dtype=np.int64)
        self.rewards = np.zeros(self.capacity, dtype=np.float32)
        self.terminated = np.zeros(self.capacity, dtype=np.float32)
        self.position = 0  # the slot the next transition goes to
        self.size = 0
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return self.size

    def add(self, observation, action, reward, next_observation, terminated) -> None:
        """Store one transition, replacing the oldest when the buffer is full."""
        slot = self.position
        self.observations[slot] = observation
        self.next_observations[slot] = next_observation
        self.actions[slot] = action
        self.rewards[slot] = reward
        self.terminated[slot] = float(terminated)
        self.position = (slot + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, batch_size: int) -> Transitions:
        """``batch_size`` transitions drawn uniformly (with replacement) from those stored."""
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) \
                or batch_size <= 0:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        if self.size == 0:
            raise ValueError("cannot sample from an empty replay buffer: add transitions first")
        index = self.rng.integers(0, self.size, size=batch_size)
        return Transitions(self.observations[index], self.actions[index], self.rewards[index],
                           self.next_observations[index], self.terminated[index])
