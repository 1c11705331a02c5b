"""Tests of course_utils.training: the one loop for batch, stochastic and mini-batch GD.

The models and the optimizer used here are tiny classes written in this file, following
the contracts of SPEC (get_flat / set_flat / flat_loss_and_grad; init / step), so the
loop is tested independently of nn.py and optimizers.py. Expected numbers come from
updates written out by hand below. The options of the stepping core (clipping, a bound, a
loss limit, a budget in updates, evaluations every k steps) are tested on the core's
pieces, which train and chapter 7's run_updates compose.
"""

import math
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from course_utils.training import (
    Descent,
    Divergence,
    Evaluation,
    History,
    compare,
    gradient_oracle,
    minibatch_oracle,
    train,
)


class GD:
    """Plain gradient descent, w <- w - eta g, following the optimizer contract."""

    def __init__(self, lr=0.1):
        self.lr = lr

    def init(self, params):
        return ()

    def step(self, params, grad, state, lr=None):
        eta = self.lr if lr is None else lr
        return params - eta * grad, state


class Line:
    """Least squares y ~ w x + b, E = mean of 1/2 (w x_n + b - y_n)^2. Logs its batches."""

    def __init__(self, w=0.0, b=0.0):
        self.wb = np.array([w, b], dtype=float)
        self.calls = []

    def get_flat(self):
        return self.wb.copy()

    def set_flat(self, w):
        self.wb = np.array(w, dtype=float)

    def flat_loss_and_grad(self, wb, X, y):
        self.calls.append(X[:, 0].copy())
        r = wb[0] * X[:, 0] + wb[1] - y
        return 0.5 * np.mean(r**2), np.array([np.mean(r * X[:, 0]), np.mean(r)])


class Bowl:
    """E(w) = a/2 ||w||^2 whatever the batch: gradient descent multiplies w by (1 - eta a)."""

    def __init__(self, w0, a=1.0):
        self.w = np.array(w0, dtype=float)
        self.a = a

    def get_flat(self):
        return self.w.copy()

    def set_flat(self, w):
        self.w = np.array(w, dtype=float)

    def flat_loss_and_grad(self, w, X, y):
        return 0.5 * self.a * float(w @ w), self.a * w


def line_data(n=12, seed=1):
    gen = np.random.default_rng(seed)
    x = gen.normal(size=n)
    return x[:, None], 2.0 * x - 1.0 + 0.3 * gen.normal(size=n)


def hand_loss(wb, X, y):
    return sum(
        0.5 * (wb[0] * xi + wb[1] - yi) ** 2 for xi, yi in zip(X[:, 0], y, strict=True)
    ) / len(y)


# --- the updates themselves -----------------------------------------------------------------


def test_batch_gd_matches_hand_written_updates():
    X, y = line_data()
    N, eta = len(y), 0.3
    w = np.array([0.5, 0.0])
    expected = [w.copy()]
    for _ in range(3):  # w <- w - eta (1/N) sum_n grad of 1/2 (w x_n + b - y_n)^2
        g = np.zeros(2)
        for xn, yn in zip(X[:, 0], y, strict=True):
            r = w[0] * xn + w[1] - yn
            g += np.array([r * xn, r])
        w = w - eta * g / N
        expected.append(w.copy())
    model = Line(0.5, 0.0)
    h = train(model, X, y, GD(eta), epochs=3, record_path=True)
    assert isinstance(h, History)
    assert_allclose(h.path, expected, rtol=1e-12)
    losses = [hand_loss(p, X, y) for p in expected]
    assert_allclose(h.losses, losses[:3], rtol=1e-12)  # full batch: batch loss = E
    assert_allclose(h.epoch_losses, losses, rtol=1e-12)
    assert h.steps_per_epoch == 1 and not h.diverged and h.diverged_at is None
    assert_array_equal(h.examples_seen, [N, 2 * N, 3 * N])
    assert_allclose(h.lrs, [eta] * 3)
    assert_allclose(model.get_flat(), expected[-1], rtol=1e-12)  # the model holds the result
    assert_allclose(h.w, expected[-1], rtol=1e-12)


def test_sgd_visits_examples_in_the_seeded_permutation_each_epoch():
    N, seed = 7, 3
    X, y = np.arange(N, dtype=float)[:, None], np.zeros(N)
    model = Line()
    train(model, X, y, GD(0.01), batch_size=1, epochs=2, seed=seed)
    visited = [int(c[0]) for c in model.calls if len(c) == 1]
    gen = np.random.default_rng(seed)  # one generator, one fresh permutation per epoch
    assert visited == list(gen.permutation(N)) + list(gen.permutation(N))


def test_sgd_updates_follow_the_visiting_order():
    X, y = line_data(n=5)
    eta, seed = 0.2, 4
    order = np.random.default_rng(seed).permutation(5)
    w = np.array([0.0, 0.0])
    for n in order:  # one example per step
        r = w[0] * X[n, 0] + w[1] - y[n]
        w = w - eta * np.array([r * X[n, 0], r])
    h = train(Line(), X, y, GD(eta), batch_size=1, epochs=1, seed=seed)
    assert_allclose(h.w, w, rtol=1e-12)


@pytest.mark.parametrize(
    ("N", "B", "sizes"),
    [(10, 1, [1] * 10), (10, 3, [3, 3, 3, 1]), (10, 4, [4, 4, 2]), (10, 10, [10]), (8, 4, [4, 4])],
)
def test_steps_per_epoch_and_examples_seen(N, B, sizes):
    X, y = line_data(n=N)
    epochs = 3
    h = train(Line(), X, y, GD(0.05), batch_size=B, epochs=epochs)
    assert h.steps_per_epoch == math.ceil(N / B) == len(sizes)
    assert len(h.losses) == len(h.lrs) == len(h.grad_norms) == epochs * len(sizes)
    assert_array_equal(h.examples_seen, np.cumsum(sizes * epochs))
    assert h.epoch_losses.shape == (epochs + 1,)
    assert h.epoch_accuracy is None and h.val_losses is None and h.path is None


def test_zero_epochs_evaluates_the_start_only():
    X, y = line_data()
    model = Line(1.0, 2.0)
    h = train(model, X, y, GD(), epochs=0, record_path=True)
    assert_allclose(h.epoch_losses, [hand_loss([1.0, 2.0], X, y)], rtol=1e-12)
    assert h.losses.shape == (0,) and h.path.shape == (1, 2)
    assert_array_equal(model.get_flat(), [1.0, 2.0])


def test_training_starts_from_the_model_parameters():
    X, y = line_data()
    h = train(Line(1.0, -1.0), X, y, GD(), epochs=0)
    assert_allclose(h.epoch_losses[0], hand_loss([1.0, -1.0], X, y), rtol=1e-12)


def test_epoch_losses_are_full_training_loss_at_each_epoch_end():
    X, y = line_data(n=9)
    h = train(Line(), X, y, GD(0.1), batch_size=2, epochs=4, record_path=True)
    ends = h.path[:: h.steps_per_epoch]  # w at the start and after each epoch
    assert_allclose(h.epoch_losses, [hand_loss(w, X, y) for w in ends], rtol=1e-12)


def test_same_call_gives_identical_numbers_and_seed_matters():
    X, y = line_data(n=20)
    run = lambda seed: train(Line(), X, y, GD(0.1), batch_size=3, epochs=3, seed=seed)  # noqa: E731
    a, b, c = run(0), run(0), run(1)
    assert_array_equal(a.losses, b.losses)
    assert_array_equal(a.w, b.w)
    assert not np.array_equal(a.losses, c.losses)


def test_generator_seed_is_accepted():
    X, y = line_data(n=6)
    h1 = train(Line(), X, y, GD(0.1), batch_size=2, epochs=2, seed=np.random.default_rng(5))
    h2 = train(Line(), X, y, GD(0.1), batch_size=2, epochs=2, seed=5)
    assert_array_equal(h1.losses, h2.losses)


# --- schedule, clipping, validation data ----------------------------------------------------


def test_schedule_sets_each_steps_learning_rate():
    X, y = np.zeros((4, 1)), np.zeros(4)
    sched = lambda t: 0.5 / (1 + t)  # noqa: E731
    h = train(
        Bowl([1.0, -2.0]),
        X,
        y,
        GD(lr=99.0),
        batch_size=2,
        epochs=3,
        schedule=sched,
        record_path=True,
    )
    T = 6
    assert_allclose(h.lrs, [0.5 / (1 + t) for t in range(T)])
    expected = np.array([1.0, -2.0]) * np.prod([1 - 0.5 / (1 + t) for t in range(T)])
    assert_allclose(h.w, expected, rtol=1e-12)  # the optimizer's own lr=99 was never used


def test_clipping_rescales_large_gradients_only():
    X, y = np.zeros((1, 1)), np.zeros(1)
    w0 = np.array([3.0, 4.0])  # gradient (3, 4), norm 5

    def first_step(clip_norm):
        oracle = minibatch_oracle(Bowl(w0).flat_loss_and_grad, X, y)
        return next(iter(Descent(GD(0.1), oracle, w0, clip_norm=clip_norm)))

    step = first_step(1.0)
    coef = 1.0 / (5.0 + 1e-6)  # torch's rule: max_norm / (norm + 1e-6)
    assert_allclose(step.w, w0 - 0.1 * coef * w0, rtol=1e-12)
    assert_allclose(step.grad_norm, 5.0)  # recorded before clipping
    assert_allclose(first_step(10.0).w, 0.9 * w0, rtol=1e-12)  # below the threshold


def test_validation_losses_are_recorded_per_epoch():
    X, y = line_data(n=8, seed=1)
    Xv, yv = line_data(n=5, seed=2)
    h = train(Line(), X, y, GD(0.1), batch_size=4, epochs=3, X_val=Xv, y_val=yv, record_path=True)
    ends = h.path[:: h.steps_per_epoch]
    assert_allclose(h.val_losses, [hand_loss(w, Xv, yv) for w in ends], rtol=1e-12)
    assert h.val_accuracy is None  # regression: no accuracy


class Perceptron(Line):
    """Line fitted to 0/1 labels, predicting class 1 where w x + b > 1/2; no loss_name."""

    def flat_accuracy(self, wb, X, y):
        return np.mean((wb[0] * X[:, 0] + wb[1] > 0.5) == y)


def test_accuracy_is_recorded_for_integer_labels_when_the_model_has_accuracy():
    X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    y = np.array([0, 0, 1, 1])
    h = train(Perceptron(), X, y, GD(0.5), epochs=2, record_path=True)
    ends = h.path[:: h.steps_per_epoch]
    expected = [np.mean((w[0] * X[:, 0] + w[1] > 0.5) == y) for w in ends]
    assert_allclose(h.epoch_accuracy, expected)
    assert h.epoch_accuracy[0] == 0.5 and h.epoch_accuracy[-1] == 1.0  # from w = (0, 0)
    h = train(Perceptron(), X, y.astype(float), GD(0.5), epochs=2)  # float targets: regression
    assert h.epoch_accuracy is None


# --- divergence -----------------------------------------------------------------------------


def test_divergence_stops_at_the_step_that_crosses_the_bound():
    X, y = np.zeros((3, 1)), np.zeros(3)
    # eta a = 3: w_{t+1} = -2 w_t, |w_t| = 2^t. Step t makes w_{t+1}; 2^20 > 1e6 first at t=19.
    model = Bowl([1.0])
    h = train(model, X, y, GD(3.0), epochs=50, record_path=True)
    assert h.diverged and h.diverged_at == 19
    assert len(h.losses) == len(h.lrs) == len(h.examples_seen) == 19
    assert_allclose(h.path[:, 0], (-2.0) ** np.arange(20))
    assert len(h.epoch_losses) == 20  # start + 19 completed epochs (one step each)
    assert_allclose(model.get_flat(), [(-2.0) ** 19])  # the last good parameters


def test_divergence_by_overflow_raises_no_warning():
    X, y = np.zeros((4, 1)), np.zeros(4)
    oracle = minibatch_oracle(Bowl([1.0], a=1e12).flat_loss_and_grad, X, y, batch_size=1)
    descent = Descent(GD(1.0), oracle, [1.0], rule=Divergence(bound=1e300))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        steps = list(descent.take(400))
    # |w_t| ~ 1e12^t: the loss a/2 w^2 overflows to inf before w passes 1e300
    assert descent.diverged_at is not None and 0 < descent.diverged_at < 30
    assert np.all(np.isfinite([s.loss for s in steps])) and np.all(np.isfinite(descent.w))
    assert len(steps) == descent.diverged_at


def test_a_start_beyond_the_bound_or_with_infinite_loss_is_an_error():
    X, y = np.zeros((2, 1)), np.zeros(2)
    oracle = minibatch_oracle(Bowl([10.0]).flat_loss_and_grad, X, y)
    with pytest.raises(ValueError, match="bound = 5"):
        Descent(GD(), oracle, [10.0], rule=Divergence(bound=5.0))
    with pytest.raises(ValueError, match="not finite"):
        train(Bowl([1e200]), X, y, GD(), epochs=3)


# --- redundancy: SGD on a data set copied twice ---------------------------------------------


def test_sgd_on_doubled_data_needs_half_the_epochs():
    """One epoch of SGD with a small rate eta moves w about as far as one batch GD step of
    rate N eta (the per-example steps add up). So one epoch on the set copied twice
    (2N examples) does the work of two epochs on the original: the redundant copy costs
    no extra epochs, whereas batch GD would gain nothing from it.
    """
    X, y = line_data(n=20, seed=3)
    X2, y2 = np.concatenate([X, X]), np.concatenate([y, y])
    eta, E = 0.004, 3
    once = train(Line(), X, y, GD(eta), batch_size=1, epochs=2 * E, seed=0)
    twice = train(Line(), X2, y2, GD(eta), batch_size=1, epochs=E, seed=0)
    batch1 = train(Line(), X, y, GD(eta * 20), epochs=2 * E)
    batch2 = train(Line(), X2, y2, GD(eta * 20), epochs=E)  # batch GD on the doubled set
    progress = once.epoch_losses[:-1:2] - once.epoch_losses[2::2]  # decrease in two epochs
    assert np.all(progress > 0.3)
    # epoch k on the doubled set ~ epoch 2k on the original (up to O((N eta)^2) terms)
    gap = np.abs(twice.epoch_losses - once.epoch_losses[::2])
    assert np.all(gap[1:] < 0.02 * progress)
    # ...whereas batch GD's epoch on the doubled set is the same step as on the original
    assert_allclose(batch2.epoch_losses, batch1.epoch_losses[: E + 1], rtol=1e-12)


# --- compare ---------------------------------------------------------------------------------


def test_compare_trains_a_fresh_model_per_config():
    X, y = line_data(n=8)
    runs = compare(Line, X, y, {"batch": {}, "sgd": {"batch_size": 1}}, optimizer=GD(0.1), epochs=2)
    assert list(runs) == ["batch", "sgd"]
    assert len(runs["batch"].losses) == 2 and len(runs["sgd"].losses) == 16
    alone = train(Line(), X, y, GD(0.1), batch_size=1, epochs=2)
    assert_array_equal(runs["sgd"].losses, alone.losses)
    with pytest.raises(ValueError, match="configs"):
        compare(Line, X, y, {})
    with pytest.raises(TypeError, match="model_factory"):
        compare(Line(), X, y, {"a": {}})


# --- argument checking ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"batch_size": 11}, ValueError, "batch_size"),
        ({"batch_size": 2.5}, TypeError, "batch_size"),
        ({"epochs": -1}, ValueError, "epochs"),
        ({"epochs": 1.0}, TypeError, "epochs"),
        ({"schedule": 0.1}, TypeError, "schedule"),
        ({"seed": "zero"}, TypeError, "seed"),
        ({"X_val": np.zeros((3, 1))}, ValueError, "X_val and y_val"),
        ({"X_val": np.zeros((3, 1)), "y_val": np.zeros(2)}, ValueError, "y_val"),
        ({"X_val": np.zeros((3, 2)), "y_val": np.zeros(3)}, ValueError, "X_val"),
    ],
)
def test_invalid_arguments_are_named(kwargs, error, match):
    X, y = line_data(n=10)
    with pytest.raises(error, match=match):
        train(Line(), X, y, GD(), **kwargs)


def test_invalid_data_model_and_optimizer():
    X, y = line_data(n=10)
    with pytest.raises(ValueError, match="y must have one entry per row of X"):
        train(Line(), X, y[:-1], GD())
    with pytest.raises(ValueError, match="X must hold at least one example"):
        train(Line(), np.zeros((0, 1)), np.zeros(0), GD())
    with pytest.raises(ValueError, match="X must contain only finite"):
        train(Line(), np.full((2, 1), np.inf), np.zeros(2), GD())
    with pytest.raises(ValueError, match="y must contain only finite"):
        train(Line(), np.zeros((2, 1)), np.array([0.0, np.nan]), GD())
    with pytest.raises(TypeError, match="optimizer must have init"):
        train(Line(), X, y, object())
    with pytest.raises(TypeError, match="model must have a set_flat"):
        train(type("M", (), {"get_flat": lambda s: np.zeros(2)})(), X, y, GD())


def test_a_bad_schedule_value_fails_and_restores_the_model():
    X, y = line_data(n=4)
    model = Line(0.5, 0.5)
    with pytest.raises(ValueError, match=r"schedule\(2\)"):
        train(model, X, y, GD(), batch_size=1, schedule=lambda t: 0.1 if t < 2 else -1.0)
    assert_array_equal(model.get_flat(), [0.5, 0.5])
    # evaluations read the parameters without writing them into the model
    with pytest.raises(ValueError, match=r"schedule\(5\)"):
        train(
            model,
            X,
            y,
            GD(),
            batch_size=1,
            X_val=X,
            y_val=y,
            schedule=lambda t: 0.1 if t < 5 else -1.0,
        )
    assert_array_equal(model.get_flat(), [0.5, 0.5])


# --- integration with course_utils.nn.MLP and course_utils.optimizers -----------------------


def test_mlp_linear_regression_with_sgd_matches_hand_updates():
    from course_utils.nn import MLP
    from course_utils.optimizers import SGD

    X, y = line_data(n=10)
    model = MLP([1, 1], seed=0)
    w = model.get_flat()  # [w, b]
    expected = [w.copy()]
    for _ in range(4):
        r = w[0] * X[:, 0] + w[1] - y  # E = mean 1/2 r^2, so dE/dw = mean r x, dE/db = mean r
        w = w - 0.2 * np.array([np.mean(r * X[:, 0]), np.mean(r)])
        expected.append(w.copy())
    h = train(model, X, y, SGD(lr=0.2), epochs=4, record_path=True)
    assert_allclose(h.path, expected, rtol=1e-12)
    assert_allclose(model.get_flat(), expected[-1], rtol=1e-12)


def test_full_batch_training_agrees_with_the_optimizer_runner():
    from course_utils.nn import MLP
    from course_utils.optimizers import SGD, run

    X, y = line_data(n=16)
    model = MLP([1, 4, 1], seed=2)
    w0 = model.get_flat()
    opt = SGD(lr=0.1, momentum=0.9, nesterov=True)
    h = train(model, X, y, opt, epochs=6, record_path=True)
    traj = run(opt, lambda w: model.flat_loss_and_grad(w, X, y)[1], w0, steps=6)
    assert_allclose(h.path, traj.points, rtol=1e-10, atol=1e-12)


def test_mlp_classification_records_accuracy():
    from course_utils.nn import MLP
    from course_utils.optimizers import Adam

    gen = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], 10)
    X = gen.normal(size=(30, 2)) * 0.5 + np.array([[0, 3], [3, 0], [-3, -3]])[y]
    model = MLP([2, 3], loss="cross_entropy", seed=1)
    h = train(model, X, y, Adam(lr=0.1), batch_size=8, epochs=5, X_val=X[::3], y_val=y[::3])
    assert h.epoch_accuracy.shape == h.val_accuracy.shape == h.val_losses.shape == (6,)
    W, b = h.w[:6].reshape(2, 3), h.w[6:]  # the flat order is [W1, b1]
    assert_allclose(h.epoch_accuracy[-1], np.mean(np.argmax(X @ W + b, axis=1) == y))
    assert_allclose(h.val_accuracy[-1], np.mean(np.argmax(X[::3] @ W + b, axis=1) == y[::3]))
    assert h.epoch_accuracy[-1] == 1.0  # three well separated blobs
    assert h.epoch_losses[-1] < h.epoch_losses[0]


def test_mlp_regression_records_no_accuracy_and_diverges_quietly():
    from course_utils.nn import MLP
    from course_utils.optimizers import SGD

    X, y = line_data(n=20)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = train(MLP([1, 8, 1], activation="relu"), X, 100 * y, SGD(lr=5.0), batch_size=4)
    assert h.epoch_accuracy is None
    assert h.diverged and len(h.losses) == h.diverged_at and np.all(np.isfinite(h.w))


# --- the core: a budget in updates, evaluations every k steps, a loss limit ---------------


def test_a_budget_cuts_the_batches_short_without_changing_them():
    # N = 10, B = 4: epochs of 4, 4, 2 examples. 5 updates = one epoch and 2 batches of the
    # next; the same 5 steps as an uncut run: the budget stops, it does not change the batches
    X, y = line_data(n=10)
    descent = Descent(GD(0.1), minibatch_oracle(Line().flat_loss_and_grad, X, y, 4), [0.0, 0.0])
    steps = list(descent.take(5))
    full = train(Line(), X, y, GD(0.1), batch_size=4, epochs=2, record_path=True)
    assert_allclose(descent.w, full.path[5])
    assert_array_equal([s.loss for s in steps], full.losses[:5])
    assert [s.k for s in steps] == [0, 1, 2, 3, 4] and descent.diverged_at is None
    assert_array_equal(full.examples_seen, [4, 8, 10, 14, 18, 20])
    # iterating again goes on from where the budget stopped
    assert_allclose(next(iter(descent)).w, full.path[6])


def evaluate_every(k, model, X, y, steps, batch_size, rule=None):
    """Chapter 7's run_updates in small: evaluate every k steps and at the end."""
    rule = Divergence() if rule is None else rule
    oracle = minibatch_oracle(model.flat_loss_and_grad, X, y, batch_size)
    descent = Descent(GD(model.lr), oracle, model.get_flat(), rule=rule)
    evaluation = Evaluation(model, X, y, rule=rule)
    evaluation(0, descent.w)
    for step in descent.take(steps):
        if (step.k + 1) % k == 0 and not evaluation(step.k + 1, step.w):
            break
    if evaluation.steps[-1] != descent.k:
        evaluation(descent.k, descent.w)
    return descent, evaluation


class Steep(Bowl):
    """Bowl that carries its own learning rate, for evaluate_every."""

    def __init__(self, w0, lr):
        super().__init__(w0)
        self.lr = lr


def test_evaluations_every_k_steps_and_the_end():
    # E = w^2 / 2 with eta = 0.5: w_t = 2^-t, E_t = 4^-t / 2. N = 4, B = 2: 2 steps an
    # epoch, 3 epochs = 6 steps; every 4 steps -> after 0 and 4 steps, then the end (6)
    X, y = np.zeros((4, 1)), np.zeros(4)
    _, ev = evaluate_every(4, Steep([1.0], 0.5), X, y, steps=6, batch_size=2)
    assert ev.steps == [0, 4, 6]
    assert_allclose(ev.losses, [0.5, 0.5 * 4.0**-4, 0.5 * 4.0**-6])
    # every 2 steps = after every epoch: the same numbers as train's
    _, every2 = evaluate_every(2, Steep([1.0], 0.5), X, y, steps=6, batch_size=2)
    default = train(Bowl([1.0]), X, y, GD(0.5), batch_size=2, epochs=3)
    assert_array_equal(every2.losses, default.epoch_losses)
    assert every2.steps == default.eval_steps.tolist() == [0, 2, 4, 6]


def test_max_loss_is_divergence_of_a_batch_or_an_evaluation():
    # eta a = 3: |w_t| = 2^t, E_t = 4^t / 2 = 0.5, 2, 8, 32, ... and max_loss = 10.
    X, y = np.zeros((4, 1)), np.zeros(4)
    rule = Divergence(max_loss=10.0)
    # one step an epoch: steps 0, 1, 2 see batch losses 0.5, 2, 8 <= 10; the evaluation
    # after step 2 (t = 3) finds 32 > 10, records it and stops
    descent, ev = evaluate_every(1, Steep([1.0], 3.0), X, y, steps=10, batch_size=4, rule=rule)
    assert ev.losses == [0.5, 2.0, 8.0, 32.0] and ev.steps == [0, 1, 2, 3]
    assert descent.k == 3 and descent.diverged_at is None  # the evaluation stopped it
    # evaluating only at the start and end: the batch loss 32 of step 3 stops it, and the
    # final evaluation at the last good w = -8 records 32
    descent, ev = evaluate_every(100, Steep([1.0], 3.0), X, y, steps=10, batch_size=4, rule=rule)
    assert descent.diverged_at == 3 and ev.steps == [0, 3]
    assert_allclose(ev.losses, [0.5, 32.0])
    assert_allclose(descent.w, [-8.0])


def test_the_core_checks_its_arguments_once():
    X, y = np.zeros((4, 1)), np.zeros(4)
    oracle = gradient_oracle(lambda w: w)
    with pytest.raises(ValueError, match="clip_norm"):
        Descent(GD(), oracle, [1.0], clip_norm=0.0)
    with pytest.raises(ValueError, match="clip_norm"):
        Descent(GD(), oracle, [1.0], clip_norm=-1.0)
    with pytest.raises(ValueError, match="rule.bound"):
        Descent(GD(), oracle, [1.0], rule=Divergence(bound=0.0))
    with pytest.raises(ValueError, match="max_loss"):
        Evaluation(Bowl([1.0]), X, y, rule=Divergence(max_loss=0.0))
    with pytest.raises(TypeError, match="rule must be a Divergence"):
        Descent(GD(), oracle, [1.0], rule=1e6)
    with pytest.raises(ValueError, match="w0"):
        Descent(GD(), oracle, [np.nan, 0.0])
    with pytest.raises(TypeError, match="oracle"):
        Descent(GD(), None, [1.0])
    with pytest.raises(TypeError, match="optimizer must have init"):
        Descent(object(), oracle, [1.0])
    with pytest.raises(ValueError, match="batch_size"):
        minibatch_oracle(Bowl([1.0]).flat_loss_and_grad, X, y, batch_size=5)
