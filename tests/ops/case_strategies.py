"""Hypothesis strategies over the case table of tinynet.gradcheck_cases: hypothesis chooses the
seed (and shrinks and replays it), the case's draw function turns it into inputs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from tinynet.gradcheck_cases import Case

seeds = st.integers(0, 2**32 - 1)


def drawn(draw_function, **options) -> st.SearchStrategy:
    """The values ``draw_function(rng, **options)`` returns, for hypothesis-chosen seeds."""
    return seeds.map(lambda seed: draw_function(np.random.default_rng(seed), **options))


@dataclass(frozen=True)
class StrategyCase:
    """A case with its inputs as a strategy of (arrays, params)."""

    name: str
    fn: object
    inputs: st.SearchStrategy


def with_strategy(case: Case) -> StrategyCase:
    return StrategyCase(case.name, case.fn, drawn(case.draw))
