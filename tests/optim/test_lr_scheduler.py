"""Learning-rate schedulers: each sequence against its closed form and against torch's, resume,
errors, plotting."""

import math

import numpy as np
import pytest

import tinynet as tn
from tinynet import optim
from tinynet.optim import lr_scheduler

BASE_LR, SECOND_GROUP_LR = 0.1, 0.02


def triangle(t, base, peak, up, down, scale):
    """CyclicLR's closed form: a triangle wave of period up + down, amplitude times scale."""
    position = t % (up + down)
    height = position / up if position <= up else (up + down - position) / down
    return base + (peak - base) * height * scale


def warm_restarts(t, base, eta_min, first, mult):
    """SGDR's closed form: find the cycle that holds step t, then half a cosine within it."""
    length, start = first, 0
    while t >= start + length:
        start, length = start + length, length * mult
    return eta_min + (base - eta_min) * (1 + math.cos(math.pi * (t - start) / length)) / 2


def one_cycle_cos(t, peak, total, pct=0.3, div=25.0, final_div=1e4):
    initial, warmup_end = peak / div, pct * total - 1
    low = initial / final_div
    if t <= warmup_end:
        return peak + (initial - peak) * (1 + math.cos(math.pi * t / warmup_end)) / 2
    fraction = (t - warmup_end) / (total - 1 - warmup_end)
    return low + (peak - low) * (1 + math.cos(math.pi * fraction)) / 2


def one_cycle_linear_three_phase(t, peak, total, pct=0.3, div=25.0, final_div=1e4):
    initial = peak / div
    ends = [pct * total - 1, 2 * pct * total - 2, total - 1]
    points = [(0.0, initial), (ends[0], peak), (ends[1], initial), (ends[2], initial / final_div)]
    return float(np.interp(t, [p[0] for p in points], [p[1] for p in points]))


# (id, factory(module, optimizer), steps, closed form of the first group's lr at step t or None)
SCHEDULES = [
    ("step", lambda m, o: m.StepLR(o, step_size=3, gamma=0.5), 12,
     lambda t: BASE_LR * 0.5 ** (t // 3)),
    ("multistep", lambda m, o: m.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.3), 12,
     lambda t: BASE_LR * 0.3 ** sum(t >= k for k in [2, 5, 5, 9])),
    ("exponential", lambda m, o: m.ExponentialLR(o, gamma=0.9), 12, lambda t: BASE_LR * 0.9**t),
    ("polynomial", lambda m, o: m.PolynomialLR(o, total_iters=8, power=2.0), 12,
     lambda t: BASE_LR * (1 - min(t, 8) / 8) ** 2),
    ("constant", lambda m, o: m.ConstantLR(o, factor=0.25, total_iters=4), 8,
     lambda t: BASE_LR * (0.25 if t < 4 else 1.0)),
    ("linear-warmup", lambda m, o: m.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=6),
     10, lambda t: BASE_LR * (0.2 + 0.7 * min(t, 6) / 6)),
    ("lambda", lambda m, o: m.LambdaLR(o, lambda t: 1 / (1 + t)), 8, lambda t: BASE_LR / (1 + t)),
    ("lambda-per-group", lambda m, o: m.LambdaLR(o, [lambda t: 0.9**t, lambda t: t]), 5,
     lambda t: BASE_LR * 0.9**t),
    ("cosine", lambda m, o: m.CosineAnnealingLR(o, T_max=10, eta_min=0.01), 25,
     lambda t: 0.01 + (BASE_LR - 0.01) * (1 + math.cos(math.pi * t / 10)) / 2),
    ("warm-restarts", lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=4, T_mult=2, eta_min=1e-3),
     30, lambda t: warm_restarts(t, BASE_LR, 1e-3, 4, 2)),
    ("warm-restarts-mult1", lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=5), 17,
     lambda t: warm_restarts(t, BASE_LR, 0.0, 5, 1)),
    ("cyclic-triangular", lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=4), 20,
     lambda t: triangle(t, 0.01, 0.1, 4, 4, 1.0)),
    ("cyclic-triangular2", lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=3, step_size_down=5,
                                                   mode="triangular2"),
     26, lambda t: triangle(t, 0.01, 0.1, 3, 5, 0.5 ** (t // 8))),
    ("cyclic-exp-range", lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=4, mode="exp_range",
                                                 gamma=0.9),
     20, lambda t: triangle(t, 0.01, 0.1, 4, 4, 0.9**t)),
    ("cyclic-custom-scale", lambda m, o: m.CyclicLR(o, [0.01, 0.001], [0.1, 0.01], step_size_up=2,
                                                    scale_fn=lambda x: 1 / x),
     12, lambda t: triangle(t, 0.01, 0.1, 2, 2, 1 / (t // 4 + 1))),
    ("onecycle-cos", lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=20), 20,
     lambda t: one_cycle_cos(t, 1.0, 20)),
    ("onecycle-linear-3phase", lambda m, o: m.OneCycleLR(o, max_lr=[1.0, 0.5], epochs=4,
                                                         steps_per_epoch=5, three_phase=True,
                                                         anneal_strategy="linear"),
     20, lambda t: one_cycle_linear_three_phase(t, 1.0, 20)),
    ("sequential", lambda m, o: m.SequentialLR(o, [m.LinearLR(o, start_factor=0.1, total_iters=3),
                                                   m.ExponentialLR(o, gamma=0.8)], milestones=[3]),
     10, lambda t: BASE_LR * (0.1 + 0.9 * t / 3 if t < 3 else 0.8 ** (t - 3))),
    ("sequential-three", lambda m, o: m.SequentialLR(o, [m.ConstantLR(o, factor=0.5, total_iters=2),
                                                         m.StepLR(o, step_size=2, gamma=0.5),
                                                         m.CosineAnnealingLR(o, T_max=4)],
                                                     milestones=[2, 6]),
     14, None),
    ("multiplicative", lambda m, o: m.MultiplicativeLR(o, lambda t: 0.9 if t % 2 else 0.5), 9,
     lambda t: BASE_LR * math.prod(0.9 if k % 2 else 0.5 for k in range(1, t + 1))),
    ("multiplicative-per-group", lambda m, o: m.MultiplicativeLR(o, [lambda t: 0.8,
                                                                     lambda t: 1.0 + t]),
     6, lambda t: BASE_LR * 0.8**t),
    ("chained", lambda m, o: m.ChainedScheduler([m.ConstantLR(o, factor=0.5, total_iters=3),
                                                 m.ExponentialLR(o, gamma=0.9)]),
     9, lambda t: BASE_LR * (0.5 if t < 3 else 1.0) * 0.9**t),
    ("chained-with-optimizer", lambda m, o: m.ChainedScheduler(
        [m.LinearLR(o, start_factor=0.2, total_iters=4), m.MultiplicativeLR(o, lambda t: 0.95),
         m.StepLR(o, step_size=3, gamma=0.5)], optimizer=o),
     12, lambda t: BASE_LR * (0.2 + 0.8 * min(t, 4) / 4) * 0.95**t * 0.5 ** (t // 3)),
]  # fmt: skip
SCHEDULE_IDS = [schedule[0] for schedule in SCHEDULES]
MOMENTUM_CYCLING = {schedule_id for schedule_id in SCHEDULE_IDS if "cycl" in schedule_id}


def two_group_sgd(library):
    """An SGD with momentum over two param groups (lr 0.1 and 0.02), in tinynet or torch."""
    if library == "tinynet":
        first, second = tn.tensor([0.0], requires_grad=True), tn.tensor([0.0], requires_grad=True)
        sgd, module = optim.SGD, lr_scheduler
    else:
        torch = pytest.importorskip("torch")
        first, second = torch.zeros(1, requires_grad=True), torch.zeros(1, requires_grad=True)
        sgd, module = torch.optim.SGD, torch.optim.lr_scheduler
    optimizer = sgd(
        [{"params": [first]}, {"params": [second], "lr": SECOND_GROUP_LR}], lr=BASE_LR, momentum=0.9
    )
    return optimizer, module


def record(optimizer, scheduler, steps, metrics=None):
    """Per step: ([lr of each group], [momentum of each group]) in effect for that step."""
    history = []
    for step in range(steps):
        groups = optimizer.param_groups
        history.append(([g["lr"] for g in groups], [g["momentum"] for g in groups]))
        assert scheduler.get_last_lr() == [g["lr"] for g in groups]
        optimizer.step()
        scheduler.step() if metrics is None else scheduler.step(metrics[step])
    return history


def run(library, factory, steps):
    optimizer, module = two_group_sgd(library)
    return record(optimizer, factory(module, optimizer), steps)


CLOSED_FORMS = [schedule for schedule in SCHEDULES if schedule[3] is not None]


@pytest.mark.parametrize(
    "schedule_id, factory, steps, closed_form",
    CLOSED_FORMS,
    ids=[schedule[0] for schedule in CLOSED_FORMS],
)
def test_schedule_matches_its_closed_form(schedule_id, factory, steps, closed_form):
    lrs = [lrs[0] for lrs, _ in run("tinynet", factory, steps)]
    np.testing.assert_allclose(lrs, [closed_form(t) for t in range(steps)], rtol=1e-12, atol=1e-15)


@pytest.mark.torch
@pytest.mark.parametrize("schedule_id, factory, steps, closed_form", SCHEDULES, ids=SCHEDULE_IDS)
def test_schedule_matches_torch_step_for_step(schedule_id, factory, steps, closed_form):
    ours, theirs = run("tinynet", factory, steps), run("torch", factory, steps)
    np.testing.assert_allclose(
        [lrs for lrs, _ in ours], [lrs for lrs, _ in theirs], rtol=1e-13, atol=1e-16
    )
    np.testing.assert_allclose([m for _, m in ours], [m for _, m in theirs], rtol=1e-13)
    if schedule_id in MOMENTUM_CYCLING:
        assert len({m[0] for _, m in ours}) > 2


def test_cyclic_momentum_moves_against_the_learning_rate():
    optimizer, _ = two_group_sgd("tinynet")
    scheduler = lr_scheduler.CyclicLR(
        optimizer, 0.01, 0.1, step_size_up=4, base_momentum=0.8, max_momentum=0.9
    )
    history = record(optimizer, scheduler, 9)
    momenta = [m[0] for _, m in history]
    np.testing.assert_allclose(momenta, [0.9 - 0.1 * min(t % 8, 8 - t % 8) / 4 for t in range(9)])


def test_one_cycle_cycles_beta1_of_adam():
    param = tn.tensor([0.0], requires_grad=True)
    optimizer = optim.Adam([param], lr=0.1, betas=(0.9, 0.99))
    scheduler = lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=10)
    betas = []
    for _ in range(10):
        betas.append(optimizer.param_groups[0]["betas"])
        scheduler.step()
    assert betas[0] == (0.95, 0.99)
    assert min(beta1 for beta1, _ in betas) == pytest.approx(0.85)
    assert all(beta2 == 0.99 for _, beta2 in betas)


PLATEAU_SETTINGS = [
    {"patience": 2, "factor": 0.5},
    {"mode": "max", "patience": 1, "threshold": 0.1, "threshold_mode": "abs"},
    {"patience": 0, "cooldown": 2, "min_lr": [0.03, 0.0], "factor": 0.5},
    {"patience": 1, "threshold": 0.2, "factor": 0.3, "eps": 0.01},
]
METRICS = [5.0, 4.0, 4.0, 4.1, 3.9999, 3.0, 3.0, 3.0, 3.0, 3.5, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0]


@pytest.mark.torch
@pytest.mark.parametrize("settings", PLATEAU_SETTINGS)
def test_reduce_on_plateau_matches_torch(settings):
    histories = []
    for library in ("tinynet", "torch"):
        optimizer, module = two_group_sgd(library)
        scheduler = module.ReduceLROnPlateau(optimizer, **settings)
        histories.append([lrs for lrs, _ in record(optimizer, scheduler, len(METRICS), METRICS)])
    np.testing.assert_allclose(histories[0], histories[1], rtol=1e-13)


def test_reduce_on_plateau_by_hand():
    optimizer, _ = two_group_sgd("tinynet")
    scheduler = lr_scheduler.ReduceLROnPlateau(optimizer, patience=2, factor=0.5)
    history = record(optimizer, scheduler, len(METRICS), METRICS)
    # best 4.0 at step 1; steps 2, 3, 4 are no better (3.9999 is within the relative threshold
    # 1e-4), so step 4, the third bad one, halves the lr, which is in effect from step 5 on.
    # Then best 3.0 at step 5, bad steps 6, 7, 8; best 2.0 at step 10, bad steps 11, 12, 13.
    lrs = [lrs[0] for lrs, _ in history]
    assert lrs == [0.1] * 5 + [0.05] * 4 + [0.025] * 5 + [0.0125] * 2
    assert scheduler.best == 2.0


@pytest.mark.parametrize("via_file", [False, True], ids=["in-memory", "tinynet.save"])
@pytest.mark.parametrize("schedule_id, factory, steps, closed_form", SCHEDULES, ids=SCHEDULE_IDS)
def test_state_dict_resume_continues_the_sequence(
    schedule_id, factory, steps, closed_form, via_file, tmp_path
):
    uninterrupted = run("tinynet", factory, steps)
    split = steps // 2
    optimizer, module = two_group_sgd("tinynet")
    scheduler = factory(module, optimizer)
    record(optimizer, scheduler, split)
    optimizer_state, scheduler_state = optimizer.state_dict(), scheduler.state_dict()
    if via_file:
        tn.save(
            {"optimizer": optimizer_state, "scheduler": scheduler_state},
            str(tmp_path / "checkpoint.npz"),
        )
        checkpoint = tn.load(str(tmp_path / "checkpoint.npz"))
        optimizer_state, scheduler_state = checkpoint["optimizer"], checkpoint["scheduler"]

    resumed_optimizer, _ = two_group_sgd("tinynet")
    resumed = factory(module, resumed_optimizer)  # the scheduler first, as in PyTorch
    resumed_optimizer.load_state_dict(optimizer_state)
    resumed.load_state_dict(scheduler_state)
    assert record(resumed_optimizer, resumed, steps - split) == uninterrupted[split:]


@pytest.mark.torch
def test_resuming_with_last_epoch_matches_torch():
    histories = []
    for library in ("tinynet", "torch"):
        optimizer, module = two_group_sgd(library)
        for group in optimizer.param_groups:
            group["initial_lr"] = group["lr"] * 2
        scheduler = module.CosineAnnealingLR(optimizer, T_max=6, last_epoch=3)
        histories.append([lrs for lrs, _ in record(optimizer, scheduler, 8)])
    np.testing.assert_allclose(histories[0], histories[1], rtol=1e-13)


def test_resuming_needs_initial_lr():
    optimizer, _ = two_group_sgd("tinynet")
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(optimizer, step_size=2, last_epoch=4)


def test_step_with_an_epoch_jumps_by_the_closed_form():
    optimizer, _ = two_group_sgd("tinynet")
    scheduler = lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5)
    record(optimizer, scheduler, 7)
    with pytest.warns(UserWarning, match="deprecated"):
        scheduler.step(4)
    assert scheduler.get_last_lr() == [BASE_LR * 0.5, SECOND_GROUP_LR * 0.5]
    assert scheduler.last_epoch == 4


def test_multistep_milestones_survive_a_plain_dict():
    optimizer, _ = two_group_sgd("tinynet")
    scheduler = lr_scheduler.MultiStepLR(optimizer, milestones=[2, 4, 4], gamma=0.5)
    state = scheduler.state_dict()
    state["milestones"] = dict(state["milestones"])  # what a file format gives back
    scheduler.load_state_dict(state)
    scheduler._update_lr(5)
    assert scheduler.get_last_lr()[0] == pytest.approx(BASE_LR * 0.5**3)


def test_get_last_lr_is_a_copy():
    optimizer, _ = two_group_sgd("tinynet")
    scheduler = lr_scheduler.ExponentialLR(optimizer, gamma=0.5)
    scheduler.get_last_lr().append(1.0)
    assert scheduler.get_last_lr() == [BASE_LR, SECOND_GROUP_LR]


def test_lambda_state_dict_saves_callable_objects_not_functions():
    class Decay:
        def __init__(self):
            self.rate = 0.5

        def __call__(self, step):
            return self.rate**step

    optimizer, _ = two_group_sgd("tinynet")
    decay = Decay()
    scheduler = lr_scheduler.LambdaLR(optimizer, [decay, lambda step: 1.0])
    state = scheduler.state_dict()
    assert state["lr_lambdas"] == [{"rate": 0.5}, None]
    state["lr_lambdas"][0]["rate"] = 0.25
    scheduler.load_state_dict(state)
    assert decay.rate == 0.25


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda o: lr_scheduler.LinearLR(o, start_factor=0.0), ValueError, "Starting"),
        (lambda o: lr_scheduler.LinearLR(o, end_factor=1.5), ValueError, "Ending"),
        (lambda o: lr_scheduler.ConstantLR(o, factor=2.0), ValueError, "factor"),
        (lambda o: lr_scheduler.StepLR(o, step_size=0), ValueError, "step_size"),
        (lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=0), ValueError, "T_0"),
        (
            lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0),
            ValueError,
            "T_mult",
        ),
        (lambda o: lr_scheduler.CyclicLR(o, 0.1, 1.0, mode="zigzag"), ValueError, "zigzag"),
        (lambda o: lr_scheduler.CyclicLR(o, [0.1], 1.0), ValueError, "same length"),
        (lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0), ValueError, "total_steps"),
        (
            lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=10, pct_start=1.5),
            ValueError,
            "pct_start",
        ),
        (
            lambda o: lr_scheduler.OneCycleLR(o, 1.0, total_steps=10, anneal_strategy="exp"),
            ValueError,
            "anneal_strategy",
        ),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, factor=1.0), ValueError, "Factor"),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, mode="up"), ValueError, "mode"),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError, "min_lrs"),
        (lambda o: lr_scheduler.LambdaLR(o, [lambda t: 1.0]), ValueError, "lr_lambdas"),
        (
            lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.StepLR(o, 2)], milestones=[3]),
            ValueError,
            "milestone",
        ),
        (
            lambda o: lr_scheduler.SequentialLR(
                o, [lr_scheduler.ReduceLROnPlateau(o)], milestones=[]
            ),
            ValueError,
            "ReduceLROnPlateau",
        ),
        (lambda o: lr_scheduler.StepLR(object(), 2), TypeError, "not an Optimizer"),
        (lambda o: lr_scheduler.MultiplicativeLR(o, 0.9), TypeError, "callable"),
        (lambda o: lr_scheduler.ChainedScheduler([]), ValueError, "at least one"),
        (
            lambda o: lr_scheduler.ChainedScheduler([lr_scheduler.ReduceLROnPlateau(o)]),
            ValueError,
            "ReduceLROnPlateau",
        ),
        (
            lambda o: lr_scheduler.ChainedScheduler(
                [lr_scheduler.StepLR(o, 2),
                 lr_scheduler.StepLR(optim.SGD([tn.zeros(1, requires_grad=True)]), 2)]
            ),
            ValueError,
            "same optimizer",
        ),
    ],
)
def test_invalid_arguments(make, error, message):
    optimizer, _ = two_group_sgd("tinynet")
    with pytest.raises(error, match=message):
        make(optimizer)


def test_momentum_cycling_needs_an_optimizer_with_momentum():
    optimizer = optim.Adagrad([tn.tensor([0.0], requires_grad=True)])
    with pytest.raises(ValueError, match="momentum or beta1"):
        lr_scheduler.OneCycleLR(optimizer, max_lr=1.0, total_steps=10)
    lr_scheduler.OneCycleLR(optimizer, max_lr=1.0, total_steps=10, cycle_momentum=False)


def test_one_cycle_refuses_to_step_past_total_steps():
    optimizer, _ = two_group_sgd("tinynet")
    scheduler = lr_scheduler.OneCycleLR(optimizer, max_lr=1.0, total_steps=3)
    for _ in range(3):
        scheduler.step()
    with pytest.raises(ValueError, match="Tried to step 4 times"):
        scheduler.step()


def test_warm_restarts_accepts_fractional_epochs():
    optimizer, _ = two_group_sgd("tinynet")
    scheduler = lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0=4, T_mult=2)
    scheduler.step(5.0)  # one cycle of 4 done, 1 step into the cycle of 8
    assert scheduler.get_last_lr()[0] == pytest.approx(BASE_LR * (1 + math.cos(math.pi / 8)) / 2)
    scheduler.step(1.5)
    assert scheduler.get_last_lr()[0] == pytest.approx(
        BASE_LR * (1 + math.cos(math.pi * 1.5 / 4)) / 2
    )


def test_lr_history_and_plot_schedule():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    history = lr_scheduler.lr_history(lambda o: lr_scheduler.StepLR(o, 2, gamma=0.5), 5, lr=1.0)
    assert history == [1.0, 1.0, 0.5, 0.5, 0.25]
    momenta = lr_scheduler.lr_history(
        lambda o: lr_scheduler.OneCycleLR(o, 1.0, total_steps=10), 10, key="momentum"
    )
    assert momenta[0] == 0.95 and min(momenta) == pytest.approx(0.85)
    plateau = lr_scheduler.lr_history(lambda o: lr_scheduler.ReduceLROnPlateau(o, patience=1), 5)
    assert plateau == pytest.approx([0.1, 0.1, 0.1, 0.01, 0.01])

    ax = lr_scheduler.plot_schedule(lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=10), 20)
    (line,) = ax.get_lines()
    assert line.get_label() == "CosineAnnealingLR"
    np.testing.assert_allclose(
        line.get_ydata()[:11], [0.05 * (1 + math.cos(math.pi * t / 10)) for t in range(11)]
    )
    assert ax.get_ylabel() == "learning rate"
    plt.close(ax.figure)


def test_a_custom_schedule_subclassing_the_older_base_name():
    class Halving(lr_scheduler._LRScheduler):
        def get_lr(self):
            return [base_lr * 0.5**self.last_epoch for base_lr in self.base_lrs]

    optimizer, _ = two_group_sgd("tinynet")
    lrs = [lrs[0] for lrs, _ in record(optimizer, Halving(optimizer), 4)]
    assert lrs == [BASE_LR * 0.5**t for t in range(4)]
    assert issubclass(lr_scheduler._LRScheduler, lr_scheduler.LRScheduler)
