"""tinynet.summary: torchinfo's table for a tinynet model (counts, frozen layers, shapes, sizes),
compared line by line with torchinfo on the same PyTorch model where both are installed."""

import pytest

import tinynet as tn
from tinynet import nn


def small_cnn(module=nn):
    return module.Sequential(
        module.Conv2d(1, 4, 3, padding=1), module.ReLU(), module.MaxPool2d(2),
        module.Sequential(module.Flatten(), module.Linear(4 * 4 * 4, 10)))


def test_counts_are_the_sum_of_numel_and_a_frozen_layer_is_non_trainable():
    model = small_cnn()
    model[0].requires_grad_(False)
    stats = tn.summary(model, input_size=(2, 1, 8, 8), verbose=0)
    assert stats.total_params == sum(p.numel() for p in model.parameters()) == 690
    assert stats.trainable_params == sum(p.numel() for p in model[3].parameters()) == 650
    text = str(stats)
    assert "Total params: 690\nTrainable params: 650\nNon-trainable params: 40\n" in text
    rows = {info.var_name: info for info in stats.summary_list}
    assert rows["0"].trainable == "False" and rows["3.1"].trainable == "True"
    assert rows[""].trainable == "Partial" and rows["1"].trainable == "--"
    assert "├─Conv2d: 1-1" in text and "(40)" in text  # frozen counts in parentheses


def test_output_shapes_of_a_cnn_and_the_layer_names_in_the_table():
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.AdaptiveAvgPool2d(1),
                          nn.Flatten(), nn.Linear(16, 5))
    stats = tn.summary(model, input_size=(4, 3, 14, 14), verbose=0,
                       col_names=("input_size", "output_size", "num_params", "kernel_size"))
    shapes = [info.output_size for info in stats.summary_list]
    assert shapes == [[4, 5], [4, 8, 12, 12], [4, 8, 12, 12], [4, 8, 12, 12], [4, 8, 6, 6],
                      [4, 16, 3, 3], [4, 16, 1, 1], [4, 16], [4, 5]]
    assert stats.summary_list[1].input_size == [4, 3, 14, 14]
    text = str(stats)
    for name in ("├─Conv2d: 1-1", "├─BatchNorm2d: 1-2", "├─AdaptiveAvgPool2d: 1-6",
                 "├─Linear: 1-8", "[4, 16, 3, 3]", "[3, 3]", "Input Shape", "Kernel Shape"):
        assert name in text
    assert stats.total_params == sum(p.numel() for p in model.parameters())
    assert stats.total_input == 4 * 3 * 14 * 14 * 4  # float32 bytes
    assert "Input size (MB): 0.01\n" in text


def test_depth_limits_the_rows_and_a_row_at_the_limit_counts_its_subtree():
    model = nn.Sequential(nn.Linear(3, 4), nn.Sequential(nn.Linear(4, 4), nn.Tanh(),
                                                         nn.Sequential(nn.Linear(4, 2))))
    deep = str(tn.summary(model, input_size=(1, 3), verbose=0))
    assert "│    │    └─Linear: 3-1" in deep
    shallow = str(tn.summary(model, input_size=(1, 3), depth=1, verbose=0))
    assert "Linear: 2-1" not in shallow
    assert "├─Sequential: 1-2" in shallow and f"{20 + 10:,}" in shallow.split("1-2")[1][:60]


def test_without_an_input_there_is_no_pass_and_no_sizes():
    stats = tn.summary(small_cnn(), verbose=0)
    text = str(stats)
    assert "Output Shape" not in text and "Estimated Total Size" not in text
    assert all(info.output_size == [] for info in stats.summary_list)
    assert stats.total_params == 690


def test_the_model_mode_and_the_global_random_state_are_left_alone():
    model = small_cnn()
    model.train()
    seen = []
    model[1].register_forward_hook(lambda module, inputs, output: seen.append(module.training))
    tn.manual_seed(3)
    expected = tn.rand(3)
    tn.manual_seed(3)
    tn.summary(model, input_size=(1, 1, 8, 8), verbose=0)
    assert tn.rand(3).tolist() == expected.tolist()
    assert seen == [False] and model.training
    tn.summary(model, input_size=(1, 1, 8, 8), verbose=0, mode="train")
    assert seen == [False, True] and model.training


def test_several_inputs_dtypes_and_input_data():
    class Pair(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(10, 3)
            self.proj = nn.Linear(3, 2)

        def forward(self, tokens, scale):
            return self.proj(self.embed(tokens)) * scale

    stats = tn.summary(Pair(), input_size=[(2, 5), (1,)], dtypes=[tn.long, tn.float32],
                       verbose=0)
    assert [info.output_size for info in stats.summary_list] == [[2, 5, 2], [2, 5, 3], [2, 5, 2]]
    stats = tn.summary(Pair(), input_data=[tn.zeros(1, 4, dtype=tn.long), tn.ones(1)], verbose=0)
    assert stats.summary_list[0].output_size == [1, 4, 2]
    stats = tn.summary(nn.Linear(3, 2), input_data=tn.ones(6, 3), verbose=0)
    assert stats.summary_list[0].output_size == [6, 2] and stats.total_input == 6 * 3 * 4


def test_verbose_prints_the_table(capsys):
    stats = tn.summary(small_cnn(), input_size=(1, 1, 8, 8), verbose=1)
    assert capsys.readouterr().out == str(stats) + "\n"
    tn.summary(small_cnn(), input_size=(1, 1, 8, 8), verbose=0)
    assert capsys.readouterr().out == ""


def test_bad_arguments_are_refused_by_name():
    model = small_cnn()
    with pytest.raises(TypeError, match="tinynet.nn.Module"):
        tn.summary(lambda x: x, input_size=(1, 3))
    with pytest.raises(ValueError, match="unknown column 'shape'"):
        tn.summary(model, input_size=(1, 1, 8, 8), col_names=("shape",), verbose=0)
    with pytest.raises(ValueError, match="not both"):
        tn.summary(model, input_size=(1, 1, 8, 8), input_data=tn.ones(1, 1, 8, 8), verbose=0)
    with pytest.raises(ValueError, match="positive ints"):
        tn.summary(model, input_size=(1, 0, 8, 8), verbose=0)
    with pytest.raises(ValueError, match="depth"):
        tn.summary(model, depth=-1, verbose=0)
    with pytest.raises(ValueError, match="unknown row setting"):
        tn.summary(model, row_settings=("colour",), verbose=0)
    with pytest.raises(ValueError, match="CPU only"):
        tn.summary(model, device="cuda", verbose=0)
    with pytest.raises(RuntimeError, match=r"forward pass failed: .*\['Conv2d: 0', 'ReLU: 1'"):
        tn.summary(model, input_size=(1, 1, 6, 6), verbose=0)  # 4x3x3 into Linear(64, 10)
    with pytest.raises(ValueError, match="2 dtypes for 1 inputs"):
        tn.summary(model, input_size=(1, 1, 8, 8), dtypes=[tn.float32, tn.float32], verbose=0)


# Against torchinfo --------------------------------------------------------------------------
def _copy_model(torch_module, model):
    import torch

    with torch.no_grad():
        for (name, p), (_, q) in zip(model.named_parameters(), torch_module.named_parameters()):
            q.copy_(torch.from_numpy(p.detach().numpy()))
            q.requires_grad_(p.requires_grad)


@pytest.mark.parametrize("columns", [None, ("input_size", "output_size", "num_params",
                                            "params_percent", "kernel_size", "trainable")])
@pytest.mark.parametrize("depth", [1, 3])
def test_the_table_matches_torchinfo(columns, depth):
    torch = pytest.importorskip("torch")
    torchinfo = pytest.importorskip("torchinfo")
    model, reference = small_cnn(), small_cnn(torch.nn)
    model[0].requires_grad_(False)
    _copy_model(reference, model)
    ours = str(tn.summary(model, input_size=(2, 1, 8, 8), col_names=columns, depth=depth,
                          verbose=0))
    theirs = str(torchinfo.summary(reference, input_size=(2, 1, 8, 8), col_names=columns,
                                   depth=depth, verbose=0))
    # every line but the mult-adds one, whose unit torchinfo prints as its enum's name
    def lines(text):
        return [line for line in text.splitlines() if not line.startswith("Total mult-adds")]

    assert lines(ours) == lines(theirs)
    assert "Total mult-adds (M): 0.01" in ours


def test_totals_and_mult_adds_match_torchinfo_on_a_recurrent_and_a_wide_model():
    torch = pytest.importorskip("torch")
    torchinfo = pytest.importorskip("torchinfo")
    for build, size in [(lambda m: m.Sequential(m.Linear(300, 512), m.ReLU(), m.Linear(512, 300),
                                                m.LayerNorm(300)), (64, 300)),
                        (lambda m: m.LSTM(6, 8, num_layers=2, batch_first=True), (3, 5, 6))]:
        ours = tn.summary(build(nn), input_size=size, verbose=0)
        theirs = torchinfo.summary(build(torch.nn), input_size=size, verbose=0)
        assert (ours.total_params, ours.trainable_params) == (theirs.total_params,
                                                               theirs.trainable_params)
        assert ours.total_mult_adds == theirs.total_mult_adds
        assert ours.total_output_bytes == theirs.total_output_bytes
        assert ours.total_param_bytes == theirs.total_param_bytes


def test_the_signature_is_torchinfos():
    import inspect

    torchinfo = pytest.importorskip("torchinfo")
    ours = inspect.signature(tn.summary).parameters.values()
    theirs = inspect.signature(torchinfo.summary).parameters.values()
    assert [(p.name, p.kind, p.default) for p in ours] == [
        (p.name, p.kind, p.default) for p in theirs]
