"""Deep Q-network (Mnih et al. 2015), with Double DQN as an option (van Hasselt et al. 2016).

The agent acts epsilon-greedily on Q (epsilon decays linearly from ``epsilon_start`` to
``epsilon_end`` over ``exploration_steps``), stores every transition in a replay buffer and,
after ``learning_starts`` steps, every ``train_every`` steps takes a uniform batch from it:

    y         = r + gamma (1 - terminated) Q_target(s', argmax_a' Q_target(s', a'))   (DQN)
    y         = r + gamma (1 - terminated) Q_target(s', argmax_a' Q(s', a'))          (Double)
    loss      = Huber(Q(s, a) - y)                  (nn.SmoothL1Loss, beta = 1)
    one Adam step, the gradient norm clipped to ``max_grad_norm``

Q_target is a copy of Q refreshed every ``target_update`` steps, so the target does not move
with every step. Replay breaks the correlation of consecutive steps; Double DQN chooses the
next action with Q and scores it with Q_target, which reduces the overestimation of max.
"""

from __future__ import annotations

import tinynet as tn
from tinynet import nn
from tinynet.models.agents import build_q_network
from tinynet.rl.agent import Agent, fraction, positive
from tinynet.rl.replay import ReplayBuffer


class DQN(Agent):
    """``DQN(env, seed=0, gamma=0.99, lr=1e-3, hidden=128, buffer_size=50_000,
    batch_size=64, learning_starts=1000, train_every=1, target_update=500,
    epsilon_start=1.0, epsilon_end=0.05, exploration_steps=10_000, double=True,
    max_grad_norm=10.0)``. Needs a discrete action space."""

    def __init__(self, env, seed: int = 0, gamma: float = 0.99, lr: float = 1e-3,
                 hidden: int = 128, buffer_size: int = 50_000, batch_size: int = 64,
                 learning_starts: int = 1000, train_every: int = 1, target_update: int = 500,
                 epsilon_start: float = 1.0, epsilon_end: float = 0.05,
                 exploration_steps: int = 10_000, double: bool = True,
                 max_grad_norm: float = 10.0):
        super().__init__(env, seed, gamma)
        hidden = positive("hidden", hidden, integer=True)
        self.batch_size = positive("batch_size", batch_size, integer=True)
        self.learning_starts = positive("learning_starts", learning_starts, integer=True)
        self.train_every = positive("train_every", train_every, integer=True)
        self.target_update = positive("target_update", target_update, integer=True)
        self.epsilon_start = fraction("epsilon_start", epsilon_start)
        self.epsilon_end = fraction("epsilon_end", epsilon_end)
        self.exploration_steps = positive("exploration_steps", exploration_steps, integer=True)
        self.double = bool(double)
        self.max_grad_norm = positive("max_grad_norm", max_grad_norm)
        self.network = build_q_network((self.observation_size,), self.n_actions, hidden)
        self.target = build_q_network((self.observation_size,), self.n_actions, hidden)
        self.target.load_state_dict(self.network.state_dict())
        self.target.requires_grad_(False)
        self.optimizer = tn.optim.Adam(self.network.parameters(), lr=positive("lr", lr))
        self.loss = nn.SmoothL1Loss()
        self.buffer = ReplayBuffer(positive("buffer_size", buffer_size, integer=True),
                                   (self.observation_size,), seed=self.seed)

    def epsilon(self) -> float:
        """The exploration rate at the current step (linear decay, then constant)."""
        progress = min(1.0, self.steps / self.exploration_steps)
        return self.epsilon_start + progress * (self.epsilon_end - self.epsilon_start)

    def learn_step(self) -> None:
        observation = self.current_observation()
        if self.rng.random() < self.epsilon():
            action = int(self.rng.integers(self.n_actions))
        else:
            action = self.act(observation) - self.action_start
        next_observation, reward, terminated, _ = self.env_step(action)
        self.buffer.add(observation, action, reward, next_observation, terminated)
        if self.steps >= self.learning_starts and self.steps % self.train_every == 0:
            self.update()
        if self.steps % self.target_update == 0:
            self.target.load_state_dict(self.network.state_dict())

    def targets(self, batch):
        """y = r + gamma (1 - terminated) Q_target(s', a*), a* chosen by Q_target (DQN) or by
        Q (Double DQN); outside the graph."""
        next_observations = tn.tensor(batch.next_observations)
        with tn.no_grad():
            next_target = self.target(next_observations)
            chooser = self.network(next_observations) if self.double else next_target
            best = chooser.argmax(1, keepdim=True)
            next_value = next_target.gather(1, best).squeeze(1)
            return tn.tensor(batch.rewards) + self.gamma * (
                1 - tn.tensor(batch.terminated)) * next_value

    def update(self) -> None:
        batch = self.buffer.sample(self.batch_size)
        targets = self.targets(batch)
        q = self.network(tn.tensor(batch.observations))
        chosen = q.gather(1, tn.tensor(batch.actions)[:, None]).squeeze(1)
        loss = self.loss(chosen, targets)
        self.optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(self.network.parameters(), self.max_grad_norm)
        self.optimizer.step()
        self.updates += 1
