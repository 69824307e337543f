"""The Tensor's public surface: creation, dtype inference and promotion, access, repr."""

from __future__ import annotations

import numpy as np
import pytest

import tinynet as tn


@pytest.mark.parametrize("data, dtype", [
    (1.5, tn.float32), ([1.0, 2.0], tn.float32), ([[1, 2]], tn.int64), (3, tn.int64),
    (True, tn.bool), ([True, False], tn.bool),
    (np.array([1.0, 2.0]), tn.float64), (np.array([1, 2], np.int32), tn.int32),
    (np.float64(2.0), tn.float64),
])
def test_dtype_inference_follows_pytorch(data, dtype):
    assert tn.tensor(data).dtype == dtype


def test_explicit_dtype_by_object_or_name():
    assert tn.tensor([1, 2], dtype=tn.float64).dtype == tn.float64
    assert tn.tensor([1, 2], dtype="float32").dtype == tn.float32
    with pytest.raises(TypeError, match="unknown dtype"):
        tn.tensor([1], dtype="float7")


def test_tensor_copies_its_data_and_from_numpy_shares_it():
    array = np.zeros(2)
    t = tn.tensor(array)
    array[0] = 5
    assert t.tolist() == [0.0, 0.0]
    shared = tn.from_numpy(array)
    array[1] = 7
    assert shared.tolist() == [5.0, 7.0]


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(RuntimeError, match="floating point"):
        tn.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        tn.zeros(2, dtype=tn.int64).requires_grad_()


def test_requires_grad_of_a_non_leaf_cannot_be_switched_off():
    y = tn.tensor([1.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad = False


@pytest.mark.parametrize("make, expected", [
    (lambda: tn.tensor([1.0]) + tn.tensor([1.0], dtype=tn.float64), tn.float64),
    (lambda: tn.tensor([1, 2]) * 1.5, tn.float32),
    (lambda: tn.tensor([1, 2]) * 2, tn.int64),
    (lambda: tn.tensor([1.0], dtype=tn.float32) * np.float64(2), tn.float32),
    (lambda: tn.tensor([1, 2]) + tn.tensor([1.0]), tn.float32),
    (lambda: tn.tensor([1, 2]) / tn.tensor([2, 2]), tn.float32),
    (lambda: tn.tensor([True]) + 1, tn.int64),
    (lambda: tn.tensor([1, 2]).exp(), tn.float32),
    (lambda: tn.tensor([1.0]) > 0, tn.bool),
    (lambda: tn.tensor([True, True]).sum(), tn.int64),
])
def test_type_promotion_follows_pytorch(make, expected):
    assert make().dtype == expected


def test_creation_functions():
    tn.manual_seed(0)
    assert tn.zeros(2, 3).shape == (2, 3) and tn.zeros((2, 3)).dtype == tn.float32
    assert tn.ones(2, dtype=tn.float64).dtype == tn.float64
    assert tn.full((2,), 7).dtype == tn.int64 and tn.full((2,), 0.5).tolist() == [0.5, 0.5]
    assert tn.arange(4).tolist() == [0, 1, 2, 3] and tn.arange(4).dtype == tn.int64
    assert tn.arange(0, 1, 0.25).dtype == tn.float32
    np.testing.assert_allclose(tn.linspace(0, 1, 5).numpy(), [0, 0.25, 0.5, 0.75, 1])
    np.testing.assert_array_equal(tn.eye(3).numpy(), np.eye(3))
    assert tn.zeros_like(tn.ones(2, dtype=tn.float64)).dtype == tn.float64
    assert tn.ones_like(tn.zeros(3)).tolist() == [1.0, 1.0, 1.0]
    r = tn.randint(0, 5, (100,))
    assert r.dtype == tn.int64 and 0 <= r.numpy().min() and r.numpy().max() < 5
    assert tn.rand(3, 2).shape == (3, 2) and tn.randn(4).dtype == tn.float32
    with pytest.raises(ValueError, match="negative"):
        tn.zeros(-1)


def test_manual_seed_repeats_random_draws():
    tn.manual_seed(42)
    first = tn.randn(5).tolist()
    tn.manual_seed(42)
    assert tn.randn(5).tolist() == first
    generator = tn.Generator().manual_seed(3)
    assert tn.rand(2, generator=generator).tolist() == tn.rand(
        2, generator=tn.Generator().manual_seed(3)).tolist()


def test_access_methods():
    t = tn.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert t.shape == (2, 2) and t.ndim == 2 and t.size() == (2, 2) and t.size(1) == 2
    assert t.numel() == 4 and len(t) == 2 and t.dim() == 2
    assert t[1, 0].item() == 3.0
    assert t.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert t.double().dtype == tn.float64 and t.long().dtype == tn.int64
    assert t.to(tn.float64).dtype == tn.float64 and t.float() is t
    assert np.asarray(t).dtype == np.float32
    assert np.add(np.ones(2), tn.tensor([1.0, 2.0])).tolist() == [2.0, 3.0]
    with pytest.raises(ValueError, match="one element"):
        t.item()


def test_numpy_of_a_tensor_that_requires_grad_asks_for_detach():
    t = tn.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        t.numpy()
    assert t.detach().numpy().tolist() == [1.0]


def test_repr_looks_like_pytorch():
    assert repr(tn.tensor([1.0, 2.5])) == "tensor([1.0000, 2.5000])"
    assert repr(tn.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(tn.tensor([1.0], dtype=tn.float64)) == "tensor([1.], dtype=tinynet.float64)"
    assert repr(tn.tensor([1.0], requires_grad=True)) == "tensor([1.], requires_grad=True)"
    x = tn.tensor([1.0], requires_grad=True)
    assert repr(x * 2) == "tensor([2.], grad_fn=<MulBackward>)"


def test_tensors_hash_by_identity_and_compare_elementwise():
    a, b = tn.tensor([1.0]), tn.tensor([1.0])
    assert len({a, b}) == 2
    assert (a == b).tolist() == [True]
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(tn.tensor([1.0, 2.0]) == tn.tensor([1.0, 2.0]))


def test_requested_float64_is_exact_for_python_floats():
    assert tn.tensor(0.1, dtype=tn.float64).item() == 0.1
    assert tn.tensor([0.3], dtype="float64").tolist() == [0.3]


def test_deepcopy_of_a_leaf_is_independent_and_of_a_non_leaf_is_refused():
    import copy

    a = tn.tensor([1.0, 2.0], requires_grad=True)
    y = (a * 3).sum()
    b = copy.deepcopy(a)
    (b * 5).sum().backward()
    assert a.grad is None and b.grad.tolist() == [5.0, 5.0]
    y.backward()
    assert a.grad.tolist() == [3.0, 3.0]
    with pytest.raises(RuntimeError, match="leaves"):
        copy.deepcopy(a * 2)
