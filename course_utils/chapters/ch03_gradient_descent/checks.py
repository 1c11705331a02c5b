r"""Checkers for chapter 3, batch, stochastic and mini-batch descent.

- 3.1 ``check_sgd_epoch``: one epoch of mini-batch SGD, compared number for number.
- 3.2 ``check_minibatch_spread``: the spread of mini-batch gradients around the full one.
- 3.3 ``check_training_steps``: steps per epoch and in total, with and without drop_last.
"""

import math

import numpy as np

from course_utils import exercises
from course_utils.exercises._feedback import (
    call,
    check_close,
    check_equal,
    check_true,
    fail,
    passed,
)

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
