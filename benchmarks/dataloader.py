"""What worker processes gain: epoch time of a DataLoader over a dataset with a slow transform.

The dataset holds small RGB images (3 x 64 x 64, float32) and applies to each sample, when it is
read, a transform of plain NumPy work that costs a few milliseconds (a random flip, a 3 x 3 box
blur repeated ``--blur-passes`` times, a colour mix and a normalization): the kind of per-sample
augmentation that makes loading, not the model, the bottleneck. Each epoch iterates the whole
loader (batch 32, shuffled, default collation) without a model, so the time is the loading alone.
With ``num_workers=N`` the workers are started anew each epoch (not persistent), so the epoch
time includes their start-up, as a plain training loop sees it. The same dataset object is
loaded by PyTorch's DataLoader where PyTorch is installed.

    python benchmarks/dataloader.py [--samples 512] [--workers 0 1 2] [--epochs 3]
                                    [--no-torch] [--markdown docs/results/dataloader.md]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


class SlowTransformImages:
    """``count`` random images and labels; ``dataset[i]`` returns (transformed image, label) as
    (np.ndarray float32 (3, 64, 64), int)."""

    def __init__(self, count: int, blur_passes: int, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.images = rng.random((count, 3, 64, 64), dtype=np.float32)
        self.labels = rng.integers(0, 10, count).tolist()
        self.blur_passes = blur_passes
        self.mix = np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]], np.float32)

    def __len__(self) -> int:
        return len(self.labels)

    def transform(self, image: np.ndarray, index: int) -> np.ndarray:
        if index % 2:
            image = image[:, :, ::-1]
        for _ in range(self.blur_passes):  # a 3 x 3 box blur, edges repeated
            padded = np.pad(image, ((0, 0), (1, 1), (1, 1)), mode="edge")
            image = sum(padded[:, i:i + 64, j:j + 64] for i in range(3) for j in range(3)) / 9
        image = np.tensordot(self.mix, image, axes=1)
        return ((image - image.mean()) / (image.std() + 1e-6)).astype(np.float32)

    def __getitem__(self, index: int):
        return self.transform(self.images[index], index), self.labels[index]


def per_sample_ms(dataset: SlowTransformImages, count: int = 64) -> float:
    """The transform's cost in this process, ms per sample (median of single reads)."""
    times = []
    for index in range(count):
        start = time.perf_counter()
        dataset[index % len(dataset)]
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def time_epoch(make_loader, epoch: int) -> tuple[float, float]:
    """(wall-clock seconds, this process's CPU seconds) of one full pass over a new loader, its
    workers started and stopped in it. The CPU time is what loading leaves to a training loop:
    with workers, the transforms run in their processes instead of this one."""
    start, cpu = time.perf_counter(), time.process_time()
    for _ in make_loader(epoch):
        pass
    return time.perf_counter() - start, time.process_time() - cpu


def time_settings(settings: dict, epochs: int) -> dict[str, tuple[float, float]]:
    """Median (wall-clock, main-process CPU) seconds per epoch of each setting (name ->
    make_loader). The settings take turns, one epoch each, a warm-up round first, so that a
    change in the machine's load over the run falls on all of them alike."""
    times = {name: [] for name in settings}
    for epoch in range(epochs + 1):
        for name, make_loader in settings.items():
            measured = time_epoch(make_loader, epoch)
            if epoch:
                times[name].append(measured)
    return {name: tuple(statistics.median(column) for column in zip(*values))
            for name, values in times.items()}


def tinynet_loader(dataset, workers: int, batch_size: int):
    import tinynet
    from tinynet.data import DataLoader

    return lambda epoch: DataLoader(dataset, batch_size=batch_size, shuffle=True,
                                    num_workers=workers, generator=tinynet.Generator(epoch))


def torch_loader(dataset, workers: int, batch_size: int):
    import torch
    from torch.utils.data import DataLoader

    return lambda epoch: DataLoader(dataset, batch_size=batch_size, shuffle=True,
                                    num_workers=workers,
                                    generator=torch.Generator().manual_seed(epoch))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=512, help="images in the dataset")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--blur-passes", type=int, default=44, help="repeats of the blur: the "
                        "transform's cost (44: about 2 ms per sample on a recent x86 core)")
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 1, 2],
                        help="the num_workers values to time")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per setting (after "
                        "a warm-up epoch); the median is reported")
    parser.add_argument("--no-torch", action="store_true", help="time tinynet only")
    parser.add_argument("--markdown", metavar="FILE", help="also write the table as a results "
                        "page (tinynet.report) to FILE")
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.samples < 1 or args.batch_size < 1 or args.blur_passes < 0:
        parser.error("--epochs, --samples and --batch-size must be positive, --blur-passes "
                     "non-negative")
    if any(workers < 0 for workers in args.workers):
        parser.error(f"--workers must be non-negative, got {args.workers}")
    frameworks = {"tinynet": tinynet_loader}
    if not args.no_torch:
        try:
            import torch  # noqa: F401
        except ImportError:
            pass
        else:
            frameworks["pytorch"] = torch_loader

    dataset = SlowTransformImages(args.samples, args.blur_passes)
    cost = per_sample_ms(dataset)
    settings = {(name, workers): make(dataset, workers, args.batch_size)
                for name, make in frameworks.items() for workers in args.workers}
    medians = time_settings(settings, args.epochs)
    rows = []
    for (name, workers), (seconds, cpu) in medians.items():
        baseline = medians[name, args.workers[0]][0]
        rows.append((name, workers, f"{seconds:.3f}", f"{baseline / seconds:.2f}x", f"{cpu:.3f}"))
        print(f"{name:8} num_workers={workers}: {seconds:.3f} s per epoch "
              f"({baseline / seconds:.2f}x), main process CPU {cpu:.3f} s", flush=True)
    summary = (
        f"{args.samples} samples, batch {args.batch_size}, shuffled; the transform costs "
        f"{cost:.2f} ms per sample in the main process ({args.blur_passes} blur passes), so one "
        f"process needs about {cost * args.samples / 1000:.2f} s of transforms per epoch. Seconds "
        f"per epoch: median of {args.epochs} epochs after a warm-up epoch, the settings taking "
        f"turns epoch by epoch; workers started anew each epoch (their start-up included). "
        f"Speed-up: against the first num_workers of the same framework. Main-process CPU s: the "
        f"CPU time the loading took in the main process per epoch (median), which is what it "
        f"leaves to a training loop; it depends far less than the epoch time on other processes "
        f"competing for the cores. The workers share the machine's cores with the main process, "
        f"which collates nothing and trains nothing here.")
    if "pytorch" not in frameworks:
        summary += " PyTorch not used: tinynet times only."
    print("\n" + summary)
    if args.markdown:
        from tinynet.report import markdown_table, write_markdown

        table = markdown_table(["framework", "num_workers", "s per epoch", "speed-up",
                                "main-process CPU s"], rows)
        write_markdown(args.markdown, "DataLoader workers: epoch time with a slow transform",
                       table + "\n\n" + summary + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
