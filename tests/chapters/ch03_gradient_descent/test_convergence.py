"""Chapter 3's convergence and batch-size experiments, against hand-worked cases.

Most tests use a one-parameter problem with every input x_n = 1: the batch gradient is
then w - mean(y_batch), so the error follows e <- (1 - eta) e + eta c with c the mean of
B draws of eps_n = y_n - w*, and everything has a closed form.
"""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from course_utils.chapters.ch03_gradient_descent import convergence as C
from course_utils.least_squares import gradient_covariance, least_squares_problem
from course_utils.schedules import decreasing


def ones_problem(y=(0.0, 1.0, 3.0, 4.0), start=5.0):
    return least_squares_problem(np.ones((len(y), 1)), y, start=[start])


def closed_form_excess(lr, B, k, e0, var):
    """E[(w_k - w*)^2]/2 for e <- (1 - lr) e + lr c, Var c = var / B."""
    r = (1 - lr) ** 2
    return 0.5 * (r**k * e0**2 + lr**2 * var / B * (1 - r**k) / (1 - r))


def test_predicted_floor_by_hand():
    p = least_squares_problem([[1.0], [1.0]], [0.0, 2.0])  # w* = 1, g_n = -1 and +1
    assert C.predicted_floor(p, 0.1, 2) == pytest.approx(0.1 * 1.0 / 8)
    with pytest.raises(ValueError, match="lr must be in"):
        C.predicted_floor(p, 0.0)


def test_expected_excess_matches_the_closed_form():
    p = ones_problem()  # w* = 2, eps = (-2, -1, 1, 2), variance 2.5
    got = C.expected_excess(p, [0.1, 0.5], [1, 4], steps=30)
    for j, lr in enumerate([0.1, 0.5]):
        for i, B in enumerate([1, 4]):
            want = [closed_form_excess(lr, B, k, 3.0, 2.5) for k in range(1, 31)]
            assert_allclose(got[:, i, j], want, rtol=1e-12)
    # the floor is the fixed point lr var / (2B (2 - lr)); to first order lr var / (4B)
    assert_allclose(C.expected_excess(p, [0.1], [1], 2000)[-1, 0, 0], 0.1 * 2.5 / (2 * 1.9))


def test_expected_excess_is_what_many_runs_average_to():
    p = C.line_problem()
    runs = C.excess_curves(p, [0.05], batch_size=2, steps=200, runs=4000, record=[10, 200])
    exact = C.expected_excess(p, [0.05], [2], 200)[[9, 199], 0, 0]
    assert_allclose(runs.excess[0], exact, rtol=0.05)  # 4000 runs: a few per cent


def test_excess_curves_settle_on_the_closed_form_floor_and_decreasing_steps_go_on():
    p = ones_problem()
    curves = C.excess_curves(p, [0.2, decreasing(2.0, 4.0)], steps=2000, runs=400,
                             record=[1000, 2000])  # fmt: skip
    floor = closed_form_excess(0.2, 1, 10_000, 3.0, 2.5)
    assert_allclose(curves.excess[0], floor, rtol=0.1)
    # eta_k = a/(b + k) with 2a lambda = 4 > 1: 1/k, constant a^2 s lambda / (2 (2a lambda - 1))
    assert_allclose(curves.excess[1], 4 * 2.5 / (2 * 3) / (4 + np.array([1000, 2000])),
                    rtol=0.15)  # fmt: skip
    assert_allclose(C.decreasing_limit(p, 2.0, 4.0, 1000), 4 * 2.5 / 6 / 1004)
    with pytest.raises(ValueError, match="a must be > 1/"):
        C.decreasing_limit(p, 0.4, 4.0, 1000)


def test_noise_floors_grow_with_the_rate_as_predicted():
    floors = C.noise_floors(C.line_problem(), [0.005, 0.01, 0.02], steps=3000, runs=40)
    assert_allclose(floors.measured, floors.predicted, rtol=0.15)
    assert np.all(np.diff(floors.measured) > 0)


def test_interpolation_converges_with_a_fixed_rate():
    p = C.line_problem(noise=0.0)
    assert np.trace(gradient_covariance(p, p.w_star)) < 1e-25
    curves = C.excess_curves(p, [0.1], steps=600, runs=5, record=[600])
    assert curves.excess[0, -1] < 1e-25


def test_a_small_numerator_stalls():
    p = ones_problem()  # lambda = 1: a = 0.1 forgets the start only like k^(-0.2)
    exact_like = C.excess_curves(p, [decreasing(0.1, 1.0)], steps=3000, runs=50,
                                 record=[300, 3000])  # fmt: skip
    slope = C.loglog_slope([300, 3000], exact_like.excess[0])
    assert -0.3 < slope < -0.15


def test_loglog_slope():
    k = np.arange(1, 101)
    assert C.loglog_slope(k, 3.0 / k) == pytest.approx(-1.0)
    assert C.loglog_slope(k, k**0.5, lo=10) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="need two steps"):
        C.loglog_slope(k, 1.0 / k, lo=100)


def test_batch_sweep_counts_the_steps_by_hand():
    p = ones_problem()
    sweep = C.batch_sweep(p, [1, 100], [0.1, 0.5], target=0.1, max_steps=400)
    for i, B in enumerate([1, 100]):
        for j, lr in enumerate([0.1, 0.5]):
            values = [closed_form_excess(lr, B, k, 3.0, 2.5) for k in range(1, 401)]
            above = [k for k, v in enumerate(values, start=1) if v > 0.1]
            want = math.nan if values[-1] > 0.1 else max(above, default=0) + 1
            assert sweep.steps[i, j] == pytest.approx(want, nan_ok=True)
    assert np.isnan(sweep.steps[0, 1])  # eta = 0.5, B = 1: floor 0.5 * 2.5 / (2 * 1.5) > 0.1
    assert not np.isnan(sweep.steps[1]).any()  # B = 100: both floors below 0.1
    assert sweep.best_lr.tolist() == [0.1, 0.5]


def test_noise_scale_by_hand():
    p = ones_problem()  # Sigma = var(y) = 2.5 everywhere, gradient w - 2
    assert C.noise_scale(p, [3.0]) == pytest.approx(2.5)
    assert C.noise_scale(p, [2.5]) == pytest.approx(10.0)


def test_critical_batch_size_recovers_the_law():
    B = np.array([1, 4, 16, 64, 256, 1024])
    s_min, b_crit = C.critical_batch_size(B, 5.0 * (1 + 64 / B))
    assert s_min == pytest.approx(5.0, rel=1e-3) and b_crit == pytest.approx(64, rel=1e-3)
    with pytest.raises(ValueError, match="two or more"):
        C.critical_batch_size([1], [3])


def test_line_problem():
    p = C.line_problem(noise=0.0)
    assert_allclose(p.w_star, [2.0, -1.0]) and p.E_star < 1e-25
    assert p.surface.start.tolist() == [-0.5, 1.5]
    with pytest.raises(ValueError, match="give exactly one|rate must be"):
        C.excess_curves(p, [0.0])


def test_noise_scale_at_the_target_of_gradient_descent():
    p = ones_problem()  # e_k = 3 / 2^k with lr = 1/2; e^2/2 <= 0.1 first at k = 3, e = 0.375
    assert C.noise_scale_at(p, target=0.1, lr=0.5) == pytest.approx(2.5 / 0.375**2)
    with pytest.raises(ValueError, match="did not reach"):
        C.noise_scale_at(p, target=0.1, lr=1e-6, max_steps=10)
