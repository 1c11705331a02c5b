"""Chapter 4, instructor only: the reference computations and the hidden checks.

The module ``instructor.checks.ch04`` (see ``course_utils/exercises/_hidden.py``).
"""

import math

import numpy as np

from course_utils.chapters.ch04_learning_rate import checks as ch04
from course_utils.schedules import cosine


# --- reference computations (the solutions: never shipped as checker code) ----------------
def _clip(g, c):
    """g scaled to norm c if its norm exceeds c, else g itself."""
    norm = math.sqrt(float(np.sum(g * g)))
    return g if norm <= c else g * (c / norm)


def _sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0, e) / (1.0 + e)


def _output_grads(z, t):
    s = _sigmoid(z)
    return (s - t) * s * (1.0 - s), s - t


def _cosine_run(lr, T, lr_min):
    return [cosine(lr, T, lr_min)(t) for t in range(0, T + 6)]


def _escape(x0, lr, mu, radius):
    """First k with |x0| (1 + lr mu)^k > radius."""
    return math.floor(math.log(radius / abs(x0)) / math.log(1 + lr * mu)) + 1


def _reach(lr, gamma, slope, start):
    """slope * sum over t >= start of lr gamma^t."""
    return slope * lr * gamma**start / (1 - gamma)


def expected():
    """The expected values of the visible checks, as JSON data."""
    outputs = [_output_grads(np.asarray(z, dtype=float), t) for z, t in ch04.OUTPUT_CASES]
    return {
        "clip_by_norm": [_clip(g, c).tolist() for g, c in ch04.CLIP_CASES],
        "output_gradients": [[float(sq), float(nll)] for sq, nll in outputs],
        "cosine_lr": [[float(x) for x in _cosine_run(*case)] for case in ch04.COSINE_CASES],
        "escape_steps": [_escape(*case) for case in ch04.ESCAPE_CASES],
        "exponential_reach": [_reach(*case) for case in ch04.REACH_CASES],
    }


def _expected_of(cases, reference):
    return [reference(*case) for case in cases]


# --- hidden checks --------------------------------------------------------------------------
def check_clip_by_norm_more(clip_by_norm):
    """Exercise 4.1, hidden: random vectors and thresholds, a zero gradient, norm == c."""
    gen = np.random.default_rng(41)
    cases = [(gen.normal(size=n) * gen.uniform(0.1, 20.0), gen.uniform(0.5, 5.0)) for n in
             (1, 2, 3, 5, 8, 13, 50)]  # fmt: skip
    cases += [(np.zeros(4), 1.0), (np.array([0.6, 0.8]), 1.0)]
    ch04._check_clip_cases(clip_by_norm, cases, _expected_of(cases, _clip))
    ch04.passed("clip_by_norm also handles random vectors, a zero gradient and ||g|| = max_norm.")


def check_output_gradients_more(output_gradients):
    """Exercise 4.2, hidden: arrays of z, strongly saturated units, t = 0 and t = 1."""
    z = np.array([-30.0, -12.0, -1.0, 0.5, 4.0, 12.0, 30.0])
    cases = [(z, 1.0), (z, 0.0)]
    ch04._check_grad_cases(output_gradients, cases, _expected_of(cases, _output_grads))
    ch04.passed("output_gradients works on arrays and far into saturation.")


def check_cosine_lr_more(cosine_lr):
    """Exercise 4.3, hidden: a one-step schedule, lr_min = lr, long runs."""
    cases = [(0.3, 1, 0.0), (0.2, 5, 0.2), (0.05, 101, 0.001)]
    ch04._check_cosine_cases(cosine_lr, cases, _expected_of(cases, _cosine_run))
    ch04.passed("cosine_lr also handles total_steps = 1, lr_min = lr and long runs.")
