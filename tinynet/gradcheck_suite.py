"""``tinynet gradcheck``: a finite-difference check of every case of ``tinynet.gradcheck_cases``
(the table the tests check too), printed as a table of errors.

Each case draws its float64 inputs from a NumPy generator seeded with ``seed``. ``check``
compares backward's vector-Jacobian product for a random upstream gradient v with central
differences of <v, f(x)> (``tinynet.autograd.numerical_grad``) over every input (a layer's
parameters count as inputs), and reports the largest absolute error |analytic − numeric| and
relative error |analytic − numeric| / (|numeric| + atol). A case passes when every element has
|analytic − numeric| ≤ atol + rtol·|numeric|, the rule of ``tinynet.autograd.gradcheck``.

Inputs are drawn away from kinks (relu and abs at 0, ties for max) so that the finite
difference is meaningful.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

import tinynet as tn
from tinynet.autograd import grad as autograd_grad
from tinynet.autograd import numerical_grad
from tinynet.gradcheck_cases import CASES, Case


@dataclass
class GradcheckResult:
    name: str
    max_abs_error: float
    max_rel_error: float
    passed: bool
    seconds: float
    error: str | None = None


def _float_outputs(outputs) -> list:
    """The floating-point tensors among ``outputs`` (one tensor or a tuple): integer outputs, such
    as pooling indices, have no gradient."""
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    return [o for o in outputs if isinstance(o, tn.Tensor) and o.dtype.kind == "f"]


def check(case: Case, seed: int = 0, eps: float = 1e-6, atol: float = 1e-5,
          rtol: float = 1e-3) -> GradcheckResult:
    """Run one case with its inputs drawn at ``seed``; an exception becomes a failed result that
    carries its message."""
    start = time.perf_counter()
    try:
        fn, inputs = case.make(seed)
        outputs = _float_outputs(fn(*inputs))
        rng = np.random.default_rng(seed)
        upstream = [rng.standard_normal(o.shape) for o in outputs]
        tracked = [(o, v) for o, v in zip(outputs, upstream) if o.requires_grad]
        analytic = autograd_grad([o for o, _ in tracked], inputs,
                                 [tn.tensor(v, dtype=o.dtype) for o, v in tracked],
                                 allow_unused=True)
        numeric = numerical_grad(fn, inputs, upstream, eps)
        abs_error = rel_error = 0.0
        passed = True
        for a, n, x in zip(analytic, numeric, inputs):
            a = np.zeros(x.shape) if a is None else a.numpy().astype(np.float64)
            difference = np.abs(a - n)
            passed &= bool(np.all(difference <= atol + rtol * np.abs(n)))
            abs_error = max(abs_error, float(difference.max(initial=0.0)))
            rel_error = max(rel_error, float((difference / (np.abs(n) + atol)).max(initial=0.0)))
        return GradcheckResult(case.name, abs_error, rel_error, passed,
                               time.perf_counter() - start)
    except Exception as error:  # a broken case is reported in the table, not raised
        return GradcheckResult(case.name, float("nan"), float("nan"), False,
                               time.perf_counter() - start, f"{type(error).__name__}: {error}")


def run(cases: list[Case] | None = None, seed: int = 0) -> list[GradcheckResult]:
    """Check every case (default: all of ``CASES``)."""
    return [check(case, seed) for case in (CASES if cases is None else cases)]


def format_table(results: list[GradcheckResult]) -> str:
    """The results as a text table: op, max abs error, max rel error, pass."""
    width = max(len("op"), *(len(r.name) for r in results))
    lines = [f"{'op':<{width}}  {'max abs error':>13}  {'max rel error':>13}  pass",
             f"{'-' * width}  {'-' * 13}  {'-' * 13}  ----"]
    for r in results:
        verdict = "yes" if r.passed else ("ERROR" if r.error else "NO")
        lines.append(f"{r.name:<{width}}  {r.max_abs_error:>13.2e}  {r.max_rel_error:>13.2e}  "
                     f"{verdict}")
        if r.error:
            lines.append(f"{'':<{width}}  {r.error}")
    passed = sum(r.passed for r in results)
    lines.append(f"{passed} of {len(results)} passed")
    return "\n".join(lines)
