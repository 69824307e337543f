"""Recurrent layer speed: nn.LSTM, nn.GRU and nn.RNN forward + backward in tinynet (the fused
recurrence, the default, and the step-by-step composition, ``fused = False``) and in PyTorch's CPU
implementation, each library at its default thread count (--threads N gives both N).

The workload is the one the target is stated for: batch 32, 50 time steps, input and hidden size
128, float32, one layer; a step is ``out, _ = layer(x); out.sum().backward()`` with x requiring
grad, the same initial weights in both libraries (PyTorch's state_dict loaded into tinynet). The
implementations are interleaved: round after round, each runs a block of calls (after a short
pause and a few untimed calls, so that the previous library's spinning threads have gone to
sleep). The table gives the minimum and the median milliseconds over all rounds and the ratio of
the minima to PyTorch's: on a shared machine the minimum is the time least disturbed by other
processes. Target: LSTM and GRU fused/torch <= 1.5x.

The "products floor" is what no implementation on NumPy's BLAS can go below: the matrix products
a layer's forward and backward need, and nothing else, each timed alone with np.matmul at the
better of one thread and tinynet's count. Per layer of G gates (LSTM 4, GRU 3, RNN 1), over L
steps of batch N, input I and hidden H: per step h W_hhᵀ (N·H·GH) forward and da W_hh backward;
over the sequence x W_ihᵀ forward, and the gradients of x, W_ih and W_hh (L·N·I·GH each, the
last L·N·H·GH). Its ratio to PyTorch's time says how much of the gap the BLAS alone explains.

    PYTHONPATH=. python benchmarks/recurrent.py [--rounds 7] [--calls 5] [--threads N]
        [--markdown FILE] [--json out.json] [--quick]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

import numpy as np

PAUSE_SECONDS = 0.05
TITLE = "Recurrent layer speed: tinynet and PyTorch"
KINDS = ("LSTM", "GRU", "RNN")


def tinynet_step(kind, state, x_array, fused):
    import tinynet as tn
    from tinynet import nn

    layer = getattr(nn, kind)(x_array.shape[-1], state["weight_hh_l0"].shape[1])
    layer.load_state_dict({k: tn.tensor(v) for k, v in state.items()})
    layer.fused = fused
    x = tn.tensor(x_array, requires_grad=True)

    def step():
        out, _ = layer(x)
        out.sum().backward()
    return step


def torch_step(torch, kind, state, x_array):
    layer = getattr(torch.nn, kind)(x_array.shape[-1], state["weight_hh_l0"].shape[1])
    layer.load_state_dict({k: torch.tensor(v) for k, v in state.items()})
    x = torch.tensor(x_array, requires_grad=True)

    def step():
        out, _ = layer(x)
        out.sum().backward()
    return step


def timings(steps: dict, rounds: int, calls: int, warmup: int = 2, settle: int = 2) -> dict:
    """Seconds of every timed call of each step: ``rounds`` rounds, in each a block of ``calls``
    calls per step (after a pause and ``settle`` untimed calls)."""
    for step in steps.values():
        for _ in range(warmup):  # compiles (or loads the cached) Numba kernels
            step()
    times = {name: [] for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            time.sleep(PAUSE_SECONDS)
            for _ in range(settle):
                step()
            for _ in range(calls):
                start = time.perf_counter()
                step()
                times[name].append(time.perf_counter() - start)
    return times


def best_product_seconds(a, b, threads: int, repeats: int) -> float:
    """The least time of np.matmul(a, b) over ``repeats`` calls, at 1 and at ``threads`` BLAS
    threads (whichever is faster)."""
    from threadpoolctl import threadpool_limits

    best = float("inf")
    for count in sorted({1, threads}):
        with threadpool_limits(count, user_api="blas"):
            np.matmul(a, b)
            for _ in range(repeats):
                start = time.perf_counter()
                np.matmul(a, b)
                best = min(best, time.perf_counter() - start)
    return best


def products_floor(gates: int, length: int, batch: int, size: int, threads: int,
                   repeats: int) -> float:
    """Seconds of the matrix products of one layer's forward + backward (see the module
    docstring), each timed alone; the per-step products count ``length`` times."""
    rng = np.random.default_rng(1)
    rows = gates * size

    def operand(*shape):
        return rng.standard_normal(shape).astype(np.float32)

    per_step = [(operand(batch, size), operand(size, rows)),     # h W_hhᵀ
                (operand(batch, rows), operand(rows, size))]     # da W_hh
    sequence = [(operand(length * batch, size), operand(size, rows)),   # x W_ihᵀ
                (operand(length * batch, rows), operand(rows, size)),   # dx = da W_ih
                (operand(rows, length * batch), operand(length * batch, size)),  # dW_ih
                (operand(rows, length * batch), operand(length * batch, size))]  # dW_hh
    return (length * sum(best_product_seconds(a, b, threads, repeats) for a, b in per_step)
            + sum(best_product_seconds(a, b, threads, repeats) for a, b in sequence))


def measure(args) -> dict:
    import tinynet

    try:
        import torch
    except ImportError:
        torch = None
    if args.threads:
        tinynet.set_num_threads(args.threads)
        if torch is not None:
            torch.set_num_threads(args.threads)
    length, batch, size = (5, 4, 8) if args.quick else (50, 32, 128)
    rng = np.random.default_rng(0)
    x_array = rng.standard_normal((length, batch, size)).astype(np.float32)
    results = {"workload": {"steps": length, "batch": batch, "input": size, "hidden": size},
               "threads": {"tinynet": tinynet.get_num_threads()}, "rows": {}}
    if torch is not None:
        results["threads"]["torch"] = torch.get_num_threads()
        results["torch_version"] = torch.__version__
    for kind in KINDS:
        bound = 1 / np.sqrt(size)
        rows = {"LSTM": 4, "GRU": 3, "RNN": 1}[kind] * size
        state = {name: rng.uniform(-bound, bound, shape).astype(np.float32) for name, shape in
                 [("weight_ih_l0", (rows, size)), ("weight_hh_l0", (rows, size)),
                  ("bias_ih_l0", (rows,)), ("bias_hh_l0", (rows,))]}
        steps = {"fused": tinynet_step(kind, state, x_array, True),
                 "composed": tinynet_step(kind, state, x_array, False)}
        if torch is not None:
            steps["torch"] = torch_step(torch, kind, state, x_array)
        times = timings(steps, args.rounds, args.calls)
        results["rows"][kind] = {name: {"min": min(values), "median": statistics.median(values)}
                                 for name, values in times.items()}
        floor = products_floor({"LSTM": 4, "GRU": 3, "RNN": 1}[kind], length, batch, size,
                               tinynet.get_num_threads(), repeats=args.rounds * args.calls)
        results["rows"][kind]["products floor"] = {"min": floor}
    return results


def blas_name() -> str:
    """NumPy's BLAS and the kernels it chose for this CPU, as threadpoolctl reports them."""
    from threadpoolctl import threadpool_info

    blas = [library for library in threadpool_info() if library.get("user_api") == "blas"]
    for library in sorted(blas, key=lambda library: "numpy" not in library.get("filepath", "")):
            return f"{library.get('internal_api')} {library.get('version')}, " \
                   f"{library.get('architecture')} kernels"
    return "unknown"


def table(results: dict) -> tuple[list[str], list[list[str]]]:
    headers = ["layer", "fused min ms", "composed min ms", "torch min ms", "fused median ms",
               "torch median ms", "fused/torch (min)", "composed/fused (min)",
               "products floor ms", "floor/torch"]
    cells = []
    for kind, row in results["rows"].items():
        torch_row = row.get("torch")
        cells.append([
            kind, f"{row['fused']['min'] * 1e3:.2f}", f"{row['composed']['min'] * 1e3:.2f}",
            f"{torch_row['min'] * 1e3:.2f}" if torch_row else "-",
            f"{row['fused']['median'] * 1e3:.2f}",
            f"{torch_row['median'] * 1e3:.2f}" if torch_row else "-",
            f"{row['fused']['min'] / torch_row['min']:.2f}x" if torch_row else "-",
            f"{row['composed']['min'] / row['fused']['min']:.2f}x",
            f"{row['products floor']['min'] * 1e3:.2f}",
            f"{row['products floor']['min'] / torch_row['min']:.2f}x" if torch_row else "-"])
    return headers, cells


def summary(results: dict, args) -> str:
    w = results["workload"]
    threads = ", ".join(f"{k} {v}" for k, v in results["threads"].items())
    return (f"Forward + backward of one layer over {w['steps']} steps, batch {w['batch']}, input "
            f"and hidden {w['input']}, float32. {args.rounds} rounds of {args.calls} calls per "
            f"implementation, interleaved; minimum and median over all calls. Threads: "
            f"{threads}. Target: LSTM and GRU fused/torch <= 1.5x. Products floor: the layer's "
            f"matrix products alone in NumPy's BLAS ({blas_name()}), each at its better "
            f"thread count.")


def publish(results: dict, table_rows, summary_text: str, args, argv, script: str,
            title: str) -> None:
    """Print the table and its summary; with --json also write ``results``, with --markdown the
    results page (tinynet.report), headed by the command that ran ``script``."""
    from tinynet.report import markdown_table, write_markdown

    headers, cells = table_rows
    print(markdown_table(headers, cells))
    print(summary_text)
    if args.json:
        with open(args.json, "w") as file:
            json.dump(results, file, indent=2)
    if args.markdown:
        command = " ".join([f"python benchmarks/{script}",
                            *(sys.argv[1:] if argv is None else argv)])
        write_markdown(args.markdown, title,
                       markdown_table(headers, cells) + "\n\n" + summary_text + "\n",
                       command=command)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=5, help="timed calls per block")
    parser.add_argument("--threads", type=int, help="threads for both libraries "
                        "(tinynet.set_num_threads, torch.set_num_threads; default: each "
                        "library's own default)")
    parser.add_argument("--quick", action="store_true", help="a tiny workload (a smoke test)")
    parser.add_argument("--json", help="also write the results to this JSON file")
    parser.add_argument("--markdown", metavar="FILE", help="also write the table as a results "
                        "page (tinynet.report) to FILE")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.calls < 1:
        parser.error("--rounds and --calls must be at least 1")
    if args.threads is not None and args.threads < 1:
        parser.error(f"--threads must be at least 1, got {args.threads}")
    results = measure(args)
    publish(results, table(results), summary(results, args), args, argv, "recurrent.py",
            TITLE)
    return results


if __name__ == "__main__":
    main()
