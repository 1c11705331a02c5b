r"""Checkers for chapter 3, batch, stochastic and mini-batch descent.

- 3.1 ``check_sgd_epoch``: one epoch of mini-batch SGD, compared number for number.
- 3.2 ``check_minibatch_spread``: the spread of mini-batch gradients around the full one.
- 3.3 ``check_training_steps``: steps per epoch and in total, with and without drop_last.
- 3.4 ``check_noise_floor``: SGD's noise floor for a given rate and batch size, predicted,
  then set beside the exact expectation of the runs.
"""

import math

import numpy as np

from course_utils import exercises
from course_utils.chapters.ch03_gradient_descent import convergence
from course_utils.data import make_linear_regression
from course_utils.exercises._feedback import (
    call,
    check_close,
    check_equal,
    check_true,
    fail,
    is_close,
    passed,
)
from course_utils.exercises._forbid import without
from course_utils.least_squares import gradient_covariance, least_squares_problem

EXPECTED, __getattr__ = exercises.bind(__name__)  # stored values; hidden checks


# --- inputs ------------------------------------------------------------------------------
def _line_grad(w, Xb, yb):
    """Gradient of the mean of 1/2 (w0 x + w1 - y)^2 over a batch: the linear model."""
    r = w[0] * Xb[:, 0] + w[1] - yb
    return np.array([np.mean(r * Xb[:, 0]), np.mean(r)])


def _problem(N, seed, n_params=2):
    gen = np.random.default_rng(1000 + seed)
    X = gen.uniform(-2.0, 2.0, size=(N, 1))
    y = 1.5 * X[:, 0] - 0.5 + 0.3 * gen.normal(size=N)
    w0 = gen.normal(size=n_params)
    return X, y, w0


def _call_epoch(sgd_epoch, grad_fn, w0, X, y, lr, B, seed):
    w_in = w0.copy()
    got = call("sgd_epoch", sgd_epoch, grad_fn, w_in, X, y, lr, B, np.random.default_rng(seed))
    if not np.array_equal(w_in, w0):
        fail(
            "sgd_epoch",
            "the starting w left unchanged",
            "w was modified in place",
            "write w = w - lr * g (a new array) rather than w -= lr * g",
        )
    return got


# --- exercise 3.1 ------------------------------------------------------------------------
SGD_EPOCH_CASES = [(10, 1, 0.1, 0), (10, 3, 0.2, 1), (10, 10, 0.3, 2), (12, 4, 0.05, 3),
                   (7, 2, 0.1, 4)]  # fmt: skip
_HINT_31 = (
    "one epoch visits every example exactly once, in one random order drawn at the start, "
    "and makes one update per batch; the check draws the same order only if you call the "
    "generator as the task says"
)


def check_sgd_epoch(sgd_epoch):
    """Exercise 3.1: one epoch of mini-batch SGD, compared number for number."""
    for (N, B, lr, seed), expected in zip(SGD_EPOCH_CASES, EXPECTED["sgd_epoch"], strict=True):
        X, y, w0 = _problem(N, seed)
        got = _call_epoch(sgd_epoch, _line_grad, w0, X, y, lr, B, seed)
        check_close(
            f"sgd_epoch(N={N}, batch_size={B}, lr={lr})", got, expected, 1e-10, 1e-12, _HINT_31
        )
    passed("sgd_epoch reproduces one epoch of mini-batch SGD for batch sizes 1, 2, 3, 4 and N.")


# --- exercise 3.2 ------------------------------------------------------------------------
def spread_gradients():
    """The 40 x 2 per-example gradients of exercise 3.2's check."""
    gen = np.random.default_rng(32)
    return gen.normal(size=(40, 2)) * [2.0, 0.5] + [1.0, -1.0]


SPREAD_BATCHES = (1, 4, 10, 20, 40)


def check_minibatch_spread(minibatch_spread):
    """Exercise 3.2: the measured spread of mini-batch gradients around the full one."""
    G = spread_gradients()
    trials = 4000
    hint = (
        "each trial is one mini-batch of B different examples; measure how far its mean "
        "gradient lands from the full gradient, and average the squared distances before "
        "taking the root"
    )
    spreads = {}
    for B, expected in zip(SPREAD_BATCHES, EXPECTED["minibatch_spread"], strict=True):
        got = call("minibatch_spread", minibatch_spread, G, B, trials, np.random.default_rng(B))
        spreads[B] = got
        if B == len(G):
            check_close(
                "spread for B = N (the full batch)",
                got,
                0.0,
                0.0,
                1e-9,
                "a batch of all N examples is the full batch: no noise at all",
            )
        else:
            check_close(f"spread for B = {B} of N = {len(G)}", got, expected, 0.08, 0.0, hint)
    ratio = spreads[1] / spreads[4]
    expected_ratio = 2 * math.sqrt((len(G) - 1) / (len(G) - 4))
    check_close("spread(B=1) / spread(B=4)", ratio, expected_ratio, 0.08, 0.0, hint)
    again = call("minibatch_spread", minibatch_spread, G, 10, trials, np.random.default_rng(999))
    check_true(
        "minibatch_spread",
        again != spreads[10],
        "two different random generators gave exactly the same spread",
        "measure it: draw the batches with the generator rng you are given",
    )
    passed(
        f"minibatch_spread measures the noise; spread(B=1)/spread(B=4) = {ratio:.3f} "
        f"(theory {expected_ratio:.3f} with the finite-population correction)."
    )


# --- exercise 3.3 ------------------------------------------------------------------------
def _check_steps(training_steps, cases, expected):
    for (N, B, epochs, drop_last), want in zip(cases, expected, strict=True):
        got = call("training_steps", training_steps, N, B, epochs, drop_last=drop_last)
        try:
            got = tuple(int(k) for k in got)
        except (TypeError, ValueError):
            fail("training_steps", "a pair of integers", repr(got), "return (per_epoch, total)")
        check_equal(
            f"training_steps(N={N}, B={B}, epochs={epochs}, drop_last={drop_last})",
            got,
            tuple(want),
            "with drop_last=False the last, smaller batch still makes a step: ceil(N/B); "
            "with drop_last=True it is skipped: floor(N/B)",
        )


STEPS_CASES = [(1000, 64, 5, False), (1000, 64, 5, True), (60000, 1, 2, False),
               (60000, 60000, 30, False), (256, 32, 10, False), (256, 32, 10, True),
               (50, 8, 3, False), (50, 8, 3, True)]  # fmt: skip


def check_training_steps(training_steps):
    """Exercise 3.3: steps per epoch and total training steps."""
    _check_steps(training_steps, STEPS_CASES, EXPECTED["training_steps"])
    passed("training_steps counts steps per epoch and in total, with and without drop_last.")


# --- 3.4: predict the noise floor, then compute what the runs average to ----------------------
def floor_problem(kind, n, size, seed):
    """``(X, y)`` of exercise 3.4: ``kind`` "line" is ``make_linear_regression(n,
    noise=size, seed=seed)`` with the features ``(x, 1)``; "random" has ``size - 1``
    normal features and a constant one, and targets with heavy-tailed noise."""
    if kind == "line":
        data = make_linear_regression(n=n, noise=size, seed=seed)
        return np.column_stack([data.X[:, 0], np.ones(n)]), data.y[:, 0]
    gen = np.random.default_rng(seed)
    X = np.column_stack([gen.normal(size=(n, size - 1)), np.ones(n)])
    return X, X @ gen.normal(size=size) + 0.3 * gen.standard_t(4, size=n)


#: ``((kind, n, size, seed), lr, batch_size)``, with ηλ small: the first order is within 4 %
FLOOR_CASES = [(("line", 40, 0.3, 3), 0.01, 1), (("random", 50, 3, 5), 0.02, 4),
               (("line", 100, 1.0, 4), 0.05, 8)]  # fmt: skip
#: the course's functions that compute the floor: they raise while the prediction runs
FLOOR_IMPLEMENTATIONS = (
    convergence.predicted_floor,
    convergence.noise_floors,
    convergence.expected_excess,
    convergence.excess_curves,
    gradient_covariance,
)


def floor_cases(noise_floor, cases, stored, confirm=True):
    """Compare ``noise_floor(lr, batch_size, X, y)`` with ``stored``; with ``confirm``, set
    it beside the expected excess loss of SGD after many steps, computed exactly."""
    lines = [f"{'N':>4} {'d':>2} {'η':>5} {'B':>2} {'your floor':>11} {'runs (exact)':>13}"]
    for (problem, lr, B), want in zip(cases, stored, strict=True):
        X, y = floor_problem(*problem)
        where = f"noise_floor({lr}, {B}, X, y) for N = {len(X)}, d = {X.shape[1]}"
        with without(noise_floor, FLOOR_IMPLEMENTATIONS, "3.4"):
            got = call("noise_floor", noise_floor, lr, B, X.copy(), y.copy())
        hint = ("Σ* is the covariance of one example's gradient (not a batch's) at the "
                "minimum w*, where the mean gradient is zero")  # fmt: skip
        check_close(where, got, want, rtol=1e-6, hint=hint)
        if confirm:
            p = least_squares_problem(X, y)
            steps = int(8 / (lr * np.linalg.eigvalsh(p.H)[0]))
            exact = float(convergence.expected_excess(p, [lr], [B], steps)[-1, 0, 0])
            check_true(f"{where} against the runs",
                       is_close(f"{where} against the exact expectation", got, exact, 0.1),
                       f"yours {float(got):.3e}, the runs average to {exact:.3e}")  # fmt: skip
            lines.append(f"{len(X):>4} {X.shape[1]:>2} {lr:>5g} {B:>2} {float(got):>11.3e} "
                         f"{exact:>13.3e}")  # fmt: skip
    return lines


def check_noise_floor(noise_floor):
    """3.4: ``noise_floor(lr, batch_size, X, y)``, the expected excess loss of SGD with a
    fixed rate, predicted, then set beside the exact expectation of the runs."""
    if not callable(noise_floor):
        fail("noise_floor", "a function noise_floor(lr, batch_size, X, y)", repr(noise_floor))
    lines = floor_cases(noise_floor, FLOOR_CASES, EXPECTED["noise_floor"])
    passed("your floors are what SGD's runs average to, after many steps:\n" + "\n".join(lines))
