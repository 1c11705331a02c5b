"""Chapter 5, instructor only: the hidden checks, their inputs and their logic.

The module ``instructor.checks.ch05`` (see ``course_utils/exercises/_hidden.py``). In a
graded run this source enters the student's sandboxed kernel, so it holds no solution:
the values it compares with, ``HIDDEN``, are computed by ``instructor/reference/ch05.py``.
Each check asks the student's function about inputs the page never shows, with the
chapter's own implementations of the exercise made to raise (``ch05.own_call``).
"""

import numpy as np

from course_utils import exercises
from course_utils.chapters.ch05_momentum import checks as ch05

HIDDEN = exercises.hidden(__name__)  # the reference's values: instructor/reference/ch05.py

#: (seed, eigenvalues) of Hessians Q diag(λ) Qᵀ with a random rotation Q: κ from 1 to 150
TUNING_SPECTRA = [
    (51, (0.5, 2.0, 7.0, 30.0)),
    (52, (2.0, 3.0, 5.0, 50.0, 100.0, 300.0)),
    (53, (1e-3, 4e-3, 2e-2)),
    (54, (4.0, 4.0)),
]


def tuning_hessians():
    """Symmetric positive definite matrices with the spectra of :data:`TUNING_SPECTRA`."""
    hessians = []
    for seed, lam in TUNING_SPECTRA:
        q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(len(lam), len(lam))))
        H = q @ np.diag(lam) @ q.T
        hessians.append((H + H.T) / 2)
    return hessians


def check_optimal_momentum_hidden(optimal_momentum):
    """5.2 (hidden): rotated Hessians of sizes 2 to 6, κ = 1 to 150, tiny eigenvalues."""
    for H, want in zip(tuning_hessians(), HIDDEN["optimal_momentum"], strict=True):
        got = ch05.own_call("5.2", "optimal_momentum", optimal_momentum, H.copy())
        try:
            got = tuple(float(x) for x in got)
        except (TypeError, ValueError):
            ch05.fail("optimal_momentum", "three numbers (lr, beta, rate)", repr(got))
        ch05.check_close(f"(lr, beta, rate) for a {len(H)}×{len(H)} H", got, want, rtol=1e-8)
    ch05.passed("optimal_momentum also tunes rotated Hessians of other sizes by itself.")


#: (beta, lam_max) the page never shows
STABLE_MORE = [(0.75, 12.0), (0.1, 0.05), (0.95, 3000.0), (0.6, 0.4), (0.45, 7.5)]


def check_largest_stable_lr_hidden(largest_stable_lr):
    """5.3 (hidden): other momenta and curvatures."""
    for (beta, lam_max), want in zip(STABLE_MORE, HIDDEN["largest_stable_lr"], strict=True):
        got = ch05.own_call("5.3", "largest_stable_lr", largest_stable_lr, beta, lam_max)
        ch05.check_close(f"largest_stable_lr({beta}, {lam_max})", got, want, rtol=1e-8)
    ch05.passed("largest_stable_lr also holds for momenta and curvatures the page never shows.")


#: (lr, beta, lam), away from every boundary of the phase diagram
REGIME_MORE = [
    (0.02, 0.2, 3.0),  # ηλ = 0.06, critical β = 0.570: monotone
    (0.003, 0.3, 20.0),  # ηλ = 0.06: monotone
    (0.05, 0.8, 2.0),  # ηλ = 0.1, critical β = 0.467: oscillating
    (0.001, 0.95, 10.0),  # ηλ = 0.01, critical β = 0.81: oscillating
    (0.7, 0.1, 2.0),  # ηλ = 1.4, (√1.4 − 1)² = 0.033: oscillating
    (0.6, 0.02, 2.5),  # ηλ = 1.5, (√1.5 − 1)² = 0.051: sign-flipping
    (0.4, 0.1, 6.0),  # ηλ = 2.4 > 2 + 2β = 2.2: divergent
    (2.0, 0.6, 2.0),  # ηλ = 4 > 3.2: divergent
]


def check_regime_and_rate_hidden(regime_and_rate):
    """5.4 (hidden): other cases of every regime."""
    names, rates = HIDDEN["regime"]["names"], HIDDEN["regime"]["rates"]
    for (lr, beta, lam), name, rate in zip(REGIME_MORE, names, rates, strict=True):
        got = ch05.own_call("5.4", "regime_and_rate", regime_and_rate, lr, beta, lam)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            ch05.fail("regime_and_rate", "a pair (regime name, rate)", repr(got))
        where = f"regime_and_rate(lr={lr}, beta={beta}, lam={lam})"
        ch05.check_equal(f"the regime of {where}", got[0], name)
        ch05.check_close(f"the rate of {where}", got[1], rate, rtol=1e-8)
    ch05.passed("regime_and_rate also predicts cases the page never shows.")
