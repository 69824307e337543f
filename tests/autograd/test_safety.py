"""In-place detection, anomaly detection, and the gradcheck helpers' reports."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinynet as tn
from tinynet.autograd import GradcheckError, detect_anomaly, gradcheck, numerical_grad


def leaf(values):
    return tn.tensor(values, dtype=tn.float64, requires_grad=True)


def test_in_place_change_of_a_saved_tensor_raises_at_backward_naming_the_ops():
    x = leaf([1.0, 2.0])
    h = x * 1.0
    y = h * h  # saves h
    h.add_(1.0)
    with pytest.raises(RuntimeError, match="MulBackward.*modified by the in-place operation add_"):
        y.sum().backward()


def test_in_place_change_of_a_saved_output_is_detected():
    x = leaf([0.5])
    y = x.exp()  # backward uses its output
    z = y + 1.0  # Add needs no saved values
    y.mul_(2.0)
    with pytest.raises(RuntimeError, match="ExpBackward.*mul_"):
        (z + y).sum().backward()


def test_setitem_on_a_saved_tensor_is_detected():
    x = leaf([1.0, 2.0])
    h = x + 0.0
    y = h.sigmoid()
    y2 = h * 3
    h[0] = 5.0
    with pytest.raises(RuntimeError, match="MulBackward.*__setitem__"):
        (y + y2).sum().backward()


def test_in_place_op_not_saved_by_anyone_is_fine_and_differentiable():
    x = leaf([1.0, 2.0])
    h = x + 0.0  # Add saves nothing it needs
    h.mul_(3.0)
    h.add_(x)
    assert h.grad_fn.name() == "AddBackward"
    h.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 4.0])


def test_setitem_with_a_tensor_value_is_differentiable():
    x = leaf([1.0, 2.0, 3.0])
    value = leaf([10.0])
    h = x * 1.0
    h[1:2] = value * 2
    (h * tn.tensor([1.0, 2.0, 3.0], dtype=tn.float64)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 0.0, 3.0])
    np.testing.assert_allclose(value.grad.numpy(), [4.0])


def test_in_place_on_a_leaf_that_requires_grad_is_an_error_outside_no_grad():
    w = leaf([1.0])
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad.*add_"):
        w.add_(1.0)
    with tn.no_grad():
        w.add_(1.0)
    assert w.item() == 2.0 and w._version == 1


def test_in_place_ops_bump_the_version_and_keep_the_dtype():
    x = tn.zeros(3, dtype=tn.int64)
    x.add_(2)
    x[0] = 7
    assert x.tolist() == [7, 2, 2] and x.dtype == tn.int64 and x._version == 2
    with pytest.raises(RuntimeError, match="can't be cast"):
        x.add_(0.5)
    y = tn.ones(2)
    y.zero_()
    y.fill_(3.0)
    y += 1
    assert y.tolist() == [4.0, 4.0]


def test_detect_anomaly_names_the_forward_op_that_made_nan():
    x = leaf([-1.0, 4.0])
    with detect_anomaly():
        with pytest.raises(RuntimeError, match="'Sqrt' produced nan"):
            x.sqrt()


def test_detect_anomaly_names_the_backward_that_made_nan():
    x = leaf([0.0, 4.0])
    y = x.sqrt()  # forward is finite at 0, the gradient 1/(2·0) is not
    with detect_anomaly():
        with pytest.raises(RuntimeError, match="'SqrtBackward' returned inf"):
            y.sum().backward()


def test_without_anomaly_mode_nan_passes_silently():
    x = leaf([-1.0])
    assert np.isnan(x.sqrt().item())


def test_gradcheck_report_names_input_element_and_values():
    def wrong_square(x):
        return x * x.detach() if True else None  # misses half of the derivative

    with pytest.raises(GradcheckError) as error:
        gradcheck(wrong_square, [leaf([1.0, 2.0, 3.0])])
    message = str(error.value)
    for part in ("input 0", "element", "analytic", "numerical", "max abs error", "max rel error"):
        assert part in message


def test_gradcheck_can_return_false_instead_of_raising():
    assert gradcheck(lambda x: x * x.detach(), [leaf([1.0])], raise_exception=False) is False


def test_gradcheck_warns_about_float32_inputs():
    x = tn.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match="float32"):
        gradcheck(lambda t: t * 2, [x], atol=1e-2, rtol=1e-2)


def test_gradcheck_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="requires_grad"):
        gradcheck(lambda t: t * 2, [tn.tensor([1.0], dtype=tn.float64)])


def test_numerical_grad_shows_the_finite_difference_numbers():
    x = leaf([1.0, 2.0])
    (estimate,) = numerical_grad(lambda t: (t ** 3).sum(), [x])
    np.testing.assert_allclose(estimate, [3.0, 12.0], rtol=1e-6)


def test_gradcheck_catches_a_graph_that_was_cut():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not gradcheck(lambda x: x.detach() * 2, [leaf([1.0])], raise_exception=False)


def test_a_view_shares_memory_and_version_with_its_base():
    base = tn.zeros(2, 3)
    view = base[0]
    view.fill_(1.0)
    assert base.tolist() == [[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]]
    assert base._version == view._version == 1
    flat = base.reshape(6)
    flat[5] = 7.0
    assert base[1, 2].item() == 7.0


def test_in_place_through_a_view_is_seen_by_the_graph_of_the_base():
    x = leaf([1.0, 2.0])
    h = x * 1.0
    y = h * h  # saves h
    with tn.no_grad():
        h[:1].fill_(5.0)  # a view of h
    with pytest.raises(RuntimeError, match="MulBackward.*fill_"):
        y.sum().backward()


def test_in_place_on_a_view_of_a_tensor_that_requires_grad_is_refused():
    x = leaf([1.0, 2.0, 3.0])
    h = x * 2
    with pytest.raises(RuntimeError, match="view of a tensor that requires grad"):
        h[1:].mul_(2.0)


def test_writing_into_an_expanded_tensor_is_refused():
    expanded = tn.ones(1, 3).expand(2, 3)
    with pytest.raises(RuntimeError, match="read-only view"):
        expanded.add_(1.0)
