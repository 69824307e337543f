"""``Corridor``: a tiny environment with the Gymnasium API and no dependency, for tests,
notebooks and the recipes' short form; and the minimal ``Discrete`` and ``Box`` spaces it uses.

The agent starts in the leftmost of ``length`` cells and moves left (action 0) or right
(action 1); reaching the rightmost cell ends the episode (terminated) with reward 1, every
other step costs 0.01, and an episode is truncated after ``max_steps`` steps. The observation
is the one-hot vector of the agent's cell. The best return is 1 - 0.01 (length - 2).
"""

from __future__ import annotations

import numpy as np


class Discrete:
    """The actions (or observations) start, start + 1, ..., start + n - 1."""

    def __init__(self, n: int, start: int = 0, seed: int | None = None):
        self.n, self.start = int(n), int(start)
        self.shape = ()
        self.rng = np.random.default_rng(seed)

    def seed(self, seed: int | None = None) -> None:
        self.rng = np.random.default_rng(seed)

    def sample(self) -> int:
        return self.start + int(self.rng.integers(self.n))

    def __repr__(self) -> str:
        return f"Discrete({self.n})" if self.start == 0 else f"Discrete({self.n}, start={self.start})"


class Box:
    """Real vectors of ``shape`` between ``low`` and ``high``."""

    def __init__(self, low: float, high: float, shape: tuple, dtype=np.float32):
        self.low, self.high, self.shape, self.dtype = low, high, tuple(shape), dtype

    def seed(self, seed: int | None = None) -> None:
        """Nothing to seed: the corridor never samples its observation space."""

    def __repr__(self) -> str:
        return f"Box({self.low}, {self.high}, {self.shape}, {np.dtype(self.dtype).name})"


class Corridor:
    """``Corridor(length=6, max_steps=50, render_mode=None)`` (see the module);
    ``render_mode="ansi"`` renders a line such as ``..A..G``."""

    def __init__(self, length: int = 6, max_steps: int = 50, render_mode: str | None = None):
        if length < 2:
            raise ValueError(f"length must be at least 2, got {length}")
        self.length, self.max_steps, self.render_mode = int(length), int(max_steps), render_mode
        self.action_space = Discrete(2)
        self.observation_space = Box(0.0, 1.0, (self.length,))
        self.position, self.elapsed = 0, 0

    def _observation(self) -> np.ndarray:
        one_hot = np.zeros(self.length, dtype=np.float32)
        one_hot[self.position] = 1.0
        return one_hot

    def reset(self, seed: int | None = None, options=None):
        """Back to the leftmost cell (the corridor is deterministic: ``seed`` changes nothing)."""
        self.position, self.elapsed = 0, 0
        return self._observation(), {}

    def step(self, action):
        if action not in (0, 1):
            raise ValueError(f"Corridor's actions are 0 (left) and 1 (right), got {action!r}")
        self.position = min(max(self.position + (1 if action == 1 else -1), 0), self.length - 1)
        self.elapsed += 1
        terminated = self.position == self.length - 1
        reward = 1.0 if terminated else -0.01
        truncated = not terminated and self.elapsed >= self.max_steps
        return self._observation(), reward, terminated, truncated, {}

    def render(self) -> str:
        cells = ["."] * self.length
        cells[-1] = "G"
        cells[self.position] = "A"
        return "".join(cells)
