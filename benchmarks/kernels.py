"""Convolution, pooling and matmul speed: tinynet on its Numba kernels, tinynet on the NumPy
reference kernels, and PyTorch's CPU ops (when installed), each library at its default thread
count (tinynet and PyTorch: one thread per physical core) unless --threads N gives all of them N.

Each workload is a forward + backward pass (or one product, for matmul) in float32, all timed in
one run, each implementation in blocks of calls, round by round (`medians` says why). The table
gives median milliseconds and the ratios against which the targets are stated: conv2d and
max_pool2d within 1.5x of PyTorch, the Numba path at least 3x faster than the NumPy reference
for conv, matmul at least 0.9x of NumPy's BLAS throughput ("blas": np.matmul at the BLAS's own
default). On a machine with few cores, any other busy process stalls threaded BLAS and OpenMP
calls: run it on an idle machine.

--compare-with PATH also times the tinynet Numba column with the tinynet found at PATH (another
checkout, in a subprocess with PYTHONPATH=PATH, workload by workload between this one's), as an
extra column. --markdown FILE writes the table as a results page (tinynet.report) headed by the
command, the machine and the versions. --winograd N sets the fewest channels from which a 3x3
convolution runs by Winograd's F(4x4, 3x3) (0: never; tinynet/ops/conv.py).

    PYTHONPATH=. python benchmarks/kernels.py [--repeats 15] [--threads N] [--winograd N]
        [--json out.json] [--markdown FILE] [--compare-with PATH] [--quick]
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

CONV_WORKLOADS = [  # (name, input shape, output channels, kernel, padding)
    ("conv2d 32x3x32x32 -> 16, k3 p1", (32, 3, 32, 32), 16, 3, 1),
    ("conv2d 64x16x16x16 -> 32, k3 p1", (64, 16, 16, 16), 32, 3, 1),
    ("conv2d 64x1x28x28 -> 6, k5", (64, 1, 28, 28), 6, 5, 0),
]
POOL_SHAPE = (64, 32, 32, 32)
# (batch, m, k, n): 1024^3 goes to BLAS; 2x2x2 and 1x8x1 in batches of 4096 are where tinynet's
# matmul kernel runs its Numba loop (tinynet.kernels.matmul.is_many_small_matmuls); 4x4x4 shows
# that BLAS has it from there on
MATMULS = [(0, 1024, 1024, 1024), (4096, 2, 2, 2), (4096, 4, 4, 4), (4096, 1, 8, 1),
           (256, 4, 4, 4)]
PAUSE_SECONDS = 0.3


def conv_step(module, shape, out_channels, kernel, padding, rng):
    """conv2d(x, w, b) and its backward for x, w and b; module is tinynet or torch."""
    import numpy as np

    def leaf(*size):
        return module.tensor(rng.standard_normal(size, dtype=np.float32), requires_grad=True)

    x, weight, bias = leaf(*shape), leaf(out_channels, shape[1], kernel, kernel), leaf(out_channels)
    conv2d = module.nn.functional.conv2d

    def step():
        x.grad = weight.grad = bias.grad = None
        y = conv2d(x, weight, bias, padding=padding)
        y.backward(module.ones_like(y))
    return step


def pool_step(module, rng):
    """max_pool2d(x, 2) and its backward; module is tinynet or torch."""
    import numpy as np

    x = module.tensor(rng.standard_normal(POOL_SHAPE, dtype=np.float32), requires_grad=True)
    max_pool2d = module.nn.functional.max_pool2d

    def step():
        x.grad = None
        y = max_pool2d(x, 2)
        y.backward(module.ones_like(y))
    return step


def matmul_step(module, a, b):
    """One product of two constant float32 operands; module is tinynet or torch."""
    left, right = module.tensor(a), module.tensor(b)
    return lambda: module.matmul(left, right)


def medians(steps: dict, repeats: int, rounds: int = 3, warmup: int = 2, settle: int = 3) -> dict:
    """Median seconds of each step over `repeats` calls, made in `rounds` blocks per step.

    Not interleaved call by call: OpenBLAS's and PyTorch's OpenMP threads keep spinning for a
    while after their last parallel loop and would slow the other library's calls; a pause
    before each block lets them go to sleep. Several rounds of blocks spread each step's calls
    over the run, so that a change in the machine's load does not fall on one implementation
    only. After each pause, `settle` untimed calls: the first calls after an idle pause run
    slower, which a training loop never sees."""
    for step in steps.values():
        for _ in range(warmup):  # compiles (or loads the cached) Numba kernels
            step()
    times = {name: [] for name in steps}
    for block in range(rounds):
        for name, step in steps.items():
            time.sleep(PAUSE_SECONDS)
            for _ in range(settle):
                step()
            for _ in range(repeats // rounds + (block < repeats % rounds)):
                start = time.perf_counter()
                step()
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def numpy_matmul(a, b, threads):
    """np.matmul on the BLAS's own default thread count, or on `threads`."""
    import numpy as np

    if not threads:
        return np.matmul(a, b)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads, user_api="blas"):
        return np.matmul(a, b)


def on_backend(backend, step):
    from tinynet.kernels import use_backend

    def run():
        with use_backend(backend):
            step()
    return run


def workloads(quick: bool) -> list:
    """[(name, kind, arguments)] of every workload, in the order of the table."""
    chosen = [(name + " fwd+bwd", "conv", arguments)
              for name, *arguments in (CONV_WORKLOADS[:1] if quick else CONV_WORKLOADS)]
    chosen.append(("max_pool2d 2x2 64x32x32x32 fwd+bwd", "pool", None))
    for batch, m, k, n in [(0, 256, 256, 256)] if quick else MATMULS:
        chosen.append((f"matmul {m}x{k}x{n}" + (f" batch {batch}" if batch else ""), "matmul",
                       (batch, m, k, n)))
    return chosen


def workload_steps(kind, arguments, torch, tinynet_only: bool, threads) -> dict:
    """{"numba"[, "numpy", "torch", "blas"]: step} of one workload."""
    import numpy as np

    import tinynet

    rng = np.random.default_rng(0)
    if kind == "conv":
        def make_step(module):
            return conv_step(module, *arguments, rng)
    elif kind == "pool":
        def make_step(module):
            return pool_step(module, rng)
    else:
        batch, m, k, n = arguments
        a = rng.standard_normal(((batch,) if batch else ()) + (m, k), dtype=np.float32)
        b = rng.standard_normal(((batch,) if batch else ()) + (k, n), dtype=np.float32)

        def make_step(module):
            return matmul_step(module, a, b)
    steps = {"numba": on_backend("numba", make_step(tinynet))}
    if tinynet_only:
        return steps
    steps["numpy"] = on_backend("numpy", make_step(tinynet))
    if torch is not None:
        steps["torch"] = make_step(torch)
    if kind == "matmul":
        steps["blas"] = lambda: numpy_matmul(a, b, threads)
    return steps


def other_checkout_seconds(path, index, args) -> float:
    """The Numba column of workload `index`, measured by this script in a subprocess with the
    tinynet at `path` (PYTHONPATH=path)."""
    with tempfile.TemporaryDirectory() as folder:
        output = os.path.join(folder, "results.json")
        command = [sys.executable, os.path.abspath(__file__), "--tinynet-only", "--workload",
                   str(index), "--repeats", str(args.repeats), "--json", output]
        command += ["--quick"] if args.quick else []
        command += ["--threads", str(args.threads)] if args.threads else []
        command += ["--winograd", str(args.winograd)] if args.winograd is not None else []
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL,
                       env={**os.environ, "PYTHONPATH": os.path.abspath(path)})
        with open(output) as file:
            return json.load(file)["rows"][0]["numba"]


def measure(args) -> dict:
    import tinynet

    torch = None
    if not args.tinynet_only:
        try:
            import torch
        except ImportError:
            torch = None
    if args.threads:
        tinynet.set_num_threads(args.threads)
        if torch is not None:
            torch.set_num_threads(args.threads)
    rows = []
    for index, (name, kind, arguments) in enumerate(workloads(args.quick)):
        if args.workload is not None and index != args.workload:
            continue
        row = {"workload": name}
        if args.compare_with:
            row["other"] = other_checkout_seconds(args.compare_with, index, args)
        steps = workload_steps(kind, arguments, torch, args.tinynet_only, args.threads)
        row.update(medians(steps, args.repeats))
        if kind == "matmul" and "blas" in row:
            batch, m, k, n = arguments
            flops = 2 * max(batch, 1) * m * k * n
            row["gflops_numba"], row["gflops_blas"] = (flops / row["numba"] / 1e9,
                                                       flops / row["blas"] / 1e9)
        for key, over, under in [("numpy_over_numba", "numpy", "numba"),
                                 ("numba_over_other", "numba", "other"),
                                 ("numba_over_torch", "numba", "torch"),
                                 ("numba_over_blas", "numba", "blas")]:
            if over in row and under in row:
                row[key] = row[over] / row[under]
        rows.append(row)
    return {"tinynet_threads": tinynet.get_num_threads(),
            "torch_threads": None if torch is None else torch.get_num_threads(),
            "torch": getattr(torch, "__version__", None), "repeats": args.repeats,
            "other": args.compare_with and os.path.abspath(args.compare_with), "rows": rows}


COLUMNS = [("numba", "numba ms", "ms"), ("other", "other ms", "ms"),
           ("numpy", "numpy ref ms", "ms"), ("torch", "torch ms", "ms"),
           ("blas", "np.matmul ms", "ms"), ("numba_over_other", "numba/other", "x"),
           ("numpy_over_numba", "ref/numba", "x"), ("numba_over_torch", "numba/torch", "x"),
           ("numba_over_blas", "numba/blas", "x")]


def table(results: dict) -> tuple[list[str], list[list[str]]]:
    """Headers and cells; columns of measurements not made are left out."""
    rows = results["rows"]
    columns = [column for column in COLUMNS if any(column[0] in row for row in rows)]

    def cell(row, key, unit):
        if key not in row:
            return "-"
        return f"{row[key] * 1e3:.3f}" if unit == "ms" else f"{row[key]:.2f}x"

    return (["workload"] + [header for _, header, _ in columns],
            [[row["workload"]] + [cell(row, key, unit) for key, _, unit in columns]
             for row in rows])


def summary(results: dict) -> str:
    return (f"Medians of {results['repeats']} calls. Threads: tinynet "
            f"{results['tinynet_threads']}"
            + (f", PyTorch {results['torch_threads']} ({results['torch']})"
               if results["torch"] else "")
            + (f"; other: the tinynet at {results['other']}" if results["other"] else "")
            + ". Targets: conv2d, max_pool2d numba/torch <= 1.5x; conv ref/numba >= 3x; "
              "1024^3 numba/blas <= 1.11x.")


def print_table(results: dict) -> None:
    headers, cells = table(results)
    widths = [max(len(text) for text in column) for column in zip(headers, *cells)]
    lines = [[line[0].ljust(widths[0])] + [text.rjust(width) for text, width in
                                           zip(line[1:], widths[1:])]
             for line in [headers, *cells]]
    print("\n".join("  ".join(line) for line in lines[:1]))
    print("-" * (sum(widths) + 2 * len(widths) - 2))
    print("\n".join("  ".join(line) for line in lines[1:]))
    print(summary(results))


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--threads", type=int, help="threads for every library (default: "
                        "each library's own default)")
    parser.add_argument("--winograd", type=int, metavar="N", help="fewest channels for "
                        "Winograd F(4x4, 3x3) (default 16; 0: never)")
    parser.add_argument("--quick", action="store_true", help="one conv workload, a 256^3 matmul")
    parser.add_argument("--json", help="also write the results to this JSON file")
    parser.add_argument("--markdown", metavar="FILE", help="also write the table as a results "
                        "page (tinynet.report) to FILE")
    parser.add_argument("--compare-with", metavar="PATH", help="also time the tinynet found at "
                        "PATH (another checkout), in a subprocess, as an extra column")
    parser.add_argument("--tinynet-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--workload", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1, got {args.repeats}")
    if args.threads is not None and args.threads < 1:
        parser.error(f"--threads must be at least 1, got {args.threads}")
    if args.compare_with and not os.path.isdir(os.path.join(args.compare_with, "tinynet")):
        parser.error(f"--compare-with: no tinynet package in {args.compare_with}")
    if args.winograd is not None:
        import tinynet.ops.conv

        tinynet.ops.conv.WINOGRAD_MIN_CHANNELS = args.winograd or None
    results = measure(args)
    print_table(results)
    if args.json:
        with open(args.json, "w") as file:
            json.dump(results, file, indent=2)
    if args.markdown:
        from tinynet.report import markdown_table, write_markdown

        headers, cells = table(results)
        write_markdown(args.markdown, "Kernel speed: tinynet and PyTorch",
                       markdown_table(headers, cells) + "\n\n" + summary(results) + "\n")
    return results


if __name__ == "__main__":
    main()
