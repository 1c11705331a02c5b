"""The checkers of chapter 3 accept the reference solutions and reject typical mistakes."""

import numpy as np
import pytest

from course_utils.chapters.ch03_gradient_descent import checks as ch03
from course_utils.exercises import ExerciseError


# --- reference solutions, written here independently of the checkers ----------------------
def sgd_epoch(grad_fn, w, X, y, lr, batch_size, rng):
    idx = rng.permutation(len(X))
    for k in range(0, len(X), batch_size):
        b = idx[k : k + batch_size]
        w = w - lr * grad_fn(w, X[b], y[b])
    return w


def sgd_epoch_no_shuffle(grad_fn, w, X, y, lr, batch_size, rng):
    for k in range(0, len(X), batch_size):
        w = w - lr * grad_fn(w, X[k : k + batch_size], y[k : k + batch_size])
    return w


def sgd_epoch_drops_last(grad_fn, w, X, y, lr, batch_size, rng):
    idx = rng.permutation(len(X))
    for k in range(0, len(X) - batch_size + 1, batch_size):
        b = idx[k : k + batch_size]
        w = w - lr * grad_fn(w, X[b], y[b])
    return w


def sgd_epoch_in_place(grad_fn, w, X, y, lr, batch_size, rng):
    idx = rng.permutation(len(X))
    for k in range(0, len(X), batch_size):
        b = idx[k : k + batch_size]
        w -= lr * grad_fn(w, X[b], y[b])
    return w


def sgd_epoch_reshuffles_each_batch(grad_fn, w, X, y, lr, batch_size, rng):
    for _ in range(0, len(X), batch_size):
        b = rng.permutation(len(X))[:batch_size]
        w = w - lr * grad_fn(w, X[b], y[b])
    return w


def minibatch_spread(G, B, trials, rng):
    g = G.mean(axis=0)
    d2 = [np.sum((G[rng.permutation(len(G))[:B]].mean(axis=0) - g) ** 2) for _ in range(trials)]
    return np.sqrt(np.mean(d2))


def spread_with_replacement(G, B, trials, rng):
    g = G.mean(axis=0)
    d2 = [np.sum((G[rng.integers(len(G), size=B)].mean(axis=0) - g) ** 2) for _ in range(trials)]
    return np.sqrt(np.mean(d2))


def spread_formula_only(G, B, trials, rng):  # sigma / sqrt(B), not measured
    sigma = np.sqrt(np.mean(np.sum((G - G.mean(axis=0)) ** 2, axis=1)))
    return sigma / np.sqrt(B)


def spread_variance(G, B, trials, rng):  # forgets the square root
    return minibatch_spread(G, B, trials, rng) ** 2


def training_steps(N, B, epochs, drop_last=False):
    per = N // B if drop_last else (N + B - 1) // B
    return per, per * epochs


def steps_always_floor(N, B, epochs, drop_last=False):
    return N // B, N // B * epochs


def steps_ignore_drop_last(N, B, epochs, drop_last=False):
    per = (N + B - 1) // B
    return per, per * epochs


def steps_total_wrong(N, B, epochs, drop_last=False):
    per = N // B if drop_last else (N + B - 1) // B
    return per, per + epochs


def test_sgd_epoch_checkers_accept_the_reference(capsys):
    ch03.check_sgd_epoch(sgd_epoch)
    ch03.check_sgd_epoch_more(sgd_epoch)
    assert capsys.readouterr().out.count("✓") == 2


@pytest.mark.parametrize(
    "wrong",
    [sgd_epoch_no_shuffle, sgd_epoch_drops_last, sgd_epoch_in_place,
     sgd_epoch_reshuffles_each_batch],
)  # fmt: skip
def test_sgd_epoch_checker_rejects_typical_mistakes(wrong):
    with pytest.raises(ExerciseError, match="expected"):
        ch03.check_sgd_epoch(wrong)


def test_sgd_epoch_hidden_checker_rejects_no_shuffle():
    with pytest.raises(ExerciseError, match="expected"):
        ch03.check_sgd_epoch_more(sgd_epoch_no_shuffle)


def test_spread_checker_accepts_the_reference(capsys):
    ch03.check_minibatch_spread(minibatch_spread)
    assert "✓" in capsys.readouterr().out


@pytest.mark.parametrize("wrong", [spread_with_replacement, spread_formula_only, spread_variance])
def test_spread_checker_rejects_typical_mistakes(wrong):
    with pytest.raises(ExerciseError, match="expected"):
        ch03.check_minibatch_spread(wrong)


def test_steps_checkers_accept_the_reference(capsys):
    ch03.check_training_steps(training_steps)
    ch03.check_training_steps_edge(training_steps)
    assert capsys.readouterr().out.count("✓") == 2


@pytest.mark.parametrize("wrong", [steps_always_floor, steps_ignore_drop_last, steps_total_wrong])
def test_steps_checkers_reject_typical_mistakes(wrong):
    with pytest.raises(ExerciseError, match="expected"):
        ch03.check_training_steps(wrong)
    with pytest.raises(ExerciseError, match="expected"):
        ch03.check_training_steps_edge(wrong)
