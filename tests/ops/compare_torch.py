"""Running one piece of code on tinynet and on PyTorch (``function(module, *tensors)``, the same
code for both, as PyTorch's API is tinynet's) and comparing values, dtypes and, for float64
inputs, the gradients of a weighted sum of the results."""

from __future__ import annotations

import numpy as np
import pytest

import tinynet as tn


def compare(function, *arrays, grad=True, atol=1e-9, **params):
    """Assert that ``function`` gives the same on tinynet and PyTorch (values, dtypes, and the
    gradients of float64 arrays); returns tinynet's result."""
    torch = pytest.importorskip("torch")
    differentiable = [grad and np.asarray(a).dtype == np.float64 for a in arrays]
    ours_in = [tn.tensor(a, requires_grad=g) for a, g in zip(arrays, differentiable)]
    theirs_in = [torch.tensor(a, requires_grad=g) for a, g in zip(arrays, differentiable)]
    ours, theirs = function(tn, *ours_in, **params), function(torch, *theirs_in, **params)
    ours_list = list(ours) if isinstance(ours, (tuple, list)) else [ours]
    theirs_list = list(theirs) if isinstance(theirs, (tuple, list)) else [theirs]
    assert len(ours_list) == len(theirs_list)
    rng = np.random.default_rng(1)
    ours_total, theirs_total = None, None
    for a, b in zip(ours_list, theirs_list):
        expected = b.detach().numpy()
        assert tuple(a.shape) == expected.shape
        assert str(a.dtype).replace("tinynet.", "") == str(b.dtype).replace("torch.", "")
        np.testing.assert_allclose(a.detach().numpy(), expected, atol=atol, rtol=1e-7)
        if b.requires_grad:
            weights = rng.standard_normal(expected.shape)
            ours_part = (a * tn.tensor(weights)).sum()
            theirs_part = (b * torch.tensor(weights)).sum()
            ours_total = ours_part if ours_total is None else ours_total + ours_part
            theirs_total = theirs_part if theirs_total is None else theirs_total + theirs_part
    if theirs_total is not None:
        ours_total.backward()
        theirs_total.backward()
        for x, y in zip(ours_in, theirs_in):
            if y.requires_grad:
                expected = np.zeros(y.shape) if y.grad is None else y.grad.numpy()
                actual = np.zeros(x.shape) if x.grad is None else x.grad.numpy()
                np.testing.assert_allclose(actual, expected, atol=atol, rtol=1e-7)
    return ours
