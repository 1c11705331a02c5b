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


# --- 3.4: predict the noise floor -------------------------------------------------------------
def noise_floor(lr, batch_size, X, y):
    w_star = np.linalg.lstsq(X, y, rcond=None)[0]
    r = X @ w_star - y
    return lr * np.mean(r**2 * np.sum(X**2, axis=1)) / (4 * batch_size)  # tr Σ* = mean r²‖x‖²


def test_noise_floor_reference_passes_and_sits_beside_the_runs(capsys):
    ch03.check_noise_floor(noise_floor)
    ch03.check_noise_floor_hidden(noise_floor)
    out = capsys.readouterr().out
    assert out.count("✓") == 2 and "runs (exact)" in out


def _floor_of_a_batch(lr, batch_size, X, y):  # Σ* of a batch, divided by B once more
    return noise_floor(lr, batch_size, X, y) / batch_size


def _floor_without_half(lr, batch_size, X, y):  # η tr Σ*/(2B): the loss has its ½
    return 2 * noise_floor(lr, batch_size, X, y)


def _floor_at_zero(lr, batch_size, X, y):  # the covariance around w = 0, not w*
    return lr * np.mean(y**2 * np.sum(X**2, axis=1)) / (4 * batch_size)


def _floor_from_the_course(lr, batch_size, X, y):
    from course_utils.chapters.ch03_gradient_descent import convergence
    from course_utils.least_squares import least_squares_problem

    return convergence.predicted_floor(least_squares_problem(X, y), lr, batch_size)


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (_floor_of_a_batch, "one example's gradient"),
        (_floor_without_half, "one example's gradient"),
        (_floor_at_zero, "one example's gradient"),
        (_floor_from_the_course, "implements exercise 3.4"),
    ],
)
def test_noise_floor_rejects_wrong_and_borrowed_answers(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        ch03.check_noise_floor(wrong)
    with pytest.raises(ExerciseError):
        ch03.check_noise_floor_hidden(wrong)


def test_the_first_order_floor_is_within_four_percent_of_the_exact_one():
    """The cases keep ηλ small, so the confirmation's 10 % holds with room."""
    from course_utils.chapters.ch03_gradient_descent import convergence
    from course_utils.least_squares import least_squares_problem

    for problem, lr, B in ch03.FLOOR_CASES:
        p = least_squares_problem(*ch03.floor_problem(*problem))
        steps = int(8 / (lr * np.linalg.eigvalsh(p.H)[0]))
        exact = convergence.expected_excess(p, [lr], [B], steps)[-1, 0, 0]
        assert 1.0 < exact / convergence.predicted_floor(p, lr, B) < 1.04
