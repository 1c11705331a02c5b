"""Tests of experiments (chapter 7): the digits split, sweeps, restarts and fixed-update runs.

Expected numbers come from hand computation, from scikit-learn's raw digits, or from
:func:`course_utils.training.train` (an independent loop) where the functions here only
organise calls to it.
"""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from course_utils.chapters.ch07_capstone.experiments import (
    DigitsSplit,
    Score,
    accuracy,
    digits_split,
    evaluate,
    lr_sweep,
    restarts,
    results_table,
    run_updates,
)
from course_utils.data import load_digits, make_classification, make_linear_regression
from course_utils.nn import MLP
from course_utils.optimizers import SGD, Adam
from course_utils.training import train


@pytest.fixture(scope="module")
def split():
    return digits_split()


@pytest.fixture(scope="module")
def blobs():
    d = make_classification(n=60, kind="blobs", seed=3)
    return d.X[:40], d.y[:40], d.X[40:], d.y[40:]


def small_net(seed=0):
    return MLP([2, 5, 3], "tanh", "cross_entropy", seed=seed)


# --- digits_split -------------------------------------------------------------------------


def test_digits_split_sizes_follow_the_fractions(split):
    assert isinstance(split, DigitsSplit)
    n_test = round(0.25 * 1797)  # 449
    n_val = round(0.25 * (1797 - n_test))  # 337
    assert split.X_test.shape == (n_test, 64) and split.y_test.shape == (n_test,)
    assert split.X_val.shape == (n_val, 64) and split.y_val.shape == (n_val,)
    assert split.X_train.shape == (1797 - n_test - n_val, 64)
    assert split.images_test.shape == (n_test, 8, 8)


def test_digits_split_keeps_every_image_once(split):
    raw = load_digits(standardize=False)
    labels = np.concatenate([split.y_train, split.y_val, split.y_test])
    assert_array_equal(np.bincount(labels, minlength=10), np.bincount(raw.y, minlength=10))
    # the raw test images are rows of the data set with their own labels
    rows = {tuple(x): int(t) for x, t in zip(raw.X, raw.y, strict=True)}
    for img, t in zip(split.images_test[:50], split.y_test[:50], strict=True):
        assert rows[tuple(img.ravel())] == t


def test_digits_split_standardises_with_training_statistics(split):
    mean, std = split.X_train.mean(axis=0), split.X_train.std(axis=0)
    assert_allclose(mean, 0.0, atol=1e-12)
    varying = std > 0
    assert_allclose(std[varying], 1.0, rtol=1e-12)
    assert np.all(split.X_train[:, ~varying] == 0.0)  # constant pixels are only shifted
    # The test part went through the same map x -> (x - mu) / s: read mu and s off the
    # test pixels (raw values are in images_test), undo the map on the training part,
    # and the raw training pixels must come back as integers in 0..16.
    raw_test = split.images_test.reshape(-1, 64)
    checked = 0
    for k in np.flatnonzero(varying):
        if np.ptp(raw_test[:, k]) == 0:
            continue
        slope, intercept = np.polyfit(raw_test[:, k], split.X_test[:, k], 1)
        raw_train = (split.X_train[:, k] - intercept) / slope
        assert_allclose(raw_train, np.round(raw_train), atol=1e-6)
        assert raw_train.min() > -1e-6 and raw_train.max() < 16 + 1e-6
        checked += 1
    assert checked > 50
    # ... and not with the test part's own statistics
    assert np.max(np.abs(split.X_test.mean(axis=0))) > 0.05


def test_digits_split_is_deterministic_and_seeded():
    a, b, c = digits_split(seed=0), digits_split(seed=0), digits_split(seed=1)
    assert_array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.y_test, c.y_test)


@pytest.mark.parametrize("name, value", [("test_fraction", 0.0), ("val_fraction", 1.0)])
def test_digits_split_rejects_bad_fractions(name, value):
    with pytest.raises(ValueError, match=name):
        digits_split(**{name: value})


def test_digits_split_rejects_negative_seed():
    with pytest.raises(ValueError, match="seed"):
        digits_split(seed=-1)


# --- accuracy and evaluate ----------------------------------------------------------------


def test_accuracy_counts_argmax_hits_by_hand():
    logits = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 0.5, 4.0], [0.0, 0.0, -1.0]])
    # argmax per row: 0, 1, 2, 0 (first of a tie)
    assert accuracy(logits, np.array([0, 1, 1, 0])) == 0.75
    assert accuracy(logits, np.array([1, 0, 0, 2])) == 0.0


def test_accuracy_rejects_bad_labels():
    with pytest.raises(ValueError, match="y must hold 2"):
        accuracy(np.zeros((2, 3)), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="integer"):
        accuracy(np.zeros((2, 3)), np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match="logits"):
        accuracy(np.zeros(3), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="at least one row"):
        accuracy(np.zeros((0, 3)), np.array([], dtype=int))


def test_evaluate_scores_w_and_leaves_the_model_alone(blobs):
    X, y, _, _ = blobs
    model = small_net()
    w0 = model.get_flat()
    w = np.linspace(-1, 1, model.n_params)
    score = evaluate(model, w, X, y)
    assert isinstance(score, Score)
    assert_array_equal(model.get_flat(), w0)
    other = small_net()
    other.set_flat(w)
    logits = other.forward(X)
    z = logits - logits.max(axis=1, keepdims=True)
    nll = -np.mean(z[np.arange(len(y)), y] - np.log(np.exp(z).sum(axis=1)))
    assert_allclose(score.loss, nll, rtol=1e-12)
    assert score.accuracy == np.mean(logits.argmax(axis=1) == y)


# --- lr_sweep -----------------------------------------------------------------------------


def test_lr_sweep_trains_each_rate_and_picks_the_lowest_validation_loss(blobs):
    X, y, Xv, yv = blobs
    lrs = [0.01, 0.1, 1.0]
    sweep = lr_sweep(
        small_net, lambda lr: SGD(lr=lr), lrs, X, y, Xv, yv, batch_size=8, epochs=3, seed=2
    )
    for lr, h, loss in zip(lrs, sweep.histories, sweep.val_losses, strict=True):
        ref = train(
            small_net(), X, y, SGD(lr=lr), batch_size=8, epochs=3, seed=2, X_val=Xv, y_val=yv
        )
        assert_allclose(h.w, ref.w)
        assert loss == ref.val_losses[-1]
    assert sweep.best_lr == lrs[int(np.argmin(sweep.val_losses))]
    assert_array_equal(sweep.lrs, lrs)
    assert np.all((sweep.val_accuracy >= 0) & (sweep.val_accuracy <= 1))


def test_lr_sweep_counts_a_diverged_run_as_infinitely_bad():
    d = make_linear_regression(n=40, seed=1)
    X, y = d.X * 10, d.y  # large inputs: steep curvature, so lr = 10 blows up
    sweep = lr_sweep(
        lambda: MLP([1, 1]), lambda lr: SGD(lr=lr), [1e-3, 10.0], X, y, X, y, epochs=20
    )
    assert sweep.histories[1].diverged
    assert sweep.val_losses[1] == math.inf and math.isnan(sweep.val_accuracy[1])
    assert math.isnan(sweep.val_accuracy[0])  # regression: no accuracy at all
    assert sweep.best_lr == 1e-3


def test_lr_sweep_rejects_bad_arguments(blobs):
    X, y, Xv, yv = blobs
    opt = lambda lr: SGD(lr=lr)  # noqa: E731
    with pytest.raises(ValueError, match="lrs"):
        lr_sweep(small_net, opt, [0.1, -1.0], X, y, Xv, yv)
    with pytest.raises(ValueError, match="lrs"):
        lr_sweep(small_net, opt, [], X, y, Xv, yv)
    with pytest.raises(TypeError, match="make_model"):
        lr_sweep(None, opt, [0.1], X, y, Xv, yv)


# --- restarts -----------------------------------------------------------------------------


def test_restarts_vary_the_seed_of_the_weights_and_the_batches(blobs):
    X, y, Xv, yv = blobs
    runs = restarts(
        small_net, Adam(lr=0.01), X, y, seeds=(0, 3), batch_size=8, epochs=2, X_val=Xv, y_val=yv
    )
    assert list(runs) == [0, 3]
    for s, h in runs.items():
        ref = train(
            small_net(s), X, y, Adam(lr=0.01), batch_size=8, epochs=2, seed=s, X_val=Xv, y_val=yv
        )
        assert_allclose(h.w, ref.w)
    assert not np.allclose(runs[0].w, runs[3].w)


def test_restarts_reject_bad_arguments(blobs):
    X, y, _, _ = blobs
    with pytest.raises(ValueError, match="seed"):
        restarts(small_net, SGD(lr=0.1), X, y, seed=1)
    with pytest.raises(ValueError, match="seeds"):
        restarts(small_net, SGD(lr=0.1), X, y, seeds=())
    with pytest.raises(ValueError, match="seeds"):
        restarts(small_net, SGD(lr=0.1), X, y, seeds=(-1,))
    with pytest.raises(TypeError, match="make_model"):
        restarts("net", SGD(lr=0.1), X, y)


# --- run_updates --------------------------------------------------------------------------


def test_run_updates_makes_exactly_the_budget_whatever_the_batch_size(blobs):
    X, y, Xv, yv = blobs  # N = 40
    for B, seen in [(1, 25), (8, 200), (40, 1000), (16, 16 + 16 + 8 + 16 + 16 + 8)]:
        updates = 25 if B != 16 else 6  # B = 16: batches of 16, 16, 8 per epoch
        run = run_updates(small_net(), X, y, SGD(lr=0.1), B, updates, Xv, yv, eval_every=5)
        assert run.steps[-1] == updates and run.diverged_at is None
        assert run.examples_seen[-1] == seen
    assert_array_equal(run.steps, [0, 5, 6])  # every 5 updates, and the last one


def test_run_updates_with_full_batches_matches_train(blobs):
    X, y, Xv, yv = blobs
    model = small_net()
    w0 = model.get_flat()
    run = run_updates(model, X, y, SGD(lr=0.5, momentum=0.9), 40, 12, Xv, yv, eval_every=4)
    assert_array_equal(model.get_flat(), w0)  # the model is left as it was
    h = train(small_net(), X, y, SGD(lr=0.5, momentum=0.9), epochs=12, X_val=Xv, y_val=yv)
    assert_array_equal(run.steps, [0, 4, 8, 12])
    assert_allclose(run.train_loss, h.epoch_losses[[0, 4, 8, 12]], rtol=1e-10)
    assert_allclose(run.val_loss, h.val_losses[[0, 4, 8, 12]], rtol=1e-10)
    assert_allclose(run.train_accuracy, h.epoch_accuracy[[0, 4, 8, 12]])
    assert_allclose(run.val_accuracy, h.val_accuracy[[0, 4, 8, 12]])
    assert_array_equal(run.examples_seen, [0, 160, 320, 480])


def test_run_updates_stops_when_the_loss_blows_up(blobs):
    X, y, Xv, yv = blobs
    run = run_updates(small_net(), X * 50, y, Adam(lr=10.0), 4, 100, Xv * 50, yv)
    assert run.diverged_at is not None and run.diverged_at < 100
    assert run.steps[-1] == run.diverged_at  # the curve ends where training stopped
    assert np.all(np.isfinite(run.train_loss))


def test_run_updates_stops_on_non_finite_parameters():
    class Exploding:
        """E(w) = w^2 / 2 whatever the batch; accuracy is 0. GD with lr 3 doubles |w|."""

        def __init__(self):
            self.w = np.array([1.0])

        def get_flat(self):
            return self.w.copy()

        def set_flat(self, w):
            self.w = np.array(w, dtype=float)

        def flat_loss_and_grad(self, w, X, y):
            return 0.5 * float(w @ w), w.copy()

        def flat_accuracy(self, w, X, y):
            return 0.0

    X, y = np.zeros((4, 1)), np.zeros(4, dtype=int)
    # |w_t| = 2^t: the loss stays below 10 x 0.5 for t <= 1, so the batch loss of step 2
    # (w = 4, E = 8) is the first above the limit 5 -> diverged at step 2
    run = run_updates(Exploding(), X, y, SGD(lr=3.0), 4, 50, X, y, eval_every=100)
    assert run.diverged_at == 2
    assert_allclose(run.train_loss, [0.5, 8.0])  # start, and the last parameters w = 4
    # with a huge blowup factor, the bound on |w| stops it: 2^t > 1e6 first at t = 20
    run = run_updates(Exploding(), X, y, SGD(lr=3.0), 4, 50, X, y, blowup=1e300, bound=1e6)
    assert run.diverged_at == 19  # the 20th update (index 19) would give 2^20 > 1e6


def test_run_updates_rejects_bad_arguments(blobs):
    X, y, Xv, yv = blobs
    with pytest.raises(ValueError, match="batch_size"):
        run_updates(small_net(), X, y, SGD(lr=0.1), 41, 10, Xv, yv)
    with pytest.raises(ValueError, match="updates"):
        run_updates(small_net(), X, y, SGD(lr=0.1), 4, 0, Xv, yv)
    with pytest.raises(ValueError, match="blowup"):
        run_updates(small_net(), X, y, SGD(lr=0.1), 4, 10, Xv, yv, blowup=1.0)
    with pytest.raises(ValueError, match="eval_every"):
        run_updates(small_net(), X, y, SGD(lr=0.1), 4, 10, Xv, yv, eval_every=0)


# --- results_table ------------------------------------------------------------------------


def test_results_table_lists_each_run_with_its_test_score(blobs):
    X, y, Xv, yv = blobs
    h = train(small_net(), X, y, SGD(lr=0.3), batch_size=8, epochs=4, X_val=Xv, y_val=yv)
    model = small_net()
    text = results_table({"plain SGD": h}, model, Xv, yv, lrs={"plain SGD": 0.3})
    head, rule, row = text.splitlines()
    assert set(rule) == {"-"} and "test acc" in head and "η" in head
    score = evaluate(model, h.w, Xv, yv)
    fields = row.split()
    assert fields[:3] == ["plain", "SGD", "8"]
    assert fields[3:6] == ["0.3", "4", "20"]  # lr, epochs, updates = 4 * 40 / 8
    assert fields[-1] == f"{score.accuracy:.1%}"
    assert float(fields[-2]) == pytest.approx(score.loss, abs=1e-4)
    no_lr = results_table({"plain SGD": h}, model, Xv, yv)
    assert "η" not in no_lr.splitlines()[0]


def test_results_table_needs_validation_curves(blobs):
    X, y, Xv, yv = blobs
    h = train(small_net(), X, y, SGD(lr=0.3), epochs=1)
    with pytest.raises(ValueError, match="X_val"):
        results_table({"a": h}, small_net(), Xv, yv)
    with pytest.raises(ValueError, match="histories"):
        results_table({}, small_net(), Xv, yv)
