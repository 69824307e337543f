"""Hypothesis strategies shared by the tests: small shapes, arrays in an op's domain, dims."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp


def shapes(min_dims=0, max_dims=3, min_side=1, max_side=4):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def arrays(shape, low=-3.0, high=3.0, avoid=(), gap=1e-2):
    """float64 arrays of ``shape`` with elements in [low, high], at least ``gap`` away from each
    value in ``avoid`` (kinks such as 0 for relu and abs)."""
    elements = st.floats(low, high, allow_nan=False, allow_infinity=False)
    if avoid:
        elements = elements.filter(lambda v: all(abs(v - a) > gap for a in avoid))
    return hnp.arrays(np.float64, shape, elements=elements)


def distinct_arrays(shape):
    """float64 arrays whose elements are all different (no ties for max/min/sort)."""
    size = int(np.prod(shape))
    return st.permutations(list(range(size))).map(
        lambda order: (np.asarray(order, np.float64).reshape(shape) - size / 2) * 0.37)


@st.composite
def unary(draw, low=-3.0, high=3.0, avoid=(), **shape_kwargs):
    return (draw(arrays(draw(shapes(**shape_kwargs)), low, high, avoid)),)


@st.composite
def broadcastable_pair(draw, low=-3.0, high=3.0, second_low=None, second_high=None):
    """Two arrays whose shapes broadcast together (NumPy rules)."""
    pair = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3))
    first, second = pair.input_shapes
    second_low = low if second_low is None else second_low
    second_high = high if second_high is None else second_high
    return draw(arrays(first, low, high)), draw(arrays(second, second_low, second_high))


@st.composite
def array_and_dim(draw, min_dims=1, max_dims=3, distinct=False, allow_tuple=True,
                  allow_none=True, min_side=1):
    """(array, dim) where dim is None, an int (maybe negative) or a tuple of dims."""
    shape = draw(shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side))
    array = draw(distinct_arrays(shape) if distinct else arrays(shape))
    ndim = len(shape)
    options = [st.integers(-ndim, ndim - 1)] if ndim else []
    if allow_none:
        options.append(st.none())
    if allow_tuple and ndim:
        options.append(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim,
                                unique=True).map(tuple))
    return array, draw(st.one_of(options))
