"""Per-op overhead of the autograd: a graph of many small ops, forward + backward.

The workload: N alternating adds and muls on 16-element float32 tensors, then backward. With
tensors this small the arithmetic is free and the time is all framework overhead (building graph
nodes, the backward loop). Prints microseconds per op for tinynet and, when installed, PyTorch
on the CPU with the same thread count, and their ratio, measured in one run.

    python benchmarks/overhead.py [--ops 1000] [--repeats 7] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time


def chain(module, ops: int, requires_grad_kwargs):
    """Forward + backward of ``ops`` alternating adds and muls on 16-element tensors."""
    x = module.ones(16, **requires_grad_kwargs)
    w = module.full((16,), 0.999, **requires_grad_kwargs)
    y = x
    for i in range(ops // 2):
        y = y * w
        y = y + x
    y.sum().backward()


def median_seconds(function, repeats: int) -> float:
    function()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(ops: int = 1000, repeats: int = 7) -> dict:
    import tinynet

    results = {"ops": ops}
    seconds = median_seconds(lambda: chain(tinynet, ops, {"requires_grad": True}), repeats)
    results["tinynet_us_per_op"] = seconds / ops * 1e6
    try:
        import torch
    except ImportError:
        return results
    torch.set_num_threads(max(1, torch.get_num_threads()))
    seconds = median_seconds(lambda: chain(torch, ops, {"requires_grad": True}), repeats)
    results["torch_us_per_op"] = seconds / ops * 1e6
    results["threads"] = torch.get_num_threads()
    results["ratio_tinynet_over_torch"] = results["tinynet_us_per_op"] / results["torch_us_per_op"]
    return results


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    results = measure(args.ops, args.repeats)
    print(f"{'framework':<10} {'us/op (fwd+bwd)':>16}")
    print(f"{'tinynet':<10} {results['tinynet_us_per_op']:>16.2f}")
    if "torch_us_per_op" in results:
        print(f"{'pytorch':<10} {results['torch_us_per_op']:>16.2f}")
        print(f"ratio tinynet / pytorch: {results['ratio_tinynet_over_torch']:.2f}x "
              "(target: within 3x)")
    else:
        print("PyTorch is not installed: no ratio")
    if args.json:
        with open(args.json, "w") as file:
            json.dump(results, file, indent=2)
    return results


if __name__ == "__main__":
    main()
