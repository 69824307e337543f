"""The reinforcement-learning recipes: ``tinynet train dqn --env CartPole-v1`` (and ppo, a2c,
reinforce) trains the agent of ``tinynet.rl`` on a Gymnasium environment until solved
(``tinynet.rl.solve``: greedy evaluation every few thousand steps; solved when the mean
return over 100 evaluation episodes reaches the environment's reward threshold, 475 for
CartPole-v1 and -100 for Acrobot-v1) or for ``steps`` environment steps.

    tinynet train ppo --env CartPole-v1 --seed 0
    tinynet train dqn --env Acrobot-v1 --steps 100000
    tinynet train reinforce --dataset corridor          # a tiny built-in environment

Writes metrics.json (solved, steps to solve, mean evaluation return over ``eval_episodes``
episodes, training and wall time), learning-curve.png (training episode returns and the greedy
evaluations against environment steps), model.npz (the policy or Q network) and watch.txt
(text frames of one greedy episode). Gymnasium is needed for ``--env`` (``pip install
gymnasium``); the ``corridor`` dataset needs nothing. With the environment variable CI set,
the default run is a short one (5,000 steps, 10 evaluation episodes).
"""

from __future__ import annotations

import os
import time
from functools import partial

from tinynet.recipes.common import Recipe, Run
from tinynet.train import History

# The agents' settings on Gymnasium environments, beyond their defaults, and their --lr
SETTINGS = {"dqn": {"train_every": 2}, "ppo": {"n_steps": 256}, "a2c": {}, "reinforce": {}}
LR = {"dqn": 1e-3, "ppo": 1e-3, "a2c": 7e-4, "reinforce": 1e-3}
# ... and on the corridor (a few thousand steps)
CORRIDOR = {"dqn": {"learning_starts": 200, "exploration_steps": 1000, "target_update": 100},
            "ppo": {"n_steps": 128, "batch_size": 32}, "a2c": {"entropy_coef": 0.05},
            "reinforce": {"entropy_coef": 0.05}}
CORRIDOR_LR = {"dqn": 1e-3, "ppo": 3e-3, "a2c": 3e-3, "reinforce": 3e-3}


def defaults(agent: str, dataset: str) -> dict:
    """The options of ``agent``'s recipe on ``dataset`` and their defaults."""
    if dataset == "corridor":
        return {"steps": 3000, "eval_episodes": 10, "lr": CORRIDOR_LR[agent]}
    short = bool(os.environ.get("CI"))
    return {"env": "CartPole-v1", "steps": 5000 if short else 200_000,
            "eval_episodes": 10 if short else 100, "lr": LR[agent]}


def make_env(name: str, render_mode: str | None = None):
    """A Gymnasium environment by id (ImportError with the install command without Gymnasium,
    ValueError naming the id when Gymnasium does not know it)."""
    try:
        import gymnasium
    except ImportError as error:
        raise ImportError("the reinforcement-learning recipes need Gymnasium for --env: pip "
                          "install gymnasium (or use --dataset corridor)") from error
    try:
        return gymnasium.make(name, render_mode=render_mode)
    except gymnasium.error.Error as error:
        raise ValueError(f"--env {name!r}: {error}") from None


def settings(run: Run) -> dict:
    """The agent's keyword arguments for this run: the tables above and --lr."""
    table = CORRIDOR if run.dataset == "corridor" else SETTINGS
    return {**table[run.model], "lr": run.options["lr"]}


def run(run: Run) -> dict:
    from tinynet.rl import AGENTS, plot_learning_curve, seed_everything, solve, watch
    from tinynet.rl.toy import Corridor

    start = time.perf_counter()
    if run.dataset == "corridor":
        env, eval_env, name, target = Corridor(), Corridor(render_mode="ansi"), "corridor", 0.95
    else:
        name = run.options["env"]
        env, eval_env = make_env(name), make_env(name)
        target = env.spec.reward_threshold if env.spec is not None else None
    seed_everything(run.seed, env, eval_env)
    chosen = settings(run)
    agent = AGENTS[run.model](env, seed=run.seed, **chosen, **run.model_args)
    steps, episodes = run.options["steps"], run.options["eval_episodes"]
    run.say(f"{type(agent).__name__} on {name} (target mean return "
            f"{'none' if target is None else target}), at most {steps:,} steps; settings "
            f"{chosen}")
    history = History()
    try:
        result = solve(agent, eval_env, float("inf") if target is None else target, steps,
                       eval_every=max(1, min(5000, steps // 4)), eval_episodes=episodes,
                       check_episodes=min(10, episodes), say=run.say)
    except KeyboardInterrupt:
        history.stop("interrupted", f"interrupted (Ctrl-C) after {agent.steps} steps")
        result = {"solved": False, "steps_to_solve": None, "steps": agent.steps,
                  "eval_mean": float("nan"), "evaluations": [], "train_seconds": 0.0}
    run.train_seconds = result["train_seconds"]
    plot_learning_curve(agent.log, run.folder / "learning-curve.png",
                        title=f"{type(agent).__name__} on {name}, seed {run.seed}",
                        evaluations=result["evaluations"], target=target)
    frames = watch(agent, eval_env, max_steps=500, seed=run.seed)
    (run.folder / "watch.txt").write_text("\n".join(frames) + "\n")
    solved = (f"solved in {result['steps_to_solve']:,} steps" if result["solved"]
              else f"trained {result['steps']:,} steps (no reward threshold)" if target is None
              else f"not solved in {result['steps']:,} steps")
    results = {"env": name, "target": target, **result,
               "eval_mean_return": result["eval_mean"],
               "training_episodes": agent.log.to_dict(), "agent_settings": chosen,
               "figures": ["learning-curve.png"],
               "summary_columns": {"steps to solve": result["steps_to_solve"] or float("nan")},
               "wall_seconds": round(time.perf_counter() - start, 2)}
    return run.finish(agent.network, history, results,
                      f"{name}: {solved}; mean greedy return {result['eval_mean']:.1f} over "
                      f"{result.get('eval_episodes', 0)} episodes")


RECIPES = {agent: Recipe("rl", run, partial(defaults, agent), dataset="gymnasium",
                         headline="eval_mean_return", datasets=("gymnasium", "corridor"))
           for agent in ("dqn", "ppo", "a2c", "reinforce")}
