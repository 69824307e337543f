"""Semantics PyTorch's documentation states, checked through the public API: view shares memory
and refuses what it cannot view, reshape copies then; an assigned ``.grad`` must fit; index
tensors of a wrong dtype or masks of a wrong shape are named; max over a NaN sends the gradient
where PyTorch sends it; shape errors are catchable as RuntimeError and ValueError; ``out=``
writes into a given tensor; the in-place forms and editing a parameter through ``.data``."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinynet as tn
from tinynet import nn
from tinynet.errors import ArgumentError, DtypeError, ShapeError


# view and reshape ------------------------------------------------------------------------------
def test_view_shares_memory_with_its_base():
    x = tn.arange(6.0)
    y = x.view(2, 3)
    y[0, 0] = 10.0
    assert x[0].item() == 10.0
    assert tn.zeros(2, 3).view(-1).shape == (6,)
    assert tn.zeros(4).view_as(tn.zeros(2, 2)).shape == (2, 2)


def test_view_of_a_transpose_is_refused_naming_reshape():
    x = tn.arange(6.0).reshape(2, 3)
    with pytest.raises(RuntimeError, match=r"\.reshape\(\.\.\.\)"):
        x.T.view(6)
    with pytest.raises(ValueError, match="view size is not compatible"):
        x.permute(1, 0).view(-1)


def test_view_accepts_what_the_strides_allow():
    x = tn.arange(24.0).reshape(2, 3, 4).transpose(0, 1)  # (3, 2, 4), last dim still contiguous
    assert x.view(3, 2, 2, 2).shape == (3, 2, 2, 2) and x.view(3, 2, 4).shape == (3, 2, 4)
    with pytest.raises(RuntimeError):
        x.view(3, 8)  # dims 1 and 2 are not adjacent in memory any more
    assert tn.ones(3, 1).expand(3, 4).view(3, 1, 4).shape == (3, 1, 4)


def test_reshape_copies_when_it_must_and_contiguous_makes_a_viewable_copy():
    x = tn.arange(6.0).reshape(2, 3)
    flat = x.T.reshape(6)
    assert flat.tolist() == [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    assert not x.T.is_contiguous() and x.is_contiguous()
    copy = x.T.contiguous()
    assert copy.is_contiguous() and copy.view(6).tolist() == flat.tolist()
    assert x.contiguous() is x


@pytest.mark.torch
def test_view_refuses_exactly_where_pytorch_does():
    torch = pytest.importorskip("torch")
    cases = [((2, 3, 4), (1, 0, 2), (6, 4)), ((2, 3, 4), (0, 2, 1), (2, 12)),
             ((2, 3, 4), (1, 0, 2), (3, 8)), ((4, 6), (1, 0), (2, 3, 4)),
             ((4, 6), (1, 0), (6, 2, 2))]
    for shape, order, target in cases:
        theirs = torch.arange(float(np.prod(shape))).reshape(shape).permute(order)
        ours = tn.arange(float(np.prod(shape))).reshape(shape).permute(order)
        try:
            expected = theirs.view(target).tolist()
        except RuntimeError:
            with pytest.raises(RuntimeError):
                ours.view(target)
        else:
            assert ours.view(target).tolist() == expected


def test_view_of_wrong_size_is_a_shape_error():
    with pytest.raises(RuntimeError, match="invalid for input of size 6"):
        tn.zeros(2, 3).view(4)
    with pytest.raises(RuntimeError, match="invalid for input of size 6"):
        tn.zeros(2, 3).T.view(4)


def test_view_as_another_dtype_is_refused():
    with pytest.raises(TypeError, match="not as another dtype"):
        tn.zeros(2).view(tn.int32)


# assigning .grad -------------------------------------------------------------------------------
def test_assigned_grad_of_wrong_shape_raises_at_assignment():
    parameter = nn.Parameter(tn.zeros(2, 3))
    with pytest.raises(RuntimeError, match=r"size \[3\] to a tensor of size \[2, 3\]"):
        parameter.grad = tn.ones(3)
    assert parameter.grad is None


def test_assigned_grad_of_wrong_dtype_raises_at_assignment():
    parameter = nn.Parameter(tn.zeros(2, 3))
    with pytest.raises(RuntimeError, match="float64"):
        parameter.grad = tn.ones(2, 3, dtype=tn.float64)
    with pytest.raises(TypeError, match="Tensor or None"):
        parameter.grad = np.ones((2, 3), np.float32)


def test_assigned_grad_of_right_shape_is_used_by_the_optimizer():
    parameter = nn.Parameter(tn.ones(2))
    parameter.grad = tn.tensor([1.0, -1.0])
    tn.optim.SGD([parameter], lr=0.5).step()
    assert parameter.tolist() == [0.5, 1.5]
    parameter.grad = None
    assert parameter.grad is None


# indexing errors -------------------------------------------------------------------------------
def test_indexing_with_a_float_tensor_names_the_dtype():
    with pytest.raises(IndexError, match="must be long, int, byte or bool tensors.*float32"):
        tn.ones(3)[tn.tensor([0.0])]


def test_a_mask_of_the_wrong_shape_names_both_shapes():
    with pytest.raises(IndexError, match=r"mask \[2\] at index 0 .* indexed tensor \[3, 2\]"):
        tn.ones(3, 2)[tn.tensor([True, False])]
    with pytest.raises(IndexError, match=r"mask \[3\] at index 1"):
        tn.ones(3, 2)[:, tn.tensor([True, False, True])]
    with pytest.raises(IndexError, match=r"mask \[3\] at index 1"):
        tn.ones(3, 2)[..., tn.tensor([True, False, True])]
    assert tn.ones(3, 2)[..., tn.tensor([True, False])].shape == (3, 1)
    x = tn.zeros(3)
    with pytest.raises(IndexError, match=r"mask \[2\]"):
        x[tn.tensor([True, False])] = 1.0


def test_byte_tensor_indexes_as_a_mask():
    assert tn.arange(3)[tn.tensor([1, 0, 1], dtype=tn.uint8)].tolist() == [0, 2]


# max, min and amax with NaN ----------------------------------------------------------------------
NAN_INPUT = [1.0, math.nan, 3.0, math.nan]


def _gradient(function):
    x = tn.tensor(NAN_INPUT, requires_grad=True)
    function(x).backward()
    return x.grad.numpy()


def test_max_over_all_sends_the_gradient_to_the_nans():
    np.testing.assert_array_equal(_gradient(lambda x: x.max()), [0.0, 0.5, 0.0, 0.5])
    np.testing.assert_array_equal(_gradient(lambda x: x.min()), [0.0, 0.5, 0.0, 0.5])
    np.testing.assert_array_equal(_gradient(lambda x: x.max(0).values), [0.0, 1.0, 0.0, 0.0])


@pytest.mark.torch
def test_nan_gradients_of_max_min_amax_agree_with_pytorch():
    torch = pytest.importorskip("torch")
    for name, function in [("max", lambda x: x.max()), ("min", lambda x: x.min()),
                           ("amax", lambda x: x.amax()), ("max_dim", lambda x: x.max(0).values)]:
        theirs = torch.tensor(NAN_INPUT, requires_grad=True)
        function(theirs).backward()
        np.testing.assert_array_equal(_gradient(function), theirs.grad.numpy(), err_msg=name)


def test_ties_share_the_gradient_of_max_and_amax():
    for function in (lambda x: x.max(), lambda x: x.amax()):
        x = tn.tensor([1.0, 3.0, 3.0], requires_grad=True)
        function(x).backward()
        assert x.grad.tolist() == [0.0, 0.5, 0.5]


# errors catchable as RuntimeError and ValueError -------------------------------------------------
SHAPE_ERRORS = {
    "broadcast": lambda m: m.ones(2, 3) + m.ones(4),
    "matmul": lambda m: m.ones(2, 3) @ m.ones(2, 3),
    "matmul_0d": lambda m: m.matmul(m.ones(()), m.ones(2)),
    "cat": lambda m: m.cat([m.ones(2, 3), m.ones(2, 4)]),
    "stack": lambda m: m.stack([m.ones(2), m.ones(3)]),
    "view": lambda m: m.ones(2, 3).T.view(6),
    "reshape": lambda m: m.ones(2, 3).reshape(4),
    "expand": lambda m: m.ones(2, 3).expand(4, 3),
    "permute": lambda m: m.ones(2, 3).permute(0),
    "split": lambda m: m.ones(5).split([2, 2]),
    "where": lambda m: m.where(m.ones(3) > 0, m.ones(2), 0.0),
    "comparison": lambda m: m.ones(2) < m.ones(3),
    "gather": lambda m: m.ones(2, 2).gather(0, m.tensor([0, 1])),
}


@pytest.mark.parametrize("name", sorted(SHAPE_ERRORS))
def test_shape_errors_are_runtime_errors_and_value_errors(name):
    with pytest.raises(RuntimeError) as caught:
        SHAPE_ERRORS[name](tn)
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, ShapeError)
    with pytest.raises(ValueError):
        SHAPE_ERRORS[name](tn)


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(SHAPE_ERRORS))
def test_pytorch_raises_runtime_error_for_the_same_calls(name):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        SHAPE_ERRORS[name](torch)


def test_dtype_errors_are_runtime_errors_and_type_errors():
    for call in (lambda: tn.tensor([1, 2]).mean(), lambda: tn.ones(2).gather(0, tn.tensor([0.0]))):
        with pytest.raises(RuntimeError) as caught:
            call()
        assert isinstance(caught.value, TypeError) and isinstance(caught.value, DtypeError)


def test_argument_errors_are_runtime_errors_and_value_errors():
    for call in (lambda: tn.clamp(tn.ones(2)), lambda: tn.cat([]), lambda: tn.ones(4).chunk(0)):
        with pytest.raises(RuntimeError) as caught:
            call()
        assert isinstance(caught.value, ValueError) and isinstance(caught.value, ArgumentError)


# out= -----------------------------------------------------------------------------------------
def test_out_writes_into_the_given_tensor_and_returns_it():
    x, y = tn.ones(2, 2), tn.full((2, 2), 2.0)
    out = tn.empty(2, 2)
    assert tn.add(x, y, out=out) is out and out.tolist() == [[3.0, 3.0], [3.0, 3.0]]
    assert tn.mul(x, y, out=out) is out and out.tolist() == [[2.0, 2.0], [2.0, 2.0]]
    assert tn.matmul(x, y, out=out) is out and out.tolist() == [[4.0, 4.0], [4.0, 4.0]]
    result = tn.empty(4, 2)
    assert tn.cat([x, y], out=result) is result and result[2:].tolist() == [[2.0, 2.0]] * 2
    total = tn.empty(2)
    tn.sum(x, 0, out=total)
    assert total.tolist() == [2.0, 2.0]
    values, indices = tn.empty(2), tn.zeros(2, dtype=tn.int64)
    tn.max(tn.tensor([[1.0, 5.0], [7.0, 2.0]]), 1, out=(values, indices))
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]


def test_out_of_another_shape_is_resized_with_a_warning():
    out = tn.zeros(3)
    with pytest.warns(UserWarning, match="resized"):
        tn.add(tn.ones(2, 2), 1.0, out=out)
    assert out.shape == (2, 2) and out.tolist() == [[2.0, 2.0], [2.0, 2.0]]
    empty = tn.empty(0)
    tn.stack([tn.ones(2), tn.ones(2)], out=empty)  # an empty out is resized silently
    assert empty.shape == (2, 2)


def test_out_refuses_autograd_and_lossy_casts():
    x = tn.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        tn.mul(x, 2.0, out=tn.empty(2))
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        tn.add(tn.ones(2), 1.0, out=tn.zeros(2, requires_grad=True))
    with tn.no_grad():
        out = tn.empty(2)
        tn.mul(x, 3.0, out=out)
    assert out.tolist() == [3.0, 3.0]
    with pytest.raises(RuntimeError, match="can't be cast"):
        tn.add(tn.ones(2), 0.5, out=tn.zeros(2, dtype=tn.int64))


@pytest.mark.torch
def test_out_behaves_as_pytorchs():
    torch = pytest.importorskip("torch")
    for module in (tn, torch):
        out = module.zeros(2, dtype=module.float64)
        module.add(module.ones(2), module.ones(2), alpha=2, out=out)
        assert out.tolist() == [3.0, 3.0] and out.dtype == module.float64
    with pytest.raises(RuntimeError):
        torch.mul(torch.ones(2, requires_grad=True), 2.0, out=torch.empty(2))


# in-place forms -------------------------------------------------------------------------------
def test_in_place_forms_change_the_tensor_and_return_it():
    x = tn.zeros(2, 3)
    assert x.fill_(2.0) is x and x.tolist() == [[2.0] * 3] * 2
    assert x.add_(tn.ones(3), alpha=3).tolist() == [[5.0] * 3] * 2
    assert x.sub_(1.0).mul_(2.0).div_(4.0).tolist() == [[2.0] * 3] * 2
    assert x.clamp_(max=1.5).tolist() == [[1.5] * 3] * 2
    assert x.zero_().tolist() == [[0.0] * 3] * 2
    assert x.copy_(tn.tensor([1, 2, 3])).tolist() == [[1.0, 2.0, 3.0]] * 2 and x.dtype == tn.float32
    assert x.masked_fill_(x > 1.5, -1.0).tolist() == [[1.0, -1.0, -1.0]] * 2
    assert x.unsqueeze_(0) is x and x.shape == (1, 2, 3)
    assert x.squeeze_().shape == (2, 3) and x.t_().shape == (3, 2)
    assert tn.ones(2).exp_().tolist() == pytest.approx([math.e, math.e])
    integers = tn.tensor([7, -7])
    assert integers.div_(2, rounding_mode="floor").tolist() == [3, -4]
    with pytest.raises(RuntimeError, match="can't be cast"):
        integers.div_(2)  # true division gives floats, which an int64 tensor cannot hold
    assert tn.tensor([1.0, -1.0]).where(tn.tensor([True, False]), 0.0).tolist() == [1.0, 0.0]


def test_fill_and_zero_replace_infinities_and_nans():
    x = tn.tensor([math.inf, math.nan, 1.0])
    assert x.zero_().tolist() == [0.0, 0.0, 0.0]


def test_uniform_and_normal_fill_with_their_distributions():
    tn.manual_seed(0)
    x = tn.empty(20000)
    assert x.uniform_(-2.0, 3.0) is x
    assert -2.0 <= x.min().item() and x.max().item() < 3.0 and abs(x.mean().item() - 0.5) < 0.05
    x.normal_(mean=1.0, std=2.0)
    assert abs(x.mean().item() - 1.0) < 0.05 and abs(x.std().item() - 2.0) < 0.05
    generator = tn.Generator(7)
    first = tn.empty(3).uniform_(generator=generator).tolist()
    assert tn.empty(3).uniform_(generator=tn.Generator(7)).tolist() == first


def test_in_place_forms_are_recorded_in_the_graph():
    x = tn.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1.0
    y.mul_(x)          # y = x²
    y.unsqueeze_(0)
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]
    source = tn.tensor([3.0, 4.0], requires_grad=True)
    target = tn.zeros(2) * 1.0
    target.copy_(source)
    (target * 2).sum().backward()
    assert source.grad.tolist() == [2.0, 2.0]


def test_in_place_on_a_leaf_that_requires_grad_is_refused():
    x = tn.ones(2, requires_grad=True)
    for call in (lambda: x.fill_(1.0), lambda: x.unsqueeze_(0), lambda: x.uniform_()):
        with pytest.raises(RuntimeError, match="leaf"):
            call()
    with tn.no_grad():
        x.uniform_(0.0, 1.0)
        x.unsqueeze_(0)
    assert x.shape == (1, 2) and x.requires_grad


# editing a parameter through .data --------------------------------------------------------------
def test_editing_a_parameter_through_data_changes_it_without_a_graph():
    layer = nn.Linear(2, 1)
    weight = layer.weight
    layer(tn.ones(1, 2)).sum().backward()
    expected = weight.detach().numpy() - 0.1 * weight.grad.numpy()
    weight.data -= 0.1 * weight.grad
    np.testing.assert_allclose(weight.detach().numpy(), expected)
    assert weight.is_leaf and weight.requires_grad and weight.grad_fn is None
    weight.data.copy_(tn.tensor([[5.0, 6.0]]))
    assert weight.tolist() == [[5.0, 6.0]]
    weight.data = tn.tensor([[7.0, 8.0]])
    assert weight.tolist() == [[7.0, 8.0]] and layer(tn.ones(1, 2)).shape == (1, 1)
    weight.data.zero_()
    assert weight.tolist() == [[0.0, 0.0]]


# format specs --------------------------------------------------------------------------------
def test_a_zero_dim_tensor_formats_as_its_number():
    assert f"{tn.tensor(1.5):.4f}" == "1.5000" and f"{tn.tensor(3):5d}" == "    3"
    assert f"{tn.tensor([1.5])}" == repr(tn.tensor([1.5]))
    with pytest.raises(TypeError, match="unsupported format string"):
        f"{tn.tensor([1.5]):.4f}"
