"""torch.linalg's inv, det, solve, matmul, vecdot and cross, and Tensor.inverse/det, as
PyTorch's documentation describes them: the same code run on tinynet and on PyTorch (where it is
installed) gives the same values and float64 gradients; a singular or non-square matrix, or
shapes that do not fit, are refused with an error that says so."""

from __future__ import annotations

import numpy as np
import pytest

import tinynet as tn
from tests.ops.compare_torch import compare
from tinynet.errors import DtypeError, ShapeError

RNG = np.random.default_rng(0)


def invertible(*batch, n=3):
    return RNG.standard_normal(batch + (n, n)) + 3 * np.eye(n)


def test_inverse_times_matrix_is_the_identity():
    a = tn.tensor(invertible(2))
    np.testing.assert_allclose((tn.linalg.inv(a) @ a).numpy(), np.broadcast_to(np.eye(3),
                                                                                (2, 3, 3)),
                               atol=1e-12)


def test_inv_and_det_match_torch():
    compare(lambda m, a: (m.linalg.inv(a), a.inverse(), m.inverse(a)), invertible(), atol=1e-8)
    compare(lambda m, a: m.linalg.inv(a), invertible(2, 2), atol=1e-8)
    compare(lambda m, a: (m.linalg.det(a), a.det(), m.det(a)), invertible(), atol=1e-8)
    compare(lambda m, a: m.linalg.det(a), invertible(3, n=2), atol=1e-8)
    compare(lambda m, a: m.linalg.det(a), invertible(n=1), atol=1e-8)


def test_det_of_a_singular_matrix_is_zero():
    assert tn.linalg.det(tn.tensor([[1.0, 2.0], [2.0, 4.0]])).item() == pytest.approx(0.0)


@pytest.mark.parametrize("b_shape, left", [((3, 2), True), ((3,), True), ((2, 3), False),
                                           ((4, 3), False)])
def test_solve_matches_torch(b_shape, left):
    compare(lambda m, a, b: m.linalg.solve(a, b, left=left), invertible(),
            RNG.standard_normal(b_shape), atol=1e-8)


def test_solve_batched_vector_and_broadcast_batch():
    a = invertible(2)
    compare(lambda m, a, b: m.linalg.solve(a, b), a, RNG.standard_normal((2, 3)), atol=1e-8)
    compare(lambda m, a, b: m.linalg.solve(a, b), a, RNG.standard_normal((3, 2)), atol=1e-8)
    compare(lambda m, a, b: m.linalg.solve(a, b), invertible(), RNG.standard_normal((4, 3, 2)),
            atol=1e-8)


def test_solution_satisfies_the_equation():
    a, b = tn.tensor(invertible()), tn.tensor(RNG.standard_normal((3, 2)))
    np.testing.assert_allclose((a @ tn.linalg.solve(a, b)).numpy(), b.numpy(), atol=1e-12)
    x = tn.linalg.solve(a, b.T, left=False)
    np.testing.assert_allclose((x @ a).numpy(), b.T.numpy(), atol=1e-12)


def test_matmul_vecdot_cross_match_torch():
    compare(lambda m, a, b: m.linalg.matmul(a, b), RNG.standard_normal((2, 3)),
            RNG.standard_normal((3, 4)))
    compare(lambda m, a, b: (m.linalg.vecdot(a, b), m.linalg.vecdot(a, b, dim=0)),
            RNG.standard_normal((3, 3)), RNG.standard_normal((3,)))
    compare(lambda m, a, b: (m.linalg.cross(a, b), m.linalg.cross(a, b, dim=0)),
            RNG.standard_normal((3, 3)), RNG.standard_normal((3, 3)))


def test_bad_matrices_are_refused():
    with pytest.raises(tn.linalg.SingularMatrixError, match="singular"):
        tn.linalg.inv(tn.tensor([[1.0, 2.0], [2.0, 4.0]]))
    with pytest.raises(RuntimeError, match="singular"):  # PyTorch raises a RuntimeError
        tn.linalg.solve(tn.zeros(2, 2), tn.ones(2))
    with pytest.raises(ShapeError, match="square"):
        tn.linalg.det(tn.zeros(2, 3))
    with pytest.raises(ShapeError, match="square"):
        tn.linalg.inv(tn.zeros(3))
    with pytest.raises(DtypeError, match="floating point"):
        tn.linalg.inv(tn.tensor([[1, 0], [0, 1]]))
    with pytest.raises(ShapeError, match="Incompatible shapes"):
        tn.linalg.solve(tn.eye(2), tn.ones(3, 1))
    with pytest.raises(DtypeError, match="same dtype"):
        tn.linalg.solve(tn.eye(2), tn.ones(2, dtype=tn.float64))
    with pytest.raises(ShapeError, match="same number of dimensions"):
        tn.linalg.cross(tn.zeros(2, 3), tn.zeros(3))


def test_signatures_match_torch():
    torch = pytest.importorskip("torch")
    import inspect

    for name in ["inv", "det", "solve", "matmul", "vecdot", "cross"]:
        documented = getattr(torch.linalg, name).__doc__.strip().splitlines()[0]
        parameters = documented[documented.index("("):documented.index(")") + 1]
        assert str(inspect.signature(getattr(tn.linalg, name))) == parameters, name
