"""Discounted returns and generalised advantage estimation (GAE), on NumPy arrays.

Both run backwards over time. ``dones[t]`` is true when the episode ended at step t (the
environment said terminated or truncated), so nothing after t is discounted into t. Arrays
may be (T,) for one environment or (T, N) for N environments stepped together.
"""

from __future__ import annotations

import numbers

import numpy as np


def _time_arrays(rewards, dones):
    rewards = np.asarray(rewards, dtype=np.float64)
    if rewards.ndim not in (1, 2):
        raise ValueError(f"rewards must have shape (T,) or (T, N), got {rewards.shape}")
    if dones is None:
        dones = np.zeros(rewards.shape, dtype=bool)
    dones = np.asarray(dones)
    if dones.shape != rewards.shape:
        raise ValueError(f"dones has shape {dones.shape}, but rewards has {rewards.shape}")
    return rewards, dones.astype(bool)


def _discount(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value <= 1:
        raise ValueError(f"{name} must be a number in [0, 1], got {value!r}")
    return float(value)


def discounted_returns(rewards, gamma: float, dones=None) -> np.ndarray:
    """G_t = r_t + gamma * G_{t+1} * (1 - done_t), with G_T = 0 after the last step: the
    discounted sum of the rewards from t to the end of t's episode (float64, rewards' shape).

    >>> discounted_returns([1, 1, 1], 0.5)
    array([1.75, 1.5 , 1.  ])
    """
    rewards, dones = _time_arrays(rewards, dones)
    gamma = _discount("gamma", gamma)
    returns = np.zeros_like(rewards)
    following = np.zeros(rewards.shape[1:])
    for t in reversed(range(len(rewards))):
        following = rewards[t] + gamma * following * (1.0 - dones[t])
        returns[t] = following
    return returns


def generalized_advantage_estimation(rewards, values, dones, gamma: float, lam: float,
                                     last_value) -> np.ndarray:
    """The advantages A_t of GAE(gamma, lambda) (float64, rewards' shape):

        delta_t = r_t + gamma * V(s_{t+1}) * (1 - done_t) - V(s_t)
        A_t     = delta_t + gamma * lam * (1 - done_t) * A_{t+1}

    with V(s_T) = ``last_value`` (the value of the state after the last step) and A_T = 0.
    ``lam = 1`` gives the discounted return minus V(s_t); ``lam = 0`` the one-step TD error.
    The value targets of the critic are A_t + V(s_t).
    """
    rewards, dones = _time_arrays(rewards, dones)
    values = np.asarray(values, dtype=np.float64)
    if values.shape != rewards.shape:
        raise ValueError(f"values has shape {values.shape}, but rewards has {rewards.shape}")
    last_value = np.broadcast_to(np.asarray(last_value, dtype=np.float64), rewards.shape[1:])
    gamma, lam = _discount("gamma", gamma), _discount("lam", lam)
    advantages = np.zeros_like(rewards)
    following_advantage = np.zeros(rewards.shape[1:])
    following_value = last_value
    for t in reversed(range(len(rewards))):
        alive = 1.0 - dones[t]
        delta = rewards[t] + gamma * following_value * alive - values[t]
        following_advantage = delta + gamma * lam * alive * following_advantage
        advantages[t] = following_advantage
        following_value = values[t]
    return advantages
