"""REINFORCE with a learned baseline and an entropy bonus (Williams 1992).

After every ``episodes_per_update`` episodes, with G_t the discounted return from step t to the
end of its episode and b(s) a learned state value (the baseline, which lowers the variance of
the gradient without biasing it):

    A_t          = G_t - b(s_t)                        (normalised to mean 0, std 1)
    policy loss  = -mean_t [ A_t log pi(a_t | s_t) ] - entropy_coef * mean_t H(pi(. | s_t))
    value loss   = mean_t (G_t - b(s_t))^2
    one Adam step on policy loss + value loss

The entropy bonus keeps the policy from becoming deterministic too early.
"""

from __future__ import annotations

import numpy as np

import tinynet as tn
import tinynet.nn.functional as F
from tinynet.models.agents import build_policy, build_value
from tinynet.rl.agent import RolloutAgent, fraction, positive
from tinynet.rl.returns import discounted_returns


class REINFORCE(RolloutAgent):
    """``REINFORCE(env, seed=0, gamma=0.99, lr=1e-3, hidden=64, episodes_per_update=2,
    entropy_coef=0.01)``: policy and baseline are MLPs with two hidden layers of
    ``hidden`` units. Takes discrete actions, and
    continuous ones (a one-dimensional Box: a normal policy, see ``RolloutAgent``)."""

    def __init__(self, env, seed: int = 0, gamma: float = 0.99, lr: float = 1e-3,
                 hidden: int = 64, episodes_per_update: int = 2, entropy_coef: float = 0.01):
        super().__init__(env, seed, gamma)
        hidden = positive("hidden", hidden, integer=True)
        self.episodes_per_update = positive("episodes_per_update", episodes_per_update, True)
        self.entropy_coef = fraction("entropy_coef", entropy_coef)
        self.network = build_policy((self.observation_size,), self.action_outputs, hidden)
        self.critic = build_value((self.observation_size,), hidden)  # the baseline b(s)
        self.optimizer = tn.optim.Adam([*self.policy_parameters(), *self.critic.parameters()],
                                       lr=positive("lr", lr))
        self._episodes = 0

    def learn_step(self) -> None:
        if self.collect_step():
            self._episodes += 1
            if self._episodes == self.episodes_per_update:
                self.update()
                self._episodes = 0

    def update(self) -> None:
        data = self.rollout_arrays()
        self.clear_rollout()
        returns = discounted_returns(data["rewards"], self.gamma, data["dones"])
        observations = tn.tensor(data["observations"])
        targets = tn.tensor(returns.astype(np.float32))
        baseline = self.critic(observations).squeeze(-1)
        advantages = returns - baseline.detach().numpy()
        advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)
        policy = self.distribution(observations)
        log_probs = policy.log_prob(tn.tensor(data["actions"]))
        policy_loss = (-(tn.tensor(advantages.astype(np.float32)) * log_probs).mean()
                       - self.entropy_coef * policy.entropy().mean())
        value_loss = F.mse_loss(baseline, targets)
        self.optimizer.zero_grad()
        (policy_loss + value_loss).backward()
        self.optimizer.step()
        self.updates += 1
