"""The monitor's pictures: per-layer gradient norms over the steps as a heat map, and the
update ratio of each layer over the steps. Drawn on a ``matplotlib.figure.Figure`` with the Agg
canvas (no pyplot, no display needed, no global state touched); each function returns the
Figure and saves a PNG when given ``path``."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _history(source) -> dict:
    """A monitor's history, or the history itself."""
    return source.history if hasattr(source, "history") and not isinstance(source, dict) \
        else source


def _label(history: dict, layer: str) -> str:
    """'3 (Linear)': the layer's name and class."""
    kind = history.get("layer_types", {}).get(layer)
    return f"{layer} ({kind})" if kind else layer


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height))
    FigureCanvasAgg(figure)
    return figure


def _save(figure, path) -> None:
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, dpi=100)


def plot_gradient_heatmap(source, path: str | Path | None = None):
    """A heat map of log10 ‖gradient‖ per layer (rows, lowest layer at the bottom) and recorded
    step (columns), from a ``GradientMonitor`` or its ``history``. Vanishing gradients show as
    a dark band at the bottom, exploding ones as a bright edge on the right; NaN/inf cells are
    left blank. Returns the Figure (saved to ``path`` as a PNG when given)."""
    history = _history(source)
    norms = history["layer_grad_norm"]
    layers = [layer for layer in history["layers"] if layer in norms]
    if not layers or len(history["step"]) == 0:
        raise ValueError("nothing to draw: the monitor has no recorded step yet (call step() "
                         "after each optimizer step)")
    with np.errstate(divide="ignore", invalid="ignore"):
        grid = np.log10(np.stack([norms[layer] for layer in layers]))
    grid[~np.isfinite(grid)] = np.nan
    steps = history["step"]
    figure = _figure(8, 1.2 + 0.3 * len(layers))
    axis = figure.subplots()
    image = axis.imshow(grid, aspect="auto", origin="lower", interpolation="nearest",
                        cmap="viridis", extent=(steps[0] - 0.5, steps[-1] + 0.5, -0.5,
                                                len(layers) - 0.5))
    axis.set_yticks(range(len(layers)), [_label(history, layer) for layer in layers])
    axis.set_xlabel("step")
    axis.set_ylabel("layer (lowest at the bottom)")
    axis.set_title("log10 ‖gradient‖ per layer")
    figure.colorbar(image, ax=axis, label="log10 ‖g‖")
    figure.tight_layout()
    _save(figure, path)
    return figure


def plot_update_ratios(source, path: str | Path | None = None):
    """The update ratio ‖θ_t − θ_{t−1}‖ / ‖θ_{t−1}‖ of each layer against the step, on a log
    scale, from a ``GradientMonitor`` or its ``history``; lower layers in darker colors. Healthy
    training keeps the layers within an order of magnitude or two of each other (about 1e-3 is
    a common rule of thumb); vanishing gradients leave the lower layers far below. Returns the
    Figure (saved to ``path`` as a PNG when given)."""
    history = _history(source)
    ratios = history["layer_update_ratio"]
    layers = [layer for layer in history["layers"] if layer in ratios]
    if not layers:
        raise ValueError("nothing to draw: the monitor has no update ratio yet (call step() "
                         "after each optimizer step)")
    from matplotlib import colormaps

    colors = colormaps["viridis"](np.linspace(0, 0.9, len(layers)))
    figure = _figure(8, 4.5)
    axis = figure.subplots()
    for layer, color in zip(layers, colors):
        values = np.where(ratios[layer] > 0, ratios[layer], np.nan)
        axis.plot(history["step"], values, color=color, lw=1.2, label=_label(history, layer))
    axis.set_yscale("log")
    axis.set_xlabel("step")
    axis.set_ylabel("‖Δθ‖ / ‖θ‖")
    axis.set_title("update ratio per layer")
    axis.grid(alpha=0.3)
    axis.legend(fontsize=7, ncol=max(1, len(layers) // 12), loc="best")
    figure.tight_layout()
    _save(figure, path)
    return figure
