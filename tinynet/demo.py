"""Training from scratch with nothing but tensors and autograd: a two-layer perceptron on
scikit-learn's bundled 8x8 digits (1,797 images, no download), plain mini-batch SGD.

    python -m tinynet.demo [--epochs 30] [--hidden 64] [--lr 0.1] [--seed 0]

Every step is written out: forward, loss (cross-entropy as −mean log softmax of the right class),
backward, and the update under no_grad. The tinynet.nn and tinynet.optim packages wrap exactly
these steps.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import tinynet as tn


def load_digits_split(seed: int, test_fraction: float = 0.2):
    """Standardized digits as (x_train, y_train, x_test, y_test) NumPy arrays, split with a seed."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = digits.data.astype(np.float32) / 16.0
    order = np.random.default_rng(seed).permutation(len(images))
    test_count = int(len(images) * test_fraction)
    test, train = order[:test_count], order[test_count:]
    mean, std = images[train].mean(0), images[train].std(0) + 1e-6
    images = (images - mean) / std
    return images[train], digits.target[train], images[test], digits.target[test]


def cross_entropy(logits, labels):
    """−mean over the batch of log softmax(logits)[label]."""
    log_probabilities = logits.log_softmax(1)
    return -log_probabilities[tn.arange(len(labels)), labels].mean()


def train(epochs: int = 30, hidden: int = 64, lr: float = 0.1, batch_size: int = 32,
          seed: int = 0) -> dict:
    tn.manual_seed(seed)
    x_train, y_train, x_test, y_test = load_digits_split(seed)
    features, classes = x_train.shape[1], 10
    # He initialization: variance 2/fan_in keeps ReLU activations at a steady scale
    w1 = (tn.randn(features, hidden) * np.sqrt(2 / features)).requires_grad_()
    b1 = tn.zeros(hidden, requires_grad=True)
    w2 = (tn.randn(hidden, classes) * np.sqrt(1 / hidden)).requires_grad_()
    b2 = tn.zeros(classes, requires_grad=True)
    parameters = [w1, b1, w2, b2]

    def model(x):
        return (x @ w1 + b1).relu() @ w2 + b2

    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(x_train))
        total = 0.0
        for first in range(0, len(order), batch_size):
            batch = order[first:first + batch_size]
            loss = cross_entropy(model(tn.tensor(x_train[batch])), tn.tensor(y_train[batch]))
            for p in parameters:
                p.grad = None
            loss.backward()
            with tn.no_grad():
                for p in parameters:
                    p -= lr * p.grad
            total += loss.item() * len(batch)
        if epoch == 1 or epoch % 10 == 0 or epoch == epochs:
            print(f"epoch {epoch:3d}  train loss {total / len(x_train):.4f}")
    with tn.no_grad():
        predictions = model(tn.tensor(x_test)).argmax(1).numpy()
    accuracy = float((predictions == y_test).mean())
    seconds = time.perf_counter() - start
    print(f"test accuracy {accuracy:.4f} on {len(y_test)} held-out digits ({seconds:.1f} s)")
    return {"test_accuracy": accuracy, "seconds": seconds}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description="Train a two-layer perceptron on the 8x8 digits "
                                     "with tensors and autograd only.")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    return train(args.epochs, args.hidden, args.lr, args.batch_size, args.seed)


if __name__ == "__main__":
    main()
