"""Chapter 5, instructor only: the reference computations behind the stored values.

The module ``instructor.reference.ch05`` (see ``course_utils/exercises/_hidden.py``):
``expected()``, the stored values of the visible checks, and ``hidden()``, the values of
the hidden checks (``instructor/checks/ch05.py``). It never enters a student's kernel.
"""

import numpy as np

from course_utils.chapters.ch05_momentum import checks as ch05
from course_utils.chapters.ch05_momentum.dynamics import regime
from course_utils.chapters.ch05_momentum.theory import (
    heavy_ball_rate,
    max_stable_lr,
    optimal_heavy_ball,
)
from course_utils.exercises import _hidden
from course_utils.optimizers import SGD

checks = _hidden.module("ch05")  # the hidden checks: their inputs


def _heavy_ball_runs():
    runs = []
    for _, lr, beta, w0, grads in ch05.heavy_ball_inputs():
        opt = SGD(lr=lr, momentum=beta)
        p, state, steps = w0, opt.init(w0), []
        for g in grads:
            p, state = opt.step(p, g, state)
            steps.append([p.tolist(), state.v.tolist()])
        runs.append(steps)
    return runs


def _regimes(cases):
    return {
        "names": [regime(lr * lam, beta) for lr, beta, lam in cases],
        "rates": [float(heavy_ball_rate(lr, beta, lam)) for lr, beta, lam in cases],
    }


def _tuning(H):
    lam = np.linalg.eigvalsh(H)
    d = np.sort(np.diag(H))
    right = [float(x) for x in optimal_heavy_ball(lam[0], lam[-1])]
    diagonal = [float(x) for x in optimal_heavy_ball(max(d[0], 1e-12), d[-1])]
    return right, diagonal


def expected():
    """The expected values of the visible checks, as JSON data."""
    tuning = [_tuning(H) for H in ch05._HESSIANS]
    return {
        "heavy_ball_step": _heavy_ball_runs(),
        "optimal_momentum": {"right": [r for r, _ in tuning], "diagonal": [d for _, d in tuning]},
        "largest_stable_lr": [float(max_stable_lr(b, lam)) for b, lam in ch05.STABLE_CASES],
        "regime": _regimes(ch05.REGIME_CASES),
    }


def hidden():
    """The values of the hidden checks, as JSON data."""
    return {
        "optimal_momentum": [_tuning(H)[0] for H in checks.tuning_hessians()],
        "largest_stable_lr": [float(max_stable_lr(b, lam)) for b, lam in checks.STABLE_MORE],
        "regime": _regimes(checks.REGIME_MORE),
    }
