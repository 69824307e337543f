"""``solve``: train an agent until its greedy play reaches a target mean return.

The protocol behind "steps to solve": every ``eval_every`` environment steps of training, the
greedy agent plays ``check_episodes`` episodes of a separate evaluation environment; when their
mean reaches ``target``, it plays ``eval_episodes`` (100) more episodes, and if their mean
also reaches ``target`` the environment counts as solved at the current step. Training stops
there, or after ``max_steps`` steps (then the 100-episode evaluation of the final agent is
reported).
"""

from __future__ import annotations

import time

import numpy as np

from tinynet.rl.agent import positive
from tinynet.rl.env import evaluate


def solve(agent, eval_env, target: float, max_steps: int, eval_every: int = 5000,
          eval_episodes: int = 100, check_episodes: int = 10, eval_seed: int | None = None,
          progress: bool = False, say=None) -> dict:
    """Train ``agent`` by ``eval_every`` steps until solved (see the module) or ``max_steps``;
    returns {"solved", "steps_to_solve" (None when not solved), "steps", "eval_mean",
    "eval_std", "eval_episodes", "evaluations" ([step, mean of the check episodes] pairs),
    "train_seconds", "eval_seconds"}. ``say`` (a function of one string) gets a line per
    evaluation. Evaluation episodes are seeded from ``eval_seed`` (default: 1000 + the agent's
    seed), apart from the training episodes."""
    max_steps = positive("max_steps", max_steps, integer=True)
    eval_every = positive("eval_every", eval_every, integer=True)
    seed = 1000 + agent.seed if eval_seed is None else eval_seed
    evaluations, solved_at, full = [], None, None
    train_seconds = eval_seconds = 0.0
    while agent.steps < max_steps:
        start = time.perf_counter()
        agent.learn(min(eval_every, max_steps - agent.steps), progress=progress)
        middle = time.perf_counter()
        check = float(np.mean(evaluate(agent, eval_env, check_episodes,
                                       seed=seed + len(evaluations))))
        evaluations.append([agent.steps, check])
        full = None
        if check >= target:
            full = evaluate(agent, eval_env, eval_episodes, seed=seed)
            if np.mean(full) >= target:
                solved_at = agent.steps
        train_seconds += middle - start
        eval_seconds += time.perf_counter() - middle
        if say is not None:
            line = f"step {agent.steps}: greedy return {check:.1f} over {check_episodes} episodes"
            if full is not None:
                line += f", {np.mean(full):.1f} over {eval_episodes}"
            say(line + f"; training return {agent.log.recent():.1f} ({train_seconds:.0f} s)")
        if solved_at is not None:
            break
    if full is None:
        start = time.perf_counter()
        full = evaluate(agent, eval_env, eval_episodes, seed=seed)
        eval_seconds += time.perf_counter() - start
    return {"solved": solved_at is not None, "steps_to_solve": solved_at, "steps": agent.steps,
            "eval_mean": float(np.mean(full)), "eval_std": float(np.std(full)),
            "eval_episodes": len(full), "evaluations": evaluations,
            "train_seconds": round(train_seconds, 2), "eval_seconds": round(eval_seconds, 2)}
