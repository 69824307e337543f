"""Callback protocol and EarlyStopping, from a plain loop and from a fit-style loop."""

import math

import numpy as np
import pytest

import tinynet as tn
from tinynet.callbacks import Callback, EarlyStopping


class TinyModel:
    """Anything with state_dict()/load_state_dict() will do; the weight changes every epoch."""

    def __init__(self):
        self.weight = tn.tensor(np.zeros(3), requires_grad=True)
        self.epochs_trained = 0

    def train_one_epoch(self):
        self.epochs_trained += 1
        self.weight.detach().numpy()[...] = self.epochs_trained  # in place: aliasing would show

    def state_dict(self):
        return {"weight": self.weight, "epochs_trained": self.epochs_trained}

    def load_state_dict(self, state):
        self.weight.detach().numpy()[...] = state["weight"].numpy()
        self.epochs_trained = state["epochs_trained"]


def fit(model, callbacks, val_losses):
    """A minimal fit loop that follows the documented protocol; returns the epochs run."""
    trainer_state = {"model": model, "epochs": len(val_losses)}
    for callback in callbacks:
        callback.on_train_begin(trainer_state)
    epochs_run = 0
    for epoch, val_loss in enumerate(val_losses):
        model.train_one_epoch()
        epochs_run += 1
        for callback in callbacks:
            callback.on_epoch_end(
                epoch, {"loss": 1.0, "val_loss": val_loss, "val_accuracy": -val_loss}
            )
        if any(callback.stop_training for callback in callbacks):
            break
    for callback in callbacks:
        callback.on_train_end(trainer_state)
    return epochs_run


def stopping_epoch(stopper, values):
    for epoch, value in enumerate(values):
        if stopper.step(value):
            return epoch
    return None


def test_stops_after_patience_epochs_without_improvement():
    stopper = EarlyStopping(patience=2)
    assert stopping_epoch(stopper, [3.0, 2.0, 2.5, 2.0, 1.0]) == 3
    assert stopper.best == 2.0 and stopper.best_epoch == 1 and stopper.stopped_epoch == 3


def test_patience_zero_stops_at_the_first_bad_epoch():
    assert stopping_epoch(EarlyStopping(patience=0), [3.0, 2.0, 2.0]) == 2


def test_improvement_resets_the_count():
    assert stopping_epoch(EarlyStopping(patience=2), [5, 4, 4.5, 3, 3.5, 3.2, 1]) == 5


def test_min_delta_and_max_mode():
    assert stopping_epoch(EarlyStopping(patience=1, min_delta=0.1), [1.0, 0.95, 0.5]) == 1
    stopper = EarlyStopping(monitor="val_accuracy", mode="max", patience=1)
    assert stopping_epoch(stopper, [0.5, 0.7, 0.6]) == 2
    assert stopper.best == 0.7


def test_nan_is_never_an_improvement():
    stopper = EarlyStopping(patience=2)
    assert stopping_epoch(stopper, [1.0, math.nan, math.nan]) == 2
    assert stopper.best == 1.0


def test_restore_best_weights_from_a_plain_loop():
    model, stopper = TinyModel(), EarlyStopping(patience=2, restore_best_weights=True)
    for val_loss in [3.0, 1.0, 2.0, 2.0, 0.0]:
        model.train_one_epoch()
        if stopper.step(val_loss, model):
            break
    # best was epoch 1, after the second epoch of training; later in-place training did not
    # leak into the saved copy
    np.testing.assert_array_equal(model.weight.detach().numpy(), [2.0, 2.0, 2.0])
    assert model.epochs_trained == 2


def test_restore_best_weights_needs_the_model():
    stopper = EarlyStopping(restore_best_weights=True)
    with pytest.raises(ValueError, match="needs the model"):
        stopper.step(1.0)


def test_as_a_fit_callback():
    model, stopper = TinyModel(), EarlyStopping(patience=1, restore_best_weights=True)
    assert fit(model, [stopper], [2.0, 1.0, 1.5, 0.5]) == 3
    assert model.epochs_trained == 2


def test_fit_restores_the_best_weights_at_the_end_without_a_stop():
    model, stopper = TinyModel(), EarlyStopping(patience=5, restore_best_weights=True)
    assert fit(model, [stopper], [2.0, 1.0, 1.5, 1.2]) == 4
    assert not stopper.stop_training and model.epochs_trained == 2


def test_on_train_begin_resets_the_state():
    stopper = EarlyStopping(patience=0)
    fit(TinyModel(), [stopper], [1.0, 2.0])
    assert stopper.stop_training
    assert fit(TinyModel(), [stopper], [1.0, 0.5, 0.25]) == 3


def test_missing_monitor_names_the_available_keys():
    with pytest.raises(KeyError, match="val_acc.*'loss', 'val_accuracy', 'val_loss'"):
        fit(TinyModel(), [EarlyStopping(monitor="val_acc")], [1.0])


def test_the_base_callback_does_nothing():
    callback = Callback()
    assert fit(TinyModel(), [callback], [1.0, 2.0, 3.0]) == 3
    assert callback.stop_training is False


def test_works_with_a_module_when_available():
    linear_class = tn.nn.Linear
    model = linear_class(2, 1)
    stopper = EarlyStopping(patience=1, restore_best_weights=True)
    stopper.step(1.0, model)
    best = model.weight.detach().numpy().copy()
    with tn.no_grad():
        model.weight.detach().numpy()[...] += 1.0
    assert stopper.step(2.0, model)
    np.testing.assert_array_equal(model.weight.detach().numpy(), best)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"mode": "best"}, "mode"),
        ({"patience": -1}, "patience"),
        ({"patience": 1.5}, "patience"),
        ({"min_delta": -0.1}, "min_delta"),
    ],
)
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        EarlyStopping(**kwargs)
