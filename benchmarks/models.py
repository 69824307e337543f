"""Time per training epoch of the registry's MLP and CNN on MNIST-1D and the digits, tinynet
against the same model in PyTorch (when installed), as ratios measured in one run.

    python benchmarks/models.py                 # the table
    python benchmarks/models.py --json out.json --epochs 5

Same model: the PyTorch twin is built layer by layer from the tinynet model (a Sequential of
standard layers) and loads its state_dict, so both start from the same weights; the script
checks that their outputs agree before timing. Same hyperparameters: Adam (lr 3e-3), the
command line's batch size for the dataset, cross-entropy, the same shuffled batches. An epoch is
one pass over the training side (forward, loss, backward, step for every batch), timed after one
warm-up epoch (which compiles the Numba kernels); the table shows the median of ``--epochs``
timed epochs. "tinynet fit()" is the same epoch through ``tinynet.train.fit`` with a
``DataLoader`` (per-sample collation, metrics), the way the command line trains.

Threads: by default each library keeps its own default (tinynet: one thread, see
tinynet/threads.py; PyTorch: one thread per core); ``--threads N`` gives both N (tinynet through
``tinynet.set_num_threads``: its pool, the BLAS on one thread, Numba; and PyTorch). Each implementation's epochs run as
one block, after a pause, never interleaved with the other's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

import numpy as np

import tinynet as tn
from tinynet import nn, optim
from tinynet.cli import DEFAULTS
from tinynet.data import DataLoader, TensorDataset
from tinynet.data.datasets import load_digits_arrays, load_mnist1d_arrays
from tinynet.models import MODELS
from tinynet.train import fit

CASES = [("mlp", "mnist1d"), ("cnn", "mnist1d"), ("mlp", "digits"), ("cnn", "digits")]
LEARNING_RATE = 3e-3
PAUSE_SECONDS = 0.5  # lets the other library's spinning threads go to sleep


def load_train_arrays(dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """The training side as (inputs float32 (N, C, ...), labels int64 (N,))."""
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


def run_case(model_name: str, dataset: str, epochs: int, use_torch: bool) -> dict:
    inputs, labels = load_train_arrays(dataset)
    batch_size = DEFAULTS[dataset]["batch_size"]
    tn.manual_seed(0)
    model = MODELS[model_name](inputs.shape[1:], 10)
    orders = batch_orders(len(inputs), batch_size, epochs + 1)  # + 1 warm-up epoch
    row = {"model": model_name, "dataset": dataset, "batch_size": batch_size,
           "train_samples": len(inputs), "parameters": sum(p.numel() for p in model.parameters())}
    twin = None
    if use_torch:
        twin = torch_twin(model)
        row["max_output_difference"] = check_twins_agree(model, twin, inputs[:64])
    time.sleep(PAUSE_SECONDS)
    tinynet_seconds = time_tinynet_epochs(model, inputs, labels, orders)[1:]
    row["tinynet_seconds"] = statistics.median(tinynet_seconds)
    row["tinynet_fit_seconds"] = statistics.median(
        time_tinynet_fit_epochs(model, inputs, labels, batch_size, epochs))
    if twin is not None:
        time.sleep(PAUSE_SECONDS)
        row["torch_seconds"] = statistics.median(time_torch_epochs(twin, inputs, labels, orders)[1:])
        row["ratio"] = row["tinynet_seconds"] / row["torch_seconds"]
    return row


def set_threads(threads: int | None, use_torch: bool) -> dict:
    """With ``threads``, limit tinynet (its BLAS and Numba, ``tinynet.set_num_threads``) and
    PyTorch to that many threads; without, keep each library's default (tinynet: one BLAS
    thread; PyTorch: one thread per core). Returns the counts in use."""
    if threads:
        import numba

        tn.set_num_threads(threads)
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    counts = {"tinynet_threads": tn.get_num_threads()}
    if use_torch:
        import torch

        if threads:
            torch.set_num_threads(threads)
        counts["torch_threads"] = torch.get_num_threads()
    return counts


def format_table(rows: list[dict]) -> str:
    header = (f"{'model':<5} {'dataset':<8} {'batch':>5} {'params':>8} {'tinynet s/epoch':>16} "
              f"{'torch s/epoch':>14} {'ratio':>7} {'tinynet fit()':>14}")
    lines = [header, "-" * len(header)]
    for row in rows:
        torch_cell = f"{row['torch_seconds']:.3f}" if "torch_seconds" in row else "-"
        ratio_cell = f"{row['ratio']:.2f}x" if "ratio" in row else "-"
        lines.append(f"{row['model']:<5} {row['dataset']:<8} {row['batch_size']:>5} "
                     f"{row['parameters']:>8,} {row['tinynet_seconds']:>16.3f} {torch_cell:>14} "
                     f"{ratio_cell:>7} {row['tinynet_fit_seconds']:>14.3f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per measurement "
                        "(after one warm-up epoch); the median is reported")
    parser.add_argument("--json", metavar="PATH", help="also write the rows as JSON to PATH")
    parser.add_argument("--no-torch", action="store_true", help="time tinynet only")
    parser.add_argument("--threads", type=int, help="threads for tinynet (BLAS, Numba) and "
                        "PyTorch (default: each library's own default)")
    args = parser.parse_args(argv)
    use_torch = not args.no_torch
    if use_torch:
        try:
            import torch
        except ImportError:
            use_torch = False
    threads = set_threads(args.threads, use_torch)
    environment = {"machine": platform.machine(), "cpus": os.cpu_count(), **threads,
                   "python": platform.python_version(), "numpy": np.__version__,
                   "load_average_before": os.getloadavg()[0] if hasattr(os, "getloadavg") else None}
    if use_torch:
        environment["torch"] = torch.__version__
    rows = [run_case(model, dataset, args.epochs, use_torch) for model, dataset in CASES]
    if hasattr(os, "getloadavg"):
        environment["load_average_after"] = os.getloadavg()[0]
    print(format_table(rows))
    print(f"\nmedian of {args.epochs} epochs after a warm-up epoch; ratio = tinynet / torch "
          f"(lower is better); {environment}")
    if not use_torch:
        print("PyTorch is not installed: tinynet times only")
    if args.json:
        with open(args.json, "w") as file:
            json.dump({"environment": environment, "rows": rows}, file, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
