"""Training strategies for sequence generation, each a small piece that plugs into an ordinary
training loop rather than a loop of its own:

- input policies (``TeacherForcing``, ``FreeRunning``, ``ScheduledSampling`` with
  ``linear_decay``, ``exponential_decay``, ``inverse_sigmoid_decay``): what the decoder reads at
  each step, passed as ``model(src, src_lengths, tgt_in, input_policy=policy)``;
- curricula (``CurriculumBatchSampler`` within an epoch, ``StagedCurriculum`` across epochs,
  difficulty ``target_length`` by default): which examples a batch or an epoch holds;
- ``ProfessorForcing`` with its ``HiddenDiscriminator``: an extra loss on the decoder's hidden
  states.

Label smoothing needs no piece of its own: ``nn.CrossEntropyLoss(label_smoothing=eps)``.
"""

from tinynet.train_strategies.curriculum import (
    CurriculumBatchSampler,
    StagedCurriculum,
    difficulties,
    target_length,
)
from tinynet.train_strategies.forcing import (
    FreeRunning,
    ScheduledSampling,
    TeacherForcing,
    exponential_decay,
    inverse_sigmoid_decay,
    linear_decay,
)
from tinynet.train_strategies.professor import (
    HiddenDiscriminator,
    ProfessorForcing,
    ProfessorLosses,
    frozen,
)

__all__ = [
    "CurriculumBatchSampler", "FreeRunning", "HiddenDiscriminator", "ProfessorForcing",
    "ProfessorLosses", "ScheduledSampling", "StagedCurriculum", "TeacherForcing", "difficulties",
    "exponential_decay", "frozen", "inverse_sigmoid_decay", "linear_decay", "target_length",
]
