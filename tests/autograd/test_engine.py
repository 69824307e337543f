"""Behaviour of backward(): accumulation, retain_graph, create_graph, grad(), hooks, freeing."""

from __future__ import annotations

import gc
import threading
import weakref

import numpy as np
import pytest

import tinynet as tn
from tinynet.autograd import Function


def leaf(values, dtype=tn.float64):
    return tn.tensor(values, dtype=dtype, requires_grad=True)


def test_gradient_of_a_tensor_used_twice_adds_up():
    x = leaf([1.0, 2.0])
    (x * x + x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 5.0])


def test_grad_accumulates_across_backward_calls_until_reset():
    x = leaf([1.0, -2.0])
    (3 * x).sum().backward()
    (3 * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 6.0])
    x.grad = None
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, -4.0])


def test_second_backward_through_freed_graph_raises_clear_error():
    x = leaf([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time.*retain_graph"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = leaf([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first)


def test_backward_of_non_scalar_needs_gradient_argument():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="scalar outputs"):
        (x * 2).backward()
    (x * 2).backward(tn.tensor([1.0, 10.0], dtype=tn.float64))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 20.0])


def test_backward_gradient_of_wrong_shape_is_an_error_naming_shapes():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"shape \[3\].*shape \[2\]"):
        (x * 2).backward(tn.ones(3, dtype=tn.float64))


def test_backward_on_tensor_without_grad_is_an_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        tn.tensor([1.0]).sum().backward()


def test_grad_returns_gradients_without_touching_dot_grad():
    x, y = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    gx, gy = tn.autograd.grad((x * y).sum(), [x, y])
    np.testing.assert_allclose(gx.numpy(), [3.0, 4.0])
    np.testing.assert_allclose(gy.numpy(), [1.0, 2.0])
    assert x.grad is None and y.grad is None


def test_grad_of_a_non_leaf_input():
    x = leaf([1.0, 2.0])
    h = x * 3
    (gh,) = tn.autograd.grad((h * h).sum(), [h])
    np.testing.assert_allclose(gh.numpy(), [6.0, 12.0])


def test_grad_with_unused_input():
    x, unused = leaf([1.0]), leaf([2.0])
    with pytest.raises(RuntimeError, match="allow_unused"):
        tn.autograd.grad((x * 2).sum(), [x, unused])
    gx, gu = tn.autograd.grad((x * 2).sum(), [x, unused], allow_unused=True)
    assert gu is None and gx.item() == 2.0


def test_create_graph_gives_second_and_third_derivatives():
    x = leaf([0.5, 2.0])
    y = (x ** 4).sum()
    (first,) = tn.autograd.grad(y, [x], create_graph=True)
    (second,) = tn.autograd.grad(first.sum(), [x], create_graph=True)
    (third,) = tn.autograd.grad(second.sum(), [x])
    np.testing.assert_allclose(first.detach().numpy(), 4 * np.array([0.5, 2.0]) ** 3)
    np.testing.assert_allclose(second.detach().numpy(), 12 * np.array([0.5, 2.0]) ** 2)
    np.testing.assert_allclose(third.numpy(), 24 * np.array([0.5, 2.0]))


def test_an_output_given_twice_adds_its_seeds_differentiably():
    # d/dx of v1·tanh(x) + v2·tanh(x) is (v1 + v2)·tanh'(x), and with create_graph it depends on
    # both v1 and v2
    x = leaf([0.5])
    y = tn.tanh(x)
    v1, v2 = leaf([1.0]), leaf([10.0])
    (first,) = tn.autograd.grad([y, y], [x], [v1, v2], create_graph=True)
    slope = 1 - np.tanh(0.5) ** 2
    np.testing.assert_allclose(first.detach().numpy(), [11 * slope])
    g1, g2 = tn.autograd.grad(first.sum(), [v1, v2])
    np.testing.assert_allclose(g1.numpy(), [slope])
    np.testing.assert_allclose(g2.numpy(), [slope])


def test_backward_create_graph_makes_dot_grad_differentiable():
    x = leaf([1.0, 3.0])
    (x ** 3).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    gradient_norm = (x.grad * x.grad).sum()
    (second,) = tn.autograd.grad(gradient_norm, [x])
    np.testing.assert_allclose(second.numpy(), 2 * 3 * x.detach().numpy() ** 2 * 6 * x.detach().numpy())


def test_no_grad_records_nothing_and_enable_grad_restores():
    x = leaf([1.0])
    with tn.no_grad():
        y = x * 2
        with tn.enable_grad():
            z = x * 2
    assert y.grad_fn is None and not y.requires_grad
    assert z.requires_grad and z.grad_fn is not None
    assert tn.is_grad_enabled()


def test_no_grad_as_a_decorator():
    @tn.no_grad()
    def double(t):
        return t * 2

    assert not double(leaf([1.0])).requires_grad
    assert tn.is_grad_enabled()


def test_grad_mode_is_per_thread():
    """A no_grad block in one thread does not stop another thread from recording, and a new
    thread starts with recording on, as in PyTorch."""
    inside_no_grad, other_done = threading.Event(), threading.Event()
    seen = {}

    def evaluate():
        with tn.no_grad():
            inside_no_grad.set()
            other_done.wait(timeout=10)
            seen["evaluating thread"] = tn.is_grad_enabled()

    def train():
        inside_no_grad.wait(timeout=10)
        seen["new thread default"] = tn.is_grad_enabled()
        x = leaf([1.0, 2.0])
        y = (x * x).sum()
        seen["recorded"] = y.grad_fn is not None
        y.backward()
        seen["grad"] = x.grad.numpy().tolist()
        other_done.set()

    threads = [threading.Thread(target=evaluate), threading.Thread(target=train)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert seen == {"new thread default": True, "recorded": True, "grad": [2.0, 4.0],
                    "evaluating thread": False}
    assert tn.is_grad_enabled()


def test_detach_shares_data_and_leaves_the_graph():
    x = leaf([1.0, 2.0])
    d = (x * 2).detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf


def test_grad_fn_and_next_functions_describe_the_graph():
    x, w = leaf([1.0]), leaf([2.0])
    y = (x * w).exp()
    assert y.grad_fn.name() == "ExpBackward"
    (mul_node, _), = y.grad_fn.next_functions
    assert mul_node.name() == "MulBackward"
    assert [type(node).__name__ for node, _ in mul_node.next_functions] == ["AccumulateGrad"] * 2
    assert mul_node.next_functions[0][0].variable is x
    assert x.is_leaf and not y.is_leaf
    assert "grad_fn=<ExpBackward>" in repr(y)


def test_retain_grad_keeps_a_non_leaf_gradient():
    x = leaf([1.0, 2.0])
    h = x * 3
    h.retain_grad()
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), [6.0, 12.0])


def test_hooks_see_and_replace_gradients_and_can_be_removed():
    x = leaf([1.0, 2.0])
    seen = []
    handle = x.register_hook(lambda g: seen.append(g.numpy().copy()))
    h = x * 2
    h.register_hook(lambda g: g * 10)  # replaces the gradient flowing on
    h.sum().backward()
    np.testing.assert_allclose(seen[0], [20.0, 20.0])
    np.testing.assert_allclose(x.grad.numpy(), [20.0, 20.0])
    handle.remove()
    x.grad = None
    (x * 1).sum().backward()
    assert len(seen) == 1


def test_graph_is_freed_after_backward():
    x = leaf(np.ones(1000))
    y = x.exp()
    node = weakref.ref(y.grad_fn)
    saved = weakref.ref(y)
    loss = y.sum()
    del y
    loss.backward()
    del loss
    gc.collect()
    assert node() is None and saved() is None


def test_saved_arrays_are_released_after_backward():
    x = leaf([1.0, 2.0])
    y = x * x
    node = y.grad_fn
    y.sum().backward()
    assert node._released and "_inputs" not in vars(node)


def test_backward_through_a_chain_of_100000_ops():
    x = leaf([1.0])
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.sum().backward()
    assert x.grad.item() == 1.0


def test_custom_function_like_pytorch():
    class Cube(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x * x

    x = leaf([2.0, -1.0])
    Cube.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [12.0, 3.0])
    assert tn.autograd.gradgradcheck(Cube.apply, [leaf([0.5, 1.5])])


def test_custom_function_with_two_outputs():
    class SplitSign(Function):
        @staticmethod
        def forward(ctx, x):
            return np.maximum(x, 0), np.minimum(x, 0)

        @staticmethod
        def backward(ctx, grad_positive, grad_negative):
            (x,) = ctx.inputs
            positive = (x > 0).double()
            return grad_positive * positive + grad_negative * (1 - positive)

    x = leaf([2.0, -3.0])
    positive, negative = SplitSign.apply(x)
    (positive * 5).sum().backward()  # the unused output's gradient is zeros
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 0.0])


def test_function_returning_the_wrong_number_of_gradients_is_named():
    class Broken(Function):
        @staticmethod
        def forward(ctx, x, y):
            return x + y

        @staticmethod
        def backward(ctx, grad):
            return grad

    with pytest.raises(RuntimeError, match="BrokenBackward returned 1 gradients, expected 2"):
        Broken.apply(leaf([1.0]), leaf([2.0])).sum().backward()


def test_function_returning_a_gradient_of_wrong_shape_is_named():
    class Broken(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad.sum()

    with pytest.raises(RuntimeError, match=r"BrokenBackward returned a gradient of shape \[\]"):
        Broken.apply(leaf([1.0, 2.0])).sum().backward()


def test_float32_gradients_stay_float32_and_mixed_inputs_promote():
    x32 = tn.tensor([1.0, 2.0], requires_grad=True)
    x64 = leaf([3.0, 4.0])
    y = x32 * x64
    assert y.dtype == tn.float64
    y.sum().backward()
    assert x32.grad.dtype == tn.float32 and x64.grad.dtype == tn.float64
