"""Tests of course_utils.chapters.ch05_momentum.theory against eigenvalues computed by numpy, closed
forms worked out by hand, and iterations run step by step."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from course_utils.chapters.ch05_momentum.theory import (
    Tuning,
    gd_rate,
    heavy_ball_rate,
    max_stable_lr,
    nesterov_rate,
    optimal_gd,
    optimal_heavy_ball,
    predicted_steps,
    stable,
)


def radius_by_eigvals(M):
    return max(abs(np.linalg.eigvals(np.asarray(M, dtype=float))))


def hb_matrix(lr, beta, lam):
    return [[1 + beta - lr * lam, -beta], [1, 0]]


def nag_matrix(lr, beta, lam):
    u = 1 - lr * lam
    return [[(1 + beta) * u, -beta * u], [1, 0]]


lrs = st.floats(1e-3, 1.0)
betas = st.floats(0.0, 0.99)
lams = st.lists(st.floats(0.01, 10.0), min_size=1, max_size=4)


@settings(max_examples=50, deadline=None)
@given(lr=lrs, beta=betas, lam=lams)
def test_rates_are_spectral_radii_of_the_iteration_matrices(lr, beta, lam):
    hb = max(radius_by_eigvals(hb_matrix(lr, beta, x)) for x in lam)
    nag = max(radius_by_eigvals(nag_matrix(lr, beta, x)) for x in lam)
    # a double root makes eigvals inaccurate by ~sqrt(machine eps)
    assert heavy_ball_rate(lr, beta, lam) == pytest.approx(hb, abs=2e-7)
    assert nesterov_rate(lr, beta, lam) == pytest.approx(nag, abs=2e-7)
    assert gd_rate(lr, lam) == pytest.approx(max(abs(1 - lr * x) for x in lam), abs=1e-12)


def test_gd_rate_by_hand():
    assert gd_rate(0.1, [1.0, 10.0]) == pytest.approx(0.9)
    assert gd_rate(0.15, [1.0, 10.0]) == pytest.approx(0.85)  # max(|1 - 0.15|, |1 - 1.5|)
    assert gd_rate(0.25, 10.0) == pytest.approx(1.5)


def test_heavy_ball_rate_is_sqrt_beta_for_complex_roots_and_matches_a_real_case():
    # eta*lam = 1, beta = 0.36: a = 0.36, a^2 - 4 beta < 0 -> sqrt(0.36) = 0.6
    assert heavy_ball_rate(0.5, 0.36, 2.0) == pytest.approx(0.6)
    # lam = 0: roots 1 and beta -> rate 1
    assert heavy_ball_rate(0.5, 0.36, 0.0) == pytest.approx(1.0)
    # beta = 0 reduces to gradient descent
    assert heavy_ball_rate(0.3, 0.0, [1.0, 5.0]) == pytest.approx(0.7)


def test_rates_broadcast_over_learning_rates_and_momenta():
    lr = np.array([0.01, 0.02, 0.03])
    beta = np.array([[0.0], [0.5]])
    r = heavy_ball_rate(lr, beta, [1.0, 100.0])
    assert r.shape == (2, 3)
    for i, b in enumerate(beta[:, 0]):
        for j, eta in enumerate(lr):
            assert r[i, j] == pytest.approx(heavy_ball_rate(eta, b, [1.0, 100.0]))


def test_optimal_gd_closed_form():
    t = optimal_gd(1.0, 9.0)
    assert isinstance(t, Tuning)
    assert t.lr == pytest.approx(0.2) and t.beta == 0.0 and t.rate == pytest.approx(0.8)
    assert gd_rate(t.lr, [1.0, 9.0]) == pytest.approx(t.rate)


def test_optimal_heavy_ball_closed_form_kappa_9_and_100():
    assert optimal_heavy_ball(1.0, 9.0) == pytest.approx((0.25, 0.25, 0.5))
    t = optimal_heavy_ball(2.0, 200.0)  # sqrt(kappa) = 10
    assert t.rate == pytest.approx(9 / 11)
    assert t.beta == pytest.approx((9 / 11) ** 2)
    assert t.lr == pytest.approx(4 / (math.sqrt(200) + math.sqrt(2)) ** 2)


@settings(max_examples=30, deadline=None)
@given(lam_min=st.floats(0.1, 5.0), kappa=st.floats(1.5, 1e3))
def test_optimal_heavy_ball_spirals_at_sqrt_beta_on_the_whole_spectrum(lam_min, kappa):
    lam_max = lam_min * kappa
    t = optimal_heavy_ball(lam_min, lam_max)
    spectrum = np.linspace(lam_min, lam_max, 41)
    each = [radius_by_eigvals(hb_matrix(t.lr, t.beta, x)) for x in spectrum]
    assert_allclose(each, math.sqrt(t.beta), atol=1e-6)
    assert heavy_ball_rate(t.lr, t.beta, spectrum) == pytest.approx(t.rate, abs=1e-6)


@pytest.mark.parametrize("kappa", [4.0, 30.0, 100.0])
def test_no_grid_point_beats_the_optimum(kappa):
    lam = [1.0, kappa]
    hb, gd = optimal_heavy_ball(*lam), optimal_gd(*lam)
    eta = np.geomspace(hb.lr / 4, 4 * gd.lr, 120)
    beta = np.linspace(0.0, 0.98, 99)[:, None]
    assert heavy_ball_rate(eta, beta, lam).min() >= hb.rate - 1e-6
    assert gd_rate(eta, lam).min() >= gd.rate - 1e-9
    assert hb.rate < gd.rate  # momentum is faster for kappa > 1


def test_stability_limits_by_hand_and_by_iteration():
    assert max_stable_lr(0.0, 4.0) == pytest.approx(0.5)
    assert max_stable_lr(0.5, 1.0) == pytest.approx(3.0)
    assert max_stable_lr(0.5, 1.0, nesterov=True) == pytest.approx(1.5)  # 3 / 2
    assert stable(0.49, 0.0, 4.0) and not stable(0.51, 0.0, 4.0)
    assert_allclose(stable(np.array([1.0, 2.9, 3.1]), 0.5, 1.0), [True, True, False])
    for beta in (0.0, 0.5, 0.9):
        for nesterov, rate in ((False, heavy_ball_rate), (True, nesterov_rate)):
            edge = max_stable_lr(beta, 10.0, nesterov)
            assert rate(0.99 * edge, beta, 10.0) < 1 < rate(1.01 * edge, beta, 10.0)


def test_iterating_heavy_ball_shrinks_like_the_rate():
    lr, beta, lam = 0.05, 0.6, np.array([1.0, 20.0])
    x_prev = x = np.array([1.0, 1.0])
    for _ in range(400):
        x, x_prev = x - lr * lam * x + beta * (x - x_prev), x
    measured = np.linalg.norm(x) ** (1 / 400)
    assert measured == pytest.approx(heavy_ball_rate(lr, beta, lam), rel=0.02)


def test_predicted_steps():
    assert predicted_steps(0.5, 1e-3) == 10  # 0.5^10 = 1/1024
    assert predicted_steps(0.1, 1e-6) == 6  # exact power
    assert predicted_steps(0.0) == 1
    assert predicted_steps(0.9) == math.ceil(math.log(1e-6) / math.log(0.9))


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: gd_rate(-0.1, 1.0), "lr"),
        (lambda: heavy_ball_rate(0.1, 1.0, 1.0), "beta"),
        (lambda: heavy_ball_rate(0.1, 0.5, [-1.0, 2.0]), "lam"),
        (lambda: nesterov_rate(0.1, 0.5, []), "lam"),
        (lambda: max_stable_lr(0.5, 0.0), "lam_max"),
        (lambda: stable(0.0, 0.5, 1.0), "lr"),
        (lambda: optimal_gd(0.0, 1.0), "lam_min"),
        (lambda: optimal_heavy_ball(2.0, 1.0), "lam_max"),
        (lambda: predicted_steps(1.0), "rate"),
        (lambda: predicted_steps(0.5, tol=0.0), "tol"),
    ],
)
def test_invalid_arguments_name_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()
