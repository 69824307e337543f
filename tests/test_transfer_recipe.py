"""The transfer-learning recipe (``tinynet train transfer``) in a short form: the two tasks do
not share a class or an image, few-shot subsets are nested, the three ways start from what
they say (a fresh CNN, frozen pretrained features, everything at a smaller rate), and a run
writes its table, curves and Markdown page."""

import json

import numpy as np
import pytest

import tinynet as tn
from tinynet.models import MODELS, build_cnn, build_transfer
from tinynet.recipes import RECIPES, measure, train
from tinynet.recipes import transfer as recipe


def test_the_tasks_split_the_digits_by_class_without_sharing_an_image():
    tasks = recipe.digits_tasks()
    (source, source_labels), (source_test, _) = tasks["source"]
    (target, target_labels), (target_test, target_test_labels) = tasks["target"]
    assert set(source_labels) == set(target_labels) == set(target_test_labels) == set(range(5))
    assert len(source) + len(target) == 1438 and len(source_test) + len(target_test) == 359
    flat = {image.tobytes() for image in target_test}
    assert not any(image.tobytes() in flat for image in target)


def test_few_shot_subsets_are_balanced_nested_and_seeded():
    (images, labels), _ = recipe.digits_tasks()["target"]
    five, five_labels = recipe.few_shot(images, labels, 5, seed=0)
    twenty, _ = recipe.few_shot(images, labels, 20, seed=0)
    assert np.bincount(five_labels).tolist() == [5] * 5 and len(twenty) == 100
    inside = {image.tobytes() for image in twenty}
    assert all(image.tobytes() in inside for image in five)
    other, _ = recipe.few_shot(images, labels, 5, seed=1)
    assert not np.array_equal(other, five)
    with pytest.raises(ValueError, match="fewer than 1000 shots"):
        recipe.few_shot(images, labels, 1000, seed=0)


def test_the_three_ways_train_what_they_say():
    tn.manual_seed(0)
    pretrained = build_cnn((1, 8, 8), 5)
    state = {k: v.detach().numpy().copy() for k, v in pretrained.state_dict().items()}
    models = {method: recipe.prepare(method, build_cnn, state, seed=3, lr=1e-2,
                                     fine_tune_factor=10.0) for method in recipe.METHODS}
    scratch, frozen, fine = (models[m][0] for m in recipe.METHODS)
    assert not np.array_equal(scratch[0].weight.detach().numpy(), state["0.weight"])
    for model in (frozen, fine):
        np.testing.assert_array_equal(model[0].weight.detach().numpy(), state["0.weight"])
        assert model[15].out_features == 5 and model[15] is not pretrained[15]
        assert not np.array_equal(model[13].weight.detach().numpy(), state["13.weight"])
    # the new classifiers of frozen and fine-tune start equal (same seed)
    for index in (13, 15):
        np.testing.assert_array_equal(frozen[index].weight.detach().numpy(),
                                      fine[index].weight.detach().numpy())
    assert [p.requires_grad for p in frozen.parameters()].count(True) == 4
    assert all(p.requires_grad for p in fine.parameters())
    rates = [group["lr"] for group in models["fine-tune"][1].param_groups]
    assert rates == [1e-3, 1e-2]
    # a step of frozen adaptation leaves the features and their batch-norm statistics alone
    (images, labels), test = recipe.digits_tasks()["target"]
    recipe.adapt(frozen, models["frozen"][1], (images[:10], labels[:10]), test, seed=0,
                 steps=2, batch_size=5)
    for name, value in frozen.state_dict().items():
        if not name.startswith(("13.", "15.")):
            np.testing.assert_array_equal(value.detach().numpy(), state[name])


def test_the_builder_checks_the_study_settings():
    assert isinstance(MODELS["transfer"]((1, 8, 8), 5), tn.nn.Module)
    with pytest.raises(ValueError, match="shots"):
        build_transfer((1, 8, 8), 5, shots=(0,))
    with pytest.raises(ValueError, match="repeats"):
        build_transfer((1, 8, 8), 5, repeats=0)
    with pytest.raises(ValueError, match="fine_tune_factor"):
        build_transfer((1, 8, 8), 5, fine_tune_factor=0.5)


def test_a_short_run_writes_the_table_the_curves_and_the_page(tmp_path):
    assert RECIPES["transfer"].dataset == "digits"
    args = {"shots": (5, 20), "repeats": 2, "steps": 10, "channels": (4, 8)}
    summary = measure("transfer", [0], epochs=1, model_args=args, out=tmp_path / "run",
                      markdown=tmp_path / "page.md", command="tinynet train transfer",
                      verbose=False)
    metrics = json.loads((tmp_path / "run" / "seed-0" / "metrics.json").read_text())
    assert metrics["seeds"] == [0, 1] and metrics["shots"] == [5, 20]
    assert len(metrics["runs"]) == 2 * 2 * 3
    for method in recipe.METHODS:
        for shots in ("5", "20"):
            entry = metrics["accuracy"][method][shots]
            values = [r["accuracy"] for r in metrics["runs"]
                      if r["method"] == method and str(r["shots"]) == shots]
            assert entry["mean"] == pytest.approx(np.mean(values))
            assert entry["std"] == pytest.approx(np.std(values))
            assert 0 <= entry["min"] <= entry["max"] <= 1
    assert all(len(r["curve"]) == 11 and r["curve"][-1][0] == 10 for r in metrics["runs"])
    assert summary["runs"][0]["fine_tune_accuracy_fewest_shots"] == \
        metrics["accuracy"]["fine-tune"]["5"]["mean"]
    assert (tmp_path / "run" / "seed-0" / "learning-curves.png").exists()
    page = (tmp_path / "page.md").read_text()
    assert "| images per class | scratch | frozen | fine-tune |" in page
    assert (tmp_path / "page-seed0-learning-curves.png").exists()


def test_the_recipe_runs_on_digits_only(tmp_path):
    with pytest.raises(ValueError, match="unknown dataset 'moons' for transfer"):
        train("transfer", "moons", out=tmp_path, verbose=False)


def test_the_early_table_reads_the_first_point_of_the_curves():
    runs = [{"method": m, "shots": 5, "seed": s, "accuracy": 0.9,
             "curve": [(0, 0.2), (3, 0.1 * s + (m == "frozen") * 0.3), (30, 0.9)]}
            for m in recipe.METHODS for s in (0, 1)]
    early = recipe.summarize(runs, [5], point=1)
    assert early["frozen"]["5"] == pytest.approx({"mean": 0.35, "std": 0.05, "min": 0.3,
                                                  "max": 0.4})
    assert early["scratch"]["5"]["mean"] == pytest.approx(0.05)
    metrics = {"shots": [5], "accuracy": recipe.summarize(runs, [5]), "accuracy_early": early,
               "early_step": 3}
    assert recipe.gains(metrics) == ("Transfer gain over training from scratch, in accuracy "
                                     "points: 5 per class: +0.0 (fine-tune), +0.0 (frozen) at "
                                     "the end; +0.0 and +30.0 after 3 steps.")
