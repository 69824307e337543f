"""The classifiers' recipe (mlp, cnn, resnet, lenet, logistic): cross-entropy with Adam and a
one-cycle schedule by default, 10% of the training side held out, the epoch with the best
validation loss kept, then the test accuracy of that epoch.

    tinynet train cnn --dataset digits        # or: tinynet.recipes.train("cnn", dataset="digits")
"""

from __future__ import annotations

from tinynet.recipes.common import Recipe, Run

DEFAULTS = {  # per dataset: epochs, batch size and learning rate of the default run
    "digits": {"epochs": 12, "batch_size": 32, "lr": 3e-3},
    "mnist1d": {"epochs": 30, "batch_size": 64, "lr": 3e-3},
    "moons": {"epochs": 30, "batch_size": 32, "lr": 1e-2},
    "spirals": {"epochs": 60, "batch_size": 32, "lr": 1e-2},
    "mnist": {"epochs": 3, "batch_size": 128, "lr": 1e-3},
    "fashion-mnist": {"epochs": 5, "batch_size": 128, "lr": 1e-3},
}
CLASSIFIER_DEFAULTS = {"optimizer": "adam", "weight_decay": 0.0, "scheduler": "onecycle",
                       "val_fraction": 0.1}


def make_optimizer(name: str, parameters, lr: float, weight_decay: float = 0.0):
    """The optimizer called ``name`` (SGD gets momentum 0.9; the rest PyTorch's defaults)."""
    from tinynet import optim

    classes = {"adam": optim.Adam, "adamw": optim.AdamW, "sgd": optim.SGD,
               "rmsprop": optim.RMSprop, "adagrad": optim.Adagrad, "adadelta": optim.Adadelta,
               "nadam": optim.NAdam}
    extra = {"momentum": 0.9} if name == "sgd" else {}
    return classes[name](parameters, lr=lr, weight_decay=weight_decay, **extra)


def make_scheduler(name: str, optimizer, epochs: int, steps_per_epoch: int):
    """The scheduler called ``name`` for a run of ``epochs`` x ``steps_per_epoch`` steps: one
    cycle peaking at the given lr, cosine to 0, /10 at 1/2 and 3/4 (step), x0.9 per epoch
    (exponential), halve after 2 flat epochs of val_loss (plateau), or None."""
    from tinynet.optim import lr_scheduler

    if name == "onecycle":
        lr = optimizer.param_groups[0]["lr"]
        return lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=epochs * steps_per_epoch)
    if name == "cosine":
        return lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    if name == "step":
        return lr_scheduler.MultiStepLR(optimizer, [max(1, epochs // 2), max(1, 3 * epochs // 4)])
    if name == "exponential":
        return lr_scheduler.ExponentialLR(optimizer, gamma=0.9)
    if name == "plateau":
        return lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=2)
    return None


def defaults(dataset: str) -> dict:
    return {**DEFAULTS.get(dataset, DEFAULTS["digits"]), **CLASSIFIER_DEFAULTS}


def run(run: Run) -> dict:
    from tinynet import nn
    from tinynet.data import DataLoader
    from tinynet.train import evaluate

    options = run.options
    data = run.data(options["val_fraction"])
    network = run.build(data.sample_shape, data.num_classes)
    loader = run.loader(data.train)
    optimizer = make_optimizer(options["optimizer"], network.parameters(), options["lr"],
                               options["weight_decay"])
    scheduler = make_scheduler(options["scheduler"], optimizer, options["epochs"], len(loader))
    loss_fn = nn.CrossEntropyLoss()
    run.say(f"training {run.model} on {run.dataset}: {len(data.train)} train, "
            f"{len(data.val) if data.val else 0} val, {len(data.test)} test samples; "
            f"{sum(p.numel() for p in network.parameters()):,} parameters")
    history = run.fit(network, loss_fn, optimizer, loader, data.val, scheduler)
    test = evaluate(network, DataLoader(data.test, 256), ("accuracy",), loss_fn)
    return run.finish(network, history, {"test_accuracy": test["accuracy"],
                                         "test_loss": test["loss"]},
                      f"test accuracy {test['accuracy']:.4f}, test loss {test['loss']:.4f} "
                      f"({len(data.test)} samples)")


RECIPE = Recipe("classifier", run, defaults, "digits", "test_accuracy")
