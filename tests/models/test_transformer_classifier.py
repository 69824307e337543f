"""The Transformer encoder classifier of signals (tinynet.models.transformer_classifier) and its
recipe (tinynet train transformer) in a short form."""

import numpy as np
import pytest

import tinynet as tn
from tinynet.errors import ArgumentError
from tinynet.models import MODELS, TransformerClassifier
from tinynet.nn import functional as F
from tinynet.recipes import train


@pytest.mark.parametrize("pooling", ["cls", "mean"])
def test_shapes_and_parameters(pooling):
    tn.manual_seed(0)
    model = TransformerClassifier(2, 12, 5, patch_size=3, d_model=8, nhead=2, num_layers=1,
                                  dim_feedforward=16, pooling=pooling)
    assert model(tn.randn(4, 2, 12)).shape == (4, 5)
    names = dict(model.named_parameters())
    assert ("cls_token" in names) == (pooling == "cls")
    assert names["pos_emb"].shape == (1, 4 + (pooling == "cls"), 8)
    assert names["embed.weight"].shape == (8, 6)


def test_a_patch_holds_consecutive_steps_of_every_channel():
    tn.manual_seed(0)
    model = TransformerClassifier(2, 8, 3, patch_size=4, d_model=8, nhead=2, num_layers=1,
                                  pooling="mean").eval()
    x = tn.randn(1, 2, 8)
    changed = x.detach().numpy().copy()
    changed[0, 1, 5] += 1.0                     # channel 1, step 5: the second patch only
    with tn.no_grad():
        tokens = model.embed(x.reshape(1, 2, 2, 4).permute(0, 2, 1, 3).reshape(1, 2, 8))
        other = model.embed(tn.tensor(changed).reshape(1, 2, 2, 4).permute(0, 2, 1, 3)
                            .reshape(1, 2, 8))
    assert np.allclose(tokens[0, 0].numpy(), other[0, 0].numpy())
    assert not np.allclose(tokens[0, 1].numpy(), other[0, 1].numpy())


def test_it_learns_a_separable_task():
    tn.manual_seed(0)
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 64)
    x = rng.normal(size=(64, 1, 8)) * 0.3
    x[:, 0, :4] += np.where(labels == 1, 1.0, -1.0)[:, None]
    x, y = tn.tensor(x, dtype=tn.float32), tn.tensor(labels, dtype=tn.int64)
    model = TransformerClassifier(1, 8, 2, patch_size=2, d_model=16, nhead=2, num_layers=1)
    optimizer = tn.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(40):
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert (model(x).argmax(-1) == y).float().mean().item() > 0.95


def test_bad_arguments_and_inputs():
    with pytest.raises(ArgumentError, match="must divide"):
        TransformerClassifier(1, 40, 10, patch_size=3)
    with pytest.raises(ArgumentError, match="pooling"):
        TransformerClassifier(1, 40, 10, pooling="max")
    with pytest.raises(ArgumentError, match="divisible by nhead"):
        TransformerClassifier(1, 40, 10, d_model=10, nhead=4)
    with pytest.raises(ArgumentError, match=r"expected signals \(batch, 1, 40\)"):
        TransformerClassifier(1, 40, 10)(tn.randn(2, 40))
    with pytest.raises(ValueError, match="needs \\(C, L\\) signals"):
        MODELS["transformer"]((40,), 10)


def test_the_recipe_on_mnist1d(tmp_path):
    pytest.importorskip("mnist1d")
    metrics = train("transformer", "mnist1d", epochs=1, batch_size=256,
                    model_args={"d_model": 16, "num_layers": 1, "dim_feedforward": 32},
                    out=tmp_path, verbose=False)
    assert 0.1 < metrics["test_accuracy"] <= 1.0
