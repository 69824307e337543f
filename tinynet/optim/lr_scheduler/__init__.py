"""Learning-rate schedulers with PyTorch's names, arguments and step semantics.

Build the scheduler after the optimizer; call ``scheduler.step()`` after ``optimizer.step()``,
once per epoch (CyclicLR and OneCycleLR: once per batch; ReduceLROnPlateau: ``step(val_loss)``).
``plot_schedule(lambda opt: StepLR(opt, 30), steps=100)`` draws a schedule.

Families: ``base`` (LRScheduler, LambdaLR, MultiplicativeLR), ``decay`` (StepLR, MultiStepLR,
ExponentialLR, PolynomialLR, ConstantLR, LinearLR), ``cosine`` (CosineAnnealingLR,
CosineAnnealingWarmRestarts), ``cyclic`` (CyclicLR, OneCycleLR), ``plateau``
(ReduceLROnPlateau), ``sequential`` (SequentialLR, ChainedScheduler).
"""

from tinynet.optim.lr_scheduler.base import LambdaLR, LRScheduler
from tinynet.optim.lr_scheduler.cosine import CosineAnnealingLR, CosineAnnealingWarmRestarts
from tinynet.optim.lr_scheduler.cyclic import CyclicLR, OneCycleLR
from tinynet.optim.lr_scheduler.decay import (
    ConstantLR,
    ExponentialLR,
    LinearLR,
    MultiStepLR,
    PolynomialLR,
    StepLR,
)
from tinynet.optim.lr_scheduler.plateau import ReduceLROnPlateau
from tinynet.optim.lr_scheduler.plot import lr_history, plot_schedule
from tinynet.optim.lr_scheduler.sequential import SequentialLR

__all__ = [
    "ConstantLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "OneCycleLR",
    "PolynomialLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "StepLR",
    "lr_history",
    "plot_schedule",
]

# The multiplicative and chained schedules
from tinynet.optim.lr_scheduler.base import MultiplicativeLR, _LRScheduler  # noqa: F401
from tinynet.optim.lr_scheduler.sequential import ChainedScheduler

__all__ += ["ChainedScheduler", "MultiplicativeLR"]
