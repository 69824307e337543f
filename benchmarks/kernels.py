"""Convolution, pooling and matmul speed: tinynet on its Numba kernels, tinynet on the NumPy
reference kernels, and PyTorch's CPU ops (when installed) with the same thread count.

Each workload is a forward + backward pass (or one product, for matmul) in float32, all timed in
one run, each implementation in blocks of calls, round by round (`medians` says why). The table
gives median milliseconds and the ratios against which the targets are stated: conv2d and max_pool2d
within 1.5x of PyTorch, the Numba path at least 3x faster than the NumPy reference for conv,
matmul at least 0.9x of NumPy's BLAS throughput. The machine's load average is printed too: on
a 2-core machine, any other busy process stalls the two-thread BLAS and OpenMP calls (a thread
that waits for a descheduled partner: 8-40 ms steps instead of 6), so run it on an idle machine.

What bounds the conv ratios: 64x16x16x16 -> 32 runs by Winograd's F(4x4, 3x3)
(tinynet/ops/conv_winograd.py), whose NumPy reference transforms are batched 6x6 matrix products
(slow in NumPy, one small matrix at a time), so its reference column is 5-6x the Numba one. The two
other convolutions are im2col: both backends run the same BLAS products (tinynet/ops/conv.py: one
per sample for small windows, one over the whole batch from C·kh·kw = 128 on) and differ only in
im2col/col2im. Measured on one thread, the products are a fraction f of the reference's step time
of 0.38 (32x3x32x32 -> 16) and 0.28 (64x1x28x28 -> 6), so even infinitely fast kernels would make
the Numba path at most 1/f = 2.6x and 3.6x faster. Against PyTorch, with im2col the 64x16x16x16
step's three products alone took ~5.5 ms on one thread where PyTorch's whole step (oneDNN's direct
convolution, no im2col) takes 4.0-4.2; the Winograd form's products take ~1.1 ms and its four
transforms ~2.5 ms. On two threads all three conv workloads run in batch chunks, one per thread
(one of them on the calling thread), each with a one-thread BLAS (tinynet/ops/conv.py has the sizes
from which a convolution splits); the Numba and NumPy columns both chunk. The 1024^3 matmul through
tinynet runs as one block of rows per thread, each on a one-thread BLAS (tinynet/threads.py),
against np.matmul on OpenBLAS's own threads.

Memory: a convolution step allocates and frees ~10-30 MB of columns and products. glibc gives
freed memory at the top of its heap back to the OS once it exceeds twice the largest block freed
so far, so every step would fault the same pages in again (2,600-3,500 page faults, 5-9 ms of a
5-15 ms step measured here). `import tinynet` now keeps freed memory (tinynet/memory.py), which
applies to PyTorch's calls in this process as well; --keep-freed-memory still sets the same
mallopt thresholds explicitly, for runs with TINYNET_KEEP_FREED_MEMORY=0.

Winograd: tinynet runs 3x3 convolutions with at least 16 channels on each side by Winograd's
F(4x4, 3x3) when their size pays (tinynet/ops/conv_winograd.py); of the workloads, only
64x16x16x16 -> 32. --winograd N changes that 16 to N, --winograd 0 turns it off (im2col only).

    python benchmarks/kernels.py [--repeats 15] [--threads N] [--keep-freed-memory]
                                 [--winograd N] [--json out.json] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
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
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "NUMBA_NUM_THREADS", "TINYNET_NUM_THREADS")


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
    while after their last parallel loop, and on 2 cores the spinning threads of one library
    slowed the other's calls up to 7x; a pause before each block lets them go to sleep. Several
    rounds of blocks spread each step's calls over the run, so that a change in the machine's
    load does not fall on one implementation only. After each pause, `settle` untimed calls:
    the first calls after an idle pause ran up to 1.6x slower (a tinynet conv2d step of
    64x16x16x16 -> 32: 13.4, 10.9, 9.7 ms, then 8.5-9.0 ms), which a training loop never sees."""
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


def numpy_matmul(a, b):
    """np.matmul on an n-thread BLAS, NumPy's own default (tinynet keeps the BLAS at one thread
    and runs a large product as n blocks on its pool: tinynet/threads.py)."""
    import numpy as np

    from tinynet.threads import all_blas_threads

    with all_blas_threads():
        return np.matmul(a, b)


def on_backend(backend, step):
    from tinynet.kernels import use_backend

    def run():
        with use_backend(backend):
            step()
    return run


def workload_steps(make_step, torch) -> dict:
    """{"numba", "numpy"[, "torch"]: step} from make_step(module) -> step."""
    import tinynet

    steps = {"numba": on_backend("numba", make_step(tinynet)),
             "numpy": on_backend("numpy", make_step(tinynet))}
    if torch is not None:
        steps["torch"] = make_step(torch)
    return steps


def measure(repeats: int = 15, quick: bool = False, threads: int | None = None) -> dict:
    import numba
    import numpy as np

    import tinynet

    try:
        import torch
    except ImportError:
        torch = None
    threads = threads or os.cpu_count() or 1
    tinynet.set_num_threads(threads)  # BLAS and Numba; tinynet's own default is one thread
    threads = min(threads, numba.get_num_threads())
    if torch is not None:
        torch.set_num_threads(threads)
    rng = np.random.default_rng(0)
    rows = []
    for name, *arguments in CONV_WORKLOADS[:1] if quick else CONV_WORKLOADS:
        steps = workload_steps(lambda module, a=arguments: conv_step(module, *a, rng), torch)
        rows.append({"workload": name + " fwd+bwd", **medians(steps, repeats)})
    steps = workload_steps(lambda module: pool_step(module, rng), torch)
    rows.append({"workload": "max_pool2d 2x2 64x32x32x32 fwd+bwd", **medians(steps, repeats)})
    for batch, m, k, n in [(0, 256, 256, 256)] if quick else MATMULS:
        a = rng.standard_normal(((batch,) if batch else ()) + (m, k), dtype=np.float32)
        b = rng.standard_normal(((batch,) if batch else ()) + (k, n), dtype=np.float32)
        steps = workload_steps(lambda module, a=a, b=b: matmul_step(module, a, b), torch)
        steps["blas"] = lambda a=a, b=b: numpy_matmul(a, b)
        row = {"workload": f"matmul {m}x{k}x{n}" + (f" batch {batch}" if batch else ""),
               **medians(steps, repeats)}
        flops = 2 * max(batch, 1) * m * k * n
        row["gflops_numba"], row["gflops_blas"] = flops / row["numba"] / 1e9, flops / row[
            "blas"] / 1e9
        rows.append(row)
    for row in rows:
        row["numpy_over_numba"] = row["numpy"] / row["numba"]
        if "torch" in row:
            row["numba_over_torch"] = row["numba"] / row["torch"]
        if "blas" in row:
            row["numba_over_blas"] = row["numba"] / row["blas"]
    return {"threads": threads, "torch": getattr(torch, "__version__", None),
            "load_average_1min": os.getloadavg()[0], "repeats": repeats, "rows": rows}


def _milliseconds(row, key):
    return f"{row[key] * 1e3:9.3f}" if key in row else f"{'-':>9}"


def _ratio(row, key, width):
    return f"{row[key]:{width}.2f}x" if key in row else f"{'-':>{width + 1}}"


def print_table(results: dict) -> None:
    print(f"threads: {results['threads']} (Numba, OpenBLAS, PyTorch); medians of "
          f"{results['repeats']} calls in ms; PyTorch {results['torch'] or 'not installed'}; "
          f"load average {results['load_average_1min']:.2f} when done"
          + ("; freed memory kept (mallopt)" if results.get("keep_freed_memory") else "")
          + ("" if results.get("winograd_min_channels") is None else
             f"; Winograd from {results['winograd_min_channels']} channels (0: off)"))
    header = (f"{'workload':<38} {'numba':>9} {'numpy ref':>9} {'torch':>9} {'blas':>9} "
              f"{'ref/numba':>9} {'numba/torch':>11} {'numba/blas':>10}")
    print(header)
    print("-" * len(header))
    for row in results["rows"]:
        print(f"{row['workload']:<38} {_milliseconds(row, 'numba')} "
              f"{_milliseconds(row, 'numpy')} {_milliseconds(row, 'torch')} "
              f"{_milliseconds(row, 'blas')} {_ratio(row, 'numpy_over_numba', 8)} "
              f"{_ratio(row, 'numba_over_torch', 10)} {_ratio(row, 'numba_over_blas', 9)}")
    for row in results["rows"]:
        if "gflops_blas" in row:
            print(f"{row['workload']}: {row['gflops_numba']:.1f} GFLOP/s through tinynet, "
                  f"{row['gflops_blas']:.1f} GFLOP/s np.matmul")
    print("targets: conv2d, max_pool2d numba/torch <= 1.5x; conv ref/numba >= 3x; "
          "1024^3 numba/blas <= 1.11x (>= 0.9x of BLAS throughput)")


def keep_freed_memory() -> None:
    """Let glibc's malloc keep freed memory (no trimming; blocks up to 32 MB from the heap)."""
    import ctypes

    libc = ctypes.CDLL(None)
    if not (libc.mallopt(M_TRIM_THRESHOLD, 1 << 30) and libc.mallopt(M_MMAP_THRESHOLD, 1 << 25)):
        raise RuntimeError("mallopt failed: --keep-freed-memory needs glibc")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--threads", type=int, help="threads for every library (default: all "
                        "cores, for tinynet too, whose own default is one BLAS thread)")
    parser.add_argument("--keep-freed-memory", action="store_true",
                        help="mallopt: no trimming of freed memory (see the docstring)")
    parser.add_argument("--winograd", type=int, metavar="N", help="fewest channels for "
                        "Winograd F(4x4, 3x3) (default 16; 0: never)")
    parser.add_argument("--quick", action="store_true", help="one conv workload, a 256^3 matmul")
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    if args.threads:  # read by OpenBLAS, Numba and OpenMP when they load, which is after this
        os.environ.update({name: str(args.threads) for name in THREAD_VARIABLES})
    if args.keep_freed_memory:
        keep_freed_memory()
    if args.winograd is not None:
        import tinynet.ops.conv

        tinynet.ops.conv.WINOGRAD_MIN_CHANNELS = args.winograd or None
    results = measure(args.repeats, args.quick, args.threads)
    results["keep_freed_memory"] = args.keep_freed_memory
    results["winograd_min_channels"] = args.winograd
    print_table(results)
    if args.json:
        with open(args.json, "w") as file:
            json.dump(results, file, indent=2)
    return results


if __name__ == "__main__":
    main()
