"""Episode returns as an agent plays: ``EpisodeLog`` records them, ``plot_learning_curve``
draws them against environment steps."""

from __future__ import annotations

import numpy as np


class EpisodeLog:
    """The return and length of every finished episode, with the environment step at which
    it ended. ``progress=True`` shows a tqdm bar over ``total`` steps with the mean return of
    the last episodes."""

    def __init__(self, window: int = 20):
        self.steps: list[int] = []
        self.returns: list[float] = []
        self.lengths: list[int] = []
        self.window = window
        self._bar = None

    def record(self, step: int, episode_return: float, length: int) -> None:
        self.steps.append(int(step))
        self.returns.append(float(episode_return))
        self.lengths.append(int(length))
        if self._bar is not None:
            self._bar.set_postfix(episodes=len(self.returns), mean_return=f"{self.recent():.1f}")

    def recent(self) -> float:
        """The mean return of the last ``window`` episodes (NaN before the first one)."""
        if not self.returns:
            return float("nan")
        return float(np.mean(self.returns[-self.window:]))

    def start_progress(self, total: int, description: str = "steps"):
        """Open a progress bar over ``total`` environment steps (closed by ``close_progress``)."""
        from tqdm.auto import tqdm

        self._bar = tqdm(total=total, desc=description, leave=False)
        return self._bar

    def advance(self, steps: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(steps)

    def close_progress(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def to_dict(self) -> dict:
        return {"steps": self.steps, "returns": self.returns, "lengths": self.lengths}


def moving_average(values, window: int) -> np.ndarray:
    """The mean of each value and the ``window - 1`` before it (fewer at the start)."""
    values = np.asarray(values, dtype=np.float64)
    sums = np.cumsum(np.insert(values, 0, 0.0))
    index = np.arange(1, len(values) + 1)
    low = np.maximum(index - window, 0)
    return (sums[index] - sums[low]) / (index - low)


def plot_learning_curve(log, path=None, window: int = 20, title: str = "learning curve",
                        evaluations=None, target: float | None = None):
    """Episode returns against environment steps (dots) and their moving average over
    ``window`` episodes (line); ``evaluations`` ((step, mean return) pairs) as crosses and
    ``target`` as a dashed line. Saved to ``path`` when given (drawn on a bare Figure, so no
    backend is chosen); else drawn with pyplot, to be shown. Returns the matplotlib figure."""
    if path is not None:
        from matplotlib.figure import Figure

        figure = Figure(figsize=(6, 3.5))
        axes = figure.add_subplot()
    else:
        import matplotlib.pyplot as plt

        figure, axes = plt.subplots(figsize=(6, 3.5))
    axes.plot(log.steps, log.returns, ".", alpha=0.3, markersize=3, label="episode return")
    if log.returns:
        axes.plot(log.steps, moving_average(log.returns, window), label=f"mean of {window}")
    if evaluations:
        steps, means = zip(*evaluations)
        axes.plot(steps, means, "x", color="black", label="greedy evaluation")
    if target is not None:
        axes.axhline(target, linestyle="--", color="gray", label=f"target {target:g}")
    axes.set_xlabel("environment steps")
    axes.set_ylabel("return")
    axes.set_title(title)
    axes.legend(loc="best", fontsize=8)
    figure.tight_layout()
    if path is not None:
        figure.savefig(path, dpi=100)
    return figure
