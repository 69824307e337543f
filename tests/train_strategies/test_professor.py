"""Professor forcing: the discriminator learns only from its own loss, the decoder only from
the teacher-forced loss and the fooling term (through its free-running hidden states)."""

import numpy as np
import pytest

import tinynet as tn
from tests.train_strategies.standin import TinySeq2Seq, batch
from tinynet.nn import functional as F
from tinynet.train_strategies import HiddenDiscriminator, ProfessorForcing, frozen


def _grads(module):
    return [None if p.grad is None else p.grad.numpy().copy() for p in module.parameters()]


def _setup(kind="gru", seed=0):
    tn.manual_seed(seed)
    model, disc = TinySeq2Seq(), HiddenDiscriminator(8, width=6, kind=kind)
    # gates open (the running accuracy starts at 0.5 > 0): the routing of every term
    return model, disc, ProfessorForcing(disc, fool_weight=0.5, fool_above=0.0), batch(seed)


@pytest.mark.parametrize("kind", ["gru", "mlp"])
def test_discriminator_gets_gradients_only_from_its_own_loss(kind):
    model, disc, professor, (src, lengths, tgt_in, tgt_out) = _setup(kind)
    loss_fn = tn.nn.CrossEntropyLoss()
    terms = professor.losses(model, src, lengths, tgt_in, tgt_out, loss_fn)
    (terms.nll + terms.fool).backward(retain_graph=True)
    assert all(g is None for g in _grads(disc))  # neither nll nor the fooling term reach D
    terms.discriminator.backward(retain_graph=True)
    own = _grads(disc)
    assert all(g is not None and np.abs(g).sum() > 0 for g in own)
    disc.zero_grad()
    terms.total.backward()
    for a, b in zip(_grads(disc), own):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_decoder_gets_nll_plus_the_fooling_term_and_nothing_from_the_discriminator_loss():
    model, _disc, professor, (src, lengths, tgt_in, tgt_out) = _setup()
    loss_fn = tn.nn.CrossEntropyLoss()
    terms = professor.losses(model, src, lengths, tgt_in, tgt_out, loss_fn)
    terms.discriminator.backward(retain_graph=True)
    assert all(g is None for g in _grads(model))  # D's loss reads detached hidden states
    terms.nll.backward(retain_graph=True)
    nll = _grads(model)
    model.zero_grad()
    terms.fool.backward(retain_graph=True)
    fool = _grads(model)
    assert any(g is not None and np.abs(g).sum() > 0 for g in fool)
    model.zero_grad()
    terms.total.backward()
    for total, a, b in zip(_grads(model), nll, fool):
        expected = (0 if a is None else a) + 0.5 * (0 if b is None else b)
        np.testing.assert_allclose(total, expected, rtol=1e-5, atol=1e-7)


def test_fooling_term_flows_through_the_free_running_hidden_states_only():
    model, _disc, professor, (src, lengths, tgt_in, tgt_out) = _setup()
    terms = professor.losses(model, src, lengths, tgt_in, tgt_out, tn.nn.CrossEntropyLoss())
    teacher_h = terms.teacher.hiddens
    free_h = terms.free.hiddens
    teacher_h.retain_grad()
    free_h.retain_grad()
    terms.fool.backward(retain_graph=True)
    assert teacher_h.grad is None
    assert free_h.grad is not None and np.abs(free_h.grad.numpy()).sum() > 0


def test_losses_match_their_formulas():
    model, disc, professor, (src, lengths, tgt_in, tgt_out) = _setup("mlp")
    loss_fn = tn.nn.CrossEntropyLoss()
    terms = professor.losses(model, src, lengths, tgt_in, tgt_out, loss_fn)
    with tn.no_grad():
        teacher = model(src, lengths, tgt_in)
        d_t, d_f = disc(teacher.hiddens), disc(terms.free.hiddens.detach())
        ones, zeros = tn.ones(5), tn.zeros(5)
        nll = loss_fn(teacher.logits.reshape(-1, 7), tgt_out.reshape(-1)).item()
        dloss = (F.binary_cross_entropy_with_logits(d_t, ones)
                 + F.binary_cross_entropy_with_logits(d_f, zeros)).item() / 2
        fool = F.binary_cross_entropy_with_logits(d_f, ones).item()
    assert terms.nll.item() == pytest.approx(nll, rel=1e-5)
    assert terms.discriminator.item() == pytest.approx(dloss, rel=1e-5)
    assert terms.fool.item() == pytest.approx(fool, rel=1e-5)
    assert terms.total.item() == pytest.approx(nll + 0.5 * fool + dloss, rel=1e-5)
    expected_accuracy = ((d_t.numpy() > 0).sum() + (d_f.numpy() <= 0).sum()) / 10
    assert terms.discriminator_accuracy == expected_accuracy


def _gated(running_accuracy):
    tn.manual_seed(0)
    model, disc = TinySeq2Seq(), HiddenDiscriminator(8, width=6, kind="mlp")
    professor = ProfessorForcing(disc, fool_weight=0.5)  # the paper's gates: 0.75 and 0.99
    professor.running_accuracy = running_accuracy
    return model, disc, professor, batch(0)


@pytest.mark.parametrize("running_accuracy", [0.5, 0.74])
def test_below_fool_above_the_fooling_term_is_absent(running_accuracy):
    model, disc, professor, (src, lengths, tgt_in, tgt_out) = _gated(running_accuracy)
    terms = professor.losses(model, src, lengths, tgt_in, tgt_out, tn.nn.CrossEntropyLoss())
    assert not terms.fooling and terms.discriminator_trained
    assert terms.total.item() == pytest.approx(terms.nll.item() + terms.discriminator.item(),
                                               rel=1e-6)
    terms.total.backward(retain_graph=True)
    total = _grads(model)
    model.zero_grad()
    terms.nll.backward()
    for a, b in zip(total, _grads(model)):  # the decoder's gradient is the nll's alone
        np.testing.assert_allclose(0 if a is None else a, 0 if b is None else b, rtol=1e-6)


def test_above_fool_above_the_fooling_term_is_in_the_loss():
    model, disc, professor, (src, lengths, tgt_in, tgt_out) = _gated(0.8)
    terms = professor.losses(model, src, lengths, tgt_in, tgt_out, tn.nn.CrossEntropyLoss())
    assert terms.fooling and terms.discriminator_trained
    assert terms.total.item() == pytest.approx(
        terms.nll.item() + 0.5 * terms.fool.item() + terms.discriminator.item(), rel=1e-6)


@pytest.mark.parametrize("running_accuracy", [0.99, 1.0])
def test_at_or_above_discriminator_below_the_discriminator_is_not_updated(running_accuracy):
    model, disc, professor, (src, lengths, tgt_in, tgt_out) = _gated(running_accuracy)
    terms = professor.losses(model, src, lengths, tgt_in, tgt_out, tn.nn.CrossEntropyLoss())
    assert terms.fooling and not terms.discriminator_trained
    assert terms.total.item() == pytest.approx(terms.nll.item() + 0.5 * terms.fool.item(),
                                               rel=1e-6)
    before = [p.detach().numpy().copy() for p in disc.parameters()]
    optimizer = tn.optim.Adam(list(model.parameters()) + list(disc.parameters()), lr=0.1)
    optimizer.zero_grad()
    terms.total.backward()
    assert all(g is None for g in _grads(disc))
    optimizer.step()
    for old, p in zip(before, disc.parameters()):
        np.testing.assert_array_equal(old, p.detach().numpy())


def test_running_accuracy_is_a_moving_average_of_the_batch_accuracies():
    model, disc, professor, (src, lengths, tgt_in, tgt_out) = _gated(0.5)
    professor.momentum = 0.8
    for _ in range(3):
        before = professor.running_accuracy
        terms = professor.losses(model, src, lengths, tgt_in, tgt_out,
                                 tn.nn.CrossEntropyLoss())
        assert professor.running_accuracy == pytest.approx(
            0.8 * before + 0.2 * terms.discriminator_accuracy)
    professor.running_accuracy = 0.9  # the gates read the value before the batch's update
    terms = professor.losses(model, src, lengths, tgt_in, tgt_out, tn.nn.CrossEntropyLoss())
    assert terms.fooling


def test_discriminator_mask_ignores_padded_steps():
    tn.manual_seed(0)
    disc = HiddenDiscriminator(4, width=3, kind="mlp")
    h = tn.randn(2, 5, 4)
    mask = tn.tensor([[True] * 3 + [False] * 2, [True] * 5])
    changed = h.clone()
    changed[0, 3:] = 100.0  # the padding of the first sequence
    with tn.no_grad():
        np.testing.assert_allclose(disc(h, mask).numpy(), disc(changed, mask).numpy())
        assert not np.allclose(disc(h).numpy(), disc(changed).numpy())


def test_frozen_restores_the_flags():
    layer = tn.nn.Linear(2, 2)
    layer.bias.requires_grad_(False)
    with frozen(layer):
        assert not layer.weight.requires_grad
    assert layer.weight.requires_grad and not layer.bias.requires_grad


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="kind must be 'gru' or 'mlp'"):
        HiddenDiscriminator(4, kind="cnn")
    with pytest.raises(TypeError, match="discriminator must be a Module"):
        ProfessorForcing(lambda h: h)
    with pytest.raises(ValueError, match="fool_weight must be a non-negative"):
        ProfessorForcing(HiddenDiscriminator(4), fool_weight=-1)
    with pytest.raises(ValueError, match="fool_above must be a number in"):
        ProfessorForcing(HiddenDiscriminator(4), fool_above=1.5)
    with pytest.raises(ValueError, match="discriminator_below must be a number in"):
        ProfessorForcing(HiddenDiscriminator(4), discriminator_below=-0.1)
    with pytest.raises(ValueError, match="momentum must be below 1"):
        ProfessorForcing(HiddenDiscriminator(4), momentum=1)
    with pytest.raises(ValueError, match="hiddens must be"):
        HiddenDiscriminator(4)(tn.zeros(2, 4))
