"""Forward values against NumPy formulas (and PyTorch when installed), semantics details,
numerical stability and error messages."""

from __future__ import annotations

import numpy as np
import pytest

import tinynet as tn
import tinynet.nn.functional as F


def f64(values, requires_grad=False):
    return tn.tensor(values, dtype=tn.float64, requires_grad=requires_grad)


def test_reductions_match_numpy():
    a = np.random.default_rng(0).standard_normal((3, 4, 5))
    t = f64(a)
    np.testing.assert_allclose(t.sum((0, 2)).numpy(), a.sum((0, 2)))
    np.testing.assert_allclose(t.mean(-1, keepdim=True).numpy(), a.mean(-1, keepdims=True))
    np.testing.assert_allclose(t.var(1).numpy(), a.var(1, ddof=1))
    np.testing.assert_allclose(t.var(1, unbiased=False).numpy(), a.var(1))
    np.testing.assert_allclose(t.std(correction=0).numpy(), a.std())
    np.testing.assert_allclose(t.logsumexp(2).numpy(), np.log(np.exp(a).sum(2)))
    values, indices = t.max(1)
    np.testing.assert_array_equal(values.numpy(), a.max(1))
    np.testing.assert_array_equal(indices.numpy(), a.argmax(1))
    assert t.argmin().item() == a.argmin()
    assert t.min(0, keepdim=True).indices.shape == (1, 4, 5)


def test_softmax_and_log_softmax_are_stable_for_huge_logits():
    logits = f64([[1e4, 0.0, -1e4], [5.0, 5.0, 5.0]])
    np.testing.assert_allclose(logits.softmax(1).numpy()[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(logits.softmax(1).numpy()[1], [1 / 3] * 3)
    np.testing.assert_allclose(logits.log_softmax(1).numpy()[0], [0.0, -1e4, -2e4])
    assert np.isfinite(logits.logsumexp(1).numpy()).all()
    assert f64([-np.inf, -np.inf]).logsumexp(0).item() == -np.inf


def test_sigmoid_and_tanh_do_not_overflow():
    x = tn.tensor([-1e4, 0.0, 1e4])
    with np.errstate(over="raise", invalid="raise"):
        np.testing.assert_allclose(x.sigmoid().numpy(), [0.0, 0.5, 1.0])
        np.testing.assert_allclose(x.tanh().numpy(), [-1.0, 0.0, 1.0])


def test_max_ties_share_the_gradient_and_max_dim_picks_the_index():
    x = f64([1.0, 3.0, 3.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 0.5, 0.5])
    x.grad = None
    x.max(0).values.backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 1.0, 0.0])


def test_maximum_ties_split_the_gradient():
    x, y = f64([1.0, 2.0], True), f64([1.0, 0.0], True)
    tn.maximum(x, y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.5, 1.0])
    np.testing.assert_allclose(y.grad.numpy(), [0.5, 0.0])


def test_repeated_integer_indices_accumulate_gradient():
    x = f64([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 0.0, 1.0])


def test_indexing_with_masks_and_tensors():
    x = tn.arange(6).reshape(2, 3)
    assert x[x > 2].tolist() == [3, 4, 5]
    assert x[tn.tensor([1, 0])].tolist() == [[3, 4, 5], [0, 1, 2]]
    assert x[:, -1].tolist() == [2, 5]
    assert x[..., None].shape == (2, 3, 1)
    with pytest.raises(IndexError, match=r"shape \[2, 3\]"):
        x[5]


def test_shape_ops():
    x = tn.arange(24).reshape(2, 3, 4)
    assert x.permute(2, 0, 1).shape == (4, 2, 3)
    assert x.transpose(0, 2).shape == (4, 3, 2)
    assert x.flatten().shape == (24,) and x.flatten(1).shape == (2, 12)
    assert x.view(-1, 4).shape == (6, 4)
    assert x[:, :1].squeeze().shape == (2, 4) and x.unsqueeze(-1).shape == (2, 3, 4, 1)
    assert x[:, :1].squeeze(0).shape == (2, 1, 4)
    assert tn.ones(3, 1).expand(2, 3, 4).shape == (2, 3, 4)
    assert tn.ones(3, 1).expand(-1, 5).shape == (3, 5)
    assert [p.shape for p in x.split(2, dim=2)] == [(2, 3, 2), (2, 3, 2)]
    assert [p.shape[1] for p in x.split([1, 2], dim=1)] == [1, 2]
    assert [p.shape[0] for p in tn.arange(5).chunk(3)] == [2, 2, 1]
    assert tn.stack([tn.ones(2), tn.zeros(2)], dim=1).tolist() == [[1, 0], [1, 0]]
    assert tn.cat([tn.ones(2, 1), tn.zeros(2, 2)], dim=1).shape == (2, 3)
    assert tn.ones(2, 3).T.shape == (3, 2)


def test_gather_matches_pytorch_semantics():
    x = tn.tensor([[1, 2], [3, 4]])
    index = tn.tensor([[0, 0], [1, 0]])
    assert x.gather(1, index).tolist() == [[1, 1], [4, 3]]
    assert x.gather(0, tn.tensor([[1, 0]])).tolist() == [[3, 2]]


def test_pad_follows_pytorch_argument_order():
    x = tn.arange(6).reshape(1, 2, 3).float()
    assert F.pad(x, (1, 0)).shape == (1, 2, 4)
    assert F.pad(x, (0, 0, 2, 1), value=9.0)[0, 0].tolist() == [9.0, 9.0, 9.0]
    assert F.pad(x, (1, 1), mode="reflect")[0, 0].tolist() == [1, 0, 1, 2, 1]
    assert F.pad(x, (2, 0), mode="replicate")[0, 1].tolist() == [3, 3, 3, 4, 5]
    assert F.pad(x, (1, 1), mode="circular")[0, 0].tolist() == [2, 0, 1, 2, 0]
    assert F.pad(x, (-1, 0)).shape == (1, 2, 2)
    with pytest.raises(ValueError, match="even length"):
        F.pad(x, (1,))


def test_matmul_shapes_for_all_operand_kinds():
    assert (tn.ones(3) @ tn.ones(3)).shape == ()
    assert (tn.ones(3) @ tn.ones(3, 4)).shape == (4,)
    assert (tn.ones(2, 3) @ tn.ones(3)).shape == (2,)
    assert (tn.ones(5, 2, 3) @ tn.ones(3, 4)).shape == (5, 2, 4)
    assert (tn.ones(5, 1, 2, 3) @ tn.ones(6, 3, 4)).shape == (5, 6, 2, 4)
    a = np.random.default_rng(1).standard_normal((4, 2, 3))
    b = np.random.default_rng(2).standard_normal((3, 5))
    np.testing.assert_allclose((f64(a) @ f64(b)).numpy(), a @ b)


@pytest.mark.parametrize("make, pattern", [
    (lambda: tn.ones(2, 3) + tn.ones(4), r"add: shapes \[2, 3\] and \[4\]"),
    (lambda: tn.ones(2, 3) * tn.ones(2), r"mul: shapes \[2, 3\] and \[2\]"),
    (lambda: tn.ones(2, 3) @ tn.ones(4, 5), r"matmul: shapes \[2, 3\] and \[4, 5\]"),
    (lambda: tn.ones(6).reshape(4, 2), r"shape \[4, 2\] is invalid for input of size 6"),
    (lambda: tn.cat([tn.ones(2, 3), tn.ones(2, 4)]), r"\[2, 3\] and \[2, 4\]"),
    (lambda: tn.stack([tn.ones(2), tn.ones(3)]), r"\[2\] and \[3\]"),
    (lambda: tn.ones(2, 3).sum(2), r"range of \[-2, 1\], but got 2"),
    (lambda: tn.ones(2).expand(3), r"\[2\] cannot be broadcast to \[3\]"),
    (lambda: tn.ones(2) > tn.ones(3), r"gt: shapes \[2\] and \[3\]"),
    (lambda: tn.arange(3).mean(), "floating point"),
    (lambda: tn.clamp(tn.ones(1)), "min.*max"),
])
def test_errors_name_the_problem(make, pattern):
    with pytest.raises((ValueError, RuntimeError, IndexError, TypeError), match=pattern):
        make()


def test_cast_between_floats_passes_gradient_back():
    x = tn.tensor([1.0, 2.0], requires_grad=True)
    y = x.double() * 3
    assert y.dtype == tn.float64
    y.sum().backward()
    assert x.grad.dtype == tn.float32 and x.grad.tolist() == [3.0, 3.0]


def test_cast_to_integers_detaches_and_same_dtype_is_the_tensor_itself():
    x = tn.tensor([1.5, -2.5], requires_grad=True)
    labels = x.long()
    assert labels.dtype == tn.int64 and labels.tolist() == [1, -2]
    assert not labels.requires_grad and labels.grad_fn is None
    assert x.float() is x
    copy = x.clone()
    assert copy is not x and copy.grad_fn is not None



@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu",
                                  "abs", "softmax", "log_softmax", "logsumexp", "var", "std"])
def test_unary_ops_and_their_gradients_match_pytorch(name):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(3).uniform(0.1, 2.0, (3, 4))
    ours, theirs = f64(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    dim_ops = {"softmax", "log_softmax", "logsumexp", "var", "std"}
    ours_out = getattr(ours, name)(1) if name in dim_ops else getattr(ours, name)()
    theirs_out = getattr(theirs, name)(1) if name in dim_ops else getattr(theirs, name)()
    np.testing.assert_allclose(ours_out.detach().numpy(), theirs_out.detach().numpy(), rtol=1e-12)
    weights = np.random.default_rng(4).standard_normal(theirs_out.shape)
    (ours_out * f64(weights)).sum().backward()
    (theirs_out * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10)


def test_pad_modes_match_pytorch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(5).standard_normal((1, 2, 4, 5))
    for mode in ["constant", "reflect", "replicate", "circular"]:
        ours = F.pad(f64(a), (1, 2, 2, 1), mode=mode).numpy()
        theirs = torch.nn.functional.pad(torch.tensor(a), (1, 2, 2, 1), mode=mode).numpy()
        np.testing.assert_allclose(ours, theirs, err_msg=mode)


def test_relu_keeps_nan_as_pytorch_does():
    result = tn.relu(tn.tensor([float("nan"), -1.0, 2.0])).numpy()
    assert np.isnan(result[0]) and result[1:].tolist() == [0.0, 2.0]
