"""Optimizers (PyTorch's names, arguments, defaults and update rules) and learning-rate schedulers.

Every optimizer is a subclass of ``Optimizer`` that writes one ``update(param, grad, state, group)``
on NumPy arrays; the base class owns param groups, per-parameter state, the step loop, hooks and
``state_dict``. ``LBFGS``, which needs its closure many times per step, writes its own ``step``.
``SparseAdam`` is refused (tinynet has no sparse gradients). Schedulers live in
``tinynet.optim.lr_scheduler`` and only write ``group["lr"]`` (and, for the cyclic ones, the
momentum); weight averaging (SWA, EMA) in ``tinynet.optim.swa_utils``.
"""

from tinynet.optim import lr_scheduler
from tinynet.optim.adadelta import Adadelta
from tinynet.optim.adagrad import Adagrad
from tinynet.optim.adam import Adam, AdamW
from tinynet.optim.nadam import NAdam, Nadam
from tinynet.optim.optimizer import Optimizer
from tinynet.optim.rmsprop import RMSprop
from tinynet.optim.sgd import SGD

__all__ = [
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "NAdam",
    "Nadam",
    "Optimizer",
    "RMSprop",
    "lr_scheduler",
]

# More of PyTorch's optimizers (SparseAdam refuses: tinynet has no sparse gradients)
from tinynet.optim.adamax import Adamax
from tinynet.optim.asgd import ASGD
from tinynet.optim.lbfgs import LBFGS
from tinynet.optim.radam import RAdam
from tinynet.optim.rprop import Rprop
from tinynet.optim.sparse_adam import SparseAdam

__all__ += ["ASGD", "LBFGS", "Adamax", "RAdam", "Rprop", "SparseAdam"]

# Adafactor and Muon
from tinynet.optim.adafactor import Adafactor
from tinynet.optim.muon import Muon

__all__ += ["Adafactor", "Muon"]

# Weight averaging (SWA, EMA)
from tinynet.optim import swa_utils

__all__ += ["swa_utils"]
