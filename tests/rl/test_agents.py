"""The four agents on tiny environments written here (no Gymnasium): each learns them within a
few seconds from a fixed seed; their checks of the environment; their shared loop."""

import numpy as np
import pytest

import tinynet as tn
from tinynet.rl import (
    A2C,
    AGENTS,
    DQN,
    PPO,
    REINFORCE,
    EpisodeLog,
    evaluate,
    plot_learning_curve,
    seed_everything,
    solve,
    watch,
)


class Discrete:
    def __init__(self, n, start=0):
        self.n, self.start, self.shape = n, start, ()


class Box:
    def __init__(self, shape):
        self.shape = shape


class Bandit:
    """Two arms, one step per episode: arm 1 pays 1, arm 0 pays 0. Observation: [1]."""

    def __init__(self, start=0):
        self.action_space = Discrete(2, start)
        self.observation_space = Box((1,))
        self.start = start

    def reset(self, seed=None, options=None):
        return np.ones(1, dtype=np.float32), {}

    def step(self, action):
        assert action in (self.start, self.start + 1)
        reward = 1.0 if action == self.start + 1 else 0.0
        return np.ones(1, dtype=np.float32), reward, True, False, {}


class Corridor:
    """Cells 0..4, start in 0, action 1 moves right and 0 left; the right end pays 1 and ends
    the episode; each other step costs 0.01; 20 steps at most. Observation: one-hot cell."""

    def __init__(self, length=5):
        self.length = length
        self.action_space = Discrete(2)
        self.observation_space = Box((length,))

    def observation(self):
        return np.eye(self.length, dtype=np.float32)[self.position]

    def reset(self, seed=None, options=None):
        self.position, self.elapsed = 0, 0
        return self.observation(), {}

    def step(self, action):
        self.position = min(max(self.position + (1 if action == 1 else -1), 0), self.length - 1)
        self.elapsed += 1
        terminated = self.position == self.length - 1
        return (self.observation(), 1.0 if terminated else -0.01, terminated,
                not terminated and self.elapsed >= 20, {})


FAST = {  # settings that learn these small problems in a few thousand steps
    "reinforce": {"lr": 3e-3, "entropy_coef": 0.05, "episodes_per_update": 4},
    "a2c": {"lr": 3e-3, "entropy_coef": 0.05},
    "dqn": {"learning_starts": 100, "exploration_steps": 500, "target_update": 100,
            "train_every": 2},
    "ppo": {"lr": 3e-3, "n_steps": 64, "batch_size": 32, "epochs": 4},
}


@pytest.mark.parametrize("name", list(AGENTS))
def test_agent_learns_the_bandit(name):
    env = Bandit(start=3)  # actions 3 and 4: the agents add the space's start
    seed_everything(0, env)
    agent = AGENTS[name](env, seed=0, **FAST[name]).learn(600)
    assert agent.act(np.ones(1, dtype=np.float32)) == 4
    assert np.mean(agent.log.returns[-50:]) > 0.7  # its (exploring) training play too


@pytest.mark.parametrize("name", list(AGENTS))
def test_agent_learns_the_corridor(name):
    env = Corridor()
    seed_everything(0, env)
    agent = AGENTS[name](env, seed=0, **FAST[name]).learn(1500)
    best = 1 - 0.01 * 3  # four steps right
    assert evaluate(agent, Corridor(), episodes=3) == pytest.approx([best] * 3)


def test_learning_repeats_with_the_seed():
    runs = []
    for _ in range(2):
        env = Corridor()
        seed_everything(7, env)
        agent = PPO(env, seed=7, n_steps=64, batch_size=32).learn(256)
        runs.append((agent.log.returns, agent.network[0].weight.detach().numpy().copy()))
    assert runs[0][0] == runs[1][0]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])


def test_learn_continues_where_it_stopped():
    agent = A2C(Corridor(), seed=0, n_steps=8)
    agent.learn(40)
    assert agent.steps == 40 and agent.updates == 5
    agent.learn(24)
    assert agent.steps == 64 and agent.updates == 8
    episodes = agent.log
    assert sum(episodes.lengths) <= 64 and episodes.steps == sorted(episodes.steps)


def test_ppo_update_count_follows_epochs_and_minibatches():
    agent = PPO(Corridor(), seed=0, n_steps=64, batch_size=16, epochs=3).learn(128)
    assert agent.updates == 2 * 3 * 4


def test_dqn_epsilon_decays_linearly_then_stays():
    agent = DQN(Corridor(), seed=0, epsilon_start=1.0, epsilon_end=0.1, exploration_steps=100,
                learning_starts=1000)
    assert agent.epsilon() == 1.0
    agent.learn(50)
    assert agent.epsilon() == pytest.approx(0.55)
    agent.learn(100)
    assert agent.epsilon() == pytest.approx(0.1)
    assert agent.updates == 0 and len(agent.buffer) == 150  # nothing learned before the start


def test_dqn_target_network_is_refreshed_every_target_update_steps():
    agent = DQN(Corridor(), seed=0, learning_starts=10, target_update=50)
    agent.learn(49)
    def weights(net):
        return net[0].weight.detach().numpy().copy()

    assert not np.array_equal(weights(agent.network), weights(agent.target))  # only Q learned
    agent.learn(1)
    np.testing.assert_array_equal(weights(agent.network), weights(agent.target))
    assert all(not p.requires_grad for p in agent.target.parameters())


@pytest.mark.parametrize("double", [False, True])
def test_dqn_targets_follow_the_update_rule(double):
    agent = DQN(Corridor(), seed=0, double=double, learning_starts=10, target_update=1000)
    agent.learn(30)  # the online network has moved away from the target network
    batch = agent.buffer.sample(8)
    with tn.no_grad():
        next_online = agent.network(tn.tensor(batch.next_observations)).numpy()
        next_target = agent.target(tn.tensor(batch.next_observations)).numpy()
    choice = (next_online if double else next_target).argmax(1)
    expected = batch.rewards + 0.99 * (1 - batch.terminated) * next_target[np.arange(8), choice]
    np.testing.assert_allclose(agent.targets(batch).numpy(), expected, rtol=1e-6)


def test_truncated_episode_bootstraps_from_the_critic():
    class TimeLimited(Corridor):
        def step(self, action):
            observation, reward, _, _, info = super().step(0)
            return observation, reward, False, True, info  # every step hits the time limit

    agent = A2C(TimeLimited(), seed=0, n_steps=1000)
    agent.learn(3)
    with tn.no_grad():
        value = agent.critic(tn.tensor(np.eye(5, dtype=np.float32)[:1])).numpy()[0, 0]
    np.testing.assert_allclose(agent.rollout["rewards"], -0.01 + 0.99 * value, rtol=1e-5)
    assert agent.rollout["dones"] == [True, True, True]


def test_dqn_refuses_continuous_actions_and_every_agent_a_grid_of_them():
    env = Corridor()
    env.action_space = BoxActions((1,))
    with pytest.raises(ValueError, match="DQN handles a discrete action space"):
        DQN(env)
    env.action_space = BoxActions((2, 2))
    for agent in AGENTS.values():
        with pytest.raises(ValueError, match="discrete action space"):
            agent(env)


class BoxActions(Box):
    def __init__(self, shape, low=-2.0, high=2.0):
        super().__init__(shape)
        self.low, self.high = low, high


class Target:
    """One step per episode: the action a (a real number in [-2, 2]) pays -(a - 0.5)^2."""

    action_space = BoxActions((1,))
    observation_space = Box((1,))

    def reset(self, seed=None, options=None):
        return np.ones(1, dtype=np.float32), {}

    def step(self, action):
        assert action.shape == (1,) and -2 <= action[0] <= 2
        return np.ones(1, dtype=np.float32), -float((action[0] - 0.5) ** 2), True, False, {}


@pytest.mark.parametrize("name", ["ppo", "a2c", "reinforce"])
def test_on_policy_agents_learn_a_continuous_action(name):
    env = Target()
    seed_everything(0, env)
    agent = AGENTS[name](env, seed=0, **FAST[name]).learn(1000)
    assert agent.continuous and agent.log_std.shape == (1,)
    assert abs(agent.act(np.ones(1, dtype=np.float32))[0] - 0.5) < 0.15
    assert agent.log_std.item() < 0  # it grew surer of its action


def test_not_an_environment_is_refused():
    with pytest.raises(TypeError, match="reset"):
        PPO(object())


@pytest.mark.parametrize("name, settings, words", [
    ("ppo", {"clip": -0.1}, "clip"), ("a2c", {"lam": 1.5}, "lam"),
    ("dqn", {"batch_size": 0}, "batch_size"), ("reinforce", {"lr": 0}, "lr"),
    ("dqn", {"gamma": 2}, "gamma"),
])
def test_bad_settings_are_refused(name, settings, words):
    with pytest.raises(ValueError, match=words):
        AGENTS[name](Corridor(), **settings)


def test_solve_stops_when_the_target_is_reached():
    env = Corridor()
    seed_everything(0, env)
    agent = REINFORCE(env, seed=0, **FAST["reinforce"])
    result = solve(agent, Corridor(), target=0.97, max_steps=5000, eval_every=500,
                   eval_episodes=5, check_episodes=2)
    assert result["solved"] and result["steps_to_solve"] == agent.steps < 5000
    assert result["steps_to_solve"] % 500 == 0 and result["eval_mean"] >= 0.97
    unsolved = solve(PPO(Corridor(), seed=0), Corridor(), target=2.0, max_steps=600,
                     eval_every=300, eval_episodes=2, check_episodes=1)
    assert not unsolved["solved"] and unsolved["steps_to_solve"] is None
    assert [step for step, _ in unsolved["evaluations"]] == [300, 600]


def test_watch_and_the_learning_curve(tmp_path):
    agent = DQN(Corridor(), seed=0, **FAST["dqn"]).learn(1500)
    frames = watch(agent, Corridor(), max_steps=10)
    assert len(frames) == 4 and "action 1" in frames[0]
    path = plot_learning_curve(agent.log, tmp_path / "curve.png", evaluations=[(1000, 0.5)],
                               target=0.97) and tmp_path / "curve.png"
    assert path.read_bytes()[:4] == b"\x89PNG"


def test_episode_log():
    log = EpisodeLog(window=2)
    assert np.isnan(log.recent())
    for step, value in ((3, 1.0), (5, 2.0), (9, 4.0)):
        log.record(step, value, 2)
    assert log.recent() == 3.0 and log.to_dict()["steps"] == [3, 5, 9]


def test_progress_bar_opens_and_closes():
    agent = A2C(Corridor(), seed=0, n_steps=8)
    agent.learn(16, progress=True)
    assert agent.log._bar is None and agent.steps == 16


def test_save_gif_needs_pillow_and_rgb_frames(tmp_path):
    from tinynet.rl import save_gif

    agent = DQN(Corridor(), seed=0)
    try:
        import PIL  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="pip install pillow"):
            save_gif(agent, Corridor(), tmp_path / "a.gif")
    else:
        with pytest.raises(ValueError, match="rgb_array"):
            save_gif(agent, Corridor(), tmp_path / "a.gif")


def test_importing_tinynet_rl_does_not_import_gymnasium():
    import subprocess
    import sys

    code = "import sys, tinynet.rl; print('gymnasium' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"
