"""Random number generation: one default generator, seeded by ``manual_seed`` (as in PyTorch).

Everything random in tinynet (rand, randn, dropout masks, initializers, shuffling) draws from a
``Generator``: the default one unless a ``generator=`` argument names another.
"""

from __future__ import annotations

import numpy as np

from tinynet.device import check_device, device as Device


def _fresh_seed() -> int:
    """A non-deterministic 64-bit seed (from the operating system's entropy)."""
    return int(np.random.SeedSequence().entropy) % 2**64


class Generator:
    """A seeded source of random numbers (wraps ``np.random.Generator``).

    ``Generator(seed)`` is seeded with ``seed``; ``Generator()`` (or PyTorch's
    ``Generator(device="cpu")``) with a fresh non-deterministic seed that ``initial_seed()``
    reports. The device may only be the CPU.
    """

    def __init__(self, seed: int | None = None, device="cpu"):
        if isinstance(seed, (str, Device)):  # PyTorch's Generator(device)
            seed, device = None, seed
        check_device(device)
        self.manual_seed(_fresh_seed() if seed is None else seed)

    @property
    def device(self) -> Device:
        return Device("cpu")

    def manual_seed(self, seed: int) -> Generator:
        """Restart the sequence from ``seed``; returns the generator (so it chains)."""
        seed = int(seed)
        self._seed = seed
        self.numpy = np.random.default_rng(seed % 2**64 if seed < 0 else seed)
        return self

    def seed(self) -> int:
        """Reseed with a fresh non-deterministic seed and return it."""
        seed = _fresh_seed()
        self.manual_seed(seed)
        return seed

    def initial_seed(self) -> int:
        """The seed this generator's sequence started from."""
        return self._seed

    def get_state(self) -> dict:
        return self.numpy.bit_generator.state

    def set_state(self, state: dict) -> None:
        self.numpy.bit_generator.state = state


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator, so that a run repeats exactly; returns it, as PyTorch's."""
    return default_generator.manual_seed(int(seed))


def seed() -> int:
    """Seed the default generator with a fresh non-deterministic seed and return that seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed the default generator's sequence started from."""
    return default_generator.initial_seed()


def numpy_generator(generator: Generator | None = None) -> np.random.Generator:
    return (generator or default_generator).numpy
