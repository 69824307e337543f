"""The margin, ranking, Poisson/Gaussian and triplet losses and the distance functions: values
and gradients against PyTorch (float64) for every reduction, the modules against the functions,
PyTorch's signatures, the legacy size_average/reduce arguments, and errors for bad input."""

import inspect
import warnings

import numpy as np
import pytest

import tinynet as tn
import tinynet.nn.functional as F
from tinynet import nn

RNG = np.random.default_rng(3)
X1, X2, X3 = (RNG.standard_normal((4, 5)) for _ in range(3))
SIGNS = RNG.choice([-1.0, 1.0], 4)
SIGN_GRID = RNG.choice([-1.0, 1.0], (4, 5))
LABELS = np.array([0, 4, 2, 2])
MULTILABELS = np.array([[3, 0, -1, 1, 2], [1, 1, 4, -1, -1], [-1, 2, 3, 4, 0], [0, 1, 2, 3, 4]])
COUNTS = RNG.integers(0, 5, (4, 5)).astype(np.float64)
BITS = RNG.integers(0, 2, (4, 5)).astype(np.float64)
WEIGHTS = np.arange(1.0, 6.0)

# name, function name, differentiable inputs, constant inputs, keyword arguments
CASES = [
    ("margin_ranking", "margin_ranking_loss", [X1[:, 0], X2[:, 0]], [SIGNS], {"margin": 0.3}),
    ("hinge_embedding", "hinge_embedding_loss", [X1], [SIGN_GRID], {"margin": 0.5}),
    ("soft_margin", "soft_margin_loss", [X1], [SIGN_GRID], {}),
    ("cosine_embedding", "cosine_embedding_loss", [X1, X2], [SIGNS], {"margin": 0.1}),
    ("cosine_embedding_1d", "cosine_embedding_loss", [X1[0], X2[0]], [np.float64(-1)], {}),
    ("multilabel_soft_margin", "multilabel_soft_margin_loss", [X1], [BITS], {}),
    ("multilabel_soft_margin_weighted", "multilabel_soft_margin_loss", [X1], [BITS, WEIGHTS], {}),
    ("multi_margin", "multi_margin_loss", [X1], [LABELS], {}),
    ("multi_margin_p2", "multi_margin_loss", [X1], [LABELS], {"p": 2, "margin": 0.7}),
    ("multi_margin_unbatched", "multi_margin_loss", [X1[0]], [np.int64(3)], {}),
    ("multilabel_margin", "multilabel_margin_loss", [X1], [MULTILABELS], {}),
    ("multilabel_margin_unbatched", "multilabel_margin_loss", [X1[0]], [MULTILABELS[0]], {}),
    ("poisson_nll", "poisson_nll_loss", [X1], [COUNTS], {}),
    ("poisson_nll_full", "poisson_nll_loss", [np.abs(X1) + 0.1], [COUNTS],
     {"log_input": False, "full": True}),
    ("gaussian_nll", "gaussian_nll_loss", [X1, X2, np.abs(X3) + 0.01], [], {"full": True}),
    ("gaussian_nll_var_one_dim_less", "gaussian_nll_loss", [X1, X2, np.abs(X3[:, 0])], [], {}),
    ("gaussian_nll_var_clamped", "gaussian_nll_loss", [X1, X2, np.abs(X3[:, :1]) * 1e-8], [],
     {}),
    ("triplet", "triplet_margin_loss", [X1, X2, X3], [], {"swap": True}),
    ("triplet_p1", "triplet_margin_loss", [X1, X2, X3], [], {"p": 1, "margin": 2.0}),
    ("triplet_unbatched", "triplet_margin_loss", [X1[0], X2[0], X3[0]], [], {"p": 3}),
    ("triplet_with_distance", "triplet_margin_with_distance_loss", [X1, X2, X3], [],
     {"swap": True, "margin": 3.0}),
]


def _run(library, name, arrays, constants, kwargs, reduction, seed):
    """Output and input gradients of ``library``'s function for an upstream gradient."""
    inputs = [library.tensor(a, requires_grad=True) for a in arrays]
    others = [library.tensor(c) for c in constants]
    module = tn.nn.functional if library is tn else __import__("torch").nn.functional
    if name == "multi_margin_loss" and len(others) == 2:  # weight is a keyword argument
        others, kwargs = others[:1], dict(kwargs, weight=others[1])
    output = getattr(module, name)(*inputs, *others, reduction=reduction, **kwargs)
    upstream = np.random.default_rng(seed).standard_normal(tuple(output.shape))
    output.backward(library.tensor(upstream))
    return output.detach().numpy(), [x.grad.numpy() for x in inputs]


@pytest.mark.torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_values_and_gradients_match_torch(case, reduction):
    torch = pytest.importorskip("torch")
    _, name, arrays, constants, kwargs = case
    ours, our_grads = _run(tn, name, arrays, constants, kwargs, reduction, 1)
    theirs, their_grads = _run(torch, name, arrays, constants, kwargs, reduction, 1)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    for mine, reference in zip(our_grads, their_grads):
        np.testing.assert_allclose(mine, reference, rtol=1e-9, atol=1e-12)


@pytest.mark.torch
def test_custom_distance_function_matches_torch():
    torch = pytest.importorskip("torch")
    ours = F.triplet_margin_with_distance_loss(
        *(tn.tensor(a) for a in (X1, X2, X3)),
        distance_function=lambda a, b: 1.0 - F.cosine_similarity(a, b))
    theirs = torch.nn.functional.triplet_margin_with_distance_loss(
        *(torch.tensor(a) for a in (X1, X2, X3)),
        distance_function=lambda a, b: 1.0 - torch.nn.functional.cosine_similarity(a, b))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


DISTANCES = [
    ("pairwise_distance", lambda lib, a, b: lib.pairwise_distance(a, b)),
    ("pairwise_distance_p1_keepdim",
     lambda lib, a, b: lib.pairwise_distance(a, b, p=1.0, keepdim=True)),
    ("pairwise_distance_inf", lambda lib, a, b: lib.pairwise_distance(a, b, float("inf"))),
    ("pairwise_distance_broadcast", lambda lib, a, b: lib.pairwise_distance(a, b[:1], 3.0)),
    ("pdist", lambda lib, a, b: lib.pdist(a)),
    ("pdist_p1", lambda lib, a, b: lib.pdist(a, 1)),
    ("pdist_p3", lambda lib, a, b: lib.pdist(b, 3)),
    ("cosine_similarity", lambda lib, a, b: lib.cosine_similarity(a, b)),
    ("cosine_similarity_dim0", lambda lib, a, b: lib.cosine_similarity(a, b[:1], dim=0)),
    ("normalize", lambda lib, a, b: lib.normalize(a)),
    ("normalize_p1_dim0", lambda lib, a, b: lib.normalize(a, p=1.0, dim=0)),
]


@pytest.mark.torch
@pytest.mark.parametrize("case", DISTANCES, ids=[case[0] for case in DISTANCES])
def test_distances_match_torch(case):
    torch = pytest.importorskip("torch")
    _, function = case
    results = []
    for library, functional in ((tn, F), (torch, torch.nn.functional)):
        a, b = library.tensor(X1, requires_grad=True), library.tensor(X2, requires_grad=True)
        output = function(functional, a, b)
        output.backward(library.tensor(np.random.default_rng(2).standard_normal(
            tuple(output.shape))))
        results.append([output.detach().numpy()] + [
            None if x.grad is None else x.grad.numpy() for x in (a, b)])
    ours, theirs = results
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-10, atol=1e-12)
    for mine, reference in zip(ours[1:], theirs[1:]):
        assert (mine is None) == (reference is None)
        if reference is not None:
            np.testing.assert_allclose(mine, reference, rtol=1e-9, atol=1e-12)


MODULES = [
    (nn.MarginRankingLoss(margin=0.3), "margin_ranking_loss", {"margin": 0.3}, 3),
    (nn.HingeEmbeddingLoss(margin=0.5), "hinge_embedding_loss", {"margin": 0.5}, 2),
    (nn.SoftMarginLoss(reduction="sum"), "soft_margin_loss", {"reduction": "sum"}, 2),
    (nn.CosineEmbeddingLoss(), "cosine_embedding_loss", {}, 3),
    (nn.MultiLabelSoftMarginLoss(), "multilabel_soft_margin_loss", {}, 2),
    (nn.MultiMarginLoss(p=2), "multi_margin_loss", {"p": 2}, 2),
    (nn.MultiLabelMarginLoss(), "multilabel_margin_loss", {}, 2),
    (nn.PoissonNLLLoss(full=True), "poisson_nll_loss", {"full": True}, 2),
    (nn.GaussianNLLLoss(eps=1e-3), "gaussian_nll_loss", {"eps": 1e-3}, 3),
    (nn.TripletMarginLoss(swap=True), "triplet_margin_loss", {"swap": True}, 3),
    (nn.TripletMarginWithDistanceLoss(margin=2.0), "triplet_margin_with_distance_loss",
     {"margin": 2.0}, 3),
]
MODULE_INPUTS = {
    "margin_ranking_loss": (X1[:, 0], X2[:, 0], SIGNS),
    "hinge_embedding_loss": (X1, SIGN_GRID),
    "soft_margin_loss": (X1, SIGN_GRID),
    "cosine_embedding_loss": (X1, X2, SIGNS),
    "multilabel_soft_margin_loss": (X1, BITS),
    "multi_margin_loss": (X1, LABELS),
    "multilabel_margin_loss": (X1, MULTILABELS),
    "poisson_nll_loss": (X1, COUNTS),
    "gaussian_nll_loss": (X1, X2, np.abs(X3)),
    "triplet_margin_loss": (X1, X2, X3),
    "triplet_margin_with_distance_loss": (X1, X2, X3),
}


@pytest.mark.parametrize("module, name, kwargs, count", MODULES,
                         ids=[type(case[0]).__name__ for case in MODULES])
def test_modules_compute_their_functions(module, name, kwargs, count):
    inputs = [tn.tensor(a) for a in MODULE_INPUTS[name]]
    expected = getattr(F, name)(*inputs, **kwargs)
    np.testing.assert_array_equal(module(*inputs).numpy(), expected.numpy())


def test_distance_modules_compute_their_functions():
    a, b = tn.tensor(X1), tn.tensor(X2)
    np.testing.assert_array_equal(nn.CosineSimilarity(dim=0)(a, b).numpy(),
                                  F.cosine_similarity(a, b, 0).numpy())
    np.testing.assert_array_equal(nn.PairwiseDistance(p=1.0, keepdim=True)(a, b).numpy(),
                                  F.pairwise_distance(a, b, 1.0, keepdim=True).numpy())


def test_nll_loss_2d_is_nll_loss_on_images():
    log_probabilities = F.log_softmax(tn.tensor(RNG.standard_normal((2, 3, 2, 2))), 1)
    target = tn.tensor(RNG.integers(0, 3, (2, 2, 2)))
    loss = nn.NLLLoss2d(reduction="sum")
    assert isinstance(loss, nn.NLLLoss)
    np.testing.assert_allclose(loss(log_probabilities, target).numpy(),
                               F.nll_loss(log_probabilities, target, reduction="sum").numpy())


@pytest.mark.parametrize("size_average, reduce, expected",
                         [(None, False, "none"), (False, None, "sum"), (True, True, "mean"),
                          (False, True, "sum"), (True, False, "none"), (None, None, "mean")])
def test_legacy_reduction_arguments(size_average, reduce, expected):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loss = nn.SoftMarginLoss(size_average=size_average, reduce=reduce)
    assert loss.reduction == expected
    assert bool(caught) == (size_average is not None or reduce is not None)
    x, y = tn.tensor(X1), tn.tensor(SIGN_GRID)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        legacy = F.soft_margin_loss(x, y, size_average, reduce)
    np.testing.assert_array_equal(legacy.numpy(),
                                  F.soft_margin_loss(x, y, reduction=expected).numpy())


@pytest.mark.torch
def test_signatures_match_torch():
    torch = pytest.importorskip("torch")
    functions = [name for _, name, *_ in CASES] + ["normalize"]
    for name in set(functions):
        assert inspect.signature(getattr(F, name)).parameters.keys() == inspect.signature(
            getattr(torch.nn.functional, name)).parameters.keys(), name
    for module in ["CosineEmbeddingLoss", "GaussianNLLLoss", "HingeEmbeddingLoss",
                   "MarginRankingLoss", "MultiLabelMarginLoss", "MultiLabelSoftMarginLoss",
                   "MultiMarginLoss", "PoissonNLLLoss", "SoftMarginLoss", "TripletMarginLoss",
                   "TripletMarginWithDistanceLoss", "NLLLoss2d", "CosineSimilarity",
                   "PairwiseDistance"]:
        ours = inspect.signature(getattr(nn, module).__init__).parameters
        theirs = inspect.signature(getattr(torch.nn, module).__init__).parameters
        assert [(p.name, p.kind, p.default) for p in ours.values()] == [
            (p.name, p.kind, p.default) for p in theirs.values()], module


@pytest.mark.parametrize("call, error, words", [
    (lambda: F.soft_margin_loss(tn.tensor(X1), tn.tensor(SIGN_GRID), reduction="avg"),
     ValueError, "reduction must be one of"),
    (lambda: F.margin_ranking_loss(tn.tensor(X1[:, 0]), tn.tensor(X2[:2, 0]), tn.tensor(SIGNS)),
     ValueError, "shapes must be the same"),
    (lambda: F.hinge_embedding_loss(tn.tensor(X1), tn.tensor(SIGNS)), ValueError,
     "shapes must be the same"),
    (lambda: F.cosine_embedding_loss(tn.tensor(X1), tn.tensor(X2), tn.tensor(SIGNS[:2])),
     ValueError, "target"),
    (lambda: F.multi_margin_loss(tn.tensor(X1), tn.tensor(LABELS), p=3), ValueError,
     "p == 1 and p == 2"),
    (lambda: F.multi_margin_loss(tn.tensor(X1), tn.tensor(LABELS + 5)), IndexError,
     "out of bounds"),
    (lambda: F.multi_margin_loss(tn.tensor(X1), tn.tensor(LABELS[:3])), ValueError,
     "class indices"),
    (lambda: F.multilabel_margin_loss(tn.tensor(X1), tn.tensor(BITS)), ValueError,
     "integer target"),
    (lambda: F.gaussian_nll_loss(tn.tensor(X1), tn.tensor(X2), tn.tensor(-np.abs(X3))),
     ValueError, "negative"),
    (lambda: F.gaussian_nll_loss(tn.tensor(X1), tn.tensor(X2), tn.tensor(X3[:2])), ValueError,
     "incorrect size"),
    (lambda: F.triplet_margin_loss(tn.tensor(X1), tn.tensor(X2[0]), tn.tensor(X3)), ValueError,
     "(N, D)"),
    (lambda: F.triplet_margin_with_distance_loss(tn.tensor(X1), tn.tensor(X2), tn.tensor(X3),
                                                 margin=0.0), ValueError, "greater than 0"),
    (lambda: nn.TripletMarginLoss(margin=-1.0), ValueError, "greater than 0"),
    (lambda: F.pairwise_distance(tn.tensor(X1), tn.tensor(X2[:, :3])), ValueError,
     "cannot be broadcast"),
    (lambda: F.pdist(tn.tensor(X1[0])), ValueError, "2-D"),
    (lambda: F.cosine_similarity(tn.tensor(X1), tn.tensor(X2), dim=2), IndexError, "dim 2"),
])
def test_errors_name_the_problem(call, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        call()


def test_normalize_writes_into_out_and_keeps_zero_vectors():
    out = tn.zeros(2, 3, dtype=tn.float64)
    x = tn.tensor(np.array([[3.0, 4.0, 0.0], [0.0, 0.0, 0.0]]))
    assert F.normalize(x, out=out) is out
    np.testing.assert_allclose(out.numpy(), [[0.6, 0.8, 0.0], [0.0, 0.0, 0.0]])
