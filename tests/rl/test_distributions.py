"""tinynet.distributions against torch.distributions (float64), their gradients by finite
differences, sampling statistics and the argument checks."""

import inspect

import numpy as np
import pytest

import tinynet as tn
from tinynet import distributions as D
from tinynet.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(0)
LOGITS = RNG.standard_normal((3, 4))
PROBS = np.array([[0.1, 0.2, 0.7, 0.0], [0.25, 0.25, 0.25, 0.25], [0.5, 0.1, 0.1, 0.3]])
VALUES = np.array([0, 3, 2])


def t64(array, requires_grad=False):
    return tn.tensor(np.asarray(array, dtype=np.float64), requires_grad=requires_grad)


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def close(ours, theirs):
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10,
                               atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("name", ["Categorical", "Normal", "Bernoulli", "Distribution"])
def test_signatures_match_pytorch(torch, name):
    ours, theirs = getattr(D, name), getattr(torch.distributions, name)
    assert list(inspect.signature(ours).parameters) == list(inspect.signature(theirs).parameters)
    for method in ("sample", "rsample"):
        assert (list(inspect.signature(getattr(ours, method)).parameters)
                == list(inspect.signature(getattr(theirs, method)).parameters))


@pytest.mark.parametrize("given", ["probs", "logits"])
def test_categorical_matches_torch(torch, given):
    source = PROBS if given == "probs" else LOGITS
    ours = D.Categorical(**{given: t64(source)})
    theirs = torch.distributions.Categorical(**{given: torch.tensor(source)})
    for name in ("probs", "logits", "mean", "variance", "mode"):
        close(getattr(ours, name), getattr(theirs, name))
    close(ours.entropy(), theirs.entropy())
    close(ours.log_prob(tn.tensor(VALUES)), theirs.log_prob(torch.tensor(VALUES)))
    # a batch of values broadcast against the batch of distributions
    values = np.array([[0], [1]])
    close(ours.log_prob(tn.tensor(values)), theirs.log_prob(torch.tensor(values)))
    assert ours.batch_shape == (3,) and ours.event_shape == () and ours.param_shape == (3, 4)


def test_normal_matches_torch(torch):
    loc, scale = RNG.standard_normal(3), np.exp(RNG.standard_normal(3))
    x = RNG.standard_normal((2, 3))
    ours, theirs = D.Normal(t64(loc), t64(scale)), torch.distributions.Normal(
        torch.tensor(loc), torch.tensor(scale))
    for name in ("mean", "mode", "stddev", "variance"):
        close(getattr(ours, name), getattr(theirs, name))
    close(ours.entropy(), theirs.entropy())
    close(ours.log_prob(t64(x)), theirs.log_prob(torch.tensor(x)))
    close(ours.cdf(t64(x)), theirs.cdf(torch.tensor(x)))
    q = np.array([0.1, 0.5, 0.9])
    np.testing.assert_allclose(ours.icdf(t64(q)).numpy(), theirs.icdf(torch.tensor(q)).numpy(),
                               rtol=1e-8)
    assert ours.batch_shape == (3,) and ours.has_rsample and not D.Categorical(
        logits=t64(LOGITS)).has_rsample


def test_normal_of_numbers_is_scalar_and_float32(torch):
    ours, theirs = D.Normal(0.0, 1.0), torch.distributions.Normal(0.0, 1.0)
    assert ours.batch_shape == () and ours.sample().shape == ()
    assert ours.sample((5, 2)).shape == (5, 2) and ours.loc.dtype == tn.float32
    assert str(theirs.loc.dtype) == "torch.float32"


@pytest.mark.parametrize("given", ["probs", "logits"])
def test_bernoulli_matches_torch(torch, given):
    source = np.array([0.1, 0.5, 0.9]) if given == "probs" else np.array([-2.0, 0.0, 3.0])
    ours = D.Bernoulli(**{given: t64(source)})
    theirs = torch.distributions.Bernoulli(**{given: torch.tensor(source)})
    for name in ("probs", "logits", "mean", "variance", "mode"):
        close(getattr(ours, name), getattr(theirs, name))
    close(ours.entropy(), theirs.entropy())
    x = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    close(ours.log_prob(t64(x)), theirs.log_prob(torch.tensor(x)))


def test_sample_shapes_and_dtypes():
    categorical = D.Categorical(logits=tn.randn(3, 4))
    assert categorical.sample().shape == (3,) and categorical.sample().dtype == tn.int64
    assert categorical.sample((5, 2)).shape == (5, 2, 3)
    bernoulli = D.Bernoulli(probs=tn.full((2,), 0.3))
    assert bernoulli.sample((4,)).shape == (4, 2) and bernoulli.sample().dtype == tn.float32
    normal = D.Normal(tn.zeros(3), tn.ones(3))
    assert normal.rsample((7,)).shape == (7, 3) and normal.sample(tn.Size([2])).shape == (2, 3)


def test_sample_frequencies_follow_the_probabilities():
    tn.manual_seed(0)
    probs = np.array([0.1, 0.6, 0.3])
    draws = D.Categorical(probs=tn.tensor(probs)).sample((20000,)).numpy()
    np.testing.assert_allclose(np.bincount(draws, minlength=3) / 20000, probs, atol=0.015)
    ones = D.Bernoulli(probs=tn.tensor([0.2, 0.9])).sample((20000,)).numpy().mean(0)
    np.testing.assert_allclose(ones, [0.2, 0.9], atol=0.015)
    normal = D.Normal(tn.tensor([2.0]), tn.tensor([0.5])).sample((20000,)).numpy()
    assert abs(normal.mean() - 2.0) < 0.02 and abs(normal.std() - 0.5) < 0.02


def test_sampling_repeats_with_the_seed():
    tn.manual_seed(3)
    first = D.Categorical(logits=tn.zeros(5)).sample((10,)).numpy()
    tn.manual_seed(3)
    assert np.array_equal(first, D.Categorical(logits=tn.zeros(5)).sample((10,)).numpy())


def test_sample_is_outside_the_graph_and_rsample_inside():
    loc = tn.zeros(3, requires_grad=True)
    normal = D.Normal(loc, 1.0)
    assert not normal.sample().requires_grad
    normal.rsample().sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), np.ones(3))


def test_rsample_is_the_reparameterisation():
    loc, scale = t64([0.5, -1.0], True), t64([2.0, 0.3], True)
    tn.manual_seed(1)
    draw = D.Normal(loc, scale).rsample()
    tn.manual_seed(1)
    eps = tn.randn(2, dtype=tn.float64)
    np.testing.assert_allclose(draw.detach().numpy(), (loc + scale * eps).detach().numpy())
    draw.sum().backward()
    np.testing.assert_allclose(scale.grad.numpy(), eps.numpy())


def test_log_prob_and_entropy_gradients_by_finite_differences():
    logits, value = t64(LOGITS, True), tn.tensor(VALUES)
    assert gradcheck(lambda x: D.Categorical(logits=x).log_prob(value), (logits,))
    assert gradcheck(lambda x: D.Categorical(logits=x).entropy(), (logits,))
    assert gradgradcheck(lambda x: D.Categorical(logits=x).entropy(), (logits,))
    probs = t64(PROBS[1:], True)  # no zero probability: log p is finite
    assert gradcheck(lambda p: D.Categorical(probs=p).log_prob(tn.tensor([1, 2])), (probs,))
    loc, scale, x = t64([0.3, -1.0], True), t64([1.5, 0.4], True), t64([0.1, 0.2], True)
    assert gradcheck(lambda m, s, v: D.Normal(m, s).log_prob(v), (loc, scale, x))
    assert gradgradcheck(lambda m, s, v: D.Normal(m, s).log_prob(v), (loc, scale, x))
    assert gradcheck(lambda s: D.Normal(0.0, s).entropy(), (scale,))

    def rsample(m, s):  # the same noise at every evaluation
        tn.manual_seed(5)
        return D.Normal(m, s).rsample((3,))

    assert gradcheck(rsample, (loc, scale))
    bernoulli_logits, bits = t64([-1.0, 0.5, 2.0], True), t64([1.0, 0.0, 1.0])
    assert gradcheck(lambda z: D.Bernoulli(logits=z).log_prob(bits), (bernoulli_logits,))
    assert gradcheck(lambda z: D.Bernoulli(logits=z).entropy(), (bernoulli_logits,))
    bernoulli_probs = t64([0.2, 0.5, 0.7], True)
    assert gradcheck(lambda p: D.Bernoulli(probs=p).log_prob(bits), (bernoulli_probs,))


def test_policy_gradient_moves_probability_to_the_rewarded_action():
    logits = tn.zeros(3, requires_grad=True)
    loss = -D.Categorical(logits=logits).log_prob(tn.tensor(2))
    loss.backward()
    grad = logits.grad.numpy()  # d(-log softmax_2)/d logits = softmax - one_hot(2)
    np.testing.assert_allclose(grad, [1 / 3, 1 / 3, -2 / 3], rtol=1e-6)


@pytest.mark.parametrize("make, words", [
    (lambda: D.Categorical(probs=tn.tensor([0.5, 0.5]), logits=tn.zeros(2)), "not both"),
    (lambda: D.Categorical(), "not both"),
    (lambda: D.Bernoulli(probs=0.5, logits=0.0), "not both"),
    (lambda: D.Normal(0.0, -1.0), "scale"),
    (lambda: D.Normal(0.0, 0.0), "scale"),
    (lambda: D.Bernoulli(probs=1.5), "probs"),
    (lambda: D.Categorical(probs=tn.tensor([0.5, -0.1])), "probs"),
    (lambda: D.Categorical(probs=tn.tensor(1.0)), "one-dimensional"),
    (lambda: D.Categorical(logits=tn.zeros(3)).log_prob(tn.tensor(3)), "support"),
    (lambda: D.Bernoulli(probs=0.5).log_prob(tn.tensor(0.5)), "support"),
])
def test_invalid_arguments_are_refused(make, words):
    with pytest.raises(ValueError, match=words):
        make()


def test_validation_can_be_turned_off():
    normal = D.Normal(0.0, -1.0, validate_args=False)
    assert normal.scale.item() == -1.0
    D.Distribution.set_default_validate_args(False)
    try:
        assert D.Bernoulli(probs=1.5).probs.item() == 1.5
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        D.Bernoulli(probs=1.5)


def test_no_rsample_for_discrete_families():
    with pytest.raises(RuntimeError, match="has no reparameterised sample"):
        D.Categorical(logits=tn.zeros(2)).rsample()


def test_bad_sample_shape_is_refused():
    with pytest.raises(TypeError, match="sample_shape"):
        D.Normal(0.0, 1.0).sample(3)


def test_repr_names_the_parameters():
    assert repr(D.Normal(0.0, 1.0)) == "Normal(loc: 0, scale: 1)"
    assert repr(D.Categorical(logits=tn.zeros(2, 3))) == "Categorical(logits: Size([2, 3]))"
