"""Chapter 4, instructor only: the reference computations.

The module ``instructor.reference.ch04`` (see ``course_utils/exercises/_hidden.py``):
``expected()``, the stored values of the visible checks, and ``hidden()``, the values of
the hidden checks (``instructor/checks/ch04.py``). It never enters a student's kernel.
"""

import math

import numpy as np

from course_utils.chapters.ch04_learning_rate import checks as ch04
from course_utils.exercises import _hidden
from course_utils.schedules import cosine

checks = _hidden.module("ch04")  # the hidden checks: their inputs


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


def hidden():
    """The values of the hidden checks, as JSON data."""
    grads = [_output_grads(np.asarray(z, dtype=float), t) for z, t in checks.output_cases()]
    return {
        "clip_by_norm_more": [_clip(g, c).tolist() for g, c in checks.clip_cases()],
        "output_gradients_more": [
            [np.asarray(sq).tolist(), np.asarray(nll).tolist()] for sq, nll in grads
        ],  # fmt: skip
        "cosine_lr_more": [[float(x) for x in _cosine_run(*case)] for case in checks.COSINE_MORE],
    }
