"""Drawing a case's inputs from a NumPy generator: small shapes, float64 arrays in an op's domain
(away from its kinks), arrays without ties, shapes that broadcast together, dim arguments.

The same seed always draws the same inputs, so ``tinynet gradcheck`` is reproducible and the tests
can let hypothesis choose (and replay) seeds.
"""

from __future__ import annotations

import numpy as np


def shape(rng: np.random.Generator, min_dims=0, max_dims=3, min_side=1, max_side=4) -> tuple:
    """A shape of ``min_dims`` to ``max_dims`` dims, each side in [min_side, max_side]."""
    ndim = int(rng.integers(min_dims, max_dims + 1))
    return tuple(int(s) for s in rng.integers(min_side, max_side + 1, ndim))


def array(rng: np.random.Generator, shape: tuple, low=-3.0, high=3.0, avoid=(),
          gap=1e-2) -> np.ndarray:
    """float64 values uniform in [low, high), each at least ``gap`` away from every value in
    ``avoid`` (kinks such as 0 for relu and abs), so that finite differences do not straddle
    them."""
    values = np.array(rng.uniform(low, high, shape), dtype=np.float64)

    def too_close():
        if not avoid:
            return np.zeros(values.shape, dtype=bool)
        return np.min([np.abs(values - kink) for kink in avoid], axis=0) < gap

    close = too_close()
    while close.any():
        values[close] = rng.uniform(low, high, int(close.sum()))
        close = too_close()
    return values


def distinct(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """float64 values that are all different, 0.37 apart (no ties for max, min or pooling)."""
    size = int(np.prod(shape))
    return (rng.permutation(size).astype(np.float64).reshape(shape) - size / 2) * 0.37


def broadcastable_shapes(rng: np.random.Generator, max_dims=3, max_side=3) -> tuple:
    """Two shapes that broadcast together (NumPy's rules): each is the trailing part of one full
    shape, with some sides set to 1."""
    full = shape(rng, 0, max_dims, 1, max_side)

    def operand():
        kept = full[int(rng.integers(0, len(full) + 1)):]
        return tuple(1 if rng.random() < 0.3 else side for side in kept)

    return operand(), operand()


def broadcastable_pair(rng: np.random.Generator, low=-3.0, high=3.0, second_low=None,
                       second_high=None) -> tuple:
    """Two arrays whose shapes broadcast together."""
    first, second = broadcastable_shapes(rng)
    second_low = low if second_low is None else second_low
    second_high = high if second_high is None else second_high
    return array(rng, first, low, high), array(rng, second, second_low, second_high)


def dim_argument(rng: np.random.Generator, ndim: int, allow_tuple=True, allow_none=True):
    """A ``dim`` argument for a tensor of ``ndim`` dims: an int (maybe negative), None (all dims)
    or a tuple of distinct dims."""
    options = (["int"] if ndim else []) + (["none"] if allow_none else [])
    options += ["tuple"] if allow_tuple and ndim else []
    kind = options[int(rng.integers(len(options)))]
    if kind == "int":
        return int(rng.integers(-ndim, ndim))
    if kind == "none":
        return None
    count = int(rng.integers(1, ndim + 1))
    return tuple(int(d) for d in rng.choice(ndim, count, replace=False))


def array_and_dim(rng: np.random.Generator, min_dims=1, max_dims=3, distinct_values=False,
                  allow_tuple=True, allow_none=True, min_side=1) -> tuple:
    """(array, dim) with dim as ``dim_argument`` draws it."""
    drawn_shape = shape(rng, min_dims, max_dims, min_side)
    values = distinct(rng, drawn_shape) if distinct_values else array(rng, drawn_shape)
    return values, dim_argument(rng, len(drawn_shape), allow_tuple, allow_none)


def choice(rng: np.random.Generator, options):
    """One of ``options`` (a list), uniformly."""
    return options[int(rng.integers(len(options)))]


def integer(rng: np.random.Generator, low: int, high: int) -> int:
    """An int in [low, high], both included."""
    return int(rng.integers(low, high + 1))
