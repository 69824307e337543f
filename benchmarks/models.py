"""Time per training epoch of the registry's MLP and CNN on MNIST-1D and the digits and of the
U-Net on shapes, tinynet against the same model in PyTorch (when installed; the U-Net, not a
Sequential, has no PyTorch twin), as ratios measured in one run.

    PYTHONPATH=. python benchmarks/models.py                 # the table
    PYTHONPATH=. python benchmarks/models.py --json out.json --epochs 5
    PYTHONPATH=. python benchmarks/models.py --compare-with ../baseline --markdown docs/models.md

Same model: the PyTorch twin is built layer by layer from the tinynet model (a Sequential of
standard layers) and loads its state_dict, so both start from the same weights; the script
checks that their outputs agree before timing. Same hyperparameters: Adam (lr 3e-3), the
command line's batch size for the dataset, cross-entropy, the same shuffled batches. An epoch is
one pass over the training side (forward, loss, backward, step for every batch), timed after one
warm-up epoch (which compiles the Numba kernels); the table shows the median of ``--epochs``
timed epochs. "tinynet fit()" is the same epoch through ``tinynet.train.fit`` with a
``DataLoader`` (per-sample collation, metrics), the way the command line trains.

Threads: each library at its own default (tinynet: one thread per physical core, as PyTorch);
``--threads N`` gives both N (``tinynet.set_num_threads`` and ``torch.set_num_threads``). Each
implementation's epochs run as one block, after a pause, never interleaved with the other's.

``--compare-with PATH`` times the same tinynet loop with the tinynet found at PATH (another
checkout, run in a subprocess with PYTHONPATH=PATH, case by case between this one's), as extra
columns: today's code against a change, in one run. ``--markdown FILE`` writes the table as a
results page (tinynet.report) headed by the command, the machine and the versions.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

import tinynet as tn
from tinynet import nn, optim
from tinynet.cli import DEFAULTS
from tinynet.data import DataLoader, TensorDataset
from tinynet.data.datasets import load_digits_arrays, load_mnist1d_arrays
from tinynet.models import MODELS
from tinynet.train import fit

CASES = [("mlp", "mnist1d"), ("cnn", "mnist1d"), ("mlp", "digits"), ("cnn", "digits"),
         ("unet", "shapes")]
UNET_BATCH_SIZE = 16  # `tinynet train unet`'s default
LEARNING_RATE = 3e-3
PAUSE_SECONDS = 0.5  # lets the other library's spinning threads go to sleep


def load_train_arrays(dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """The training side as (inputs float32 (N, C, ...), labels int64 (N,), or per-pixel
    labels (N, H, W) for the shapes segmentation)."""
    if dataset == "shapes":
        from tinynet.data.datasets.shapes import Shapes

        shapes = Shapes(train=True)
        return np.asarray(shapes.data), np.asarray(shapes.targets)
    return load_mnist1d_arrays(True) if dataset == "mnist1d" else load_digits_arrays(True)


def torch_twin(model: nn.Sequential):
    """The same network in PyTorch: each tinynet layer mapped to its torch.nn namesake with the
    same arguments, then tinynet's state_dict loaded (the key names match PyTorch's)."""
    import torch

    def convert(layer):
        kind = type(layer).__name__
        if kind == "Flatten":
            return torch.nn.Flatten(layer.start_dim, layer.end_dim)
        if kind == "Linear":
            return torch.nn.Linear(layer.in_features, layer.out_features, layer.bias is not None)
        if kind in ("Conv1d", "Conv2d"):
            return getattr(torch.nn, kind)(
                layer.in_channels, layer.out_channels, layer.kernel_size, layer.stride,
                layer.padding, layer.dilation, layer.groups, layer.bias is not None)
        if kind in ("BatchNorm1d", "BatchNorm2d"):
            return getattr(torch.nn, kind)(layer.num_features, layer.eps, layer.momentum)
        if kind in ("MaxPool1d", "MaxPool2d"):
            return getattr(torch.nn, kind)(layer.kernel_size, layer.stride, layer.padding)
        if kind == "Dropout":
            return torch.nn.Dropout(layer.p)
        if kind == "ReLU":
            return torch.nn.ReLU()
        raise TypeError(f"no PyTorch twin for layer {kind}")

    twin = torch.nn.Sequential(*[convert(layer) for layer in model])
    state = {name: torch.from_numpy(np.array(value.numpy()))
             for name, value in model.state_dict().items()}
    twin.load_state_dict(state)
    return twin


def check_twins_agree(model, twin, inputs: np.ndarray) -> float:
    """Largest absolute difference of the two models' eval-mode outputs on ``inputs``."""
    import torch

    model.eval(), twin.eval()
    with tn.no_grad(), torch.no_grad():
        ours = model(tn.tensor(inputs)).numpy()
        theirs = twin(torch.from_numpy(inputs)).numpy()
    model.train(), twin.train()
    return float(np.abs(ours - theirs).max())


def batch_orders(count: int, batch_size: int, epochs: int, seed: int = 0) -> list[list]:
    """For each epoch, the list of index arrays of its batches (a fresh shuffle per epoch)."""
    rng = np.random.default_rng(seed)
    orders = []
    for _ in range(epochs):
        permutation = rng.permutation(count)
        orders.append([permutation[i:i + batch_size] for i in range(0, count, batch_size)])
    return orders


def time_tinynet_epochs(model, inputs, labels, orders) -> list[float]:
    """Seconds of each epoch of the plain loop (forward, loss, backward, Adam step)."""
    optimizer = optim.Adam(model.parameters(), lr=LEARNING_RATE)
    model.train()
    seconds = []
    for batches in orders:
        start = time.perf_counter()
        for indices in batches:
            loss = nn.functional.cross_entropy(model(tn.tensor(inputs[indices])),
                                               tn.tensor(labels[indices]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        seconds.append(time.perf_counter() - start)
    return seconds


def time_torch_epochs(twin, inputs, labels, orders) -> list[float]:
    """The same loop in PyTorch."""
    import torch

    optimizer = torch.optim.Adam(twin.parameters(), lr=LEARNING_RATE)
    twin.train()
    seconds = []
    for batches in orders:
        start = time.perf_counter()
        for indices in batches:
            loss = torch.nn.functional.cross_entropy(twin(torch.from_numpy(inputs[indices])),
                                                     torch.from_numpy(labels[indices]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        seconds.append(time.perf_counter() - start)
    return seconds


def time_tinynet_fit_epochs(model, inputs, labels, batch_size, epochs) -> list[float]:
    """Seconds per epoch of ``fit`` over a shuffling DataLoader (the command line's path)."""
    loader = DataLoader(TensorDataset(tn.tensor(inputs), tn.tensor(labels)), batch_size,
                        shuffle=True, generator=tn.Generator(0))
    optimizer = optim.Adam(model.parameters(), lr=LEARNING_RATE)
    seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        fit(model, nn.CrossEntropyLoss(), optimizer, loader, epochs=1, verbose=False)
        seconds.append(time.perf_counter() - start)
    return seconds


def run_case(model_name: str, dataset: str, epochs: int, use_torch: bool,
             other: str | None = None, threads: int | None = None, fit_too: bool = True) -> dict:
    inputs, labels = load_train_arrays(dataset)
    batch_size = UNET_BATCH_SIZE if dataset == "shapes" else DEFAULTS[dataset]["batch_size"]
    tn.manual_seed(0)
    model = MODELS[model_name](inputs.shape[1:], 4 if dataset == "shapes" else 10)
    orders = batch_orders(len(inputs), batch_size, epochs + 1)  # + 1 warm-up epoch
    row = {"model": model_name, "dataset": dataset, "batch_size": batch_size,
           "train_samples": len(inputs), "parameters": sum(p.numel() for p in model.parameters())}
    twin = None
    if use_torch and isinstance(model, nn.Sequential):  # the twin is built layer by layer
        twin = torch_twin(model)
        row["max_output_difference"] = check_twins_agree(model, twin, inputs[:64])
    if other:
        row["other_seconds"] = time_other_checkout(other, model_name, dataset, epochs, threads)
    time.sleep(PAUSE_SECONDS)
    tinynet_seconds = time_tinynet_epochs(model, inputs, labels, orders)[1:]
    row["tinynet_seconds"] = statistics.median(tinynet_seconds)
    if fit_too:
        row["tinynet_fit_seconds"] = statistics.median(
            time_tinynet_fit_epochs(model, inputs, labels, batch_size, epochs))
    if twin is not None:
        time.sleep(PAUSE_SECONDS)
        row["torch_seconds"] = statistics.median(time_torch_epochs(twin, inputs, labels, orders)[1:])
        row["ratio"] = row["tinynet_seconds"] / row["torch_seconds"]
    return row


def time_other_checkout(path: str, model_name: str, dataset: str, epochs: int,
                        threads: int | None) -> float:
    """The median tinynet epoch of one case with the tinynet at ``path``: this script run in a
    subprocess with PYTHONPATH=path (its own defaults, or ``threads``)."""
    with tempfile.TemporaryDirectory() as folder:
        output = os.path.join(folder, "rows.json")
        command = [sys.executable, os.path.abspath(__file__), "--no-torch", "--epochs",
                   str(epochs), "--case", f"{model_name}:{dataset}", "--json", output,
                   "--loop-only"]
        if threads:
            command += ["--threads", str(threads)]
        environment = {**os.environ, "PYTHONPATH": os.path.abspath(path)}
        subprocess.run(command, check=True, env=environment, stdout=subprocess.DEVNULL)
        with open(output) as file:
            return json.load(file)["rows"][0]["tinynet_seconds"]


def set_threads(threads: int | None, use_torch: bool) -> dict:
    """With ``threads``, give tinynet and PyTorch that many threads; without, keep each
    library's default. Returns the counts in use."""
    if threads:
        tn.set_num_threads(threads)
    counts = {"tinynet_threads": tn.get_num_threads()}
    if use_torch:
        import torch

        if threads:
            torch.set_num_threads(threads)
        counts["torch_threads"] = torch.get_num_threads()
    return counts


COLUMNS = [  # (header, row -> cell)
    ("model", lambda row: row["model"]), ("dataset", lambda row: row["dataset"]),
    ("batch", lambda row: row["batch_size"]), ("params", lambda row: f"{row['parameters']:,}"),
    ("tinynet s/epoch", lambda row: f"{row['tinynet_seconds']:.3f}"),
    ("other s/epoch", lambda row: f"{row['other_seconds']:.3f}"),
    ("tinynet/other", lambda row: f"{row['tinynet_seconds'] / row['other_seconds']:.2f}x"),
    ("torch s/epoch", lambda row: f"{row['torch_seconds']:.3f}"),
    ("tinynet/torch", lambda row: f"{row['ratio']:.2f}x"),
    ("tinynet fit() s/epoch", lambda row: f"{row['tinynet_fit_seconds']:.3f}"),
]


def table(rows: list[dict]) -> tuple[list[str], list[list[str]]]:
    """Headers and cells; the columns of a measurement not made (no PyTorch, no
    --compare-with) are left out."""
    def cell(get, row):
        try:
            return str(get(row))
        except KeyError:
            return None

    columns = [(header, get) for header, get in COLUMNS
               if any(cell(get, row) is not None for row in rows)]
    return ([header for header, _ in columns],
            [[cell(get, row) or "-" for _, get in columns] for row in rows])


def format_table(rows: list[dict]) -> str:
    headers, cells = table(rows)
    widths = [max(len(text) for text in column) for column in zip(headers, *cells)]
    lines = ["  ".join(text.rjust(width) for text, width in zip(line, widths))
             for line in [headers, *cells]]
    return "\n".join([lines[0], "-" * len(lines[0]), *lines[1:]])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per measurement "
                        "(after one warm-up epoch); the median is reported")
    parser.add_argument("--json", metavar="PATH", help="also write the rows as JSON to PATH")
    parser.add_argument("--markdown", metavar="FILE", help="also write the table as a results "
                        "page (tinynet.report) to FILE")
    parser.add_argument("--no-torch", action="store_true", help="time tinynet only")
    parser.add_argument("--threads", type=int, help="threads for tinynet and PyTorch (default: "
                        "each library's own default)")
    parser.add_argument("--compare-with", metavar="PATH", help="also time the tinynet found at "
                        "PATH (another checkout), in a subprocess, as extra columns")
    parser.add_argument("--workspace-limit", type=int, metavar="BYTES", help="call "
                        "tinynet.runtime.set_workspace_limit(BYTES) first (0: tinynet keeps no "
                        "freed array memory for reuse)")
    parser.add_argument("--loop-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--case", action="append", metavar="MODEL:DATASET",
                        help="only this case (repeatable); default: all of "
                        + ", ".join(f"{model}:{dataset}" for model, dataset in CASES))
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error(f"--epochs must be at least 1, got {args.epochs}")
    if args.threads is not None and args.threads < 1:
        parser.error(f"--threads must be at least 1, got {args.threads}")
    if args.workspace_limit is not None and args.workspace_limit < 0:
        parser.error(f"--workspace-limit must be at least 0, got {args.workspace_limit}")
    if args.compare_with and not os.path.isdir(os.path.join(args.compare_with, "tinynet")):
        parser.error(f"--compare-with: no tinynet package in {args.compare_with}")
    cases = [tuple(case.split(":", 1)) for case in args.case] if args.case else CASES
    for case in cases:
        if case not in CASES:
            parser.error(f"unknown case {':'.join(case)!r}; expected one of "
                         + ", ".join(f"{model}:{dataset}" for model, dataset in CASES))
    use_torch = not args.no_torch
    if use_torch:
        try:
            import torch
        except ImportError:
            use_torch = False
    environment = set_threads(args.threads, use_torch)
    if args.workspace_limit is not None:
        tn.runtime.set_workspace_limit(args.workspace_limit)
        environment["workspace_limit"] = args.workspace_limit
    if use_torch:
        environment["torch"] = torch.__version__
    if args.compare_with:
        environment["other"] = os.path.abspath(args.compare_with)
    rows = [run_case(model, dataset, args.epochs, use_torch, args.compare_with, args.threads,
                     not args.loop_only) for model, dataset in cases]
    summary = (f"Seconds per epoch, median of {args.epochs} epochs after a warm-up epoch; "
               f"ratios: lower is better for tinynet. Threads: tinynet "
               f"{environment['tinynet_threads']}"
               + (f", PyTorch {environment['torch_threads']}" if use_torch else "")
               + (f"; other: the tinynet at {environment['other']}" if args.compare_with else "")
               + (f"; workspace limit {args.workspace_limit} bytes"
                  if args.workspace_limit is not None else "") + ".")
    print(format_table(rows))
    print("\n" + summary + ("" if use_torch else " PyTorch not used: tinynet times only."))
    if args.json:
        with open(args.json, "w") as file:
            json.dump({"environment": environment, "rows": rows}, file, indent=2)
    if args.markdown:
        from tinynet.report import markdown_table, write_markdown

        headers, cells = table(rows)
        write_markdown(args.markdown, "Training speed: tinynet and PyTorch",
                       markdown_table(headers, cells) + "\n\n" + summary + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
