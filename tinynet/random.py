"""Random number generation: one default generator, seeded by ``manual_seed`` (as in PyTorch).

Everything random in tinynet (rand, randn, dropout masks, initializers, shuffling) draws from a
``Generator``: the default one unless a ``generator=`` argument names another.
"""

from __future__ import annotations

import numpy as np


class Generator:
    """A seeded source of random numbers (wraps ``np.random.Generator``)."""

    def __init__(self, seed: int | None = None):
        self.manual_seed(seed)

    def manual_seed(self, seed: int | None) -> Generator:
        self._seed = seed
        self.numpy = np.random.default_rng(seed)
        return self

    def initial_seed(self) -> int | None:
        return self._seed

    def get_state(self) -> dict:
        return self.numpy.bit_generator.state

    def set_state(self, state: dict) -> None:
        self.numpy.bit_generator.state = state


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator, so that a run repeats exactly."""
    return default_generator.manual_seed(int(seed))


def numpy_generator(generator: Generator | None = None) -> np.random.Generator:
    return (generator or default_generator).numpy
