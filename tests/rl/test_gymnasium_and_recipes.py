"""The agents on Gymnasium environments (skipped without Gymnasium) and the recipes
``tinynet train dqn | ppo | a2c | reinforce`` (the built-in corridor needs no Gymnasium)."""

import json

import numpy as np
import pytest

from tinynet.cli import main
from tinynet.models import MODELS
from tinynet.recipes import RECIPES, train
from tinynet.rl import AGENTS, DQN, PPO, evaluate, seed_everything
from tinynet.rl.toy import Corridor


@pytest.fixture
def gym():
    return pytest.importorskip("gymnasium")


def test_every_agent_is_a_recipe_and_a_model():
    assert set(AGENTS) <= set(RECIPES) and set(AGENTS) <= set(MODELS)
    assert MODELS["dqn"]((4,), 2, hidden=8)[-1].out_features == 2


@pytest.mark.parametrize("name", list(AGENTS))
def test_agents_run_on_cartpole(gym, name):
    env = gym.make("CartPole-v1")
    seed_everything(0, env)
    agent = AGENTS[name](env, seed=0).learn(300)
    assert agent.steps == 300 and agent.log.returns
    returns = evaluate(agent, gym.make("CartPole-v1"), episodes=2, seed=5)
    assert len(returns) == 2 and all(1 <= r <= 500 for r in returns)


def test_same_seed_same_gymnasium_episodes(gym):
    runs = []
    for _ in range(2):
        env = gym.make("CartPole-v1")
        seed_everything(3, env)
        runs.append(DQN(env, seed=3, learning_starts=100).learn(400).log.returns)
    assert runs[0] == runs[1]


def test_continuous_actions_are_refused_by_dqn_and_taken_by_ppo(gym):
    with pytest.raises(ValueError, match="discrete action space.*Box"):
        DQN(gym.make("Pendulum-v1"))
    agent = PPO(gym.make("Pendulum-v1"), seed=0, n_steps=64).learn(128)
    action = agent.act(np.zeros(3, dtype=np.float32))
    assert action.shape == (1,) and -2 <= action[0] <= 2 and agent.updates == 2 * 10


def test_recipe_on_the_corridor(tmp_path):
    metrics = train("ppo", dataset="corridor", seed=0, out=tmp_path / "run", verbose=False)
    assert metrics["solved"] and metrics["steps_to_solve"] <= 3000
    written = {path.name for path in (tmp_path / "run").iterdir()}
    assert {"metrics.json", "learning-curve.png", "model.npz", "watch.txt"} <= written
    saved = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert saved["eval_mean_return"] == pytest.approx(0.96)
    assert "A" in (tmp_path / "run" / "watch.txt").read_text()


def test_recipe_takes_model_args_and_refuses_env_on_the_corridor(tmp_path):
    metrics = train("dqn", dataset="corridor", seed=0, steps=400, model_args=["hidden=16"],
                    out=tmp_path / "run", verbose=False)
    assert metrics["settings"]["model_args"] == {"hidden": 16} and metrics["steps"] <= 400
    with pytest.raises(ValueError, match="does not take --env"):
        train("dqn", dataset="corridor", env="CartPole-v1", out=tmp_path / "other")
    with pytest.raises(ValueError, match="--steps must be a positive integer"):
        train("ppo", steps=0, out=tmp_path / "other")


def test_recipe_on_cartpole_through_the_command_line(gym, tmp_path, capsys):
    out = tmp_path / "run"
    status = main(["train", "ppo", "--env", "CartPole-v1", "--steps", "600", "--eval-episodes",
                   "3", "--out", str(out), "--quiet"])
    assert status == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["env"] == "CartPole-v1" and metrics["target"] == 475.0
    assert metrics["steps"] == 600 and metrics["eval_episodes"] == 3
    assert np.isfinite(metrics["eval_mean_return"]) and metrics["wall_seconds"] > 0


def test_recipe_names_an_unknown_environment(gym, tmp_path, capsys):
    status = main(["train", "dqn", "--env", "NoSuchEnv-v0", "--out", str(tmp_path / "run")])
    assert status == 1 and "NoSuchEnv-v0" in capsys.readouterr().err


def test_recipe_refuses_a_continuous_environment(gym, tmp_path):
    with pytest.raises(ValueError, match="discrete action space"):
        train("dqn", env="Pendulum-v1", steps=100, out=tmp_path / "run", verbose=False)


def test_the_corridor_environment():
    env = Corridor(length=4, render_mode="ansi")
    observation, _ = env.reset(seed=0)
    assert observation.tolist() == [1, 0, 0, 0] and env.render() == "A..G"
    _, reward, terminated, truncated, _ = env.step(1)
    assert (reward, terminated, truncated) == (-0.01, False, False)
    env.step(1)
    _, reward, terminated, _, _ = env.step(1)
    assert reward == 1.0 and terminated
    with pytest.raises(ValueError, match="actions are 0"):
        env.step(2)
