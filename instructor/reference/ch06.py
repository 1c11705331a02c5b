"""Chapter 6, instructor only: the reference computations.

The module ``instructor.reference.ch06`` (see ``course_utils/exercises/_hidden.py``):
``expected()``, the stored values of the visible checks, and ``hidden()``, the values of
the hidden checks (``instructor/checks/ch06.py``). It never enters a student's kernel.
"""

import numpy as np

from course_utils.chapters.ch06_adaptive import checks as ch06
from course_utils.exercises import _hidden
from course_utils.optimizers import Adagrad, Adam

checks = _hidden.module("ch06")  # the hidden checks: their inputs


def _adam_runs(cases):
    runs = []
    for shape, steps, kw, seed in cases:
        w, grads = ch06.adam_inputs(shape, steps, seed)
        opt = Adam(lr=kw["lr"], betas=(kw["beta1"], kw["beta2"]), eps=kw["eps"])
        state, run = opt.init(w), []
        for g in grads:
            w, state = opt.step(w, g, state)
            run.append([w.tolist(), state.m.tolist(), state.v.tolist()])
        runs.append(run)
    return runs


def _first_adam_step(lr=0.01, g=(4e-3, -250.0, 7.0)):
    g = np.asarray(g, dtype=float)
    b1, b2, eps = 0.9, 0.999, 1e-8
    m, v = (1 - b1) * g, (1 - b2) * g**2
    corrected = -lr * (m / (1 - b1)) / (np.sqrt(v / (1 - b2)) + eps)
    return corrected.tolist(), (-lr * m / (np.sqrt(v) + eps)).tolist()


def _factor(beta1, beta2, t):
    """Uncorrected over corrected step after t gradients equal to 1 (ε = 0), by running
    the two moment recursions."""
    m = v = 0.0
    for _ in range(t):
        m, v = beta1 * m + (1 - beta1), beta2 * v + (1 - beta2)
    return float((m / np.sqrt(v)) / ((m / (1 - beta1**t)) / np.sqrt(v / (1 - beta2**t))))


def _adagrad_rate(lr, g, k):
    opt = Adagrad(lr=lr)
    g = np.asarray(g, dtype=float)
    w, state = np.zeros_like(g), opt.init(np.zeros_like(g))
    for _ in range(k):  # the k-th step of torch's Adagrad, with the same g every time
        w_prev = w
        w, state = opt.step(w, g, state)
    return ((w_prev - w) / g).tolist()  # the rate that multiplied g in step k


def expected():
    """The expected values of the visible checks, as JSON data."""
    return {
        "adam_step": _adam_runs(ch06.ADAM_CASES),
        "first_adam_step": list(_first_adam_step()),
        "adam_factor": [_factor(*case) for case in ch06.FACTOR_CASES],
        "adagrad_rate": [_adagrad_rate(*case) for case in ch06.adagrad_cases()],
    }


def hidden():
    """The values of the hidden checks, as JSON data."""
    return {
        "adam_step": _adam_runs(checks.ADAM_MORE),
        "adam_factor": [_factor(*case) for case in checks.FACTOR_MORE],
    }
