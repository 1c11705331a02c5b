"""The noise floor of momentum at equal effective step (chapter 5's noise module): the
stationary prediction against an independent covariance recursion, its limits by hand,
and the measured floors of the chapter's runs against it."""

import numpy as np
import pytest

from course_utils.chapters.ch03_gradient_descent.convergence import predicted_floor
from course_utils.chapters.ch05_momentum.noise import equal_step_floors, stationary_excess
from course_utils.least_squares import gradient_covariance, least_squares_ravine


def _by_recursion(lam, s2, lr, beta, steps=200_000):
    """Var(e) of e' = (1 + β − ηλ) e − β e_prev − η ξ, by iterating the 2x2 covariance of
    (e, e_prev) to its fixed point (C <- A C Aᵀ + Q), not by the closed form."""
    A = np.array([[1 + beta - lr * lam, -beta], [1.0, 0.0]])
    Q = np.array([[lr**2 * s2, 0.0], [0.0, 0.0]])
    C = np.zeros((2, 2))
    for _ in range(steps):
        C_next = A @ C @ A.T + Q
        if np.allclose(C_next, C, rtol=1e-15, atol=0):
            break
        C = C_next
    return C[0, 0]


@pytest.fixture(scope="module")
def ravine():
    return least_squares_ravine()


@pytest.mark.parametrize(("lr", "beta"), [(0.01, 0.0), (0.001, 0.9), (0.15, 0.0), (0.05, 0.6)])
def test_the_prediction_is_the_fixed_point_of_the_covariance_recursion(ravine, lr, beta):
    lam, U = np.linalg.eigh(ravine.H)
    S = gradient_covariance(ravine, ravine.w_star)
    pairs = zip(lam, U.T, strict=True)
    by_recursion = sum(0.5 * li * _by_recursion(li, u @ S @ u / 8, lr, beta) for li, u in pairs)
    assert stationary_excess(ravine, lr, beta, batch_size=8) == pytest.approx(
        by_recursion, rel=1e-9
    )


def test_the_limits_by_hand(ravine):
    # plain SGD: η s²/(2(2 − ηλ)) per direction; one weight with λ = 1 and s² = 1 at η = 0.1
    from course_utils.least_squares import least_squares_problem

    one = least_squares_problem([[1.0], [-1.0]], [1.0, 1.0])
    assert stationary_excess(one, 0.1) == pytest.approx(0.1 / (2 * 1.9), rel=1e-14)
    # with momentum at the same effective step 0.1: (1 + β)/(2 (2 + 2β − ηλ)) · η/(1 − β)
    assert stationary_excess(one, 0.01, beta=0.9) == pytest.approx(
        0.1 * 1.9 / (2 * (3.8 - 0.01)), rel=1e-14
    )
    # a tiny step: both tend to chapter 3's first-order floor η tr Σ* / 4B
    first = predicted_floor(ravine, 1e-6, batch_size=8)
    assert stationary_excess(ravine, 1e-6, batch_size=8) == pytest.approx(first, rel=1e-5)
    assert stationary_excess(ravine, 1e-7, 0.9, batch_size=8) == pytest.approx(first, rel=1e-5)


def test_beyond_the_stability_limit_is_refused(ravine):
    with pytest.raises(ValueError, match="stability limit"):
        stationary_excess(ravine, 0.21, 0.0)  # λmax = 10: plain SGD's limit is 0.2
    assert stationary_excess(ravine, 0.21, 0.5) > 0  # momentum's is (2 + 1)/10 = 0.3
    with pytest.raises(ValueError, match="beta"):
        stationary_excess(ravine, 0.01, 1.0)


def test_the_chapters_runs_confirm_the_claim(ravine):
    """At a small effective step (η_eff λmax = 0.1) the two floors agree with each other
    within 6 % and each with its prediction within 2 % (400 copies, 1500 steps averaged:
    a standard error near 1 %); near plain SGD's limit (η_eff λmax = 1.5) its floor is
    more than five times momentum's. Least squares' noise grows away from w*, which the
    prediction leaves out: there plain SGD's measured floor is above its prediction."""
    r = equal_step_floors(ravine, [0.01, 0.15], beta=0.9, batch_size=8)
    assert r.plain[0] == pytest.approx(r.predicted_plain[0], rel=0.02)
    assert r.momentum[0] == pytest.approx(r.predicted_momentum[0], rel=0.02)
    assert 1.0 < r.plain[0] / r.momentum[0] < 1.06
    assert r.plain[1] > 5 * r.momentum[1]
    assert r.plain[1] > r.predicted_plain[1]
    # the predictions themselves: 2 − 0.1 against 2 − 0.1 · 0.1/1.9 in the steep direction
    assert r.predicted_plain[1] / r.predicted_momentum[1] > 3
