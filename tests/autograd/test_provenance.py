"""Every graph node knows the module whose forward created it (grad_fn.module_path)."""

from __future__ import annotations

import threading

import pytest

import tinynet as tn
from tinynet import nn


class Inner(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)

    def forward(self, x):
        return nn.ReLU()(self.fc(x)) * 3  # an unregistered module, then an op of Inner's own


class Outer(nn.Module):
    def __init__(self):
        super().__init__()
        self.stack = nn.Sequential(Inner(), Inner())

    def forward(self, x):
        return self.stack(x) + 1


def test_nodes_carry_the_dotted_path_of_their_module():
    model = Outer()
    y = model(tn.randn(3, 2))
    add = y.grad_fn
    mul = add.next_functions[0][0]
    relu = mul.next_functions[0][0]
    linear = relu.next_functions[0][0]
    assert (add.module_path, add.module) == ("", model)
    assert mul.module_path == "stack.1" and mul.module is model.stack[1]
    assert relu.module_path == "stack.1.<ReLU>"
    assert linear.module_path == "stack.1.fc" and linear.module is model.stack[1].fc
    loss = y.sum()
    assert loss.grad_fn.module_path is None and loss.grad_fn.module is None
    loss.backward()  # the paths outlive the saved tensors
    assert linear.module_path == "stack.1.fc"


def test_a_submodule_called_on_its_own_is_the_outermost():
    model = Outer()
    y = model.stack[0](tn.randn(3, 2))
    assert y.grad_fn.module_path == ""
    assert y.grad_fn.next_functions[0][0].next_functions[0][0].module_path == "fc"


def test_the_module_stack_is_unwound_when_forward_raises():
    model = nn.Linear(2, 2)
    with pytest.raises(Exception, match="does not fit"):
        model(tn.randn(3, 5))
    w = tn.randn(2, requires_grad=True)
    assert (w * 2).grad_fn.module_path is None


def test_a_module_running_in_another_thread_does_not_tag_this_threads_nodes():
    started, release = threading.Event(), threading.Event()

    class Waits(nn.Module):
        def forward(self, x):
            started.set()
            release.wait(10)
            return x * 2

    thread = threading.Thread(target=lambda: Waits()(tn.ones(2, requires_grad=True)))
    thread.start()
    started.wait(10)
    w = tn.randn(2, requires_grad=True)
    node = (w * 5).grad_fn
    release.set()
    thread.join()
    assert node.module_path is None
