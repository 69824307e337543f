"""What agents need from an environment, through the Gymnasium API only.

An environment has ``reset(seed=None) -> (observation, info)``, ``step(action) ->
(observation, reward, terminated, truncated, info)``, an ``action_space`` and an
``observation_space``. A discrete action space has an integer ``n`` (and an optional ``start``,
the first action's value, as Gymnasium's ``Discrete``); a box has a ``shape``. Any object with
these attributes works, so tests and notebooks can write a small environment without Gymnasium.
"""

from __future__ import annotations

import numbers

import numpy as np

import tinynet as tn


def is_box(space) -> bool:
    """Whether ``space`` is a one-dimensional box of real actions (Gymnasium's Box(low, high,
    (d,)))."""
    shape = getattr(space, "shape", None)
    return (getattr(space, "n", None) is None and hasattr(space, "low") and hasattr(space, "high")
            and isinstance(shape, tuple) and len(shape) == 1)


def box_actions(env) -> tuple[int, np.ndarray, np.ndarray]:
    """(d, low, high) of ``env``'s one-dimensional Box action space."""
    space = env.action_space
    size = int(space.shape[0])
    low = np.broadcast_to(np.asarray(space.low, dtype=np.float32), (size,))
    high = np.broadcast_to(np.asarray(space.high, dtype=np.float32), (size,))
    return size, low, high


def discrete_actions(env, agent: str, also: str = "") -> tuple[int, int]:
    """(n, start) of ``env``'s discrete action space; an action space without an integer ``n``
    (a Box of continuous actions, a MultiDiscrete, ...) is refused with a message naming it
    (``also``: the other spaces the agent takes, for the message)."""
    space = getattr(env, "action_space", None)
    n = getattr(space, "n", None)
    nvec = getattr(space, "nvec", None)
    if space is None:
        raise TypeError(f"{agent} needs an environment with an action_space attribute "
                        f"(the Gymnasium API), got {type(env).__name__}")
    if nvec is not None or isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"{agent} handles a discrete action space (Gymnasium's Discrete(n): "
                         f"one of n actions){also}, not {space!r}")
    start = getattr(space, "start", 0)
    return int(n), int(start)


def observation_size(env, agent: str) -> int:
    """The number of values in one observation of ``env`` (a Box of any shape is flattened; a
    Discrete observation becomes a one-hot vector of its ``n`` values)."""
    space = getattr(env, "observation_space", None)
    n = getattr(space, "n", None)
    if isinstance(n, numbers.Integral) and not isinstance(n, bool):
        return int(n)
    shape = getattr(space, "shape", None)
    if shape is None or len(shape) == 0:
        raise ValueError(f"{agent} needs an observation space with a shape (a Box) or a "
                         f"Discrete n, got {space!r}")
    return int(np.prod(shape))


def observation_array(env, observation) -> np.ndarray:
    """``observation`` as a flat float32 vector (one-hot for a Discrete observation space)."""
    space = getattr(env, "observation_space", None)
    n = getattr(space, "n", None)
    if isinstance(n, numbers.Integral) and not isinstance(n, bool):
        one_hot = np.zeros(int(n), dtype=np.float32)
        one_hot[int(observation) - int(getattr(space, "start", 0))] = 1.0
        return one_hot
    return np.asarray(observation, dtype=np.float32).reshape(-1)


def seed_everything(seed: int, *envs) -> np.random.Generator:
    """Seed tinynet's default generator (weights, sampled actions) and each environment's
    action space (``reset(seed=...)`` seeds the episodes: the agents do that on their first
    reset); return a NumPy generator of the same seed for the caller's own draws. NumPy's and
    Python's global generators are left alone."""
    tn.manual_seed(seed)
    for env in envs:
        space = getattr(env, "action_space", None)
        if hasattr(space, "seed"):
            space.seed(seed)
    return np.random.default_rng(seed)


def evaluate(agent, env, episodes: int = 100, seed: int | None = None,
             max_steps: int | None = None) -> list[float]:
    """The returns of ``episodes`` episodes of ``env`` played with the agent's greedy action
    (``agent.act``); the first reset takes ``seed``, so the same seed plays the same episodes.
    ``max_steps`` caps an episode (for environments without a time limit)."""
    if isinstance(episodes, bool) or not isinstance(episodes, numbers.Integral) or episodes < 1:
        raise ValueError(f"episodes must be a positive integer, got {episodes!r}")
    returns = []
    observation, _ = env.reset(seed=seed)
    for _ in range(episodes):
        total, steps, done = 0.0, 0, False
        while not done:
            observation, reward, terminated, truncated, _ = env.step(agent.act(observation))
            total += float(reward)
            steps += 1
            done = terminated or truncated or (max_steps is not None and steps >= max_steps)
        returns.append(total)
        observation, _ = env.reset()
    return returns


def watch(agent, env, max_steps: int = 200, seed: int | None = None) -> list[str]:
    """Text frames of one greedy episode: the environment's own text (``env.render()`` when its
    render_mode is "ansi"), else one line per step with the observation, action and reward."""
    frames = []
    observation, _ = env.reset(seed=seed)
    total = 0.0
    for step in range(max_steps):
        action = agent.act(observation)
        shown = np.array2string(np.asarray(observation, dtype=float).reshape(-1), precision=3,
                                suppress_small=True)
        observation, reward, terminated, truncated, _ = env.step(action)
        total += float(reward)
        if getattr(env, "render_mode", None) == "ansi":
            frames.append(str(env.render()))
        else:
            frames.append(f"step {step:4d}  observation {shown}  action {action}  "
                          f"reward {float(reward):+.2f}  return {total:.2f}")
        if terminated or truncated:
            break
    return frames


def save_gif(agent, env, path, max_steps: int = 500, seed: int | None = None,
             fps: int = 30):
    """One greedy episode as an animated GIF of the environment's RGB frames (an environment
    made with ``render_mode="rgb_array"``); needs Pillow (``pip install pillow``)."""
    try:
        from PIL import Image
    except ImportError as error:
        raise ImportError("save_gif needs Pillow: pip install pillow") from error
    if getattr(env, "render_mode", None) != "rgb_array":
        raise ValueError("save_gif needs an environment made with render_mode='rgb_array', "
                         f"got render_mode={getattr(env, 'render_mode', None)!r}")
    observation, _ = env.reset(seed=seed)
    images = [Image.fromarray(env.render())]
    for _ in range(max_steps):
        observation, _, terminated, truncated, _ = env.step(agent.act(observation))
        images.append(Image.fromarray(env.render()))
        if terminated or truncated:
            break
    images[0].save(path, save_all=True, append_images=images[1:], duration=1000 // fps, loop=0)
    return path
