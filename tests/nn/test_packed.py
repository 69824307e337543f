"""nn.utils.rnn: packing and padding variable-length sequences (PyTorch's documented examples and
against torch where installed), round trips, gradients (padded positions get none), bad input;
and the packed step loop that recurrent layers run (against torch.nn.RNN on packed input)."""

import inspect

import numpy as np
import pytest

import tinynet as tn
from tinynet.nn.utils import rnn
from tinynet.nn.utils._packed_steps import (
    last_step_rows,
    packed_like,
    packed_steps,
    run_packed,
    sort_batch,
    unsort_batch,
)
from tinynet.nn.utils.rnn import (
    PackedSequence,
    invert_permutation,
    pack_padded_sequence,
    pack_sequence,
    pad_packed_sequence,
    pad_sequence,
    unpack_sequence,
    unpad_sequence,
)

NAMES = ["pack_padded_sequence", "pad_packed_sequence", "pack_sequence", "pad_sequence",
         "unpad_sequence", "unpack_sequence", "invert_permutation"]


def padded(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# PyTorch's documented examples ------------------------------------------------------------------
def test_pack_sequence_example_from_the_documentation():
    packed = pack_sequence([tn.tensor([1, 2, 3]), tn.tensor([4, 5]), tn.tensor([6])])
    assert packed.data.tolist() == [1, 4, 6, 2, 5, 3]
    assert packed.batch_sizes.tolist() == [3, 2, 1] and packed.batch_sizes.dtype == tn.int64
    assert packed.sorted_indices is None and packed.unsorted_indices is None
    assert [s.tolist() for s in unpack_sequence(packed)] == [[1, 2, 3], [4, 5], [6]]


def test_pad_packed_sequence_example_from_the_documentation():
    seq = tn.tensor([[1, 2, 0], [3, 0, 0], [4, 5, 6]])
    packed = pack_padded_sequence(seq, [2, 1, 3], batch_first=True, enforce_sorted=False)
    assert packed.data.tolist() == [4, 1, 3, 5, 2, 6]
    assert packed.batch_sizes.tolist() == [3, 2, 1]
    assert packed.sorted_indices.tolist() == [2, 0, 1]
    assert packed.unsorted_indices.tolist() == [1, 2, 0]
    unpacked, lengths = pad_packed_sequence(packed, batch_first=True)
    assert unpacked.tolist() == seq.tolist() and lengths.tolist() == [2, 1, 3]


def test_pad_sequence_shapes_from_the_documentation():
    a, b, c = tn.ones(25, 3), tn.ones(22, 3), tn.ones(15, 3)
    assert tuple(pad_sequence([a, b, c]).shape) == (25, 3, 3)
    assert tuple(pad_sequence([a, b, c], batch_first=True).shape) == (3, 25, 3)
    back = unpad_sequence(pad_sequence([a, b, c]), tn.tensor([25, 22, 15]))
    assert [tuple(s.shape) for s in back] == [(25, 3), (22, 3), (15, 3)]


# Layout, round trips, options --------------------------------------------------------------
def test_packed_data_is_time_major_over_the_sorted_batch():
    x = tn.tensor(np.arange(12.0).reshape(4, 3))  # x[t, b] = 3t + b
    packed = pack_padded_sequence(x, [4, 2, 1])
    assert packed.data.tolist() == [0, 1, 2, 3, 4, 6, 9]
    assert packed.batch_sizes.tolist() == [3, 2, 1, 1]


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths", [[4, 2, 2, 1], [1, 3, 2, 3], [3]])
def test_pad_then_pack_then_pad_is_the_identity_on_the_sequences(batch_first, lengths):
    steps, batch = max(lengths), len(lengths)
    array = padded((batch, steps, 2) if batch_first else (steps, batch, 2))
    for b, length in enumerate(lengths):  # the padding written as 0, as pad_packed returns it
        (array[b, length:] if batch_first else array[length:, b])[...] = 0.0
    x = tn.tensor(array)
    enforce = lengths == sorted(lengths, reverse=True)
    packed = pack_padded_sequence(x, lengths, batch_first, enforce_sorted=enforce)
    back, back_lengths = pad_packed_sequence(packed, batch_first)
    np.testing.assert_array_equal(back.numpy(), array)
    assert back_lengths.tolist() == lengths and back_lengths.dtype == tn.int64


def test_padding_value_and_total_length():
    packed = pack_sequence([tn.tensor([1.0, 2.0]), tn.tensor([3.0])])
    out, lengths = pad_packed_sequence(packed, batch_first=True, padding_value=-1.0,
                                       total_length=4)
    assert out.tolist() == [[1, 2, -1, -1], [3, -1, -1, -1]] and lengths.tolist() == [2, 1]
    with pytest.raises(ValueError, match="total_length=1"):
        pad_packed_sequence(packed, total_length=1)


def test_pad_sequence_left_and_right_with_a_tensor_of_sequences():
    sequences = [tn.tensor([1.0]), tn.tensor([2.0, 3.0, 4.0])]
    assert pad_sequence(sequences, True, 9.0).tolist() == [[1, 9, 9], [2, 3, 4]]
    assert pad_sequence(sequences, True, 9.0, "left").tolist() == [[9, 9, 1], [2, 3, 4]]
    assert pad_sequence(tn.tensor([[1.0, 2.0], [3.0, 4.0]])).tolist() == [[1, 3], [2, 4]]


def test_equal_lengths_keep_their_order_when_sorting():
    packed = pack_sequence([tn.tensor([1]), tn.tensor([2, 2]), tn.tensor([3]), tn.tensor([4, 4])],
                           enforce_sorted=False)
    assert packed.sorted_indices.tolist() == [1, 3, 0, 2]
    assert [s.tolist() for s in unpack_sequence(packed)] == [[1], [2, 2], [3], [4, 4]]


def test_lengths_as_a_tensor_list_or_array_and_the_unpadded_input_untouched():
    x = tn.tensor(padded((3, 2)))
    for lengths in ([3, 1], (3, 1), np.array([3, 1]), tn.tensor([3, 1])):
        assert pack_padded_sequence(x, lengths).batch_sizes.tolist() == [2, 1, 1]
    before = x.numpy().copy()
    unpad_sequence(x, tn.tensor([3, 1]))
    assert tuple(x.shape) == (3, 2) and np.array_equal(x.numpy(), before)


def test_invert_permutation():
    assert invert_permutation(None) is None
    assert invert_permutation(tn.tensor([2, 0, 1])).tolist() == [1, 2, 0]
    with pytest.raises(RuntimeError, match="permutation of 0..2"):
        invert_permutation(tn.tensor([0, 0, 1]))


def test_packed_sequence_is_a_tuple_with_casts_and_no_device_but_the_cpu():
    packed = pack_sequence([tn.tensor([1.0, 2.0]), tn.tensor([3.0])])
    data, batch_sizes, _, _ = packed
    assert packed._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
    assert packed.double().data.dtype == tn.float64 and packed.long().data.dtype == tn.int64
    assert packed.double().batch_sizes is batch_sizes
    assert packed.float() is packed and packed.to(tn.float32) is packed and packed.cpu() is packed
    assert packed.is_cuda is False and packed.is_pinned() is False
    with pytest.raises(RuntimeError, match="CPU only"):
        packed.cuda()
    rebuilt = PackedSequence((data, [2, 1]))
    assert rebuilt.batch_sizes.tolist() == [2, 1] and rebuilt.unsorted_indices is None
    assert PackedSequence(data, batch_sizes, tn.tensor([1, 0])).unsorted_indices.tolist() == [1, 0]
    assert repr(packed).startswith("PackedSequence(data=tensor([1., 3., 2.]), batch_sizes=")


# Gradients --------------------------------------------------------------------------------
def test_padded_positions_get_no_gradient():
    x = tn.tensor(padded((3, 2, 2)), requires_grad=True)
    packed = pack_padded_sequence(x, [1, 3], enforce_sorted=False)
    packed.data.sum().backward()
    mask = np.zeros((3, 2, 2))
    mask[:1, 0], mask[:3, 1] = 1, 1
    np.testing.assert_array_equal(x.grad.numpy(), mask)


def test_the_padding_of_pad_packed_sequence_passes_no_gradient_back():
    data = tn.tensor(padded((3, 2)), requires_grad=True)
    packed = PackedSequence(data, [2, 1], tn.tensor([1, 0]))
    out, _ = pad_packed_sequence(packed, padding_value=5.0, total_length=3)
    (out * tn.tensor(padded((3, 2, 2), 1))).sum().backward()
    weights = padded((3, 2, 2), 1)
    np.testing.assert_allclose(data.grad.numpy(), [weights[0, 1], weights[0, 0], weights[1, 1]])


# Bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize("lengths, error, message", [
    ([2, 3, 1], RuntimeError, "must be sorted in decreasing order when `enforce_sorted` is True"),
    ([5, 3, 1], RuntimeError, "longer than the padded sequences"),
    ([3, 2, 0], RuntimeError, "greater than 0"),
    ([3, 2], RuntimeError, r"len\(lengths\)"),
    ([[3, 2, 1]], RuntimeError, "1-D"),
])
def test_bad_lengths_are_refused(lengths, error, message):
    with pytest.raises(error, match=message):
        pack_padded_sequence(tn.tensor(padded((4, 3, 2))), lengths)


def test_empty_batches_and_inputs_without_a_batch_dim_are_refused():
    with pytest.raises(RuntimeError, match="Cannot pack empty tensors"):
        pack_padded_sequence(tn.zeros(4, 0, 2), [])
    with pytest.raises(RuntimeError, match="at least 2 dims"):
        pack_padded_sequence(tn.zeros(4), [4])
    with pytest.raises(RuntimeError, match="empty list of sequences"):
        pack_sequence([])
    with pytest.raises(RuntimeError, match="greater than 0"):
        pack_sequence([tn.ones(2), tn.ones(0)])


def test_bad_sequences_for_pad_sequence_are_refused():
    with pytest.raises(RuntimeError, match="empty list"):
        pad_sequence([])
    with pytest.raises(RuntimeError, match=r"sequence 1 has shape \[3, 2\]"):
        pad_sequence([tn.ones(2, 3), tn.ones(3, 2)])
    with pytest.raises(RuntimeError, match="left or right"):
        pad_sequence([tn.ones(2)], padding_side="middle")
    with pytest.raises(RuntimeError, match="0-dim"):
        pad_sequence([tn.tensor(1.0)])
    with pytest.raises(RuntimeError, match="Expected iterable"):
        pad_sequence(5)
    with pytest.raises(RuntimeError, match="between 0 and the padded length 2"):
        unpad_sequence(tn.ones(2, 2), [3, 1])


def test_inconsistent_packed_sequences_are_refused():
    with pytest.raises(RuntimeError, match="needs 3 rows of data"):
        pad_packed_sequence(PackedSequence(tn.ones(4), [2, 1]))
    with pytest.raises(RuntimeError, match="non-increasing"):
        pad_packed_sequence(PackedSequence(tn.ones(3), [1, 2]))
    with pytest.raises(RuntimeError, match="expected a PackedSequence"):
        pad_packed_sequence(tn.ones(3))


# The step loop of recurrent layers ----------------------------------------------------------
def test_packed_steps_are_the_rows_of_each_step():
    packed = pack_sequence([tn.tensor([1, 2, 3]), tn.tensor([4, 5]), tn.tensor([6])])
    steps = packed_steps(packed.data, packed.batch_sizes)
    assert [(x.tolist(), n) for x, n in steps] == [([1, 4, 6], 3), ([2, 5], 2), ([3], 1)]
    assert last_step_rows(packed.batch_sizes).tolist() == [5, 4, 2]


@pytest.mark.parametrize("reverse", [False, True])
def test_the_loop_sees_each_sequence_alone_and_ends_it_at_its_own_last_step(reverse):
    # a running sum: the final state of each sequence is its own sum, whichever direction
    sequences = [[1.0, 2.0], [10.0, 20.0, 30.0], [100.0]]
    packed = pack_sequence([tn.tensor(s)[:, None] for s in sequences], enforce_sorted=False)
    seen = []

    def cell(x, h):
        seen.append(x.shape[0])
        return h + x, h + x

    h0 = tn.zeros(3, 1)
    output, h_n = run_packed(cell, packed.data, packed.batch_sizes, h0, reverse=reverse)
    assert seen == ([1, 2, 3] if reverse else [3, 2, 1])
    assert unsort_batch(h_n, packed).numpy().ravel().tolist() == [3.0, 60.0, 100.0]
    partial = [np.cumsum(s[::-1])[::-1] if reverse else np.cumsum(s) for s in sequences]
    got = unpack_sequence(packed_like(output, packed))
    assert [s.numpy().ravel().tolist() for s in got] == [p.tolist() for p in partial]


def test_the_loop_refuses_a_state_of_the_wrong_batch():
    packed = pack_sequence([tn.ones(2, 1), tn.ones(1, 1)])
    with pytest.raises(RuntimeError, match="the state has 3 rows"):
        run_packed(lambda x, h: (h, h), packed.data, packed.batch_sizes, tn.zeros(3, 1))


@pytest.mark.torch
@pytest.mark.parametrize("name", NAMES + ["PackedSequence"])
def test_signature_matches_torch(name):
    torch = pytest.importorskip("torch")

    def described(function):
        return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]

    assert described(getattr(rnn, name)) == described(getattr(torch.nn.utils.rnn, name))
    assert set(rnn.__all__) == set(torch.nn.utils.rnn.__all__)


@pytest.mark.torch
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted, lengths", [(True, [5, 3, 3, 1]), (False, [2, 5, 1, 4])])
def test_pack_and_pad_agree_with_torch_with_gradients(batch_first, enforce_sorted, lengths):
    torch = pytest.importorskip("torch")
    from torch.nn.utils import rnn as trnn

    shape = (4, 5, 3) if batch_first else (5, 4, 3)
    array, weights = padded(shape), padded((sum(lengths), 3), 1)
    x, tx = tn.tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True)
    packed = pack_padded_sequence(x, tn.tensor(lengths), batch_first, enforce_sorted)
    tpacked = trnn.pack_padded_sequence(tx, torch.tensor(lengths), batch_first, enforce_sorted)
    np.testing.assert_array_equal(packed.data.detach().numpy(), tpacked.data.detach().numpy())
    for mine, theirs in zip(packed[1:], tpacked[1:]):
        assert (mine is None and theirs is None) or mine.tolist() == theirs.tolist()
    (packed.data * tn.tensor(weights)).sum().backward()
    (tpacked.data * torch.tensor(weights)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    out, out_lengths = pad_packed_sequence(packed, batch_first, -2.0, 6)
    tout, tout_lengths = trnn.pad_packed_sequence(tpacked, batch_first, -2.0, 6)
    np.testing.assert_array_equal(out.detach().numpy(), tout.detach().numpy())
    assert out_lengths.tolist() == tout_lengths.tolist()


@pytest.mark.torch
@pytest.mark.parametrize("padding_side", ["left", "right"])
def test_pad_sequence_agrees_with_torch(padding_side):
    torch = pytest.importorskip("torch")
    arrays = [padded((n, 2), n) for n in (2, 0, 4)]
    mine = pad_sequence([tn.tensor(a) for a in arrays], True, 0.5, padding_side)
    theirs = torch.nn.utils.rnn.pad_sequence([torch.tensor(a) for a in arrays], True, 0.5,
                                             padding_side)
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


@pytest.mark.torch
@pytest.mark.parametrize("bidirectional", [False, True])
def test_a_tanh_rnn_over_the_packed_loop_matches_torch_rnn_on_packed_input(bidirectional):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    layer = torch.nn.RNN(3, 2, bidirectional=bidirectional).double()
    lengths, directions = [3, 5, 1, 3], 2 if bidirectional else 1
    x, h0 = padded((5, 4, 3)), padded((directions, 4, 2), 1)
    tx = torch.tensor(x, requires_grad=True)
    tout, th = layer(torch.nn.utils.rnn.pack_padded_sequence(tx, lengths, enforce_sorted=False),
                     torch.tensor(h0))
    weights = {k: tn.tensor(v.detach().numpy()) for k, v in layer.state_dict().items()}
    xs = tn.tensor(x, requires_grad=True)
    packed = pack_padded_sequence(xs, lengths, enforce_sorted=False)
    h_sorted = sort_batch(tn.tensor(h0), packed, dim=1)
    outputs, finals = [], []
    for direction in range(directions):
        suffix = "_reverse" if direction else ""

        def cell(x_t, h, s=suffix):
            h = tn.tanh(x_t @ weights["weight_ih_l0" + s].T + weights["bias_ih_l0" + s]
                        + h @ weights["weight_hh_l0" + s].T + weights["bias_hh_l0" + s])
            return h, h
        out, h_n = run_packed(cell, packed.data, packed.batch_sizes, h_sorted[direction],
                              reverse=bool(direction))
        outputs.append(out)
        finals.append(h_n)
    output = packed_like(tn.cat(outputs, dim=-1), packed)
    h_n = unsort_batch(tn.stack(finals), packed, dim=1)
    np.testing.assert_allclose(output.data.detach().numpy(), tout.data.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(h_n.detach().numpy(), th.detach().numpy(), atol=1e-12)
    weights_out = padded(tuple(tout.data.shape), 2)
    ((output.data * tn.tensor(weights_out)).sum() + h_n.sum()).backward()
    ((tout.data * torch.tensor(weights_out)).sum() + th.sum()).backward()
    np.testing.assert_allclose(xs.grad.numpy(), tx.grad.numpy(), atol=1e-12)
