"""Chapter 3, instructor only: the reference computations.

The module ``instructor.reference.ch03`` (see ``course_utils/exercises/_hidden.py``):
``expected()``, the stored values of the visible checks, and ``hidden()``, the values of
the hidden checks (``instructor/checks/ch03.py``). It never enters a student's kernel.
"""

import numpy as np

from course_utils.chapters.ch03_gradient_descent import checks as ch03
from course_utils.exercises import _hidden
from course_utils.least_squares import gradient_covariance, least_squares_problem

checks = _hidden.module("ch03")  # the hidden checks: their inputs


def _epoch(grad_fn, w, X, y, lr, batch_size, rng):
    """One epoch: a fresh permutation, consecutive batches, one update per batch."""
    order = rng.permutation(len(X))
    for start in range(0, len(X), batch_size):
        batch = order[start : start + batch_size]
        w = w - lr * grad_fn(w, X[batch], y[batch])
    return w


def _spread_expected(G, B):
    N = len(G)
    sigma = np.sqrt(np.mean(np.sum((G - G.mean(axis=0)) ** 2, axis=1)))
    return sigma / np.sqrt(B) * (np.sqrt((N - B) / (N - 1)) if N > 1 else 0.0)


def _steps(N, B, epochs, drop_last):
    per_epoch = N // B if drop_last else -(-N // B)
    return per_epoch, per_epoch * epochs


def _floor(problem, lr, B):
    """η tr Σ*/(4B) with the course's covariance of one example's gradient at w*."""
    p = least_squares_problem(*ch03.floor_problem(*problem))
    return float(lr * np.trace(gradient_covariance(p, p.w_star)) / (4 * B))


def expected():
    """The expected values of the visible checks, as JSON data."""
    epochs = []
    for N, B, lr, seed in ch03.SGD_EPOCH_CASES:
        X, y, w0 = ch03._problem(N, seed)
        epochs.append(
            _epoch(ch03._line_grad, w0, X, y, lr, B, np.random.default_rng(seed)).tolist()
        )
    G = ch03.spread_gradients()
    return {
        "sgd_epoch": epochs,
        "minibatch_spread": [float(_spread_expected(G, B)) for B in ch03.SPREAD_BATCHES],
        "training_steps": [list(_steps(*case)) for case in ch03.STEPS_CASES],
        "noise_floor": [_floor(*case) for case in ch03.FLOOR_CASES],
    }


def hidden():
    """The values of the hidden checks, as JSON data: w after each epoch of the sine
    model's run, and the steps of the edge cases."""
    X, y, w, lr, B, seed = checks.sine_run()
    rng, runs = np.random.default_rng(seed), []
    for _ in range(checks.SINE_EPOCHS):
        w = _epoch(checks._sine_grad, w, X, y, lr, B, rng)
        runs.append(w.tolist())
    return {"sgd_epoch_more": runs,
            "training_steps_edge": [list(_steps(*case)) for case in checks.STEPS_EDGE],
            "noise_floor": [_floor(*case) for case in checks.FLOOR_MORE]}  # fmt: skip
