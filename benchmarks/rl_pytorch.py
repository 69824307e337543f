"""PPO in tinynet and in PyTorch, side by side: the same algorithm, hyperparameters, networks,
environment seeds and solve protocol (``tinynet.rl.solve``) on CartPole-v1, per seed the steps
to solve and the training time.

    PYTHONPATH=. python benchmarks/rl_pytorch.py --markdown docs/results/rl-pytorch.md

The PyTorch agent below mirrors ``tinynet.rl.PPO`` line for line (64-64 tanh policy and critic
with orthogonal initial weights, GAE, clipped objective, Adam with eps 1e-5, gradient-norm
clipping) and runs in tinynet's environment loop (``tinynet.rl.Agent``), so only the tensors
differ. The two do not draw the same random numbers (each library has its own generator), so
their runs on a seed are different runs of the same recipe, not the same run twice. The
tinynet column is measured here too, with ``tinynet.recipes.train("ppo", ...)``, one run after
the other, so both see the same machine; ``--reuse FILE`` takes it from ``benchmarks/rl.py``'s
results instead. Needs Gymnasium and PyTorch.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

from tinynet.recipes.rl import LR, SETTINGS, make_env
from tinynet.report import markdown_table, write_markdown
from tinynet.rl import Agent, seed_everything, solve
from tinynet.rl.returns import generalized_advantage_estimation


def torch_mlp(torch, sizes, output_gain):
    layers = []
    for index, (inputs, outputs) in enumerate(itertools.pairwise(sizes)):
        linear = torch.nn.Linear(inputs, outputs)
        last = index == len(sizes) - 2
        torch.nn.init.orthogonal_(linear.weight, output_gain if last else math.sqrt(2))
        torch.nn.init.zeros_(linear.bias)
        layers += [linear] if last else [linear, torch.nn.Tanh()]
    return torch.nn.Sequential(*layers)


class TorchPPO(Agent):
    """``tinynet.rl.PPO`` written with PyTorch tensors (same arguments and update)."""

    def __init__(self, env, seed=0, gamma=0.99, lam=0.95, lr=3e-4, hidden=64, n_steps=512,
                 batch_size=64, epochs=10, clip=0.2, value_coef=0.5, entropy_coef=0.0,
                 max_grad_norm=0.5):
        import torch

        super().__init__(env, seed, gamma)
        self.torch = torch
        torch.manual_seed(seed)
        self.lam, self.n_steps, self.batch_size, self.epochs = lam, n_steps, batch_size, epochs
        self.clip, self.value_coef, self.entropy_coef = clip, value_coef, entropy_coef
        self.max_grad_norm = max_grad_norm
        size = self.observation_size
        self.network = torch_mlp(torch, (size, hidden, hidden, self.n_actions), 0.01)
        self.critic = torch_mlp(torch, (size, hidden, hidden, 1), 1.0)
        self.parameters = [*self.network.parameters(), *self.critic.parameters()]
        self.optimizer = torch.optim.Adam(self.parameters, lr=lr, eps=1e-5)
        self.rollout = []

    def act(self, observation) -> int:
        with self.torch.no_grad():
            logits = self.network(self.torch.as_tensor(self._array(observation)[None]))
        return self.action_start + int(logits[0].argmax())

    def value(self, observation) -> float:
        with self.torch.no_grad():
            return float(self.critic(self.torch.as_tensor(observation[None]))[0, 0])

    def learn_step(self) -> None:
        torch = self.torch
        observation = self.current_observation()
        with torch.no_grad():
            policy = torch.distributions.Categorical(
                logits=self.network(torch.as_tensor(observation[None])))
            action = policy.sample()
            log_prob = float(policy.log_prob(action)[0])
        value = self.value(observation)
        next_observation, reward, terminated, truncated = self.env_step(int(action[0]))
        if truncated and not terminated:
            reward += self.gamma * self.value(next_observation)
        self.rollout.append((observation, int(action[0]), reward, terminated or truncated,
                             log_prob, value))
        if len(self.rollout) == self.n_steps:
            self.update()

    def update(self) -> None:
        torch = self.torch
        last_value = 0.0 if self.rollout[-1][3] else self.value(self.current_observation())
        observations, actions, rewards, dones, log_probs, values = map(np.asarray,
                                                                      zip(*self.rollout))
        self.rollout = []
        advantages = generalized_advantage_estimation(rewards, values, dones, self.gamma,
                                                      self.lam, last_value)
        returns = (advantages + values).astype(np.float32)
        observations = observations.astype(np.float32)
        for _ in range(self.epochs):
            order = self.rng.permutation(len(returns))
            for start in range(0, len(order), self.batch_size):
                index = order[start:start + self.batch_size]
                batch_advantages = advantages[index]
                batch_advantages = (batch_advantages - batch_advantages.mean()) / (
                    batch_advantages.std() + 1e-8)
                batch_advantages = torch.as_tensor(batch_advantages.astype(np.float32))
                batch_observations = torch.as_tensor(observations[index])
                policy = torch.distributions.Categorical(logits=self.network(batch_observations))
                ratio = (policy.log_prob(torch.as_tensor(actions[index]))
                         - torch.as_tensor(log_probs[index].astype(np.float32))).exp()
                clipped = ratio.clamp(1 - self.clip, 1 + self.clip)
                policy_loss = -torch.minimum(ratio * batch_advantages,
                                             clipped * batch_advantages).mean()
                value_loss = ((torch.as_tensor(returns[index])
                               - self.critic(batch_observations).squeeze(-1)) ** 2).mean()
                loss = (policy_loss + self.value_coef * value_loss
                        - self.entropy_coef * policy.entropy().mean())
                self.optimizer.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(self.parameters, self.max_grad_norm)
                self.optimizer.step()
                self.updates += 1


def run_torch(seed: int, env_name: str, max_steps: int) -> dict:
    env, eval_env = make_env(env_name), make_env(env_name)
    seed_everything(seed, env, eval_env)
    agent = TorchPPO(env, seed=seed, lr=LR["ppo"], **SETTINGS["ppo"])
    start = time.perf_counter()
    result = solve(agent, eval_env, env.spec.reward_threshold, max_steps)
    result["wall_seconds"] = round(time.perf_counter() - start, 2)
    return result


def tinynet_result(seed: int, env_name: str, max_steps: int, results_path: Path | None) -> dict:
    key = f"ppo:{env_name}:{seed}"
    if results_path is not None and results_path.exists():
        saved = json.loads(results_path.read_text())
        if key in saved:
            return saved[key]
    from tinynet.recipes import train

    return train("ppo", env=env_name, seed=seed, steps=max_steps, verbose=False,
                 out=Path("runs/rl-pytorch") / key.replace(":", "-"), overwrite=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--env", default="CartPole-v1")
    parser.add_argument("--steps", type=int, default=200_000)
    parser.add_argument("--reuse", metavar="FILE",
                        help="take tinynet's runs from benchmarks/rl.py's results (e.g. "
                             "runs/rl-benchmark/results.json) instead of measuring them")
    parser.add_argument("--threads", type=int, default=1,
                        help="PyTorch's thread count (default 1: these networks are tiny)")
    parser.add_argument("--markdown", help="write the comparison as a Markdown page")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    rows = []
    for seed in args.seeds:
        ours = tinynet_result(seed, args.env, args.steps, args.reuse and Path(args.reuse))
        theirs = run_torch(seed, args.env, args.steps)
        print(f"seed {seed}: tinynet solved at {ours['steps_to_solve']} in "
              f"{ours['train_seconds']:.0f} s; PyTorch solved at {theirs['steps_to_solve']} in "
              f"{theirs['train_seconds']:.0f} s", flush=True)

        def cells(result):
            steps = (f"{result['steps_to_solve']:,}" if result["solved"]
                     else f"not solved ({result['steps']:,})")
            mean = result.get("eval_mean_return", result.get("eval_mean"))
            return [steps, f"{mean:.1f}", f"{result['train_seconds']:.0f}"]

        rows.append([seed, *cells(ours), *cells(theirs)])
    if args.markdown:
        table = markdown_table(
            ["seed", "tinynet: steps to solve", "mean return (100)", "training time (s)",
             "PyTorch: steps to solve", "mean return (100)", "training time (s)"], rows)
        body = (f"{table}\n\nPPO on {args.env} with the `ppo` recipe's settings "
                f"({dict(SETTINGS['ppo'], lr=LR['ppo'])}, the rest `tinynet.rl.PPO`'s "
                "defaults) in both libraries, trained until solved (mean greedy return over "
                "100 episodes at least the environment's threshold, checked every 5,000 steps) "
                f"or {args.steps:,} steps. Training time excludes the evaluations. PyTorch runs "
                f"with {args.threads} thread(s). "
                + ("The tinynet runs come from `benchmarks/rl.py`'s results, measured at another "
                   "time of the machine's load. " if args.reuse else
                   "Each seed ran tinynet, then PyTorch, in this process. ")
                + "The libraries draw different random numbers, so a seed's two runs are two "
                "samples of the same recipe.\n")
        write_markdown(args.markdown, f"PPO on {args.env}: tinynet and PyTorch", body,
                       " ".join(["PYTHONPATH=. python benchmarks/rl_pytorch.py", *sys.argv[1:]]))
        print(f"wrote {args.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
