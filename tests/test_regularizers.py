"""Regularizers: values and gradients against their formulas; L2 penalty == SGD weight decay."""

import numpy as np
import pytest

import tinynet as tn
from tinynet import optim
from tinynet.regularizers import elastic_net_penalty, l1_penalty, l2_penalty

WEIGHT = np.array([[0.5, -1.5, 0.0], [2.0, -0.25, 1.0]])
BIAS = np.array([-3.0, 0.75])


def parameters():
    return [
        tn.tensor(WEIGHT.copy(), requires_grad=True),
        tn.tensor(BIAS.copy(), requires_grad=True),
    ]


def value_and_grads(penalty, **kwargs):
    params = parameters()
    loss = penalty(params, **kwargs)
    loss.backward()
    return loss.item(), [param.grad.numpy() for param in params]


def test_l1_penalty():
    value, (grad_weight, grad_bias) = value_and_grads(l1_penalty)
    assert value == pytest.approx(np.abs(WEIGHT).sum() + np.abs(BIAS).sum())
    np.testing.assert_array_equal(grad_weight, np.sign(WEIGHT))
    np.testing.assert_array_equal(grad_bias, np.sign(BIAS))


def test_l2_penalty_is_half_the_squared_norm():
    value, (grad_weight, grad_bias) = value_and_grads(l2_penalty)
    assert value == pytest.approx(0.5 * ((WEIGHT**2).sum() + (BIAS**2).sum()))
    np.testing.assert_allclose(grad_weight, WEIGHT)
    np.testing.assert_allclose(grad_bias, BIAS)


@pytest.mark.parametrize("l1_ratio", [0.0, 0.3, 1.0])
def test_elastic_net_mixes_l1_and_l2(l1_ratio):
    value, (grad_weight, _) = value_and_grads(elastic_net_penalty, l1_ratio=l1_ratio)
    l1, l2 = np.abs(WEIGHT).sum() + np.abs(BIAS).sum(), 0.5 * ((WEIGHT**2).sum() + (BIAS**2).sum())
    assert value == pytest.approx(l1_ratio * l1 + (1 - l1_ratio) * l2)
    np.testing.assert_allclose(grad_weight, l1_ratio * np.sign(WEIGHT) + (1 - l1_ratio) * WEIGHT)


def test_a_single_tensor_is_accepted():
    assert l1_penalty(tn.tensor(BIAS)).item() == pytest.approx(3.75)


def test_l2_penalty_gives_the_same_steps_as_sgd_weight_decay():
    strength, target = 0.1, tn.tensor(np.ones((2, 3)))
    with_penalty, with_decay = parameters()[0], parameters()[0]
    penalized = optim.SGD([with_penalty], lr=0.1, momentum=0.9)
    decayed = optim.SGD([with_decay], lr=0.1, momentum=0.9, weight_decay=strength)
    for _ in range(5):
        for optimizer, param, extra in (
            (penalized, with_penalty, strength),
            (decayed, with_decay, 0),
        ):
            optimizer.zero_grad()
            loss = ((param - target) ** 2).sum()
            if extra:
                loss = loss + extra * l2_penalty([param])
            loss.backward()
            optimizer.step()
    np.testing.assert_allclose(
        with_penalty.detach().numpy(), with_decay.detach().numpy(), rtol=1e-12
    )


def test_adamw_decay_is_not_an_l2_penalty():
    """With Adam the penalty's gradient is rescaled per coordinate; AdamW's decay is not."""
    results = []
    for optimizer_class, extra in ((optim.Adam, 0.5), (optim.AdamW, 0.0)):
        param = tn.tensor(np.array([10.0, 1.0]), requires_grad=True)
        optimizer = optimizer_class([param], lr=0.1, weight_decay=0.0 if extra else 0.5)
        for _ in range(3):
            optimizer.zero_grad()
            loss = extra * l2_penalty([param]) if extra else (param * 0.0).sum()
            loss.backward()
            optimizer.step()
        results.append(param.detach().numpy().copy())
    adam_l2, adamw = results
    # Adam + L2 moves both coordinates by about lr per step (sign-like steps);
    # AdamW shrinks each coordinate in proportion to itself.
    np.testing.assert_allclose(adam_l2, [10.0 - 0.3, 1.0 - 0.3], atol=1e-2)
    np.testing.assert_allclose(adamw, np.array([10.0, 1.0]) * (1 - 0.1 * 0.5) ** 3)


def test_errors():
    with pytest.raises(ValueError, match="l1_ratio"):
        elastic_net_penalty(parameters(), l1_ratio=1.5)
    with pytest.raises(ValueError, match="at least one tensor"):
        l2_penalty([])
