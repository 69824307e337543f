"""Vanishing gradients, shown: the adding problem at several sequence lengths for the tanh RNN,
the LSTM, the peephole LSTM and the GRU, with the gradient of the loss with respect to every
hidden state h_t measured before and after training. A second part (``exploding.py``) shows
the opposite failure, gradients that explode, and ``clip_grad_norm_`` bounding them.

    tinynet train vanishing                                   # lengths 10, 50, 100
    tinynet train vanishing --model-arg lags=(10,20) --model-arg cells=('rnn','gru')

The adding problem (``tinynet.data.datasets.sequence_tasks.adding_problem``): a sequence of
T pairs (value, marker); the answer is the sum of the two marked values, the first marked in
the first half of the sequence, so it lies T/2 to T−1 steps before the answer is due.
Predicting the mean scores an MSE of 1/6 ≈ 0.167. Each model trains with Adam, gradients
clipped to norm 1, until its validation MSE falls below ``STOP_MSE`` or the epochs run out; it
has *solved* a length when its test MSE is below ``SOLVED_MSE`` (an eighth of the baseline).

The loss reaches h_t only through h_{t+1}, ..., h_T: ∂loss/∂h_t = ∂loss/∂h_T ∏ ∂h_s/∂h_{s−1}.
For the tanh RNN each factor is diag(1 − h_s²) W_hh, whose norm is usually below one, so the
gradient shrinks geometrically going back in time and the first marker sends almost no
signal. The LSTM's cell state (c_s = f_s ⊙ c_{s−1} + ...) and the GRU's interpolation
(h_s = z_s ⊙ h_{s−1} + ...) give the gradient a path whose factors are the gates f_s and z_s:
about 1/2 at initialisation, so the gradient vanishes there too, but training can push them
towards one, and then it reaches back. The figure draws ‖∂loss/∂h_t‖ against t, before and
after training.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np

import tinynet as tn
from tinynet.recipes.common import Recipe, Run

DEFAULTS = {"epochs": 24, "batch_size": 64, "lr": 1e-2}
BASELINE_MSE = 1 / 6   # the variance of the sum: the MSE of always predicting its mean, 1
STOP_MSE = 0.01        # training stops once the validation MSE is below this
SOLVED_MSE = 0.02      # a length is solved when the test MSE is below this
CHECK_EVERY = 50       # optimizer steps between validation checks
MAX_NORM = 1.0         # gradient clipping of every training step
VAL_SIZE, TEST_SIZE, PROBE_SIZE = 500, 1000, 256
NAMES = {"rnn": "tanh RNN", "lstm": "LSTM", "peephole": "peephole LSTM", "gru": "GRU"}


def hidden_gradient_norms(model, inputs: tn.Tensor, targets: tn.Tensor) -> list[float]:
    """‖∂loss/∂h_t‖ (Frobenius norm over the batch and the units, summed in float64 so that
    the squares of tiny float32 gradients do not underflow) for t = 1..T, the loss the MSE of
    ``model`` (a ``LastStepRegressor``) on (inputs, targets); gradients of the parameters are
    left cleared."""
    prediction, states = model.hidden_states(inputs)
    for state in states:
        state.retain_grad()
    tn.nn.functional.mse_loss(prediction, targets).backward()
    norms = [float(np.linalg.norm(state.grad.numpy().astype(np.float64))) for state in states]
    model.zero_grad()
    return norms


def mse(model, inputs: tn.Tensor, targets: tn.Tensor) -> float:
    with tn.no_grad():
        return float(tn.nn.functional.mse_loss(model(inputs), targets))


def fit_until_solved(model, train, val, epochs: int, batch_size: int, lr: float,
                     generator: tn.Generator) -> dict:
    """Adam with gradient clipping to ``MAX_NORM`` over shuffled batches of ``train`` (inputs,
    targets), for ``epochs`` or until the validation MSE (every ``CHECK_EVERY`` steps and at
    the end of each epoch) is below ``STOP_MSE``. Returns {"steps", "seconds", "val_mse":
    [(step, value)], "stopped_early"}."""
    inputs, targets = train
    optimizer = tn.optim.Adam(model.parameters(), lr=lr)
    count, step, curve, start = len(inputs), 0, [], time.perf_counter()
    for _ in range(epochs):
        order = tn.randperm(count, generator=generator)
        for first in range(0, count, batch_size):
            batch = order[first:first + batch_size]
            optimizer.zero_grad()
            loss = tn.nn.functional.mse_loss(model(inputs[batch]), targets[batch])
            loss.backward()
            tn.nn.utils.clip_grad_norm_(model.parameters(), MAX_NORM)
            optimizer.step()
            step += 1
            last_of_epoch = first + batch_size >= count
            if step % CHECK_EVERY == 0 or last_of_epoch:
                curve.append((step, mse(model, *val)))
                if curve[-1][1] < STOP_MSE:
                    return {"steps": step, "seconds": time.perf_counter() - start,
                            "val_mse": curve, "stopped_early": True}
    return {"steps": step, "seconds": time.perf_counter() - start, "val_mse": curve,
            "stopped_early": False}


def study(build, lags, epochs: int, batch_size: int, lr: float, seed: int, train_size: int,
          say=print) -> dict:
    """The table and the gradient norms: for each length T in ``lags`` and each model of
    ``build((T, 2))`` (a ModuleDict of ``LastStepRegressor``), the norms at initialisation,
    training (``fit_until_solved``), the test MSE and the norms after training. The trained
    models are returned too, in a ModuleDict under "CELL-T"."""
    from tinynet.data.datasets.sequence_tasks import adding_problem

    rows, norms, models = [], {}, tn.nn.ModuleDict()
    for lag in lags:
        train = adding_problem(train_size, lag, seed=3 * seed)
        val = adding_problem(VAL_SIZE, lag, seed=3 * seed + 1)
        test = adding_problem(TEST_SIZE, lag, seed=3 * seed + 2)
        probe = (test[0][:PROBE_SIZE], test[1][:PROBE_SIZE])
        for cell, model in build((lag, 2)).items():
            initial = hidden_gradient_norms(model, *probe)
            fitted = fit_until_solved(model, train, val, epochs, batch_size, lr,
                                      tn.Generator(seed * 1000 + lag))
            test_mse = mse(model, *test)
            trained = hidden_gradient_norms(model, *probe)
            rows.append({"cell": cell, "lag": lag, "test_mse": test_mse,
                         "solved": test_mse < SOLVED_MSE, "steps": fitted["steps"],
                         "seconds": round(fitted["seconds"], 2),
                         "stopped_early": fitted["stopped_early"],
                         "val_mse": fitted["val_mse"],
                         "first_to_last_gradient_ratio_init": initial[0] / initial[-1],
                         "first_to_last_gradient_ratio_trained": trained[0] / trained[-1]})
            norms.setdefault(cell, {})[str(lag)] = {"init": initial, "trained": trained}
            models[f"{cell}-{lag}"] = model
            say(f"T={lag:<4d} {NAMES[cell]:<14s} test MSE {test_mse:.4f} "
                f"({'solved' if test_mse < SOLVED_MSE else 'not solved'}) after "
                f"{fitted['steps']} steps, {fitted['seconds']:.1f} s; ‖∂L/∂h_1‖/‖∂L/∂h_T‖ "
                f"{initial[0] / initial[-1]:.2g} at init, {trained[0] / trained[-1]:.2g} trained")
    return {"rows": rows, "gradient_norms": norms, "models": models}


def plot_gradient_norms(norms: dict, path: Path) -> Path:
    """One panel per length: ‖∂loss/∂h_t‖ against t for each model, dashed at initialisation,
    solid after training, on a log scale (a norm that underflowed to 0 leaves a gap)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    lags = sorted({int(lag) for per_cell in norms.values() for lag in per_cell})
    figure = Figure(figsize=(4.2 * len(lags), 4.2))
    FigureCanvasAgg(figure)
    axes = figure.subplots(1, len(lags), squeeze=False)[0]
    colors = {"rnn": "tab:red", "lstm": "tab:blue", "peephole": "tab:purple", "gru": "tab:green"}
    for axis, lag in zip(axes, lags):
        for cell, per_cell in norms.items():
            curves = per_cell[str(lag)]
            steps = np.arange(1, lag + 1)
            for when, style in (("init", "--"), ("trained", "-")):
                values = np.asarray(curves[when], dtype=float)
                values[values <= 0] = np.nan  # underflowed to 0: left out of the log scale
                axis.plot(steps, values, style, color=colors.get(cell), lw=1.4,
                          label=f"{NAMES[cell]} ({'initial' if when == 'init' else 'trained'})")
        axis.set_yscale("log")
        axis.set_xlabel("time step t")
        axis.set_title(f"T = {lag}")
        axis.grid(alpha=0.3)
    axes[0].set_ylabel("‖∂loss/∂h_t‖")
    handles, labels = axes[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=4, fontsize=8)
    figure.suptitle("Gradient of the loss with respect to each hidden state (adding problem)")
    figure.tight_layout(rect=(0, 0.12, 1, 1))
    figure.savefig(path, dpi=100)
    return path


def table(rows: list[dict]) -> str:
    """The Markdown table: one row per model, one column per length, "MSE ✓" when solved."""
    from tinynet.report import markdown_table

    lags = sorted({row["lag"] for row in rows})
    cells = list(dict.fromkeys(row["cell"] for row in rows))
    found = {(row["cell"], row["lag"]): row for row in rows}

    def entry(row):
        mark = "solved" if row["solved"] else "no"
        return f"{row['test_mse']:.4f} ({mark}, {row['steps']} steps)"

    return markdown_table(["model", *(f"T = {lag}" for lag in lags)],
                          [[NAMES[cell], *(entry(found[cell, lag]) if (cell, lag) in found
                                           else "-" for lag in lags)] for cell in cells])


def ratio_table(rows: list[dict]) -> str:
    """The Markdown table of ‖∂loss/∂h_1‖ / ‖∂loss/∂h_T‖ per model at the longest length."""
    from tinynet.report import markdown_table

    longest = max(row["lag"] for row in rows)
    return markdown_table(
        ["model", "at initialisation", "after training"],
        [[NAMES[row["cell"]], f"{row['first_to_last_gradient_ratio_init']:.2g}",
          f"{row['first_to_last_gradient_ratio_trained']:.2g}"]
         for row in rows if row["lag"] == longest])


def run(run: Run) -> dict:
    from tinynet.models import build_vanishing
    from tinynet.recipes.common import model_arguments
    from tinynet.recipes.exploding import exploding_study, plot_exploding
    from tinynet.train import History

    if run.dataset != "adding":
        raise ValueError(f"the vanishing recipe runs on the adding problem (--dataset adding), "
                         f"not {run.dataset}")
    settings = {**model_arguments(build_vanishing), **run.model_args}
    lags = [settings["lags"]] if isinstance(settings["lags"], int) else list(settings["lags"])
    build_vanishing((2, 2), 1, **run.model_args)  # checks the arguments before any training
    options, history = run.options, History()
    run.say(f"adding problem at lengths {lags}: {settings['train_size']} training sequences, "
            f"hidden size {settings['hidden_size']}; solved: test MSE < {SOLVED_MSE} "
            f"(predicting the mean: {BASELINE_MSE:.3f})")
    start = time.perf_counter()
    try:
        results = study(lambda shape: run.build(shape, 1), lags, options["epochs"],
                        options["batch_size"], options["lr"], run.seed, settings["train_size"],
                        run.say)
        exploding = exploding_study(seed=run.seed, short=max(lags) < 50)
    except KeyboardInterrupt:
        history.stop("interrupted", "interrupted (Ctrl-C): no table written")
        run.say(history.stop_reason, error=True)
        run.train_seconds = time.perf_counter() - start
        return run.finish(tn.nn.ModuleDict(), history, {"solved": math.nan}, "interrupted")
    run.train_seconds = time.perf_counter() - start
    plot_gradient_norms(results["gradient_norms"], run.folder / "gradient-norms.png")
    plot_exploding(exploding, run.folder / "exploding.png")
    models = results.pop("models")
    solved = sum(row["solved"] for row in results["rows"])
    metrics = {"solved": solved, "runs": len(results["rows"]), "baseline_mse": BASELINE_MSE,
               "solved_below_mse": SOLVED_MSE, "stop_below_val_mse": STOP_MSE,
               "lags": lags, **results, "exploding": exploding}
    return run.finish(models, history, metrics,
                      f"solved {solved} of {len(results['rows'])} (model, length) pairs")


def details(runs: list[dict], page: Path) -> str:
    """The Markdown below the summary: each run's details, under a heading per seed when there
    are several."""
    texts = [run_details(metrics, page) for metrics in runs]
    if len(runs) == 1:
        return texts[0]
    return "".join(f"## Seed {metrics['settings']['seed']}\n\n{text}\n"
                   for metrics, text in zip(runs, texts))


def run_details(metrics: dict, page: Path) -> str:
    """The Markdown of a run: the table, the figures (copied beside the page as
    PAGE-seedS-NAME.png) and the exploding-gradient measurements."""
    from tinynet.recipes.exploding import exploding_markdown

    folder, page = Path(metrics["run_folder"]), Path(page)
    page.parent.mkdir(parents=True, exist_ok=True)
    figures = []
    for name in ("gradient-norms.png", "exploding.png"):
        target = page.with_name(f"{page.stem}-seed{metrics['settings']['seed']}-{name}")
        target.write_bytes((folder / name).read_bytes())
        figures.append(target.name)
    underflow = ("(A 0 is a gradient that underflowed to exactly zero in float32; the figure "
                 "leaves such points out.)\n\n"
                 if any(0 in (row["first_to_last_gradient_ratio_init"],
                              row["first_to_last_gradient_ratio_trained"])
                        for row in metrics["rows"]) else "")
    return (f"Test MSE on {TEST_SIZE} sequences of each length T (predicting the mean: "
            f"{metrics['baseline_mse']:.3f}); *solved* means a test MSE below "
            f"{metrics['solved_below_mse']}. Training stops when the validation MSE falls below "
            f"{metrics['stop_below_val_mse']}; the steps are the optimizer steps taken.\n\n"
            f"{table(metrics['rows'])}\n\n"
            f"![gradient norms]({figures[0]})\n\n"
            "‖∂loss/∂h_t‖ against t, on 256 test sequences: dashed at initialisation, solid "
            "after training. How much of the gradient at the last step reaches the first one, "
            f"‖∂loss/∂h_1‖ / ‖∂loss/∂h_T‖ at T = {max(metrics['lags'])}:\n\n"
            f"{ratio_table(metrics['rows'])}\n\n{underflow}"
            f"{exploding_markdown(metrics['exploding'])}\n\n![exploding gradients]({figures[1]})\n")


RECIPE = Recipe("vanishing", run, lambda dataset: dict(DEFAULTS), "adding", "solved",
                details=details)
