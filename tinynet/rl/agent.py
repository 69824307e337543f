"""What every agent shares: the checks of the environment's spaces, the loop that steps the
environment and records episodes, greedy action, and the small networks the agents use.

An agent is made on an environment (``Agent(env, seed=...)``), trained with
``agent.learn(steps)`` (more calls continue where the last one stopped, so training can be
interleaved with evaluation) and played greedily with ``agent.act(observation)``. Its
``log`` (an ``EpisodeLog``) holds the return of every training episode.
"""

from __future__ import annotations

import numbers

import numpy as np

import tinynet as tn
from tinynet import nn
from tinynet.rl.env import (
    box_actions,
    discrete_actions,
    is_box,
    observation_array,
    observation_size,
)
from tinynet.rl.logging import EpisodeLog


def positive(name: str, value, integer: bool = False):
    """``value`` checked to be a positive number (an integer when ``integer``)."""
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind) or not value > 0:
        raise ValueError(f"{name} must be a positive {'integer' if integer else 'number'}, "
                         f"got {value!r}")
    return int(value) if integer else float(value)


def fraction(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value <= 1:
        raise ValueError(f"{name} must be a number in [0, 1], got {value!r}")
    return float(value)


class Agent:
    """The environment loop of every agent. Subclasses set ``self.network`` (whose output
    for a batch of observations is one score per action: the greedy action is the highest; for
    continuous actions, the action itself) and define ``learn_step``: one environment step
    through ``env_step``, then an update when it is due. ``continuous_actions``: whether the
    agent also takes a one-dimensional Box of real actions."""

    continuous_actions = False

    def __init__(self, env, seed: int = 0, gamma: float = 0.99):
        name = type(self).__name__
        if not (callable(getattr(env, "reset", None)) and callable(getattr(env, "step", None))):
            raise TypeError(f"{name} needs an environment with reset() and step() (the "
                            f"Gymnasium API), got {type(env).__name__}")
        self.continuous = self.continuous_actions and is_box(getattr(env, "action_space", None))
        if self.continuous:  # the policy outputs one mean per action dimension
            self.action_outputs, self.action_low, self.action_high = box_actions(env)
            self.n_actions, self.action_start = None, 0
        else:
            also = " or a one-dimensional Box" if self.continuous_actions else ""
            self.n_actions, self.action_start = discrete_actions(env, name, also)
            self.action_outputs = self.n_actions
        self.observation_size = observation_size(env, name)
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        self.env, self.seed, self.gamma = env, int(seed), fraction("gamma", gamma)
        self.rng = np.random.default_rng(seed)
        self.log = EpisodeLog()
        self.steps = 0  # environment steps taken while learning
        self.updates = 0  # optimizer steps
        self.observation = None  # the current observation, a flat float32 vector
        self._episode_return, self._episode_length = 0.0, 0

    def _array(self, observation) -> np.ndarray:
        return observation_array(self.env, observation)

    def current_observation(self) -> np.ndarray:
        """The observation the next step acts on (the first reset takes the agent's seed)."""
        if self.observation is None:
            observation, _ = self.env.reset(seed=self.seed)
            self.observation = self._array(observation)
        return self.observation

    def env_step(self, action: int):
        """Take action index ``action`` (0 .. n-1; for continuous actions the action vector,
        clipped to the box) in the environment; record a finished
        episode and reset. Returns (next observation, reward, terminated, truncated), the next
        observation being the one that ended the episode when it did."""
        if self.continuous:
            action = np.clip(np.asarray(action, dtype=np.float32), self.action_low,
                             self.action_high)
        else:
            action = self.action_start + int(action)
        observation, reward, terminated, truncated, _ = self.env.step(action)
        next_observation = self._array(observation)
        self.steps += 1
        self._episode_return += float(reward)
        self._episode_length += 1
        self.log.advance()
        if terminated or truncated:
            self.log.record(self.steps, self._episode_return, self._episode_length)
            self._episode_return, self._episode_length = 0.0, 0
            observation, _ = self.env.reset()
            self.observation = self._array(observation)
        else:
            self.observation = next_observation
        return next_observation, float(reward), bool(terminated), bool(truncated)

    def learn(self, steps: int, progress: bool = False):
        """Train for ``steps`` more environment steps (``progress``: a tqdm bar); returns the
        agent. A rollout or episode cut by the end of the steps goes on at the next call."""
        steps = positive("steps", steps, integer=True)
        if progress:
            self.log.start_progress(steps, type(self).__name__)
        try:
            end = self.steps + steps
            while self.steps < end:
                self.learn_step()
        finally:
            self.log.close_progress()
        return self

    def act(self, observation) -> int:
        """The greedy action for ``observation`` (the environment's action value; for
        continuous actions, the policy's mean clipped to the box)."""
        with tn.no_grad():
            scores = self.network(tn.tensor(self._array(observation)[None])).numpy()[0]
        if self.continuous:
            return np.clip(scores, self.action_low, self.action_high)
        return self.action_start + int(scores.argmax())


class DiagonalNormal:
    """Independent normal distributions over the dimensions of a continuous action: the
    log-probability and the entropy of an action are the sums over its dimensions."""

    def __init__(self, mean, std):
        self.normal = tn.distributions.Normal(mean, std)

    def sample(self):
        return self.normal.sample()

    def log_prob(self, action):
        return self.normal.log_prob(action).sum(-1)

    def entropy(self):
        return self.normal.entropy().sum(-1)


class RolloutAgent(Agent):
    """The on-policy agents' collection: the policy samples an action, the critic scores the
    state, and the step is stored. When an episode is cut by a time limit (truncated, not
    terminated), the value of the state it stopped in is added to the last reward, discounted
    by gamma, so the return is not cut short: a time limit is no terminal state.

    They take discrete actions (a Categorical over the network's logits) and continuous ones:
    for a Box of d dimensions the network outputs the mean of a normal distribution per
    dimension, whose log standard deviation is a learned parameter of its own (``log_std``,
    starting at 0), independent of the state; the action sent to the environment is clipped to
    the box."""

    continuous_actions = True

    def __init__(self, env, seed: int = 0, gamma: float = 0.99):
        super().__init__(env, seed, gamma)
        self.log_std = nn.Parameter(tn.zeros(self.action_outputs)) if self.continuous else None
        self.clear_rollout()

    def policy_parameters(self) -> list:
        """The policy's parameters: the network's, and ``log_std`` for continuous actions."""
        return [*self.network.parameters(), *([self.log_std] if self.continuous else [])]

    def clear_rollout(self) -> None:
        self.rollout = {"observations": [], "actions": [], "rewards": [], "dones": [],
                        "log_probs": [], "values": []}

    def distribution(self, observations):
        """The policy pi(. | s) for a batch of observations: a Categorical over the actions,
        or for continuous actions independent normals around the network's output."""
        if self.continuous:
            return DiagonalNormal(self.network(observations), self.log_std.exp())
        return tn.distributions.Categorical(logits=self.network(observations))

    def collect_step(self) -> bool:
        """One environment step with a sampled action, stored; returns whether an episode
        ended on it."""
        observation = self.current_observation()
        with tn.no_grad():
            batch = tn.tensor(observation[None])
            policy = self.distribution(batch)
            action = policy.sample()
            log_prob = float(policy.log_prob(action).numpy()[0])
            value = float(self.critic(batch).numpy()[0, 0])
        action = action.numpy()[0].copy() if self.continuous else int(action.numpy()[0])
        next_observation, reward, terminated, truncated = self.env_step(action)
        if truncated and not terminated:
            with tn.no_grad():
                reward += self.gamma * float(self.critic(tn.tensor(next_observation[None]))
                                             .numpy()[0, 0])
        for key, item in (("observations", observation), ("actions", action),
                          ("rewards", reward), ("dones", terminated or truncated),
                          ("log_probs", log_prob), ("values", value)):
            self.rollout[key].append(item)
        return terminated or truncated

    def rollout_arrays(self) -> dict:
        arrays = {key: np.asarray(value) for key, value in self.rollout.items()}
        arrays["observations"] = arrays["observations"].astype(np.float32)
        return arrays

    def last_value(self) -> float:
        """V of the state after the rollout (0 when the rollout ended an episode)."""
        if self.rollout["dones"][-1]:
            return 0.0
        with tn.no_grad():
            return float(self.critic(tn.tensor(self.current_observation()[None])).numpy()[0, 0])
