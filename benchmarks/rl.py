"""The reinforcement-learning agents on Gymnasium's classic-control tasks: per agent,
environment and seed, whether it solved the task, the environment steps to solve it, the mean
greedy return over 100 evaluation episodes, training and wall time. Each run is
``tinynet.recipes.train(AGENT, env=ENV, seed=SEED)`` (= ``tinynet train AGENT --env ENV --seed
SEED``): training stops when solved (see ``tinynet.rl.solve``) or after 200,000 steps.

    PYTHONPATH=. python benchmarks/rl.py --markdown docs/results/rl.md
    PYTHONPATH=. python benchmarks/rl.py --runs ppo:CartPole-v1:0 dqn:Acrobot-v1:0

Runs are done one after the other in this process; their metrics are kept in
OUT/results.json, so a second call skips the runs already done (``--again`` redoes them).
Needs Gymnasium (``pip install gymnasium``).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from tinynet.recipes import train
from tinynet.report import markdown_table, write_markdown

RUNS = ([f"{agent}:CartPole-v1:{seed}" for agent in ("dqn", "ppo") for seed in (0, 1, 2)]
        + ["ppo:Acrobot-v1:0", "dqn:Acrobot-v1:0", "a2c:CartPole-v1:0",
           "reinforce:CartPole-v1:0"])


def run_all(runs, out: Path, again: bool = False, steps: int | None = None) -> dict:
    """Each run of ``runs`` ("agent:env:seed") not yet in OUT/results.json, then the results."""
    path = out / "results.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    for key in runs:
        if key in results and not again:
            continue
        agent, env, seed = key.split(":")
        metrics = train(agent, env=env, seed=int(seed), steps=steps,
                        out=out / key.replace(":", "-"), overwrite=True)
        results[key] = {name: metrics[name] for name in (
            "env", "target", "solved", "steps_to_solve", "steps", "eval_mean_return",
            "eval_std", "eval_episodes", "train_seconds", "eval_seconds", "wall_seconds",
            "agent_settings", "run_folder")}
        out.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(results, indent=2))
    return results


def page(results: dict, runs, markdown: Path) -> str:
    """The Markdown body: the table, what counts as solved, the learning curves."""
    rows = []
    for key in runs:
        if key not in results:
            continue
        r = results[key]
        agent, env, seed = key.split(":")
        rows.append([agent, env, seed, "yes" if r["solved"] else "no",
                     f"{r['steps_to_solve']:,}" if r["solved"] else f"- ({r['steps']:,} run)",
                     f"{r['eval_mean_return']:.1f} ± {r['eval_std']:.1f}",
                     f"{r['train_seconds']:.0f}", f"{r['wall_seconds']:.0f}"])
    table = markdown_table(["agent", "environment", "seed", "solved", "steps to solve",
                            "mean greedy return (100 episodes)", "training time (s)",
                            "wall time (s)"], rows)
    body = (f"{table}\n\n"
            "Solved: the mean return of the greedy agent over 100 evaluation episodes (seeded "
            "apart from training) reaches the environment's reward threshold: 475 for "
            "CartPole-v1, -100 for Acrobot-v1. The agent is evaluated every 5,000 environment "
            "steps on 10 episodes, and on 100 when those 10 reach the threshold; training stops "
            "when the 100 do, else after 200,000 steps (the table then gives the 100-episode "
            "mean of the final agent). Steps to solve are therefore multiples of 5,000. Training "
            "time is the agent's learning loop; wall time the whole run (evaluations, figures, "
            "files). Times follow the machine's load: on a shared machine, runs of the same "
            "length can differ several-fold. The agents' settings are their defaults with the recipe's table "
            "(`tinynet/recipes/rl.py`): "
            + "; ".join(sorted({f"{key.split(':')[0]} {results[key]['agent_settings']}"
                                for key in runs if key in results})) + ".\n")
    figures = []
    for key in runs:
        if key in results and key.endswith(":0"):
            source = Path(results[key]["run_folder"]) / "learning-curve.png"
            if source.exists():
                name = f"{markdown.stem}-{key.replace(':', '-')}.png"
                shutil.copyfile(source, markdown.parent / name)
                figures.append(f"![{key}]({name})")
    if figures:
        body += "\nLearning curves of seed 0 (training episode returns, greedy evaluations):\n\n"
        body += "\n".join(figures) + "\n"
    return body


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", nargs="+", default=RUNS, metavar="AGENT:ENV:SEED")
    parser.add_argument("--out", default="runs/rl-benchmark", help="the runs' folder")
    parser.add_argument("--steps", type=int, help="the most steps per run (default: 200000)")
    parser.add_argument("--again", action="store_true", help="redo runs already done")
    parser.add_argument("--markdown", help="write the table as a Markdown page")
    args = parser.parse_args(argv)
    results = run_all(args.runs, Path(args.out), args.again, args.steps)
    for key in args.runs:
        r = results[key]
        print(f"{key}: solved {r['solved']} at {r['steps_to_solve']}, mean return "
              f"{r['eval_mean_return']:.1f}, training {r['train_seconds']:.0f} s, wall "
              f"{r['wall_seconds']:.0f} s")
    if args.markdown:
        markdown = Path(args.markdown)
        markdown.parent.mkdir(parents=True, exist_ok=True)
        body = page(results, args.runs, markdown)
        write_markdown(markdown, "Reinforcement learning: CartPole-v1 and Acrobot-v1", body,
                       " ".join(["PYTHONPATH=. python benchmarks/rl.py", *sys.argv[1:]]))
        print(f"wrote {markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
