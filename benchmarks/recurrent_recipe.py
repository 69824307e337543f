"""The GRU recipe on MNIST-1D in tinynet and in PyTorch from the same initial weights: training
time and test accuracy of each, measured in one run.

    PYTHONPATH=. python benchmarks/recurrent_recipe.py                  # 40 epochs, seed 0
    PYTHONPATH=. python benchmarks/recurrent_recipe.py --epochs 5 --seeds 0 1 --markdown FILE

Same network: the registry's ``gru`` (``tinynet.models.build_gru``, its ``--model-arg`` defaults
or those given with ``--model-arg``) and a PyTorch twin with the same modules and state_dict
keys, loaded from the tinynet model's state_dict; the script checks that both give the same
logits before training. Same recipe: the ``gru`` recipe's defaults for mnist1d (Adam, one-cycle
schedule, batch size, epochs, the 90% training side of the seed's split), the same shuffled
batches in the same order, cross-entropy. The validation side is left out (no best-epoch
checkpoint): the models train for all epochs and are tested at the end, so the two curves can
be compared step for step. Training time is the loop (forward, loss, backward, step, schedule)
only; tinynet's first seed includes compiling its Numba kernels when their cache is cold.
Without PyTorch only tinynet runs.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

import tinynet as tn
from tinynet import nn
from tinynet.data.datasets import load_mnist1d_arrays
from tinynet.models import build_gru
from tinynet.recipes.common import parse_model_args, split
from tinynet.recipes.recurrent import defaults


def torch_twin(model):
    """The PyTorch module with the same layers, names and weights as ``model``."""
    import torch

    class TorchRecurrentClassifier(torch.nn.Module):
        def __init__(self):
            super().__init__()
            rnn = model.rnn
            self.rnn = torch.nn.GRU(rnn.input_size, rnn.hidden_size, rnn.num_layers,
                                    batch_first=True, dropout=rnn.dropout,
                                    bidirectional=rnn.bidirectional)
            self.dropout = torch.nn.Dropout(model.dropout.p)
            self.head = torch.nn.Linear(model.head.in_features, model.head.out_features)
            self.readout, self.hidden = model.readout, rnn.hidden_size

        def forward(self, x):
            output, state = self.rnn(x.transpose(1, 2))
            if self.readout == "final":
                features = (torch.cat([state[-2], state[-1]], -1) if self.rnn.bidirectional
                            else state[-1])
            elif self.readout == "flatten":
                features = output.reshape(len(x), -1)
            elif self.readout == "mean":
                features = output.mean(1)
            elif self.rnn.bidirectional:
                features = torch.cat([output[:, -1, :self.hidden], output[:, 0, self.hidden:]], -1)
            else:
                features = output[:, -1]
            return self.head(self.dropout(features))

    if model.tokens or hasattr(model, "projection"):
        raise ValueError("the PyTorch twin covers signal inputs without a projection")
    twin = TorchRecurrentClassifier()
    twin.load_state_dict({k: torch.tensor(v.numpy()) for k, v in model.state_dict().items()})
    return twin


def train(library: str, model, x, y, x_test, y_test, options: dict, seed: int) -> dict:
    """Train ``model`` (a tinynet model, or its PyTorch twin) with the recipe's optimizer and
    schedule on the same batches; return the training time and the test accuracy."""
    if library == "torch":
        import torch as lib
        from torch import optim
        from torch.nn import functional
        make = lib.from_numpy
    else:
        lib, optim, functional, make = tn, tn.optim, nn.functional, tn.Tensor._make
    batch, epochs = options["batch_size"], options["epochs"]
    steps = -(-len(x) // batch)
    optimizer = optim.Adam(model.parameters(), lr=options["lr"])
    scheduler = optim.lr_scheduler.OneCycleLR(optimizer, max_lr=options["lr"],
                                              total_steps=epochs * steps)
    orders = np.random.default_rng(seed).permuted(np.tile(np.arange(len(x)), (epochs, 1)), axis=1)
    model.train()
    start = time.perf_counter()
    for order in orders:
        for step in range(steps):
            rows = order[step * batch:(step + 1) * batch]
            loss = functional.cross_entropy(model(make(x[rows])), make(y[rows]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
    seconds = time.perf_counter() - start
    model.eval()
    with lib.no_grad():
        predictions = model(make(x_test)).numpy().argmax(1)
    return {"seconds": seconds, "test_accuracy": float((predictions == y_test).mean()),
            "last_loss": float(loss.item())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, help="default: the recipe's")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--model-arg", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--threads", type=int, help="threads for tinynet and PyTorch")
    parser.add_argument("--no-torch", action="store_true", help="time tinynet only")
    parser.add_argument("--markdown", metavar="FILE", help="also write the table there")
    args = parser.parse_args(argv)
    options = defaults("mnist1d")
    if args.epochs is not None:
        options["epochs"] = args.epochs
    model_args = parse_model_args("gru", build_gru, args.model_arg)
    try:
        import torch
    except ImportError:
        torch = None
    use_torch = torch is not None and not args.no_torch
    if args.threads:
        tn.set_num_threads(args.threads)
        if use_torch:
            torch.set_num_threads(args.threads)
    signals, labels = load_mnist1d_arrays(train=True)
    x_test, y_test = load_mnist1d_arrays(train=False)
    rows = []
    for seed in args.seeds:
        train_side, _ = split(list(range(len(labels))), options["val_fraction"], seed)
        indices = np.array([train_side[i] for i in range(len(train_side))])
        x, y = signals[indices], labels[indices]
        tn.manual_seed(seed)
        model = build_gru((1, 40), 10, **model_args)
        row = {"seed": seed}
        if use_torch:
            twin = torch_twin(model)
            with torch.no_grad():
                expected = twin.eval()(torch.from_numpy(x_test[:8])).numpy()
            with tn.no_grad():
                got = model.eval()(tn.Tensor._make(x_test[:8])).numpy()
            if not np.allclose(got, expected, atol=1e-5):
                raise RuntimeError("the PyTorch twin's logits differ from tinynet's")
            row["torch"] = train("torch", twin, x, y, x_test, y_test, options, seed)
        row["tinynet"] = train("tinynet", model, x, y, x_test, y_test, options, seed)
        rows.append(row)
        text = "  ".join(f"{lib}: {r['test_accuracy']:.2%} in {r['seconds']:.1f} s"
                         for lib, r in row.items() if lib != "seed")
        print(f"seed {seed}: {text}", flush=True)
    if args.markdown:
        from tinynet.report import markdown_table, write_markdown

        libraries = ["tinynet"] + (["torch"] if use_torch else [])
        headers = ["seed"] + [f"{lib} {what}" for lib in libraries
                              for what in ("test accuracy", "training time (s)")]
        if use_torch:
            headers.append("time ratio tinynet / PyTorch")
        table = markdown_table(headers, [
            [row["seed"], *(value for lib in libraries for value in (
                f"{row[lib]['test_accuracy']:.2%}", f"{row[lib]['seconds']:.1f}")),
             *([f"{row['tinynet']['seconds'] / row['torch']['seconds']:.2f}"] if use_torch else [])]
            for row in rows])
        settings = ", ".join(f"{k} {v}" for k, v in options.items())
        body = (f"{table}\n\nThe gru recipe's settings ({settings}; model arguments "
                f"{model_args or 'the defaults'}), without the validation checkpoint: "
                "see the script's docstring.\n")
        write_markdown(args.markdown, "GRU on MNIST-1D: tinynet and PyTorch", body,
                       " ".join(["python", "benchmarks/recurrent_recipe.py", *(argv or sys.argv[1:])]))
        print(f"wrote {args.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
