"""Per-op overhead of the autograd, against PyTorch and the NumPy-based autograd libraries.

Two workloads, forward + backward, timed in each framework that is installed:

* ``chain``: N alternating adds and muls on 16-element float32 tensors, then backward. With tensors
  this small the arithmetic is free and the time is all framework overhead (building graph nodes,
  the backward walk); reported in microseconds per op.
* ``mlp``: one step of a small MLP (40 -> 256 -> 256 -> 10, ReLU, softmax cross-entropy, batch
  64): the gradient of the loss with respect to every weight; reported in milliseconds per step.

The frameworks: tinynet; PyTorch on the CPU (``pip install torch``); MyGrad, a NumPy autograd
with a Tensor class, and HIPS autograd, which differentiates functions written with
``autograd.numpy`` (``pip install -e ".[compare]"``). A framework that is not installed is left
out with a note. Every framework gets the same inputs; the medians of ``--repeats`` runs are
compared in one process, so the ratios to tinynet are what the table is for.

    python benchmarks/overhead.py [--ops 1000] [--repeats 7] [--json FILE] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

FRAMEWORKS = ("tinynet", "pytorch", "mygrad", "autograd")
MODULES = {"tinynet": "tinynet", "pytorch": "torch", "mygrad": "mygrad", "autograd": "autograd"}
MLP_SIZES = (40, 256, 256, 10)
MLP_BATCH = 64


def installed(framework: str) -> bool:
    return importlib.util.find_spec(MODULES[framework]) is not None


def mlp_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Inputs, class labels and the weights (W, b per layer) of the MLP workload, as float32."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((MLP_BATCH, MLP_SIZES[0])).astype(np.float32)
    y = rng.integers(0, MLP_SIZES[-1], MLP_BATCH)
    weights = []
    for fan_in, fan_out in zip(MLP_SIZES[:-1], MLP_SIZES[1:]):
        weights.append((rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)).astype(np.float32))
        weights.append(np.zeros(fan_out, np.float32))
    return x, y, weights


def workloads(framework: str, ops: int):
    """(chain, mlp_step): two functions of no arguments that run one forward + backward each."""
    x, y, weights = mlp_data()
    if framework in ("tinynet", "pytorch"):
        if framework == "tinynet":
            import tinynet as lib
            import tinynet.nn.functional as F
            as_tensor = lib.from_numpy
        else:
            import torch as lib
            import torch.nn.functional as F
            as_tensor = lib.from_numpy

        def chain():
            a = lib.ones(16, requires_grad=True)
            w = lib.full((16,), 0.999, requires_grad=True)
            h = a
            for _ in range(ops // 2):
                h = h * w
                h = h + a
            h.sum().backward()

        params = [as_tensor(p.copy()).requires_grad_() for p in weights]
        inputs, labels = as_tensor(x), as_tensor(y)

        def mlp_step():
            h = inputs
            for layer in range(0, len(params) - 2, 2):
                h = F.relu(h @ params[layer] + params[layer + 1])
            F.cross_entropy(h @ params[-2] + params[-1], labels).backward()
            for p in params:
                p.grad = None

        return chain, mlp_step

    if framework == "mygrad":
        import mygrad as mg
        from mygrad.nnet import relu, softmax_crossentropy

        def chain():
            a = mg.ones(16, dtype=np.float32)
            w = mg.full((16,), 0.999, dtype=np.float32)
            h = a
            for _ in range(ops // 2):
                h = h * w
                h = h + a
            h.sum().backward()

        params = [mg.tensor(p) for p in weights]

        def mlp_step():
            h = x
            for layer in range(0, len(params) - 2, 2):
                h = relu(mg.matmul(h, params[layer]) + params[layer + 1])
            softmax_crossentropy(mg.matmul(h, params[-2]) + params[-1], y).backward()

        return chain, mlp_step

    import autograd
    import autograd.numpy as anp
    from autograd.scipy.special import logsumexp

    def chain_value(a, w):
        h = a
        for _ in range(ops // 2):
            h = h * w
            h = h + a
        return anp.sum(h)

    chain_grad = autograd.grad(chain_value, argnum=(0, 1))
    a0, w0 = np.ones(16, np.float32), np.full(16, 0.999, np.float32)

    def loss(params):
        h = x
        for layer in range(0, len(params) - 2, 2):
            h = anp.maximum(anp.dot(h, params[layer]) + params[layer + 1], 0.0)
        logits = anp.dot(h, params[-2]) + params[-1]
        log_probs = logits - logsumexp(logits, axis=1, keepdims=True)
        return -anp.mean(log_probs[np.arange(len(y)), y])

    loss_grad = autograd.grad(loss)
    return (lambda: chain_grad(a0, w0)), (lambda: loss_grad(list(weights)))


def median_seconds(function, repeats: int) -> float:
    function()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(ops: int = 1000, repeats: int = 7) -> dict:
    """Median microseconds per op of ``chain`` and milliseconds per ``mlp`` step, per installed
    framework; ``missing`` lists the frameworks that are not installed."""
    results = {"ops": ops, "repeats": repeats, "frameworks": {}, "missing": []}
    for framework in FRAMEWORKS:
        if not installed(framework):
            results["missing"].append(framework)
            continue
        chain, mlp_step = workloads(framework, ops)
        results["frameworks"][framework] = {
            "chain_us_per_op": median_seconds(chain, repeats) / ops * 1e6,
            "mlp_ms_per_step": median_seconds(mlp_step, repeats) * 1e3,
        }
    if "pytorch" in results["frameworks"]:
        import torch

        results["torch_threads"] = torch.get_num_threads()
    return results


def table_rows(results: dict) -> list[list[str]]:
    """One row per framework: its times, and tinynet's time divided by its time."""
    base = results["frameworks"]["tinynet"]
    rows = []
    for framework, times in results["frameworks"].items():
        chain, mlp = times["chain_us_per_op"], times["mlp_ms_per_step"]
        rows.append([framework, f"{chain:.2f}", f"{base['chain_us_per_op'] / chain:.2f}x",
                     f"{mlp:.3f}", f"{base['mlp_ms_per_step'] / mlp:.2f}x"])
    return rows


HEADERS = ["framework", "chain: µs per op", "tinynet / this", "MLP step: ms", "tinynet / this"]


def markdown(results: dict) -> str:
    from tinynet.report import markdown_table

    sizes = " -> ".join(map(str, MLP_SIZES))
    text = (f"Forward + backward, median of {results['repeats']} runs after a warm-up. "
            f"*chain*: {results['ops']} alternating adds and muls on 16-element float32 tensors. "
            f"*MLP step*: {sizes}, ReLU, softmax cross-entropy, batch {MLP_BATCH}, float32.\n\n")
    text += markdown_table(HEADERS, table_rows(results)) + "\n"
    if "torch_threads" in results:
        text += f"\nPyTorch ran on its default {results['torch_threads']} threads.\n"
    if results["missing"]:
        text += f"\nNot installed, so not measured: {', '.join(results['missing'])}.\n"
    return text


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=1000, help="ops in the chain (default 1000)")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per workload")
    parser.add_argument("--json", help="also write the results to this JSON file")
    parser.add_argument("--markdown", help="also write the results as a Markdown page here")
    args = parser.parse_args(argv)
    if args.ops < 2 or args.repeats < 1:
        parser.error("--ops must be at least 2 and --repeats at least 1")
    results = measure(args.ops, args.repeats)
    widths = [10, 17, 17, 13, 17]
    print("".join(f"{h:>{w}}" for h, w in zip(HEADERS, widths)))
    for row in table_rows(results):
        print("".join(f"{cell:>{w}}" for cell, w in zip(row, widths)))
    for framework in results["missing"]:
        print(f"{framework} is not installed: not measured")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    if args.markdown:
        from tinynet.report import write_markdown

        command = " ".join(["python", "benchmarks/overhead.py", *(argv or sys.argv[1:])])
        path = write_markdown(args.markdown, "Autograd overhead", markdown(results), command)
        print(f"wrote {path}")
    return results


if __name__ == "__main__":
    main()
