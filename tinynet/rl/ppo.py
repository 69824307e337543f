"""Proximal policy optimisation with the clipped objective (Schulman et al. 2017).

Every ``n_steps`` environment steps, with GAE(gamma, lambda) advantages A_t (as in A2C,
normalised per minibatch) and returns R_t = A_t + V_old(s_t), for ``epochs`` passes over the
rollout in shuffled minibatches of ``batch_size``:

    ratio_t  = pi(a_t | s_t) / pi_old(a_t | s_t) = exp(log pi - log pi_old)
    L_clip   = -mean_t min(ratio_t A_t, clip(ratio_t, 1 - clip, 1 + clip) A_t)
    loss     = L_clip + value_coef * mean_t (R_t - V(s_t))^2 - entropy_coef * mean_t H(pi)
    one Adam step per minibatch, the gradient norm clipped to ``max_grad_norm``

The clip removes the incentive to move the policy far from the one that collected the data,
so the same rollout can be used for several epochs.
"""

from __future__ import annotations

import numpy as np

import tinynet as tn
from tinynet import nn
from tinynet.models.agents import build_policy, build_value
from tinynet.rl.agent import RolloutAgent, fraction, positive
from tinynet.rl.returns import generalized_advantage_estimation


class PPO(RolloutAgent):
    """``PPO(env, seed=0, gamma=0.99, lam=0.95, lr=3e-4, hidden=64, n_steps=512,
    batch_size=64, epochs=10, clip=0.2, value_coef=0.5, entropy_coef=0.0,
    max_grad_norm=0.5)``. Takes discrete actions, and
    continuous ones (a one-dimensional Box: a normal policy, see ``RolloutAgent``)."""

    def __init__(self, env, seed: int = 0, gamma: float = 0.99, lam: float = 0.95,
                 lr: float = 3e-4, hidden: int = 64, n_steps: int = 512, batch_size: int = 64,
                 epochs: int = 10, clip: float = 0.2, value_coef: float = 0.5,
                 entropy_coef: float = 0.0, max_grad_norm: float = 0.5):
        super().__init__(env, seed, gamma)
        hidden = positive("hidden", hidden, integer=True)
        self.lam = fraction("lam", lam)
        self.n_steps = positive("n_steps", n_steps, integer=True)
        self.batch_size = positive("batch_size", batch_size, integer=True)
        self.epochs = positive("epochs", epochs, integer=True)
        self.clip = positive("clip", clip)
        self.value_coef = positive("value_coef", value_coef)
        self.entropy_coef = fraction("entropy_coef", entropy_coef)
        self.max_grad_norm = positive("max_grad_norm", max_grad_norm)
        self.network = build_policy((self.observation_size,), self.action_outputs, hidden)
        self.critic = build_value((self.observation_size,), hidden)
        self.parameters = [*self.policy_parameters(), *self.critic.parameters()]
        self.optimizer = tn.optim.Adam(self.parameters, lr=positive("lr", lr), eps=1e-5)

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
        returns = (advantages + data["values"]).astype(np.float32)
        for _ in range(self.epochs):
            order = self.rng.permutation(len(returns))
            for start in range(0, len(order), self.batch_size):
                index = order[start:start + self.batch_size]
                self.minibatch_step(data["observations"][index], data["actions"][index],
                                    data["log_probs"][index], advantages[index], returns[index])

    def minibatch_step(self, observations, actions, old_log_probs, advantages, returns):
        advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)
        advantages = tn.tensor(advantages.astype(np.float32))
        observations = tn.tensor(observations)
        policy = self.distribution(observations)
        ratio = (policy.log_prob(tn.tensor(actions))
                 - tn.tensor(old_log_probs.astype(np.float32))).exp()
        clipped = ratio.clamp(1 - self.clip, 1 + self.clip)
        policy_loss = -tn.minimum(ratio * advantages, clipped * advantages).mean()
        value_loss = ((tn.tensor(returns) - self.critic(observations).squeeze(-1)) ** 2).mean()
        loss = (policy_loss + self.value_coef * value_loss
                - self.entropy_coef * policy.entropy().mean())
        self.optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(self.parameters, self.max_grad_norm)
        self.optimizer.step()
        self.updates += 1
