"""Small networks and a plain training loop for the monitor's tests (fixed seeds, few steps)."""

import numpy as np

import tinynet as tn
from tinynet import nn
from tinynet.diagnostics import GradientMonitor


def mlp(activation, init, depth=10, width=32, batch_norm=False, inputs=16, classes=4):
    """depth x [Linear (+ BatchNorm1d) + activation], then Linear(classes); ``init(linear)``
    initializes each hidden Linear."""
    layers, width_in = [], inputs
    for _ in range(depth):
        linear = nn.Linear(width_in, width)
        init(linear)
        layers.append(linear)
        if batch_norm:
            layers.append(nn.BatchNorm1d(width))
        layers.append(activation())
        width_in = width
    layers.append(nn.Linear(width_in, classes))
    return nn.Sequential(*layers)


def small_init(linear):
    nn.init.normal_(linear.weight, 0.0, 0.05)
    nn.init.zeros_(linear.bias)


def he_init(linear):
    nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
    nn.init.zeros_(linear.bias)


def blobs(count=512, features=16, seed=0):
    """A 4-class problem: the class is the signs of the first two features."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(count, features)).astype(np.float32)
    y = (x[:, :2] > 0).astype(np.int64) @ np.array([1, 2])
    return tn.tensor(x), tn.tensor(y)


def train(model, steps, lr=0.1, optimizer="sgd", every=1, thresholds=None, data=None,
          loss_fn=None, batch=64):
    """``steps`` steps of SGD (or Adam) on batches of ``data`` with a GradientMonitor; stops
    early when the loss cannot be computed (NaN logits). Returns the monitor (detached)."""
    x, y = data if data is not None else blobs()
    loss_fn = loss_fn or nn.functional.cross_entropy
    parameters = model.parameters()
    opt = (tn.optim.SGD(parameters, lr=lr) if optimizer == "sgd"
           else tn.optim.Adam(parameters, lr=lr))
    generator = tn.Generator(0)
    with GradientMonitor(model, every=every, thresholds=thresholds) as monitor:
        for _ in range(steps):
            index = tn.randint(0, len(x), (batch,), generator=generator)
            try:
                loss = loss_fn(model(x[index]), y[index])
            except ValueError:  # the loss refuses NaN inputs: training has diverged
                break
            opt.zero_grad()
            loss.backward()
            opt.step()
            monitor.step(loss=loss)
    return monitor


def kinds(monitor):
    return {diagnosis.kind: diagnosis for diagnosis in monitor.flags()}
