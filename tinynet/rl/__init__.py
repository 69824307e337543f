"""Reinforcement learning on tinynet: four agents and the utilities they share.

    import gymnasium as gym
    from tinynet.rl import PPO, evaluate
    env = gym.make("CartPole-v1")
    agent = PPO(env, seed=0).learn(100_000)
    evaluate(agent, gym.make("CartPole-v1"), episodes=100, seed=1)   # returns of greedy play

Agents (each module's docstring gives its update rule): ``REINFORCE`` (policy gradient with a
learned baseline and an entropy bonus), ``A2C`` (actor-critic with GAE), ``DQN`` (replay,
target network, epsilon-greedy, Huber loss, Double DQN option), ``PPO`` (clipped objective).
They talk to an environment only through the Gymnasium API (``reset(seed=...)``, ``step``,
``action_space``, ``observation_space``), so any Gymnasium environment whose actions they take
works, and so does a small class written by hand. The on-policy agents (REINFORCE, A2C, PPO)
also take continuous actions (a one-dimensional Box: a normal policy); DQN takes discrete
actions only and says so. Gymnasium is an optional extra
(``pip install tinynet[rl]``).

Utilities: ``discounted_returns``, ``generalized_advantage_estimation``, ``ReplayBuffer``,
``seed_everything``, ``evaluate``, ``solve`` (train until a target evaluation return),
``EpisodeLog`` and ``plot_learning_curve``, ``watch`` (text frames) and ``save_gif``.
"""

from tinynet.rl.a2c import A2C
from tinynet.rl.agent import Agent
from tinynet.rl.dqn import DQN
from tinynet.rl.env import evaluate, save_gif, seed_everything, watch
from tinynet.rl.logging import EpisodeLog, plot_learning_curve
from tinynet.rl.ppo import PPO
from tinynet.rl.reinforce import REINFORCE
from tinynet.rl.replay import ReplayBuffer, Transitions
from tinynet.rl.returns import discounted_returns, generalized_advantage_estimation
from tinynet.rl.solve import solve

AGENTS = {"reinforce": REINFORCE, "a2c": A2C, "dqn": DQN, "ppo": PPO}

__all__ = ["A2C", "AGENTS", "DQN", "PPO", "REINFORCE", "Agent", "EpisodeLog", "ReplayBuffer",
           "Transitions", "discounted_returns", "evaluate", "generalized_advantage_estimation",
           "plot_learning_curve", "save_gif", "seed_everything", "solve", "watch"]
