"""Advantage actor-critic (A2C) with generalised advantage estimation (Mnih et al. 2016;
Schulman et al. 2016).

Every ``n_steps`` environment steps, with V the critic and GAE(gamma, lambda) advantages

    delta_t     = r_t + gamma V(s_{t+1}) (1 - done_t) - V(s_t)
    A_t         = delta_t + gamma lambda (1 - done_t) A_{t+1}
    R_t         = A_t + V(s_t)                          (the critic's target)
    loss        = -mean_t [ A_t log pi(a_t | s_t) ]
                  + value_coef * mean_t (R_t - V(s_t))^2
                  - entropy_coef * mean_t H(pi(. | s_t))
    one Adam step on the loss, the gradient norm clipped to ``max_grad_norm``

Unlike REINFORCE, it learns from short pieces of episodes, bootstrapping the rest of the return
from the critic.
"""

from __future__ import annotations

import numpy as np

import tinynet as tn
from tinynet import nn
from tinynet.models.agents import build_policy, build_value
from tinynet.rl.agent import RolloutAgent, fraction, positive
from tinynet.rl.returns import generalized_advantage_estimation


class A2C(RolloutAgent):
    """``A2C(env, seed=0, gamma=0.99, lam=0.95, lr=7e-4, hidden=64, n_steps=16,
    value_coef=0.5, entropy_coef=0.01, max_grad_norm=0.5)``. Takes discrete actions, and
    continuous ones (a one-dimensional Box: a normal policy, see ``RolloutAgent``)."""

    def __init__(self, env, seed: int = 0, gamma: float = 0.99, lam: float = 0.95,
                 lr: float = 7e-4, hidden: int = 64, n_steps: int = 16, value_coef: float = 0.5,
                 entropy_coef: float = 0.01, max_grad_norm: float = 0.5):
        super().__init__(env, seed, gamma)
        hidden = positive("hidden", hidden, integer=True)
        self.lam = fraction("lam", lam)
        self.n_steps = positive("n_steps", n_steps, integer=True)
        self.value_coef = positive("value_coef", value_coef)
        self.entropy_coef = fraction("entropy_coef", entropy_coef)
        self.max_grad_norm = positive("max_grad_norm", max_grad_norm)
        self.network = build_policy((self.observation_size,), self.action_outputs, hidden)
        self.critic = build_value((self.observation_size,), hidden)
        self.parameters = [*self.policy_parameters(), *self.critic.parameters()]
        self.optimizer = tn.optim.Adam(self.parameters, lr=positive("lr", lr))

    def learn_step(self) -> None:
        self.collect_step()
        if len(self.rollout["rewards"]) == self.n_steps:
            self.update()

    def update(self) -> None:
        last_value = self.last_value()
        data = self.rollout_arrays()
        self.clear_rollout()
        advantages = generalized_advantage_estimation(
            data["rewards"], data["values"], data["dones"], self.gamma, self.lam, last_value)
        returns = tn.tensor((advantages + data["values"]).astype(np.float32))
        observations = tn.tensor(data["observations"])
        policy = self.distribution(observations)
        log_probs = policy.log_prob(tn.tensor(data["actions"]))
        values = self.critic(observations).squeeze(-1)
        loss = (-(tn.tensor(advantages.astype(np.float32)) * log_probs).mean()
                + self.value_coef * ((returns - values) ** 2).mean()
                - self.entropy_coef * policy.entropy().mean())
        self.optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(self.parameters, self.max_grad_norm)
        self.optimizer.step()
        self.updates += 1
